"""Positions: ``ast`` counts columns in UTF-8 bytes, findings count characters."""

from __future__ import annotations

import ast
import re

from serialint.facts.model import Span

# Python ends lines at \n, \r\n and \r only (str.splitlines would also split at form feeds).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Lines:
    def __init__(self, text: str) -> None:
        self.lines = LINE_BREAK.split(text)

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""

    def column(self, line: int, byte_offset: int) -> int:
        """The 1-based character column of a byte offset into ``line``."""
        text = self.text(line)
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        column = self.column(line, getattr(node, "col_offset", 0))
        end_offset = getattr(node, "end_col_offset", None)
        end_column = self.column(end_line, end_offset) if end_offset is not None else column
        return Span(line, column, end_line, end_column)

    def name_span(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
        """Where the defined name itself stands (``class Name``), for reporting and fixes."""
        line = node.lineno
        text = self.text(line)
        start = self.column(line, node.col_offset) - 1
        at = start
        for word in ("async", "class" if isinstance(node, ast.ClassDef) else "def"):
            if text.startswith(word, at):
                at += len(word)
                while at < len(text) and text[at] in " \t":
                    at += 1
        if not text.startswith(node.name, at):  # the name is on a continuation line
            return Span(line, start + 1, line, start + 1)
        return Span(line, at + 1, line, at + 1 + len(node.name))

    def decorator_line(self, line: int) -> int:
        """The line of a decorator's ``@``: for ``@(\n    make()\n)`` ast gives the inner line."""
        for candidate in range(line, 0, -1):
            if self.text(candidate).lstrip().startswith("@"):
                return candidate
        return line

    def indent(self, line: int) -> str:
        text = self.text(line)
        return text[: len(text) - len(text.lstrip(" \t"))]
