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
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from serialint.facts.model import ClassFact
from serialint.findings import Finding
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
    """How to build the object: a real call of the project, evaluated in the namespace of its
    module's copy, or ``Class()`` when no call can be replayed and the defaults suffice."""

    call: str  # "ScaledDense(4, scale=2.0)", "layers.Gate(keras.layers.Dense(2))"
    module: Module | None  # where the call is written; None: the class's defaults
    source: str  # for the messages: "the call at train.py:12"

    def expression(self, context: PlanContext, job: Path, fallback: str) -> str:
        """Python text building the object in a step (``fallback``: the class's variable)."""
        if self.module is None:
            return f"{fallback}()"
        _, name = context.sandbox_module(job, self.module)
        return f"child.evaluate({name!r}, {self.call!r})"


def plan(finding: Finding, context: PlanContext) -> Job:
    module, cls = context.class_at(finding)
    if cls.in_function:
        raise NoReplay(f"{cls.name} is defined inside a function: it exists only when it runs")
    construction = _construction(context, module, cls)
    job = context.sandbox.new_job()
    source, name = context.sandbox_module(job, module)
    make = construction.expression(context, job, "cls")
    build = _build_script(name, cls, construction, make, config=finding.code in CONFIG_RULES)
    call = construction.call
    if finding.code in LOCATE_RULES:
        # The loading program imports the module (the class exists, registered or not) but
        # hands nothing to load_model: what a serving script of the project does.
        load = _load_script(name, cls, Loading.IMPORTED)
        replayed = f"{call} was saved, and loaded by a fresh process that imports its module"
    elif finding.code == "SER106":
        others = _colliding_modules(context, module, cls)
        context.sandbox.install(job, others)
        names = [context.sandbox.importable_name(m) for m in others]
        load = _load_script(name, cls, Loading.REGISTRY, then_import=names)
        replayed = f"{call} was saved, and loaded as itself by a fresh process importing " + (
            ", ".join(names) or name
        )
    else:
        load = _load_script(name, cls, Loading.CUSTOM_OBJECTS)
        replayed = (
            f"{call} kept its config through from_config(get_config()), and a fresh process "
            "given the class loaded it with the same outputs"
        )
    return Job(job, (Step(build, (source,)), Step(load, (source,))), replayed)


class Loading(enum.Enum):
    """What the loading process has of the class."""

    IMPORTED = "imports its module"  # no custom_objects: registration decides
    CUSTOM_OBJECTS = "passes it in custom_objects"  # the config itself is under test
    REGISTRY = "imports every module registering its name"  # which class wins


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
    make = construction.expression(context, job, f"{variable}_cls")
    return [
        f"{variable}_cls = step.setup({f'import {cls.fact.qualname} from {name}'!r}, "
        f"lambda: child.import_object({name!r}, {cls.fact.qualname!r}))",
        f"{variable} = lambda: {make}",
    ]


def _colliding_modules(context: PlanContext, module: Module, cls: ClassFact) -> list[Module]:
    """The modules of every class registered under the same name as ``cls`` (its own too)."""
    qualname = f"{module.name}.{cls.qualname}"
    for group in context.project.registration_collisions:
        if qualname in {c.qualname for c, _ in group}:
            return sorted({c.module.name: c.module for c, _ in group}.values(), key=_by_name)
    return [module]


def _by_name(module: Module) -> str:
    return module.name


def _construction(context: PlanContext, module: Module, cls: ClassFact) -> Construction:
    """The call of the class in the project that passes the most arguments, among those a step
    can evaluate (their names all exist at the top level of their module: literals, imports,
    module constants). More arguments exercise more of the config: a lost argument is lost
    only when it is passed."""
    _check_not_shadowed(module, cls)
    qualname = f"{module.name}.{cls.qualname}"
    usable = []
    for site_module, call in _call_sites(context, qualname):
        if site_module.name == module.name and call.lineno < cls.span.line:
            continue  # a call before the class statement meant an earlier definition
        try:
            context.require_module_names(site_module, call)
        except NoReplay:
            continue
        usable.append((site_module, call))
    if usable:
        site_module, call = max(usable, key=lambda item: len(item[1].args) + len(item[1].keywords))
        where = f"the call at {site_module.path.name}:{call.lineno}"
        return Construction(context.segment(site_module, call), site_module, where)
    required = _required_parameters(cls)
    if required:
        raise NoReplay(
            f"cannot instantiate {cls.name}: no call in the project can be replayed (their "
            f"arguments exist only while the program runs), and __init__ requires "
            f"{', '.join(required)}"
        )
    return Construction(f"{cls.name}()", None, "its defaults")


def _check_not_shadowed(module: Module, cls: ClassFact) -> None:
    """A module that defines a class twice (a tutorial's ``Linear``, then a better ``Linear``)
    keeps only the last at import: an earlier one cannot be replayed."""
    later = [
        c.span.line
        for c in module.facts.classes
        if c.qualname == cls.qualname and not c.in_function and c.span.line > cls.span.line
    ]
    if later:
        raise NoReplay(
            f"{module.path.name} defines {cls.name} again at line {max(later)}: importing the "
            "module keeps only the last definition, so this one cannot be replayed"
        )


def _required_parameters(cls: ClassFact) -> list[str]:
    if cls.init is None:
        return []
    return [
        p.name
        for p in cls.init.params[1:]
        if p.default is None and p.kind in {"positional", "keyword_only"}
    ]


def _call_sites(context: PlanContext, qualname: str) -> Iterator[tuple[Module, ast.Call]]:
    short = qualname.rsplit(".", 1)[-1]
    for module, node, reference in context.calls_named(short):
        if context.qualified(module, reference) == qualname:
            yield module, node


def _build_script(
    name: str, cls: ClassFact, construction: Construction, make: str, *, config: bool
) -> str:
    call = construction.call
    lines = [
        "from serialint.runtime import child",
        f"cls = step.setup({f'import {cls.qualname} from {name}'!r}, "
        f"lambda: child.import_object({name!r}, {cls.qualname!r}))",
        f"make = lambda: {make}",
        f"step.setup({f'instantiate {call} (arguments from {construction.source})'!r}, make)",
        f"model, shape = step.setup({f'build a model around {cls.name}'!r}, "
        f"lambda: child.model_around(make, built={config}))",
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
            f"step.probe('save the model to {MODEL_FILE}', "
            f"lambda: child.save_model(model, {MODEL_FILE!r}))",
        ]
    else:
        lines.append(
            f"step.setup('save the model to {MODEL_FILE}', "
            f"lambda: child.save_model(model, {MODEL_FILE!r}))"
        )
    lines += [
        "step.attempt('compute its outputs', lambda: child.save_predictions(model, shape))",
        "step.done('saved')",
    ]
    return "\n".join(lines) + "\n"


def _load_script(
    name: str, cls: ClassFact, loading: Loading, then_import: list[str] | None = None
) -> str:
    lines = [
        "from serialint.runtime import child",
        f"cls = step.setup({f'import {cls.qualname} from {name}'!r}, "
        f"lambda: child.import_object({name!r}, {cls.qualname!r}))",
        "custom = {}",
    ]
    if loading is Loading.CUSTOM_OBJECTS:
        lines.append(f"custom = {{{cls.name!r}: cls}}")
    for other in then_import or []:
        lines.append(f"step.setup({f'import {other}'!r}, lambda: child.import_copy({other!r}))")
    lines += [
        f"loaded = step.probe({f'load {MODEL_FILE} in a fresh process that {loading.value}'!r}, "
        f"lambda: child.load_saved({MODEL_FILE!r}, custom_objects=custom))",
    ]
    if loading is Loading.REGISTRY:
        lines += [
            f"found = child.layer_of(loaded, {cls.qualname!r})",
            "if found is None:",
            "    kinds = sorted({type(layer).__qualname__ for layer in loaded.layers})",
            "    step.defect('compare the loaded class', "
            f"'a model saved holding {cls.qualname} loads holding ' + ', '.join(kinds))",
        ]
    lines += [
        "changed = step.probe('compute its outputs', lambda: child.prediction_change(loaded))",
        "if changed:",
        "    step.defect('compare the outputs', changed)",
    ]
    lines.append("step.done('loaded')")
    return "\n".join(lines) + "\n"
