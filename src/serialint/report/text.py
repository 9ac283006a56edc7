"""Pieces of text several formats share: a finding's message with its runtime verdict."""

from __future__ import annotations

from serialint.findings import Finding


def message_with_verdict(finding: Finding) -> str:
    """The message, then ``[confirmed: TypeError: ...]`` when ``--confirm`` judged it."""
    if finding.runtime is None:
        return finding.message
    return f"{finding.message} [{finding.runtime.describe()}]"
