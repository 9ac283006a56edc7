"""``path:row:col: CODE message``, one line per finding (editors and grep read this)."""

from __future__ import annotations

from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.report.paths import display_path
from serialint.report.summary import fixable as _fixable
from serialint.report.summary import summary_lines
from serialint.report.text import location, message_with_verdict


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    findings = result.findings
    for f in findings:
        fixable = "[*] " if _fixable(f, result.unsafe_fixes) else ""
        out.write(
            f"{display_path(f.path)}:{location(f)}: {f.code} {fixable}{message_with_verdict(f)}\n"
        )
    for line in summary_lines(result, catalogue):
        out.write(line + "\n")
