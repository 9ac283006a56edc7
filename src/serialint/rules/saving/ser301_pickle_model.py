"""SER301 pickle-model."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import names
from serialint.facts.model import Attr, Call, Value
from serialint.names import KERAS_SELF_IMPORTING_PACKAGES, is_pickle_dump
from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation


class PickleModel(Rule):
    code = "SER301"

    VALID = (
        "import pickle\nhistory = {'loss': [1.0]}\npickle.dump(history, open('h.pkl', 'wb'))\n",
        "import joblib\nfrom sklearn.linear_model import LinearRegression\n"
        "joblib.dump(LinearRegression(), 'lr.joblib')\n",
        # The name is rebound to plain data before it is pickled.
        "import pickle, keras\nmodel = keras.Sequential()\nmodel = model.get_weights()\n"
        "pickle.dumps(model)\n",
        "import pickle\nimport numpy as np\nweights = np.zeros(3)\npickle.dumps(weights)\n",
    )
    INVALID = (
        "import joblib\nfrom tensorflow.keras.models import load_model\n"
        "m = load_model('m.keras')\njoblib.dump(m, 'm.joblib')\n",
        "import dill as pk\nimport tensorflow as tf\n"
        "def build():\n    return tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "pk.dumps(build())\n",
        "import cloudpickle, keras\n"
        "def save(model: keras.Model, path):\n"
        "    with open(path, 'wb') as f:\n        cloudpickle.dump(model, f)\n",
        "import pickle, keras\nlayer = keras.layers.Dense(3)\n"
        "pickle.dump({'layer': layer, 'epoch': 3}, open('x', 'wb'))\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        # Keras' own packages pickle their objects on purpose; the private modules are theirs.
        if module.name.split(".")[0] in KERAS_SELF_IMPORTING_PACKAGES:
            return False
        return any(_dumper(project, module, site.call.func) for site in module.facts.calls)

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project, module = context.project, context.module
        for site in module.facts.calls:
            target = _dumper(project, module, site.call.func)
            if target is None:
                continue
            value = site.call.argument(0, "obj") or site.call.keyword("value")
            if value is None:
                continue
            what = project.pickled_keras(module, value, site.span.line)
            if what is None:
                continue
            yield Violation(
                span=site.span,
                message=(
                    f"{what} serialized with `{target}`: the pickle points into Keras' "
                    "private modules (`keras.src`, `tf_keras.src`), unpickling runs with "
                    "`safe_mode=False`, and "
                    "custom objects come back only if registered and imported: it is tied to "
                    "this Keras version's internals and fails to load unregistered custom layers"
                ),
                fix_hint='Save with model.save("model.keras") and load with keras.saving.load_model',
            )


def _dumper(project: Project, module: Module, func: Value) -> str | None:
    if isinstance(func, Attr) and func.attr == "dump" and isinstance(func.value, Call):
        pickler = project.values.qualify(module, func.value.func)  # pickle.Pickler(f).dump(m)
        return f"{pickler}(...).dump" if pickler in names.PICKLERS else None
    target = project.values.qualify(module, func)
    return target if is_pickle_dump(target) else None
