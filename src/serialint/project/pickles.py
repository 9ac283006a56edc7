"""Pickle dumps and loads, and the files they write and read (for linking a load to a dump)."""

from __future__ import annotations

from dataclasses import dataclass

from serialint import names
from serialint.facts.model import Call, CallSite, Local, Param, Ref, Value
from serialint.project.modules import Module, Modules
from serialint.project.paths import Paths, PathText
from serialint.project.values import Values

# open(path, "rb"), gzip.open(path): the file object a pickle call is handed.
_OPENERS = frozenset({"io.open", "gzip.open", "bz2.open", "lzma.open"})
_DEPTH = 4


@dataclass(frozen=True)
class PickleSite:
    module: Module
    site: CallSite
    function: str  # "pickle.dump", "joblib.load", ...
    value: Value | None  # what a dump pickles (None for a load)
    files: tuple[PathText, ...]  # the paths it writes or reads, where they can be followed


class Pickles:
    def __init__(self, modules: Modules, values: Values, paths: Paths) -> None:
        self.values = values
        self.paths = paths
        self.dumps: list[PickleSite] = []
        self.loads: list[PickleSite] = []
        for module in modules:
            for site in module.facts.calls:
                callee = values.qualify(module, site.call.func)
                if callee in names.PICKLE_DUMPERS:
                    call = site.call
                    value = call.argument(0, "obj") or call.keyword("value")
                    target = call.argument(1, "file") or call.keyword("filename")
                    files = self._files(module, target) if not callee.endswith("s") else ()
                    self.dumps.append(PickleSite(module, site, callee, value, files))
                elif callee in names.PICKLE_LOADERS:
                    source = site.call.argument(0, "file") or site.call.keyword("filename")
                    files = self._files(module, source) if not callee.endswith("s") else ()
                    self.loads.append(PickleSite(module, site, callee, None, files))

    def loads_in(self, module: Module) -> list[PickleSite]:
        return [load for load in self.loads if load.module.name == module.name]

    def _passed(self, module: Module, param: Param, depth: int) -> tuple[PathText, ...]:
        found: list[PathText] = []
        for caller, _, argument in self.values.passed_for(module, param):
            found += self._files(caller, argument, depth + 1)
        return tuple(found)

    def _opens(self, module: Module, call: Call) -> bool:
        if isinstance(call.func, Ref) and call.func.name == "?open":
            return True  # the builtin (the file does not bind the name)
        return self.values.qualify(module, call.func) in _OPENERS

    def _files(self, module: Module, value: Value | None, depth: int = 0) -> tuple[PathText, ...]:
        """The paths a file argument names: a path itself (``joblib.dump(m, "m.joblib")``), or
        the path of the ``open(...)`` that made the file object (``with open(p, "wb") as f``)."""
        if value is None or depth > _DEPTH:
            return ()
        if isinstance(value, Param):  # a helper's path: what its callers pass
            return self._passed(module, value, depth)
        if isinstance(value, Call) and self._opens(module, value):
            argument = value.argument(0, "file")
            if isinstance(argument, Param):
                return self._passed(module, argument, depth)
            return tuple(self.paths.each(module, argument))
        if isinstance(value, Local):
            found: list[PathText] = []
            for assigned in self.values.locals_of(module, value):
                if isinstance(assigned, Call):
                    found += self._files(module, assigned, depth + 1)
                else:
                    found += self.paths.each(module, assigned)
            return tuple(found)
        return tuple(self.paths.each(module, value))
