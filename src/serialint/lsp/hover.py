"""Hover over a rule code in a suppression comment (``# noqa: SER101``,
``# serialint: ignore[SER101]``, ``# serialint: noqa: SER1``): the rule's name, summary, link."""

from __future__ import annotations

from collections.abc import Mapping

from serialint.catalogue import RuleDoc

# Read with suppression's own patterns, so hover sees exactly the codes suppression does.
from serialint.suppress import CodeSpan, suppression_codes

_OUR_PREFIX = "SER"
_MAX_LISTED = 20


def code_at(line: str, column: int) -> CodeSpan | None:
    """The code under ``column`` (0-based characters; its end counts, as a cursor after it)."""
    return next((s for s in suppression_codes(line) if s.start <= column <= s.end), None)


def _one(doc: RuleDoc, markdown: bool) -> str:
    if markdown:
        return (
            f"**{doc.code}** `{doc.name}` ({doc.severity.value})\n\n{doc.summary}\n\n"
            f"[Documentation]({doc.url})"
        )
    return f"{doc.code} {doc.name} ({doc.severity.value})\n\n{doc.summary}\n\n{doc.url}"


def hover_text(code: str, catalogue: Mapping[str, RuleDoc], markdown: bool = True) -> str | None:
    """What a hover over ``code`` shows: one rule; the rules a prefix (``SER1``) covers; a
    warning for a serialint-looking code that names no rule; None for other tools' codes."""
    code = code.upper()
    doc = catalogue.get(code)
    if doc is not None:
        return _one(doc, markdown)
    if not code.startswith(_OUR_PREFIX) and not _OUR_PREFIX.startswith(code):
        return None  # E501, F401: another tool's
    covered = [d for c, d in sorted(catalogue.items()) if c.startswith(code)]
    if not covered:
        return f"`{code}` is not a serialint rule code" if markdown else f"{code}: no such rule"
    bullet = "- **{c}** `{n}`: {s}" if markdown else "- {c} {n}: {s}"
    lines = [bullet.format(c=d.code, n=d.name, s=d.summary) for d in covered[:_MAX_LISTED]]
    if len(covered) > _MAX_LISTED:
        lines.append(f"- ... and {len(covered) - _MAX_LISTED} more")
    title = f"**{code}** covers:" if markdown else f"{code} covers:"
    return "\n".join([title, "", *lines])
