"""What a saved value can contain: the project classes a model (or a checkpoint) may hold.

One traversal per question, over the values the expression can stand for: a variable's
assignments, a parameter's arguments at its callers, an attribute's assignments, the classes a
call can build (the call graph).  Each value is expanded once per question, so the answer is the
least fixed point whatever the order, and only complete answers are kept.
"""

from __future__ import annotations

from collections.abc import Iterator

from serialint import names
from serialint.facts.model import (
    Attr,
    BinOp,
    Call,
    Const,
    DictLit,
    FString,
    IfExp,
    Item,
    Local,
    Opaque,
    Param,
    Ref,
    Seq,
    Starred,
    Value,
)
from serialint.project.classes import ProjectClass
from serialint.project.modules import Module
from serialint.project.stored_functions import StoredFunctions
from serialint.project.values import UNKNOWN, Contents, Values

_BUDGET = 20_000  # values expanded for one question; beyond it the answer is "unknown"

Step = tuple[Module, Value]


class ContentsAnalysis:
    def __init__(self, values: Values, stored: StoredFunctions) -> None:
        self.values = values
        self.classes = values.classes
        self.stored = stored
        self._answers: dict[tuple[str, Value], Contents] = {}
        self._asking: set[tuple[str, Value]] = set()

    def of(self, module: Module, value: Value) -> Contents:
        key = (module.name, value)
        if key in self._answers:
            return self._answers[key]
        if key in self._asking:
            return UNKNOWN  # a question that depends on itself: say nothing is known
        self._asking.add(key)
        try:
            answer = self._traverse(module, value)
        finally:
            self._asking.discard(key)
        if not self._asking:  # answers found inside another question may be partial
            self._answers[key] = answer
        return answer

    def _traverse(self, module: Module, value: Value) -> Contents:
        classes: set[str] = set()
        functions: set[str] = set()
        unknown = False
        seen: set[tuple[str, Value]] = set()
        pending: list[Step] = [(module, value)]
        while pending:
            current_module, current = pending.pop()
            key = (current_module.name, current)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > _BUDGET:
                return Contents(frozenset(classes), True, frozenset(functions))
            found = self._expand(current_module, current, pending, functions)
            if found is None:
                unknown = True  # part of it can be anything; the rest is still known to be in it
            else:
                classes |= found
        return Contents(frozenset(classes), unknown, frozenset(functions))

    def _expand(
        self, module: Module, value: Value, pending: list[Step], functions: set[str]
    ) -> set[str] | None:
        """Classes the value itself builds, with what it stands for pushed on ``pending`` and
        the stored functions it holds added to ``functions``; None when it can be anything."""
        if isinstance(value, (Local, Param)):
            for site in self.values.mutations.get((module.name, value.scope, value.name), []):
                pending.extend((module, part) for part in _call_parts(site.call))
                functions.update(self._markers(module, site.call))
            for helper, site in self.values.helper_mutations(module, value):
                # compile_model(model): what the helper adds to the model it is given.
                pending.extend((helper, part) for part in _call_parts(site.call))
                functions.update(self._markers(helper, site.call))
        if isinstance(value, Local):
            pending.extend((module, v) for v in self.values.locals_of(module, value))
            return set()
        if isinstance(value, Param):
            instance = self._self_classes(module, value)
            if instance is not None:
                return instance
            steps = self._arguments(module, value)
            if steps is None:
                return None
            pending.extend(steps)
            return set()
        if isinstance(value, Ref):
            qualified = self.values.qualify(module, value)
            where = self.values.global_values(qualified) if qualified else None
            if where is not None:
                pending.extend((where[0], v) for v in where[1])
            return set()
        if isinstance(value, Call):
            pending.extend((module, part) for part in _call_parts(value))
            functions.update(self._markers(module, value))
            return self._built_by(module, value.func, pending, functions)
        if isinstance(value, Attr):
            return self._attribute(module, value, pending, functions)
        parts = _parts(value)
        if parts is None:
            # A constant, or a lambda (``compile(loss=lambda y, p: ...)``): no part of a model.
            known = isinstance(value, Const) or (
                isinstance(value, Opaque) and value.kind == "lambda"
            )
            return set() if known else None
        pending.extend((module, part) for part in parts)
        return set()

    def _markers(self, module: Module, call: Call) -> list[str]:
        if call.span is None:
            return []
        return self.stored.markers_at.get((module.name, call.span), [])

    def _built_by(
        self, module: Module, func: Value, pending: list[Step], functions: set[str]
    ) -> set[str] | None:
        if not isinstance(func, Ref):
            pending.append((module, func))  # A()(x), builder.build(), ...
            return set()
        callee = self.values.qualify(module, func)
        if callee is None:
            return set()
        if names.keras_name(callee) is not None:
            # A loaded model holds whatever the file held; Keras' own constructors add nothing.
            return None if names.model_loader(callee) else set()
        functions.update(self.stored.reachable(callee))
        return set(self.values.reachable_classes(callee))

    def _self_classes(self, module: Module, param: Param) -> set[str] | None:
        """``self`` in a method of a project class: an instance of it or of a subclass."""
        function = module.facts.functions.get(param.scope)
        if function is None or function.in_class is None or not function.params:
            return None
        if function.params[0].name != param.name:
            return None
        cls = self.classes.get(f"{module.name}.{function.in_class}")
        if cls is None:
            return None
        return {cls.qualname} | self.classes.descendants(cls.qualname)

    def _arguments(self, module: Module, param: Param) -> list[Step] | None:
        """What the callers of a project function pass for one of its parameters; None when it
        has no callers here (a library's API) or a caller hides it behind ``*args``."""
        function = module.facts.functions.get(param.scope)
        if function is None:
            return None
        if function.in_class is not None:
            if function.name != "__init__":
                return None  # a method's callers are calls on instances: not followed
            callee = f"{module.name}.{function.in_class}"
            params = [p for p in function.params if p.kind != "var_keyword"][1:]
        else:
            callee = f"{module.name}.{function.qualname}"
            params = [p for p in function.params if p.kind != "var_keyword"]
        if param.name not in {p.name for p in params}:
            return None  # **kwargs
        if callee in self.values.escaping:
            return None  # passed as a value (partial, a thread's target): callers unseen
        sites = self.values.calls_of(callee)
        if not sites:
            return None
        in_order = [p.name for p in params if p.kind == "positional"]
        position = in_order.index(param.name) if param.name in in_order else -1
        steps: list[Step] = []
        for caller, site in sites:
            argument = site.call.argument(position, param.name)
            if argument is not None:
                steps.append((caller, argument))
            elif site.call.has_star or site.call.has_double_star:
                return None
            elif param.default is not None:
                steps.append((module, param.default))
        return steps

    def _attribute(
        self, module: Module, value: Attr, pending: list[Step], functions: set[str]
    ) -> set[str] | None:
        """``self.encoder`` or ``vae.encoder``: what was assigned to that attribute."""
        owner = value.value
        if isinstance(owner, Param) and (cls := self.values.class_of_scope(module, owner.scope)):
            for current in [cls, *self.classes.ancestors(cls)]:
                key = (current.qualname, value.attr)
                for site_module, site in self.values.attribute_mutations.get(key, []):
                    pending.extend((site_module, part) for part in _call_parts(site.call))
                    functions.update(self._markers(site_module, site.call))
            return self._assigned(cls, value.attr, None, pending)
        if not isinstance(owner, Local):
            pending.append((module, owner))
            return set()
        for assigned in self.values.locals_of(module, owner):
            made = None
            if isinstance(assigned, Call):
                made = self.classes.get(self.values.qualify(module, assigned.func))
            if (
                made is None
                or not isinstance(assigned, Call)
                or not self.classes.method(made, "__init__")
            ):
                pending.append((module, owner))  # an attribute of a model is part of it
                continue
            if self._assigned(made, value.attr, (module, assigned), pending) is None:
                return None
        return set()

    def _assigned(
        self,
        cls: ProjectClass,
        attribute: str,
        construction: tuple[Module, Call] | None,
        pending: list[Step],
    ) -> set[str] | None:
        if attribute == "model" and self.classes.is_callback(cls):
            return self._fitted_with(cls, pending)
        assigned_any = False
        for current in [cls, *self.classes.ancestors(cls)]:
            for assigned in current.fact.attribute(attribute):
                assigned_any = True
                if isinstance(assigned, Param) and construction is not None:
                    argument = _argument_for(current, assigned, construction[1])
                    if argument is not None:
                        pending.append((construction[0], argument))
                        continue
                pending.append((current.module, assigned))
        return set() if assigned_any else None

    def _fitted_with(self, callback: ProjectClass, pending: list[Step]) -> set[str] | None:
        """A callback's ``self.model``: the models whose ``fit`` is given an instance of it."""
        fitted = False
        for module, site in self.values.fit_sites():
            callbacks = site.call.keyword("callbacks")
            assert callbacks is not None and isinstance(site.call.func, Attr)
            given = self.of(module, callbacks)
            if given.unknown or any(
                (c := self.classes.all.get(name)) is not None
                and self.classes.derives_from(c, callback.qualname)
                for name in given.classes
            ):
                fitted = True
                pending.append((module, site.call.func.value))
        return set() if fitted else None


def _call_parts(call: Call) -> Iterator[Value]:
    yield from call.args
    for keyword in call.keywords:
        yield keyword.value


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


def _argument_for(cls: ProjectClass, param: Param, call: Call) -> Value | None:
    init = cls.fact.init
    if init is None or param.scope != init.qualname:
        return None
    positional = [p.name for p in init.params if p.kind == "positional"][1:]
    position = positional.index(param.name) if param.name in positional else -1
    return call.argument(position, param.name)
