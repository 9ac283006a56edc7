"""Findings grouped under their file, as ruff's ``grouped`` format: a file name, then one
indented ``row:col CODE message`` line per finding, then the summary."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.report.paths import display_path
from serialint.report.summary import fixable, summary_lines
from serialint.report.text import location, message_with_verdict


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    for path, group in groupby(result.findings, key=lambda f: f.path):
        found = list(group)
        out.write(f"{display_path(path)}:\n")
        width = max(len(location(f)) for f in found)
        for f in found:
            where = location(f).ljust(width)
            mark = "[*] " if fixable(f, result.unsafe_fixes) else ""
            out.write(f"  {where} {f.code} {mark}{message_with_verdict(f)}\n")
        out.write("\n")
    for line in summary_lines(result, catalogue):
        out.write(line + "\n")
