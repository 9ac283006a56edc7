"""The temporary tree a replay imports the user's code from: stripped copies, never the originals.

Each job gets a directory of its own under one temporary root (removed afterwards). Its ``src/``
holds, under their importable names, the definitions-only copies (``strip``) of the module a
finding is about, of every project module that module imports (directly or not), and of the
packages around them. The user's tree is read through the texts serialint already holds and is
never written to, and no original module is importable from a step: a step's ``sys.path`` starts
with its ``src/``, and its working directory is the job directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst

from serialint.paths import relative_parts, resolved
from serialint.project import Module, Project
from serialint.project.modules import module_name_for
from serialint.runtime.jobs import Job
from serialint.runtime.strip import definitions_only
from serialint.stack import deep_recursion, on_big_stack


def _stripped_deeply(text: str) -> str:
    with deep_recursion():
        return definitions_only(text)


@dataclass
class Sandbox:
    project: Project
    texts: dict[Path, str]  # resolved path -> source text, as serialint read it
    root: Path  # a new temporary directory (see ``create``)
    _stripped: dict[Path, str | None] = field(default_factory=dict)
    _roots: dict[Path, list[Path]] = field(default_factory=dict)  # per job: sys.path entries
    _written: set[Path] = field(default_factory=set)
    _closures: dict[frozenset[str], list[Module]] = field(default_factory=dict)
    _jobs: int = 0

    @classmethod
    def create(cls, project: Project, texts: dict[Path, str], parent: Path | None) -> Sandbox:
        """A sandbox in a new directory under ``parent`` (None: the system's temporary one)."""
        return cls(project, texts, Path(tempfile.mkdtemp(prefix="serialint-", dir=parent)))

    def new_job(self) -> Path:
        self._jobs += 1
        directory = self.root / f"job{self._jobs}"
        directory.mkdir()
        return directory

    def importable_name(self, module: Module) -> str:
        return module_name_for(module.path)[0]

    @property
    def source(self) -> Path:
        """The copies, shared by every job (read only: no step writes there)."""
        return self.root / "src"

    def install(self, job: Path, modules: Iterable[Module]) -> Path:
        """Make sure the copies ``modules`` need are in ``source``; return that directory.

        The copies mirror the project's tree (``src/`` is its root), so a namespace package
        (``common/`` without ``__init__.py``) imports as it does from the root; each is written
        once per sandbox. A step of ``job`` gets, in front of ``sys.path``, what Python would
        give the program: the directory of a top-level script asked for (it imports its
        siblings) and the directory above each copy's top-level package (``import_path``).
        """
        source = self.source
        roots = self._roots.setdefault(job, [])
        asked = list(modules)
        for module in asked:
            if "." not in self.importable_name(module):  # a script, not a package's module
                _add(roots, self._mirror(source, module).parent)
        for module in self._closure(asked):
            target = self._mirror(source, module)
            if target not in self._written:
                text = self.definitions(resolved(module.path))
                if text is None:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                self._written.add(target)
            _add(roots, target.parents[self._depth(module)])
        return source

    def import_path(self, job: Path) -> tuple[Path, ...]:
        """The ``sys.path`` entries a step of ``job`` needs, the mirror of the root last."""
        return (*self._roots.get(job, []), self.source)

    def _mirror(self, source: Path, module: Module) -> Path:
        """Where the copy of ``module`` goes: at its place below the project root, unless its
        top-level package reaches above the root (``serialint check mypkg`` from outside),
        then at its place below the package's parent, under ``_packages``."""
        path = resolved(module.path)
        package_parent = path.parents[self._depth(module)]
        parts = relative_parts(package_parent, self.project.modules.root)
        if parts is None:
            below = relative_parts(path, package_parent)
            assert below is not None
            return source.joinpath("_packages", *below)
        return source.joinpath(*relative_parts(path, self.project.modules.root) or ())

    def _depth(self, module: Module) -> int:
        """How many directories up from the copy its top-level package's parent is."""
        dots = self.importable_name(module).count(".")
        return dots + 1 if module.is_package else dots

    def _closure(self, modules: Iterable[Module]) -> list[Module]:
        asked = list(modules)
        key = frozenset(m.name for m in asked)
        if key not in self._closures:
            self._closures[key] = self._walk(asked)
        return self._closures[key]

    def _walk(self, modules: list[Module]) -> list[Module]:
        found: dict[str, Module] = {}
        pending = list(modules)
        while pending:
            module = pending.pop()
            if module.name in found:
                continue
            found[module.name] = module
            for name in self.project.import_closure(module):
                other = self.project.modules.by_name.get(name)
                if other is not None and other.name not in found:
                    pending.append(other)
            pending += self._imported_anywhere(module)
            pending += self._packages_around(module)
        return list(found.values())

    def _imported_anywhere(self, module: Module) -> list[Module]:
        """Every project module an import statement of ``module`` names, in any branch: the
        project's view keeps one binding per name (``else`` of an if/else import), the copy
        must have whichever branch runs."""
        modules = self.project.modules
        found = []
        for fact in module.facts.imports:
            absolute = modules.absolute(module, fact.module) if fact.module else None
            if absolute is None:
                continue
            candidates = [absolute]
            if fact.name not in (None, "*"):
                candidates.append(f"{absolute}.{fact.name}")
            for candidate in candidates:
                other = modules.find(candidate, near=module.path)
                if other is not None:
                    found.append(other)
        return found

    def _packages_around(self, module: Module) -> list[Module]:
        """The ``__init__.py`` of each package above ``module``: Python runs them on import."""
        around = []
        path = resolved(module.path)  # Path(".").parent is Path("."): resolve first
        directory = path.parent if not module.is_package else path.parent.parent
        while (package := self.project.modules.of(directory / "__init__.py")) is not None:
            around.append(package)
            if directory.parent == directory:
                break
            directory = directory.parent
        return around

    def definitions(self, path: Path) -> str | None:
        """The definitions-only text of the module at (resolved) ``path``, stripped once."""
        if path not in self._stripped:
            text = self.texts.get(path)
            try:
                # libcst's native parser recurses on the C stack: deep code (a 20,000-term
                # chain) needs a big one, or the whole --confirm run segfaults.
                stripped = (
                    on_big_stack(lambda: _stripped_deeply(text)) if text is not None else None
                )
            except (cst.ParserSyntaxError, RecursionError, MemoryError):
                stripped = None  # not replayed: its findings are inconclusive
            self._stripped[path] = stripped
        return self._stripped[path]

    def with_import_path(self, job: Job) -> Job:
        """``job`` ready to run: each step's ``src`` entry expanded to the job's import path,
        and the user's original module files barred from import (``child.OriginalsBlocked``)."""
        source = self.source
        expanded = self.import_path(job.directory)
        listing = self._originals_listing()
        steps = tuple(
            replace(
                step,
                path=tuple(p for e in step.path for p in (expanded if e == source else (e,))),
                originals=str(listing),
            )
            for step in job.steps
        )
        return replace(job, steps=steps)

    def _originals_listing(self) -> Path:
        listing = self.root / "originals.txt"
        if not listing.exists():
            paths = sorted(f"file:{os.path.realpath(path)}" for path in self.texts)
            paths.append(f"root:{os.path.realpath(self.project.modules.root)}")
            listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        return listing

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _add(entries: list[Path], entry: Path) -> None:
    if entry not in entries:
        entries.append(entry)
