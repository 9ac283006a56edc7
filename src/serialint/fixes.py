"""Fixes: edits applied to a file's text, checked by parsing again, written atomically.

Edits are 1-based (row, column) positions counted in characters, as findings report them.  A
fix whose edits overlap an earlier fix's is left for the next round (as ruff does); identical
edits of several fixes (the same import added twice) are made once.  The fixed text must parse,
with ``ast`` and losslessly with libcst, or the fixes that break it are dropped and reported.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import difflib
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import libcst as cst

from serialint.findings import Edit, Finding, Position
from serialint.source import SourceFile
from serialint.stack import deep_recursion, on_big_stack

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class FixMode(str, Enum):
    NONE = "none"
    SAFE = "safe"  # --fix
    UNSAFE = "unsafe"  # --fix --unsafe-fixes

    def allows(self, applicability: str) -> bool:
        if self is FixMode.NONE:
            return False
        return applicability == "safe" or (self is FixMode.UNSAFE and applicability == "unsafe")


@dataclass
class FixedText:
    text: str
    applied: list[Finding] = field(default_factory=list)
    rejected: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, why)


def newline_of(text: str) -> str:
    match = _LINE_BREAK.search(text)
    return match.group(0) if match else "\n"


def _offsets(text: str) -> list[int]:
    """Offset of the start of each line (index 0 is line 1)."""
    starts = [0]
    for match in _LINE_BREAK.finditer(text):
        starts.append(match.end())
    return starts


def _offset(starts: list[int], text: str, position: Position) -> int:
    if position.row > len(starts):
        return len(text)
    start = starts[position.row - 1]
    end = starts[position.row] if position.row < len(starts) else len(text)
    return min(start + position.column - 1, end)


def edit_spans(text: str, edits: Sequence[Edit]) -> list[tuple[int, int, str]]:
    """Each edit as ``(start, end, content)``: character offsets into ``text``, and the content
    as it is inserted (line breaks follow the file's; an edit on a row past the last line of a
    file that does not end in a line break starts that line).  The language server turns these
    into its edits, so both apply exactly the same change."""
    newline = newline_of(text)
    starts = _offsets(text)
    spans = []
    for edit in edits:
        start = _offset(starts, text, edit.start)
        end = max(start, _offset(starts, text, edit.end))
        content = edit.content.replace("\n", newline)
        past_end = edit.start.row > len(starts)
        if past_end and text and not text.endswith(("\n", "\r")) and content:
            content = newline + content
        spans.append((start, end, content))
    return spans


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (in any order)."""
    # Applied from the end backwards; edits at the same point keep their given order (an
    # import, then the decorator below it).
    spans = sorted(
        (
            (start, end, index, content)
            for index, (start, end, content) in enumerate(edit_spans(text, edits))
        ),
        reverse=True,
    )
    for start, end, _, content in spans:
        text = text[:start] + content + text[end:]
    return text


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return (a[0] < b[1] and b[0] < a[1]) or (a[0] == a[1] == b[0] == b[1])


def fix_text(source: SourceFile, findings: Iterable[Finding], mode: FixMode) -> FixedText:
    """The text with every allowed, non-conflicting fix of ``findings`` applied."""
    text = source.text
    starts = _offsets(text)
    chosen: list[Finding] = []
    taken: list[tuple[int, int, str]] = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        fix = finding.fix
        if fix is None or not mode.allows(fix.applicability):
            continue
        spans = [
            (_offset(starts, text, e.start), _offset(starts, text, e.end), e.content)
            for e in fix.edits
        ]
        conflict = any(
            _overlaps((s, e), (ts, te)) and (s, e, c) != (ts, te, tc)
            for s, e, c in spans
            for ts, te, tc in taken
        )
        if conflict:
            continue  # applied in the next round, once the text has moved on
        chosen.append(finding)
        taken.extend(spans)
    rejected: list[tuple[Finding, str]] = []
    while chosen:
        candidate = apply_edits(text, _edits_of(chosen))
        problem = parse_problem(candidate, text)
        if problem is None:
            return FixedText(candidate, chosen, rejected)
        # Drop the fixes that break the file on their own; if only their combination does,
        # drop them all (nothing is ever written that does not parse).
        alone = {id(f): parse_problem(apply_edits(text, _edits_of([f])), text) for f in chosen}
        culprits = [f for f in chosen if alone[id(f)] is not None] or chosen
        rejected += [(f, alone[id(f)] or problem) for f in culprits]
        chosen = [f for f in chosen if f not in culprits]
    return FixedText(text, [], rejected)


def _edits_of(findings: list[Finding]) -> list[Edit]:
    """Every edit once: two fixes that add the same import add it once."""
    return list(dict.fromkeys(e for f in findings if f.fix is not None for e in f.fix.edits))


def parse_problem(text: str, original: str) -> str | None:
    """Why the fixed ``text`` is not valid Python (None when it is).  libcst must also read it
    back unchanged, where it did so for the original (it normalises CR-only files)."""
    problem = _ast_problem(text, "fixed")
    if problem is not None:
        return problem
    if max(map(len, text.splitlines()), default=0) > _LIBCST_MAX_LINE:
        # libcst's parser is quadratic on very long lines (a 20,000-link attribute chain takes
        # minutes): the ast check above is then the one that holds.
        return None
    if not _round_trips(text) and _round_trips(original):
        return "libcst does not read the fixed file back unchanged"
    return None


_LIBCST_MAX_LINE = 10_000  # characters


def _round_trips(text: str) -> bool:
    try:
        return on_big_stack(lambda: cst.parse_module(text).code == text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return False


def bytes_problem(data: bytes) -> str | None:
    """Why the bytes to be written would not be read back as the same Python (None if fine):
    Python decodes them by their own coding cookie, which a fix must not move."""
    return _ast_problem(data, "written")


def _ast_problem(source: str | bytes, which: str) -> str | None:
    try:
        # As deep as the analysis reads a file: a fix to a file it analysed is not dropped
        # for a depth it read.
        with warnings.catch_warnings(), deep_recursion():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return f"the {which} file would not parse ({type(error).__name__}: {error})"
    return None


def encoded(source: SourceFile, text: str) -> bytes:
    data = text.encode(source.encoding)
    if source.bom:
        data = codecs.BOM_UTF8 + data
    return data


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same directory, then rename over the original:
    a crash or a full disk leaves the old file intact.  Keeps the file's permission bits and,
    where allowed, its owner; a file with several hard links is written in place instead."""
    target = path.resolve()
    info = target.stat()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_nlink > 1:
        # A rename would cut the file off from its other names: write it in place.
        with target.open("r+b") as out:
            out.write(data)
            out.truncate()
            out.flush()
            os.fsync(out.fileno())
        return
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".serialint"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        if hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # keep the owner where we may (as root)
                os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (POSIX ``flock``), so that two serialint runs
    fixing the same tree (pre-commit and an editor) check and write one file at a time.  Where
    there is no ``flock`` (Windows) the check before writing still holds, without the lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_if_unchanged(path: Path, data: bytes, unchanged: Callable[[], bool]) -> bool:
    """Write ``data`` over ``path`` (atomically) only if ``unchanged()`` says the file still holds
    what the fixes were computed from; False, and nothing written, when it does not.  The check
    and the write happen under :func:`locked`: a run that waited for another one's write finds
    the file changed and leaves it alone."""
    try:
        with locked(path):
            if not unchanged():
                return False
            write_atomically(path, data)
    except FileNotFoundError:
        return False  # deleted since it was read: nothing to fix
    return True


def unified_diff(path: Path, before: str, after: str, display: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{display}",
        tofile=f"b/{display}",
    )
    out = "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
    return out
