"""The open documents, as the editor has them: text, version, language, and the URI the client
opened each with, keyed by :func:`~serialint.lsp.uris.uri_key`.

The server keeps them itself rather than reading pygls' workspace, whose incremental changes
split lines with ``str.splitlines`` (at form feeds, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028, ...
where LSP sees no line break).  It advertises full synchronisation, so changes carry the whole
text; a change with a range (a client that sends them anyway) is applied with LSP's lines
(``\\n``, ``\\r\\n``, ``\\r``) and the negotiated position encoding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lsprotocol import types

from serialint.lsp.positions import LineIndex
from serialint.lsp.uris import document_path, uri_key


@dataclass
class OpenDocument:
    uri: str  # as the client opened it: diagnostics are published under it
    language_id: str
    version: int | None
    text: str


def is_python(document: OpenDocument) -> bool:
    """A ``file:`` document the server checks: a ``.py`` file, or one the editor calls Python
    (a script without a suffix), but never a stub."""
    path = document_path(document.uri)
    if path is None:
        return False
    if path.suffix == ".py":
        return True
    return document.language_id == "python" and path.suffix != ".pyi"


def apply_change(text: str, change: types.TextDocumentContentChangeEvent, encoding: str) -> str:
    """``text`` after one ``didChange`` content change: the whole new text, or a range's
    replacement (positions past a line's end mean its end, past the text its end)."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return change.text
    index = LineIndex.of(text)
    start = index.offset_at(change.range.start, encoding)
    end = max(start, index.offset_at(change.range.end, encoding))
    return text[:start] + change.text + text[end:]


class Documents:
    """The documents the client has open."""

    def __init__(self) -> None:
        self._open: dict[str, OpenDocument] = {}

    def get(self, uri: str) -> OpenDocument | None:
        return self._open.get(uri_key(uri))

    def all(self) -> list[OpenDocument]:
        return list(self._open.values())

    def opened(self, item: types.TextDocumentItem) -> OpenDocument:
        document = OpenDocument(item.uri, item.language_id, item.version, item.text)
        self._open[uri_key(item.uri)] = document
        return document

    def changed(
        self,
        uri: str,
        version: int | None,
        changes: Iterable[types.TextDocumentContentChangeEvent],
        encoding: str,
    ) -> OpenDocument | None:
        """Apply a ``didChange``'s changes, in order (None: the document is not open)."""
        document = self.get(uri)
        if document is None:
            return None
        for change in changes:
            document.text = apply_change(document.text, change, encoding)
        document.version = version
        return document

    def closed(self, uri: str) -> OpenDocument | None:
        return self._open.pop(uri_key(uri), None)
