"""Score the get_config rules (SER102-SER110) against the hand labels in labels-config/.

    python benchmarks/dogfood/score_config.py SRC_DIR [PROJECT ...] [--rules SER102,SER103]
        [--labels DIR] [--details] [--json] [--ignore-noqa]

SRC_DIR holds one checkout per project, named ``owner+name``; without PROJECT every labels file
that has a checkout is scored. The labels follow LABELLING-CONFIG.md: one line per Keras class
(a verdict per rule and a "gate"), SER106/SER108 lines per class, SER106 lines per registry entry.
A finding is mapped by location to the innermost class around its row (the checkout's file is
parsed with ``ast``), or, for SER106, to a registry-entry label within 2 lines of its statement.
Positives are FLAG verdicts on classes whose gate is "judged"; a finding on any other labelled
class or entry is a false positive. Findings on classes with no label line are "unlabelled":
listed with --details for review by hand, and left out of precision = TP / (TP + FP).
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABELS = Path(__file__).resolve().parent / "labels-config"
RULES = ("SER102", "SER103", "SER104", "SER105", "SER106", "SER107", "SER108", "SER109", "SER110")
Klass = tuple[int, int, int, str]  # first decorator line, `class` line, last line, name


@dataclass
class Source:
    classes: list[Klass]
    statements: list[tuple[int, int]]


@dataclass
class Target:
    """A labelled class (its class line merged with its SER106/SER108 lines) or registry entry."""

    file: str
    line: int
    name: str
    gate: str = "judged"
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    span: tuple[int, int] | None = None  # entries only: the lines of the statement
    reported: set[str] = field(default_factory=set)


def parse(path: Path) -> Source | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None  # missing, or Python 2: fall back to the class name in the message
    source = Source([], [])
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            source.classes.append((start, node.lineno, node.end_lineno or node.lineno, node.name))
        if isinstance(node, ast.stmt):
            source.statements.append((node.lineno, node.end_lineno or node.lineno))
    return source


def load_targets(path: Path, source: Callable[[str], Source | None]) -> list[Target]:
    targets: list[Target] = []
    for text in path.read_text().splitlines():
        if not text.strip():
            continue
        label = json.loads(text)
        file, line = str(label["file"]), int(label["line"])
        parsed = source(file)
        verdicts = {code: value for code, value in label.items() if code.startswith("SER")}
        if "entry" in label:
            spans = [s for s in (parsed.statements if parsed else []) if s[0] <= line <= s[1]]
            span = min(spans, key=lambda s: s[1] - s[0], default=(line, line))
            gate = str(label.get("gate", "judged"))
            targets.append(Target(file, line, str(label["entry"]), gate, verdicts, span))
            continue
        name = str(label["class"])
        near = [c for c in (parsed.classes if parsed else []) if c[3] == name]
        near = [c for c in near if c[0] - 3 <= line <= c[1] + 3]  # decorators, or a line off
        if near:
            line = min(near, key=lambda c: abs(c[1] - line))[1]
        elif parsed:
            print(f"warning: {path.stem}: no class {name} near {file}:{line}", file=sys.stderr)
        same = [t for t in targets if t.span is None and t.file == file and t.name == name]
        target = next((t for t in same if abs(t.line - line) <= 3), None)
        if target is None:
            target = Target(file, line, name)
            targets.append(target)
        target.verdicts.update(verdicts)
        target.gate = str(label.get("gate", target.gate))
    return targets


def match(
    targets: list[Target], parsed: Source | None, file: str, code: str, row: int, named: str
) -> tuple[Target | None, str]:
    """The label a finding belongs to (None: unlabelled), and the class it is in."""
    in_file = [t for t in targets if t.file == file]
    if code == "SER106":
        entries = [t for t in in_file if t.span and t.span[0] - 2 <= row <= t.span[1] + 2]
        if entries:
            return min(entries, key=lambda t: abs(t.line - row)), named
    classes = [t for t in in_file if t.span is None]
    around = [c for c in (parsed.classes if parsed else []) if c[0] <= row <= c[2]]
    if not around:  # unparsable file or outside every class: the named class's nearest label
        above = [t for t in classes if t.name == named and t.line <= row + 3]
        return (max(above, key=lambda t: t.line) if above else None), named
    inner = max(around, key=lambda c: c[0])
    same = (t for t in classes if t.line == inner[1] and t.name == inner[3])
    return next(same, None), inner[3]


def run_serialint(src: Path, rules: list[str], ignore_noqa: bool) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "serialint", "check", str(src), "--output-format", "json"]
    command += ["--select", ",".join(rules), *(["--ignore-noqa"] if ignore_noqa else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        return list(json.loads(done.stdout))
    except json.JSONDecodeError:
        sys.exit(f"serialint failed on {src} (exit {done.returncode}): {done.stderr.strip()}")


def describe(target: Target, code: str) -> str:
    verdict = target.verdicts.get(code, {"verdict": "OK", "note": f"no {code} verdict"})
    parts = [str(verdict.get("verdict"))]
    if target.gate != "judged":
        parts.append(f"gate={target.gate}")
    parts += [f"{k}={v}" for k, v in verdict.items() if k not in ("verdict", "note")]
    note = str(verdict.get("note", ""))
    text = " ".join(parts) + (f": {note}" if note else "")
    return text if len(text) <= 160 else text[:157] + "..."


def score(
    src: Path, labels: Path, rules: list[str], findings: list[dict[str, Any]], details: bool
) -> dict[str, collections.Counter[str]]:
    cache: dict[str, Source | None] = {}

    def source(file: str) -> Source | None:
        if file not in cache:
            cache[file] = parse(src / file)
        return cache[file]

    targets = load_targets(labels, source)
    counts = {rule: collections.Counter[str]() for rule in rules}
    lines: list[tuple[str, int, str]] = []
    for finding in findings:
        code = str(finding["code"])
        if code not in counts:
            continue
        path = (src / str(finding["filename"])).resolve()  # absolute, or relative to src
        top = src.resolve()
        file = path.relative_to(top).as_posix() if path.is_relative_to(top) else str(path)
        row = int(finding["location"]["row"])
        message = str(finding.get("message", ""))
        named = message.split("`")[1] if message.count("`") >= 2 else "?"
        target, in_class = match(targets, source(file), file, code, row, named)
        if target is not None:
            target.reported.add(code)
            continue
        counts[code]["unlabelled"] += 1
        lines.append((file, row, f"UNLABELLED {file}:{row} {in_class} {code}  {message}"))
    for target in targets:
        for code in rules:
            flagged = target.verdicts.get(code, {}).get("verdict") == "FLAG"
            positive, reported = flagged and target.gate == "judged", code in target.reported
            if not positive and not reported:
                continue
            outcome = "tp" if positive and reported else "fn" if positive else "fp"
            counts[code][outcome] += 1
            if outcome != "tp":
                text = f"{target.file}:{target.line} {target.name} {code}  {describe(target, code)}"
                lines.append((target.file, target.line, f"{outcome.upper():10s} {text}"))
    if details:
        for _, _, text in sorted(lines):
            print(f"    {text}")
    return counts


def ratios(c: collections.Counter[str]) -> dict[str, Any]:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    precision = round(tp / (tp + fp), 3) if tp + fp else None
    recall = round(tp / (tp + fn), 3) if tp + fn else None
    counts = {"tp": tp, "fp": fp, "fn": fn, "unlabelled": c["unlabelled"]}
    return counts | {"precision": precision, "recall": recall}


def row(rule: str, c: collections.Counter[str]) -> str:
    r = ratios(c)
    p, q = (f"{r[k]:.2f}" if r[k] is not None else "   -" for k in ("precision", "recall"))
    return (
        f"  {rule:7s} TP={r['tp']:3d} FP={r['fp']:3d} FN={r['fn']:3d}"
        f" unlabelled={r['unlabelled']:3d}  precision={p} recall={q}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("src", type=Path, metavar="SRC_DIR")
    parser.add_argument("projects", nargs="*", metavar="PROJECT")
    parser.add_argument("--rules", default=",".join(RULES), help="comma-separated rule codes")
    parser.add_argument("--labels", type=Path, default=LABELS, help="the labels directory")
    parser.add_argument("--details", action="store_true", help="list every FP, FN, unlabelled")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--ignore-noqa", action="store_true", help="count findings on # noqa lines")
    parser.add_argument("--findings-json", type=Path, help=argparse.SUPPRESS)  # {project: [...]}
    args = parser.parse_args()
    rules = [code.strip().upper() for code in args.rules.split(",") if code.strip()]
    if unknown := sorted(set(rules) - set(RULES)):
        parser.error(f"unknown rules {', '.join(unknown)}; known: {', '.join(RULES)}")
    available = sorted(p.stem for p in args.labels.glob("*.jsonl") if (args.src / p.stem).is_dir())
    if missing := [name for name in args.projects if name not in available]:
        parser.error(f"no labels file or no checkout for {', '.join(missing)}")
    if not available:
        parser.error(f"no labels in {args.labels} with a checkout in {args.src}")
    fake = json.loads(args.findings_json.read_text()) if args.findings_json else None
    total = {rule: collections.Counter[str]() for rule in rules}
    per_project: dict[str, dict[str, Any]] = {}
    for name in args.projects or available:
        src = args.src / name
        if not args.json:
            print(name)
        found = (
            fake.get(name, []) if fake is not None else run_serialint(src, rules, args.ignore_noqa)
        )
        labels = args.labels / f"{name}.jsonl"
        counts = score(src, labels, rules, found, args.details and not args.json)
        per_project[name] = {rule: ratios(counts[rule]) for rule in rules}
        for rule in rules:
            total[rule] += counts[rule]
            if not args.json and +counts[rule]:
                print(row(rule, counts[rule]))
    everything = sum(total.values(), collections.Counter[str]())
    if args.json:
        summary = {rule: ratios(total[rule]) for rule in rules} | {"all": ratios(everything)}
        print(json.dumps({"total": summary, "projects": per_project}, indent=1))
        return
    print("TOTAL")
    for rule in rules:
        print(row(rule, total[rule]))
    print(row("all", everything))


if __name__ == "__main__":
    main()
