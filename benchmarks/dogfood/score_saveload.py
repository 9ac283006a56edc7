"""Score the saving/loading rules against the hand labels in labels-saveload/.

    python benchmarks/dogfood/score_saveload.py SRC_DIR CODE [CODE ...] [--details]

SRC_DIR holds one checkout per project, named ``owner+name``. Labels were made by reading the
code before serialint ran (LABELLING-SAVELOAD.md); a finding matches a FLAG label of the same
code in the same file within two lines (SER201: a finding stands at the keyword, which may be a
few lines below the call the label names, so up to six lines below it). A finding with no such label counts against precision.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels-saveload"
KERAS_IO_FILES = HERE / "keras-io-subset-files.txt"


def findings(root: Path, code: str) -> list[tuple[str, int, str]]:
    command = [sys.executable, "-m", "serialint", "check", str(root), "--select", code]
    done = subprocess.run(
        [*command, "--output-format", "json"], capture_output=True, text=True, check=False
    )
    found = []
    allowed = set(KERAS_IO_FILES.read_text().split()) if root.name.endswith("io-subset") else None
    for finding in json.loads(done.stdout or "[]"):
        file = Path(finding["filename"]).resolve().relative_to(root.resolve()).as_posix()
        if allowed is None or file in allowed:
            found.append((file, int(finding["location"]["row"]), str(finding["message"])))
    return found


def _near(code: str, label: int, row: int) -> bool:
    if code == "SER201":
        return -2 <= row - label <= 6
    return abs(label - row) <= 2


def score(src: Path, code: str, details: bool, labels_dir: Path) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for labels_file in sorted(labels_dir.glob("*.jsonl")):
        root = src / labels_file.stem
        if not root.is_dir():
            continue
        # A project labelled only in part names the folders it covers in <project>.scope.
        scope_file = labels_file.with_suffix(".scope")
        scope = tuple(scope_file.read_text().split()) if scope_file.exists() else ("",)
        labels = [json.loads(line) for line in labels_file.read_text().splitlines() if line.strip()]
        positives = [x for x in labels if x.get("code") == code and x["verdict"] == "FLAG"]
        matched: set[int] = set()
        for file, row, message in findings(root, code):
            if not file.startswith(scope):
                continue
            hit = [
                i
                for i, x in enumerate(positives)
                if x["file"] == file and _near(code, int(x["line"]), row) and i not in matched
            ]
            if hit:
                matched.add(hit[0])
                counts["tp"] += 1
            else:
                counts["fp"] += 1
                if details:
                    print(f"  FP {labels_file.stem} {file}:{row} {message[:100]}")
        for i, label in enumerate(positives):
            if i not in matched:
                counts["fn"] += 1
                if details:
                    note = str(label.get("note", ""))[:90]
                    print(f"  FN {labels_file.stem} {label['file']}:{label['line']} {note}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("codes", nargs="+")
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--labels", type=Path, default=LABELS, help="labels-heldout/, ...")
    args = parser.parse_args()
    for code in args.codes:
        counts = score(args.src, code, args.details, args.labels)
        tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
        precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
        recall = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
        print(f"{code}  TP={tp:3d} FP={fp:3d} FN={fn:3d}  precision={precision} recall={recall}")


if __name__ == "__main__":
    main()
