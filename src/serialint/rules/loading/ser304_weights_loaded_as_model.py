"""SER304 weights-loaded-as-model."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.facts.model import Attr, Const
from serialint.paths import relative_posix
from serialint.project import Module, Project
from serialint.project.paths import HOLE
from serialint.rules.base import Rule, RuleContext, Violation

K3_ERROR = "ValueError: No model config found in the file at {path}."


class WeightsLoadedAsModel(Rule):
    code = "SER304"

    VALID = (
        "import keras\nmodel = keras.saving.load_model('model.keras')\n",
        # A weights file read as weights.
        "import keras\nmodel = keras.Sequential()\nmodel.load_weights('m.weights.h5')\n",
        # The whole model saved under the name the load reads.
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.h5')\n"
        "restored = keras.models.load_model('m.h5')\n",
    )
    INVALID = (
        "import keras\nmodel = keras.saving.load_model('best.weights.h5')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.save_weights('m.h5')\n"
        "restored = keras.models.load_model('m.h5')\n",
        "import keras\n"
        "cb = keras.callbacks.ModelCheckpoint('best.h5', save_weights_only=True)\n"
        "restored = keras.models.load_model('best.h5')\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(
            load.function == "load_model" for load in project.loads.by_module.get(module.name, [])
        )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project, module = context.project, context.module
        written = _weights_written(project)
        for load in project.loads.by_module.get(module.name, []):
            if load.function != "load_model" or load.wrapper is not None:
                continue
            path = project.paths.of(module, load.site.call.argument(0, "filepath"))
            if path is None:
                continue
            where = written.get(path.text) if HOLE not in path.text else None
            if where is None and not path.ends_with(".weights.h5"):
                continue
            shown = path.text.replace(HOLE, "{...}")
            source = f", written by `{where}`" if where else ""
            yield Violation(
                span=load.site.func_span,
                message=(
                    f"`load_model` reads a weights file (`{shown}`{source}): it holds no model "
                    f'config, so the load fails with "{K3_ERROR.format(path=shown)}"'
                ),
                fix_hint=(
                    "Build the model in code and call `model.load_weights(path)`, or save the "
                    'whole model (`model.save("model.keras")`) and load that'
                ),
            )


def _weights_written(project: Project) -> dict[str, str]:
    """Constant paths that weights saves write: path -> ``file:line`` of the save."""
    found: dict[str, str] = {}
    for save in project.saves.sites:
        if save.whole:
            continue
        call = save.site.call
        func = call.func
        is_weights = isinstance(func, Attr) and func.attr == "save_weights"
        weights_only = call.keyword("save_weights_only")
        is_checkpoint = isinstance(weights_only, Const) and weights_only.value is True
        if not (is_weights or is_checkpoint):
            continue
        path = project.paths.of(save.module, call.argument(0, "filepath"))
        if path is not None and HOLE not in path.text:
            where = f"{relative_posix(save.module.path, project.root)}:{save.site.span.line}"
            found.setdefault(path.text, where)
    return found
