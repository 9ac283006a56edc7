"""SER304 weights-loaded-as-model."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.project import Module, Project
from serialint.project.paths import HOLE
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.messages import place

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
        for load in project.loads.by_module.get(module.name, []):
            if load.function != "load_model" or load.wrapper is not None:
                continue
            path = project.paths.of(module, load.path)
            if path is None:
                continue
            save = project.weights_files.get(path.text) if HOLE not in path.text else None
            if save is None and not path.ends_with(".weights.h5"):
                continue
            shown = path.text.replace(HOLE, "{...}")
            source = (
                f", written by `{place(project, save.module, save.site.span.line)}`"
                if save is not None
                else ""
            )
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
