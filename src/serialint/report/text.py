"""Pieces of text several formats share: a finding's message with its runtime verdict."""

from __future__ import annotations

from serialint.findings import Finding


def message_with_verdict(finding: Finding) -> str:
    """The message, then ``[confirmed: TypeError: ...]`` when ``--confirm`` judged it."""
    if finding.runtime is None:
        return finding.message
    return f"{finding.message} [{finding.runtime.describe()}]"


def location(finding: Finding) -> str:
    """``row:column``, or ``cell 3:row:column`` in a notebook (ruff's form)."""
    where = f"{finding.start.row}:{finding.start.column}"
    return f"cell {finding.cell}:{where}" if finding.cell is not None else where


def file_row(finding: Finding) -> int:
    """The row in the file itself, for tools that point into it: in a notebook, the row of its
    JSON that holds the line (1 when its layout is unknown)."""
    if finding.cell is None:
        return finding.start.row
    return finding.file_row or 1


def cell_prefix(finding: Finding) -> str:
    """``cell 3, line 4: `` before a notebook finding's message where rows are the file's."""
    return f"cell {finding.cell}, line {finding.start.row}: " if finding.cell is not None else ""
