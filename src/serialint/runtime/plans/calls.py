"""Round trips for the save, load and pickle findings (SER301-SER306, SER401-SER406).

The flagged call itself is replayed, rewritten in two places only: the model it saves becomes a
stand-in (``__model__``), and the file it writes or reads becomes a name in the job's directory
(the same file name when the code spells it, so suffix checks behave the same). Every other
argument is kept as written and evaluated in the namespace of the module's definitions-only
copy; an argument that needs the program's run-time values makes the replay inconclusive.

The stand-in holds what the saved model holds, as far as serialint can tell: the project
classes the load needs (SER401, SER402, SER406) or the pickled value contains (SER301, SER404),
each built like a class finding's object; otherwise built-in layers only, since the path and
format hazards do not depend on the contents. A load is replayed in a fresh process that has
first imported the loading module's copy: the imports a loading program makes.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from serialint.findings import Finding
from serialint.project import Module
from serialint.runtime.jobs import Job, Step
from serialint.runtime.plans.classes import maker
from serialint.runtime.plans.context import NoReplay, PlanContext, split_lines

SAVE_RULES = frozenset({"SER302", "SER303", "SER305", "SER306"})
LOAD_RULES = frozenset({"SER304", "SER401", "SER402", "SER403", "SER405", "SER406"})
PICKLE_RULES = frozenset({"SER301", "SER404"})

# The file a replay writes or reads when the code does not spell its name.
DEFAULT_FILES = {
    "SER302": "model.h5",
    "SER303": "model",
    "SER305": "model.keras",
    "SER306": "model.h5",
    "SER304": "model.h5",
    "SER405": "exported",
    "SER301": "model.pkl",
    "SER404": "model.pkl",
}
MODEL = "__model__"
_SAVES = {"save", "save_model", "save_weights", "export", "ModelCheckpoint"}
_LOADS = {
    "load_model",
    "load",
    "loads",
    "load_weights",
    "enable_unsafe_deserialization",
    "TFSMLayer",
}
_PICKLES = {"dump", "dumps", "load", "loads"}


@dataclass(frozen=True)
class Rewritten:
    text: str  # the call, with the model and the file replaced
    file: str  # the file name it now writes or reads


def plan(finding: Finding, context: PlanContext) -> Job:
    if finding.code in SAVE_RULES:
        return _save_plan(finding, context)
    if finding.code in PICKLE_RULES:
        return _pickle_plan(finding, context)
    return _load_plan(finding, context)


# -- saves -------------------------------------------------------------------------------------


def _save_plan(finding: Finding, context: PlanContext) -> Job:
    module, call = context.call_at(finding, _named(_SAVES))
    rewritten = _rewrite(context, module, call, finding.code, saving=True)
    job = context.sandbox.new_job()
    source, name = context.sandbox_module(job, module)
    lines = [
        "from serialint.runtime import child",
        "model = step.setup('build a stand-in model', lambda: child.stand_in_model())",
    ]
    if finding.code == "SER305":
        # The prompt appears only when the file exists: the program's second run.
        lines.append(
            f"step.setup('create the file the save meets', lambda: open({rewritten.file!r}, 'w')"
            ".close())"
        )
    # An import failure of the module is no evidence about the save: it is set-up.
    lines.append(f"step.setup('import {name}', lambda: child.import_copy({name!r}))")
    lines.append(_probe_call(name, rewritten))
    if _called(call) == "ModelCheckpoint":
        # Constructing it checks the path; a fit makes it save. The path may name metrics
        # (``{val_loss:.2f}``) this fit does not have: the fit decides nothing by itself.
        lines[-1] = "callback = " + lines[-1]
        lines.append(
            "step.attempt('fit the stand-in for one epoch with the callback', "
            "lambda: child.fit_with(model, callback))"
        )
    if finding.code == "SER302":
        lines += [
            "if step.logged('considered legacy'):",
            "    step.defect('read the save\\'s warnings', 'Keras warned: \"You are saving your "
            "model as an HDF5 file ... This file format is considered legacy\"')",
        ]
    lines.append("step.done('saved')")
    replayed = f"{rewritten.text} ran on a stand-in model without an error or a warning"
    return Job(job, (Step(_script(lines), (source,)),), replayed)


# -- loads -------------------------------------------------------------------------------------


def _load_plan(finding: Finding, context: PlanContext) -> Job:
    module, call = context.call_at(finding, _named(_LOADS))
    job = context.sandbox.new_job()
    unsafe_switch = _called(call) == "enable_unsafe_deserialization"
    if unsafe_switch:
        file = "model.keras"
        load_text = f"keras.saving.load_model({file!r})"
        before = [
            f"step.setup('call {context.segment(module, call)}', "
            f"lambda: child.evaluate(__name, {context.segment(module, call)!r}))"
        ]
    else:
        rewritten = _rewrite(context, module, call, finding.code, saving=False)
        file, load_text, before = rewritten.file, rewritten.text, []
    held = _held_by_load(finding, context, module, call)
    source, name = context.sandbox_module(job, module)
    build = ["import os", "from serialint.runtime import child"]
    makers = _makers(context, job, held, build)
    if finding.code == "SER403":
        build.append(
            "model = step.setup('build a model whose Lambda writes a file when it "
            "runs', child.marker_model)"
        )
    else:
        build.append(
            f"model, shape = step.setup('build a stand-in model', "
            f"lambda: child.model_holding([{', '.join(makers)}]))"
        )
    build += _write_artifact(finding.code, file)
    build.append("step.done('saved')")
    load = [
        "import keras",
        "from serialint.runtime import child",
        f"__name = {name!r}",
        f"step.setup('import the loading module {name} (its imports)', "
        f"lambda: child.import_copy({name!r}))",
        *before,
    ]
    # ``__model__``: the receiver of ``model.load_weights(...)``, a model like the one saved.
    evaluate = (
        f"lambda: child.evaluate({name!r}, {load_text!r}, {{{MODEL!r}: child.stand_in_model()}})"
    )
    if unsafe_switch:  # the switch was thrown: a plain load with the default safe_mode follows
        evaluate = f"lambda: child.load_saved({file!r})"
    if finding.code == "SER403":
        load += [
            f"step.attempt({f'run {load_text}'!r}, {evaluate})",
            "import os",
            "if os.path.exists(child.MARKER):",
            "    step.defect('look for the file the Lambda writes', 'loading ran code stored in "
            "the file: a Lambda saved in the model wrote a file while the model was rebuilt')",
        ]
    else:
        load.append(f"step.probe({f'run {load_text} in a fresh process'!r}, {evaluate})")
    load.append("step.done('loaded')")
    steps = (Step(_script(build), (source,)), Step(_script(load), (source,)))
    replayed = f"{load_text} read the file a stand-in model was saved to, in a fresh process"
    return Job(job, steps, replayed)


def _write_artifact(code: str, file: str) -> list[str]:
    if code == "SER304":
        return [
            "step.setup('save its weights only', lambda: model.save_weights('w.weights.h5'))",
            f"os.replace('w.weights.h5', {file!r})",
        ]
    if code == "SER405":
        return [
            f"step.setup('export it as a SavedModel', "
            f"lambda: model.export({file!r}, verbose=False))"
        ]
    suffix = PurePosixPath(file).suffix
    if suffix in {".keras", ".h5", ".hdf5"}:
        return [f"step.setup('save it to {file}', lambda: model.save({file!r}))"]
    return [
        "step.setup('save it', lambda: model.save('saved.keras'))",
        f"os.replace('saved.keras', {file!r})",
    ]


def _held_by_load(
    finding: Finding, context: PlanContext, module: Module, call: ast.Call
) -> list[str]:
    """Qualified names of the project classes (and functions stored by name) the file this
    load reads holds."""
    if finding.code not in {"SER401", "SER402", "SER406"}:
        return []
    project = context.project
    load = next(
        (s for s in project.loads.in_module(module) if s.line == call.lineno),
        None,
    )
    if load is None:
        raise NoReplay("the load call was not found among the project's loads")
    functions = {
        function.function
        for _, function, _ in project.functions_read_by(load)
        if function.kind == "def" and function.function
    }
    if finding.code == "SER406":
        classes = {
            qualname
            for save in project.saves_read_by(load)
            for qualname in project.saves.contents(save).classes
        }
        return sorted(classes | functions)
    return sorted(set(project.relevant_to_load(load)) | functions)


def _makers(context: PlanContext, job: Path, held: Iterable[str], lines: list[str]) -> list[str]:
    """Script lines binding ``make0``, ``make1``... each building one object the stand-in holds:
    a project class's instance, or for a function a ``Dense`` layer using it as activation
    (stored by name, as any function argument is)."""
    variables = []
    for number, qualname in enumerate(held):
        variable = f"make{number}"
        found = context.project.modules.function_fact(qualname)
        if found is None:
            lines += maker(context, job, qualname, variable)
        else:
            module, fact = found
            _, name = context.sandbox_module(job, module)
            lines += [
                f"{variable}_fn = step.setup({f'import {fact.qualname} from {name}'!r}, "
                f"lambda: child.import_object({name!r}, {fact.qualname!r}))",
                f"{variable} = lambda: __import__('keras').layers.Dense(2, "
                f"activation={variable}_fn)",
            ]
        variables.append(variable)
    return variables


# -- pickles -----------------------------------------------------------------------------------


def _pickle_plan(finding: Finding, context: PlanContext) -> Job:
    module, call = context.call_at(finding, _named(_PICKLES))
    project = context.project
    sites = project.pickles.dumps if finding.code == "SER301" else project.pickles.loads
    site = next(
        (s for s in sites if s.module.name == module.name and s.site.span.line == call.lineno),
        None,
    )
    if site is None:
        raise NoReplay("the pickle call was not found among the project's pickles")
    dumper, dumped = site.function, site.value
    loader = site.function
    if finding.code == "SER404":
        found = project.pickled_model_read_by(site)
        if found is None:
            raise NoReplay("the dump that writes the file this load reads was not found")
        dump, _ = found
        dumper, dumped, dump_module = dump.function, dump.value, dump.module
    else:
        dump_module = module
        loader = dumper.replace("dumps", "loads").replace("dump", "load")
    held = sorted(project.contents.of(dump_module, dumped).classes) if dumped else []
    job = context.sandbox.new_job()
    source, name = context.sandbox_module(job, module)
    dump_source, _ = context.sandbox_module(job, dump_module)
    library = dumper.split(".")[0]
    build = ["from serialint.runtime import child", f"import {library}"]
    makers = _makers(context, job, held, build)
    build += [
        f"model, shape = step.setup('build a stand-in model', "
        f"lambda: child.model_holding([{', '.join(makers)}]))",
        f"step.probe('pickle it with {dumper}', "
        f"lambda: {library}.dump(model, open('model.pkl', 'wb')))",
        "step.done('pickled')",
    ]
    load_library = loader.split(".")[0]
    load = [
        f"import {load_library}",
        "from serialint.runtime import child",
        f"step.setup('import {name} (the imports of the program that unpickles)', "
        f"lambda: child.import_copy({name!r}))",
        f"step.probe('unpickle it with {load_library}.load in a fresh process', "
        f"lambda: {load_library}.load(open('model.pkl', 'rb')))",
        "step.done('unpickled')",
    ]
    steps = (Step(_script(build), (source, dump_source)), Step(_script(load), (source,)))
    holding = (
        f"holding {', '.join(q.rsplit('.', 1)[-1] for q in held)}" if held else "of built-in layers"
    )
    replayed = (
        f"a stand-in model {holding} was pickled with {dumper} and unpickled in a fresh process "
        "(the pickle still refers to Keras' private modules, and would run with safe_mode=False)"
    )
    return Job(job, steps, replayed)


# -- rewriting the flagged call ------------------------------------------------------------------


def _named(accepted: set[str]) -> Callable[[ast.Call], bool]:
    return lambda call: _called(call) in accepted


def _called(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _rewrite(
    context: PlanContext, module: Module, call: ast.Call, code: str, *, saving: bool
) -> Rewritten:
    called = _called(call)
    text = context.text(module)
    replacements: list[tuple[ast.AST, str]] = []
    if called == "ModelCheckpoint":  # the callback saves the model fit with it
        path = _argument(call, 0, ("filepath",))
    elif saving and isinstance(call.func, ast.Attribute) and called != "save_model":
        replacements.append((call.func.value, MODEL))  # model.save(...)
        path = _argument(call, 0, ("filepath", "export_archive", "path"))
    elif saving:
        model = _argument(call, 0, ("model",))
        if model is None:
            raise NoReplay("the saved model argument was not found")
        replacements.append((model, MODEL))
        path = _argument(call, 1, ("filepath",))
    else:
        if called == "load_weights" and isinstance(call.func, ast.Attribute):
            replacements.append((call.func.value, MODEL))  # model.load_weights(path)
        path = _argument(call, 0, ("filepath", "export_dir", "filepath_or_buffer"))
    if path is None:
        raise NoReplay("the file argument was not found")
    file = _file_name(path, code)
    replacements.append((path, repr(file)))
    rewritten = _splice(text, call, replacements)
    context.require_module_names(module, ast.parse(rewritten, mode="eval"), frozenset({MODEL}))
    return Rewritten(rewritten, file)


def _argument(call: ast.Call, position: int, keywords: tuple[str, ...]) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return None


def _file_name(path: ast.expr, code: str) -> str:
    """The file name the code spells, else the rule's default: the text of its last part
    (``os.path.join(d, "m.h5")``, ``d + "/m.h5"``), an f-string with each field as ``x``
    (``f"{out}/m-{epoch:03d}.h5"`` spells ``m-x.h5``)."""
    spelled = _spelled(path)
    name = PurePosixPath(spelled.replace("\\", "/")).name if spelled else ""
    if name and name not in {".", ".."} and name.strip("x"):
        return name
    return DEFAULT_FILES.get(code, "model.keras")


def _spelled(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_spelled(v) if isinstance(v, ast.Constant) else "x" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _spelled(node.left) + _spelled(node.right)
    if isinstance(node, ast.Call) and node.args:
        return _spelled(node.args[-1])  # os.path.join(..., "model.h5"), Path(...)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _spelled(node.right)  # Path(out) / "model.h5"
    return "x"


def _splice(text: str, call: ast.Call, replacements: list[tuple[ast.AST, str]]) -> str:
    """The call's source text with each node's text replaced (``ast`` columns are bytes)."""
    lines = split_lines(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(node: ast.AST, end: bool) -> int:
        row = (node.end_lineno if end else node.lineno) or 0  # type: ignore[attr-defined]
        column = (node.end_col_offset if end else node.col_offset) or 0  # type: ignore[attr-defined]
        encoded = lines[row - 1].encode("utf-8")
        return starts[row - 1] + len(encoded[:column].decode("utf-8", "replace"))

    begin, finish = offset(call, False), offset(call, True)
    edits = sorted(
        ((offset(n, False), offset(n, True), new) for n, new in replacements), reverse=True
    )
    result = text
    for first, last, new in edits:
        result = result[:first] + new + result[last:]
        finish += len(new) - (last - first)
    return result[begin:finish]


def _probe_call(module_name: str, rewritten: Rewritten) -> str:
    return (
        f"step.probe({f'run {rewritten.text}'!r}, lambda: child.evaluate({module_name!r}, "
        f"{rewritten.text!r}, {{{MODEL!r}: model}}))"
    )


def _script(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
