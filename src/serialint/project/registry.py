"""Which project classes are registered with Keras, by any of the idioms projects use."""

from __future__ import annotations

from collections import defaultdict

from serialint import names
from serialint.facts.model import Attr, Call, IfExp, Local, Ref, Value
from serialint.project.classes import Classes, ProjectClass
from serialint.project.modules import Module, Modules
from serialint.project.values import Values

_HELPER_DEPTH = 4
ANY = "any"  # a project helper: its registry is not known


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
            if isinstance(func, Call) and call.args:
                registry = self.registrar(module, func.func)
                if registry is not None:  # register_keras_serializable(...)(Cls)
                    self._add(module, call.args[0], registry)
            elif call.args and site.scope == "":
                registry = self.registrar(module, func)
                if registry is not None:  # register(Cls) with a registering helper
                    self._add(module, call.args[0], registry)
            if (
                isinstance(func, Attr)
                and func.attr == "update"
                and self.is_registry(module, func.value)
            ):
                registry = self.registry_of(self._registry_call(module, func.value))
                for part in self.values.update_arguments(site):
                    for name in self.values.mapping(module, part).values:
                        self.registered[name].add(registry)
        for store in module.facts.stores:
            if not self._on_import(module, store.scope, store.under_main):
                continue
            if self.is_registry(module, store.target):
                registry = self.registry_of(self._registry_call(module, store.target))
                for name in self.values.keyed(module, store.key, store.value):
                    self.registered[name].add(registry)

    def _add(self, module: Module, value: Value, registry: str) -> None:
        for name in self.values.named(module, value):
            self.registered[name].add(registry)

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

    def is_registered(self, cls: ProjectClass) -> bool:
        """By a call or a registry dict naming it, or by a decorator on it or on one of its
        alternatives (``try: @register class A ... except: class A ...``: one class), in the
        registry of its own Keras."""
        kind = self.classes.keras_kind(cls)
        wanted = self.registry_for(kind.root) if kind is not None else ANY
        found = set(self.registered.get(cls.qualname, ()))
        for version in self.classes.alternatives.get(cls.key, [cls]):
            for decorator in version.fact.decorators:
                registry = self.decorator_registry(version.module, decorator)
                if registry is not None:
                    found.add(registry)
        return ANY in found or wanted in found or (wanted == ANY and bool(found))
