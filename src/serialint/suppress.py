"""Suppression: ``# noqa``, ``# noqa: SER101``, ``# serialint: ignore[SER101]``, per-file ignores."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from serialint.files import ExcludeMatcher
from serialint.findings import Finding

_NOQA = re.compile(
    r"#\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[A-Za-z]+\d*(?:\s*,?\s*[A-Za-z]+\d+)*))?", re.I
)
_IGNORE = re.compile(r"#\s*serialint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.I)
ALL = frozenset({"*"})


def line_suppressions(text: str) -> dict[int, frozenset[str]]:
    """Row -> codes suppressed on that row (``{"*"}`` for a bare ``# noqa``); comments only."""
    found: dict[int, frozenset[str]] = {}
    try:
        tokens = [
            (t.start[0], t.string)
            # CR-only files: StringIO splits lines at \n alone.
            for t in tokenize.generate_tokens(io.StringIO(_unix_newlines(text)).readline)
            if t.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Unterminated constructs: fall back to reading comments line by line.
        tokens = [
            (i, line[line.index("#") :])
            for i, line in enumerate(text.splitlines(), 1)
            if "#" in line
        ]
    for row, comment in tokens:
        codes: set[str] = set()
        for pattern in (_NOQA, _IGNORE):
            for match in pattern.finditer(comment):
                listed = match.group("codes")
                if listed is None or not listed.strip():
                    codes.add("*")
                else:
                    codes.update(c.upper() for c in re.split(r"[\s,]+", listed.strip()) if c)
        if codes:
            found[row] = frozenset(codes)
    return found


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_suppressed(finding: Finding, suppressions: dict[int, frozenset[str]]) -> bool:
    codes = suppressions.get(finding.start.row)
    if not codes:
        return False
    return "*" in codes or any(finding.code.startswith(c) for c in codes)


@dataclass(frozen=True)
class PerFileIgnores:
    root: Path
    entries: tuple[tuple[str, tuple[str, ...]], ...]
    _matchers: tuple[tuple[ExcludeMatcher, tuple[str, ...]], ...] = field(
        init=False, repr=False, compare=False, default=()
    )

    def __post_init__(self) -> None:
        # One matcher per pattern, built once rather than once per file checked.
        matchers = tuple(
            (ExcludeMatcher(self.root, (pattern,)), listed) for pattern, listed in self.entries
        )
        object.__setattr__(self, "_matchers", matchers)

    def ignored_codes(self, path: Path) -> tuple[str, ...]:
        codes: list[str] = []
        for matcher, listed in self._matchers:
            if matcher.excluded(path):
                codes.extend(listed)
        return tuple(codes)
