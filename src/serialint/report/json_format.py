"""Ruff's JSON shape (a list of objects, 1-based rows and columns) plus serialint's name and severity."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.findings import Finding, Position


def _location(position: Position) -> dict[str, int]:
    return {"column": position.column, "row": position.row}


def as_dict(finding: Finding, catalogue: dict[str, RuleDoc]) -> dict[str, Any]:
    doc = catalogue.get(finding.code)
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability,
            "message": finding.fix.message,
            "edits": [
                {
                    "content": e.content,
                    "location": _location(e.start),
                    "end_location": _location(e.end),
                    **({"cell": e.cell} if e.cell is not None else {}),
                }
                for e in finding.fix.edits
            ],
        }
    return {
        "cell": finding.cell,
        "code": finding.code,
        "end_location": _location(finding.end),
        "filename": os.path.abspath(finding.path),
        "fix": fix,
        "location": _location(finding.start),
        "message": finding.message,
        "noqa_row": finding.noqa_row or finding.start.row,
        "url": doc.url if doc else None,
        "name": doc.name if doc else None,
        "severity": doc.severity.value if doc else "error",
        "fix_hint": finding.fix_hint or None,
        "runtime": runtime_dict(finding),
    }


def runtime_dict(finding: Finding) -> dict[str, str | None] | None:
    """``--confirm``'s verdict: ``{"verdict": "confirmed", "exception": ..., "message": ...}``."""
    verdict = finding.runtime
    if verdict is None:
        return None
    return {
        "verdict": verdict.kind.value,
        "exception": verdict.exception or None,
        "message": verdict.message or None,
        "detail": verdict.detail or None,
    }


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    json.dump([as_dict(f, catalogue) for f in result.findings], out, indent=2)
    out.write("\n")
