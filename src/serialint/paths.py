"""Path helpers that survive what users' trees contain: symlink loops, unreadable parents."""

from __future__ import annotations

import os
from pathlib import Path


def resolved(path: Path) -> Path:
    """``path.resolve()``, or the normalised absolute path when resolving fails (a symlink loop
    raises RuntimeError on Python 3.11, an unreadable parent OSError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def relative_parts(path: Path, root: Path) -> tuple[str, ...] | None:
    """The parts of ``path`` below ``root``, or None when it lies outside."""
    try:
        return resolved(path).relative_to(resolved(root)).parts
    except ValueError:
        return None


def relative_posix(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` for messages; the absolute path when outside it."""
    parts = relative_parts(path, root)
    return "/".join(parts) if parts is not None else str(resolved(path))


def report_root(root: Path) -> Path:
    """What CI reports are relative to: the repository holding ``root`` (its ``.git``), where CI
    tools resolve paths from, even when the configuration sits in a subproject; else ``root``."""
    start = resolved(root)
    for directory in (start, *start.parents):
        try:
            if (directory / ".git").exists():
                return directory
        except OSError:
            continue
    return start
