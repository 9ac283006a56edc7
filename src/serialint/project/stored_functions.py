"""Functions Keras writes into a model's config: a ``Lambda`` layer's function, and project
functions passed by reference where Keras stores them by name (``activation=``, ``loss=``).

Each use is found at the Keras call that receives it.  The function is followed through
variables, parameter defaults and callers, ``functools.partial``, methods, and project factories
that return a nested ``def`` or a ``lambda`` (``loss=triplet_loss(0.1)``).  A use has a
*marker* (its call's position); :mod:`serialint.project.contents` records the markers a saved
model can hold, as it records classes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from serialint import names
from serialint.facts.model import (
    Attr,
    Call,
    CallSite,
    DictLit,
    IfExp,
    Local,
    Opaque,
    Param,
    Ref,
    Seq,
    Span,
    Value,
)
from serialint.project.modules import Module, Modules
from serialint.project.values import Values

_DEPTH = 8
# Where a function passed by reference is stored by name: the layer arguments and the compile
# arguments (``function`` is Lambda's own, handled with its positional form).
STORED_KEYWORDS = names.FUNCTION_KEYWORDS - {"optimizer", "function"}
COMPILE_KEYWORDS = frozenset({"loss", "metrics", "weighted_metrics"})


@dataclass(frozen=True)
class StoredFunction:
    """One function a Keras call stores with the layer or model it builds."""

    # "lambda" (a Python lambda), "def", "method" (bound), "partial", "shadow" (a project
    # function named like one of Keras' own), "external" (a Keras or TensorFlow function)
    kind: str
    function: str | None  # the function's absolute name (None for a Python lambda)
    name: str  # the name Keras stores ("<lambda>" for a lambda)


@dataclass(frozen=True)
class FunctionUse:
    module: Module
    site: CallSite
    argument: str  # "function" for a Lambda layer, else the keyword (activation, loss, ...)
    span: Span  # the argument (keyword) or the call, where a finding is reported
    functions: tuple[StoredFunction, ...]
    lambda_layer: bool
    flavor: str | None  # the Keras flavour of the receiving call (None: a method, compile)

    @property
    def compile_only(self) -> bool:
        """Needed only by a compiled load: losses and metrics live in the compile config."""
        return self.argument in COMPILE_KEYWORDS

    @property
    def marker(self) -> str:
        return use_marker(self.module, self.site.span)


_LIBRARY_ROOTS = ("keras.", "tensorflow.", "tf_keras.")


def _is_library_function(qualified: str) -> bool:
    """A function of Keras or TensorFlow (lower-case by convention; classes are CamelCase)."""
    last = qualified.rpartition(".")[2]
    return qualified.startswith(_LIBRARY_ROOTS) and last[:1].islower()


def use_marker(module: Module, span: Span) -> str:
    return f"{module.name}:{span.line}:{span.column}"


class StoredFunctions:
    def __init__(self, modules: Modules, values: Values) -> None:
        self.modules = modules
        self.values = values
        self.uses: list[FunctionUse] = []
        for module in modules:
            if module.name.split(".")[0] in names.KERAS_SELF_IMPORTING_PACKAGES:
                continue
            for site in module.facts.calls:
                self.uses.extend(self._uses_at(module, site))
        self._by_module: dict[str, list[FunctionUse]] = {}
        self._by_scope: dict[str, list[str]] = {}
        self.markers_at: dict[tuple[str, Span], list[str]] = {}
        for use in self.uses:
            self._by_module.setdefault(use.module.name, []).append(use)
            scope = f"{use.module.name}.{use.site.scope}" if use.site.scope else use.module.name
            self._by_scope.setdefault(scope, []).append(use.marker)
            self.markers_at.setdefault((use.module.name, use.site.span), []).append(use.marker)
        self._reach: dict[str, frozenset[str]] = {}

    def in_module(self, module: Module) -> list[FunctionUse]:
        return self._by_module.get(module.name, [])

    def reachable(self, callee: str) -> frozenset[str]:
        """Markers of the uses that calling the project function or class ``callee`` can run."""
        if not self._by_scope:
            return frozenset()
        found = self._reach.get(callee)
        if found is None:
            found = frozenset(
                marker
                for name in self.values.runnable([callee])
                for marker in self._by_scope.get(name, ())
            )
            self._reach[callee] = found
        return found

    # -- finding uses ------------------------------------------------------------------------------
    def _uses_at(self, module: Module, site: CallSite) -> Iterator[FunctionUse]:
        call = site.call
        func = call.func
        keras = None
        if isinstance(func, Attr) and func.attr == "compile":
            arguments = [(k.name, k.value, k.span) for k in call.keywords if k.name]
            arguments = [a for a in arguments if a[0] in COMPILE_KEYWORDS]
            # model.compile(optimizer, loss, metrics, ...): positional arguments too.
            for position, name in ((1, "loss"), (2, "metrics")):
                value = call.argument(position, name)
                if value is not None and call.keyword(name) is None:
                    arguments.append((name, value, None))
        else:
            callee = self.values.qualify(module, func)
            keras = names.keras_name(callee) if callee is not None else None
            if keras is None or not keras.path.startswith("layers"):
                return
            arguments = [
                (k.name, k.value, k.span) for k in call.keywords if k.name in STORED_KEYWORDS
            ]
            if keras.name in ("Lambda", "Activation", "Dense"):
                # Lambda(fn), Activation(fn), Dense(units, fn): passed by position.
                first = {"Lambda": "function", "Activation": "activation"}.get(keras.name)
                name, position = (first, 0) if first else ("activation", 1)
                value = call.argument(position, name)
                # A keyword already collected above is not taken twice.
                taken = name in STORED_KEYWORDS and call.keyword(name) is not None
                if value is not None and not taken:
                    arguments.append((name, value, None))
            if keras.name == "Lambda":
                # One use per layer: its function, output_shape and mask are stored alike.
                parts = [v for n, v, _ in arguments if n == "function"]
                parts += [v for name in ("output_shape", "mask") if (v := call.keyword(name))]
                arguments = [a for a in arguments if a[0] != "function"]
                arguments.append(("function", Seq("tuple", tuple(parts)), None))
        lambda_layer = keras is not None and keras.name == "Lambda"
        for argument, value, span in arguments:
            assert argument is not None
            found = tuple(dict.fromkeys(self.functions(module, value)))
            if not found:
                continue
            yield FunctionUse(
                module,
                site,
                argument,
                span or site.span,
                found,
                lambda_layer and argument == "function",
                keras.flavor if keras is not None else None,
            )

    def functions(self, module: Module, value: Value, depth: int = 0) -> Iterator[StoredFunction]:
        """The lambdas and project functions a value can be (nothing when it is unknown)."""
        if depth > _DEPTH:
            return
        d = depth + 1
        if isinstance(value, Opaque):
            if value.kind == "lambda":
                yield StoredFunction("lambda", None, "<lambda>")
        elif isinstance(value, Ref):
            qualified = self.values.qualify(module, value)
            if qualified is not None and _is_library_function(qualified):
                yield StoredFunction("external", qualified, qualified.rpartition(".")[2])
            else:
                yield from self._named(module, qualified)
        elif isinstance(value, Local):
            nested = f"{value.scope}.{value.name}" if value.scope else value.name
            if nested in module.facts.functions:
                yield StoredFunction("def", f"{module.name}.{nested}", value.name)
                return
            for assigned in self.values.locals_of(module, value):
                yield from self.functions(module, assigned, d)
        elif isinstance(value, Param):
            yield from self._parameter(module, value, d)
        elif isinstance(value, Attr):
            yield from self._method(module, value)
        elif isinstance(value, Call):
            yield from self._call(module, value, d)
        elif isinstance(value, (Seq, DictLit)):
            items = value.items if isinstance(value, Seq) else value.values
            for item in items:
                yield from self.functions(module, item, d)
        elif isinstance(value, IfExp):
            yield from self.functions(module, value.body, d)
            yield from self.functions(module, value.orelse, d)

    def _named(self, module: Module, qualified: str | None) -> Iterator[StoredFunction]:
        if qualified is None:
            return
        found = self.modules.function_fact(qualified)
        if found is not None:
            # Through a name (``Acts.scaled`` too), a plain function; stored as "mish", a
            # function named like one of Keras' own loads as Keras' function.
            name = found[1].name
            kind = "shadow" if name in names.KERAS_BUILTIN_FUNCTIONS else "def"
            yield StoredFunction(kind, qualified, name)
            return
        where = self.values.global_values(qualified)  # swish = tf.nn.swish, act = make_act()
        if where is not None:
            for assigned in where[1]:
                yield from self.functions(where[0], assigned, _DEPTH - 2)

    def _parameter(self, module: Module, param: Param, depth: int) -> Iterator[StoredFunction]:
        """A parameter: its default and what the project's callers pass (a function's)."""
        if param.default is not None:
            yield from self.functions(module, param.default, depth)
        for caller, _, argument in self.values.passed_for(module, param):
            yield from self.functions(caller, argument, depth)

    def _method(self, module: Module, value: Attr) -> Iterator[StoredFunction]:
        """``self.loss`` in a method, ``crf.sparse_loss`` of a project class instance."""
        owner = value.value
        cls = None
        if isinstance(owner, Param):
            cls = self.values.class_of_scope(module, owner.scope)
            function = module.facts.functions.get(owner.scope)
            if function is None or not function.params or function.params[0].name != owner.name:
                cls = None
        elif isinstance(owner, Local):
            for assigned in self.values.locals_of(module, owner):
                if isinstance(assigned, Call):
                    cls = self.values.classes.get(self.values.qualify(module, assigned.func))
                    if cls is not None:
                        break
        if cls is None:
            return
        found = self.values.classes.method(cls, value.attr)
        if found is not None:
            yield StoredFunction("method", found[1], value.attr)

    def _call(self, module: Module, call: Call, depth: int) -> Iterator[StoredFunction]:
        callee = self.values.qualify(module, call.func)
        if callee is None:
            return
        if callee == "functools.partial" and call.args:
            for inner in self.functions(module, call.args[0], depth):
                yield StoredFunction("partial", inner.function, inner.name)
            return
        found = self.modules.function_fact(callee)
        if found is None or found[1].in_class is not None:
            return
        owner, function = found
        # A factory: ``def triplet_loss(margin): def loss(y, p): ...; return loss``.
        for returned in function.returns:
            if isinstance(returned, Local) and returned.scope == function.qualname:
                nested = f"{function.qualname}.{returned.name}"
                if nested in owner.facts.functions:
                    yield StoredFunction("def", f"{owner.name}.{nested}", returned.name)
            elif isinstance(returned, Opaque) and returned.kind == "lambda":
                yield StoredFunction("lambda", None, "<lambda>")
