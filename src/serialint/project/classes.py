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
        self.all: dict[str, ProjectClass] = {}
        for module in modules:
            for fact in module.facts.classes:
                qualname = f"{module.name}.{fact.qualname}"
                self.all.setdefault(qualname, ProjectClass(qualname, module, fact))
        self._bases: dict[str, tuple[str, ...]] = {
            q: tuple(
                resolution
                for base in c.fact.bases
                for reference in base_references(base)
                if (absolute := modules.absolute(c.module, reference)) is not None
                for resolution in sorted(modules.resolutions(absolute))
            )
            for q, c in self.all.items()
        }
        self.subclasses: dict[str, set[str]] = defaultdict(set)
        for qualname, bases in self._bases.items():
            for base in bases:
                if base in self.all and base != qualname:
                    self.subclasses[base].add(qualname)
        self._kinds: dict[str, KerasKind | None] = {}

    def get(self, qualified: str | None) -> ProjectClass | None:
        if qualified is None:
            return None
        return self.all.get(qualified) or self.all.get(self.modules.canonical(qualified))

    def bases(self, cls: ProjectClass) -> tuple[str, ...]:
        """Absolute names of the bases (project classes or external names)."""
        return self._bases[cls.qualname]

    def project_bases(self, cls: ProjectClass) -> list[ProjectClass]:
        return [self.all[b] for b in self.bases(cls) if b in self.all and b != cls.qualname]

    def ancestors(self, cls: ProjectClass) -> list[ProjectClass]:
        """Project base classes, nearest first, each once (cycles are cut)."""
        found: list[ProjectClass] = []
        seen = {cls.qualname}
        pending = self.project_bases(cls)
        while pending:
            current = pending.pop(0)
            if current.qualname in seen:
                continue
            seen.add(current.qualname)
            found.append(current)
            pending.extend(self.project_bases(current))
        return found

    def keras_kind(self, cls: ProjectClass) -> KerasKind | None:
        """The serializable Keras kind a class has through its bases, if any."""
        if cls.qualname not in self._kinds:
            self._kinds[cls.qualname] = self._kind_of(cls)
        return self._kinds[cls.qualname]

    def _kind_of(self, cls: ProjectClass) -> KerasKind | None:
        # The first base in order decides, as for the MRO's most-derived serializable base;
        # walking all ancestors breadth-first is cycle-safe and caches no provisional answer.
        for current in [cls, *self.ancestors(cls)]:
            for base in self.bases(current):
                if base in self.all:
                    continue
                keras = names.keras_name(base)
                if keras is not None:
                    kind = names.serializable_kind(keras)
                    if kind is not None:
                        return KerasKind(kind, keras)
        return None

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
