"""Which project classes are registered with Keras, by any of the idioms projects use."""

from __future__ import annotations

from serialint import names
from serialint.facts.model import Attr, Call, IfExp, Local, Ref, Value
from serialint.project.classes import Classes, ProjectClass
from serialint.project.modules import Module, Modules
from serialint.project.values import Values

_HELPER_DEPTH = 4


class Registry:
    def __init__(self, modules: Modules, classes: Classes, values: Values) -> None:
        self.modules = modules
        self.classes = classes
        self.values = values
        self._registers: dict[str, bool] = {}
        self.registered: set[str] = set()  # by a call or a registry dict, not a decorator
        self._import_time = self._run_on_import()
        for module in modules:
            self._collect(module)

    def _run_on_import(self) -> set[str]:
        """Functions that run when some module is imported: called at its top level (not
        under ``if __name__ == "__main__":``), directly or through other project functions."""
        found: set[str] = set()
        pending = [
            callee
            for module in self.modules
            for callee in self.values.module_callees(module, include_main=False)
        ]
        while pending:
            current = pending.pop()
            if current in found:
                continue
            found.add(current)
            function = self.modules.function_fact(current)
            if function is not None:
                pending.extend(self.values.callees(*function))
        return found

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
            if isinstance(func, Call) and call.args and self.is_registrar(module, func.func):
                self._add(module, call.args[0])  # register_keras_serializable(...)(Cls)
            elif call.args and site.scope == "" and self.is_registrar(module, func):
                self._add(module, call.args[0])  # register(Cls) with a registering helper
            if (
                isinstance(func, Attr)
                and func.attr == "update"
                and self.is_registry(module, func.value)
            ):
                for part in self.values.update_arguments(site):
                    for name in self.values.mapping(module, part).values:
                        self.registered.add(name)
        for store in module.facts.stores:
            if not self._on_import(module, store.scope, store.under_main):
                continue
            if self.is_registry(module, store.target):
                self.registered |= self.values.named(module, store.value)

    def _add(self, module: Module, value: Value) -> None:
        self.registered |= self.values.named(module, value)

    def is_registry(self, module: Module, value: Value) -> bool:
        """``get_custom_objects()``, or a variable bound to it: writing to it registers."""
        if isinstance(value, Call):
            return names.is_get_custom_objects(self.values.qualify(module, value.func))
        if isinstance(value, Local):
            return any(self.is_registry(module, v) for v in self.values.locals_of(module, value))
        return False

    def is_registrar(self, module: Module, value: Value) -> bool:
        """Does calling ``value`` register what it is given (directly, or as a decorator)?"""
        if isinstance(value, IfExp):
            return self.is_registrar(module, value.body) or self.is_registrar(module, value.orelse)
        if isinstance(value, Ref):
            qualified = self.values.qualify(module, value)
            return qualified is not None and (
                names.is_registration(qualified) or self.registers(qualified)
            )
        if isinstance(value, Local):
            # serializable = keras.saving.register_keras_serializable(package="x")
            return any(
                isinstance(v, Call) and self.is_registrar(module, v.func)
                for v in self.values.locals_of(module, value)
            )
        return False

    def is_registering_decorator(self, module: Module, decorator: Value) -> bool:
        if isinstance(decorator, Call):
            return self.is_registrar(module, decorator.func)
        return self.is_registrar(module, decorator)

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
        alternatives (``try: @register class A ... except: class A ...``: one class)."""
        if cls.qualname in self.registered:
            return True
        return any(
            self.is_registering_decorator(version.module, decorator)
            for version in self.classes.alternatives.get(cls.key, [cls])
            for decorator in version.fact.decorators
        )
