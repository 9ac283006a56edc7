"""A module's definitions without its top-level statements, so importing it runs no user program.

A training script defines its layers and then, at top level, trains and saves. ``--confirm``
needs the definitions (imports, classes, functions, constants) and must never run the rest: it
would train for hours, write files into the user's tree or call ``sys.exit()``. libcst keeps the
text of every kept statement exactly as written.

Kept: imports; ``class`` and ``def`` statements (with their decorators, which register classes);
assignments of inert values (literals, names, attribute paths, containers of those), so module
constants and aliases (``Dense = keras.layers.Dense``) exist; ``try``/``if`` blocks made only of
such statements whose tests call nothing (``try: import x / except ImportError: ...``). Dropped:
everything else, and all of ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import libcst as cst

_INERT_LEAVES = (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)


def definitions_only(text: str) -> str:
    """``text`` with only its definitions; raises ``libcst.ParserSyntaxError`` if unparsable."""
    module = cst.parse_module(text)
    bound = set(dir(builtins)) | _MODULE_GLOBALS
    defined: set[str] = set()  # names of the module's own functions and classes
    body = []
    for statement in module.body:
        # ``x = inputs`` after a dropped ``inputs = keras.Input(...)`` would fail on import;
        # an allowed call (``strtobool(...)``) must not be the module's own function.
        if not _kept(statement) or not _reads(statement) <= bound:
            continue
        if _call_heads(statement) & defined:
            continue
        body.append(_clean_class(statement) if isinstance(statement, cst.ClassDef) else statement)
        bound |= _binds(statement)
        if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
            defined.add(statement.name.value)
    return module.with_changes(body=body).code


# Calls a module's top level makes that run no user code and that later definitions need:
# configuration read from the environment, paths, typing helpers, package path set-up.
SAFE_CALLS = frozenset(
    {
        *("str", "int", "float", "bool", "tuple", "list", "dict", "set", "frozenset", "len"),
        *("os.environ.get", "os.getenv", "environ.get", "getenv", "strtobool"),
        *("os.path.join", "os.path.dirname", "os.path.abspath", "os.path.realpath"),
        *("os.path.basename", "os.path.expanduser", "Path", "pathlib.Path"),
        *("TypeVar", "typing.TypeVar", "NewType", "typing.NewType"),
        *("namedtuple", "collections.namedtuple", "logging.getLogger", "getLogger"),
        "pkgutil.extend_path",
        *("Version", "version.Version", "packaging.version.Version", "version.parse"),
        *("LooseVersion", "distutils.version.LooseVersion"),
    }
)
# Statements kept for their effect: a package extending its own path, a script its sys.path.
SAFE_EFFECTS = frozenset(
    f"{target}.{method}"
    for target in ("__path__", "sys.path")
    for method in ("append", "insert", "extend")
)


def _call_heads(statement: cst.BaseStatement) -> set[str]:
    """The first names of the calls a kept statement makes at import."""
    if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
        return set()
    heads: set[str] = set()

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            heads.add(_dotted_text(node.func).split(".")[0])

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    statement.visit(_Calls())
    return heads


def _dotted_text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted_text(node.value)
        return f"{head}.{node.attr.value}" if head else ""
    return ""


def _safe_call(node: cst.Call, allowed: frozenset[str]) -> bool:
    return (
        _dotted_text(node.func) in allowed
        and all(a.keyword is None or isinstance(a.keyword, cst.Name) for a in node.args)
        and all(_inert(a.value) for a in node.args)
    )


_MODULE_GLOBALS = {
    *("__name__", "__file__", "__doc__", "__package__", "__spec__", "__builtins__"),
    "__path__",
}


def _reads(statement: cst.BaseStatement) -> set[str]:
    """Names a kept statement reads as it runs at import (not inside its functions)."""
    if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
        return set()  # bases and decorators: a NameError there is the module's own problem
    if isinstance(statement, cst.SimpleStatementLine):
        values = [
            s.value
            for s in statement.body
            if isinstance(s, (cst.Assign, cst.AnnAssign)) and s.value
        ]
        return {n.value for v in values for n in _names_read(v)}
    if isinstance(statement, cst.If):
        return {n.value for n in _names_read(statement.test)}
    return set()


def _names_read(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Collect(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)  # ``a.b``: only ``a`` is a name read
            return False

        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

    node.visit(_Collect())
    return found


def _binds(statement: cst.BaseStatement) -> set[str]:
    """Names a kept statement binds at module level."""
    if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
        return {statement.name.value}
    bound: set[str] = set()
    for node in _statements_within(statement):
        for small in node.body if isinstance(node, cst.SimpleStatementLine) else ():
            star = isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not star:
                assert not isinstance(small.names, cst.ImportStar)
                for alias in small.names:
                    name = alias.asname.name if alias.asname else alias.name
                    bound.add(_dotted_text(name).split(".")[0])
            elif isinstance(small, cst.Assign):
                for target in small.targets:
                    bound |= {n.value for n in _names_read(target.target)}
            elif isinstance(small, cst.AnnAssign):
                bound |= {n.value for n in _names_read(small.target)}
        if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
            bound.add(node.name.value)
    return bound


def _statements_within(statement: cst.BaseStatement) -> list[cst.BaseStatement]:
    """``statement`` and the statements of its try/if blocks (recursively)."""
    found: list[cst.BaseStatement] = []
    pending: list[cst.BaseStatement] = [statement]
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, (cst.Try, cst.If)):
            blocks: list[cst.BaseSuite] = [node.body]
            if isinstance(node, cst.Try):
                blocks += [h.body for h in node.handlers]
            orelse = node.orelse
            if isinstance(orelse, cst.If):
                pending.append(orelse)
            elif orelse is not None:
                blocks.append(orelse.body)
            for block in blocks:
                if isinstance(block, cst.IndentedBlock):
                    pending += list(block.body)
                elif isinstance(block, cst.SimpleStatementSuite):
                    found.append(cst.SimpleStatementLine(body=block.body))
    return found


def _kept(statement: cst.BaseStatement) -> bool:
    if isinstance(statement, cst.FunctionDef):
        return _signature_inert(statement)
    if isinstance(statement, cst.ClassDef):
        return _class_header_inert(statement)
    if isinstance(statement, cst.SimpleStatementLine):
        return all(_kept_small(small) for small in statement.body)
    if isinstance(statement, cst.Try):
        if any(h.type is not None and not _inert(h.type) for h in statement.handlers):
            return False
        blocks = [statement.body, *(h.body for h in statement.handlers)]
        if statement.orelse is not None:
            blocks.append(statement.orelse.body)
        if statement.finalbody is not None:
            blocks.append(statement.finalbody.body)
        return all(_block_kept(block) for block in blocks)
    if isinstance(statement, cst.If):
        return _if_kept(statement)
    return False


def _signature_inert(function: cst.FunctionDef) -> bool:
    """Defaults and annotations run when the ``def`` does: they must call nothing. (Decorators
    may: that is how classes and functions register, and it is what defining them does.)"""
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    values = [p.default for p in every if p.default is not None]
    values += [p.annotation.annotation for p in every if p.annotation is not None]
    if function.returns is not None:
        values.append(function.returns.annotation)
    return all(_inert(v) for v in values) and _decorators_inert(function.decorators)


def _decorators_inert(decorators: Sequence[cst.Decorator]) -> bool:
    for decorator in decorators:
        expression = decorator.decorator
        if isinstance(expression, cst.Call):
            if not _inert(expression.func) or not all(_inert(a.value) for a in expression.args):
                return False
        elif not _inert(expression):
            return False
    return True


def _class_header_inert(cls: cst.ClassDef) -> bool:
    return (
        all(_inert(a.value) for a in cls.bases)
        and all(_inert(k.value) for k in cls.keywords)
        and _decorators_inert(cls.decorators)
    )


def _clean_class(cls: cst.ClassDef) -> cst.ClassDef:
    """A class statement whose body keeps only definitions: a class body runs at import."""
    body = cls.body
    if isinstance(body, cst.SimpleStatementSuite):
        kept_small = [s for s in body.body if _kept_small(s)]
        return cls.with_changes(body=body.with_changes(body=kept_small or [cst.Pass()]))
    assert isinstance(body, cst.IndentedBlock)
    kept: list[cst.BaseStatement] = []
    for statement in body.body:
        if isinstance(statement, cst.ClassDef) and _class_header_inert(statement):
            kept.append(_clean_class(statement))
        elif _member_kept(statement):
            kept.append(statement)
    if not kept:
        kept = [cst.SimpleStatementLine(body=[cst.Pass()])]
    return cls.with_changes(body=body.with_changes(body=kept))


def _member_kept(statement: cst.BaseStatement) -> bool:
    if isinstance(statement, cst.FunctionDef):
        return _signature_inert(statement)
    if isinstance(statement, cst.SimpleStatementLine):
        return all(_kept_small(small) for small in statement.body)
    return False


def _if_kept(statement: cst.If) -> bool:
    if _is_main_guard(statement.test) or not _inert(statement.test, allow_compare=True):
        return False
    if not _block_kept(statement.body):
        return False
    orelse = statement.orelse
    if isinstance(orelse, cst.If):
        return _if_kept(orelse)
    return orelse is None or _block_kept(orelse.body)


def _block_kept(block: cst.BaseSuite) -> bool:
    if isinstance(block, cst.SimpleStatementSuite):
        return all(_kept_small(small) for small in block.body)
    assert isinstance(block, cst.IndentedBlock)
    return all(_kept(statement) for statement in block.body)


def _kept_small(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, (cst.Import, cst.ImportFrom, cst.Pass)):
        return True
    if isinstance(small, cst.Expr):  # a docstring, or a path set-up (``__path__.append(...)``)
        if isinstance(small.value, cst.Call):
            # Only paths relative to the module itself: an absolute path could reach the
            # original tree, whose modules would then run whole.
            relative = {n.value for n in _names_read(small.value)} & {"__file__", "__name__"}
            return bool(relative) and _safe_call(small.value, SAFE_EFFECTS)
        return isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)) and _inert(
            small.value
        )
    if isinstance(small, cst.Assign):
        # ``K.symbolic = symbolic``: a module patching an imported one, which later code needs.
        targets_plain = all(
            isinstance(t.target, (cst.Name, cst.Tuple))
            or (isinstance(t.target, cst.Attribute) and _inert(t.target))
            for t in small.targets
        )
        return targets_plain and _inert(small.value)
    if isinstance(small, cst.AnnAssign):
        return (
            isinstance(small.target, cst.Name)
            and _inert(small.annotation.annotation)
            and (small.value is None or _inert(small.value))
        )
    return False


def _inert(node: cst.BaseExpression, *, allow_compare: bool = False) -> bool:
    """Evaluating ``node`` calls no user code (attribute access on modules aside; the calls
    of ``SAFE_CALLS`` are the standard library's)."""
    if isinstance(node, _INERT_LEAVES):
        return True
    if isinstance(node, cst.Attribute):  # ``a.b`` is inert, ``train().b`` is not
        return _inert(node.value)
    if isinstance(node, cst.ConcatenatedString):
        return _inert(node.left) and _inert(node.right)
    if isinstance(node, cst.FormattedString):
        return all(
            _inert(part.expression)
            for part in node.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(node, cst.Call):
        return _safe_call(node, SAFE_CALLS)
    if isinstance(node, cst.UnaryOperation):
        return _inert(node.expression, allow_compare=allow_compare)
    if isinstance(node, cst.BinaryOperation):
        return _inert(node.left) and _inert(node.right)
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return all(isinstance(e, cst.Element) and _inert(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _inert(e.key) and _inert(e.value)
            for e in node.elements
        )
    if isinstance(node, cst.Subscript):
        return _inert(node.value) and all(
            isinstance(s.slice, cst.Index) and _inert(s.slice.value) for s in node.slice
        )
    if allow_compare and isinstance(node, cst.Comparison):
        return _inert(node.left) and all(_inert(c.comparator) for c in node.comparisons)
    if allow_compare and isinstance(node, cst.BooleanOperation):
        return _inert(node.left, allow_compare=True) and _inert(node.right, allow_compare=True)
    return False


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison):
        return False
    sides = [test.left, *(c.comparator for c in test.comparisons)]
    return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides)
