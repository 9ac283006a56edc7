"""How paths are shown to people: relative to the working directory when inside it."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path) -> str:
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:  # outside the working directory: an absolute path is clearer than ../../
        return str(path.absolute())
