"""Round trips for stored functions and Lambda layers (SER201, SER202).

The flagged call is rebuilt from its own text, evaluated in the namespace of its module's
definitions-only copy: ``Dense(8, activation=scaled_tanh)`` or ``Lambda(lambda x: x * 2)``
becomes the very layer the program builds, inside a small model; for ``compile(loss=fn)`` the
argument is evaluated and a stand-in model is compiled with it. The model is saved as ``.keras``
and loaded, with the default ``safe_mode`` and no ``custom_objects``, by a fresh process that
imports the module (as a serving script of the project does: a registered function is found).
An expression that reads names existing only while the program runs (a function's locals) is
not guessed at: the verdict is inconclusive and says which names.
"""

from __future__ import annotations

import ast

from serialint.findings import Finding
from serialint.runtime.jobs import Job, Step
from serialint.runtime.plans.context import NoReplay, PlanContext, contains

MODEL_FILE = "model.keras"
# Model.compile's positional parameters, for ``compile("adam", my_loss)``.
COMPILE_PARAMETERS = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")


def plan(finding: Finding, context: PlanContext) -> Job:
    module, call = context.call_at(finding)
    job = context.sandbox.new_job()
    source, name = context.sandbox_module(job, module)
    if isinstance(call.func, ast.Attribute) and call.func.attr == "compile":
        keyword, argument = _compile_argument(context.point(module, finding), call)
        context.require_module_names(module, argument)
        expression = context.segment(module, argument)
        what = f"compile a stand-in model with {keyword}={expression}"
        build = [
            f"value = step.setup({f'evaluate {expression}'!r}, "
            f"lambda: child.evaluate({name!r}, {expression!r}))",
            "model = child.stand_in_model()",
            f"step.setup({what!r}, lambda: model.compile(**{{**{_compile_defaults(keyword)}, "
            f"{keyword!r}: value}}))",
            "shape = (4,)",
        ]
    else:
        context.require_module_names(module, call)
        expression = context.segment(module, call)
        what = f"build {expression}"
        build = [
            f"make = lambda: child.evaluate({name!r}, {expression!r})",
            f"step.setup({what!r}, make)",
            f"model, shape = step.setup({f'build a model around {expression}'!r}, "
            "lambda: child.model_around(make))",
        ]
    save = [
        "from serialint.runtime import child",
        *build,
        f"step.setup('save the model to {MODEL_FILE}', "
        f"lambda: child.save_model(model, {MODEL_FILE!r}))",
        "step.attempt('compute its outputs', lambda: child.save_predictions(model, shape))",
        "step.done('saved')",
    ]
    # The loading program imports the module (a registered function is then found) and passes
    # no custom_objects: a serving script of the project.
    load = [
        "from serialint.runtime import child",
        f"step.setup('import {name}', lambda: child.import_copy({name!r}))",
        f"loaded = step.probe('load {MODEL_FILE} in a fresh process that imports {name}', "
        f"lambda: child.load_saved({MODEL_FILE!r}))",
        "changed = step.probe('compute its outputs', lambda: child.prediction_change(loaded))",
        "if changed:",
        "    step.defect('compare the outputs', changed)",
        "step.done('loaded')",
    ]
    replayed = (
        f"{what}: saved, then loaded with the same outputs by a fresh process that imports {name}"
    )
    return Job(job, (Step(_lines(save), (source,)), Step(_lines(load), (source,))), replayed)


def _compile_argument(point: tuple[int, int], call: ast.Call) -> tuple[str, ast.expr]:
    for keyword in call.keywords:
        if keyword.arg is not None and contains(keyword, point):
            return keyword.arg, keyword.value
    for index, argument in enumerate(call.args[: len(COMPILE_PARAMETERS)]):
        if contains(argument, point):
            return COMPILE_PARAMETERS[index], argument
    raise NoReplay("the flagged argument of compile() was not found")


def _compile_defaults(keyword: str) -> str:
    defaults = {"optimizer": "adam", "loss": "mse"}
    defaults.pop(keyword, None)
    return repr(defaults)


def _lines(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
