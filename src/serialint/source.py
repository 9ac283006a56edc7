"""Read a file into a SourceFile; anything unreadable becomes an SER000 finding, never a crash."""

from __future__ import annotations

import codecs
import io
import re
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

from serialint.findings import Finding, Position

# Larger files are almost always generated code or data; parsing them costs more than it finds.
MAX_FILE_BYTES = 1024 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
DIAGNOSTIC_CODE = "SER000"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str  # decoded, without the BOM
    encoding: str
    bom: bool = False  # a UTF-8 byte-order mark preceded the text (kept when fixes are written)

    @property
    def lines(self) -> list[str]:
        # Python ends lines at \n, \r\n and \r only; str.splitlines would also split at form
        # feeds and U+2028, shifting every row after them.
        return _LINE_BREAK.split(self.text.removesuffix("\n"))


def diagnostic(path: Path, message: str, row: int = 1, column: int = 1) -> Finding:
    start = Position(max(row, 1), max(column, 1))
    return Finding(
        code=DIAGNOSTIC_CODE,
        message=message,
        path=path,
        start=start,
        end=start,
    )


def size_problem(path: Path, size: int) -> Finding | None:
    """The diagnostic for a file too big to be hand-written source (generated code, data)."""
    if size <= MAX_FILE_BYTES:
        return None
    return diagnostic(
        path,
        f"File not checked: {size / 2**20:.1f} MiB is over the {MAX_FILE_BYTES // 2**20} MiB "
        "limit for hand-written source",
    )


def read_source(path: Path) -> SourceFile | Finding:
    """Decode ``path`` as Python source does (BOM, PEP 263 cookie, else UTF-8)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or device would block or never end when read.
            return diagnostic(path, "File not checked: not a regular file")
        too_big = size_problem(path, info.st_size)
        if too_big is not None:
            return too_big
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return diagnostic(path, f"File not checked: cannot read it ({reason})")
    return decode_source(path, data)


def decode_source(path: Path, data: bytes) -> SourceFile | Finding:
    """Decode the bytes of ``path`` (a file's, or standard input's) as Python does."""
    too_big = size_problem(path, len(data))
    if too_big is not None:
        return too_big
    if b"\x00" in data:
        return diagnostic(path, "File not checked: it contains NUL bytes (a binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        codecs.lookup(encoding)
    except (SyntaxError, LookupError) as error:
        if "unknown encoding" in str(error) or isinstance(error, LookupError):
            return diagnostic(path, f"File not checked: bad encoding declaration ({error})")
        # detect_encoding also fails on non-UTF-8 bytes in the first two lines; decoding as
        # UTF-8 below reports exactly which byte is wrong.
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError as error:  # '# coding: hex' names a codec that does not make text
        return diagnostic(path, f"File not checked: bad encoding declaration ({error})")
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        return diagnostic(
            path,
            f"File not checked: byte 0x{data[error.start]:02x} at offset {error.start} is not valid "
            f"{encoding}; declare the encoding with a '# -*- coding: ... -*-' line or re-save as UTF-8",
            row=row,
        )
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    return SourceFile(path=path, text=text, encoding=encoding, bom=bom)
