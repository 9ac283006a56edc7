"""What a ``get_config`` returns and what a ``from_config`` does, read from one method's ``ast``.

A small abstract interpreter for the dict a ``get_config`` builds.  It follows the spellings
real code uses: a dict literal (``{**super().get_config(), "units": self.units}``),
``config = super().get_config(); config.update({...}); return config``, ``config["k"] = v``,
``dict(units=...)``, and TensorFlow's ``dict(list(base.items()) + list(config.items()))``.  A
dict it cannot read (``config.update(self.params)``, ``vars(self)``, a computed key) makes the
result *open*: its keys are then not all known, and no rule may conclude that a key is missing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from serialint.facts.lines import Lines
from serialint.facts.model import ConfigEntry, FromConfigFact, GetConfigFact, Span, Value

ValueOf = Callable[[ast.AST], Value]

_SERIALIZERS = frozenset({"serialize_keras_object", "serialize"})
_DESERIALIZERS = frozenset({"deserialize_keras_object", "deserialize", "get", "from_config"})
_COPIES = frozenset({"copy", "deepcopy"})


@dataclass
class _Dict:
    """What is known of one dict value."""

    entries: dict[str, ConfigEntry] = field(default_factory=dict)
    closed: bool = True
    base: bool = False  # holds super().get_config()

    def merge(self, other: _Dict) -> None:
        self.entries.update(other.entries)
        self.closed &= other.closed
        self.base |= other.base


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def is_super_config(node: ast.AST, self_name: str) -> bool:
    """``super().get_config()``, ``super(Cls, self).get_config()``, ``Base.get_config(self)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr != "get_config":
        return False
    owner = node.func.value
    if isinstance(owner, ast.Call) and _dotted(owner.func) == "super":
        return True
    first = node.args[0] if node.args else None
    return isinstance(first, ast.Name) and first.id == self_name and bool(_dotted(owner))


class _ConfigReader:
    def __init__(self, self_name: str, value_of: ValueOf, lines: Lines) -> None:
        self.self_name = self_name
        self.value_of = value_of
        self.lines = lines
        self.locals: dict[str, _Dict] = {}
        self.result: _Dict | None = None
        self.removed: list[str] = []
        # ``names = ["units", "rate"]``: literal lists of keys, and the loop variables that
        # run over one (``for key in names: config[key] = ...`` adds each of them).
        self.key_lists: dict[str, list[str]] = {}
        self.loop_keys: dict[str, list[str]] = {}

    def read(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            keys = self.literal_keys(node.iter)
            if keys is not None:
                self.loop_keys[node.target.id] = keys
                self.read(node.body)
                del self.loop_keys[node.target.id]
                self.read(node.orelse)
                return
        if isinstance(node, ast.Assign):
            keys = self.literal_keys(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name) and keys is not None:
                    self.key_lists[target.id] = keys
            state = self.evaluate(node.value)
            for target in node.targets:
                self.assign(target, node.value, state)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.assign(node.target, node.value, self.evaluate(node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if node.target.id in self.locals and isinstance(node.op, ast.BitOr):
                self.locals[node.target.id].merge(self.evaluate(node.value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.mutation(node.value)
        elif isinstance(node, ast.Delete):
            for target in node.targets:  # ``del config["cell"]``
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in self.locals
                    and isinstance(target.slice, ast.Constant)
                    and isinstance(target.slice.value, str)
                ):
                    self.locals[target.value.id].entries.pop(target.slice.value, None)
                    self.removed.append(target.slice.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            state = self.evaluate(node.value)
            if self.result is None:
                self.result = state
            else:
                self.result.merge(state)
        elif isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            for field_name in ("body", "orelse", "finalbody", "handlers"):
                for inner in getattr(node, field_name, []):
                    if isinstance(inner, ast.ExceptHandler):
                        self.read(inner.body)
                    else:
                        self.statement(inner)

    def literal_keys(self, node: ast.expr) -> list[str] | None:
        if isinstance(node, ast.Name):
            return self.key_lists.get(node.id)
        if isinstance(node, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
        ):
            return [
                e.value
                for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
        return None

    def keyed(self, held: _Dict, key: ast.expr, value: ast.expr) -> None:
        """``held[key] = value``: a constant key, a loop variable over known keys, or unknown."""
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            held.entries[key.value] = self.entry(key.value, value)
        elif isinstance(key, ast.Name) and key.id in self.loop_keys:
            for name in self.loop_keys[key.id]:
                held.entries[name] = self.entry(name, value)
        else:
            held.closed = False

    def assign(self, target: ast.expr, value: ast.expr, state: _Dict) -> None:
        if isinstance(target, ast.Name):
            if self.is_dict_expression(value):
                self.locals[target.id] = state
            else:
                self.locals.pop(target.id, None)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            held = self.locals.get(target.value.id)
            if held is not None:
                self.keyed(held, target.slice, value)

    def is_dict_expression(self, node: ast.expr) -> bool:
        if isinstance(node, (ast.Dict, ast.DictComp)):
            return True
        if isinstance(node, ast.Name):
            return node.id in self.locals
        if isinstance(node, ast.BinOp):
            return self.is_dict_expression(node.left) or self.is_dict_expression(node.right)
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            return (
                name == "dict"
                or is_super_config(node, self.self_name)
                or name.rpartition(".")[2] in _COPIES
                or name.endswith(".get_config")
            )
        return False

    def mutation(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            self.escape(call)
            return
        held = self.locals.get(func.value.id)
        if held is None:
            self.escape(call)
            return
        if func.attr == "update":
            for argument in call.args:
                held.merge(self.evaluate(argument))
            self.keywords(held, call.keywords)
        elif func.attr in ("pop", "__delitem__") and call.args:
            key = call.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                held.entries.pop(key.value, None)
                self.removed.append(key.value)
        elif func.attr == "setdefault" and len(call.args) == 2:
            key = call.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                held.entries.setdefault(key.value, self.entry(key.value, call.args[1]))
            else:
                held.closed = False

    def escape(self, call: ast.Call) -> None:
        """A dict handed to a helper (``self._add_config(config)``) may gain any key."""
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(argument, ast.Name) and argument.id in self.locals:
                self.locals[argument.id].closed = False

    def keywords(self, held: _Dict, keywords: list[ast.keyword]) -> None:
        for keyword in keywords:
            if keyword.arg is None:
                held.merge(self.evaluate(keyword.value))
            else:
                held.entries[keyword.arg] = self.entry(keyword.arg, keyword.value)

    def entry(self, key: str, node: ast.expr) -> ConfigEntry:
        return ConfigEntry(key, self.value_of(node), node.lineno, self.lines.span(node))

    def evaluate(self, node: ast.expr) -> _Dict:
        """The dict an expression evaluates to (a fresh state: callers may mutate it)."""
        state = _Dict()
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    state.merge(self.evaluate(value))
                else:
                    self.keyed(state, key, value)
        elif isinstance(node, ast.Name) and node.id in self.locals:
            held = self.locals[node.id]
            state.merge(held)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitOr, ast.Add)):
            state.merge(self.evaluate(node.left))
            state.merge(self.evaluate(node.right))
        elif isinstance(node, ast.Call):
            self.evaluate_call(node, state)
        else:
            state.closed = False
        return state

    def evaluate_call(self, node: ast.Call, state: _Dict) -> None:
        name = _dotted(node.func)
        last = name.rpartition(".")[2]
        if is_super_config(node, self.self_name):
            state.base = True
        elif name == "dict" or last in _COPIES or name in ("list", "tuple"):
            for argument in node.args:
                state.merge(self.evaluate(argument))
            self.keywords(state, node.keywords)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "copy"):
            state.merge(self.evaluate(node.func.value))
        else:
            state.closed = False


def read_get_config(
    func: ast.FunctionDef | ast.AsyncFunctionDef, span: Span, value_of: ValueOf, lines: Lines
) -> GetConfigFact:
    """The fact for one ``get_config`` (``value_of`` resolves names in the method's scope)."""
    self_name = func.args.args[0].arg if func.args.args else "self"
    reader = _ConfigReader(self_name, value_of, lines)
    reader.read(func.body)
    result = reader.result or _Dict(closed=False)
    calls_super = result.base
    serializes = False
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            calls_super |= is_super_config(node, self_name)
            serializes |= _dotted(node.func).rpartition(".")[2] in _SERIALIZERS
    return GetConfigFact(
        span=span,
        entries=tuple(result.entries.values()),
        closed=result.closed,
        calls_super=calls_super,
        serializes=serializes,
        removed=tuple(dict.fromkeys(reader.removed)),
        returned=_returned(func, reader, lines),
    )


def _returned(
    func: ast.FunctionDef | ast.AsyncFunctionDef, reader: _ConfigReader, lines: Lines
) -> tuple[int, str, str] | None:
    last = func.body[-1] if func.body else None
    if (
        isinstance(last, ast.Return)
        and isinstance(last.value, ast.Name)
        and last.value.id in reader.locals
        and last.lineno == last.value.lineno
    ):
        return (last.lineno, lines.indent(last.lineno), last.value.id)
    return None


def read_from_config(func: ast.FunctionDef | ast.AsyncFunctionDef, span: Span) -> FromConfigFact:
    cls_name = func.args.args[0].arg if func.args.args else "cls"
    deserializes = passes = False
    keys: list[str] | None = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and _dotted(node.func).rpartition(".")[2] in _DESERIALIZERS:
            deserializes = True
            named = _keys_read(node)
            keys = None if keys is None or not named else [*keys, *named]
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            passes |= _builds_from_whole_config(node.value, cls_name)
    rebuilt = tuple(dict.fromkeys(keys)) if keys is not None else None
    return FromConfigFact(span, deserializes, passes, rebuilt)


def _keys_read(call: ast.Call) -> list[str]:
    """The constant keys a call's arguments read from a dict: ``config["k"]``,
    ``config.pop("k")``, ``config.get("k")``."""
    found = []
    for argument in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(argument):
            key = None
            if isinstance(node, ast.Subscript):
                key = node.slice
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("pop", "get")
                and node.args
            ):
                key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.append(key.value)
    return found


def _builds_from_whole_config(call: ast.Call, cls_name: str) -> bool:
    """``cls(**config)``, or ``super().from_config(config)`` (which does the same)."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == cls_name:
        return not call.args and len(call.keywords) == 1 and call.keywords[0].arg is None
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "from_config"
        and isinstance(func.value, ast.Call)
        and _dotted(func.value.func) == "super"
    )
