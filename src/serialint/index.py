"""Pass 1: a fast ``ast`` summary of every module, joined into a project-wide index.

A :class:`ModuleSummary` holds what one file declares and does that matters for serialization
(imports and aliases, classes with their resolved bases, registrations, load and save call sites).
The :class:`ProjectIndex` joins them: class hierarchies across modules, re-exports, which classes are
concrete, registered, or handed to ``custom_objects`` somewhere.  Rules consult it; it never
reaches back into the files.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from serialint import names
from serialint.names import KerasName
from serialint.paths import relative_parts, resolved

# ---------------------------------------------------------------------------------------------
# Summaries (plain data)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "positional" | "keyword_only" | "var_positional" | "var_keyword"
    has_default: bool


@dataclass
class ClassSummary:
    qualname: str  # module-qualified, nested names joined by dots
    name: str
    module: str
    path: Path
    line: int
    bases: tuple[str, ...]  # qualified names; unresolvable bases are kept as "?<source>"
    decorators: tuple[str, ...]  # qualified names of the decorator callees
    init_params: tuple[Param, ...] | None
    has_get_config: bool
    get_config_keys: tuple[str, ...]
    get_config_calls_super: bool
    has_from_config: bool


@dataclass
class FunctionSummary:
    qualname: str
    name: str
    returned_calls: tuple[str, ...]  # qualified targets of calls whose result is returned
    calls_registration: bool  # a wrapper around register_keras_serializable
    # Qualified names in the dict it returns (def get_custom_objects(): return {...}); None if
    # it returns anything else.
    returned_mapping: frozenset[str] | None = None
    # It hands its own ``custom_objects`` parameter to a Keras loader: calling it is a load.
    forwards_custom_objects: bool = False
    calls: frozenset[str] = frozenset()  # qualified targets it calls (registration helpers)


@dataclass(frozen=True)
class LoadSite:
    module: str
    line: int
    has_custom_objects: bool
    # Qualified names handed over through custom_objects or an enclosing custom_object_scope;
    # None when the mapping cannot be read statically (a parameter, **kwargs, ...).
    provided: frozenset[str] | None
    in_scope: bool
    compile_false: bool
    module_level: bool = False  # runs as the module executes, before later definitions exist
    provided_by: str | None = None  # the project function whose returned dict is passed
    target: str | None = None  # for calls of project wrappers: the wrapper called


@dataclass
class ModuleSummary:
    path: Path
    module: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)
    star_imports: tuple[str, ...] = ()
    local_defs: dict[str, str] = field(default_factory=dict)  # simple name -> qualname
    registration_aliases: frozenset[str] = frozenset()  # names bound to register_...(package=..)
    classes: list[ClassSummary] = field(default_factory=list)
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    called: frozenset[str] = frozenset()
    # call target -> enclosing classes of its call sites ("" for module level or a function)
    instantiated_in: dict[str, frozenset[str]] = field(default_factory=dict)
    registered: frozenset[str] = frozenset()  # registered by a call, not a decorator
    class_arguments: list[tuple[str, str]] = field(default_factory=list)  # module-level f(Name)
    load_sites: list[LoadSite] = field(default_factory=list)
    # Calls that pass custom_objects= to a project function: loads if that function forwards it.
    wrapper_calls: list[LoadSite] = field(default_factory=list)
    weight_saves: int = 0
    model_saves: int = 0
    # Where whole-model saves get their value: qualified call targets; None in the set marks a
    # save whose value cannot be traced (a parameter, self.model, ...).
    saved_from: frozenset[str | None] = frozenset()
    pickle_dumps: int = 0
    imports_keras: bool = False

    def qualify(self, dotted: str | None) -> str | None:
        """Resolve a dotted name as written in this module to a fully qualified name."""
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        base: str | None
        if head in self.imports:
            base = self.imports[head]
        elif head in self.local_defs:
            base = self.local_defs[head]
        else:
            base = self._from_star(head)
            if base is None:
                return None
        return f"{base}.{rest}" if rest else base

    def _from_star(self, head: str) -> str | None:
        for star in self.star_imports:
            candidate = f"{star}.{head}"
            if names.is_known_keras_name(candidate):
                return candidate
        return None


# ---------------------------------------------------------------------------------------------
# Building one summary


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def module_name_for(path: Path, root: Path) -> tuple[str, bool]:
    """Dotted module name from the package structure (``__init__.py`` files) around ``path``."""
    path = resolved(path)
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory != directory.parent:
        parts.append(directory.name)
        directory = directory.parent
    if not parts:  # an __init__.py whose directory is the root
        parts = [path.parent.name]
    return ".".join(reversed(parts)), is_package


@dataclass(frozen=True)
class ModuleNames:
    """Each file's module name, and per directory the renamed scripts its siblings import."""

    names: dict[Path, tuple[str, bool]]
    siblings: dict[Path, dict[str, str]]  # directory -> {name as imported: unique name}


def unique_module_names(paths: Iterable[Path], root: Path) -> ModuleNames:
    """Module names as Python would see them, made unique across the project.

    Two scripts in different directories can both be ``encoder``; each then gets its path from
    the root (``examples.encoder``, ``nmt.models.encoder``) so neither hides the other.  A script
    that imports ``encoder`` means its own directory's (the script directory is on sys.path), so
    its siblings' imports are rewritten to the unique name.
    """
    found = {path: module_name_for(path, root) for path in paths}
    counts: dict[str, int] = defaultdict(int)
    for name, _ in found.values():
        counts[name] += 1
    siblings: dict[Path, dict[str, str]] = defaultdict(dict)
    for path, (name, is_package) in found.items():
        if counts[name] > 1:
            suffixes = _suffixes(path, root)
            unique = suffixes[0] if suffixes else str(resolved(path))
            found[path] = (unique, is_package)
            if "." not in name:  # a plain script, imported by its stem
                siblings[path.parent][name] = unique
    return ModuleNames(found, dict(siblings))


def summarize(
    path: Path,
    tree: ast.Module,
    module: str,
    is_package: bool,
    resolved_imports: dict[str, str] | None = None,
    siblings: dict[str, str] | None = None,
) -> ModuleSummary:
    """Summarise one module; ``resolved_imports`` replaces imports the project re-exports and
    ``siblings`` renames imports of same-directory scripts (see unique_module_names)."""
    summary = ModuleSummary(path=path, module=module, is_package=is_package)
    _collect_bindings(tree, summary, resolved_imports or {}, siblings or {})
    _Summarizer(summary).visit(tree)
    return summary


def _resolve_relative(summary: ModuleSummary, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = summary.module.split(".")
    if not summary.is_package:
        package = package[:-1]
    if node.level > 1:
        if node.level - 1 > len(package):
            return "?beyond-top-level"  # Python raises ImportError; resolve to nothing
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _collect_bindings(
    tree: ast.Module, summary: ModuleSummary, resolved: dict[str, str], siblings: dict[str, str]
) -> None:
    """Imports, definitions and module-level aliases, before anything is resolved."""
    stars: list[str] = []
    reg_aliases: set[str] = set()
    for item, scope in _statements(tree.body, summary.module):
        if isinstance(item, ast.Import):
            for alias in item.names:
                if alias.asname:
                    summary.imports[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    summary.imports[head] = head
        elif isinstance(item, ast.ImportFrom):
            base = _resolve_relative(summary, item)
            for alias in item.names:
                if alias.name == "*":
                    stars.append(base)
                else:
                    target = f"{base}.{alias.name}" if base else alias.name
                    summary.imports[alias.asname or alias.name] = target
        elif isinstance(item, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            summary.local_defs.setdefault(item.name, f"{scope}.{item.name}")
    if siblings:
        for local, imported in summary.imports.items():
            head, dot, rest = imported.partition(".")
            if head in siblings:
                summary.imports[local] = siblings[head] + dot + rest
        stars = [siblings.get(s, s) for s in stars]
    summary.star_imports = tuple(stars)
    summary.imports.update(resolved)
    # Module-level aliases: ``Layer = tf.keras.layers.Layer``, ``register = keras.saving.
    # register_keras_serializable(package="x")``.  Resolved after the imports they build on.
    for statement, scope in _statements(tree.body, summary.module):
        if scope != summary.module:
            continue  # only module-level aliases (also inside try/except and if blocks)
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            continue
        bound = statement.targets[0]
        if not isinstance(bound, ast.Name):
            continue
        value = statement.value
        if isinstance(value, ast.Call) and names.is_registration(
            summary.qualify(dotted_name(value.func))
        ):
            reg_aliases.add(bound.id)
            continue
        qualified = summary.qualify(dotted_name(value))
        if qualified is not None and bound.id not in summary.local_defs:
            summary.imports[bound.id] = qualified
    summary.registration_aliases = frozenset(reg_aliases)
    summary.imports_keras = any(
        names.keras_name(q) is not None or q == "tensorflow" or q.startswith("tensorflow.")
        for q in summary.imports.values()
    ) or any(names.keras_name(s) is not None for s in stars)


def _statements(body: list[ast.stmt], scope: str) -> Iterator[tuple[ast.stmt, str]]:
    """Every statement with its dotted scope; imports and definitions are never expressions."""
    for statement in body:
        yield statement, scope
        if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _statements(statement.body, f"{scope}.{statement.name}")
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, name, []), scope)
        for handler in getattr(statement, "handlers", []):
            yield from _statements(handler.body, scope)
        for case in getattr(statement, "cases", []):
            yield from _statements(case.body, scope)


@dataclass
class _Mapping:
    """What a local dict variable is known to hold (for custom_objects and registrations)."""

    values: set[str] = field(default_factory=set)  # qualified names of its values
    opaque: bool = False  # filled from something unreadable: may hold anything
    is_registry: bool = False  # bound to get_custom_objects(): writing to it registers


@dataclass
class _FunctionFrame:
    """What the single visit gathers about the function being visited."""

    assigned: dict[str, list[ast.expr]] = field(default_factory=lambda: defaultdict(list))
    returns: list[ast.expr] = field(default_factory=list)
    calls_registration: bool = False
    params: frozenset[str] = frozenset()
    forwards_custom_objects: bool = False
    calls: set[str] = field(default_factory=set)


class _Summarizer(ast.NodeVisitor):
    def __init__(self, summary: ModuleSummary) -> None:
        self.s = summary
        self.scope: list[str] = [summary.module]
        self.scope_objects: list[frozenset[str] | None] = []  # custom_object_scope stack
        self.called: set[str] = set()
        self.registered: set[str] = set()
        # Per function: local name -> dict literal, to read custom_objects=<name>.
        self.dicts: list[dict[str, _Mapping]] = [{}]
        self.classes: list[str] = []  # enclosing classes, innermost last
        self.contexts: dict[str, set[str]] = defaultdict(set)
        self.frames: list[_FunctionFrame] = []
        self.module_assigned: dict[str, list[ast.expr]] = defaultdict(list)
        self.saved_from: set[str | None] = set()

    # -- scopes -------------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        qualname = f"{self.scope[-1]}.{node.name}"
        bases = tuple(self._qualify_or_raw(b) for b in node.bases)
        decorators = tuple(
            q for d in node.decorator_list if (q := self._decorator_target(d)) is not None
        )
        body = {
            item.name: item
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        init = body.get("__init__")
        get_config = body.get("get_config")
        keys, calls_super = _get_config_facts(get_config) if get_config else ((), False)
        previous = next((c for c in self.s.classes if c.qualname == qualname), None)
        if previous is not None:
            # try: class A(...) / except: class A(...): one class at run time, the alternatives'
            # decorators and bases together.
            previous.decorators += decorators
            previous.bases += tuple(b for b in bases if b not in previous.bases)
        else:
            self.s.classes.append(
                ClassSummary(
                    qualname=qualname,
                    name=node.name,
                    module=self.s.module,
                    path=self.s.path,
                    line=node.lineno,
                    bases=bases,
                    decorators=decorators,
                    init_params=_params(init) if init else None,
                    has_get_config=get_config is not None,
                    get_config_keys=keys,
                    get_config_calls_super=calls_super,
                    has_from_config="from_config" in body,
                )
            )
        self.scope.append(qualname)
        self.classes.append(qualname)
        self.generic_visit(node)
        self.classes.pop()
        self.scope.pop()

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        qualname = f"{self.scope[-1]}.{node.name}"
        key = node.name if len(self.scope) == 1 else qualname
        self.scope.append(qualname)
        self.dicts.append({})
        arguments = node.args
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        if arguments.kwarg is not None:
            params.append(arguments.kwarg)
        self.frames.append(_FunctionFrame(params=frozenset(a.arg for a in params)))
        self.generic_visit(node)
        frame = self.frames.pop()
        returned_mapping = self._returned_mapping(frame)
        self.dicts.pop()
        self.scope.pop()
        self.s.functions.setdefault(
            key,
            FunctionSummary(
                qualname=qualname,
                name=node.name,
                returned_calls=tuple(self._returned_calls(frame)),
                calls_registration=frame.calls_registration,
                returned_mapping=returned_mapping,
                forwards_custom_objects=frame.forwards_custom_objects,
                calls=frozenset(frame.calls),
            ),
        )

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        pushed = 0
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and names.is_custom_object_scope(
                self.s.qualify(dotted_name(expr.func))
            ):
                self.scope_objects.append(self._mapping_values(expr.args))
                pushed += 1
        self.generic_visit(node)
        del self.scope_objects[len(self.scope_objects) - pushed :]

    visit_AsyncWith = visit_With

    # -- statements ---------------------------------------------------------------------------
    def visit_Return(self, node: ast.Return) -> None:
        if self.frames and node.value is not None:
            self.frames[-1].returns.append(node.value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                assigned = self.frames[-1].assigned if self.frames else self.module_assigned
                assigned[target.id].append(node.value)
            if isinstance(target, ast.Name):
                self._bind_mapping(target.id, node.value)
            elif isinstance(target, ast.Subscript):
                # get_custom_objects()["Name"] = Cls, or objects["Name"] = Cls
                mapping = self._mapping_of(target.value)
                if mapping is not None:
                    self._add_to(mapping, [node.value])
        self.generic_visit(node)

    def _bind_mapping(self, name: str, value: ast.expr) -> None:
        frame = self.dicts[-1]
        if isinstance(value, ast.Dict) or (
            isinstance(value, ast.Call) and dotted_name(value.func) == "dict" and not value.args
        ):
            mapping = _Mapping()
            self._add_to(mapping, [value])
            frame[name] = mapping
        elif isinstance(value, ast.Call) and names.is_get_custom_objects(
            self.s.qualify(dotted_name(value.func))
        ):
            frame[name] = _Mapping(is_registry=True)
        else:
            frame.pop(name, None)  # rebound to something else

    def _mapping_of(self, node: ast.expr) -> _Mapping | None:
        """The tracked mapping an expression denotes: a local dict or get_custom_objects()."""
        if isinstance(node, ast.Name):
            return next((d[node.id] for d in reversed(self.dicts) if node.id in d), None)
        if isinstance(node, ast.Call) and names.is_get_custom_objects(
            self.s.qualify(dotted_name(node.func))
        ):
            return _Mapping(is_registry=True)
        return None

    def _add_to(self, mapping: _Mapping, sources: Iterable[ast.expr]) -> None:
        """Record what ``sources`` put into ``mapping`` (dict literals, other mappings, calls)."""
        added: set[str] = set()
        for source in sources:
            tracked = self._mapping_of(source) if isinstance(source, ast.Name) else None
            if tracked is not None:
                added |= tracked.values
                mapping.opaque |= tracked.opaque
            elif isinstance(source, ast.Dict):
                if any(key is None for key in source.keys):
                    mapping.opaque = True  # {**other}
                for value in source.values:
                    qualified = self.s.qualify(dotted_name(value))
                    if qualified is not None:
                        added.add(qualified)
            elif isinstance(source, ast.Call) and dotted_name(source.func) == "dict":
                self._add_to(mapping, [*source.args, *(k.value for k in source.keywords)])
            elif (qualified := self.s.qualify(dotted_name(source))) is not None:
                added.add(qualified)
            else:
                # A call such as Layer.get_custom_objects(): cannot be read, but the classes it
                # mentions are what it most likely holds.
                mapping.opaque = True
                added |= {
                    q
                    for n in ast.walk(source)
                    if isinstance(n, (ast.Name, ast.Attribute))
                    and (q := self.s.qualify(dotted_name(n))) is not None
                }
        mapping.values |= added
        if mapping.is_registry:
            self.registered |= added

    def visit_Call(self, node: ast.Call) -> None:
        target = self.s.qualify(dotted_name(node.func))
        if target is not None:
            self.called.add(target)
            self.contexts[target].add(self.classes[-1] if self.classes else "")
            if self.frames:
                self.frames[-1].calls.add(target)
                if names.is_registration(target):
                    self.frames[-1].calls_registration = True
            elif node.args and not self.classes:
                # helper(Cls, ...) at module level: a registration if the helper registers.
                first = self.s.qualify(dotted_name(node.args[0]))
                if first is not None:
                    self.s.class_arguments.append((target, first))
        self._note_registration(node, target)
        loader = names.model_loader(target)
        if loader is not None:
            self._note_load(node, loader[1])
        elif target is not None and any(k.arg == "custom_objects" for k in node.keywords):
            self._note_load(node, custom_position=-1, wrapper=target)
        self._note_save(node, target)
        if names.is_pickle_dump(target):
            self.s.pickle_dumps += 1
        self.generic_visit(node)

    # -- helpers ------------------------------------------------------------------------------
    def _qualify_or_raw(self, node: ast.expr) -> str:
        if isinstance(node, ast.Subscript):  # class A(Base[T]) derives from Base
            node = node.value
        dotted = dotted_name(node)
        qualified = self.s.qualify(dotted)
        if qualified is not None:
            return qualified
        return "?" + (dotted or ast.unparse(node))

    def _decorator_target(self, node: ast.expr) -> str | None:
        func = node.func if isinstance(node, ast.Call) else node
        dotted = dotted_name(func)
        if dotted in self.s.registration_aliases:
            return "keras.saving.register_keras_serializable"
        return self.s.qualify(dotted)

    def _register(self, value: ast.expr) -> None:
        qualified = self.s.qualify(dotted_name(value))
        if qualified is not None:
            self.registered.add(qualified)

    def _note_registration(self, node: ast.Call, target: str | None) -> None:
        func = node.func
        # register_keras_serializable(package="x")(Cls)
        if isinstance(func, ast.Call) and node.args:
            inner = self.s.qualify(dotted_name(func.func))
            if (
                names.is_registration(inner)
                or dotted_name(func.func) in self.s.registration_aliases
            ):
                self._register(node.args[0])
        if dotted_name(func) in self.s.registration_aliases and node.args:
            self._register(node.args[0])
        # get_custom_objects().update({...}), objects.update(...), custom.update(...)
        if isinstance(func, ast.Attribute) and func.attr == "update":
            mapping = self._mapping_of(func.value)
            if mapping is not None:
                self._add_to(mapping, [*node.args, *(k.value for k in node.keywords)])

    def _mapping_values(self, args: Iterable[ast.expr]) -> frozenset[str] | None:
        """Qualified names of the values of dict literals (or names bound to them); None if opaque."""
        found: set[str] = set()
        for arg in args:
            if isinstance(arg, ast.Dict):
                mapping = _Mapping()
                self._add_to(mapping, [arg])
            else:
                tracked = self._mapping_of(arg) if isinstance(arg, ast.Name) else None
                if tracked is None:
                    return None  # a parameter or a call: cannot tell what it holds
                mapping = tracked
            if mapping.opaque:
                return None
            found |= mapping.values
        return frozenset(found)

    def _note_load(self, node: ast.Call, custom_position: int, wrapper: str | None = None) -> None:
        """A Keras loader call, or (``wrapper``) a project function given custom_objects=."""
        keywords = {k.arg: k.value for k in node.keywords}
        has_kwargs = None in keywords  # **kwargs may carry custom_objects
        custom = keywords.get("custom_objects")
        if custom is None and 0 <= custom_position < len(node.args):
            custom = node.args[custom_position]  # load_model(path, custom_objects, compile)
        if isinstance(custom, ast.Constant) and custom.value is None:
            custom = None  # custom_objects=None passes nothing
        provided: frozenset[str] | None = frozenset()
        provided_by = None
        if custom is not None:
            provided = self._mapping_values([custom])
            if isinstance(custom, ast.Call):  # custom_objects=get_custom_objects() of the project
                provided_by = self.s.qualify(dotted_name(custom.func))
        if has_kwargs:
            provided = None
        forwarded: str | None = custom.id if isinstance(custom, ast.Name) else None
        if forwarded is None:
            forwarded = next((dotted_name(k.value) for k in node.keywords if k.arg is None), None)
        if self.frames and forwarded in self.frames[-1].params:
            self.frames[-1].forwards_custom_objects = True
        for scoped in self.scope_objects:
            provided = None if scoped is None or provided is None else provided | scoped
        compile_arg = keywords.get("compile")
        sites = self.s.wrapper_calls if wrapper is not None else self.s.load_sites
        sites.append(
            LoadSite(
                module=self.s.module,
                line=node.lineno,
                has_custom_objects=custom is not None or has_kwargs,
                provided=provided,
                module_level=not self.frames and not self.classes,
                provided_by=provided_by,
                in_scope=bool(self.scope_objects),
                compile_false=isinstance(compile_arg, ast.Constant) and compile_arg.value is False,
                target=wrapper,
            )
        )

    def _note_save(self, node: ast.Call, target: str | None) -> None:
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr in ("save_weights", "export")) or (
            target in _STATE_ONLY_SAVES
        ):
            # Weights, TF checkpoints and SavedModel exports do not store classes by name.
            self.s.weight_saves += 1
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in ("save", "to_json")
            and self.s.qualify(dotted_name(func.value)) is None  # not tf.saved_model, np, torch
        ):
            receiver = (dotted_name(func.value) or "").lower()
            first = node.args[0] if node.args else None
            path_like = (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value.endswith((".keras", ".h5", ".hdf5", ".tf"))
            )
            if "model" in receiver or (path_like and func.attr == "save"):
                self.s.model_saves += 1
                self._note_saved_value(func.value)
        elif names.is_keras(target, "saving.save_model"):
            self.s.model_saves += 1
            self._note_saved_value(node.args[0] if node.args else None)
        elif names.is_keras(target, "callbacks.ModelCheckpoint"):
            weights_only = next(
                (k.value for k in node.keywords if k.arg == "save_weights_only"), None
            )
            if isinstance(weights_only, ast.Constant) and weights_only.value is True:
                self.s.weight_saves += 1
            else:
                self.s.model_saves += 1
                self.saved_from.add(None)  # saves whatever model is being fitted

    def _note_saved_value(self, value: ast.expr | None) -> None:
        """Record where a saved model comes from: ``model = build(); model.save(...)``."""
        origins: list[ast.expr] = []
        if isinstance(value, ast.Name):
            assigned = self.frames[-1].assigned if self.frames else self.module_assigned
            origins = assigned.get(value.id, []) or self.module_assigned.get(value.id, [])
        elif value is not None:
            origins = [value]
        traced = [self.s.qualify(dotted_name(o.func)) for o in origins if isinstance(o, ast.Call)]
        if not origins or len(traced) != len(origins) or None in traced:
            self.saved_from.add(None)
        else:
            self.saved_from.update(traced)

    def _returned_mapping(self, frame: _FunctionFrame) -> frozenset[str] | None:
        """What a function returns if it is always a readable dict (a custom-objects factory)."""
        if not frame.returns:
            return None
        found: set[str] = set()
        for value in frame.returns:
            values = self._mapping_values([value])
            if values is None:
                return None
            found |= values
        return frozenset(found)

    def _returned_calls(self, frame: _FunctionFrame) -> Iterator[str]:
        for value in frame.returns:
            candidates = (
                frame.assigned.get(value.id, []) if isinstance(value, ast.Name) else [value]
            )
            for candidate in candidates:
                if isinstance(candidate, ast.Call):
                    qualified = self.s.qualify(dotted_name(candidate.func))
                    if qualified is not None:
                        yield qualified

    def finish(self) -> None:
        self.s.saved_from = frozenset(self.saved_from)
        self.s.instantiated_in = {t: frozenset(c) for t, c in self.contexts.items()}
        self.s.called = frozenset(self.called)
        self.s.registered = frozenset(self.registered)

    def visit_Module(self, node: ast.Module) -> None:
        self.generic_visit(node)
        self.finish()


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[Param, ...]:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    defaults_from = len(positional) - len(args.defaults)
    result = [
        Param(a.arg, "positional", i >= defaults_from)
        for i, a in enumerate(positional)
        if i > 0 or a.arg not in ("self", "cls")
    ]
    if args.vararg:
        result.append(Param(args.vararg.arg, "var_positional", False))
    result.extend(
        Param(a.arg, "keyword_only", d is not None)
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    )
    if args.kwarg:
        result.append(Param(args.kwarg.arg, "var_keyword", False))
    return tuple(result)


def _get_config_facts(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[tuple[str, ...], bool]:
    """String keys a get_config puts in its result, and whether it starts from super()'s."""
    keys: list[str] = []
    calls_super = False
    for node in ast.walk(func):
        if isinstance(node, ast.Dict):
            keys.extend(
                k.value
                for k in node.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            )
        elif isinstance(node, ast.Call):
            func_node = node.func
            if isinstance(func_node, ast.Attribute) and func_node.attr == "update":
                keys.extend(k.arg for k in node.keywords if k.arg)
            if (
                isinstance(func_node, ast.Attribute)
                and func_node.attr == "get_config"
                and isinstance(func_node.value, ast.Call)
                and dotted_name(func_node.value.func) == "super"
            ):
                calls_super = True
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            keys.append(node.slice.value)
    return tuple(dict.fromkeys(keys)), calls_super


# ---------------------------------------------------------------------------------------------
# The project


@dataclass(frozen=True)
class KerasKind:
    kind: str  # "layer", "model", "loss", ...
    base: KerasName  # the Keras class the hierarchy reaches


@dataclass(frozen=True)
class Registration:
    """Why a class needs registering: what it is, and a load that cannot find it (if any)."""

    kind: KerasKind
    missing_at: LoadSite | None


class ProjectIndex:
    """Everything known about the project's modules, joined."""

    def __init__(
        self, summaries: Iterable[ModuleSummary], root: Path, keras_version: int = 3
    ) -> None:
        self.root = root
        self.keras_version = keras_version
        self.modules: dict[str, ModuleSummary] = {}
        self._by_suffix: dict[str, list[ModuleSummary]] = defaultdict(list)
        self.by_path: dict[Path, ModuleSummary] = {}
        for summary in summaries:
            self.modules.setdefault(summary.module, summary)
            self.by_path[summary.path] = summary
            for key in _suffixes(summary.path, root):
                self._by_suffix[key].append(summary)
        self.classes: dict[str, ClassSummary] = {
            c.qualname: c for s in self.modules.values() for c in s.classes
        }
        self._kinds: dict[str, KerasKind | None] = {}
        self._subclassed: set[str] = set()
        for cls in self.classes.values():
            for base in cls.bases:
                self._subclassed |= self.resolutions(base) & self.classes.keys()
        self._instantiated = {self.canonical(q) for s in self.modules.values() for q in s.called}
        self._contexts: dict[str, set[str]] = defaultdict(set)
        for s in self.modules.values():
            for target, contexts in s.instantiated_in.items():
                self._contexts[self.canonical(target)] |= contexts
        self._registered = {self.canonical(q) for s in self.modules.values() for q in s.registered}
        self._registers: dict[str, bool] = {}
        self._registered |= {
            self.canonical(argument)
            for s in self.modules.values()
            for helper, argument in s.class_arguments
            if self.registers(helper)
        }
        self.load_sites = [site for s in self.modules.values() for site in s.load_sites] + [
            site
            for s in self.modules.values()
            for site in s.wrapper_calls
            if site.target is not None
            and (wrapper := self.lookup_function(site.target)) is not None
            and wrapper.forwards_custom_objects
        ]
        self._relevance: dict[str, set[str]] = {}
        self._closures: dict[str, set[str]] = {}
        self._provided_at_loads = [self._provided(site) for site in self.load_sites]

    # -- name resolution ----------------------------------------------------------------------
    def reexported_keras_imports(self, summary: ModuleSummary) -> dict[str, str]:
        """Imports that reach Keras through a project module (``from mypkg import keras``)."""
        resolved = {}
        for local, qualified in summary.imports.items():
            if names.keras_name(qualified) is None:
                target = self.canonical(qualified)
                if target != qualified and names.keras_name(target) is not None:
                    resolved[local] = target
        return resolved

    def find_module(self, name: str, near: Path | None = None) -> ModuleSummary | None:
        """The project module ``name`` refers to; ``near`` (the importer) breaks ties the way
        Python does for scripts: a sibling in the importer's own directory wins."""
        if name in self.modules:
            return self.modules[name]
        candidates = self._by_suffix.get(name, [])
        if len(candidates) == 1:
            return candidates[0]
        if near is not None:
            siblings = [c for c in candidates if c.path.parent == near.parent]
            if len(siblings) == 1:
                return siblings[0]
        return None

    def canonical(self, qualified: str, _depth: int = 0) -> str:
        """Follow re-exports (``from .layers import X`` in a package) to where X is defined."""
        if qualified in self.classes or _depth > 10 or qualified.startswith("?"):
            return qualified
        module_name, _, attr = qualified.rpartition(".")
        while module_name:
            module = self.find_module(module_name)
            if module is not None:
                head, _, rest = attr.partition(".")
                if head in module.imports:
                    target = module.imports[head] + (f".{rest}" if rest else "")
                    return self.canonical(target, _depth + 1)
                if head in module.local_defs:
                    target = module.local_defs[head] + (f".{rest}" if rest else "")
                    return target if target in self.classes else qualified
                for star in module.star_imports:  # from .backend.jax import *
                    target = self.canonical(f"{star}.{attr}", _depth + 1)
                    if target in self.classes:
                        return target
                return qualified
            module_name, _, prefix = module_name.rpartition(".")
            attr = f"{prefix}.{attr}"
        return qualified

    def resolutions(self, qualified: str) -> set[str]:
        """Every definition a name can mean: one, or one per branch of a star-import dispatch
        (``if backend == "jax": from .jax import *`` ... for each backend)."""
        found = {self.canonical(qualified)}
        module_name, _, attr = qualified.rpartition(".")
        while module_name:
            module = self.find_module(module_name)
            if module is not None:
                for star in module.star_imports:
                    found.add(self.canonical(f"{star}.{attr}"))
                break
            module_name, _, prefix = module_name.rpartition(".")
            attr = f"{prefix}.{attr}"
        return found

    def lookup_class(self, qualified: str) -> ClassSummary | None:
        return self.classes.get(self.canonical(qualified))

    def lookup_function(self, qualified: str) -> FunctionSummary | None:
        resolved = self.canonical(qualified)
        module_name, _, name = resolved.rpartition(".")
        module = self.find_module(module_name)
        return module.functions.get(name) if module is not None else None

    # -- classes ------------------------------------------------------------------------------
    def keras_kind(self, qualname: str) -> KerasKind | None:
        """The serializable Keras kind a project class has through its bases, if any."""
        if qualname in self._kinds:
            return self._kinds[qualname]
        self._kinds[qualname] = None  # guards against inheritance cycles
        result: KerasKind | None = None
        cls = self.classes.get(qualname)
        if cls is not None:
            for base in cls.bases:
                result = self._base_kind(base)
                if result is not None:
                    break
        self._kinds[qualname] = result
        return result

    def _base_kind(self, base: str) -> KerasKind | None:
        keras = names.keras_name(base) or names.keras_name(self.canonical(base))
        if keras is not None:
            kind = names.serializable_kind(keras)
            return KerasKind(kind, keras) if kind else None
        resolved = self.canonical(base)
        return self.keras_kind(resolved) if resolved in self.classes else None

    def is_registered(self, cls: ClassSummary) -> bool:
        if cls.qualname in self._registered:
            return True
        return any(
            names.is_registration(decorator)
            or names.is_registration(self.canonical(decorator))
            or self.registers(decorator)
            for decorator in cls.decorators
        )

    def registers(self, qualified: str, _depth: int = 0) -> bool:
        """Does calling ``qualified`` register what it is given?

        Follows project helpers a few calls deep, and decorator classes through ``__call__``
        (keras-cv's ``api_export`` pattern, copied by many libraries).
        """
        if qualified in self._registers:
            return self._registers[qualified]
        self._registers[qualified] = False  # guards recursion
        function = self.lookup_function(qualified)
        if function is None:
            cls = self.lookup_class(qualified)
            module = self.find_module(cls.module) if cls is not None else None
            if cls is not None and module is not None:
                function = module.functions.get(f"{cls.qualname}.__call__")
        result = function is not None and (
            function.calls_registration
            or (
                _depth < 4
                and any(
                    names.is_registration(call) or self.registers(call, _depth + 1)
                    for call in function.calls
                )
            )
        )
        self._registers[qualified] = result
        return result

    def is_concrete(self, cls: ClassSummary) -> bool:
        return cls.qualname in self._instantiated or cls.qualname not in self._subclassed

    def is_internal(self, cls: ClassSummary) -> bool:
        """Created only inside other Keras classes: a sublayer, rebuilt by its parent's config.

        Keras stores such an object inside the parent's state, never by its own class name, so
        it needs no registration (keras-tcn's ResidualBlock inside TCN).
        """
        contexts = self._contexts.get(cls.qualname, set())
        return bool(contexts) and all(
            c
            and c != cls.qualname
            and self.keras_kind(c) is not None
            and not self._returns_functional_model(c)
            for c in contexts
        )

    def _returns_functional_model(self, class_qualname: str) -> bool:
        """A method builds ``keras.Model(inputs, outputs)``: its sublayers escape into a graph
        that is saved by class name (LPR_v2's ``TinyLPR.build()``)."""
        cls = self.classes.get(class_qualname)
        module = self.find_module(cls.module) if cls is not None else None
        if module is None:
            return False
        prefix = class_qualname + "."
        return any(
            names.keras_constructor_kind(target) == "model"
            for key, function in module.functions.items()
            if key.startswith(prefix)
            for target in function.returned_calls
        )

    def never_saved(self, cls: ClassSummary) -> bool:
        """A Model subclass that no whole-model save of its programs can produce.

        A training wrapper (a VAE or GAN with ``train_step``) is fitted, and then its
        functional encoder or decoder is what gets saved.  Any save whose value cannot be traced
        counts as possibly this class.
        """
        saved_somewhere = False
        for summary in self.modules.values():
            if not summary.model_saves or cls.module not in self.import_closure(summary):
                continue
            saved_somewhere = True
            for origin in summary.saved_from:
                if origin is None or self._produces(origin, cls.qualname):
                    return False
        # No program of it saves anything: it may still be saved elsewhere (a library's users).
        return saved_somewhere

    def _produces(self, qualified: str, class_qualname: str, _depth: int = 0) -> bool:
        """Can calling ``qualified`` return an instance of the class (or a subclass of it)?"""
        if _depth > 6:
            return True  # too deep to tell: assume it can
        made = self.lookup_class(qualified)
        if made is not None:
            return made.qualname == class_qualname or self._derives_from(made, class_qualname)
        function = self.lookup_function(qualified)
        if function is None:
            return False  # Keras constructors and library calls build other classes
        return any(self._produces(t, class_qualname, _depth + 1) for t in function.returned_calls)

    def _derives_from(self, cls: ClassSummary, ancestor: str, _depth: int = 0) -> bool:
        if _depth > 20:
            return False
        for base in cls.bases:
            resolved = self.classes.get(self.canonical(base))
            if resolved is not None and (
                resolved.qualname == ancestor or self._derives_from(resolved, ancestor, _depth + 1)
            ):
                return True
        return False

    def found_by_module_import(self, cls: ClassSummary, kind: KerasKind) -> bool:
        """Keras 3 imports the recorded module itself, but only for its own packages."""
        judged = 2 if kind.base.flavor in ("keras2", "tf-legacy") else self.keras_version
        return judged == 3 and cls.module.split(".")[0] in names.KERAS_SELF_IMPORTING_PACKAGES

    @cached_property
    def unregistered(self) -> list[tuple[ClassSummary, KerasKind]]:
        """Concrete, serializable project classes Keras cannot find by itself, in a stable order."""
        found = []
        for cls in self.classes.values():
            kind = self.keras_kind(cls.qualname)
            if (
                kind is not None
                and self.is_concrete(cls)
                and not self.is_registered(cls)
                and not self.found_by_module_import(cls, kind)
                and not self.is_internal(cls)
                and not (kind.kind == "model" and self.never_saved(cls))
            ):
                found.append((cls, kind))
        return sorted(found, key=lambda item: (str(item[0].path), item[0].line))

    @cached_property
    def needing_registration(self) -> dict[str, Registration]:
        """Unregistered classes that some relevant load does not hand over (SER101)."""
        found = {}
        loads = [
            (provided, site, self._relevant_to_load(site, provided))
            for provided, site in zip(self._provided_at_loads, self.load_sites, strict=True)
        ]
        for cls, kind in self.unregistered:
            relevant = [
                (provided, site) for provided, site, meets in loads if cls.qualname in meets
            ]
            missing = [
                site
                for provided, site in relevant
                if provided is not None and cls.qualname not in provided
            ]
            if relevant and not missing:
                continue  # every load that can meet it passes it in custom_objects
            if not relevant and not self.persisted_by_class_name(cls):
                continue  # no load meets it and no program saves it by class name
            # Name the load most clearly connected to the class: one whose program imports it.
            missing.sort(key=lambda site: cls.module not in self._closure_of(site.module))
            found[cls.qualname] = Registration(kind, missing[0] if missing else None)
        return found

    def _relevant_to_load(self, site: LoadSite, provided: set[str] | None) -> set[str]:
        relevant = self._relevant_classes(site, provided)
        if site.compile_false:  # losses, metrics, optimizers live only in the compile config
            relevant = {q for q in relevant if self._kind_name(q) not in names.COMPILE_ONLY_KINDS}
        return relevant

    def _kind_name(self, qualname: str) -> str | None:
        kind = self.keras_kind(qualname)
        return kind.kind if kind is not None else None

    def _relevant_classes(self, site: LoadSite, provided: set[str] | None) -> set[str]:
        """The unregistered classes a model loaded at ``site`` can plausibly contain.

        A readable, non-empty ``custom_objects`` says what the loaded model holds: its classes,
        plus any unregistered class of the loading module itself (one forgotten beside them).
        A bare load is linked through its imports (see :meth:`unregistered_relevant_to`).
        """
        if site.has_custom_objects and provided:
            own = {cls.qualname for cls, _ in self.unregistered if cls.module == site.module}
            return provided | own
        if provided is None:
            # An unreadable custom_objects may hold anything its program imports, nothing more.
            summary = self.modules.get(site.module)
            if summary is None:
                return set()
            related = self.unregistered_relevant_to(summary, bare_fallback=False)
            return {cls.qualname for cls, _ in related}
        return self._relevant_names(site.module) - self.defined_after(site)

    def defined_after(self, site: LoadSite) -> set[str]:
        """Classes of the loading module defined below a module-level load.

        When such a load runs they do not exist yet, so the model it loads cannot hold them
        (not even custom_objects could supply them): a tutorial that saves and reloads a plain
        model before it introduces custom layers.
        """
        if not site.module_level:
            return set()
        module = self.modules.get(site.module)
        if module is None:
            return set()
        return {cls.qualname for cls in top_level_classes(module) if cls.line > site.line}

    def _closure_of(self, module: str) -> set[str]:
        summary = self.modules.get(module)
        return self.import_closure(summary) if summary is not None else set()

    def _relevant_names(self, module: str) -> set[str]:
        if module not in self._relevance:
            summary = self.modules.get(module)
            related = self.unregistered_relevant_to(summary) if summary is not None else []
            self._relevance[module] = {cls.qualname for cls, _ in related}
        return self._relevance[module]

    def _provided(self, site: LoadSite) -> set[str] | None:
        """Canonical names a load hands over; None when it may hand over anything."""
        provided = site.provided
        if provided is None and site.provided_by is not None:
            factory = self.lookup_function(site.provided_by)
            if factory is not None:
                provided = factory.returned_mapping
        return None if provided is None else {self.canonical(p) for p in provided}

    def import_closure(self, summary: ModuleSummary) -> set[str]:
        """Project modules ``summary`` imports, directly or through other project modules.

        A name imported through a package's re-exports (``from pkg import Net`` where
        ``pkg/__init__.py`` does ``from .models import *``) brings in the module defining it,
        not everything the package re-exports.  ``from loss import *`` of a plain module brings
        that module in; a star import of a package (a backend dispatch such as
        ``from .backend.jax import *``) does not bring in everything below it.
        """
        if summary.module in self._closures:
            return self._closures[summary.module]
        seen = {summary.module}
        pending = [summary]
        while pending:
            current = pending.pop()
            for qualified in current.imports.values():
                target = self.find_module(qualified, current.path)
                if target is None:
                    defined = self.classes.get(self.canonical(qualified))
                    target = self.modules.get(defined.module) if defined is not None else None
                if target is None:
                    target = self.find_module(qualified.rpartition(".")[0], current.path)
                if target is not None and target.module not in seen:
                    seen.add(target.module)
                    pending.append(target)
            for star in current.star_imports:
                target = self.find_module(star, current.path)
                if target is not None and not target.is_package and target.module not in seen:
                    seen.add(target.module)
                    pending.append(target)
        self._closures[summary.module] = seen
        return seen

    def unregistered_relevant_to(
        self, summary: ModuleSummary, *, bare_fallback: bool = True
    ) -> list[tuple[ClassSummary, KerasKind]]:
        """The unregistered classes a model loaded in ``summary`` can plausibly contain.

        A program that has Keras classes of its own (defined or imported) loads models built from
        those.  A loader with none (a bare serving script) may load anything the project trains:
        it is linked to the classes under the same top-level directory, or, when that directory
        has none (``tools/demo.py`` next to ``crnn/``), to every class of the project.
        """
        closure = self.import_closure(summary)
        own = [item for item in self.unregistered if item[0].module in closure]
        has_keras_classes = any(
            self.keras_kind(c.qualname) for name in closure for c in self.modules_named(name)
        )
        if has_keras_classes or not bare_fallback:
            return own
        top = _top_directory(summary.path, self.root)
        nearby = [
            item for item in self.unregistered if _top_directory(item[0].path, self.root) == top
        ]
        if nearby or any(
            self.keras_kind(c.qualname)
            for c in self.classes.values()
            if _top_directory(c.path, self.root) == top
        ):
            return nearby
        return list(self.unregistered)

    def modules_named(self, name: str) -> list[ClassSummary]:
        module = self.modules.get(name)
        return module.classes if module is not None else []

    @cached_property
    def _persisting_programs(self) -> tuple[set[str], set[str]]:
        """Modules reached by a program that saves whole models / that saves only state."""
        full: set[str] = set()
        state_only: set[str] = set()
        for summary in self.modules.values():
            # Pickle dumps are not counted: most pickle plain data (tokenizers, histories), and
            # a pickled model is SER301's finding, which knows what the value is.
            if summary.model_saves:
                full |= self.import_closure(summary)
            elif summary.weight_saves:
                state_only |= self.import_closure(summary)
        return full, state_only

    def persisted_by_class_name(self, cls: ClassSummary) -> bool:
        """Can a program save a model holding ``cls`` in a form that stores it by class name?

        Programs that import the class decide: a whole-model save means yes; only weights, TF
        checkpoints or SavedModel exports mean no.  A class no program persists is
        reported only in a project that persists nothing (a library: its users will save).
        """
        full, state_only = self._persisting_programs
        if cls.module in full:
            return True
        if cls.module in state_only:
            return False
        return not (full or state_only or self.load_sites)

    # -- values -------------------------------------------------------------------------------
    def call_result_kind(self, qualified: str | None, _depth: int = 0) -> str | None:
        """'model' or 'layer' if calling ``qualified`` returns a Keras model or layer."""
        if qualified is None or _depth > 8:
            return None
        kind = names.keras_constructor_kind(qualified)
        if kind is not None:
            return kind
        cls = self.lookup_class(qualified)
        if cls is not None:
            keras = self.keras_kind(cls.qualname)
            return keras.kind if keras is not None and keras.kind in ("model", "layer") else None
        function = self.lookup_function(qualified)
        if function is not None:
            for target in function.returned_calls:
                kind = self.call_result_kind(target, _depth + 1)
                if kind is not None:
                    return kind
        return None


def top_level_classes(module: ModuleSummary) -> list[ClassSummary]:
    """Classes defined at the top level of ``module`` (not nested in functions or classes)."""
    return [cls for cls in module.classes if cls.qualname == f"{module.module}.{cls.name}"]


def _top_directory(path: Path, root: Path) -> str:
    """The first directory below the root ('' for files directly in it)."""
    parts = relative_parts(path, root)
    if parts is None:
        return str(path.parent)
    return parts[0] if len(parts) > 1 else ""


# Saves that keep state without Keras' class-name config: no registration needed to restore.
_STATE_ONLY_SAVES = frozenset(
    {
        "tensorflow.train.Checkpoint",
        "tensorflow.train.CheckpointManager",
        "tensorflow.saved_model.save",
        "tensorflow.compat.v2.saved_model.save",
    }
)


def _suffixes(path: Path, root: Path) -> list[str]:
    below = relative_parts(path, root)
    # Outside the root (--config elsewhere): the whole absolute path keeps names distinct.
    relative = Path(*below) if below else Path(*resolved(path).parts[1:])
    parts = [*relative.parent.parts, relative.stem]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]
