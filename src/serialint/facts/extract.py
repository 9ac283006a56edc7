"""Pass 1 for one file: a single ``ast`` walk that records the facts serialization rules need.

Pure: the result depends only on the text and the path.  Nothing here knows the project; names
are resolved only as far as this file's own imports and definitions allow (see facts.model).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from serialint import names
from serialint.facts.configs import read_from_config, read_get_config
from serialint.facts.lines import Lines
from serialint.facts.model import (
    Assignment,
    Attr,
    BinOp,
    BranchTest,
    Call,
    CallSite,
    ClassFact,
    Const,
    DictLit,
    FromConfigFact,
    FString,
    FunctionFact,
    GetConfigFact,
    IfExp,
    ImportFact,
    Item,
    ItemStore,
    Keyword,
    Local,
    ModuleFacts,
    Opaque,
    Param,
    Parameter,
    Ref,
    Scope,
    Seq,
    Starred,
    Value,
    WithFact,
)

_MAX_DEPTH = 24  # deeper expressions are summarised as Opaque (3,000-term chains exist)
_MAX_ITEMS = 64  # constants kept of a long literal container (its other items are all kept)
_MAX_NAMED_ITEMS = 4096  # ... up to this many
_BINOPS = {ast.Add: "+", ast.Mod: "%", ast.Div: "/"}


def extract(path: Path, text: str, tree: ast.Module) -> ModuleFacts:
    """The facts of one parsed module."""
    lines = Lines(text)
    names_table, stars, imports, alternatives = _module_names(tree, lines)
    visitor = _Visitor(lines, names_table, alternatives)
    visitor.visit(tree)
    return ModuleFacts(
        path=path,
        is_package=path.name == "__init__.py",
        imports=tuple(imports),
        names=names_table,
        star_imports=tuple(stars),
        classes=tuple(visitor.classes),
        functions=visitor.functions,
        scopes={
            name: Scope(name, tuple((k, tuple(v)) for k, v in assigned.items()), params)
            for name, (assigned, params) in visitor.scope_data.items()
        },
        calls=tuple(visitor.calls),
        withs=tuple(visitor.withs),
        stores=tuple(visitor.stores),
        module_calls=frozenset(visitor.module_calls),
        main_calls=frozenset(visitor.main_calls),
        escaping=frozenset(visitor.escaping),
        value_refs=frozenset(visitor.value_refs),
        renames=tuple(visitor.renames),
        header_line=_header_line(tree, lines),
        top_imports=_top_imports(tree),
        import_time_names=_import_time_bindings(tree),
        all_names=_all_names(tree),
        legacy_keras_lines=tuple(sorted(set(visitor.legacy_keras_lines))),
    )


# -- the module's own names ----------------------------------------------------------------


def _module_names(
    tree: ast.Module, lines: Lines
) -> tuple[dict[str, str], list[str], list[ImportFact], dict[str, tuple[str, ...]]]:
    """Imports, definitions and module-level aliases, resolved as far as the file allows."""
    table: dict[str, str] = {}
    stars: list[str] = []
    imports: list[ImportFact] = []
    alternatives: dict[str, list[str]] = {}
    defined: set[str] = set()
    for statement, depth in _statements(tree.body):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                bound = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else bound
                imports.append(ImportFact(alias.name, None, bound, lines.span(statement)))
                if depth == 0 or bound not in table:
                    table[bound] = target
        elif isinstance(statement, ast.ImportFrom):
            module = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                if alias.name == "*":
                    imports.append(ImportFact(module, "*", "", lines.span(statement)))
                    stars.append(module)
                    continue
                bound = alias.asname or alias.name
                imports.append(ImportFact(module, alias.name, bound, lines.span(statement)))
                joined = (
                    f"{module}.{alias.name}" if not module.endswith(".") else module + alias.name
                )
                if depth == 0 or bound not in table:
                    table[bound] = joined
        elif (
            isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and depth == 0
        ):
            table.setdefault(statement.name, f"@{statement.name}")
            defined.add(statement.name)
    # ``Layer = tf.keras.layers.Layer`` (also inside try/except): an alias of the name it copies.
    # A name given different definitions in if/else branches keeps them all (see alternatives).
    for statement, depth in _statements(tree.body):
        if depth != 0 or not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            continue
        copy = statement.targets[0]
        if not isinstance(copy, ast.Name) or copy.id in defined:
            continue
        dotted = _dotted(statement.value)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        if head in table and head != copy.id:
            target = table[head] + (f".{rest}" if rest else "")
            if copy.id in table and table[copy.id] != target:
                alternatives.setdefault(copy.id, [table[copy.id]]).append(target)
            table[copy.id] = target
    return table, stars, imports, {k: tuple(dict.fromkeys(v)) for k, v in alternatives.items()}


def _statements(body: list[ast.stmt], depth: int = 0) -> Iterator[tuple[ast.stmt, int]]:
    """Every statement with its function depth (0: runs at import, also inside if/try/with)."""
    for statement in body:
        yield statement, depth
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _statements(statement.body, depth + 1)
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, name, []), depth)
        for handler in getattr(statement, "handlers", []):
            yield from _statements(handler.body, depth)
        for case in getattr(statement, "cases", []):
            yield from _statements(case.body, depth)


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _header_line(tree: ast.Module, lines: Lines) -> int:
    """The first line where a new import may go: after the leading comments (shebang, coding
    cookie, licence), the docstring and ``from __future__`` imports."""
    body = tree.body
    first = _first_line(body[0]) if body else len(lines.lines) + 1
    line = 1
    while line < first and (
        not lines.text(line).strip() or lines.text(line).lstrip().startswith("#")
    ):
        line += 1
    index = 0
    head = body[0] if body else None
    if isinstance(head, ast.Expr) and isinstance(getattr(head.value, "value", None), str):
        line, index = (head.end_lineno or head.lineno) + 1, 1
    while index < len(body):
        statement = body[index]
        if not (isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
            break
        line, index = (statement.end_lineno or statement.lineno) + 1, index + 1
    return line


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([d.lineno for d in decorators] + [node.lineno])


def _top_imports(tree: ast.Module) -> tuple[tuple[int, int], ...]:
    return tuple(
        (s.lineno, s.end_lineno or s.lineno)
        for s in tree.body
        if isinstance(s, (ast.Import, ast.ImportFrom))
        and getattr(s, "module", None) != "__future__"
    )


def _self_attributes(values: Sequence[ast.expr | None], self_name: str) -> list[str]:
    """``self.inner`` values (a sublayer put in a config as an object is stored by name)."""
    return [
        v.attr
        for v in values
        if isinstance(v, ast.Attribute)
        and isinstance(v.value, ast.Name)
        and v.value.id == self_name
    ]


_LEGACY_FLAG = "TF_USE_LEGACY_KERAS"


def _is_legacy_flag(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == _LEGACY_FLAG


def _is_true_flag(node: ast.expr) -> bool:
    """The values TensorFlow reads as "on" (``tf.keras`` then imports tf_keras)."""
    return isinstance(node, ast.Constant) and node.value in ("1", "true", "True", 1, True)


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":``"""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (_dotted(test) or "").rpartition(".")[2] == "TYPE_CHECKING"


def _import_time_bindings(tree: ast.Module) -> dict[str, tuple[str, int]]:
    """Names the module binds while it is imported (not inside functions, not under
    ``if TYPE_CHECKING:``), with the line of their first binding: what a decorator added at
    a given line may use."""
    found: dict[str, tuple[str, int]] = {}

    def walk(body: list[ast.stmt]) -> None:
        for statement in body:
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    target = alias.name if alias.asname else bound
                    found.setdefault(bound, (target, statement.lineno))
            elif isinstance(statement, ast.ImportFrom):
                module = "." * statement.level + (statement.module or "")
                for alias in statement.names:
                    if alias.name != "*":
                        joined = (
                            f"{module}.{alias.name}"
                            if not module.endswith(".")
                            else module + alias.name
                        )
                        found.setdefault(alias.asname or alias.name, (joined, statement.lineno))
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.setdefault(statement.name, (f"@{statement.name}", statement.lineno))
            elif isinstance(statement, ast.If):
                if not _is_type_checking(statement.test):
                    walk(statement.body)
                walk(statement.orelse)
            elif isinstance(statement, (ast.Try, ast.With)):
                walk(statement.body)
                for handler in getattr(statement, "handlers", []):
                    walk(handler.body)
                walk(getattr(statement, "orelse", []))
                walk(getattr(statement, "finalbody", []))
            else:
                for assigned in _targets(statement):
                    for name in _names_in(assigned):
                        found.setdefault(name, ("", statement.lineno))

    walk(tree.body)
    return found


def _all_names(tree: ast.Module) -> tuple[str, ...] | None:
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in statement.targets)
            and isinstance(statement.value, (ast.List, ast.Tuple))
        ):
            return tuple(
                e.value
                for e in statement.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    return None


# -- scopes ----------------------------------------------------------------------------------


def _bound_in(body: list[ast.stmt]) -> set[str]:
    """Names a function body (or the module) binds, not looking into nested scopes.

    Only statements and their targets are walked, not every expression: a walrus inside an
    expression is missed, and its name then reads as the enclosing scope's (harmless here).
    """
    bound: set[str] = set()
    pending = list(body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(statement.name)
            continue  # a nested scope: its names are its own
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            bound.update(
                (a.asname or a.name).split(".")[0] for a in statement.names if a.name != "*"
            )
            continue
        for target in _targets(statement):
            bound.update(_names_in(target))
        for block in ("body", "orelse", "finalbody"):
            pending.extend(getattr(statement, block, ()))
        for handler in getattr(statement, "handlers", ()):
            pending.extend(handler.body)
        for case in getattr(statement, "cases", ()):
            pending.extend(case.body)
    return bound


def _targets(statement: ast.stmt) -> Iterator[ast.expr]:
    if isinstance(statement, ast.Assign):
        yield from statement.targets
    elif isinstance(statement, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
        yield statement.target
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        yield from (i.optional_vars for i in statement.items if i.optional_vars is not None)
    elif isinstance(statement, ast.Try):
        for handler in statement.handlers:
            if handler.name:
                yield ast.Name(handler.name, ast.Store())
    elif isinstance(statement, ast.Delete):
        yield from statement.targets


def _names_in(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names_in(element)
    elif isinstance(target, ast.Starred):
        yield from _names_in(target.value)


@dataclass
class _Frame:
    """A function being visited."""

    qualname: str
    params: dict[str, Param]
    bound: set[str]
    assigned: dict[str, list[Assignment]] = field(default_factory=lambda: defaultdict(list))
    returns: list[Value] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)
    raises_not_implemented: bool = False
    self_name: str | None = None  # the first parameter of a method
    in_class: str | None = None
    name: str = ""  # the function's own name
    branch_tests: list[BranchTest] = field(default_factory=list)
    numpy_lines: list[int] = field(default_factory=list)
    super_inits: list[Call] = field(default_factory=list)
    method_calls: set[str] = field(default_factory=set)

    @property
    def is_call_method(self) -> bool:
        return self.in_class is not None and self.name == "call"


def _optional_part(annotation: ast.expr) -> ast.expr:
    """``Model | None`` and ``Optional[Model]`` annotate a ``Model`` (or nothing)."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        kept = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        return kept[0] if len(kept) == 1 else annotation
    if (
        isinstance(annotation, ast.Subscript)
        and (_dotted(annotation.value) or "").rpartition(".")[2] == "Optional"
    ):
        return annotation.slice
    return annotation


def _digest(node: ast.ClassDef, lines: Lines) -> str:
    """Equal for two classes with the same code, wherever they stand and whatever their
    docstrings and comments say: a hash of the class's source lines without those (reading
    text is far cheaper than dumping the tree)."""
    skipped: set[int] = set()
    for owner in [
        node,
        *(n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
    ]:
        first = owner.body[0] if owner.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skipped.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    end = node.end_lineno or node.lineno
    kept = (
        text
        for number in range(node.lineno + 1, end + 1)
        if number not in skipped
        and (text := lines.text(number).strip())
        and not text.startswith("#")
    )
    bases = lines.text(node.lineno).partition("(")[2]
    return hashlib.blake2b("\n".join([bases, *kept]).encode(), digest_size=8).hexdigest()


def _is_interesting(func: Value, call: ast.Call) -> bool:
    """Calls kept whole: every call a serialization rule can be about, and nothing else."""
    if isinstance(func, Call):
        return True  # register_keras_serializable(package=...)(Cls)
    last = ""
    if isinstance(func, Ref):
        last = func.name.rpartition(".")[2].lstrip("?@")
    elif isinstance(func, Attr):
        last = func.attr
    elif isinstance(func, (Local, Param)):
        last = func.name
    if last in names.FACT_CALL_NAMES:
        return True
    if (
        isinstance(func, Attr)
        and func.attr in names.MUTATING_METHODS
        and isinstance(func.value, (Local, Param))
    ):
        return True  # model.add(layer), layers.append(Block()): what a model is built from
    if any(k.arg in names.FACT_CALL_KEYWORDS for k in call.keywords):
        return True
    if any(
        k.arg in names.FUNCTION_KEYWORDS and not isinstance(k.value, ast.Constant)
        for k in call.keywords
    ):
        return True  # a function passed by reference, stored by name
    return isinstance(func, Ref) and _may_be_project(func.name) and bool(call.args or call.keywords)


_BUILTINS = frozenset(dir(builtins))


def _may_be_project(reference: str) -> bool:
    """A callee that may be the project's own (not a builtin, not a well-known package)."""
    if reference.startswith(("@", ".")):
        return True
    if reference.startswith("?"):
        return reference[1:].partition(".")[0] not in _BUILTINS
    return reference.partition(".")[0] not in names.EXTERNAL_ROOTS


class _Visitor(ast.NodeVisitor):
    def __init__(
        self, lines: Lines, table: dict[str, str], alternatives: dict[str, tuple[str, ...]]
    ) -> None:
        self.lines = lines
        self.table = table
        self.alternatives = alternatives
        self.frames: list[_Frame] = []
        self.class_stack: list[str] = []
        self.scope_names: list[str] = []  # qualname parts of the enclosing defs
        self.classes: list[ClassFact] = []
        self.functions: dict[str, FunctionFact] = {}
        self.calls: list[CallSite] = []
        self.withs: list[WithFact] = []
        self.with_stack: list[int] = []
        self.stores: list[ItemStore] = []
        self.module_calls: set[str] = set()
        self.main_calls: set[str] = set()
        self.escaping: set[str] = set()
        self.value_refs: set[str] = set()
        self.skip_values: set[int] = set()
        self.renames: list[tuple[Value, str]] = []
        self.under_main = False
        self.module_assigned: dict[str, list[Assignment]] = defaultdict(list)
        self.module_bound: set[str] = set()
        self.class_attributes: list[dict[str, list[Value]]] = []
        # What the innermost body being visited is: a class body binds class attributes, which
        # methods do not see, so its assignments go to a scope of their own.
        self.class_bodies: list[dict[str, list[Assignment]] | None] = []
        self.branches: list[tuple[int, str]] = []
        # Per class: its get_config / from_config facts and super().__init__ calls, read while
        # the method's own scope is current (so ``self`` resolves to the method's parameter).
        self.get_configs: dict[str, GetConfigFact] = {}
        self.from_configs: dict[str, FromConfigFact] = {}
        self.super_inits: dict[str, tuple[Call, ...]] = {}
        self.attribute_methods: list[list[tuple[str, str]]] = []
        self.legacy_keras_lines: list[int] = []
        self.scope_data: dict[str, tuple[dict[str, list[Assignment]], tuple[str, ...]]] = {
            "": (self.module_assigned, ())
        }

    # -- names and values ---------------------------------------------------------------------
    def visit_Module(self, node: ast.Module) -> None:
        self.module_bound = _bound_in(node.body) - set(self.table)
        self.generic_visit(node)

    def resolve_name(self, name: str) -> Value:
        for frame in reversed(self.frames):
            if name in frame.params:
                return frame.params[name]
            if name in frame.bound:
                return Local(name, frame.qualname)
        if name in self.alternatives:
            # if keras2: Adam = AdamV1 / else: Adam = AdamV2 -- either may be meant.
            *others, last = self.alternatives[name]
            value: Value = Ref(last)
            for other in reversed(others):
                value = IfExp(Ref(other), value)
            return value
        if name in self.table:
            return Ref(self.table[name])
        if name in self.module_bound:
            return Local(name, "")
        return Ref(f"?{name}")

    def value(self, node: ast.AST | None, depth: int = 0) -> Value:
        if node is None:
            return Const(None)
        if depth > _MAX_DEPTH:
            return Opaque("deep", self.lines.span(node))
        d = depth + 1
        if isinstance(node, ast.Name):
            return self.resolve_name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.value(node.value, d)
            if isinstance(base, Ref):
                return Ref(f"{base.name}.{node.attr}")
            return Attr(base, node.attr)
        if isinstance(node, ast.Call):
            return Call(
                func=self.value(node.func, d),
                args=tuple(self.value(a, d) for a in node.args),
                keywords=tuple(
                    Keyword(k.arg, self.value(k.value, d), self.lines.span(k))
                    for k in node.keywords
                ),
                span=self.lines.span(node),
            )
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str) and "." in value and len(value) < 200 and "\n" not in value:
                return Const(value, self.lines.span(node))  # a file name: fixes edit it
            if value is None or isinstance(value, (str, int, float, bool)):
                return Const(value)
            return Opaque(type(value).__name__)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
            return Seq(kind, self._items(node.elts, d))
        if isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
            if len(pairs) > _MAX_ITEMS:
                pairs = [p for p in pairs if not isinstance(p[1], ast.Constant)][:_MAX_NAMED_ITEMS]
            return DictLit(
                tuple(self.value(k, d) if k is not None else None for k, _ in pairs),
                tuple(self.value(v, d) for _, v in pairs),
            )
        if isinstance(node, ast.JoinedStr):
            return FString(tuple(self._fstring_part(p, d) for p in node.values))
        if isinstance(node, ast.Starred):
            return Starred(self.value(node.value, d))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return BinOp(
                _BINOPS[type(node.op)], self.value(node.left, d), self.value(node.right, d)
            )
        if isinstance(node, ast.IfExp):
            return IfExp(self.value(node.body, d), self.value(node.orelse, d))
        if isinstance(node, ast.BoolOp):
            # `inner or Dense(2)`: either operand may be the value.
            *rest, last = node.values
            result = self.value(last, d)
            for operand in reversed(rest):
                result = IfExp(self.value(operand, d), result)
            return result
        if isinstance(node, (ast.NamedExpr, ast.Await)):
            return self.value(node.value, d)
        if isinstance(node, ast.DictComp) and len(node.generators) == 1:
            # {c.__name__: c for c in (Scale, Shift)}: the iterated items, keys unknown.
            generator = node.generators[0]
            if (
                isinstance(generator.target, ast.Name)
                and isinstance(node.value, ast.Name)
                and node.value.id == generator.target.id
                and isinstance(generator.iter, (ast.Tuple, ast.List, ast.Set))
            ):
                items = self._items(generator.iter.elts, d)
                return DictLit(tuple(Opaque("key") for _ in items), items)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            # [Block() for _ in range(3)]: what each element is (its loop names stay unknown).
            return Seq("comprehension", (self.value(node.elt, d),))
        return Opaque(type(node).__name__.lower(), self.lines.span(node))

    def _items(self, elements: list[ast.expr], depth: int) -> tuple[Value, ...]:
        if len(elements) > _MAX_ITEMS:
            elements = [e for e in elements if not isinstance(e, ast.Constant)][:_MAX_NAMED_ITEMS]
        return tuple(self.value(e, depth) for e in elements)

    def _fstring_part(self, node: ast.expr, depth: int) -> Value:
        if isinstance(node, ast.FormattedValue):
            return self.value(node.value, depth)
        return self.value(node, depth)

    def _callee(self, value: Value) -> str | None:
        """How a call graph names a callee: a reference, or ``:self.method``."""
        if isinstance(value, Ref):
            return value.name
        frame = self.frames[-1] if self.frames else None
        if (
            isinstance(value, Attr)
            and isinstance(value.value, Param)
            and frame is not None
            and value.value.name == frame.self_name
        ):
            return f":self.{value.attr}"
        if (
            isinstance(value, Attr)
            and isinstance(value.value, Attr)
            and isinstance(value.value.value, Param)
            and frame is not None
            and value.value.value.name == frame.self_name
        ):
            return f":self.{value.value.attr}.{value.attr}"  # self.dense.build(shape)
        return None

    # -- definitions --------------------------------------------------------------------------
    def _qualname(self, name: str) -> str:
        return ".".join([*self.scope_names, name])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        qualname = self._qualname(node.name)
        bases = tuple(
            self.value(b.value if isinstance(b, ast.Subscript) else b) for b in node.bases
        )
        decorators = tuple(self.value(d) for d in node.decorator_list)
        for decorator in node.decorator_list:
            self._note_calls_in(decorator)
        self.class_stack.append(qualname)
        self.scope_names.append(node.name)
        self.class_attributes.append(defaultdict(list))
        self.attribute_methods.append([])
        body_assigned: dict[str, list[Assignment]] = defaultdict(list)
        self.class_bodies.append(body_assigned)
        for base in node.bases:
            self._not_values(base)  # a base is not an instance
            self.visit(base)
        for statement in node.body:
            self.visit(statement)
        self.class_bodies.pop()
        self.scope_data[qualname] = (body_assigned, ())
        attributes = self.class_attributes.pop()
        attribute_methods = self.attribute_methods.pop()
        self.scope_names.pop()
        self.class_stack.pop()
        methods = {
            item.name: item
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        init = self.functions.get(f"{qualname}.__init__") if "__init__" in methods else None
        first = min(
            [self.lines.decorator_line(d.lineno) for d in node.decorator_list] + [node.lineno]
        )
        abstract = (
            any(
                (f := self.functions.get(f"{qualname}.{m}")) is not None
                and f.raises_not_implemented
                for m in methods
            )
            or any(
                _dotted(d) in ("abstractmethod", "abc.abstractmethod")
                for m in methods.values()
                for d in m.decorator_list
            )
            or any((_dotted(b) or "").rpartition(".")[2] in ("ABC", "ABCMeta") for b in node.bases)
        )
        self.classes.append(
            ClassFact(
                qualname=qualname,
                name=node.name,
                span=self.lines.span(node),
                name_span=self.lines.name_span(node),
                bases=bases,
                decorators=decorators,
                first_line=first,
                indent=self.lines.indent(first),
                methods=tuple(methods),
                init=init,
                get_config=self.get_configs.get(qualname) if "get_config" in methods else None,
                from_config=self.from_configs.get(qualname) if "from_config" in methods else None,
                attributes=tuple((k, tuple(v)) for k, v in attributes.items()),
                in_function=bool(self.frames),
                abstract_hints=abstract,
                branch=self.branches[-1] if self.branches else None,
                super_inits=self.super_inits.get(qualname, ()),
                attribute_methods=tuple(dict.fromkeys(attribute_methods)),
                attribute_origins=tuple(
                    (name, tuple(m for a, m in attribute_methods if a == name))
                    for name in attributes
                ),
                end_line=getattr(node, "end_lineno", None) or node.lineno,
                body_digest=_digest(node, self.lines),
                body_indent=self.lines.indent(node.body[0].lineno) if node.body else "",
            )
        )

    def _parameters(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    ) -> list[Parameter]:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        result = [
            Parameter(
                a.arg, "positional", self.value(d) if d is not None else None, self._annotation(a)
            )
            for a, d in zip(positional, defaults, strict=True)
        ]
        if args.vararg:
            result.append(Parameter(args.vararg.arg, "var_positional", None, None))
        result.extend(
            Parameter(
                a.arg, "keyword_only", self.value(d) if d is not None else None, self._annotation(a)
            )
            for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
        )
        if args.kwarg:
            result.append(Parameter(args.kwarg.arg, "var_keyword", None, None))
        return result

    def _annotation(self, arg: ast.arg) -> Ref | None:
        annotation = arg.annotation
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if annotation is None:
            return None
        annotation = _optional_part(annotation)
        value = self.value(annotation)
        return value if isinstance(value, Ref) else None

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        qualname = self._qualname(node.name)
        for decorator in node.decorator_list:
            self._note_calls_in(decorator)
        decorators = tuple(self.value(d) for d in node.decorator_list)
        parameters = self._parameters(node)  # defaults are evaluated in the enclosing scope
        in_class = self.class_stack[-1] if self.class_stack and self._directly_in_class() else None
        frame = _Frame(
            qualname=qualname,
            params={p.name: Param(p.name, qualname, p.annotation, p.default) for p in parameters},
            bound=_bound_in(node.body) - {p.name for p in parameters},
            self_name=parameters[0].name if in_class and parameters else None,
            in_class=in_class,
            name=node.name,
        )
        self.frames.append(frame)
        self.scope_names.append(node.name)
        self.class_bodies.append(None)
        saved_withs = self.with_stack
        self.with_stack = []
        for statement in node.body:
            self.visit(statement)
        if in_class is not None:
            self._method_facts(node, in_class, frame)
        self.with_stack = saved_withs
        self.class_bodies.pop()
        self.scope_names.pop()
        self.frames.pop()
        self.scope_data[qualname] = (frame.assigned, tuple(p.name for p in parameters))
        self.functions.setdefault(
            qualname,
            FunctionFact(
                qualname=qualname,
                name=node.name,
                span=self.lines.name_span(node),
                params=tuple(parameters),
                decorators=decorators,
                returns=tuple(frame.returns),
                calls=frozenset(frame.calls),
                raises_not_implemented=frame.raises_not_implemented,
                in_class=in_class,
                branch_tests=tuple(frame.branch_tests),
                numpy_lines=tuple(frame.numpy_lines),
                method_calls=frozenset(frame.method_calls),
                params_end=self._params_end(node),
            ),
        )

    def _params_end(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
        """Where a new parameter goes: after the last one (its default included)."""
        args = node.args
        nodes: list[ast.AST] = [*args.posonlyargs, *args.args, *args.defaults]
        nodes += [a for a in (args.vararg, args.kwarg) if a is not None]
        nodes += [*args.kwonlyargs, *(d for d in args.kw_defaults if d is not None)]
        last = max(
            nodes,
            key=lambda n: (getattr(n, "end_lineno", 0) or 0, getattr(n, "end_col_offset", 0) or 0),
            default=None,
        )
        if last is None:
            return (0, 0)
        span = self.lines.span(last)
        return (span.end_line, span.end_column)

    def _method_facts(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: str, frame: _Frame
    ) -> None:
        """What the config rules need of a method, read while its scope is current."""
        span = self.lines.name_span(node)
        if node.name == "get_config":
            self.get_configs.setdefault(
                in_class, read_get_config(node, span, self.value, self.lines)
            )
        elif node.name == "from_config":
            self.from_configs.setdefault(in_class, read_from_config(node, span))
        elif node.name == "__init__":
            self.super_inits.setdefault(in_class, tuple(frame.super_inits))

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _directly_in_class(self) -> bool:
        """Is the def being visited a method (its parent scope is the innermost class)?"""
        return bool(self.class_stack) and self.scope_names[-1:] == [
            self.class_stack[-1].rpartition(".")[2]
        ]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        # A lambda's body is a scope of its own; its parameters hide outer names.
        frame = _Frame(
            qualname=self.frames[-1].qualname if self.frames else "",
            params={a.arg: Param(a.arg, "<lambda>") for a in node.args.args},
            bound=set(),
        )
        self.frames.append(frame)
        self.generic_visit(node)
        self.frames.pop()
        if self.frames:
            self.frames[-1].calls |= frame.calls
        else:
            self.module_calls |= frame.calls

    # -- statements ---------------------------------------------------------------------------
    def _assigned(self) -> dict[str, list[Assignment]]:
        if self.class_bodies and self.class_bodies[-1] is not None:
            return self.class_bodies[-1]
        return self.frames[-1].assigned if self.frames else self.module_assigned

    def _assign(self, target: ast.expr, value: Value) -> None:
        assigned = self._assigned()
        if isinstance(target, ast.Name):
            assigned[target.id].append(Assignment(target.lineno, value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value.items if isinstance(value, Seq) else None
            for index, element in enumerate(target.elts):
                if items is not None and len(items) == len(target.elts):
                    self._assign(element, items[index])
                else:
                    self._assign(element, Item(value, index))
        elif isinstance(target, ast.Starred):
            self._assign(target.value, Item(value, -1))
        elif (
            isinstance(target, ast.Attribute)
            and target.attr == "__name__"
            and isinstance(value, Const)
            and isinstance(value.value, str)
        ):
            self.renames.append((self.value(target.value), value.value))
        elif isinstance(target, ast.Attribute) and self.class_attributes and self.frames:
            frame = self.frames[-1]
            if isinstance(target.value, ast.Name) and target.value.id == frame.self_name:
                self.class_attributes[-1][target.attr].append(value)
                self.attribute_methods[-1].append((target.attr, frame.name))

    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.value(node.value)
        for target in node.targets:
            self._assign(target, value)
            if isinstance(target, ast.Subscript):
                if _is_legacy_flag(target.slice) and _is_true_flag(node.value):
                    self.legacy_keras_lines.append(node.lineno)
                self.stores.append(
                    ItemStore(
                        target=self.value(target.value),
                        key=self.value(target.slice),
                        value=value,
                        scope=self.frames[-1].qualname if self.frames else "",
                        span=self.lines.span(node),
                        under_main=self.under_main and not self.frames,
                    )
                )
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._not_values(node.annotation)
        if node.value is not None:
            self._assign(node.target, self.value(node.value))
        elif isinstance(node.target, ast.Name):
            annotation = self.value(node.annotation)
            scope = self.frames[-1].qualname if self.frames else ""
            self._assign(
                node.target,
                Param(node.target.id, scope, annotation if isinstance(annotation, Ref) else None),
            )
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        op = _BINOPS.get(type(node.op))
        if isinstance(node.target, ast.Name) and op is not None:
            self._assign(node.target, BinOp(op, self.value(node.target), self.value(node.value)))
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._assign(node.target, self.value(node.value))
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        # `for c in (A, B):` c is each item in turn (an item of the iterated value).
        self._assign(node.target, Item(self.value(node.iter), -1))
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_Return(self, node: ast.Return) -> None:
        if self.frames and node.value is not None:
            self.frames[-1].returns.append(self.value(node.value))
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if self.frames and exc is not None and _dotted(exc) == "NotImplementedError":
            self.frames[-1].raises_not_implemented = True
        self.generic_visit(node)

    def _visit_branch(self, line: int, name: str, body: list[ast.stmt]) -> None:
        self.branches.append((line, name))
        for statement in body:
            self.visit(statement)
        self.branches.pop()

    def _note_branch_test(self, test: ast.expr) -> None:
        """In a ``call`` method: what a branch test calls (a tensor's value needs eager mode)."""
        frame = self.frames[-1] if self.frames else None
        if frame is None or not frame.is_call_method:
            return
        callees: list[str] = []
        numpy = False
        for inner in ast.walk(test):
            if isinstance(inner, ast.Call):
                if isinstance(inner.func, ast.Attribute) and inner.func.attr == "numpy":
                    numpy = True
                callee = self._callee(self.value(inner.func))
                if callee is not None:
                    callees.append(callee)
        if callees or numpy:
            frame.branch_tests.append(BranchTest(test.lineno, tuple(callees), numpy))

    def visit_While(self, node: ast.While) -> None:
        self._note_branch_test(node.test)
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        self._note_branch_test(node.test)
        self.visit(node.test)
        main = not self.frames and _is_main_guard(node.test)
        before = self.under_main
        self.under_main = before or main
        self._visit_branch(node.lineno, "body", node.body)
        self.under_main = before
        self._visit_branch(node.lineno, "orelse", node.orelse)

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        self._visit_branch(node.lineno, "body", node.body)
        for index, handler in enumerate(node.handlers):
            if handler.type is not None:
                self.visit(handler.type)
            if handler.name:
                self._assign(
                    ast.Name(handler.name, ast.Store(), lineno=handler.lineno), Opaque("exception")
                )
            self._visit_branch(node.lineno, f"except{index}", handler.body)
        self._visit_branch(node.lineno, "orelse", node.orelse)
        self._visit_branch(node.lineno, "finalbody", node.finalbody)

    visit_TryStar = visit_Try

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        """An import inside a function binds a local name to what it imports
        (``def build(): from .metrics import f1score``)."""
        if not self.frames:
            return
        module = ""
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            if isinstance(node, ast.ImportFrom):
                bound = alias.asname or alias.name
                target = (
                    f"{module}.{alias.name}" if not module.endswith(".") else module + alias.name
                )
            else:
                bound = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else bound
            self._assign(ast.Name(bound, ast.Store(), lineno=node.lineno), Ref(target))

    visit_ImportFrom = visit_Import

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        items = tuple(self.value(item.context_expr) for item in node.items)
        for item, value in zip(node.items, items, strict=True):
            if item.optional_vars is not None:
                self._assign(item.optional_vars, value)
        pushed = any(isinstance(v, Call) for v in items)
        if pushed:
            self.withs.append(WithFact(items, self.lines.span(node)))
            self.with_stack.append(len(self.withs) - 1)
        self.generic_visit(node)
        if pushed:
            self.with_stack.pop()

    visit_AsyncWith = visit_With

    def visit_Call(self, node: ast.Call) -> None:
        # The callee, and for `Base.__init__(self)` its whole dotted chain: called, not used.
        self._not_values(node.func, shallow=_dotted(node.func) is None)
        if isinstance(node.func, ast.Name) and node.func.id in (
            "isinstance",
            "issubclass",
            "super",
        ):
            for argument in node.args:
                self._not_values(argument)  # isinstance(x, Base): a type check, not a use
        for argument in [*node.args, *(k.value for k in node.keywords)]:
            dotted = _dotted(argument)
            passed = self._reference(dotted) if dotted is not None else None
            if passed is not None and _may_be_project(passed):
                self.escaping.add(passed)
        func = self.value(node.func)
        self._note_method_call(node, func)
        self._note_legacy_keras(node)
        callee = self._callee(func)
        if callee is not None:
            if self.frames:
                self.frames[-1].calls.add(callee)
            else:
                self.module_calls.add(callee)
                if self.under_main:
                    self.main_calls.add(callee)
        if _is_interesting(func, node) or self._passes_own_class(node):
            call = self.value(node)
            assert isinstance(call, Call)
            self.calls.append(
                CallSite(
                    call=call,
                    under_main=self.under_main and not self.frames,
                    func_span=self.lines.span(node.func),
                    scope=self.frames[-1].qualname if self.frames else "",
                    in_class=self.class_stack[-1] if self.class_stack else None,
                    withs=tuple(self.with_stack),
                )
            )
        self.generic_visit(node)

    def _note_method_call(self, node: ast.Call, func: Value) -> None:
        """``super().__init__(...)`` in ``__init__``; ``.numpy()`` in ``call``."""
        frame = self.frames[-1] if self.frames else None
        if frame is None or frame.in_class is None:
            return
        if isinstance(node.func, ast.Attribute) and not (
            isinstance(node.func.value, ast.Call) and _dotted(node.func.value.func) == "super"
        ):
            frame.method_calls.add(node.func.attr)
        numpy = isinstance(node.func, ast.Attribute) and node.func.attr == "numpy"
        if frame.is_call_method and numpy and not node.args:
            frame.numpy_lines.append(node.lineno)
        if frame.name != "__init__" or not isinstance(func, (Attr, Ref)):
            return
        if isinstance(func, Attr) and func.attr == "__init__":
            owner = func.value
            if (
                isinstance(owner, Call)
                and isinstance(owner.func, Ref)
                and owner.func.name == "?super"
            ):
                call = self.value(node)
                assert isinstance(call, Call)
                frame.super_inits.append(call)
        elif isinstance(func, Ref) and func.name.endswith(".__init__") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id == frame.self_name:
                call = self.value(node)
                assert isinstance(call, Call)
                frame.super_inits.append(Call(call.func, call.args[1:], call.keywords, call.span))

    def _note_legacy_keras(self, node: ast.Call) -> None:
        """``os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")``, ``os.putenv(...)``,
        ``os.environ.update({"TF_USE_LEGACY_KERAS": "1"})``."""
        args = node.args
        for index, argument in enumerate(args[:-1]):
            if _is_legacy_flag(argument) and _is_true_flag(args[index + 1]):
                self.legacy_keras_lines.append(node.lineno)
        for argument in args:
            if isinstance(argument, ast.Dict):
                for key, value in zip(argument.keys, argument.values, strict=True):
                    if key is not None and _is_legacy_flag(key) and _is_true_flag(value):
                        self.legacy_keras_lines.append(node.lineno)
        for keyword in node.keywords:
            if keyword.arg == _LEGACY_FLAG and _is_true_flag(keyword.value):
                self.legacy_keras_lines.append(node.lineno)

    # -- leaves: nothing below them to visit (saves the generic visit of most nodes) -----------
    def _leaf(self, node: ast.AST) -> None:
        return None

    visit_Constant = _leaf
    visit_Load = visit_Store = visit_Del = _leaf
    visit_Add = visit_Sub = visit_Mult = visit_Div = visit_Mod = visit_Pow = _leaf
    visit_FloorDiv = visit_MatMult = visit_BitAnd = visit_BitOr = visit_BitXor = _leaf
    visit_LShift = visit_RShift = visit_USub = visit_UAdd = visit_Not = visit_Invert = _leaf
    visit_And = visit_Or = visit_Eq = visit_NotEq = visit_Lt = visit_LtE = _leaf
    visit_Gt = visit_GtE = visit_Is = visit_IsNot = visit_In = visit_NotIn = _leaf
    visit_alias = visit_Pass = visit_Break = visit_Continue = _leaf

    # -- names used as values ---------------------------------------------------------------
    def _not_values(self, node: ast.expr, *, shallow: bool = False) -> None:
        """Mark names that are called, derived from or type-checked: not used as values."""
        for inner in [node] if shallow else ast.walk(node):
            if isinstance(inner, (ast.Name, ast.Attribute)):
                self.skip_values.add(id(inner))

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and id(node) not in self.skip_values:
            self._note_value(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node)
        if dotted is not None and isinstance(node.ctx, ast.Load):
            if id(node) not in self.skip_values:
                self._note_value(dotted)
            return  # a dotted name: its head is not a separate use
        self.generic_visit(node)

    def _reference(self, dotted: str) -> str | None:
        """The reference a dotted name resolves to, when it is not a variable."""
        head, dot, rest = dotted.partition(".")
        resolved = self.resolve_name(head)
        return resolved.name + dot + rest if isinstance(resolved, Ref) else None

    def _note_value(self, dotted: str) -> None:
        """``NORMS = {"scale": Scale}``, ``partial(Scale, 2)``, ``cls = A if c else B``: a
        class used as a value may be instantiated where the call graph cannot see."""
        reference = self._reference(dotted)
        if reference is not None and _may_be_project(reference):
            self.value_refs.add(reference)

    def _passes_own_class(self, node: ast.Call) -> bool:
        """``helper(MyLayer)`` at module level: a registration if the helper registers."""
        if self.frames or not node.args:
            return False
        first = node.args[0]
        return isinstance(first, ast.Name) and self.table.get(first.id, "").startswith("@")

    def _note_calls_in(self, node: ast.expr) -> None:
        """Decorators are evaluated in the enclosing scope; their calls belong to it."""
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                callee = self._callee(self.value(inner.func))
                if callee is not None:
                    (self.frames[-1].calls if self.frames else self.module_calls).add(callee)
