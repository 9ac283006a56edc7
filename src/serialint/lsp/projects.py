"""The projects of the open documents: which configuration and root each document belongs to,
and each project's :class:`~serialint.api.Workspace`, read from disk once and kept in step with
the editor's buffers.

A document's project is found as ``serialint check`` finds it for that file: the nearest
configuration file; else the nearest project marker (``.git``, ``pyproject.toml``, ...); else
the innermost workspace folder holding it (as ``serialint check`` run in that folder); else the
file alone, rooted at its directory.

An open notebook counts in its project as ``serialint check`` reads it: its code cells joined
(:attr:`serialint.notebooks.Notebook.python`), from the editor's cells while it is open and from
the ``.ipynb`` file once it is saved or changes on disk (:func:`read_text`).

A file its project's ``exclude``/``extend-exclude`` matches is not checked (as ruff's server
does, whether or not ``force-exclude`` is set): :meth:`Projects.lint` answers None for it, and its
text, open or saved, never joins the project's facts (the CLI never indexes it either).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from serialint.api import Workspace
from serialint.catalogue import RuleDoc
from serialint.config import (
    CONFIG_FILES,
    Config,
    ConfigError,
    config_for,
    find_config_file,
)
from serialint.engine import enabled_codes, exclude_matcher
from serialint.files import ExcludeMatcher
from serialint.findings import FileResult, Finding
from serialint.notebooks import Notebook, is_notebook, read_notebook_file
from serialint.paths import relative_parts, resolved
from serialint.source import SourceFile, read_source

ProjectKey = tuple[Path, Path | None, bool, tuple[Path, ...]]


@dataclass(frozen=True)
class Resolution:
    """A document's project: its configuration, the paths to read, and any configuration error
    (the configuration is then the last good one read from that file, or the defaults)."""

    config: Config
    paths: tuple[Path, ...]
    config_file: Path | None = None
    error: str | None = None

    @property
    def key(self) -> ProjectKey:
        return (resolved(self.config.root), self.config_file, self.config.index_root, self.paths)


def is_config_file(path: Path) -> bool:
    return path.name in CONFIG_FILES


def read_text(path: Path) -> str | None:
    """The text the project holds for ``path`` as it is on disk: a module's source, a
    notebook's code cells joined (:attr:`serialint.notebooks.Notebook.python`); None when it
    cannot be read."""
    if is_notebook(path):
        notebook = read_notebook_file(path)
        return notebook.python if isinstance(notebook, Notebook) else None
    read = read_source(path)
    return read.text if isinstance(read, SourceFile) else None


def resolve(
    path: Path,
    folders: Sequence[Path],
    known: Iterable[str],
    last_good: Mapping[Path, Config] | None = None,
) -> Resolution:
    """The project ``path`` belongs to (see the module's docstring)."""
    path = resolved(path)
    try:
        config = config_for([path], known)
    except ConfigError as error:
        broken = find_config_file(path)  # the file that failed to load
        assert broken is not None  # only a configuration file raises here
        broken = resolved(broken)
        fallback = (last_good or {}).get(broken)
        if fallback is None:
            fallback = Config(root=broken.parent, source=broken)
        return Resolution(fallback, (fallback.root,), broken, str(error))
    if config.source is not None:  # as `serialint check` finds it for this file
        return Resolution(config, (config.root,), resolved(config.source))
    if config.index_root:
        return Resolution(config, (config.root,))
    holding = [f for f in folders if relative_parts(path, f) is not None]
    if holding:
        folder = max((resolved(f) for f in holding), key=lambda f: len(f.parts))
        return Resolution(Config(root=folder, index_root=False), (folder,))
    return Resolution(Config(root=path.parent, index_root=False), (path,))


@dataclass
class Project:
    resolution: Resolution
    base: Workspace  # the files as they are on disk
    current: Workspace  # ... with the open documents' texts instead
    buffers: dict[Path, str] = field(default_factory=dict)  # resolved path -> editor text
    matcher: ExcludeMatcher = field(init=False)

    def __post_init__(self) -> None:
        self.matcher = exclude_matcher(self.resolution.config)

    def excluded(self, path: Path) -> bool:
        """Whether the configuration excludes ``path`` (then it is never checked or read)."""
        return self.matcher.excluded(resolved(path))

    def disk_text(self, path: Path) -> str | None:
        read = self.base.files.get(path)
        return None if read is None or isinstance(read, Finding) else read.source.text


class Projects:
    """Every project an open document belongs to, loaded on first use."""

    def __init__(self, catalogue: dict[str, RuleDoc]) -> None:
        self._catalogue = catalogue
        self._projects: dict[ProjectKey, Project] = {}
        self._of: dict[Path, ProjectKey] = {}  # resolved document path -> its project
        self._last_good: dict[Path, Config] = {}  # configuration file -> its last good config

    def _find(self, key: ProjectKey | None) -> Project | None:
        return None if key is None else self._projects.get(key)

    def project(self, path: Path, folders: Sequence[Path]) -> Project:
        """``path``'s project, loaded from disk the first time it is asked for."""
        key = self._of.get(resolved(path))
        if key is not None and key in self._projects:
            return self._projects[key]
        resolution = resolve(path, folders, self._catalogue, self._last_good)
        if resolution.config_file is not None and resolution.error is None:
            self._last_good[resolution.config_file] = resolution.config
        project = self._projects.get(resolution.key)
        if project is None:
            workspace = self._load(resolution)
            project = Project(resolution, workspace, workspace)
            self._projects[resolution.key] = project
        self._of[resolved(path)] = resolution.key
        return project

    def track(self, path: Path, text: str, folders: Sequence[Path]) -> Project:
        """Make ``text`` (an open document) what ``path`` holds in its project, unless the
        project excludes ``path``."""
        key = resolved(path)
        project = self.project(path, folders)
        if project.excluded(key):
            return project
        if project.buffers.get(key) != text:
            project.buffers[key] = text
            project.current = project.current.replaced({key: text})
        return project

    def lint(
        self, path: Path, text: str, folders: Sequence[Path]
    ) -> tuple[Project, FileResult | None]:
        """Lint the open document ``path`` whose text is ``text``, within its project (None:
        the project excludes it)."""
        project = self.track(path, text, folders)
        if project.excluded(path):
            return project, None
        return project, project.current.lint_file(resolved(path))

    def close(self, path: Path) -> None:
        """The document is closed: its project sees the file on disk again."""
        key = resolved(path)
        project = self._find(self._of.pop(key, None))
        if project is None or key not in project.buffers:
            return
        text = project.buffers.pop(key)
        if text != project.disk_text(key):
            project.current = (
                project.base.replaced(project.buffers) if project.buffers else project.base
            )

    def saved(self, path: Path) -> Project | None:
        """The document was saved: its project's disk facts take the file's new contents.
        Returns its project, or None when there is none yet or it excludes the file."""
        key = resolved(path)
        project = self._find(self._of.get(key))
        if project is None or project.excluded(key):
            return None
        text = read_text(key)
        if text is not None and text != project.disk_text(key):
            project.base = project.base.replaced({key: text})
        return project

    def _load(self, resolution: Resolution) -> Workspace:
        config = resolution.config
        codes = enabled_codes(self._catalogue, config.select, config.ignore)
        workspace, _ = Workspace.load(list(resolution.paths), config, codes, self._catalogue)
        return workspace

    def disk_changed(self, changes: Sequence[tuple[Path, bool]]) -> list[Project]:
        """Files changed on disk (a watched-files event; each with whether it was created or
        deleted): the projects they belong to take their new contents; a file created or
        deleted makes its project be read again, once, keeping the open documents' texts.
        Returns the projects that changed."""
        touched: list[Project] = []
        for project in self._projects.values():
            root = project.base.config.root
            inside = [
                (resolved(p), c)
                for p, c in changes
                if relative_parts(p, root) is not None and not project.excluded(p)
            ]
            if not inside:
                continue
            if any(created_or_deleted for _, created_or_deleted in inside):
                project.base = self._load(project.resolution)
                project.current = (
                    project.base.replaced(project.buffers) if project.buffers else project.base
                )
                touched.append(project)
                continue
            texts: dict[Path, str] = {}
            for key, _ in inside:
                text = read_text(key) if key in project.base.files else None
                if text is not None and text != project.disk_text(key):
                    texts[key] = text
            if not texts:
                continue
            project.base = project.base.replaced(texts)
            unopened = {k: t for k, t in texts.items() if k not in project.buffers}
            if unopened:
                project.current = project.current.replaced(unopened)
            touched.append(project)
        return touched

    def clear(self) -> None:
        """Forget every project (the configuration changed): they are read again on next use."""
        self._projects.clear()
        self._of.clear()
