"""How Keras configures a project class: the shared questions of the SER102-SER110 rules.

For each Keras class: its effective ``__init__``, ``get_config`` and ``from_config`` (its own, or
inherited from a project base, as Python's MRO finds them), how its nearest Keras base
configures it (:func:`config_semantics.config_style`), which constructor arguments reach the
Keras base, which keys its config holds, and what kinds of value can reach each argument.
Rules decide what is a hazard; this module only answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from serialint import config_semantics as cs
from serialint import names
from serialint.config_semantics import ConfigStyle
from serialint.facts.model import (
    Attr,
    BinOp,
    Call,
    ConfigEntry,
    DictLit,
    FromConfigFact,
    FunctionFact,
    GetConfigFact,
    IfExp,
    Keyword,
    Param,
    Parameter,
    Ref,
    Seq,
    Starred,
    Value,
)
from serialint.project.arguments import Evidence, ValueKinds
from serialint.project.classes import Classes, KerasKind, ProjectClass
from serialint.project.modules import Module
from serialint.project.semantics import Semantics
from serialint.project.values import Values

_KERAS_CONSTRUCTOR_KINDS = frozenset(
    {"layer", "model", "initializer", "regularizer", "constraint", "loss", "metric", "optimizer"}
)


@dataclass(frozen=True)
class ClassConfig:
    """The configuration a Keras class gets, and from where."""

    cls: ProjectClass
    kind: KerasKind
    major: int  # the Keras semantics it is judged by
    style: ConfigStyle  # how its nearest Keras base configures it without a get_config
    init: FunctionFact | None
    init_owner: ProjectClass | None
    get_config: GetConfigFact | None
    config_owner: ProjectClass | None
    from_config: FromConfigFact | None
    from_config_owner: ProjectClass | None

    @property
    def params(self) -> tuple[Parameter, ...]:
        """The named constructor arguments (not ``self``, ``*args``, ``**kwargs``)."""
        if self.init is None:
            return ()
        own = self.init.params[1:] if self.init.params else ()
        return tuple(p for p in own if p.kind in ("positional", "keyword_only"))

    @property
    def has_var_keyword(self) -> bool:
        return self.init is None or any(p.kind == "var_keyword" for p in self.init.params)

    @property
    def var_positional(self) -> Parameter | None:
        if self.init is None:
            return None
        return next((p for p in self.init.params if p.kind == "var_positional"), None)

    @property
    def judged_params(self) -> tuple[Parameter, ...]:
        """The arguments a config must hold: for a model, not keras.applications'
        construction-only ``weights`` and ``input_tensor``."""
        if self.kind.kind != "model":
            return self.params
        return tuple(p for p in self.params if p.name not in cs.CONSTRUCTION_ONLY_PARAMS)

    def accepts_by_name(self, key: str) -> bool:
        return any(p.name == key for p in self.params)

    def accepts(self, key: str) -> bool:
        return self.has_var_keyword or any(p.name == key for p in self.params)

    @property
    def defines(self) -> bool:
        """The class itself defines what it is configured by (not only inherits it)."""
        owners = (self.init_owner, self.config_owner, self.from_config_owner)
        return any(o is self.cls for o in owners) or (
            self.init_owner is None and self.config_owner is None
        )


@dataclass(frozen=True)
class Keys:
    """The keys a config holds, in the order Keras writes them; ``open`` when some are unknown."""

    keys: tuple[str, ...]
    open: bool = False  # a dict the code builds cannot be read (``config.update(self.params)``)
    reaches_base: bool = False  # the config starts from the Keras base's own
    builtin: bool = False  # ... a built-in's (Dense's units, activation, ...: not all known)
    base: tuple[str, ...] = ()  # the Keras base's own keys among them (name, trainable, ...)


class ConfigAnalysis:
    def __init__(
        self,
        classes: Classes,
        values: Values,
        kinds: ValueKinds,
        semantics: Semantics,
        is_library: Callable[[Module], bool] = lambda module: False,
        instantiated: Callable[[str], bool] = lambda qualname: False,
    ) -> None:
        self.is_library = is_library
        self.instantiated = instantiated
        self.classes = classes
        self.values = values
        self.kinds = kinds
        self.semantics = semantics
        self._configs: dict[str, ClassConfig | None] = {}

    def of(self, cls: ProjectClass) -> ClassConfig | None:
        if cls.key not in self._configs:
            self._configs[cls.key] = self._build(cls)
        return self._configs[cls.key]

    def _build(self, cls: ProjectClass) -> ClassConfig | None:
        kind = self.classes.keras_kind(cls)
        if kind is None:
            return None
        major = self.semantics.major_for(kind.base.flavor)
        chain = self._chain(cls)
        init = next((c for c in chain if c.fact.init is not None), None)
        config = next((c for c in chain if c.fact.get_config is not None), None)
        from_config = next((c for c in chain if c.fact.from_config is not None), None)
        return ClassConfig(
            cls=cls,
            kind=kind,
            major=major,
            style=cs.config_style(kind.base, kind.kind),
            init=init.fact.init if init else None,
            init_owner=init,
            get_config=config.fact.get_config if config else None,
            config_owner=config,
            from_config=from_config.fact.from_config if from_config else None,
            from_config_owner=from_config,
        )

    def _chain(self, cls: ProjectClass) -> list[ProjectClass]:
        """The class and its project bases in MRO order (depth-first, first base first: exact
        for the single inheritance Keras classes use)."""
        found: list[ProjectClass] = []
        seen: set[str] = set()

        def visit(current: ProjectClass) -> None:
            if current.key in seen or len(found) > 50:
                return
            seen.add(current.key)
            found.append(current)
            for base in self.classes.project_bases(current):
                visit(base)

        visit(cls)
        return found

    # -- arguments that reach the Keras base ----------------------------------------------------
    def forwarded(self, config: ClassConfig) -> set[str]:
        """Constructor arguments passed on to the Keras base's ``__init__`` (by the same keyword,
        or by position), which the base's own config stores."""
        if config.init is None or config.init_owner is None:
            return set()
        return self._forwarded_from(config.init_owner, config.init, 0)

    def _forwarded_from(self, owner: ProjectClass, init: FunctionFact, depth: int) -> set[str]:
        found: set[str] = set()
        bases = self.classes.project_bases(owner)
        base_init = next(
            (
                (c, c.fact.init)
                for base in bases
                for c in self._chain(base)
                if c.fact.init is not None
            ),
            None,
        )
        for call in owner.fact.super_inits:
            passed = _passed_params(call, init)
            if base_init is None or depth > 10:
                found |= {own for own, _ in passed}  # the Keras base takes it
                continue
            base_owner, base_fact = base_init
            assert base_fact is not None
            reaching = self._forwarded_from(base_owner, base_fact, depth + 1)
            base_params = [p.name for p in base_fact.params[1:]]
            for own, target in passed:
                name = base_params[target] if isinstance(target, int) else target
                if isinstance(target, int) and target >= len(base_params):
                    continue
                if name in reaching:
                    found.add(own)
        return found

    def explicit_keywords(self, config: ClassConfig, keys: Keys) -> list[tuple[str, int]]:
        """Config keys that ``__init__`` passes to ``super().__init__`` itself beside
        ``**kwargs`` (``super().__init__(name="block", **kwargs)``): on load the saved key
        arrives in ``kwargs`` too."""
        if config.init_owner is None or config.init is None:
            return []
        owner, init = config.init_owner, config.init
        # A built-in base (Dense) stores every argument of its own __init__.
        builtin = keys.builtin and not self._project_base_init(owner)
        base_params = self._base_params(owner)
        own = {p.name for p in init.params[1:]}
        found = []
        for call in owner.fact.super_inits:
            if not call.has_double_star:
                continue
            line = call.span.line if call.span else init.span.line
            for keyword in call.keywords:
                name = keyword.name
                if name is None or config.accepts_by_name(name):
                    continue
                if name in keys.keys or builtin:
                    found.append((name, line))
            for index, arg in enumerate(call.args):
                if isinstance(arg, Starred):
                    break
                if params_in(arg) & own:
                    continue  # forwarded: loading passes it to this __init__ by name
                removes = config.get_config is not None and config.get_config.removed
                if builtin and not removes:  # a get_config that drops keys may drop this one
                    found.append((f"#{index + 1}", line))
                elif index < len(base_params) and base_params[index] in keys.keys:
                    found.append((f"#{index + 1}:{base_params[index]}", line))
        return found

    def _base_params(self, owner: ProjectClass) -> list[str]:
        """The parameters of the project base __init__ that ``super().__init__`` calls."""
        for base in self._chain(owner)[1:]:
            if base.fact.init is not None:
                return [p.name for p in base.fact.init.params[1:]]
        return []

    # -- config keys ----------------------------------------------------------------------------
    def keys(self, config: ClassConfig) -> Keys:
        """The keys a saved config holds, which ``from_config`` passes back to ``__init__``."""
        if config.get_config is None or config.config_owner is None:
            own = tuple(p.name for p in config.params)
            if config.style.style == "auto":
                if config.major == 2:
                    return Keys(own)  # tf-keras's auto-config passes back only the arguments
                # Keras 3 leaves out `name` when __init__ cannot take it (measured).
                base = tuple(
                    k for k in config.style.base_keys(3) if k != "name" or config.accepts(k)
                )
                return Keys((*base, *own), reaches_base=True, base=base)
            base = config.style.base_keys(config.major)
            keys = (*base, *sorted(self.forwarded(config)))
            return Keys(tuple(dict.fromkeys(keys)), reaches_base=True, builtin=True, base=base)
        return self._config_keys(config, config.config_owner, 0)

    def _config_keys(self, config: ClassConfig, owner: ProjectClass, depth: int) -> Keys:
        fact = owner.fact.get_config
        assert fact is not None
        own = [k for k in fact.keys if k not in fact.removed]
        if not fact.calls_super:
            return Keys(tuple(own), open=not fact.closed)
        later = self._chain(owner)[1:]
        parent = next((c for c in later if c.fact.get_config is not None), None)
        if parent is not None and depth < 10:
            inherited = self._config_keys(config, parent, depth + 1)
        else:
            base = (*config.style.base_keys(config.major), *sorted(self.forwarded(config)))
            builtin = config.style.style != "auto"
            own_base = config.style.base_keys(config.major)
            inherited = Keys(base, reaches_base=True, builtin=builtin, base=own_base)
        removed = set(fact.removed)
        merged = [k for k in inherited.keys if k not in removed]
        return Keys(
            tuple(dict.fromkeys([*merged, *own])),
            open=inherited.open or not fact.closed,
            reaches_base=inherited.reaches_base,
            builtin=inherited.builtin,
            base=tuple(k for k in inherited.base if k not in removed),
        )

    def covers(self, config: ClassConfig, keys: Keys, name: str) -> bool:
        """The config holds the argument ``name`` (or a built-in base's config may), or the
        class restores it from the saved file itself (``load_assets``)."""
        if name in keys.keys or self.restored(config, name):
            return True
        if keys.reaches_base and name in config.style.base_keys(config.major):
            return True  # `name`, `trainable`, `dtype`: the base's own config holds them
        return keys.builtin and name in self.forwarded(config)

    def restored(self, config: ClassConfig, name: str) -> bool:
        """``load_assets``/``load_own_variables`` (or a method they call, such as keras-hub's
        ``set_vocabulary_and_merges``) assign ``self.<name>`` from the saved file."""
        restoring = self._methods_reached(config.cls, cs.RESTORING_METHODS)
        return bool(restoring) and any(
            method in restoring
            for current in self._chain(config.cls)
            for attribute in (name, f"_{name}")
            for method in current.fact.methods_assigning(attribute)
        )

    # -- what reaches an argument ----------------------------------------------------------------
    def argument_evidence(
        self, config: ClassConfig, param: Parameter, *, defaults: bool = True
    ) -> list[Evidence]:
        """Non-basic values that can reach ``param``: its default (when Keras records
        defaults), its annotation, and what the project's call sites pass."""
        owner = config.init_owner
        if owner is None:
            return []
        found: list[Evidence] = []
        line = config.init.span.line if config.init else owner.line
        if defaults and param.default is not None:
            for kind in self.kinds.kinds(owner.module, param.default):
                found.append(Evidence(kind, owner.module, line, "default"))
        position = self._position(config, param)
        sites = [
            (module, site)
            for module, site in self.values.calls_of(config.cls.qualname)
            # a sublayer its parent rebuilds: its own config is not written
            if not self._inside_keras_class(module, site.in_class)
        ]
        # Nothing in the project shows what is passed (``C()`` is not a recorded call site:
        # it passes nothing, which shows the default is used).
        unseen = not sites and not self.instantiated(config.cls.qualname)
        for module, site in sites:
            value = site.call.argument(position, param.name) if position >= 0 else None
            if value is None and position < 0:
                value = site.call.keyword(param.name)
            if value is None:
                continue
            kinds = self.kinds.kinds(module, value)
            unseen |= cs.UNKNOWN in kinds
            for kind in kinds:
                found.append(Evidence(kind, module, site.span.line, "call"))
        # An annotation says what may be passed where the project does not show it: for a
        # library's users, or a call site passing a value serialint cannot read.  Where every
        # call site shows a basic value (or passes nothing), the call sites decide.
        if param.annotation is not None and (unseen or self.is_library(owner.module)):
            for kind in self.kinds.annotation_kinds(owner.module, param.annotation):
                found.append(Evidence(kind, owner.module, line, "annotation"))
        return [e for e in found if e.kind not in (cs.BASIC, cs.UNKNOWN)]

    def _inside_keras_class(self, module: Module, in_class: str | None) -> bool:
        if in_class is None:
            return False
        parent = self.classes.get(f"{module.name}.{in_class}")
        return parent is not None and self.classes.keras_kind(parent) is not None

    @staticmethod
    def _position(config: ClassConfig, param: Parameter) -> int:
        if param.kind != "positional" or config.init is None:
            return -1
        positional = [p for p in config.init.params[1:] if p.kind == "positional"]
        return positional.index(param) if param in positional else -1

    def positional_extras(self, config: ClassConfig) -> list[tuple[int, str]]:
        """Call sites passing more positional values than named parameters take (into
        ``*args``): (line, module path)."""
        if config.var_positional is None:
            return []
        named = len([p for p in config.params if p.kind == "positional"])
        return [
            (site.span.line, str(module.path))
            for module, site in self.values.calls_of(config.cls.qualname)
            if len(site.call.args) > named or site.call.has_star
        ]

    # -- config values ----------------------------------------------------------------------------
    def entry_kinds(
        self, config: ClassConfig, entry: ConfigEntry, *, call_sites: bool = True
    ) -> tuple[set[str], bool]:
        """What kinds of value a config entry can hold, and whether it is serialized
        (``serialize_keras_object(self.inner)``).  ``call_sites``: count what the class's call
        sites pass (else only what the class itself assigns, and its defaults)."""
        owner = config.config_owner
        if owner is None:
            return set(), False
        value = entry.value
        if isinstance(value, Call):
            qualified = self.values.qualify(owner.module, value.func) or ""
            member = qualified.rpartition(".")[2]
            if member in cs.SERIALIZER_NAMES and value.args:
                inner = self._value_kinds(config, owner, value.args[0], 0, call_sites)
                return _serialized_kinds(qualified, inner), True
        return self._value_kinds(config, owner, value, 0, call_sites), False

    def _value_kinds(
        self, config: ClassConfig, holder: ProjectClass, value: Value, depth: int, calls: bool
    ) -> set[str]:
        if depth > 4:
            return {cs.UNKNOWN}
        d = depth + 1
        if isinstance(value, Attr) and isinstance(value.value, Param):
            found: set[str] = set()
            for owner, item in self._attribute_at_save(config.cls, value.attr):
                found |= self._value_kinds(config, owner, item, d, calls)
            if not found and self._is_plain_method(config.cls, value.attr):
                return {"function"}  # ``self.compute_score``: a bound method
            return found or {cs.UNKNOWN}
        if (
            isinstance(value, Param)
            and config.init is not None
            and value.scope.endswith(".__init__")
        ):
            param = config.init.parameter(value.name)
            if param is not None and param in config.params:
                evidence = self.argument_evidence(config, param)
                kinds = {e.kind for e in evidence if calls or e.source != "call"}
                return kinds or {cs.UNKNOWN}
        if isinstance(value, (Seq, DictLit)):
            items = value.items if isinstance(value, Seq) else value.values
            if isinstance(value, Seq) and value.kind == "set":
                return {"set"}
            found = set()
            for item in items:
                found |= self._value_kinds(config, holder, item, d, calls)
            return found or {cs.BASIC}
        if isinstance(value, IfExp):
            if _converts(value.body) or _converts(value.orelse):
                return {cs.BASIC}  # ``x.tolist() if hasattr(x, "tolist") else x``: a guard
            body = self._value_kinds(config, holder, value.body, d, calls)
            return body | self._value_kinds(config, holder, value.orelse, d, calls)
        return self.kinds.kinds(holder.module, value)

    def _attribute_at_save(
        self, cls: ProjectClass, attribute: str
    ) -> list[tuple[ProjectClass, Value]]:
        """What ``self.<attribute>`` holds when the config is written: what ``__init__``
        assigns, when it does (``call`` may set it for one pass and restore it), else every
        assignment of the class and its project bases."""
        in_init = [
            (current, item)
            for current in self._chain(cls)
            for item in current.fact.attribute_in(attribute, "__init__")
        ]
        return in_init or self.kinds.attribute_values(cls, attribute)

    def _is_plain_method(self, cls: ProjectClass, name: str) -> bool:
        """A method (not a property) of the class or a project base."""
        found = self.classes.method(cls, name)
        if found is None:
            return False
        owner, _ = found
        function = owner.module.facts.functions.get(f"{owner.fact.qualname}.{name}")
        if function is None:
            return False
        return not any(
            isinstance(d, (Ref, Attr))
            and (d.name if isinstance(d, Ref) else d.attr).rpartition(".")[2].lstrip("?@")
            in ("property", "cached_property", "setter", "getter")
            for d in function.decorators
        )

    def rebuilt(self, config: ClassConfig, key: str) -> bool:
        """Positive evidence that the object under ``key`` is rebuilt from its config on load:
        ``from_config`` deserializes, or ``__init__`` hands the argument (or the attribute
        holding it) to a Keras deserializer, a Keras constructor or ``add_weight``."""
        from_config = config.from_config
        if (
            from_config is not None
            and from_config.deserializes
            and (from_config.rebuilt_keys is None or key in from_config.rebuilt_keys)
        ):
            return True
        # Handed to a Keras base's own __init__ (``super().__init__(activation=activation)`` of a
        # Dense subclass), which rebuilds it; a project base's __init__ is read below.
        if config.init_owner is not None and not self._project_base_init(config.init_owner):
            for call in config.init_owner.fact.super_inits:
                if any(_mentions(arg, key, None) for arg in _arguments(call)):
                    return True
        for current in self._chain(config.cls):
            for attribute, assigned in current.fact.attributes:
                for value in assigned:
                    if self._rebuilds(current, value, key, attribute):
                        return True
            # ``cell = GRUCell(activation=activation)`` in __init__, then passed on.
            scope = current.module.facts.scopes.get(f"{current.fact.qualname}.__init__")
            if scope is not None:
                for _, assignments in scope.assigned:
                    for assignment in assignments:
                        if self._rebuilds(current, assignment.value, key, key):
                            return True
        return False

    def _project_base_init(self, owner: ProjectClass) -> bool:
        return any(c.fact.init is not None for c in self._chain(owner)[1:])

    def _rebuilds(self, owner: ProjectClass, value: Value, key: str, attribute: str) -> bool:
        for call in _calls_in(value):
            if not self._is_rebuilding_call(owner, call):
                continue
            if any(_mentions(arg, key, key) for arg in _arguments(call)):
                return True
        return False

    def _is_rebuilding_call(self, owner: ProjectClass, call: Call) -> bool:
        func = call.func
        if isinstance(func, Attr) and func.attr in ("add_weight", "add_variable", "from_config"):
            return True
        qualified = self.values.qualify(owner.module, func)
        if qualified is None:
            return False
        member = qualified.rpartition(".")[2]
        keras = names.keras_name(qualified)
        if keras is not None:
            if member in cs.DESERIALIZER_NAMES:
                return True
            kind = names.serializable_kind(keras)
            return kind in _KERAS_CONSTRUCTOR_KINDS
        cls = self.values.class_named(qualified)
        return cls is not None and self.classes.keras_kind(cls) is not None

    # -- state ------------------------------------------------------------------------------------
    def load_time_methods(self, cls: ProjectClass) -> set[str]:
        """Methods Keras runs while loading, and every method they call (by name, on any
        object: an over-approximation, so a helper is never missed)."""
        return self._methods_reached(cls, cs.LOAD_TIME_METHODS)

    def _methods_reached(self, cls: ProjectClass, starts: frozenset[str]) -> set[str]:
        """The class's methods among ``starts``, and every method of the class they call."""
        functions: dict[str, FunctionFact] = {}
        for current in reversed(self._chain(cls)):
            for method in current.fact.methods:
                function = current.module.facts.functions.get(f"{current.fact.qualname}.{method}")
                if function is not None:
                    functions[method] = function
        reached = {m for m in functions if m in starts}
        todo = list(reached)
        while todo:
            function = functions.get(todo.pop())
            if function is None:
                continue
            called = set(function.method_calls) | {
                c.rpartition(".")[2] for c in function.calls if c.startswith(":self.")
            }
            for name in called:
                if name in functions and name not in reached:
                    reached.add(name)
                    todo.append(name)
        return reached


def _serialized_kinds(qualified: str, inner: set[str]) -> set[str]:
    keras = names.keras_name(qualified)
    package = keras.path.rpartition(".")[0] if keras is not None else ""
    if package == "activations":
        # A built-in activation serializes to its name, which every loader accepts; a custom
        # function is stored by name too (SER201's business, not a nested object).
        return set()
    nested = inner & cs.NESTED_KINDS
    if nested:
        return nested
    if package == "layers":
        return {"layer"}
    return {"keras object"} if keras is not None else set()


def _converts(value: Value) -> bool:
    """``x.tolist()``, ``x.item()``, ``float(x)``: made a plain Python value."""
    if not isinstance(value, Call):
        return False
    if isinstance(value.func, Attr):
        return value.func.attr in ("tolist", "item")
    return False


def _passed_params(call: Call, init: FunctionFact) -> list[tuple[str, int | str]]:
    """(own parameter, where it goes: position or keyword) for the parameters passed as they
    are."""
    own = {p.name for p in init.params[1:]}
    found: list[tuple[str, int | str]] = []
    for index, arg in enumerate(call.args):
        if isinstance(arg, Starred):
            break
        # ``padding.lower()``, ``activation or "relu"``: the argument, in an expression.
        found += [(name, index) for name in sorted(params_in(arg) & own)]
    for keyword in call.keywords:
        if keyword.name is not None and keyword.name in own & params_in(keyword.value):
            found.append((keyword.name, keyword.name))
    return found


def params_in(value: Value, depth: int = 0) -> set[str]:
    """The parameters an expression reads (not through ``self``)."""
    if depth > 6:
        return set()
    d = depth + 1
    if isinstance(value, Param):
        return {value.name}
    if isinstance(value, Call):
        found = set().union(*(params_in(a, d) for a in _arguments(value)), set())
        return found | (params_in(value.func.value, d) if isinstance(value.func, Attr) else set())
    if isinstance(value, Attr):
        return set() if isinstance(value.value, Param) else params_in(value.value, d)
    if isinstance(value, (Seq, DictLit)):
        items = value.items if isinstance(value, Seq) else value.values
        return set().union(*(params_in(i, d) for i in items), set())
    if isinstance(value, IfExp):
        return params_in(value.body, d) | params_in(value.orelse, d)
    if isinstance(value, BinOp):
        return params_in(value.left, d) | params_in(value.right, d)
    return set()


def _arguments(call: Call) -> Iterator[Value]:
    yield from call.args
    yield from (k.value for k in call.keywords)


def _calls_in(value: Value, depth: int = 0) -> Iterator[Call]:
    if depth > 6:
        return
    if isinstance(value, Call):
        yield value
        for arg in _arguments(value):
            yield from _calls_in(arg, depth + 1)
        if isinstance(value.func, Attr):
            yield from _calls_in(value.func.value, depth + 1)
    elif isinstance(value, (Seq, DictLit)):
        for item in value.items if isinstance(value, Seq) else value.values:
            yield from _calls_in(item, depth + 1)
    elif isinstance(value, IfExp):
        yield from _calls_in(value.body, depth + 1)
        yield from _calls_in(value.orelse, depth + 1)
    elif isinstance(value, Keyword):
        yield from _calls_in(value.value, depth + 1)


def _mentions(value: Value, param: str, attribute: str | None, depth: int = 0) -> bool:
    """``value`` is the parameter ``param``, or ``self.<attribute>``, or contains one."""
    if depth > 6:
        return False
    if isinstance(value, Param):
        return value.name == param and not value.scope.endswith(("get_config", "from_config"))
    if isinstance(value, Attr):
        if isinstance(value.value, Param) and attribute is not None:
            return value.attr == attribute
        return _mentions(value.value, param, attribute, depth + 1)
    if isinstance(value, Call):
        return any(_mentions(a, param, attribute, depth + 1) for a in _arguments(value))
    if isinstance(value, (Seq, DictLit)):
        items = value.items if isinstance(value, Seq) else value.values
        return any(_mentions(i, param, attribute, depth + 1) for i in items)
    if isinstance(value, IfExp):
        return _mentions(value.body, param, attribute, depth + 1) or _mentions(
            value.orelse, param, attribute, depth + 1
        )
    return False
