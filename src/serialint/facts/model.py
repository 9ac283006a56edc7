"""The plain data of pass 1: what one file declares and does, each fact with its source range.

Facts depend only on the file's text and path.  Names are resolved as far as the file itself
allows (see :mod:`serialint.facts.names`): ``tensorflow.keras.layers.Layer`` for an absolute
import, ``.base.Block`` for a relative one, ``@Encoder`` for a definition of this file, and
``?Name`` for a name the file does not bind (a star import may provide it).  The project join
turns those into absolute names.  Everything here is immutable and picklable, so it can be cached
by content hash and sent between processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Span:
    """1-based lines, 1-based columns counted in characters (as findings report them)."""

    line: int
    column: int
    end_line: int
    end_column: int


# -- values: a small expression language, enough to follow models, dicts and paths -------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A name bound by an import or a definition (or unbound: ``?name``), as the file resolves it."""

    name: str


@dataclass(frozen=True, slots=True)
class Local:
    """A variable of a scope ('' is the module), read through the scope's assignments."""

    name: str
    scope: str


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter of the function ``scope``; what it holds comes from the callers."""

    name: str
    scope: str
    annotation: Ref | None = None
    default: Value | None = None


@dataclass(frozen=True, slots=True)
class Keyword:
    name: str | None  # None: ``**mapping``
    value: Value
    span: Span | None = field(default=None, compare=False)  # ``name=value`` (for fixes)


@dataclass(frozen=True, slots=True)
class Call:
    func: Value
    args: tuple[Value, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    span: Span | None = None

    def keyword(self, name: str) -> Value | None:
        return next((k.value for k in self.keywords if k.name == name), None)

    @property
    def has_double_star(self) -> bool:
        return any(k.name is None for k in self.keywords)

    @property
    def has_star(self) -> bool:
        return any(isinstance(a, Starred) for a in self.args)

    def argument(self, position: int, name: str) -> Value | None:
        """The argument passed at ``position`` or as ``name=``; None when not passed (or hidden
        behind ``*args``)."""
        by_name = self.keyword(name)
        if by_name is not None:
            return by_name
        for index, arg in enumerate(self.args):
            if isinstance(arg, Starred):
                return None
            if index == position:
                return arg
        return None


@dataclass(frozen=True, slots=True)
class Attr:
    """``value.attr`` where ``value`` is not a plain dotted name (``self.model``, ``f().x``)."""

    value: Value
    attr: str


@dataclass(frozen=True, slots=True)
class Const:
    value: str | int | float | bool | None
    span: Span | None = field(default=None, compare=False)  # for a string: where (for fixes)


@dataclass(frozen=True, slots=True)
class Seq:
    kind: str  # "list" | "tuple" | "set"
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class DictLit:
    keys: tuple[Value | None, ...]  # None: ``**other``
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class FString:
    parts: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Starred:
    value: Value


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: Value
    right: Value


@dataclass(frozen=True, slots=True)
class IfExp:
    body: Value
    orelse: Value


@dataclass(frozen=True, slots=True)
class Item:
    """One element of an unpacked value: ``a, b = layer(x)`` gives ``a`` item 0 of the call."""

    value: Value
    index: int


@dataclass(frozen=True, slots=True)
class Opaque:
    """Anything not modelled (a lambda, a comprehension, a subscript, ...): unknown."""

    kind: str
    span: Span | None = None


Value: TypeAlias = (
    Ref
    | Local
    | Param
    | Call
    | Attr
    | Const
    | Seq
    | DictLit
    | FString
    | Starred
    | BinOp
    | IfExp
    | Item
    | Opaque
)


# -- declarations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportFact:
    """One imported name as written: ``import a.b as c``, ``from ..x import y as z``, ``*``."""

    module: str  # with leading dots for a relative import ("..x")
    name: str | None  # None for ``import module``; "*" for a star import
    bound: str  # the local name it binds ("" for a star import)
    span: Span


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    kind: str  # "positional" | "keyword_only" | "var_positional" | "var_keyword"
    default: Value | None  # None: no default
    annotation: Ref | None


@dataclass(frozen=True, slots=True)
class BranchTest:
    """The test of an ``if``/``while`` in a ``call`` method: what it calls.  A branch on a
    tensor's value runs only eagerly (``if tf.reduce_sum(x) > 0:``)."""

    line: int
    callees: tuple[str, ...]  # references the test calls (``tensorflow.reduce_sum``)
    numpy: bool  # the test calls ``.numpy()``


@dataclass(frozen=True, slots=True)
class FunctionFact:
    qualname: str  # within the module: "build", "Encoder.call", "make.inner"
    name: str
    span: Span  # the ``def`` name
    params: tuple[Parameter, ...]
    decorators: tuple[Value, ...]
    returns: tuple[Value, ...]
    calls: frozenset[str]  # every callee the body names (resolved as far as the file can)
    raises_not_implemented: bool
    in_class: str | None  # the enclosing class for a method
    # Only for methods named ``call``: their branch tests and the lines calling ``.numpy()``.
    branch_tests: tuple[BranchTest, ...] = ()
    numpy_lines: tuple[int, ...] = ()
    # For methods: the names of the methods it calls on any object but ``super()``
    # (``self.dense.build(shape)``, ``block.build(shape)`` give "build").
    method_calls: frozenset[str] = frozenset()
    # (line, column) just after the last parameter (its default included): where a fix
    # appends ``**kwargs``; (0, 0) when there is none.
    params_end: tuple[int, int] = (0, 0)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True, slots=True)
class ConfigEntry:
    """One key of the dict a ``get_config`` returns, and the value put under it."""

    key: str
    value: Value
    line: int
    value_span: Span | None = None  # where the value's expression stands (for fixes)


@dataclass(frozen=True, slots=True)
class GetConfigFact:
    span: Span  # the ``def get_config`` name
    entries: tuple[ConfigEntry, ...]  # the string keys it puts in the dict it returns
    # Every key is known: no update from a dict the file cannot read, no computed key.
    closed: bool
    calls_super: bool  # it starts from ``super().get_config()`` (or ``Base.get_config(self)``)
    serializes: bool  # it calls serialize_keras_object (or a ``serialize`` helper)
    removed: tuple[str, ...] = ()  # keys it pops from the config (``config.pop("name")``)
    # Its last statement is ``return <name>`` (a dict it built): (line, indentation, name),
    # where a fix can add keys.
    returned: tuple[int, str, str] | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.key for e in self.entries))

    @property
    def attributes(self) -> tuple[str, ...]:
        """``self.<name>`` values it puts in the config as they are."""
        found = []
        for entry in self.entries:
            value = entry.value
            if isinstance(value, Attr) and isinstance(value.value, Param):
                found.append(value.attr)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class FromConfigFact:
    span: Span  # the ``def from_config`` name
    # It rebuilds nested objects: calls deserialize_keras_object, ``*.deserialize``, ``*.get``
    # or ``*.from_config``.
    deserializes: bool
    passes_config: bool  # it ends in ``cls(**config)``: the config's keys are __init__'s
    # The keys it rebuilds (``config["inner"] = deserialize(config["inner"])``), when every
    # deserializing call names its key; None when some call's key is not a constant.
    rebuilt_keys: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ClassFact:
    qualname: str  # within the module: "Encoder", "Outer.Inner", "factory.Local"
    name: str
    span: Span  # the ``class`` statement (first line)
    name_span: Span
    bases: tuple[Value, ...]
    decorators: tuple[Value, ...]
    # Where a decorator line would be inserted (the first decorator, else the ``class`` line),
    # and the statement's indentation.
    first_line: int
    indent: str
    methods: tuple[str, ...]
    init: FunctionFact | None
    get_config: GetConfigFact | None
    from_config: FromConfigFact | None
    attributes: tuple[tuple[str, tuple[Value, ...]], ...]  # self.<name> = ... in its methods

    def attribute(self, name: str) -> tuple[Value, ...]:
        return next((values for bound, values in self.attributes if bound == name), ())

    @property
    def has_from_config(self) -> bool:
        return self.from_config is not None

    in_function: bool  # defined inside a function body
    abstract_hints: bool  # ABC base, @abstractmethod, or a method that raises NotImplementedError
    # The innermost if/try branch the statement is in: (line of the if/try, branch), so that
    # `try: class A ... except: class A ...` is known as two alternatives of one class.
    branch: tuple[int, str] | None = None
    # ``super().__init__(...)`` (or ``Base.__init__(self, ...)``, without ``self``) as called
    # in ``__init__``: which constructor arguments reach the Keras base.
    super_inits: tuple[Call, ...] = ()
    # (attribute, method): the methods assigning each ``self.<attribute>``.
    attribute_methods: tuple[tuple[str, str], ...] = ()
    # (attribute, the method of each value in ``attributes``, in the same order).
    attribute_origins: tuple[tuple[str, tuple[str, ...]], ...] = ()
    end_line: int = 0  # the last line of the class statement
    body_digest: str = ""  # equal for classes with the same bases and body (copies)
    body_indent: str = ""  # the indentation of its body

    def attribute_in(self, attribute: str, method: str) -> tuple[Value, ...]:
        """What ``method`` assigns to ``self.<attribute>``."""
        values = self.attribute(attribute)
        origins = next((o for a, o in self.attribute_origins if a == attribute), ())
        return tuple(v for v, m in zip(values, origins, strict=False) if m == method)

    def methods_assigning(self, attribute: str) -> tuple[str, ...]:
        return tuple(m for a, m in self.attribute_methods if a == attribute)


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call that may matter for serialization (loads, saves, pickles, registrations, ...)."""

    call: Call
    func_span: Span  # the callee expression, where findings about the call are reported
    scope: str  # the enclosing function ('' at module level)
    in_class: str | None  # the enclosing class, if any
    withs: tuple[int, ...]  # indexes into ModuleFacts.withs of the enclosing ``with`` blocks
    under_main: bool = False  # inside ``if __name__ == "__main__":`` (not run on import)

    @property
    def span(self) -> Span:
        assert self.call.span is not None
        return self.call.span


@dataclass(frozen=True, slots=True)
class WithFact:
    items: tuple[Value, ...]  # the context expressions
    span: Span


@dataclass(frozen=True, slots=True)
class ItemStore:
    """``target[key] = value`` (a registry or a custom-objects dict being filled)."""

    target: Value
    key: Value
    value: Value
    scope: str
    span: Span
    under_main: bool = False


@dataclass(frozen=True, slots=True)
class Assignment:
    line: int
    value: Value


@dataclass(frozen=True, slots=True)
class Scope:
    """What a function (or the module, '', or a class body) assigns, in source order."""

    name: str
    assigned: tuple[tuple[str, tuple[Assignment, ...]], ...]
    params: tuple[str, ...] = ()

    def assignments(self, name: str) -> tuple[Assignment, ...]:
        return next((found for bound, found in self.assigned if bound == name), ())

    def values_of(self, name: str) -> tuple[Value, ...]:
        return tuple(a.value for a in self.assignments(name))

    def value_before(self, name: str, line: int) -> Value | None:
        """The value most recently assigned to ``name`` above ``line`` (flow-sensitive enough
        for straight-line code: ``model = model.get_weights()`` rebinds ``model``)."""
        earlier = [a for a in self.assignments(name) if a.line < line]
        return earlier[-1].value if earlier else None


@dataclass(frozen=True)
class ModuleFacts:
    path: Path
    is_package: bool  # an ``__init__.py``
    imports: tuple[ImportFact, ...]
    names: dict[str, str]  # module-level name -> reference (imports, definitions, aliases)
    star_imports: tuple[str, ...]
    classes: tuple[ClassFact, ...]
    functions: dict[str, FunctionFact]
    scopes: dict[str, Scope]
    calls: tuple[CallSite, ...]
    withs: tuple[WithFact, ...]
    stores: tuple[ItemStore, ...]
    module_calls: frozenset[str]  # callees named at module level (outside any function)
    main_calls: frozenset[str]  # ... of those, the ones under `if __name__ == "__main__":`
    # Project-candidate names passed as values (`partial(save, model)`, `Thread(target=run)`):
    # functions whose callers cannot all be seen.
    escaping: frozenset[str]
    value_refs: frozenset[str]  # project-candidate names used as values (not called)
    # `AdaFactor.__name__ = "AdaFactor"`: the class name Keras stores, changed by assignment.
    renames: tuple[tuple[Value, str], ...]
    # Where a new import may go: the first line after the leading comments, the docstring and
    # ``from __future__`` imports; and the (first, last) lines of the imports at the top level.
    header_line: int
    top_imports: tuple[tuple[int, int], ...]
    # Names bound while the module is imported (not in functions, not under TYPE_CHECKING):
    # name -> (reference, or "" for a plain assignment; line of the first binding).
    import_time_names: dict[str, tuple[str, int]]
    all_names: tuple[str, ...] | None = None  # ``__all__`` when it is a literal
    # Lines that set TF_USE_LEGACY_KERAS to a true value (``os.environ[...] = "1"``): the
    # program runs on legacy Keras (tf.keras is tf_keras).
    legacy_keras_lines: tuple[int, ...] = ()
    # A notebook: (row of the joined text where each code cell begins, that cell's number), so
    # messages can name a place in it as users see it (`train.ipynb:cell 3:1`).
    cell_starts: tuple[tuple[int, int], ...] = ()
    class_index: dict[str, ClassFact] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.class_index:
            self.class_index.update((c.qualname, c) for c in self.classes)
