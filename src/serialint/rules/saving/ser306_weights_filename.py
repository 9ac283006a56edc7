"""SER306 weights-filename."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from serialint import names
from serialint.facts.model import Attr, CallSite, Const, Value
from serialint.findings import Fix
from serialint.project import Module, Project
from serialint.project.paths import PathText
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.saving.model_paths import rename_fix

WEIGHTS_SUFFIX = ".weights.h5"
# What Keras 3's load_weights reads (measured): the `.keras`, `.weights.h5` and legacy `.h5`
# formats (`.hdf5` is left alone: not measured).
_LOADABLE = (".weights.h5", ".h5", ".hdf5", ".keras")

SAVE_WEIGHTS_ERROR = "ValueError: The filename must end in `.weights.h5`. Received: filepath={path}"
CHECKPOINT_ERROR = (
    "ValueError: When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
    "provided must end in `.weights.h5` (Keras weights format). Received: filepath={path}"
)
LOAD_WEIGHTS_ERROR = (
    "ValueError: File format not supported: filepath={path}. Keras 3 only supports V3 "
    "`.keras` files, `.weights.h5` files, legacy H5 format files (`.h5` extension), or Orbax "
    "checkpoints."
)


@dataclass(frozen=True)
class WeightsPath:
    site: CallSite
    path: PathText
    what: str  # "save_weights" | "ModelCheckpoint" | "load_weights"


class WeightsFilename(Rule):
    code = "SER306"

    VALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save_weights('m.weights.h5')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.load_weights('old_model.h5')\n",
        "import keras\ncb = keras.callbacks.ModelCheckpoint('best.keras')\n",
        # A path it cannot see the end of.
        "import keras, sys\nmodel = keras.Sequential()\nmodel.save_weights(sys.argv[1])\n",
        # tf-keras accepts every name.
        "import tf_keras\nmodel = tf_keras.Sequential()\nmodel.save_weights('ckpt')\n",
    )
    INVALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save_weights('model.h5')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.save_weights(f'runs/{1}/ckpt')\n",
        "import keras\ncb = keras.callbacks.ModelCheckpoint('best.h5', save_weights_only=True)\n",
        "import keras\nmodel = keras.Sequential()\nmodel.load_weights('best_model.weights')\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(
            isinstance(s.call.func, Attr) and s.call.func.attr in ("save_weights", "load_weights")
            for s in module.facts.calls
        ) or bool(project.saves.in_module(module))

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for found in _weights_paths(project, context.module):
            path = found.path
            if found.what == "load_weights":
                if path.extension is None or path.ends_with(*_LOADABLE):
                    continue
                failure = LOAD_WEIGHTS_ERROR
                message = (
                    "Keras 3's `load_weights` cannot read this path: it reads `.weights.h5`, "
                    "`.keras` and legacy `.h5` files, and fails with"
                )
            else:
                if path.tail is None or path.ends_with(WEIGHTS_SUFFIX):
                    continue
                failure = SAVE_WEIGHTS_ERROR if found.what == "save_weights" else CHECKPOINT_ERROR
                message = f"Keras 3 refuses this weights path: `{found.what}` fails with"
            shown = re.sub("\x00+", "{...}", path.text)
            yield Violation(
                span=found.site.func_span,
                message=f'{message} "{failure.format(path=shown)}" (tf-keras accepted it)',
                fix_hint=f"End the path in `{WEIGHTS_SUFFIX}`, here and where it is read back",
                fix=_suffix_fix(path) if found.what != "load_weights" else None,
            )


def _weights_paths(project: Project, module: Module) -> Iterator[WeightsPath]:
    if project.keras_version != 3:
        return  # a tf-keras project: it accepts any weights file name
    for site in module.facts.calls:
        func = site.call.func
        what = None
        argument: Value | None = None
        if isinstance(func, Attr) and func.attr in ("save_weights", "load_weights"):
            what, argument = func.attr, site.call.argument(0, "filepath")
        else:
            qualified = project.values.qualify(module, func)
            keras = names.keras_name(qualified or "")
            if keras is not None and keras.path == "callbacks.ModelCheckpoint":
                if keras.flavor in ("keras2", "tf-legacy"):
                    continue
                weights_only = site.call.keyword("save_weights_only")
                if isinstance(weights_only, Const) and weights_only.value is True:
                    what, argument = "ModelCheckpoint", site.call.argument(0, "filepath")
        if what is None:
            continue
        path = project.paths.of(module, argument)
        if path is not None:
            yield WeightsPath(site, path, what)


def _suffix_fix(path: PathText) -> Fix | None:
    """``"model.h5"`` -> ``"model.weights.h5"``, ``"ckpt"`` -> ``"ckpt.weights.h5"``: only for a
    path that is one string literal."""
    extension = path.extension
    old = (extension.lower(),) if extension else ()
    return rename_fix(path, old, WEIGHTS_SUFFIX, "Name the file `{name}`")
