"""Suppression: ``# noqa``, ``# noqa: SER101``, ``# serialint: ignore[SER101]``, a file-level
``# serialint: noqa`` (or ``# serialint: noqa: SER101``) on a line of its own, per-file ignores;
and the edit that adds a ``# noqa`` (``--add-noqa``, the language server's "Ignore" action)."""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from serialint.files import ExcludeMatcher
from serialint.findings import Edit, Finding, Position

_NOQA = re.compile(
    r"#\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[A-Za-z]+\d*(?:\s*,?\s*[A-Za-z]+\d+)*))?", re.I
)
_IGNORE = re.compile(r"#\s*serialint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.I)
# A file-level directive, alone on its line (ruff's file-level shape): the whole file.
_FILE_NOQA = re.compile(
    r"#\s*serialint\s*:\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[A-Za-z]+\d*(?:\s*,?\s*[A-Za-z]+\d+)*))?",
    re.I,
)
_CODE = re.compile(r"[A-Za-z]+\d*")
ALL = frozenset({"*"})
FILE_ROW = 0  # the key under which line_suppressions() keeps the file-level codes


@dataclass(frozen=True)
class _Comment:
    row: int
    column: int  # 0-based, in characters
    text: str
    alone: bool  # nothing but whitespace before it on its line


def _comments(text: str) -> list[_Comment]:
    lines = _unix_newlines(text).split("\n")
    try:
        return [
            _Comment(
                t.start[0], t.start[1], t.string, not lines[t.start[0] - 1][: t.start[1]].strip()
            )
            # CR-only files: StringIO splits lines at \n alone.
            for t in tokenize.generate_tokens(io.StringIO("\n".join(lines)).readline)
            if t.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Unterminated constructs: fall back to reading comments line by line.
        return [
            _Comment(i, line.index("#"), line[line.index("#") :], line.lstrip().startswith("#"))
            for i, line in enumerate(lines, 1)
            if "#" in line
        ]


def _listed(match: re.Match[str]) -> set[str]:
    listed = match.group("codes")
    if listed is None or not listed.strip():
        return {"*"}
    return {c.upper() for c in re.split(r"[\s,]+", listed.strip()) if c}


def line_suppressions(text: str, *, plain: bool = True) -> dict[int, frozenset[str]]:
    """Row -> codes suppressed on that row (``{"*"}`` for a bare ``# noqa``); comments only.
    Row ``FILE_ROW`` holds the codes a file-level ``# serialint: noqa`` suppresses everywhere.
    Without ``plain``, only serialint's own comments count (flake8 applies ``# noqa`` itself)."""
    found: dict[int, frozenset[str]] = {}
    whole: set[str] = set()
    for comment in _comments(text):
        file_level = _FILE_NOQA.match(comment.text) if comment.alone else None
        if file_level is not None:
            whole |= _listed(file_level)
            continue
        codes: set[str] = set()
        for pattern in (_NOQA, _IGNORE) if plain else (_IGNORE,):
            for match in pattern.finditer(comment.text):
                codes |= _listed(match)
        if codes:
            found[comment.row] = frozenset(codes)
    if whole:
        found[FILE_ROW] = frozenset(whole)
    return found


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class CodeSpan:
    """A rule code written in a comment: the code (upper case) and its columns on the line
    (0-based, in characters, end exclusive)."""

    code: str
    start: int
    end: int


def suppression_codes(line: str) -> list[CodeSpan]:
    """The rule codes listed by the suppression comments on ``line``."""
    hash_at = line.find("#")
    if hash_at < 0:
        return []
    spans: list[CodeSpan] = []
    for pattern in (_NOQA, _IGNORE, _FILE_NOQA):
        for match in pattern.finditer(line, hash_at):
            if match.group("codes") is None:
                continue
            offset = match.start("codes")
            for code in _CODE.finditer(match.group("codes")):
                spans.append(
                    CodeSpan(code.group().upper(), offset + code.start(), offset + code.end())
                )
    return sorted(set(spans), key=lambda s: s.start)


@dataclass(frozen=True)
class NoqaRows:
    """Where a finding's ``# noqa`` goes (ruff's noqa line): the finding's row, or, when that row
    runs on into the next one (a backslash continuation, a string spanning lines), the row
    where the line finally ends, the first place a comment can go."""

    ends: tuple[int, ...]  # the rows that end a line (a NEWLINE or NL token), ascending

    @classmethod
    def of(cls, text: str) -> NoqaRows:
        try:
            tokens = tokenize.generate_tokens(io.StringIO(_unix_newlines(text)).readline)
            ends = {t.start[0] for t in tokens if t.type in (tokenize.NEWLINE, tokenize.NL)}
        except (tokenize.TokenError, SyntaxError, IndentationError):
            ends = set()  # unreadable: every row is its own noqa row
        return cls(tuple(sorted(ends)))

    def row(self, row: int) -> int:
        at = bisect.bisect_left(self.ends, row)
        return self.ends[at] if at < len(self.ends) else row


@dataclass(frozen=True)
class Suppressions:
    """The suppression comments of one text, and where each row's noqa goes."""

    codes: dict[int, frozenset[str]]  # as line_suppressions() gives them
    rows: NoqaRows

    @classmethod
    def of(cls, text: str, *, plain: bool = True) -> Suppressions:
        return cls(line_suppressions(text, plain=plain), NoqaRows.of(text))

    def suppresses(self, finding: Finding) -> bool:
        row = finding.start.row
        codes = (
            self.codes.get(row, frozenset())
            | self.codes.get(self.rows.row(row), frozenset())
            | self.codes.get(FILE_ROW, frozenset())
        )
        return "*" in codes or any(finding.code.startswith(c) for c in codes)


def noqa_edit(text: str, row: int, codes: set[str]) -> Edit | None:
    """The edit that makes the finding on ``row`` carry ``# noqa`` for ``codes``, on its noqa
    row (:class:`NoqaRows`): the codes are added to a ``# noqa: ...`` already there, or a new
    comment goes at the end of the line.  None when they are suppressed there already."""
    lines = _unix_newlines(text).split("\n")
    row = NoqaRows.of(text).row(row)
    if not 1 <= row <= len(lines):
        return None
    line = lines[row - 1]
    on_row = [c for c in _comments(text) if c.row == row]
    present: set[str] = set()
    for comment in on_row:
        for match in _NOQA.finditer(comment.text):
            present |= _listed(match)
    if "*" in present or all(any(c.startswith(p) for p in present) for c in codes):
        return None
    wanted = sorted({*present, *codes})
    for comment in on_row:
        existing = _NOQA.search(comment.text)
        if existing is not None:
            start = comment.column + existing.start()
            end = comment.column + existing.end()
            return Edit(
                f"# noqa: {', '.join(wanted)}",
                Position(row, start + 1),
                Position(row, end + 1),
            )
    body = line.rstrip()
    return Edit(
        f"  # noqa: {', '.join(wanted)}",
        Position(row, len(body) + 1),
        Position(row, len(line) + 1),
    )


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
