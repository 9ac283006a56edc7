"""The same hazards are found whichever way the code imports Keras."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import codes_at, lint

# Each style: (imports, expression for the Layer base, the Sequential, load_model).
STYLES = {
    "keras": ("import keras", "keras.layers.Layer", "keras.Sequential", "keras.models.load_model"),
    "keras-saving": (
        "import keras\nfrom keras.saving import load_model",
        "keras.Layer",
        "keras.models.Sequential",
        "load_model",
    ),
    "tf.keras": (
        "import tensorflow as tf",
        "tf.keras.layers.Layer",
        "tf.keras.Sequential",
        "tf.keras.models.load_model",
    ),
    "from-tensorflow-import-keras": (
        "from tensorflow import keras",
        "keras.layers.Layer",
        "keras.Sequential",
        "keras.models.load_model",
    ),
    "tensorflow.keras-layers-as-L": (
        "from tensorflow.keras import layers as L\nfrom tensorflow.keras import models",
        "L.Layer",
        "models.Sequential",
        "models.load_model",
    ),
    "import-tensorflow.keras-as": (
        "import tensorflow.keras as K",
        "K.layers.Layer",
        "K.Sequential",
        "K.models.load_model",
    ),
    "tf_keras": (
        "import tf_keras",
        "tf_keras.layers.Layer",
        "tf_keras.Sequential",
        "tf_keras.models.load_model",
    ),
    "keras.src": (
        "from keras.src.layers.layer import Layer\nfrom keras.src.models.sequential import "
        "Sequential\nfrom keras.src.saving.saving_api import load_model",
        "Layer",
        "Sequential",
        "load_model",
    ),
    "star-import": (
        "from tensorflow.keras.layers import *\nfrom tensorflow.keras.models import *",
        "Layer",
        "Sequential",
        "load_model",
    ),
    "module-alias": (
        "import tensorflow as tf\nBaseLayer = tf.keras.layers.Layer\nK = tf.keras",
        "BaseLayer",
        "K.Sequential",
        "K.models.load_model",
    ),
}

TEMPLATE = """\
import pickle
{imports}


class Scale({base}):
    def get_config(self):
        return super().get_config()


model = {sequential}([Scale()])
pickle.dump(model, open("m.pkl", "wb"))
loaded = {load}("m.keras")
"""


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_import_style_finds_the_same_hazards(style: str, tmp_path: Path) -> None:
    imports, base, sequential, load = STYLES[style]
    source = TEMPLATE.format(imports=imports, base=base, sequential=sequential, load=load)
    findings = lint(tmp_path, {"train.py": source})
    offset = imports.count("\n")
    assert codes_at(findings) == [
        ("SER101", "train.py", 5 + offset),
        ("SER301", "train.py", 11 + offset),
        ("SER401", "train.py", 12 + offset),
    ]


@pytest.mark.parametrize(
    "imports",
    [
        "from keras.saving import register_keras_serializable",
        "from keras.utils import register_keras_serializable",
        "from tensorflow.keras.utils import register_keras_serializable",
        "from tensorflow.keras.saving import register_keras_serializable",
        "from tf_keras.saving import register_keras_serializable",
        "from keras.src.saving.object_registration import register_keras_serializable",
    ],
)
def test_registration_is_recognised_under_every_alias(imports: str, tmp_path: Path) -> None:
    # Each registry holds its own Keras' classes: a tf_keras class for tf_keras' decorator.
    # Importing tf_keras makes the project legacy Keras (tf.keras is tf_keras): only the
    # tf_keras case imports it.
    base = "tf_keras.layers.Layer" if "tf_keras" in imports else "keras.layers.Layer"
    extra = "import tf_keras\n" if "tf_keras" in imports else ""
    source = (
        f"{imports}\nimport keras\n{extra}\n"
        "@register_keras_serializable(package='p')\n"
        f"class Scale({base}):\n    pass\n\n"
        "m = keras.models.load_model('m.keras')\n"
    )
    assert lint(tmp_path, {"a.py": source}) == []


def test_a_decorator_of_the_other_keras_registers_nothing(tmp_path: Path) -> None:
    # Measured with TensorFlow 2.21, keras 3.15.1 and tf-keras 2.21 in one venv: a Keras 3
    # layer decorated with tf_keras.saving.register_keras_serializable(package="p") keeps
    # keras.saving.get_registered_name(cls) == "Mixed", and a fresh process that imports the
    # module cannot load it ("Could not locate class 'Mixed'"); KERAS-SEMANTICS section 3 has
    # the reverse (tf.keras class, keras.saving decorator) on legacy Keras.
    source = (
        "import keras\nimport tf_keras\n\n"
        "@tf_keras.saving.register_keras_serializable(package='p')\n"
        "class Mixed(keras.layers.Layer):\n    pass\n"
    )
    # Still unregistered for Keras 3; SER108 (not SER101) says the registration is the fault.
    assert [(c, r) for c, _, r in codes_at(lint(tmp_path, {"a.py": source}))] == [("SER108", 5)]
