"""The temporary tree a replay imports the user's code from: stripped copies, never the originals.

Each job gets a directory of its own under one temporary root (removed afterwards). Its ``src/``
holds, under their importable names, the definitions-only copies (``strip``) of the module a
finding is about, of every project module that module imports (directly or not), and of the
packages around them. The user's tree is read through the texts serialint already holds and is
never written to, and no original module is importable from a step: a step's ``sys.path`` starts
with its ``src/``, and its working directory is the job directory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from serialint.paths import resolved
from serialint.project import Module, Project
from serialint.project.modules import module_name_for
from serialint.runtime.strip import definitions_only


@dataclass
class Sandbox:
    project: Project
    texts: dict[Path, str]  # resolved path -> source text, as serialint read it
    root: Path  # a new temporary directory (see ``create``)
    _stripped: dict[Path, str | None] = field(default_factory=dict)
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

    def install(self, job: Path, modules: Iterable[Module]) -> Path:
        """Write the copies ``modules`` need into ``job/src``; return that directory."""
        source = job / "src"
        source.mkdir(exist_ok=True)
        for module in self._closure(modules):
            text = self._definitions(resolved(module.path))
            if text is None:
                continue
            name = self.importable_name(module)
            parts = name.split(".")
            if module.is_package:
                target = source.joinpath(*parts, "__init__.py")
            else:
                target = source.joinpath(*parts[:-1], f"{parts[-1]}.py")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return source

    def _closure(self, modules: Iterable[Module]) -> list[Module]:
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
            pending += self._packages_around(module)
        return list(found.values())

    def _packages_around(self, module: Module) -> list[Module]:
        """The ``__init__.py`` of each package above ``module``: Python runs them on import."""
        around = []
        directory = module.path.parent if not module.is_package else module.path.parent.parent
        while (package := self.project.modules.of(directory / "__init__.py")) is not None:
            around.append(package)
            directory = directory.parent
        return around

    def _definitions(self, path: Path) -> str | None:
        if path not in self._stripped:
            text = self.texts.get(path)
            try:
                self._stripped[path] = definitions_only(text) if text is not None else None
            except cst.ParserSyntaxError:
                self._stripped[path] = None
        return self._stripped[path]

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
