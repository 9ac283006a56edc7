"""SER405 savedmodel-loaded-as-keras."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import names
from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.messages import place

_WRITERS = {
    "saved_model": "`tf.saved_model.save`",
    "export": "`export`",
}


class SavedModelLoadedAsKeras(Rule):
    code = "SER405"

    VALID = (
        # The Keras 3 way to serve an exported SavedModel.
        "import keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "model.export('served')\nlayer = keras.layers.TFSMLayer('served', call_endpoint='serve')\n",
        # A .keras file is read by load_model.
        "import keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "model.save('m.keras')\nkeras.saving.load_model('m.keras')\n",
        # A different directory.
        "import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(2)])\n"
        "tf.saved_model.save(model, 'exported')\ntf.keras.models.load_model('other.keras')\n",
    )
    INVALID = (
        "import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(2)])\n"
        "tf.saved_model.save(model, 'exported/1')\n"
        "restored = tf.keras.models.load_model('exported/1')\n",
        "import keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "model.export('served')\nrestored = keras.models.load_model('served')\n",
        "import os, keras\nRUN = os.environ['RUN']\n"
        "def save(model):\n    model.save(f'{RUN}/action_model')\n"
        "def load():\n    return keras.models.load_model(f'{RUN}/action_model')\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return bool(project.savedmodel_writes) and bool(project.loads.in_module(module))

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for load in project.loads.in_module(context.module):
            save = project.savedmodel_read_by(load)
            if save is None:
                continue
            loader = names.keras_name(
                project.values.qualify(load.module, load.site.call.func) or ""
            )
            major = project.semantics.major_for(loader.flavor) if loader else project.keras_version
            if major == 2 and save.function not in _WRITERS:
                continue  # tf-keras reads its own extensionless saves
            writer = _WRITERS.get(
                save.function, "an extensionless `save` (a SavedModel in Keras 2)"
            )
            where = place(project, save.module, save.site.span.line)
            if major == 3:
                failure = (
                    'Keras 3 cannot read a SavedModel: "File format not supported: ... the legacy '
                    'SavedModel format is not supported by `load_model()` in Keras 3"'
                )
            elif save.function == "export":
                failure = "tf-keras returns a bare `_UserObject` with no layers, not a Keras model"
            else:
                failure = (
                    'tf-keras fails: "Unable to create a TF-Keras model from SavedModel ... '
                    'exported with `tf.saved_model.save`"'
                )
            yield Violation(
                span=load.site.func_span,
                message=f"`{load.function}` reads the SavedModel directory that {writer} writes "
                f"at {where}: {failure}",
                fix_hint=(
                    'Reload it with keras.layers.TFSMLayer(path, call_endpoint="serving_default") '
                    "for inference (or tf.saved_model.load), or save the model with "
                    'model.save("model.keras") and load that'
                ),
            )
