"""What a value is: the dict a ``custom_objects`` holds, the classes a saved model can contain,
whether an expression is a Keras model.  Followed soundly and only as far as it is sure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from serialint import names
from serialint.facts.model import (
    Attr,
    BinOp,
    Call,
    CallSite,
    Const,
    DictLit,
    FString,
    FunctionFact,
    IfExp,
    Item,
    ItemStore,
    Local,
    Param,
    Ref,
    Seq,
    Starred,
    Value,
)
from serialint.project.classes import Classes, ProjectClass
from serialint.project.modules import Module, Modules

_MAX_DEPTH = 10


@dataclass(frozen=True)
class Mapping:
    """What a dict holds: absolute names of its values, and whether it may hold project classes
    that cannot be read (a parameter, an unreadable project function)."""

    values: frozenset[str] = frozenset()
    opaque: bool = False

    def __or__(self, other: Mapping) -> Mapping:
        return Mapping(self.values | other.values, self.opaque or other.opaque)


@dataclass(frozen=True)
class Contents:
    """The project classes a value (a model, usually) can contain; ``unknown``: maybe any."""

    classes: frozenset[str] = frozenset()
    unknown: bool = False

    def __or__(self, other: Contents) -> Contents:
        return Contents(self.classes | other.classes, self.unknown or other.unknown)


UNKNOWN = Contents(unknown=True)
OPAQUE = Mapping(opaque=True)


class Values:
    def __init__(self, modules: Modules, classes: Classes) -> None:
        self.modules = modules
        self.classes = classes
        # Per module: dict items stored and dicts updated, by (scope, variable).
        self.stores: dict[tuple[str, str, str], list[ItemStore]] = defaultdict(list)
        self.updates: dict[tuple[str, str, str], list[CallSite]] = defaultdict(list)
        # model.compile(loss=...): the compile config is part of what a whole save stores.
        self.compiles: dict[tuple[str, str, str], list[CallSite]] = defaultdict(list)
        for module in modules:
            for store in module.facts.stores:
                if isinstance(store.target, Local):
                    key = (module.name, store.target.scope, store.target.name)
                    self.stores[key].append(store)
            for site in module.facts.calls:
                func = site.call.func
                if isinstance(func, Attr) and isinstance(func.value, Local):
                    key = (module.name, func.value.scope, func.value.name)
                    if func.attr == "update":
                        self.updates[key].append(site)
                    elif func.attr == "compile":
                        self.compiles[key].append(site)
        self._reach: dict[str, frozenset[str]] = {}
        self._calls_by_callee: dict[str, list[tuple[Module, CallSite]]] | None = None

    # -- names ----------------------------------------------------------------------------------
    def qualify(self, module: Module, value: Value) -> str | None:
        """The absolute, canonical name a value names.  A name defined differently in if/else
        branches (``IfExp`` of references) qualifies as its last definition, as Python's last
        assignment at import usually is; ``named`` gives every branch."""
        while isinstance(value, IfExp) and isinstance(value.orelse, (Ref, IfExp)):
            value = value.orelse
        if isinstance(value, Ref):
            return self.modules.qualify(module, value.name)
        return None

    def locals_of(self, module: Module, local: Local) -> tuple[Value, ...]:
        scope = module.facts.scopes.get(local.scope)
        return scope.values_of(local.name) if scope is not None else ()

    def global_values(self, qualified: str) -> tuple[Module, tuple[Value, ...]] | None:
        """A module-level variable of another project module (``from config import OBJECTS``)."""
        module_name, _, name = qualified.rpartition(".")
        module = self.modules.by_name.get(module_name)
        if module is None:
            return None
        scope = module.facts.scopes.get("")
        values = scope.values_of(name) if scope is not None else ()
        return (module, values) if values else None

    def named(self, module: Module, value: Value) -> set[str]:
        """The classes or functions a value names: ``A``, an instance ``A()``, or either branch
        of a name defined differently in if/else branches."""
        if isinstance(value, IfExp):
            return self.named(module, value.body) | self.named(module, value.orelse)
        if isinstance(value, Call):
            name = self.qualify(module, value.func)
            return {name} if name is not None and self.classes.get(name) is not None else set()
        name = self.qualify(module, value)
        return {name} if name is not None else set()

    def is_keras(self, module: Module, value: Value, path: str) -> bool:
        return names.is_keras(self.qualify(module, value), path)

    # -- dicts ------------------------------------------------------------------------------------
    def mapping(self, module: Module, value: Value, depth: int = 0) -> Mapping:
        """What a dict expression holds (``custom_objects=...``)."""
        if depth > _MAX_DEPTH:
            return OPAQUE
        d = depth + 1
        if isinstance(value, DictLit):
            found = Mapping()
            for key, item in zip(value.keys, value.values, strict=True):
                if key is None:  # {**other}
                    found |= self.mapping(module, item, d)
                else:
                    found |= Mapping(frozenset(self.named(module, item)))
            return found
        if isinstance(value, Const) and value.value is None:
            return Mapping()
        if isinstance(value, Local):
            found = Mapping()
            for assigned in self.locals_of(module, value):
                found |= self.mapping(module, assigned, d)
            slot = (module.name, value.scope, value.name)
            for store in self.stores.get(slot, []):
                found |= Mapping(frozenset(self.named(module, store.value)))
            for site in self.updates.get(slot, []):
                for part in self.update_arguments(site):
                    found |= self.mapping(module, part, d)
            return found
        if isinstance(value, Ref):
            qualified = self.qualify(module, value)
            where = self.global_values(qualified) if qualified else None
            if where is None:
                return OPAQUE if qualified and self.modules.split(qualified) else Mapping()
            found = Mapping()
            for assigned in where[1]:
                found |= self.mapping(where[0], assigned, d)
            return found
        if isinstance(value, Call):
            return self._call_mapping(module, value, d)
        return OPAQUE  # a parameter, an attribute, a subscript: may hold anything

    def _call_mapping(self, module: Module, call: Call, depth: int) -> Mapping:
        callee = self.qualify(module, call.func)
        if callee == "dict" or callee == "?dict":
            found = Mapping()
            for part in [*call.args, *(k.value for k in call.keywords if k.name is None)]:
                found |= self.mapping(module, part, depth)
            for keyword in call.keywords:
                if keyword.name and (name := self.qualify(module, keyword.value)):
                    found |= Mapping(frozenset({name}))
            return found
        if callee is None:
            if isinstance(call.func, Ref):  # a builtin or an unresolved star name
                return Mapping()
            return OPAQUE
        if names.is_get_custom_objects(callee):
            return Mapping()  # Keras' own registry: registered classes only
        found_function = self.modules.function_fact(callee)
        if found_function is not None:
            owner, function = found_function
            result = Mapping()
            if not function.returns:
                return OPAQUE
            for returned in function.returns:
                result |= self.mapping(owner, returned, depth)
            return result
        if self.modules.split(callee) is not None:
            return OPAQUE  # a project name we cannot read (a class, a method)
        # An external function (keras_transformer.get_custom_objects()) cannot hold classes of
        # this project.
        return Mapping()

    @staticmethod
    def update_arguments(site: CallSite) -> Iterator[Value]:
        """``d.update(a, b=B)``: what flows into the dict."""
        yield from site.call.args
        for keyword in site.call.keywords:
            if keyword.name is None:
                yield keyword.value
            else:
                yield DictLit((Const(keyword.name),), (keyword.value,))

    # -- what a model can contain ---------------------------------------------------------------
    def contents(self, module: Module, value: Value, depth: int = 0) -> Contents:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        d = depth + 1
        if isinstance(value, Local):
            found = Contents()
            for assigned in self.locals_of(module, value):
                found |= self.contents(module, assigned, d)
            for site in self.compiles.get((module.name, value.scope, value.name), []):
                for part in [*site.call.args, *(k.value for k in site.call.keywords)]:
                    found |= self.contents(module, part, d)
            return found
        if isinstance(value, Param):
            return self._argument_contents(module, value, d)
        if isinstance(value, Ref):
            qualified = self.qualify(module, value)
            where = self.global_values(qualified) if qualified else None
            if where is None:
                return Contents()
            found = Contents()
            for assigned in where[1]:
                found |= self.contents(where[0], assigned, d)
            return found
        if isinstance(value, Call):
            found = self._built_by_callee(module, value.func, d)
            for part in [*value.args, *(k.value for k in value.keywords)]:
                found |= self.contents(module, part, d)
            return found
        if isinstance(value, Attr):
            return self._attribute_contents(module, value, d)
        parts = self._parts(value)
        if parts is None:
            return Contents() if isinstance(value, Const) else UNKNOWN
        found = Contents()
        for part in parts:
            found |= self.contents(module, part, d)
        return found

    def _argument_contents(self, module: Module, param: Param, depth: int) -> Contents:
        """What the callers of a project function pass for one of its parameters; unknown when
        it has no callers here (a library's API) or a caller hides it behind ``*args``."""
        function = module.facts.functions.get(param.scope)
        if function is None:
            return UNKNOWN
        if function.in_class is not None:
            if function.name != "__init__":
                return UNKNOWN  # a method's callers are calls on instances: not followed
            callee = f"{module.name}.{function.in_class}"
            params = [p for p in function.params if p.kind != "var_keyword"][1:]
        else:
            callee = f"{module.name}.{function.qualname}"
            params = [p for p in function.params if p.kind != "var_keyword"]
        names_in_order = [p.name for p in params if p.kind == "positional"]
        if param.name not in {p.name for p in params}:
            return UNKNOWN  # **kwargs
        sites = self.calls_of(callee)
        if not sites:
            return UNKNOWN
        position = names_in_order.index(param.name) if param.name in names_in_order else -1
        found = Contents()
        for caller, site in sites:
            call = site.call
            argument = call.argument(position, param.name)
            if argument is None:
                if call.has_star or call.has_double_star:
                    return UNKNOWN
                if param.default is not None:
                    found |= self.contents(module, param.default, depth)
                continue
            found |= self.contents(caller, argument, depth)
        return found

    def calls_of(self, qualified: str) -> list[tuple[Module, CallSite]]:
        """Every recorded call of a project function or class, by its canonical name."""
        if self._calls_by_callee is None:
            index: dict[str, list[tuple[Module, CallSite]]] = defaultdict(list)
            for module in self.modules:
                for site in module.facts.calls:
                    callee = self.qualify(module, site.call.func)
                    if callee is not None:
                        index[callee].append((module, site))
            self._calls_by_callee = index
        return self._calls_by_callee.get(qualified, [])

    @staticmethod
    def _parts(value: Value) -> tuple[Value, ...] | None:
        if isinstance(value, Seq):
            return value.items
        if isinstance(value, DictLit):
            return value.values
        if isinstance(value, FString):
            return value.parts
        if isinstance(value, BinOp):
            return (value.left, value.right)
        if isinstance(value, IfExp):
            return (value.body, value.orelse)
        if isinstance(value, (Starred, Item)):
            return (value.value,)  # an element holds what the whole holds (a layer's outputs)
        return None

    def _built_by_callee(self, module: Module, func: Value, depth: int) -> Contents:
        if isinstance(func, Ref):
            callee = self.qualify(module, func)
            if callee is None:
                return Contents()
            keras = names.keras_name(callee)
            if keras is not None:
                # A loaded model holds whatever the file held.
                return UNKNOWN if names.model_loader(callee) else Contents()
            return Contents(self.reachable_classes(callee))
        return self.contents(module, func, depth)

    def _attribute_contents(self, module: Module, value: Attr, depth: int) -> Contents:
        """``self.encoder`` or ``vae.encoder``: what was assigned to that attribute."""
        owner = value.value
        if isinstance(owner, Param) and (cls := self._class_of_scope(module, owner.scope)):
            return self._assigned_attribute(cls, value.attr, None, depth)
        if isinstance(owner, Local):
            found = Contents()
            for assigned in self.locals_of(module, owner):
                made = (
                    self.classes.get(self.qualify(module, assigned.func))
                    if isinstance(assigned, Call)
                    else None
                )
                if (
                    made is None
                    or not isinstance(assigned, Call)
                    or not self.classes.method(made, "__init__")
                ):
                    return self.contents(module, owner, depth)
                found |= self._assigned_attribute(made, value.attr, (module, assigned), depth)
            return found
        return self.contents(module, owner, depth)

    def _assigned_attribute(
        self,
        cls: ProjectClass,
        attribute: str,
        construction: tuple[Module, Call] | None,
        depth: int,
    ) -> Contents:
        if attribute == "model" and self.classes.is_callback(cls):
            return self._fitted_with(cls, depth)
        found = Contents()
        assigned_any = False
        for current in [cls, *self.classes.ancestors(cls)]:
            for assigned in current.fact.attribute(attribute):
                assigned_any = True
                if isinstance(assigned, Param) and construction is not None:
                    argument = self._argument_for(current, assigned, construction[1])
                    if argument is not None:
                        found |= self.contents(construction[0], argument, depth + 1)
                        continue
                found |= self.contents(current.module, assigned, depth + 1)
        return found if assigned_any else UNKNOWN

    def _fitted_with(self, callback: ProjectClass, depth: int) -> Contents:
        """A callback's ``self.model``: the models whose ``fit`` is given an instance of it."""
        found = Contents()
        fitted = False
        for module in self.modules:
            for site in module.facts.calls:
                func = site.call.func
                callbacks = site.call.keyword("callbacks")
                if not (isinstance(func, Attr) and func.attr == "fit" and callbacks is not None):
                    continue
                given = self.contents(module, callbacks, depth + 1)
                if given.unknown or any(
                    (c := self.classes.all.get(name)) is not None
                    and self.classes.derives_from(c, callback.qualname)
                    for name in given.classes
                ):
                    fitted = True
                    found |= self.contents(module, func.value, depth + 1)
        return found if fitted else UNKNOWN

    @staticmethod
    def _argument_for(cls: ProjectClass, param: Param, call: Call) -> Value | None:
        init = cls.fact.init
        if init is None or param.scope != init.qualname:
            return None
        positional = [p.name for p in init.params if p.kind == "positional"][1:]
        position = positional.index(param.name) if param.name in positional else -1
        return call.argument(position, param.name)

    def _class_of_scope(self, module: Module, scope: str) -> ProjectClass | None:
        function = module.facts.functions.get(scope)
        if function is None or function.in_class is None:
            return None
        return self.classes.get(f"{module.name}.{function.in_class}")

    # -- the call graph -------------------------------------------------------------------------
    def reachable_classes(self, qualified: str) -> frozenset[str]:
        """Project classes that calling ``qualified`` can instantiate, directly or through the
        project functions and methods it calls (the class itself for a class)."""
        cached = self._reach.get(qualified)
        if cached is not None:
            return cached
        found: set[str] = set()
        seen: set[str] = set()
        pending = [qualified]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            cls = self.classes.get(current)
            if cls is not None:
                found.add(cls.qualname)
                pending.extend(self.class_callees(cls))
                continue
            function = self.modules.function_fact(current)
            if function is not None:
                pending.extend(self.callees(*function))
        result = frozenset(found)
        self._reach[qualified] = result  # a complete closure: safe to keep
        return result

    def class_callees(self, cls: ProjectClass) -> Iterator[str]:
        for current in [cls, *self.classes.ancestors(cls)]:
            for method in current.fact.methods:
                yield f"{current.qualname}.{method}"

    def callees(self, module: Module, function: FunctionFact) -> Iterator[str]:
        owner = (
            self.classes.get(f"{module.name}.{function.in_class}") if function.in_class else None
        )
        for callee in function.calls:
            if callee.startswith(":self."):
                if owner is not None:
                    found = self.classes.method(owner, callee[len(":self.") :])
                    if found is not None:
                        yield found[1]
                continue
            qualified = self.modules.qualify(module, callee)
            if qualified is not None:
                yield qualified

    def module_callees(self, module: Module) -> Iterable[str]:
        for callee in module.facts.module_calls:
            qualified = self.modules.qualify(module, callee)
            if qualified is not None:
                yield qualified

    # -- is it a Keras model? -------------------------------------------------------------------
    def keras_value_kind(
        self, module: Module, value: Value, line: int, depth: int = 0
    ) -> str | None:
        """'model' or 'layer' when ``value`` evaluates to one (or a literal container holding
        one), as far as can be told at ``line``; None when unsure."""
        if depth > _MAX_DEPTH:
            return None
        d = depth + 1
        if isinstance(value, Call):
            return self.call_result_kind(self.qualify(module, value.func), d)
        if isinstance(value, Local):
            scope = module.facts.scopes.get(value.scope)
            bound = scope.value_before(value.name, line) if scope is not None else None
            if bound is None and scope is not None and value.scope == "":
                values = scope.values_of(value.name)
                bound = values[-1] if values else None
            return self.keras_value_kind(module, bound, line, d) if bound is not None else None
        if isinstance(value, Param):
            return self._annotation_kind(module, value.annotation) if value.annotation else None
        if isinstance(value, Attr):
            owner = value.value
            if isinstance(owner, Param) and (cls := self._class_of_scope(module, owner.scope)):
                for assigned in cls.fact.attribute(value.attr):
                    kind = self.keras_value_kind(cls.module, assigned, 10**9, d)
                    if kind is not None:
                        return kind
            return None
        if isinstance(value, (Seq, DictLit)):
            items = value.items if isinstance(value, Seq) else value.values
            for item in items:
                kind = self.keras_value_kind(module, item, line, d)
                if kind is not None:
                    return kind
        return None

    def _annotation_kind(self, module: Module, annotation: Ref) -> str | None:
        qualified = self.qualify(module, annotation)
        if qualified is None:
            return None
        keras = names.keras_name(qualified)
        if keras is not None:
            kind = names.serializable_kind(keras)
            return kind if kind in ("model", "layer") else None
        return self.call_result_kind(qualified)

    def call_result_kind(self, qualified: str | None, depth: int = 0) -> str | None:
        """'model' or 'layer' if calling ``qualified`` returns a Keras model or layer."""
        if qualified is None or depth > _MAX_DEPTH:
            return None
        kind = names.keras_constructor_kind(qualified)
        if kind is not None:
            return kind
        cls = self.classes.get(qualified)
        if cls is not None:
            keras = self.classes.keras_kind(cls)
            return keras.kind if keras is not None and keras.kind in ("model", "layer") else None
        found = self.modules.function_fact(qualified)
        if found is not None:
            owner, function = found
            for returned in function.returns:
                kind = self.keras_value_kind(owner, returned, 10**9, depth + 1)
                if kind is not None:
                    return kind
        return None
