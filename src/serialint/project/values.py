"""What a value is: the dict a ``custom_objects`` holds, the classes a saved model can contain,
whether an expression is a Keras model.  Followed soundly and only as far as it is sure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from serialint import names
from serialint.facts.model import (
    Attr,
    Call,
    CallSite,
    Const,
    DictLit,
    FunctionFact,
    IfExp,
    Item,
    ItemStore,
    Local,
    Param,
    Ref,
    Seq,
    Value,
)
from serialint.project.classes import Classes, ProjectClass
from serialint.project.modules import Module, Modules

_MAX_DEPTH = 10
_PICKLING_METHODS = ("__getstate__", "__reduce__", "__reduce_ex__")


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
    """The project classes a value (a model, usually) can contain, and the markers of the
    stored functions (Lambda layers, functions passed by reference) it can hold; ``unknown``:
    maybe any."""

    classes: frozenset[str] = frozenset()
    unknown: bool = False
    functions: frozenset[str] = frozenset()

    def __or__(self, other: Contents) -> Contents:
        return Contents(
            self.classes | other.classes,
            self.unknown or other.unknown,
            self.functions | other.functions,
        )


UNKNOWN = Contents(unknown=True)
OPAQUE = Mapping(opaque=True)


class Values:
    def __init__(self, modules: Modules, classes: Classes) -> None:
        self.modules = modules
        self.classes = classes
        # Per module: dict items stored and dicts updated, by (scope, variable).
        self.stores: dict[tuple[str, str, str], list[ItemStore]] = defaultdict(list)
        self.updates: dict[tuple[str, str, str], list[CallSite]] = defaultdict(list)
        # model.compile(loss=...), model.add(layer), blocks.append(Block()): what a variable's
        # model is built from besides its assignments (the compile config is saved too).
        self.mutations: dict[tuple[str, str, str], list[CallSite]] = defaultdict(list)
        # The same for an attribute of a class's instances: (class, attribute) -> calls.
        self.attribute_mutations: dict[tuple[str, str], list[tuple[Module, CallSite]]] = (
            defaultdict(list)
        )
        for module in modules:
            for store in module.facts.stores:
                if isinstance(store.target, Local):
                    key = (module.name, store.target.scope, store.target.name)
                    self.stores[key].append(store)
            for site in module.facts.calls:
                func = site.call.func
                if isinstance(func, Attr) and isinstance(func.value, (Local, Param)):
                    key = (module.name, func.value.scope, func.value.name)
                    if func.attr == "update":
                        self.updates[key].append(site)
                    elif func.attr in names.MUTATING_METHODS:
                        self.mutations[key].append(site)
                elif (
                    isinstance(func, Attr)
                    and func.attr in names.MUTATING_METHODS
                    and isinstance(func.value, Attr)
                    and isinstance(func.value.value, Param)
                    and self._is_self(module, func.value.value)
                    and (owner := self.class_of_scope(module, func.value.value.scope))
                ):  # self.model.compile(loss=...): what the attribute's model is built from
                    key2 = (owner.qualname, func.value.attr)
                    self.attribute_mutations[key2].append((module, site))
        self._reach: dict[str, frozenset[str]] = {}
        self._passed_index: dict[tuple[str, str], dict[str, list[tuple[str, int, str]]]] = {}
        self._calls_by_callee: dict[str, list[tuple[Module, CallSite]]] | None = None
        self._fit_sites: list[tuple[Module, CallSite]] | None = None
        self.renamed: dict[str, set[str]] = defaultdict(set)
        for module in modules:
            for target, new_name in module.facts.renames:
                for name in self.named(module, target):
                    self.renamed[name].add(new_name)
        self.escaping = {
            qualified
            for module in modules
            for reference in module.facts.escaping
            if (qualified := modules.qualify(module, reference)) is not None
        }

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

    def class_named(self, qualified: str, depth: int = 0) -> ProjectClass | None:
        """The project class a name stands for, also through module-level aliases
        (``GraphMLP = MLP``)."""
        cls = self.classes.get(qualified)
        if cls is not None or depth > 3:
            return cls
        found = self.global_values(qualified)
        if found is None:
            return None
        module, assigned = found
        for value in assigned:
            target = self.qualify(module, value)
            if target is not None and target != qualified:
                alias = self.class_named(target, depth + 1)
                if alias is not None:
                    return alias
        return None

    def global_values(self, qualified: str) -> tuple[Module, tuple[Value, ...]] | None:
        """A module-level variable of another project module (``from config import OBJECTS``)."""
        module_name, _, name = qualified.rpartition(".")
        module = self.modules.by_name.get(module_name)
        if module is None:
            return None
        scope = module.facts.scopes.get("")
        values = scope.values_of(name) if scope is not None else ()
        return (module, values) if values else None

    def named(self, module: Module, value: Value, depth: int = 0) -> set[str]:
        """The classes or functions a value names: ``A``, an instance ``A()``, either branch of
        a name defined differently in if/else branches, or the items a loop variable takes
        (``for c in (A, B): register(c)``)."""
        if depth > _MAX_DEPTH:
            return set()
        d = depth + 1
        if isinstance(value, IfExp):
            return self.named(module, value.body, d) | self.named(module, value.orelse, d)
        if isinstance(value, Call):
            name = self.qualify(module, value.func)
            return {name} if name is not None and self.classes.get(name) is not None else set()
        if isinstance(value, Item):
            return self.named(module, value.value, d)
        if isinstance(value, Seq):
            return {n for item in value.items for n in self.named(module, item, d)}
        if isinstance(value, Local):
            return {n for v in self.locals_of(module, value) for n in self.named(module, v, d)}
        name = self.qualify(module, value)
        return {name} if name is not None else set()

    def keyed(self, module: Module, key: Value | None, item: Value) -> set[str]:
        """What a dict entry hands over: Keras looks an unregistered class up by its class
        name, so ``{"SD": ScaledDense}`` hands over nothing (an unknown key may be right)."""
        found = self.named(module, item)
        if isinstance(key, Const) and isinstance(key.value, str):
            return {
                name
                for name in found
                if name.rpartition(".")[2] == key.value or key.value in self.renamed.get(name, ())
            }
        return found

    def is_keras(self, module: Module, value: Value, path: str) -> bool:
        return names.is_keras(self.qualify(module, value), path)

    # -- dicts ------------------------------------------------------------------------------------
    def mapping(
        self, module: Module, value: Value, seen: set[tuple[str, Value]] | None = None
    ) -> Mapping:
        """What a dict expression holds (``custom_objects=...``).  ``seen`` is shared by one
        question: each value counts once, so a dict built from itself ends the walk."""
        seen = set() if seen is None else seen
        key = (module.name, value)
        if key in seen:
            return Mapping()
        seen.add(key)
        if isinstance(value, DictLit):
            found = Mapping()
            for item_key, item in zip(value.keys, value.values, strict=True):
                if item_key is None:  # {**other}
                    found |= self.mapping(module, item, seen)
                else:
                    found |= Mapping(frozenset(self.keyed(module, item_key, item)))
            return found
        if isinstance(value, Const) and value.value is None:
            return Mapping()
        if isinstance(value, Local):
            found = Mapping()
            for assigned in self.locals_of(module, value):
                found |= self.mapping(module, assigned, seen)
            slot = (module.name, value.scope, value.name)
            for store in self.stores.get(slot, []):
                found |= Mapping(frozenset(self.keyed(module, store.key, store.value)))
            for site in self.updates.get(slot, []):
                for part in self.update_arguments(site):
                    found |= self.mapping(module, part, seen)
            return found
        if isinstance(value, Ref):
            qualified = self.qualify(module, value)
            where = self.global_values(qualified) if qualified else None
            if where is None:
                return OPAQUE if qualified and self.modules.split(qualified) else Mapping()
            found = Mapping()
            for assigned in where[1]:
                found |= self.mapping(where[0], assigned, seen)
            return found
        if isinstance(value, Call):
            return self._call_mapping(module, value, seen)
        return OPAQUE  # a parameter, an attribute, a subscript: may hold anything

    def _call_mapping(self, module: Module, call: Call, seen: set[tuple[str, Value]]) -> Mapping:
        callee = self.qualify(module, call.func)
        if callee == "dict" or callee == "?dict":
            found = Mapping()
            for part in [*call.args, *(k.value for k in call.keywords if k.name is None)]:
                found |= self.mapping(module, part, seen)
            for keyword in call.keywords:
                if keyword.name:
                    found |= Mapping(
                        frozenset(self.keyed(module, Const(keyword.name), keyword.value))
                    )
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
                result |= self.mapping(owner, returned, seen)
            return result
        if self.modules.split(callee) is not None:
            return OPAQUE  # a project name we cannot read (a class, a method)
        # An external function (keras_transformer.get_custom_objects()) cannot hold classes of
        # this project.
        return Mapping()

    def entries(self, module: Module, value: Value, depth: int = 0) -> list[tuple[str, Value]]:
        """The constant-keyed entries a dict expression is seen to hold: a literal, ``dict(a=A)``,
        a variable's literal assignments and ``d["k"] = v`` stores."""
        if depth > _MAX_DEPTH:
            return []
        found: list[tuple[str, Value]] = []
        if isinstance(value, DictLit):
            for key, item in zip(value.keys, value.values, strict=True):
                if isinstance(key, Const) and isinstance(key.value, str):
                    found.append((key.value, item))
                elif key is None:
                    found += self.entries(module, item, depth + 1)
        elif isinstance(value, Call) and self.qualify(module, value.func) in ("dict", "?dict"):
            found += [(k.name, k.value) for k in value.keywords if k.name]
        elif isinstance(value, Local):
            for assigned in self.locals_of(module, value):
                found += self.entries(module, assigned, depth + 1)
            for store in self.stores.get((module.name, value.scope, value.name), []):
                if isinstance(store.key, Const) and isinstance(store.key.value, str):
                    found.append((store.key.value, store.value))
        return found

    @staticmethod
    def update_arguments(site: CallSite) -> Iterator[Value]:
        """``d.update(a, b=B)``: what flows into the dict."""
        yield from site.call.args
        for keyword in site.call.keywords:
            if keyword.name is None:
                yield keyword.value
            else:
                yield DictLit((Const(keyword.name),), (keyword.value,))

    # -- calls ---------------------------------------------------------------------------------
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

    def fit_sites(self) -> list[tuple[Module, CallSite]]:
        """Every ``x.fit(..., callbacks=...)``."""
        if self._fit_sites is None:
            self._fit_sites = [
                (module, site)
                for module in self.modules
                for site in module.facts.calls
                if isinstance(site.call.func, Attr)
                and site.call.func.attr == "fit"
                and site.call.keyword("callbacks") is not None
            ]
        return self._fit_sites

    @staticmethod
    def _is_self(module: Module, param: Param) -> bool:
        """The first parameter of a method: the instance."""
        function = module.facts.functions.get(param.scope)
        return (
            function is not None
            and function.in_class is not None
            and bool(function.params)
            and function.params[0].name == param.name
        )

    def class_of_scope(self, module: Module, scope: str) -> ProjectClass | None:
        function = module.facts.functions.get(scope)
        if function is None or function.in_class is None:
            return None
        return self.classes.get(f"{module.name}.{function.in_class}")

    # -- the call graph -------------------------------------------------------------------------
    def reachable_classes(self, qualified: str) -> frozenset[str]:
        """Project classes that calling ``qualified`` can instantiate, directly or through the
        project functions and methods it calls (the class itself for a class)."""
        cached = self._reach.get(qualified)
        if cached is None:
            reached = self.runnable([qualified])
            cached = frozenset(c.qualname for name in reached if (c := self.classes.get(name)))
            self._reach[qualified] = cached  # a complete closure: safe to keep
        return cached

    def runnable(self, starts: Iterable[str]) -> set[str]:
        """The project functions and classes that calling ``starts`` can run: what they call,
        and, for a class, every method of it and its bases (instance method calls are not
        followed one by one)."""
        found: set[str] = set()
        pending = list(starts)
        while pending:
            current = pending.pop()
            if current in found:
                continue
            found.add(current)
            cls = self.classes.get(current)
            if cls is not None:
                pending.extend(self.class_callees(cls))
                continue
            function = self.modules.function_fact(current)
            if function is not None:
                pending.extend(self.callees(*function))
        return found

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

    def module_callees(self, module: Module, *, include_main: bool = True) -> Iterable[str]:
        """What the module's top level calls (and, with ``include_main``, its main block)."""
        for callee in module.facts.module_calls:
            if not include_main and callee in module.facts.main_calls:
                continue
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
            bound = self.bound_before(module, value, line)
            if bound is None and scope is not None and value.scope == "":
                values = scope.values_of(value.name)
                bound = values[-1] if values else None
            return self.keras_value_kind(module, bound, line, d) if bound is not None else None
        if isinstance(value, Param):
            return self._annotation_kind(module, value.annotation) if value.annotation else None
        if isinstance(value, Attr):
            owner = value.value
            cls = None
            if isinstance(owner, Param):
                cls = self.class_of_scope(module, owner.scope)
            elif isinstance(owner, Local):  # agent = Agent(); agent.model
                made = self.bound_before(module, owner, line)
                if isinstance(made, Call):
                    cls = self.classes.get(self.qualify(module, made.func))
            for current in [cls, *self.classes.ancestors(cls)] if cls is not None else []:
                for assigned in current.fact.attribute(value.attr):
                    kind = self.keras_value_kind(current.module, assigned, 10**9, d)
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

    def bound_before(self, module: Module, local: Local, line: int) -> Value | None:
        """The value a variable was last assigned above ``line``."""
        scope = module.facts.scopes.get(local.scope)
        return scope.value_before(local.name, line) if scope is not None else None

    def helper_mutations(
        self, module: Module, local: Local | Param
    ) -> list[tuple[Module, CallSite]]:
        """What project helpers do to a variable passed to them: ``compile_model(model)``
        whose body calls ``model.compile(loss=...)`` (the helper's mutations of that
        parameter, found in its own module)."""
        key = (module.name, local.scope)
        index = self._passed_index.get(key)
        if index is None:
            index = self._index_passed(module, local.scope)
            self._passed_index[key] = index
        found: list[tuple[Module, CallSite]] = []
        for callee, position, keyword in index.get(local.name, []):
            split = self.modules.function_fact(callee)
            if split is None or split[1].in_class is not None:
                continue
            owner, function = split
            params = [p for p in function.params if p.kind == "positional"]
            name = keyword or (params[position].name if 0 <= position < len(params) else None)
            if name is not None:
                sites = self.mutations.get((owner.name, function.qualname, name), [])
                found += [(owner, site) for site in sites]
        return found

    def _index_passed(self, module: Module, scope: str) -> dict[str, list[tuple[str, int, str]]]:
        """Variables of a scope passed to project functions: name -> (callee, position, kw)."""
        index: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        for site in module.facts.calls:
            if site.scope != scope:
                continue
            callee = self.qualify(module, site.call.func)
            if callee is None or self.modules.split(callee) is None:
                continue
            for position, argument in enumerate(site.call.args):
                if isinstance(argument, (Local, Param)):
                    index[argument.name].append((callee, position, ""))
            for keyword in site.call.keywords:
                if keyword.name and isinstance(keyword.value, (Local, Param)):
                    index[keyword.value.name].append((callee, -1, keyword.name))
        return index

    def model_arguments(self, module: Module, param: Param) -> list[tuple[Module, CallSite]]:
        """The calls of a project function (not a method) that pass a Keras model or layer for
        ``param``: a helper that pickles or saves what it is given."""
        return [
            (caller, site)
            for caller, site, argument in self.passed_for(module, param)
            if self.keras_value_kind(caller, argument, site.span.line)
        ]

    def passed_for(self, module: Module, param: Param) -> list[tuple[Module, CallSite, Value]]:
        """What the project's calls of a function (not a method) pass for one parameter:
        (calling module, call, argument), for the calls that pass it."""
        function = module.facts.functions.get(param.scope)
        if function is None or function.in_class is not None:
            return []
        positional = [p.name for p in function.params if p.kind == "positional"]
        position = positional.index(param.name) if param.name in positional else -1
        found = []
        for caller, site in self.calls_of(f"{module.name}.{function.qualname}"):
            argument = site.call.argument(position, param.name)
            if argument is not None:
                found.append((caller, site, argument))
        return found

    def model_holder(
        self, module: Module, value: Value, line: int
    ) -> tuple[ProjectClass, str] | None:
        """An instance of a project class (not a Keras one) that keeps a Keras model or layer in
        an attribute and does not customise its pickling: (the class, the attribute)."""
        made = self.bound_before(module, value, line) if isinstance(value, Local) else value
        if not isinstance(made, Call):
            return None
        cls = self.classes.get(self.qualify(module, made.func))
        if cls is None or self.classes.keras_kind(cls) is not None:
            return None
        lineage = [cls, *self.classes.ancestors(cls)]
        if any(m in c.fact.methods for c in lineage for m in _PICKLING_METHODS):
            return None  # __getstate__ may drop the model (reinforcement-learning-keras agents)
        for current in lineage:
            for attribute, values in current.fact.attributes:
                for assigned in values:
                    if self.keras_value_kind(current.module, assigned, 10**9):
                        return current, attribute
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
