"""Discover the Python files to check: directories walked, excludes applied, loops and errors survived."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from serialint.findings import Finding
from serialint.paths import relative_parts, resolved
from serialint.source import diagnostic

# The same defaults as ruff: tool caches, virtual environments and build output are never user code.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".serialint_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)


@dataclass(frozen=True)
class ExcludeMatcher:
    """Matches ruff-style exclude patterns against a path relative to the project root.

    A pattern without a slash matches any single path component (``build``, ``*_pb2.py``);
    a pattern with a slash matches the relative path from the root (``tests/fixtures/*``).
    """

    root: Path
    patterns: tuple[str, ...]

    def excluded(self, path: Path) -> bool:
        below = relative_parts(path, self.root)
        relative = "/".join(below) if below is not None else path.as_posix()
        components = relative.split("/")
        for raw in self.patterns:
            pattern = _normalise(raw)
            if "/" in pattern:
                if fnmatch.fnmatch(relative, pattern) or relative.startswith(pattern + "/"):
                    return True
            elif any(fnmatch.fnmatch(part, pattern) for part in components):
                return True
        return False


def _normalise(pattern: str) -> str:
    """``./build``, ``/build`` and ``**/build`` all mean what ``build`` means."""
    pattern = pattern.strip().rstrip("/")
    while pattern.startswith(("./", "/", "**/")):
        pattern = pattern.removeprefix("./").removeprefix("/").removeprefix("**/")
    return pattern


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


def discover(paths: Iterable[Path], matcher: ExcludeMatcher, *, force: bool = True) -> Discovery:
    """Files named explicitly are always checked (``force``); directories are walked with excludes."""
    found = Discovery()
    seen: set[Path] = set()
    for path in paths:
        try:
            exists, is_dir = path.exists() or path.is_symlink(), path.is_dir()
        except OSError as error:  # a parent directory that cannot be searched
            found.problems.append(
                diagnostic(path, f"Path not checked: cannot read it ({error.strerror})")
            )
            continue
        if not exists:
            found.problems.append(diagnostic(path, "Path not checked: it does not exist"))
            continue
        if is_dir:
            walked = list(_walk(path, matcher, found))
            ignored = git_ignored(walked, path)
            for file in walked:
                if file not in ignored:
                    _add(file, seen, found)
        elif path.suffix == ".pyi":
            # A stub holds no runtime code: no class it declares is the one Keras loads, so it
            # is neither checked nor indexed (pre-commit's `pyi` type still passes stubs).
            continue
        elif path.is_file() or path.is_symlink():
            if force or not matcher.excluded(path):
                _add(path, seen, found)
        else:
            found.problems.append(diagnostic(path, "Path not checked: not a regular file"))
    return found


def _add(path: Path, seen: set[Path], found: Discovery) -> None:
    key = resolved(path)
    if key not in seen:
        seen.add(key)
        found.files.append(path)


def _walk(top: Path, matcher: ExcludeMatcher, found: Discovery) -> Iterator[Path]:
    visited: set[tuple[int, int]] = set()

    def on_error(error: OSError) -> None:
        where = Path(error.filename) if error.filename else top
        found.problems.append(
            diagnostic(where, f"Directory not checked: cannot read it ({error.strerror})")
        )

    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=True):
        current = Path(dirpath)
        try:
            stat = current.stat()
        except OSError:
            dirnames[:] = []
            continue
        # Following symlinks can loop; a directory seen before (same device and inode) is skipped.
        if (stat.st_dev, stat.st_ino) in visited:
            dirnames[:] = []
            continue
        visited.add((stat.st_dev, stat.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not matcher.excluded(current / d))
        for name in sorted(filenames):
            file = current / name
            if name.endswith((".py", ".ipynb")) and not matcher.excluded(file):
                if file.is_dir():
                    continue
                yield file


def git_ignored(files: list[Path], directory: Path) -> set[Path]:
    """The files git ignores (.gitignore, .git/info/exclude, global excludes), as ruff skips them.

    One ``git check-ignore`` call for the whole batch; outside a repository, or without git,
    nothing is ignored.
    """
    git = shutil.which("git")
    if not files or git is None:
        return set()
    # Bytes, not text: file names need not be valid UTF-8.  A path behind a symlink makes git
    # refuse the whole batch, so those are left to the other excludes.
    asked = [f for f in files if not any(p.is_symlink() for p in (f, *f.parents))]
    try:
        done = subprocess.run(
            [git, "-C", os.fsencode(directory), "check-ignore", "--stdin", "-z"],
            input=b"\0".join(os.fsencode(f.absolute()) for f in asked) + b"\0",
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return set()
    if done.returncode not in (0, 1):  # 128: not a git repository
        return set()
    reported = {Path(os.fsdecode(p)) for p in done.stdout.split(b"\0") if p}
    return {f for f in asked if f.absolute() in reported}
