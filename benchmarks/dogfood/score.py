"""Score SER101 against the hand labels in labels/: true/false positives and misses per project.

    python benchmarks/dogfood/score.py SRC_DIR [PROJECT ...] [--ignore-noqa]

SRC_DIR holds one checkout per project, named ``owner+name`` (see README.md for the commits).
Labels were made by reading the code before serialint ran on it; a finding on a class the
labels do not list counts against precision.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

LABELS = Path(__file__).resolve().parent / "labels"


def findings(src: Path, ignore_noqa: bool) -> list[dict[str, object]]:
    command = [sys.executable, "-m", "serialint", "check", str(src), "--output-format", "json"]
    command += ["--select", "SER101", *(["--ignore-noqa"] if ignore_noqa else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return list(json.loads(done.stdout))


def score(src: Path, name: str, ignore_noqa: bool) -> collections.Counter[str]:
    labels = [
        json.loads(line)
        for line in (LABELS / f"{name}.jsonl").read_text().splitlines()
        if line.strip()
    ]
    by_class: dict[tuple[str, str], list[dict[str, object]]] = collections.defaultdict(list)
    for label in labels:
        by_class[(str(label["file"]), str(label["class"]))].append(label)
    hit: set[int] = set()
    counts: collections.Counter[str] = collections.Counter()
    for finding in findings(src, ignore_noqa):
        file = Path(str(finding["filename"])).relative_to(src.resolve()).as_posix()
        name_in_message = str(finding["message"]).split("`")[1]
        row = int(finding["location"]["row"])  # type: ignore[index]
        near = [
            label
            for label in by_class.get((file, name_in_message), [])
            if abs(int(label["line"]) - row) <= 40
        ]  # type: ignore[arg-type]
        if not near:
            counts["unlabelled"] += 1
            print(f"    UNLABELLED {file}:{row} {name_in_message}")
            continue
        hit.add(id(min(near, key=lambda label: abs(int(label["line"]) - row))))  # type: ignore[arg-type]
    for label in labels:
        flagged, reported = label["verdict"] == "FLAG", id(label) in hit
        counts[
            "tp" if flagged and reported else "fn" if flagged else "fp" if reported else "tn"
        ] += 1
        if flagged != reported:
            kind = "MISS" if flagged else "FALSE POSITIVE"
            print(
                f"    {kind} {label['file']}:{label['line']} {label['class']} ({label['reason']})"
            )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("src", type=Path)
    parser.add_argument("projects", nargs="*")
    parser.add_argument("--ignore-noqa", action="store_true", help="count findings on # noqa lines")
    args = parser.parse_args()
    names = args.projects or sorted(p.stem for p in LABELS.glob("*.jsonl"))
    total: collections.Counter[str] = collections.Counter()
    for name in names:
        counts = score(args.src / name, name, args.ignore_noqa)
        total += counts
        print(_row(name, counts))
    print(_row("TOTAL", total))


def _row(name: str, c: collections.Counter[str]) -> str:
    reported = c["tp"] + c["fp"] + c["unlabelled"]
    precision = c["tp"] / reported if reported else 1.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    return (
        f"{name:42s} TP={c['tp']:3d} FP={c['fp']:2d} FN={c['fn']:2d} unlabelled={c['unlabelled']}"
        f"  precision={precision:.2f} recall={recall:.2f}"
    )


if __name__ == "__main__":
    main()
