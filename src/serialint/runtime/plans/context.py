"""What a plan may ask about a finding: the module, class and call it points at, and the sandbox.

Plans read the project's facts and the text serialint already holds (``ast`` for the exact
expression at a finding); they never run user code themselves and never touch the user's tree.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from serialint.facts.model import ClassFact, FunctionFact
from serialint.findings import Finding
from serialint.paths import resolved
from serialint.project import Module, Project
from serialint.runtime.sandbox import Sandbox

# Top-level packages every step has imported before any user code (see worker.main).
WORKER_PACKAGES = frozenset({"keras", "tensorflow", "numpy", "serialint", "h5py", "absl"})


class NoReplay(Exception):
    """This finding cannot be replayed; the message is the reason (an inconclusive verdict)."""


@dataclass
class PlanContext:
    project: Project
    sandbox: Sandbox
    texts: dict[Path, str]
    _trees: dict[Path, ast.Module] = field(default_factory=dict)
    _names: dict[Path, set[str]] = field(default_factory=dict)
    _calls: dict[str, list[tuple[Module, ast.Call, str]]] = field(default_factory=dict)

    def module(self, finding: Finding) -> Module:
        module = self.project.modules.of(finding.path)
        if module is None:
            raise NoReplay("the file is not a module of the project")
        return module

    def tree(self, module: Module) -> ast.Module:
        key = resolved(module.path)
        if key not in self._trees:
            self._trees[key] = ast.parse(self.texts[key])
        return self._trees[key]

    def calls_named(self, short: str) -> list[tuple[Module, ast.Call, str]]:
        """Every call in the project of a name or attribute ending in ``short``, with the
        dotted callee as written; found once per name (a class is asked for by several
        findings, and as a stand-in's content)."""
        if short not in self._calls:
            found = []
            for module in self.project.modules:
                text = self.texts.get(resolved(module.path))
                if text is None or short not in text:
                    continue
                try:
                    tree = self.tree(module)
                except SyntaxError:
                    continue
                for node in ast.walk(tree):
                    if not isinstance(node, ast.Call):
                        continue
                    reference = dotted(node.func)
                    if reference is not None and reference.rsplit(".", 1)[-1] == short:
                        found.append((module, node, reference))
            self._calls[short] = found
        return self._calls[short]

    def text(self, module: Module) -> str:
        return self.texts[resolved(module.path)]

    def class_at(self, finding: Finding) -> tuple[Module, ClassFact]:
        module = self.module(finding)
        row = finding.start.row
        at_name = [c for c in module.facts.classes if c.name_span.line == row]
        around = [c for c in module.facts.classes if c.span.line <= row <= (c.end_line or row)]
        found = at_name or sorted(around, key=lambda c: c.span.line)[-1:]
        if not found:
            raise NoReplay("no class statement at the finding")
        return module, found[0]

    def call_at(
        self, finding: Finding, accept: Callable[[ast.Call], bool] = lambda _: True
    ) -> tuple[Module, ast.Call]:
        """The innermost call ``accept`` takes whose text contains the finding's start."""
        module = self.module(finding)
        point = self.point(module, finding)
        best: ast.Call | None = None
        other: ast.Call | None = None
        for node in ast.walk(self.tree(module)):
            if not isinstance(node, ast.Call) or not contains(node, point):
                continue
            if not accept(node):
                other = node if other is None or contains(other, node) else other
            elif best is None or contains(best, node):
                best = node
        if best is None and other is not None:
            called = self.segment(module, other.func)
            raise NoReplay(f"this rule's replay does not handle a call of {called}(...) yet")
        if best is None:
            raise NoReplay("no call at the finding")
        return module, best

    def point(self, module: Module, finding: Finding) -> tuple[int, int]:
        """The finding's start as ``ast`` counts it: (row, UTF-8 byte offset in the line);
        findings count columns in characters."""
        lines = split_lines(self.text(module))
        row = finding.start.row
        line = lines[row - 1] if 0 < row <= len(lines) else ""
        return row, len(line[: finding.start.column - 1].encode("utf-8"))

    def segment(self, module: Module, node: ast.AST) -> str:
        text = ast.get_source_segment(self.text(module), node)
        if text is None:
            raise NoReplay("the expression's text could not be read")
        return text

    def module_names(self, module: Module) -> set[str]:
        """Names the definitions-only copy of ``module`` (the sandbox's, stripped once) binds
        at top level."""
        key = resolved(module.path)
        if key not in self._names:
            copy = self.sandbox.definitions(key)
            if copy is None:  # libcst refuses what ast accepts: no copy, no replay
                raise NoReplay("the module could not be copied: libcst cannot parse it")
            self._names[key] = set(_bound(ast.parse(copy)))
        return self._names[key]

    def require_module_names(
        self, module: Module, expression: ast.AST, stand_ins: frozenset[str] = frozenset()
    ) -> None:
        """``expression`` can be evaluated in the module's copy without running the program:
        every name it reads exists there, and it calls none of the project's functions (a call
        site's ``download_and_train()`` argument). Classes may be built: that is what a replay
        does. Calls inside a lambda's body run only when a layer computes. Else NoReplay."""
        known = self.module_names(module) | set(dir(builtins)) | stand_ins
        missing = sorted(free_names(expression) - known)
        if missing:
            raise NoReplay(
                "the expression uses names that exist only when the program runs: "
                + ", ".join(missing)
            )
        called = sorted(self._project_functions_called(module, expression))
        if called:
            raise NoReplay(
                "the expression calls the project's own function "
                + ", ".join(called)
                + ": a replay runs definitions, never the program's functions"
            )

    def _project_functions_called(self, module: Module, expression: ast.AST) -> set[str]:
        found = set()
        pending = [expression]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.Call) and self._is_project_function(module, node.func):
                found.add(dotted(node.func) or "?")
            pending += list(ast.iter_child_nodes(node))
        return found

    def _is_project_function(self, module: Module, func: ast.expr) -> bool:
        qualified = self.qualified(module, dotted(func))
        if qualified is None:
            return False
        return isinstance(self.project.modules.definition(qualified), FunctionFact)

    def qualified(self, module: Module, name: str | None) -> str | None:
        """What a (dotted) name written in ``module`` refers to, through its imports
        (``facts.names`` maps each top-level name to its file-level reference)."""
        if name is None:
            return None
        head, dot, rest = name.partition(".")
        reference = module.facts.names.get(head)
        if reference is None:
            return None
        return self.project.modules.qualify(module, reference + dot + rest)

    def sandbox_module(self, job: Path, module: Module) -> tuple[Path, str]:
        """Install ``module``'s copy (and what it imports) for ``job``: (src dir, import name).

        A project package named like one the worker has imported (the Keras repository's own
        ``keras``) is refused here, before copying it: the step would refuse it anyway
        (``child.import_copy``), after copying thousands of modules."""
        name = self.sandbox.importable_name(module)
        top = name.split(".")[0]
        if top in WORKER_PACKAGES:
            raise NoReplay(
                f"the project's module {top!r} has the name of a package serialint's Keras "
                "worker has already imported, so its copy cannot be loaded"
            )
        return self.sandbox.install(job, [module]), name


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as ``ast`` counts them (``str.splitlines`` also breaks at form feeds and U+2028),
    each with its line break."""
    lines, start = [], 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    lines.append(text[start:])
    return lines


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a name or an attribute chain; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head is not None else None
    return None


def contains(outer: ast.AST, inner: ast.AST | tuple[int, int]) -> bool:
    """``inner`` (a node, or an ``ast`` (row, byte column) point) lies within ``outer``."""
    start, end = _extent(outer)
    if isinstance(inner, tuple):
        return start <= inner < end
    inner_start, inner_end = _extent(inner)
    return start <= inner_start and inner_end <= end


def _extent(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    line = getattr(node, "lineno", 0)
    column = getattr(node, "col_offset", 0)
    return (line, column), (
        getattr(node, "end_lineno", None) or line,
        getattr(node, "end_col_offset", None) or column,
    )


def _bound(tree: ast.Module) -> Iterator[str]:
    """Names bound at module level (inside top-level ``try``/``if`` blocks too)."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from ((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Try):
            pending += [*node.body, *node.orelse, *node.finalbody]
            pending += [s for h in node.handlers for s in h.body]
        elif isinstance(node, ast.If):
            pending += [*node.body, *node.orelse]


def free_names(expression: ast.AST) -> set[str]:
    """Names ``expression`` reads that it does not bind itself (lambda and comprehension names)."""
    bound: set[str] = set()
    for node in ast.walk(expression):
        if isinstance(node, ast.Lambda):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            bound |= {a.arg for a in every}
        elif isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.NamedExpr):
            bound.add(node.target.id)
    read = {
        node.id
        for node in ast.walk(expression)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    return read - bound
