"""Measure serialint against the ``ast.parse`` floor of the same tree, in one run.

    python benchmarks/bench.py DIR [--repeat N]

Prints wall times (median of N runs) and each as a ratio to the floor: reading and
``ast.parse``-ing every file once on one core, which no analysis of all files can beat.
Ratios, not seconds, are what compare across machines.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from serialint.api import lint_paths
from serialint.catalogue import load_catalogue
from serialint.config import Config
from serialint.engine import enabled_codes, exclude_matcher
from serialint.files import discover
from serialint.source import SourceFile, read_source


def _median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = args.directory.resolve()
    config = Config(root=root)
    files = discover([root], exclude_matcher(config)).files
    lines = 0

    def floor() -> None:
        nonlocal lines
        lines = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old code
            for path in files:
                source = read_source(path)
                if isinstance(source, SourceFile):
                    lines += source.text.count("\n")
                    with contextlib.suppress(SyntaxError, ValueError, RecursionError):
                        ast.parse(source.text)

    catalogue = load_catalogue()
    codes = enabled_codes(catalogue, (), ())
    findings = 0

    def serialint_in_process() -> None:
        nonlocal findings
        findings = len(lint_paths([root], config, codes, catalogue=catalogue).findings)

    def serialint_cli() -> None:
        subprocess.run(
            [sys.executable, "-m", "serialint", "check", str(root), "--output-format", "concise"],
            capture_output=True,
            check=False,
        )

    floor_s = _median_seconds(floor, args.repeat)
    rows = [
        ("ast.parse floor (1 core)", floor_s),
        ("serialint, in process", _median_seconds(serialint_in_process, args.repeat)),
        ("serialint check (CLI, with start-up)", _median_seconds(serialint_cli, args.repeat)),
    ]
    print(f"tree: {root}  ({len(files)} .py files, {lines} lines; median of {args.repeat} runs)")
    print(f"findings: {findings}")
    print(f"{'what':40} {'seconds':>9} {'x floor':>9}")
    for name, seconds in rows:
        print(f"{name:40} {seconds:9.2f} {seconds / floor_s:9.2f}")


if __name__ == "__main__":
    main()
