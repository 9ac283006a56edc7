"""``path:row:col: CODE message``, one line per finding (editors and grep read this)."""

from __future__ import annotations

from typing import TextIO

from serialint.catalogue import RuleDoc
from serialint.engine import CheckResult
from serialint.report.paths import display_path
from serialint.report.summary import summary_line


def write(result: CheckResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    findings = result.findings
    for f in findings:
        out.write(f"{display_path(f.path)}:{f.start.row}:{f.start.column}: {f.code} {f.message}\n")
    out.write(summary_line(findings, len(result.files)) + "\n")
