"""Modules of the project: their names, and every file-level reference made absolute.

Pass 1 resolves names only as far as one file allows (``.base.Block``, ``@Encoder``, ``?Layer``,
see facts.model).  Here they become absolute dotted names, and re-exports are followed to the
module that defines a name (``from .layers import Dense`` in a package ``__init__``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from serialint import names
from serialint.facts.model import ClassFact, FunctionFact, ModuleFacts
from serialint.paths import relative_parts, resolved


@dataclass(frozen=True)
class Module:
    name: str
    facts: ModuleFacts

    @property
    def path(self) -> Path:
        return self.facts.path

    @property
    def is_package(self) -> bool:
        return self.facts.is_package

    @property
    def is_notebook(self) -> bool:
        return _is_notebook(self.facts)


def _is_notebook(fact: ModuleFacts) -> bool:
    return fact.path.suffix == ".ipynb"


_NAMESPACE_DEPTH = 3  # directories without __init__.py allowed below a regular package


def module_name_for(path: Path) -> tuple[str, bool]:
    """Dotted module name from the package structure (``__init__.py`` files) around ``path``.

    A directory without ``__init__.py`` inside a regular package is a namespace package, and
    Python imports its modules under the full name (``keras_hub.src.models.edrec.layers``).
    """
    path = resolved(path)
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    directory = path.parent
    gap = []
    for _ in range(_NAMESPACE_DEPTH):
        if (directory / "__init__.py").is_file() or directory == directory.parent:
            break
        gap.append(directory.name)
        directory = directory.parent
    if (directory / "__init__.py").is_file():
        parts += gap
    else:
        directory = path.parent
    while (directory / "__init__.py").is_file() and directory != directory.parent:
        parts.append(directory.name)
        directory = directory.parent
    if not parts:  # an __init__.py whose directory is the root of the file system
        parts = [path.parent.name]
    return ".".join(reversed(parts)), is_package


def suffixes(path: Path, root: Path) -> list[str]:
    """``a.b.c``, ``b.c``, ``c`` for ``root/a/b/c.py``: the names the file may be imported by."""
    below = relative_parts(path, root)
    # Outside the root (--config elsewhere): the whole absolute path keeps names distinct.
    relative = Path(*below) if below else Path(*resolved(path).parts[1:])
    parts = [*relative.parent.parts, relative.stem]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]


class Modules:
    """Every module of the project by name, and name resolution across them."""

    def __init__(self, facts: Iterable[ModuleFacts], root: Path) -> None:
        self.root = root
        found: dict[Path, tuple[str, ModuleFacts]] = {}
        for fact in facts:
            found.setdefault(resolved(fact.path), (module_name_for(fact.path)[0], fact))
        counts: dict[str, int] = defaultdict(int)
        for name, fact in found.values():
            if not _is_notebook(fact):
                counts[name] += 1
        # Two scripts in different directories can both be ``encoder``; each then gets its path
        # from the root (``examples.encoder``) so neither hides the other.  A script importing
        # ``encoder`` means its own directory's (the script directory is on sys.path).
        self.siblings: dict[Path, dict[str, str]] = defaultdict(dict)
        self.by_name: dict[str, Module] = {}
        self.by_path: dict[Path, Module] = {}
        self._by_suffix: dict[str, list[Module]] = defaultdict(list)
        for key, (name, fact) in found.items():
            if _is_notebook(fact):
                # Nothing can import a notebook: it is named by its path, as no import can spell
                # it (`docs/train-ipynb`), so it neither hides nor is found as a module.
                parts = relative_parts(key, root) or (key.name,)
                module = Module("/".join(parts).removesuffix(".ipynb") + "-ipynb", fact)
                self.by_name.setdefault(module.name, module)
                self.by_path[key] = module
                continue
            if counts[name] > 1:
                unique = (suffixes(fact.path, root) or [str(key)])[0]
                if "." not in name:
                    self.siblings[key.parent][name] = unique
                name = unique
            module = Module(name, fact)
            self.by_name.setdefault(name, module)
            self.by_path[key] = module
            for suffix in suffixes(fact.path, root):
                self._by_suffix[suffix].append(module)
        self._canonical: dict[str, str] = {}
        self._provided: dict[tuple[str, str], bool] = {}
        # Per module: the renamed sibling scripts its imports mean (resolved once, not per name).
        self._renames: dict[str, dict[str, str]] = {
            module.name: self.siblings[key.parent]
            for key, module in self.by_path.items()
            if key.parent in self.siblings
        }

    def __iter__(self) -> Iterator[Module]:
        return iter(self.by_name.values())

    def of(self, path: Path) -> Module | None:
        return self.by_path.get(resolved(path))

    def find(self, name: str, near: Path | None = None) -> Module | None:
        """The project module ``name`` refers to; ``near`` (the importer) breaks ties the way
        Python does for scripts: a sibling in the importer's own directory wins."""
        if name in self.by_name:
            return self.by_name[name]
        candidates = self._by_suffix.get(name, [])
        if len(candidates) == 1:
            return candidates[0]
        if near is not None:
            siblings = [c for c in candidates if c.path.parent == near.parent]
            if len(siblings) == 1:
                return siblings[0]
        return None

    # -- references -----------------------------------------------------------------------------
    def absolute(self, module: Module, reference: str) -> str | None:
        """A file-level reference (facts.model) as an absolute dotted name; None if unknown."""
        if reference.startswith("@"):
            return f"{module.name}.{reference[1:]}"
        if reference.startswith("?"):
            return self._from_stars(module, reference[1:])
        if reference.startswith("."):
            return self._relative(module, reference)
        head, dot, rest = reference.partition(".")
        renamed = self._renames.get(module.name, {}).get(head)
        return renamed + dot + rest if renamed else reference

    def _relative(self, module: Module, reference: str) -> str | None:
        level = len(reference) - len(reference.lstrip("."))
        package = module.name.split(".")
        if not module.is_package:
            package = package[:-1]
        if level - 1 > len(package):
            return None  # Python raises ImportError: beyond the top-level package
        package = package[: len(package) - (level - 1)]
        rest = reference[level:]
        return ".".join([*package, *([rest] if rest else [])])

    def _from_stars(self, module: Module, dotted: str) -> str | None:
        """A name the module does not bind: one of its star imports may provide it."""
        head = dotted.partition(".")[0]
        for star in module.facts.star_imports:
            source = self.absolute(module, star)
            if source is None:
                continue
            provider = self.find(source, module.path)
            if provider is not None:
                if head in provider.facts.names or self._provides(provider, head):
                    return f"{provider.name}.{dotted}"
            elif names.is_known_keras_name(f"{source}.{head}"):
                return f"{source}.{dotted}"
        return None

    def _provides(self, module: Module, head: str) -> bool:
        """Does a star import of ``module`` provide ``head`` (through its own star imports)?
        One walk over the star-import graph, each module once."""
        key = (module.name, head)
        if key not in self._provided:
            self._provided[key] = self._provides_within(module, head, set())
        return self._provided[key]

    def _provides_within(self, module: Module, head: str, seen: set[str]) -> bool:
        if module.name in seen:
            return False
        seen.add(module.name)
        for star in module.facts.star_imports:
            source = self.absolute(module, star)
            provider = self.find(source, module.path) if source else None
            if provider is not None and (
                head in provider.facts.names or self._provides_within(provider, head, seen)
            ):
                return True
            if provider is None and source and names.is_known_keras_name(f"{source}.{head}"):
                return True
        return False

    def qualify(self, module: Module, reference: str) -> str | None:
        """Absolute, then followed through re-exports to where it is defined."""
        absolute = self.absolute(module, reference)
        return self.canonical(absolute) if absolute is not None else None

    def canonical(self, qualified: str) -> str:
        """Follow re-exports (``from .layers import X`` in a package) to where X is defined, or
        to the external name it stands for (``from tensorflow import keras`` in ``pkg``)."""
        cached = self._canonical.get(qualified)
        if cached is None:
            cached = self._follow(qualified, set())
            self._canonical[qualified] = cached
        return cached

    def _follow(self, qualified: str, seen: set[str]) -> str:
        if qualified in seen:
            return qualified
        seen.add(qualified)
        module_name, _, attr = qualified.rpartition(".")
        while module_name:
            module = self.find(module_name)
            if module is not None:
                head, dot, rest = attr.partition(".")
                bound = module.facts.names.get(head)
                if bound is not None:
                    if bound.startswith("@"):
                        return f"{module.name}.{attr}"  # defined here
                    target = self.absolute(module, bound)
                    if target is None:
                        return qualified
                    return self._follow(target + dot + rest, seen)
                for star in module.facts.star_imports:  # from .backend.jax import *
                    source = self.absolute(module, star)
                    if source is None:
                        continue
                    target = self._follow(f"{source}.{attr}", set(seen))
                    if self.definition(target) is not None or names.is_known_keras_name(target):
                        return target
                return qualified
            module_name, _, prefix = module_name.rpartition(".")
            attr = f"{prefix}.{attr}"
        return qualified

    def resolutions(self, qualified: str) -> set[str]:
        """Every definition a name can mean: one, or one per branch of a star-import dispatch
        (``if backend == "jax": from .jax import *`` ... for each backend)."""
        found = {self.canonical(qualified)}
        module_name, _, attr = qualified.rpartition(".")
        while module_name:
            module = self.find(module_name)
            if module is not None:
                if attr.partition(".")[0] in module.facts.names:
                    break  # bound by the module itself: no dispatch
                for star in module.facts.star_imports:
                    source = self.absolute(module, star)
                    if source is None:
                        continue
                    target = self.canonical(f"{source}.{attr}")
                    if self.definition(target) is not None or names.is_known_keras_name(target):
                        found.add(target)
                break
            module_name, _, prefix = module_name.rpartition(".")
            attr = f"{prefix}.{attr}"
        return found

    # -- definitions ----------------------------------------------------------------------------
    def split(self, qualified: str) -> tuple[Module, str] | None:
        """(module, qualname within it) for a name defined in the project."""
        module_name, _, attr = qualified.rpartition(".")
        while module_name:
            module = self.by_name.get(module_name)
            if module is not None:
                return module, attr
            module_name, _, prefix = module_name.rpartition(".")
            attr = f"{prefix}.{attr}"
        return None

    def definition(self, qualified: str) -> ClassFact | FunctionFact | None:
        found = self.split(qualified)
        if found is None:
            return None
        module, local = found
        return module.facts.class_index.get(local) or module.facts.functions.get(local)

    def function_fact(self, qualified: str) -> tuple[Module, FunctionFact] | None:
        found = self.split(qualified)
        if found is None:
            return None
        function = found[0].facts.functions.get(found[1])
        return (found[0], function) if function is not None else None
