"""Round trips for the class findings (SER101-SER110).

The class is imported from the definitions-only copy of its module (``strip``) and built with
the literal arguments of a real call site in the project, else with its defaults. A model is
built around it (``child.model_around``) and saved as ``.keras``; a second, fresh process loads
it:
- for the "Keras cannot find the class" rules (SER101, SER108) the loading process has none of
  the user's code, like a separate inference script;
- for the config rules the loading process has the class (its module imported, the class in
  ``custom_objects``), so what is tested is the config itself. Before saving, the process that
  built the object also compares ``from_config(get_config())`` with it (``child.config_loss``);
  after loading, the outputs of the two models are compared.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from serialint.facts.model import ClassFact
from serialint.findings import Finding
from serialint.paths import resolved
from serialint.project import Module
from serialint.runtime.jobs import Job, Step
from serialint.runtime.plans.context import NoReplay, PlanContext

LOCATE_RULES = frozenset({"SER101", "SER108"})
CONFIG_RULES = frozenset(
    {"SER102", "SER103", "SER104", "SER105", "SER106", "SER107", "SER109", "SER110"}
)
MODEL_FILE = "model.keras"


@dataclass(frozen=True)
class Construction:
    """How to build the object: ``Class(*args, **kwargs)``, as Python source text."""

    arguments: str  # "4, activation='relu'"
    source: str  # where they come from, for the messages: "the call at train.py:12"


def plan(finding: Finding, context: PlanContext) -> Job:
    module, cls = context.class_at(finding)
    if cls.in_function:
        raise NoReplay(f"{cls.name} is defined inside a function: it exists only when it runs")
    construction = _construction(context, module, cls)
    job = context.sandbox.new_job()
    source, name = context.sandbox_module(job, module)
    build = _build_script(name, cls, construction, config=finding.code in CONFIG_RULES)
    others: list[str] = []
    if finding.code in LOCATE_RULES:
        load = _load_script(name, cls, with_class=False)
        steps = (Step(build, (source,)), Step(load))
        replayed = f"{cls.name}({construction.arguments}) was saved and loaded in a fresh process"
    else:
        others = _colliding_modules(context, module, cls) if finding.code == "SER106" else []
        if finding.code == "SER106" and not others:
            raise NoReplay("the other class registered under the same name was not found")
        imports = [
            context.sandbox.importable_name(context.project.modules.by_name[o]) for o in others
        ]
        load = _load_script(name, cls, with_class=True, then_import=imports)
        steps = (Step(build, (source,)), Step(load, (source,)))
        replayed = (
            f"{cls.name}({construction.arguments}) kept its config through "
            "from_config(get_config()), and a fresh process with the class loaded it with the "
            "same outputs"
        )
    context.sandbox.install(job, [context.project.modules.by_name[o] for o in others])
    return Job(job, steps, replayed)


def maker(context: PlanContext, job: Path, qualname: str, variable: str) -> list[str]:
    """Script lines binding ``variable`` to a function that builds the project class
    ``qualname`` (its module's copy installed for ``job``); NoReplay if it cannot be built."""
    cls = context.project.classes.get(qualname)
    if cls is None:
        raise NoReplay(f"the class {qualname} was not found")
    if cls.fact.in_function:
        raise NoReplay(f"{cls.name} is defined inside a function: it exists only when it runs")
    construction = _construction(context, cls.module, cls.fact)
    _, name = context.sandbox_module(job, cls.module)
    return [
        f"{variable}_cls = step.setup({f'import {cls.fact.qualname} from {name}'!r}, "
        f"lambda: child.import_object({name!r}, {cls.fact.qualname!r}))",
        f"{variable} = lambda: {variable}_cls({construction.arguments})",
    ]


def _colliding_modules(context: PlanContext, module: Module, cls: ClassFact) -> list[str]:
    qualname = f"{module.name}.{cls.qualname}"
    for group in context.project.registration_collisions:
        names = [c.qualname for c, _ in group]
        if qualname in names:
            return sorted({c.module.name for c, _ in group if c.qualname != qualname})
    return []


def _construction(context: PlanContext, module: Module, cls: ClassFact) -> Construction:
    qualname = f"{module.name}.{cls.qualname}"
    for where, call in _call_sites(context, qualname):
        arguments = _literal_arguments(call)
        if arguments is not None:
            return Construction(arguments, where)
    required = _required_parameters(cls)
    if required:
        raise NoReplay(
            f"cannot instantiate {cls.name}: no call in the project passes literal arguments, "
            f"and __init__ requires {', '.join(required)}"
        )
    return Construction("", "its defaults")


def _required_parameters(cls: ClassFact) -> list[str]:
    if cls.init is None:
        return []
    return [
        p.name
        for p in cls.init.params[1:]
        if p.default is None and p.kind in {"positional", "keyword_only"}
    ]


def _call_sites(context: PlanContext, qualname: str) -> Iterator[tuple[str, ast.Call]]:
    short = qualname.rsplit(".", 1)[-1]
    for module in context.project.modules:
        text = context.texts.get(resolved(module.path))
        if text is None or short not in text:
            continue
        try:
            tree = context.tree(module)
        except (SyntaxError, KeyError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            reference = _dotted(node.func)
            if reference is None or reference.rsplit(".", 1)[-1] != short:
                continue
            if context.project.modules.qualify(module, reference) == qualname:
                yield f"the call at {module.path.name}:{node.lineno}", node


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head is not None else None
    return None


def _literal_arguments(call: ast.Call) -> str | None:
    """The call's arguments as source text, if every one is a literal (else None)."""
    parts = []
    for argument in call.args:
        if isinstance(argument, ast.Starred) or not _is_literal(argument):
            return None
        parts.append(repr(ast.literal_eval(argument)))
    for keyword in call.keywords:
        if keyword.arg is None or not _is_literal(keyword.value):
            return None
        parts.append(f"{keyword.arg}={ast.literal_eval(keyword.value)!r}")
    return ", ".join(parts)


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _build_script(name: str, cls: ClassFact, construction: Construction, *, config: bool) -> str:
    call = f"{cls.name}({construction.arguments})"
    lines = [
        "from serialint.runtime import child",
        f"cls = step.setup({f'import {cls.qualname} from {name}'!r}, "
        f"lambda: child.import_object({name!r}, {cls.qualname!r}))",
        f"make = lambda: cls({construction.arguments})",
        f"step.setup({f'instantiate {call} (arguments from {construction.source})'!r}, make)",
        f"model, shape = step.setup({f'build a model around {cls.name}'!r}, "
        "lambda: child.model_around(make))",
    ]
    if config:
        lines += [
            f"obj = child.layer_of(model, {cls.qualname!r})",
            "if obj is not None:",
            "    step.probe('call get_config()', obj.get_config)",
            "    lost = step.probe('rebuild it with from_config(get_config())', "
            "lambda: child.config_loss(obj, shape))",
            "    if lost:",
            "        step.defect('compare the rebuilt object', lost)",
            f"step.probe('save the model to {MODEL_FILE}', lambda: model.save({MODEL_FILE!r}))",
        ]
    else:
        lines.append(
            f"step.setup('save the model to {MODEL_FILE}', lambda: model.save({MODEL_FILE!r}))"
        )
    lines += [
        "step.setup('compute its outputs', lambda: child.save_predictions(model, shape))",
        "step.done('saved')",
    ]
    return "\n".join(lines) + "\n"


def _load_script(
    name: str, cls: ClassFact, *, with_class: bool, then_import: list[str] | None = None
) -> str:
    lines = ["import keras", "from serialint.runtime import child", "custom = {}"]
    if with_class:
        lines += [
            f"cls = step.setup({f'import {cls.qualname} from {name}'!r}, "
            f"lambda: child.import_object({name!r}, {cls.qualname!r}))",
            f"custom = {{{cls.name!r}: cls}}",
        ]
    for other in then_import or []:
        lines.append(f"step.setup({f'import {other}'!r}, lambda: __import__({other!r}))")
        lines.append("custom = {}  # the registry decides, as it would for the user")
    where = "with the class available" if with_class else "in a fresh process without the class"
    lines += [
        f"loaded = step.probe({f'load {MODEL_FILE} {where}'!r}, "
        f"lambda: keras.saving.load_model({MODEL_FILE!r}, custom_objects=custom))",
        "changed = step.probe('compute its outputs', lambda: child.prediction_change(loaded))",
        "if changed:",
        "    step.defect('compare the outputs', changed)",
    ]
    if then_import:
        lines += [
            f"found = child.layer_of(loaded, {cls.qualname!r})",
            "if found is not None and type(found).__module__ != cls.__module__:",
            "    step.defect('compare the loaded class', "
            "f'the model loads as {type(found).__module__}.{type(found).__qualname__}, "
            f"not {{cls.__module__}}.{cls.qualname}')",
            "if found is None:",
            "    kinds = sorted({type(layer).__module__ + '.' + type(layer).__qualname__ "
            "for layer in getattr(loaded, 'layers', [])})",
            "    step.defect('compare the loaded class', "
            f"'the model loads without a {cls.qualname}: it holds ' + ', '.join(kinds))",
        ]
    lines.append("step.done('loaded')")
    return "\n".join(lines) + "\n"
