"""Which project classes are registered with Keras, by any of the idioms projects use."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from serialint import names
from serialint.facts.model import Attr, Call, Const, DictLit, IfExp, Local, Ref, Value
from serialint.project.classes import Classes, ProjectClass
from serialint.project.modules import Module, Modules
from serialint.project.values import Values

_HELPER_DEPTH = 4
ANY = "any"  # a project helper: its registry is not known
DEFAULT_PACKAGE = "Custom"  # register_keras_serializable(package="Custom")


@dataclass(frozen=True)
class Registration:
    """One act of registering a project class, as Keras will look it up.

    ``key`` is the name a saved model refers to it by: ``package>Name`` for the decorator,
    the dict key for ``get_custom_objects()[key] = cls``; None when it cannot be read (a
    project helper, a computed package).  ``how`` is "decorator", "call" or "registry".
    """

    qualname: str
    registry: str
    key: str | None
    module: Module
    line: int
    how: str
    definition: ProjectClass | None = None  # the class statement a decorator is on


class Registry:
    def __init__(
        self, modules: Modules, classes: Classes, values: Values, keras_version: int = 3
    ) -> None:
        self.keras_version = keras_version
        self.modules = modules
        self.classes = classes
        self.values = values
        self._registers: dict[str, bool] = {}
        # Registered by a call or a registry dict (not a decorator): class -> registries.
        self.registered: dict[str, set[str]] = defaultdict(set)
        # Every registration by a call or a registry dict, in source order.
        self.entries: list[Registration] = []
        # ``get_custom_objects()["A"] = B``: a dict entry whose key names another class.
        self.mismatched: list[Registration] = []
        self._import_time = self._run_on_import()
        for module in modules:
            self._collect(module)

    def _run_on_import(self) -> set[str]:
        """Functions that run when some module is imported: called at its top level (not
        under ``if __name__ == "__main__":``), directly or through other project functions."""
        return self.values.runnable(
            callee
            for module in self.modules
            for callee in self.values.module_callees(module, include_main=False)
        )

    def _on_import(self, module: Module, scope: str, under_main: bool) -> bool:
        """Does code in this scope run whenever the module is imported?  A registration that
        only a script's main block, or an uncalled function, performs registers nothing for
        the program that loads."""
        if under_main:
            return False
        return not scope or f"{module.name}.{scope}" in self._import_time

    def _collect(self, module: Module) -> None:
        for site in module.facts.calls:
            if not self._on_import(module, site.scope, site.under_main):
                continue
            call = site.call
            func = call.func
            line = site.span.line
            if isinstance(func, Call) and call.args:
                registry = self.registrar(module, func.func)
                if registry is not None:  # register_keras_serializable(...)(Cls)
                    self._add(module, call.args[0], registry, line, self._decorator_key(func))
            elif call.args and site.scope == "":
                registry = self.registrar(module, func)
                if registry is not None:  # register(Cls) with a registering helper
                    self._add(module, call.args[0], registry, line, None)
            if (
                isinstance(func, Attr)
                and func.attr == "update"
                and self.is_registry(module, func.value)
            ):
                registry = self.registry_of(self._registry_call(module, func.value))
                for part in self.values.update_arguments(site):
                    if not isinstance(part, DictLit):
                        for name in self.values.mapping(module, part).values:
                            self._record(name, registry, None, module, line, "registry")
                        continue
                    for key, item in zip(part.keys, part.values, strict=True):
                        if key is None:  # {**other}
                            for name in self.values.mapping(module, item).values:
                                self._record(name, registry, None, module, line, "registry")
                            continue
                        written = _text(key.value) if isinstance(key, Const) else None
                        for name in self.values.keyed(module, key, item):
                            self._record(name, registry, written, module, line, "registry")
                        self._check_key(module, key, item, registry, line)
        for store in module.facts.stores:
            if not self._on_import(module, store.scope, store.under_main):
                continue
            if self.is_registry(module, store.target):
                registry = self.registry_of(self._registry_call(module, store.target))
                line = store.span.line
                stored = _text(store.key.value) if isinstance(store.key, Const) else None
                for name in self.values.keyed(module, store.key, store.value):
                    self._record(name, registry, stored, module, line, "registry")
                self._check_key(module, store.key, store.value, registry, line)

    def _add(
        self, module: Module, value: Value, registry: str, line: int, key: tuple[str, str] | None
    ) -> None:
        for name in self.values.named(module, value):
            full = f"{key[0]}>{key[1] or name.rpartition('.')[2]}" if key else None
            self._record(name, registry, full, module, line, "call")

    def _record(
        self, name: str, registry: str, key: str | None, module: Module, line: int, how: str
    ) -> None:
        self.registered[name].add(registry)
        self.entries.append(Registration(name, registry, key, module, line, how))

    def _check_key(
        self, module: Module, key: Value | None, item: Value, registry: str, line: int
    ) -> None:
        """Record ``{"AddPositionalEncoding": AddCoordinateEncoding}``: a saved model holding
        the class the key names loads as the other one (kpot/keras-transformer#32)."""
        if not (isinstance(key, Const) and isinstance(key.value, str)):
            return
        for name in self.values.named(module, item):
            cls = self.classes.get(name)
            if cls is None or name.rpartition(".")[2] == key.value:
                continue
            if key.value in self.values.renamed.get(name, ()):
                continue
            self.mismatched.append(
                Registration(name, registry, key.value, module, line, "registry")
            )

    @staticmethod
    def _decorator_key(decorator: Call) -> tuple[str, str] | None:
        """(package, name) of ``register_keras_serializable(package=..., name=...)``; None
        when either is computed.  An empty name means the class's own name."""
        package = decorator.argument(0, "package")
        name = decorator.argument(1, "name")
        if package is None:
            package = Const(DEFAULT_PACKAGE)
        if name is None or (isinstance(name, Const) and name.value is None):
            name = Const("")
        if isinstance(package, Const) and isinstance(name, Const):
            return str(package.value), str(name.value)
        return None

    def _registry_call(self, module: Module, value: Value) -> str | None:
        """The ``get_custom_objects`` a registry value comes from (its Keras decides where)."""
        if isinstance(value, Call):
            return self.values.qualify(module, value.func)
        if isinstance(value, Local):
            for assigned in self.values.locals_of(module, value):
                found = self._registry_call(module, assigned)
                if found is not None:
                    return found
        return None

    def is_registry(self, module: Module, value: Value) -> bool:
        """``get_custom_objects()``, or a variable bound to it: writing to it registers."""
        if isinstance(value, Call):
            return names.is_get_custom_objects(self.values.qualify(module, value.func))
        if isinstance(value, Local):
            return any(self.is_registry(module, v) for v in self.values.locals_of(module, value))
        return False

    def is_registrar(self, module: Module, value: Value) -> bool:
        """Does calling ``value`` register what it is given (directly, or as a decorator)?"""
        return self.registrar(module, value) is not None

    def registrar(self, module: Module, value: Value) -> str | None:
        """Which registry calling ``value`` registers in (``ANY`` for a project helper), or
        None when it registers nothing."""
        if isinstance(value, IfExp):
            return self.registrar(module, value.body) or self.registrar(module, value.orelse)
        if isinstance(value, Ref):
            qualified = self.values.qualify(module, value)
            if qualified is None:
                return None
            if names.is_registration(qualified):
                return self.registry_of(qualified)
            return ANY if self.registers(qualified) else None
        if isinstance(value, Local):
            # serializable = keras.saving.register_keras_serializable(package="x"), or
            # register = functools.partial(keras.saving.register_keras_serializable, ...)
            for assigned in self.values.locals_of(module, value):
                if not isinstance(assigned, Call):
                    continue
                if (
                    self.values.qualify(module, assigned.func) == "functools.partial"
                    and assigned.args
                ):
                    found = self.registrar(module, assigned.args[0])
                else:
                    found = self.registrar(module, assigned.func)
                if found is not None:
                    return found
        return None

    def registry_of(self, qualified: str | None) -> str:
        """Keras 3 and Keras 2 keep separate registries (KERAS-SEMANTICS §3): a tf.keras class
        registered through keras.saving lands in the wrong one on legacy Keras."""
        root = names.registry_root(qualified or "")
        return ANY if root is None else self.registry_for(root)

    def registry_for(self, root: str) -> str:
        if root == "tf.keras":  # tf.keras is Keras 3's keras, or tf_keras on legacy Keras
            return "keras" if self.keras_version == 3 else "tf_keras"
        return root

    def decorator_registry(self, module: Module, decorator: Value) -> str | None:
        if isinstance(decorator, Call):
            return self.registrar(module, decorator.func)
        if isinstance(decorator, Ref) and names.is_registration(
            self.values.qualify(module, decorator)
        ):
            return None  # bare @register_keras_serializable: binds the class name to a function
        return self.registrar(module, decorator)

    def registers(self, qualified: str) -> bool:
        """Does calling the project function (or decorator class) ``qualified`` register what it
        is given?  Follows project helpers a few calls deep, and decorator classes through
        ``__call__`` (keras-cv's ``api_export`` pattern, copied by many libraries)."""
        if qualified not in self._registers:
            self._registers[qualified] = self._registers_within(qualified, _HELPER_DEPTH, set())
        return self._registers[qualified]

    def _registers_within(self, qualified: str, depth: int, seen: set[str]) -> bool:
        if depth < 0 or qualified in seen:
            return False
        seen.add(qualified)
        found = self.modules.function_fact(qualified)
        if found is None:
            cls = self.classes.get(qualified)
            if cls is not None:
                found = self.modules.function_fact(f"{cls.qualname}.__call__")
        if found is None:
            return False
        module, function = found
        if self._writes_registry(module, function.qualname):
            return True  # get_custom_objects()[cls.__name__] = cls
        for callee in function.calls:
            target = self.modules.qualify(module, callee)
            if target is None:
                continue
            if names.is_registration(target) or self._registers_within(target, depth - 1, seen):
                return True
        return False

    def _writes_registry(self, module: Module, scope: str) -> bool:
        if any(
            s.scope == scope and self.is_registry(module, s.target) for s in module.facts.stores
        ):
            return True
        return any(
            site.scope == scope
            and isinstance(site.call.func, Attr)
            and site.call.func.attr == "update"
            and self.is_registry(module, site.call.func.value)
            for site in module.facts.calls
        )

    @cached_property
    def decorations(self) -> list[Registration]:
        """Every registering decorator on a project class."""
        found = []
        for cls in self.classes.definitions:
            for decorator in cls.fact.decorators:
                registry = self.decorator_registry(cls.module, decorator)
                if registry is None:
                    continue
                key = None
                if isinstance(decorator, Call) and names.is_registration(
                    self.values.qualify(cls.module, decorator.func)
                ):
                    parts = self._decorator_key(decorator)
                    if parts is not None:
                        key = f"{parts[0]}>{parts[1] or cls.name}"
                found.append(
                    Registration(
                        cls.qualname, registry, key, cls.module, cls.line, "decorator", cls
                    )
                )
        return found

    def registrations(self, cls: ProjectClass) -> list[Registration]:
        """What registers ``cls`` (or one of its if/try alternatives): its decorators, and the
        calls and registry dicts naming it."""
        versions = {v.key for v in self.classes.alternatives.get(cls.key, [cls])}
        found = [
            d for d in self.decorations if d.definition is not None and d.definition.key in versions
        ]
        return found + [e for e in self.entries if e.qualname == cls.qualname]

    def wanted_registry(self, cls: ProjectClass) -> str:
        """The registry a load of the class's own Keras looks in."""
        kind = self.classes.keras_kind(cls)
        return self.registry_for(kind.root) if kind is not None else ANY

    def is_registered(self, cls: ProjectClass) -> bool:
        """By a call or a registry dict naming it, or by a decorator on it or on one of its
        alternatives (``try: @register class A ... except: class A ...``: one class), in the
        registry of its own Keras."""
        wanted = self.wanted_registry(cls)
        found = {r.registry for r in self.registrations(cls)}
        return ANY in found or wanted in found or (wanted == ANY and bool(found))

    def registered_keys(self, qualified: str) -> set[str | None]:
        """The keys a project class or function is registered under (None: not readable)."""
        keys: set[str | None] = {e.key for e in self.entries if e.qualname == qualified}
        cls = self.classes.get(qualified)
        if cls is not None:
            keys |= {r.key for r in self.registrations(cls)}
            return keys
        found = self.modules.function_fact(qualified)
        if found is not None:
            module, function = found
            for decorator in function.decorators:
                if self.decorator_registry(module, decorator) is None:
                    continue
                parts = self._decorator_key(decorator) if isinstance(decorator, Call) else None
                keys.add(f"{parts[0]}>{parts[1] or function.name}" if parts else None)
        return keys

    def function_registered(self, qualified: str) -> bool:
        """A project function registered by a decorator, a call or a registry dict."""
        if qualified in self.registered:
            return True
        found = self.modules.function_fact(qualified)
        if found is None:
            return False
        module, function = found
        return any(self.decorator_registry(module, d) is not None for d in function.decorators)

    def wrong_registrations(self, cls: ProjectClass) -> list[Registration]:
        """Registrations in the other Keras's registry (a tf.keras class registered through
        keras.saving on legacy Keras): a load looks in the class's own and misses it."""
        wanted = self.wanted_registry(cls)
        if wanted == ANY:
            return []
        return [r for r in self.registrations(cls) if r.registry not in (ANY, wanted)]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
