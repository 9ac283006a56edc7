"""The language server: ``serialint server`` (or ``serialint lsp``) speaks LSP over stdio.

Diagnostics on open, change and save, in Python files and in Jupyter notebooks' code cells;
quick fixes, "Ignore with # noqa" and ``source.fixAll.serialint`` code actions; hover on the
codes of ``# noqa`` comments.  Needs pygls 2 (``pip install 'serialint[lsp]'``).  See
docs/editors.md.
"""

from __future__ import annotations

from serialint.lsp.server import SerialintServer, build_server

__all__ = ["SerialintServer", "build_server", "serve"]


def serve() -> int:
    """Run the language server on stdin/stdout until the client tells it to exit (or goes
    away).  Returns the process's exit code: 0 when the client sent ``shutdown`` first, else 1
    (LSP: an ``exit`` without ``shutdown`` is an error)."""
    server = build_server()
    server.start_io()
    return server.exit_code
