"""The flake8 plugin: serialint's rules inside flake8 (``flake8 --select SER``).

It goes through the lint API like every other entry point, so it gives the findings ``serialint
check`` gives for the same paths: the project is found and configured exactly as the CLI finds it
(``[tool.serialint]`` nearest the paths flake8 was given, else the nearest project marker), its
files are read and joined once (:class:`~serialint.api.Workspace`), and each file flake8 hands
over is linted within it, from the text flake8 read.

flake8 owns what flake8 users configure: ``# noqa``, ``select``/``extend-select``/``ignore``/
``per-file-ignores`` and ``--disable-noqa``.  So serialint leaves plain ``# noqa`` comments to
flake8 (it still honours its own ``# serialint: ignore[...]`` and ``# serialint: noqa``, unless
``--disable-noqa``) and reports every rule ``[tool.serialint]`` enables; flake8 then drops what
its own settings suppress.  ``[tool.serialint]`` still decides which rules exist (select/ignore), its
per-file-ignores and excludes, and the Keras version the findings are judged by.
"""

from __future__ import annotations

import ast
import functools
import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from serialint import __version__
from serialint.api import Workspace
from serialint.catalogue import CatalogueError, load_catalogue
from serialint.config import (
    ConfigError,
    config_for,
    find_config_file,
    group_paths,
    with_overrides,
)
from serialint.engine import enabled_codes
from serialint.findings import Finding
from serialint.paths import resolved
from serialint.source import DIAGNOSTIC_CODE

# What flake8 expects from a check: (row, 0-based column, "CODE message", the checker's type).
Result = tuple[int, int, str, type[Any]]

# The names flake8 gives a file read from standard input (`flake8 -`) when no
# --stdin-display-name says which file it is.
_STDIN_NAMES = frozenset({"stdin", "-"})


@dataclass(frozen=True)
class _Loaded:
    """One project, read and joined; or why it could not be (reported on every file)."""

    workspace: Workspace | None = None
    # What `serialint check <the same paths>` reports on (resolved): its excludes, force-exclude
    # and .gitignore decide, as they do for the CLI.
    targets: frozenset[Path] = frozenset()
    error: str = ""


@dataclass(frozen=True)
class _Target:
    """The project a file belongs to, as ``serialint check <the paths flake8 was given>`` finds
    it: the key of the loaded project."""

    named: tuple[Path, ...]  # the paths of that project flake8 was given ("-": none)
    around: tuple[Path, ...]  # where the configuration and root are looked for
    config_file: Path | None
    stamp: int  # the configuration file's mtime (ns): an edited configuration is read again
    honour_noqa: bool  # False with flake8's --disable-noqa


def _target(named: Sequence[str], path: Path, honour_noqa: bool) -> _Target:
    """``path``'s project among the paths flake8 was given: they are grouped by their nearest
    configuration file, as the CLI groups them (files of several subprojects at once)."""
    paths = [Path(name) for name in named if name != "-"]
    # Standard input is a file of the project at the current directory.
    around = [*paths, Path.cwd()] if "-" in named or not paths else paths
    groups = group_paths(around)
    own = find_config_file(resolved(path))
    key = resolved(own) if own is not None and resolved(own) in groups else None
    members = groups.get(key, around) if len(groups) > 1 else around
    try:
        stamp = key.stat().st_mtime_ns if key is not None else 0
    except OSError:
        stamp = 0  # loading reports it
    # Without a configuration or root, the project is the paths named: standard input alone,
    # if only it was (never everything below the current directory).
    project = tuple(p for p in members if p in paths) if "-" in named else tuple(members)
    return _Target(project, tuple(members), key, stamp, honour_noqa)


# The one piece of per-process state, and why it is justified: flake8 constructs the checker once
# per file (in each of its --jobs processes) and gives it only that file, but serialint's findings
# need the whole project (a layer defined in one file and saved in another).  Reading and joining
# the project is the expensive part of a run, so each process does it once per project and lints
# every file it is handed within it; without this, a run would cost O(files x project).  The key
# holds the configuration file's mtime, so an edited configuration is read again.  The other
# files' facts are those on disk when the process first needed them, which is right for flake8
# (one process per run); the file being checked is always linted from flake8's text.
@functools.lru_cache(maxsize=8)
def _load(target: _Target) -> _Loaded:
    try:
        catalogue = load_catalogue()
        known = set(catalogue)
        config = config_for(list(target.around), known)
    except (ConfigError, CatalogueError) as error:
        return _Loaded(error=f"serialint configuration error, nothing checked: {error}")
    # flake8 applies plain noqa comments (and --disable-noqa); serialint reads only its own.
    config = with_overrides(
        config, external_noqa=True, ignore_noqa=True if not target.honour_noqa else None
    )
    codes = enabled_codes(known, config.select, config.ignore)
    try:
        workspace, inputs = Workspace.load(target.named, config, codes, catalogue)
    except Exception as error:  # a bug in serialint must not stop the team's flake8 run
        return _Loaded(error=_internal_error(error))
    # The project's facts live as long as the process, among millions of small objects; every
    # full collection the rest of flake8's run triggers would walk them all again.  Moving them
    # to the permanent generation took a --jobs 1 run over keras-team/keras from 57 s to 40 s.
    gc.freeze()
    return _Loaded(workspace, frozenset(resolved(p) for p in inputs.targets))


def _lint(loaded: _Loaded, path: Path, text: str) -> list[Finding]:
    workspace = loaded.workspace
    assert workspace is not None
    if resolved(path) not in loaded.targets and path.is_file():
        # A file serialint's excludes or .gitignore leave out: `serialint check` skips it too.
        # (A path not on disk is standard input, or an editor's new buffer: it is linted.)
        return []
    return workspace.lint_text(path, text).findings


def _internal_error(error: Exception) -> str:
    return (
        f"Internal error, file not checked ({type(error).__name__}: {error}); "
        "please report it to the serialint developers"
    )


class SerialintChecker:
    """flake8's tree checker for serialint's rules (entry point ``SER``)."""

    name = "serialint"
    version = __version__
    # The paths flake8 was given (its command line): they decide the project, as for the CLI.
    # Set once per process by parse_options, as flake8 plugins receive their options.
    named: ClassVar[tuple[str, ...]] = (".",)
    honour_noqa: ClassVar[bool] = True  # False with flake8's --disable-noqa

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # `tree` is flake8's parse; serialint parses the text itself (its facts and libcst
        # trees), but a checker must ask for the tree to be run once per file.
        del tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, option_manager: object, options: object, filenames: list[str]) -> None:
        del option_manager
        cls.named = tuple(filenames) or (".",)
        cls.honour_noqa = not getattr(options, "disable_noqa", False)

    def run(self) -> Iterator[Result]:
        stdin = self.filename in _STDIN_NAMES
        # `flake8 -` without --stdin-display-name: a new file of the project at the cwd.
        path = Path.cwd() / "stdin.py" if stdin else Path(self.filename)
        named = self.named
        if named == ("-",) and not stdin:
            named = (self.filename,)  # --stdin-display-name: the project of that file
        loaded = _load(_target(named, path, self.honour_noqa))
        if loaded.workspace is None:
            yield 1, 0, f"{DIAGNOSTIC_CODE} {loaded.error}", type(self)
            return
        try:
            findings = _lint(loaded, path, "".join(self.lines))
        except Exception as error:  # a bug in serialint must not stop the team's flake8 run
            yield 1, 0, f"{DIAGNOSTIC_CODE} {_internal_error(error)}", type(self)
            return
        for finding in findings:
            # serialint's columns are 1-based, in characters; flake8's are 0-based.  A file that
            # does not parse never gets here: flake8 reports E999 and runs no tree checker on it.
            yield (
                finding.start.row,
                finding.start.column - 1,
                f"{finding.code} {finding.message}",
                type(self),
            )
