"""SER301 pickle-model."""

from __future__ import annotations

import libcst as cst

from serialint.index import ModuleSummary, ProjectIndex
from serialint.names import KERAS_SELF_IMPORTING_PACKAGES, is_pickle_dump
from serialint.rules.base import keyword, positional
from serialint.rules.values import TracksValues


class PickleModel(TracksValues):
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
    def applies_to(cls, summary: ModuleSummary, index: ProjectIndex) -> bool:
        # Keras' own packages pickle their objects on purpose; the private modules are theirs.
        top = summary.module.split(".")[0]
        return summary.pickle_dumps > 0 and top not in KERAS_SELF_IMPORTING_PACKAGES

    def visit_Call(self, node: cst.Call) -> bool | None:
        target = self.qualified(node.func)
        if not is_pickle_dump(target):
            return True
        args = positional(node)
        value = args[0].value if args else None
        if value is None:
            arg = keyword(node, "obj") or keyword(node, "value")
            value = arg.value if arg is not None else None
        if value is None:
            return True
        kind = self.keras_value_kind(value)
        if kind is None:
            return True
        self.report(
            node,
            f"Keras {kind} serialized with `{target}`: the pickle points into Keras' private "
            "`keras.src` modules, unpickling runs with `safe_mode=False`, and custom objects "
            "come back only if registered and imported: it is tied to this Keras version's "
            "internals and fails to load unregistered custom layers",
            fix_hint='Save with model.save("model.keras") and load with keras.saving.load_model',
        )
        return True
