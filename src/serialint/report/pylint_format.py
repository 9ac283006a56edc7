"""Pylint's parseable shape, as ruff writes it: ``path:row: [CODE] message``."""

from __future__ import annotations

from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.report.paths import project_path
from serialint.report.text import cell_prefix, file_row, message_with_verdict


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    for f in result.findings:
        path = project_path(f.path, result.root)
        out.write(f"{path}:{file_row(f)}: [{f.code}] {cell_prefix(f)}{message_with_verdict(f)}\n")
