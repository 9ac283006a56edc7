"""SER302 legacy-h5-format."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.rules.base import RuleContext, Violation
from serialint.rules.saving.model_paths import (
    ModelSaveRule,
    literal_readers,
    model_saves,
    rename_fix,
)

K3_WARNING = (
    "You are saving your model as an HDF5 file via `model.save()` or "
    "`keras.saving.save_model(model)`. This file format is considered legacy."
)


class LegacyH5Format(ModelSaveRule):
    code = "SER302"

    VALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.keras')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.save_weights('m.weights.h5')\n",
        "import keras, sys\nmodel = keras.Sequential()\nmodel.save(sys.argv[1])\n",
    )
    INVALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.h5')\n",
        "import keras\nmodel = keras.Sequential()\nkeras.saving.save_model(model, f'out/{1}.hdf5')\n",
        "import keras\ncb = keras.callbacks.ModelCheckpoint('best.h5')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.h5', save_format='h5')\n",
    )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        for found in model_saves(context.project, context.module):
            path = found.path
            h5 = (
                path is not None
                and path.ends_with(".h5", ".hdf5")
                and not path.ends_with(".weights.h5")
            )
            if not h5 and found.save_format != "h5":
                continue
            if found.major == 3:
                consequence = (
                    f'Keras 3 writes it only as a legacy format, and says so: "{K3_WARNING}"; '
                    "the native format is `.keras`"
                )
            else:
                consequence = (
                    "tf-keras loads a `.h5` file's Lambda layers without the safe-mode check "
                    "(their stored code runs), and cannot load one that holds a custom "
                    "activation function at all (\"Unknown activation function: 'function'\")"
                )
            yield Violation(
                span=found.save.site.func_span,
                message=f"`{found.what}` writes the legacy HDF5 format (`.h5`): {consequence}",
                fix_hint='Save as `.keras` (and load that file): `model.save("model.keras")`',
                fix=rename_fix(
                    path,
                    (".h5", ".hdf5"),
                    ".keras",
                    "Save as `{name}`",
                    literal_readers(context.project, context.module, path),
                )
                if h5 and found.save_format is None
                else None,
            )
