"""SER303 save-path-without-extension."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.rules.base import RuleContext, Violation
from serialint.rules.saving.model_paths import (
    ModelSaveRule,
    literal_readers,
    model_saves,
    rename_fix,
)

SAVE_ERROR = (
    "ValueError: Invalid filepath extension for saving. Please add either a `.keras` extension "
    "for the native Keras format (recommended) or a `.h5` extension."
)
CHECKPOINT_ERROR = "ValueError: The filepath provided must end in `.keras` (Keras model format)."
FORMAT_ERROR = (
    "ValueError: The `save_format` argument is deprecated in Keras 3. Please remove this "
    "argument and pass a file path with either `.keras` or `.h5` extension."
)
_MODEL_FILES = (".keras", ".h5", ".hdf5")


class SavePathWithoutExtension(ModelSaveRule):
    code = "SER303"

    VALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.keras')\n",
        "import keras, sys\nmodel = keras.Sequential()\nmodel.save(sys.argv[1])\n",
        "import keras\nmodel = keras.Sequential()\nmodel.export('serving')\n",
    )
    INVALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save('saved_model')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.tf')\n",
        "import keras, os\nmodel = keras.Sequential()\n"
        "keras.saving.save_model(model, os.path.join('runs', 'final'))\n",
        "import keras\ncb = keras.callbacks.ModelCheckpoint('ckpt/epoch_{epoch}')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.save('m', save_format='tf')\n",
    )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        for found in model_saves(context.project, context.module):
            path = found.path
            extension = path.extension if path is not None else None
            bad_path = extension is not None and extension.lower() not in _MODEL_FILES
            bad_format = found.save_format == "tf"
            if not bad_path and not bad_format:
                continue
            if found.major == 3:
                if bad_format:
                    failure = FORMAT_ERROR
                elif found.what == "ModelCheckpoint":
                    failure = CHECKPOINT_ERROR
                else:
                    failure = SAVE_ERROR
                consequence = f'Keras 3 refuses it and writes nothing: "{failure}"'
            else:
                consequence = (
                    "tf-keras silently writes a TensorFlow SavedModel directory there, which "
                    "Keras 3's `load_model` cannot read"
                )
            what = '`save_format="tf"`' if bad_format else "a path without `.keras`"
            yield Violation(
                span=found.save.site.func_span,
                message=f"`{found.what}` is given {what}: {consequence}",
                fix_hint=(
                    "End the path in `.keras`; use `model.export(path)` for a SavedModel that "
                    "TF Serving or TFLite reads"
                ),
                fix=rename_fix(
                    path,
                    (".tf",),
                    ".keras",
                    "Save as `{name}`",
                    literal_readers(context.project, context.module, path),
                )
                if bad_path and not bad_format
                else None,
            )
