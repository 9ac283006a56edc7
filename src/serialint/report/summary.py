"""The closing line of the human formats."""

from __future__ import annotations

from collections.abc import Sequence

from serialint.findings import Finding


def summary_line(findings: Sequence[Finding], files_checked: int) -> str:
    checked = f"{files_checked} file{'s' if files_checked != 1 else ''} checked"
    if not findings:
        return f"All checks passed! ({checked})"
    count = len(findings)
    return f"Found {count} error{'s' if count != 1 else ''} ({checked})."
