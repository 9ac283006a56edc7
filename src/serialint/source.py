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
# PEP 263, as tokenize and the interpreter read it: a cookie on line 1, or on line 2 below a
# blank or comment line.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
_BYTES_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")  # the interpreter ends lines at \r too


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


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII text with a NUL after (or before) every character."""
    head = data[:200]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) == len(odd) and 0 not in even) or (
        even.count(0) == len(even) and 0 not in odd
    )


def decode_source(path: Path, data: bytes) -> SourceFile | Finding:
    """Decode the bytes of ``path`` (a file's, or standard input's) as Python does."""
    too_big = size_problem(path, len(data))
    if too_big is not None:
        return too_big
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        return diagnostic(
            path,
            "File not checked: it is encoded as UTF-16, which Python cannot run; re-save it "
            "as UTF-8",
        )
    if b"\x00" in data:
        return diagnostic(path, "File not checked: it contains NUL bytes (a binary file?)")
    contradiction = bom_contradiction(path, data)
    if contradiction is not None:
        return contradiction
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


def bom_contradiction(path: Path, data: bytes) -> Finding | None:
    """The diagnostic for a UTF-8 byte-order mark followed by a declaration of another encoding
    (``# -*- coding: latin-1 -*-``): Python refuses to compile such a file ("encoding problem:
    iso-8859-1 with BOM"), so it is not checked as UTF-8 either."""
    if not data.startswith(codecs.BOM_UTF8):
        return None
    lines = _BYTES_LINE.finditer(data, len(codecs.BOM_UTF8))
    for row in (1, 2):
        found = next(lines, None)
        if found is None:
            return None
        line = found.group()
        match = _COOKIE.match(line)
        if match is not None:
            declared = match.group(1).decode("ascii")
            normal = _normal_encoding_name(declared)
            if normal == "utf-8":
                return None
            return diagnostic(
                path,
                f"File not checked: it starts with a UTF-8 byte-order mark but line {row} "
                f"declares the encoding {declared!r}, and Python refuses such a file "
                f"(SyntaxError: encoding problem: {normal} with BOM); remove the byte-order "
                "mark, or declare '# -*- coding: utf-8 -*-'",
                row=row,
            )
        if not _BLANK.match(line):
            return None
    return None


def _normal_encoding_name(name: str) -> str:
    """The interpreter's normalisation of a declared encoding (get_normal_name in CPython's
    tokenizer): the spellings of UTF-8 and Latin-1 it knows; any other name as it is."""
    spelled = name[:12].lower().replace("_", "-")
    if spelled == "utf-8" or spelled.startswith("utf-8-"):
        return "utf-8"
    for latin in ("latin-1", "iso-8859-1", "iso-latin-1"):
        if spelled == latin or spelled.startswith(latin + "-"):
            return "iso-8859-1"
    return name
