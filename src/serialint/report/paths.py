"""How paths are shown to people: relative to the working directory when inside it."""

from __future__ import annotations

from pathlib import Path

from serialint.paths import relative_posix


def display_path(path: Path) -> str:
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:  # outside the working directory: an absolute path is clearer than ../../
        return str(path.absolute())


def project_path(path: Path, root: Path | None) -> str:
    """A path as CI tools want it: relative to the project root (POSIX separators)."""
    return relative_posix(path, root) if root is not None else display_path(path)
