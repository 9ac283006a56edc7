"""The import graph between project modules: who imports whom, directly and transitively."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from serialint.project.classes import Classes
from serialint.project.modules import Module, Modules


class ImportGraph:
    """Direct imports are resolved once per module; closures are graph walks over them."""

    def __init__(self, modules: Modules, classes: Classes) -> None:
        self.modules = modules
        self.classes = classes
        self._direct: dict[str, set[str]] | None = None
        self._reverse: dict[str, set[str]] | None = None
        self._closures: dict[str, set[str]] = {}

    @property
    def direct(self) -> dict[str, set[str]]:
        if self._direct is None:
            self._direct = {m.name: set(self._imported_by(m)) - {m.name} for m in self.modules}
        return self._direct

    def _imported_by(self, module: Module) -> Iterator[str]:
        """The project modules one module imports.

        A name imported through a package's re-exports (``from pkg import Net`` where
        ``pkg/__init__.py`` does ``from .models import *``) brings in the module defining it,
        not everything the package re-exports.  ``from loss import *`` of a plain module brings
        that module in; a star import of a package (a backend dispatch such as
        ``from .backend.jax import *``) does not bring in everything below it.
        """
        find = self.modules.find
        for reference in module.facts.names.values():
            if reference.startswith("@"):
                continue
            qualified = self.modules.absolute(module, reference)
            if qualified is None:
                continue
            target = find(qualified, module.path)
            if target is None:
                defined = self.classes.get(qualified)
                target = defined.module if defined is not None else None
            if target is None:
                target = find(qualified.rpartition(".")[0], module.path)
            if target is not None:
                yield target.name
        for imported in module.facts.imports:
            # `import tools.convert` imports tools.convert, though it binds only `tools`.
            if imported.name is None:
                target = find(self.modules.absolute(module, imported.module) or "", module.path)
                if target is not None:
                    yield target.name
        for star in module.facts.star_imports:
            source = self.modules.absolute(module, star)
            target = find(source, module.path) if source else None
            if target is not None and not target.is_package:
                yield target.name

    def closure(self, module: Module) -> set[str]:
        """``module`` and every project module it imports, directly or through others."""
        name = module.name
        if name not in self._closures:
            self._closures[name] = _reach(name, self.direct)
        return self._closures[name]

    def importers(self, module: Module) -> set[str]:
        """``module`` and every project module that imports it, directly or through others."""
        if self._reverse is None:
            reverse: dict[str, set[str]] = defaultdict(set)
            for source, targets in self.direct.items():
                for target in targets:
                    reverse[target].add(source)
            self._reverse = dict(reverse)
        return _reach(module.name, self._reverse)


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    pending = [start]
    while pending:
        for target in edges.get(pending.pop(), ()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen
