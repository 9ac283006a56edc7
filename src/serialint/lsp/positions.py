"""Positions between serialint and the editor.

serialint counts 1-based rows and 1-based columns in characters (code points); LSP counts
0-based lines and, per the negotiated ``positionEncoding``, UTF-16 code units (the default),
UTF-8 bytes or UTF-32 code points.  Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` in both.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from lsprotocol import types

from serialint.findings import Position

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str) -> int:
    """How many code units of ``encoding`` ``text`` takes."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _characters(line: str, count: int, encoding: str) -> int:
    """How many characters of ``line`` the first ``count`` code units cover (a position inside
    a character counts as before it; beyond the line: its length)."""
    if encoding == UTF32:
        return min(count, len(line))
    taken = 0
    for index, ch in enumerate(line):
        taken += units(ch, encoding)
        if taken > count:
            return index
    return len(line)


@dataclass(frozen=True)
class LineIndex:
    """A text's line starts, to move between offsets, serialint positions and LSP positions."""

    text: str
    starts: tuple[int, ...]  # offset of each line's first character
    ends: tuple[int, ...]  # offset of each line's end, before its line break

    @classmethod
    def of(cls, text: str) -> LineIndex:
        starts = [0]
        ends = []
        for match in _LINE_BREAK.finditer(text):
            ends.append(match.start())
            starts.append(match.end())
        ends.append(len(text))
        return cls(text, tuple(starts), tuple(ends))

    def line(self, number: int) -> str:
        """Line ``number`` (0-based) without its line break; '' beyond the text."""
        if not 0 <= number < len(self.starts):
            return ""
        return self.text[self.starts[number] : self.ends[number]]

    def offset(self, position: Position) -> int:
        """The offset of a serialint position, clamped as :func:`serialint.fixes.apply_edits`
        clamps it: a row past the end is the end of the text, a column past the end of its
        line stops at the start of the next line."""
        if position.row > len(self.starts):
            return len(self.text)
        row = max(position.row, 1) - 1
        start = self.starts[row]
        end = self.starts[row + 1] if row + 1 < len(self.starts) else len(self.text)
        return min(start + max(position.column, 1) - 1, end)

    def offset_at(self, position: types.Position, encoding: str) -> int:
        """The offset of an LSP position (a character past the line's end means its end)."""
        if position.line >= len(self.starts):
            return len(self.text)
        line = self.line(position.line)
        return self.starts[position.line] + _characters(line, position.character, encoding)

    def lsp_position(self, offset: int, encoding: str) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        # An offset inside a line break (between \r and \n) is the end of that line.
        column = min(offset, self.ends[line]) - self.starts[line]
        prefix = self.text[self.starts[line] : self.starts[line] + column]
        return types.Position(line=line, character=units(prefix, encoding))

    def lsp_range(self, start: Position, end: Position, encoding: str) -> types.Range:
        first = self.offset(start)
        last = max(first, self.offset(end))
        return types.Range(self.lsp_position(first, encoding), self.lsp_position(last, encoding))

    def serialint_position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line + 1, min(offset, self.ends[line]) - self.starts[line] + 1)

    def end(self, encoding: str) -> types.Position:
        return self.lsp_position(len(self.text), encoding)
