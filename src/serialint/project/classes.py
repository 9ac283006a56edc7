"""The class hierarchy across modules: which project classes are Keras classes, and of what kind."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from serialint import names
from serialint.facts.model import Call, ClassFact, IfExp, Ref, Value
from serialint.names import KerasName
from serialint.project.modules import Module, Modules


@dataclass(frozen=True)
class KerasKind:
    kind: str  # "layer", "model", "loss", ...
    base: KerasName  # the Keras class the hierarchy reaches
    root: str = "keras"  # whose registry: see names.registry_root


@dataclass(frozen=True)
class ProjectClass:
    qualname: str  # absolute: module.Class
    module: Module
    fact: ClassFact

    @property
    def name(self) -> str:
        return self.fact.name

    @property
    def line(self) -> int:
        return self.fact.name_span.line

    @property
    def key(self) -> str:
        """Unique per ``class`` statement: a tutorial may define ``Linear`` three times."""
        return f"{self.qualname}:{self.fact.span.line}"


# Checking Keras' own repository: its classes are the Keras classes.
_KERAS_SELF = tuple(f"{package}." for package in names.KERAS_SELF_IMPORTING_PACKAGES)


def alternatives(first: ClassFact, second: ClassFact) -> bool:
    """Defined in different branches of one if/try: at most one of them exists at run time."""
    return (
        first.branch is not None
        and second.branch is not None
        and first.branch[0] == second.branch[0]
        and first.branch[1] != second.branch[1]
    )


def base_references(value: Value) -> list[str]:
    """The file-level references a base expression can stand for.

    ``object if debug else Layer`` may be either; ``six.with_metaclass(Meta, Layer)`` and
    similar helpers derive from their class arguments.
    """
    if isinstance(value, Ref):
        return [value.name]
    if isinstance(value, IfExp):
        return base_references(value.body) + base_references(value.orelse)
    if isinstance(value, Call):
        return [r for arg in value.args for r in base_references(arg)]
    return []


class Classes:
    def __init__(self, modules: Modules) -> None:
        self.modules = modules
        # Every class statement, in order; a name defined again (a tutorial's second `Linear`,
        # a try/except alternative) is a class of its own.  `all` maps each name to the
        # definition it is finally bound to, which references from other modules mean.
        self.definitions: list[ProjectClass] = []
        self.all: dict[str, ProjectClass] = {}
        self._by_statement: dict[tuple[str, int], ProjectClass] = {}
        # Definitions in different branches of one if/try: versions of one class at run time.
        self.alternatives: dict[str, list[ProjectClass]] = defaultdict(list)
        for module in modules:
            for fact in module.facts.classes:
                cls = ProjectClass(f"{module.name}.{fact.qualname}", module, fact)
                self.definitions.append(cls)
                earlier = self.all.get(cls.qualname)
                if earlier is not None and alternatives(earlier.fact, fact):
                    group = self.alternatives.setdefault(earlier.key, [earlier])
                    group.append(cls)
                    self.alternatives[cls.key] = group
                self.all[cls.qualname] = cls
                self._by_statement[(module.name, fact.span.line)] = cls
        self._bases: dict[str, tuple[str, ...]] = {
            c.key: tuple(
                resolution
                for base in c.fact.bases
                for reference in base_references(base)
                if (absolute := modules.absolute(c.module, reference)) is not None
                for resolution in sorted(modules.resolutions(absolute))
            )
            for c in self.definitions
        }
        self.subclasses: dict[str, set[str]] = defaultdict(set)
        for cls in self.definitions:
            for base in self._bases[cls.key]:
                if base in self.all and base != cls.qualname:
                    self.subclasses[base].add(cls.qualname)
        self._kinds: dict[str, KerasKind | None] = {}

    def get(self, qualified: str | None) -> ProjectClass | None:
        if qualified is None:
            return None
        return self.all.get(qualified) or self.all.get(self.modules.canonical(qualified))

    def of_statement(self, module: Module, fact: ClassFact) -> ProjectClass:
        return self._by_statement[(module.name, fact.span.line)]

    def bases(self, cls: ProjectClass) -> tuple[str, ...]:
        """Absolute names of the bases (project classes or external names)."""
        return self._bases[cls.key]

    def project_bases(self, cls: ProjectClass) -> list[ProjectClass]:
        return [self.all[b] for b in self.bases(cls) if b in self.all and b != cls.qualname]

    def ancestors(self, cls: ProjectClass) -> list[ProjectClass]:
        """Project base classes, nearest first, each once (cycles are cut)."""
        found: list[ProjectClass] = []
        seen = {cls.key}
        pending = self.project_bases(cls)
        while pending:
            current = pending.pop(0)
            if current.key in seen:
                continue
            seen.add(current.key)
            found.append(current)
            pending.extend(self.project_bases(current))
        return found

    def keras_kind(self, cls: ProjectClass) -> KerasKind | None:
        """The serializable Keras kind a class has through its bases, if any."""
        if cls.key not in self._kinds:
            self._kinds[cls.key] = self._kind_of(cls)
        return self._kinds[cls.key]

    def _kind_of(self, cls: ProjectClass) -> KerasKind | None:
        # The first base in order decides, as for the MRO's most-derived serializable base;
        # walking all ancestors breadth-first is cycle-safe and caches no provisional answer.
        for current in [cls, *self.ancestors(cls)]:
            for base in self.bases(current):
                if base in self.all and not base.startswith(_KERAS_SELF):
                    continue  # a project class; unless the project is Keras itself
                keras = names.keras_name(base)
                if keras is not None:
                    kind = names.serializable_kind(keras)
                    if kind is not None:
                        return KerasKind(kind, keras, names.registry_root(base) or "keras")
        return None

    def descendants(self, qualname: str) -> set[str]:
        """Every project class deriving from ``qualname``, at any depth."""
        found: set[str] = set()
        pending = [qualname]
        while pending:
            for sub in self.subclasses.get(pending.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    pending.append(sub)
        return found

    def keras_bases(self, cls: ProjectClass) -> list[KerasName]:
        """The Keras classes the hierarchy reaches, nearest first."""
        found = []
        for current in [cls, *self.ancestors(cls)]:
            for base in self.bases(current):
                if base not in self.all and (keras := names.keras_name(base)) is not None:
                    found.append(keras)
        return found

    def is_callback(self, cls: ProjectClass) -> bool:
        return any(base.path.startswith("callbacks.") for base in self.keras_bases(cls))

    def derives_from(self, cls: ProjectClass, ancestor: str) -> bool:
        return cls.qualname == ancestor or any(a.qualname == ancestor for a in self.ancestors(cls))

    def method(self, cls: ProjectClass, name: str) -> tuple[ProjectClass, str] | None:
        """Where ``cls`` gets method ``name`` from: itself or the nearest project base."""
        for current in [cls, *self.ancestors(cls)]:
            if name in current.fact.methods:
                return current, f"{current.qualname}.{name}"
        return None
