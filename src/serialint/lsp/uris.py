"""Document URIs: the key a document is known by, and the file a ``file:`` URI names.

Clients percent-encode URIs (``file:///home/me/my%20project/x.py``, VS Code's
``file:///c%3A/x.py``), and may spell one document's URI differently from one message to the
next (``%3A`` or ``:``, ``%c3%bc`` or ``%C3%BC``).  pygls files the documents it keeps under
the *decoded* URI; the server keys everything it keeps the same way (:func:`uri_key`), so a
document is found whatever spelling a message uses, and it answers (publishes diagnostics,
names edits) with the URI the client used.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

_DRIVE = re.compile(r"^/[A-Za-z]:(/|$)")
WINDOWS = os.name == "nt"


def uri_key(uri: str) -> str:
    """The key of ``uri``'s document: the decoded URI, as pygls' workspace keys its documents
    (``Workspace.put_text_document``, ``get_text_document``, ``remove_text_document``)."""
    return unquote(uri)


def fs_path(uri: str, windows: bool = WINDOWS) -> str | None:
    """The file system path a ``file:`` URI names, decoded (None for other schemes).

    ``windows`` reads it as Windows does: ``file:///c%3A/x.py`` is ``c:\\x.py`` and
    ``file://server/share/x.py`` is ``\\\\server\\share\\x.py``; elsewhere ``/c:/x.py`` is an
    ordinary absolute path.
    """
    try:
        parts = urlsplit(uri)
    except ValueError:  # a malformed authority ("file://[x/")
        return None
    if parts.scheme.lower() != "file":
        return None
    path = unquote(parts.path)  # decoded after splitting: an encoded `#` or `?` is the name's
    host = unquote(parts.netloc)
    if host and host.lower() != "localhost":
        path = f"//{host}{path}"  # a UNC share
    elif windows and _DRIVE.match(path):
        path = path[1:]  # /c:/x.py -> c:/x.py
    if not path:
        return None
    return path.replace("/", "\\") if windows else path


def document_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names on this system (None for ``untitled:`` and other
    schemes)."""
    path = fs_path(uri)
    return Path(path) if path is not None else None
