"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

Ruff's shape: ``::error title=serialint (SER101),file=...,line=..,col=..,endLine=..,endColumn=..::``
then ``path:row:col: CODE message``. Paths are relative to the project root, which is the
repository root in a workflow.
"""

from __future__ import annotations

from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.report.paths import project_path
from serialint.report.text import file_row, location, message_with_verdict

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    for f in result.findings:
        doc = catalogue.get(f.code)
        level = _LEVELS[doc.severity.value] if doc else "error"
        name = f" {doc.name}" if doc else ""
        path = project_path(f.path, result.root)
        where = [
            f"title={_escape_property(f'serialint ({f.code}{name})')}",
            f"file={_escape_property(path)}",
        ]
        if f.cell is None:
            where += [
                f"line={f.start.row}",
                f"col={f.start.column}",
                f"endLine={f.end.row}",
                f"endColumn={f.end.column}",
            ]
        else:  # a notebook: the row of its JSON that holds the line; its columns differ
            where.append(f"line={file_row(f)}")
        properties = ",".join(where)
        text = f"{path}:{location(f)}: {f.code} {message_with_verdict(f)}"
        out.write(f"::{level} {properties}::{_escape_data(text)}\n")
