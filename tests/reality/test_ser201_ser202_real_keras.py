"""SER201 (unregistered-custom-function) and SER202 (lambda-layer) against real Keras.

Each case is a small module that builds and saves a model.  One fresh process runs it (the
save), and another fresh process, which has not imported the module unless the case says so,
loads the file, as an inference script would.  The catalogue's errors are the claims checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from serialint.names import KERAS_BUILTIN_FUNCTIONS

from .harness import (
    ChildRun,
    assert_failed,
    assert_succeeded,
    catalogue_error,
    run_scripts,
)

pytestmark = pytest.mark.tensorflow

SAVE = """
import runpy
attempt("save", lambda: runpy.run_path("case_module.py"))
"""

# The loader imports the case module only when IMPORT is true (a registered object needs it).
LOAD = """
import os
import keras
IMPORT = {imports}
if IMPORT:
    import case_module
attempt("load", lambda: keras.saving.load_model("model.keras"))
if IMPORT and hasattr(case_module, "OBJECTS"):
    attempt("load_with_objects", lambda: keras.saving.load_model(
        "model.keras", custom_objects=case_module.OBJECTS))
attempt("load_unsafe", lambda: keras.saving.load_model("model.keras", safe_mode=False))
attempt("load_uncompiled", lambda: keras.saving.load_model("model.keras", compile=False))
import numpy as np
if os.path.exists("before.npy"):
    before = np.load("before.npy")
    after = keras.saving.load_model("model.keras")(np.ones((1, 4), "float32") * 3.0)
    report("same_predictions", value=bool(np.allclose(before, np.asarray(after), atol=1e-4)))
attempt("call_unsafe", lambda: keras.saving.load_model("model.keras", safe_mode=False)(np.ones((1, 4), "float32")))
"""

CASES: dict[str, tuple[str, bool]] = {
    # SER202: a Lambda whose function reads a module global.
    "global_lambda": (
        "import keras\nSCALE = 3.0\n"
        "inputs = keras.Input((4,))\n"
        "model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * SCALE, output_shape=(4,))(inputs))\n"
        "model.save('model.keras')\n",
        False,
    ),
    # SER202: a Lambda of a named project function; Keras 3 stores only the name.
    "lambda_of_def": (
        "import keras\n"
        "def crop(t):\n    return t[:, 1:]\n"
        "inputs = keras.Input((4,))\n"
        "model = keras.Model(inputs, keras.layers.Lambda(crop)(inputs))\n"
        "model.save('model.keras')\n",
        True,
    ),
    # The same function registered: found by its registered name.
    "lambda_of_registered_def": (
        "import keras\n"
        "@keras.saving.register_keras_serializable(package='p')\n"
        "def crop(t):\n    return t[:, 1:]\n"
        "inputs = keras.Input((4,))\n"
        "model = keras.Model(inputs, keras.layers.Lambda(crop)(inputs))\n"
        "model.save('model.keras')\n",
        True,
    ),
    # A functools.partial cannot be saved at all (Lambda or activation).
    "partial": (
        "import functools, keras\n"
        "def act(t, scale):\n    return t * scale\n"
        "layer = keras.layers.Activation(functools.partial(act, scale=2.0))\n"
        "model = keras.Sequential([keras.Input((4,)), layer])\n"
        "model.save('model.keras')\n",
        True,
    ),
    # SER201: a project loss; compile=False loads without it.
    "compile_loss": (
        "import keras\n"
        "def my_loss(y, p):\n    return (y - p) ** 2\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss=my_loss)\n"
        "model.save('model.keras')\n",
        True,
    ),
    # A project function named like a Keras activation loads as Keras' own.
    "builtin_name": (
        "import keras\n"
        "def mish(x):\n    return x * keras.activations.tanh(keras.activations.softplus(x))\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=mish)])\n"
        "model.save('model.keras')\n",
        False,
    ),
    # A bound method: no load can rebuild it, custom_objects or not.
    "method": (
        "import keras\n"
        "class Scaler:\n    def scale(self, t):\n        return t * 2.0\n"
        "SCALER = Scaler()\nOBJECTS = {'scale': SCALER.scale}\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=SCALER.scale)])\n"
        "model.save('model.keras')\n",
        True,
    ),
    # A lambda passed as an activation, and one passed as a loss.
    "lambda_activation": (
        "import keras\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=lambda t: t)])\n"
        "model.save('model.keras')\n",
        False,
    ),
    "lambda_loss": (
        "import keras\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss=lambda y, p: (y - p) ** 2)\n"
        "model.save('model.keras')\n",
        False,
    ),
    # Regularizer and initializer functions are interpreted, not located.
    "regularizer_def": (
        "import keras\n"
        "def my_l1(w):\n    return 0.01 * keras.ops.sum(keras.ops.abs(w))\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, kernel_regularizer=my_l1)])\n"
        "model.save('model.keras')\n",
        True,
    ),
    "initializer_def": (
        "import keras\n"
        "def my_ones(shape, dtype=None):\n    return keras.ops.ones(shape, dtype=dtype)\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, kernel_initializer=my_ones)])\n"
        "model.save('model.keras')\n",
        True,
    ),
    # A project gelu that is not Keras' gelu: the load swaps in Keras' own.
    "shadow_gelu": (
        "import keras, numpy as np\n"
        "def gelu(x):\n    return x * keras.ops.sigmoid(1.702 * x)\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=gelu)])\n"
        "model.save('model.keras')\n"
        "np.save('before.npy', model(np.ones((1, 4), 'float32') * 3.0).numpy())\n",
        False,
    ),
    # A Lambda made inside a custom layer's build: not stored, rebuilt on load.
    "internal_lambda": (
        "import keras\n"
        "@keras.saving.register_keras_serializable(package='p')\n"
        "class Gate(keras.layers.Layer):\n"
        "    def build(self, shape):\n"
        "        self.inner = keras.layers.Lambda(lambda t: t + 1.0)\n"
        "    def call(self, inputs):\n        return self.inner(inputs)\n"
        "model = keras.Sequential([keras.Input((4,)), Gate()])\n"
        "model.save('model.keras')\n",
        True,
    ),
}


def _k2(source: str) -> str:
    return (
        source.replace("import keras\n", "import tf_keras as keras\n")
        .replace("import functools, keras\n", "import functools\nimport tf_keras as keras\n")
        .replace("import keras, numpy as np\n", "import numpy as np\nimport tf_keras as keras\n")
        .replace("keras.ops.", "keras.backend.")
    )


def _cases(rules: dict[str, dict[str, Any]]) -> dict[str, tuple[str, bool]]:
    found = dict(CASES)
    found["example201"] = (rules["SER201"]["example"], False)
    found["use_instead201"] = (rules["SER201"]["use_instead"], True)
    found["example202"] = (rules["SER202"]["example"], False)
    found["use_instead202"] = (rules["SER202"]["use_instead"], True)
    return found


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ChildRun]:
    root = tmp_path_factory.mktemp("ser201_ser202")
    cases = _cases(rules)
    keys = [(name, major) for name in cases for major in (3, 2)]
    directories = []
    for name, major in keys:
        directory: Path = root / f"{name}_k{major}"
        directory.mkdir()
        source, _ = cases[name]
        (directory / "case_module.py").write_text(source if major == 3 else _k2(source))
        directories.append(directory)
    saves = run_scripts([(d, SAVE) for d in directories])
    loads = []
    for (name, major), directory in zip(keys, directories, strict=True):
        body = LOAD.format(imports=cases[name][1])
        loads.append((directory, body if major == 3 else _k2(body)))
    loaded = run_scripts(loads)
    return {
        f"{name}_k{major}": ChildRun.merged([save, load])
        for (name, major), save, load in zip(keys, saves, loaded, strict=True)
    }


def test_ser202_example_is_refused_in_safe_mode_and_loads_unsafe(
    rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    for major, key in ((3, "keras_error_k3"), (2, "keras_error_k2")):
        run = runs[f"example202_k{major}"]
        run.assert_clean_exit()
        assert_succeeded(run.result("save"))
        exc_type, message = catalogue_error(rules["SER202"][key])
        assert_failed(run.result("load"), exc_type, message)
        assert_succeeded(run.result("load_unsafe"))
        assert_succeeded(run.result("call_unsafe"))


def test_ser202_use_instead_loads_in_safe_mode(runs: dict[str, ChildRun]) -> None:
    for major in (3, 2):
        run = runs[f"use_instead202_k{major}"]
        run.assert_clean_exit()
        assert_succeeded(run.result("save"))
        assert_succeeded(run.result("load"))


def test_a_lambda_reading_a_module_global_fails_at_its_first_call(
    runs: dict[str, ChildRun],
) -> None:
    run = runs["global_lambda_k3"]
    assert_succeeded(run.result("load_unsafe"))
    assert_failed(run.result("call_unsafe"), "NameError", "SCALE")


def test_keras3_stores_a_lambda_def_by_name_and_tf_keras_as_bytecode(
    rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    k3 = runs["lambda_of_def_k3"]  # the loader imported the module: that does not help
    assert_failed(k3.result("load"), "TypeError", "Could not locate function 'crop'")
    assert_failed(k3.result("load_unsafe"), "TypeError", "Could not locate function 'crop'")
    k2 = runs["lambda_of_def_k2"]
    exc_type, message = catalogue_error(rules["SER202"]["keras_error_k2"])
    assert_failed(k2.result("load"), exc_type, message)
    assert_succeeded(k2.result("load_unsafe"))
    assert_succeeded(runs["lambda_of_registered_def_k3"].result("load"))


def test_a_partial_cannot_be_saved(runs: dict[str, ChildRun]) -> None:
    for major in (3, 2):
        outcome = runs[f"partial_k{major}"].result("save")
        assert_failed(outcome, "TypeError", "Cannot serialize object functools.partial")


def test_ser201_example_fails_and_use_instead_loads(
    rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    k3 = runs["example201_k3"]
    assert_succeeded(k3.result("save"))
    exc_type, message = catalogue_error(rules["SER201"]["keras_error_k3"])
    assert_failed(k3.result("load"), exc_type, message)
    k2 = runs["example201_k2"]
    exc_type, message = catalogue_error(rules["SER201"]["keras_error_k2"])
    assert_failed(k2.result("load"), exc_type, *message.split("{...}"))
    for major in (3, 2):
        assert_succeeded(runs[f"use_instead201_k{major}"].result("load"))


def test_a_loss_is_needed_only_by_a_compiled_load(runs: dict[str, ChildRun]) -> None:
    for major in (3, 2):
        run = runs[f"compile_loss_k{major}"]
        assert_failed(run.result("load"), "TypeError", "Could not locate function 'my_loss'")
        assert_succeeded(run.result("load_uncompiled"))


def test_quiet_cases_load(runs: dict[str, ChildRun]) -> None:
    """A function named like a Keras built-in, and a Lambda inside a custom layer's build."""
    for name in ("builtin_name_k3", "internal_lambda_k3", "internal_lambda_k2"):
        assert_succeeded(runs[name].result("load"))


BUILTINS = """
import keras
for name in NAMES:
    config = {"module": "builtins", "class_name": "function", "config": name,
              "registered_name": "function"}
    attempt(name, lambda: callable(keras.saving.deserialize_keras_object(config)) or 1 / 0)
"""


def test_every_builtin_name_resolves_to_a_keras_function(tmp_path: Path) -> None:
    names = sorted(KERAS_BUILTIN_FUNCTIONS)
    run = run_scripts([(tmp_path, BUILTINS.replace("NAMES", repr(names)))])[0]
    run.assert_clean_exit()
    for name in names:
        assert_succeeded(run.result(name))


def test_a_bound_method_cannot_be_rebuilt_even_with_custom_objects(
    runs: dict[str, ChildRun],
) -> None:
    run = runs["method_k3"]
    assert_succeeded(run.result("save"))
    for name in ("load", "load_with_objects"):
        assert_failed(run.result(name), "TypeError", "Expected 'config' to be a dict for method")


def test_a_lambda_outside_a_lambda_layer(runs: dict[str, ChildRun]) -> None:
    activation = runs["lambda_activation_k3"]
    for name in ("load", "load_unsafe"):
        outcome = activation.result(name)
        assert_failed(
            outcome, outcome["type"], "Could not interpret activation function identifier"
        )
    loss = runs["lambda_loss_k3"]
    assert_failed(
        loss.result("load"), "ValueError", "Requested the deserialization of a Python lambda"
    )
    assert_succeeded(loss.result("load_unsafe"))
    assert_succeeded(loss.result("load_uncompiled"))
    k2_activation = runs["lambda_activation_k2"].result("load_unsafe")
    assert_failed(k2_activation, k2_activation["type"], "Improper config format")
    k2_loss = runs["lambda_loss_k2"]
    refused = k2_loss.result("load")
    assert_failed(refused, refused["type"], "safe_mode=False")
    assert_succeeded(k2_loss.result("load_unsafe"))


def test_regularizer_and_initializer_functions_are_not_interpreted(
    runs: dict[str, ChildRun],
) -> None:
    for case, kind in (("regularizer_def", "regularizer"), ("initializer_def", "initializer")):
        outcome = runs[f"{case}_k3"].result("load")
        assert_failed(outcome, outcome["type"], f"Could not interpret {kind} identifier")


def test_a_project_gelu_is_replaced_by_keras_gelu(runs: dict[str, ChildRun]) -> None:
    run = runs["shadow_gelu_k3"]
    assert_succeeded(run.result("load"))
    assert run.result("same_predictions")["value"] is False


def test_tf_keras_names_an_unknown_activation_function(runs: dict[str, ChildRun]) -> None:
    outcome = runs["example201_k2"].result("load")
    assert outcome["ok"] is False and "Unknown activation function" in outcome["message"]


EXTERNAL = """
import keras
import tensorflow as tf
for name in NAMES:
    function = eval(name)
    def round_trip():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(function, output_shape=(4,))])
        config = keras.saving.serialize_keras_object(model)
        keras.saving.deserialize_keras_object(config)
    attempt(name, round_trip)
"""

# Keras and TensorFlow functions people pass by reference, with their qualified names.
EXTERNALS = {
    "tf.nn.relu": "tensorflow.nn.relu",
    "tf.nn.relu6": "tensorflow.nn.relu6",
    "tf.nn.sigmoid": "tensorflow.nn.sigmoid",
    "tf.nn.softmax": "tensorflow.nn.softmax",
    "tf.nn.log_softmax": "tensorflow.nn.log_softmax",
    "tf.nn.silu": "tensorflow.nn.silu",
    "tf.nn.swish": "tensorflow.nn.swish",
    "tf.nn.gelu": "tensorflow.nn.gelu",
    "tf.nn.elu": "tensorflow.nn.elu",
    "tf.math.tanh": "tensorflow.math.tanh",
    "tf.nn.l2_normalize": "tensorflow.nn.l2_normalize",
    "tf.reduce_mean": "tensorflow.reduce_mean",
    "keras.ops.relu": "keras.ops.relu",
    "keras.ops.abs": "keras.ops.abs",
    "keras.ops.square": "keras.ops.square",
    "keras.activations.swish": "keras.activations.swish",
    "keras.activations.hard_swish": "keras.activations.hard_swish",
    "tf.keras.activations.swish": "tensorflow.keras.activations.swish",
}


def test_which_library_functions_keras_finds_by_name(tmp_path: Path) -> None:
    """The rule's prediction (external_found) against a real round trip, function by function."""
    from serialint.rules.functions.stored import external_found

    body = EXTERNAL.replace("NAMES", repr(list(EXTERNALS)))
    run = run_scripts([(tmp_path, body)])[0]
    run.assert_clean_exit()
    for written, qualified in EXTERNALS.items():
        outcome = run.result(written)
        assert outcome["ok"] is external_found(qualified), (
            written,
            outcome.get("message", "")[:300],
        )


H5_SAVE = """
import tf_keras as keras
def scaled_tanh(x):
    return 1.7159 * keras.activations.tanh(2.0 * x / 3.0)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=scaled_tanh)])
attempt("save", lambda: model.save("model.h5"))
"""

H5_LOAD = """
import tf_keras as keras
def scaled_tanh(x):
    return 1.7159 * keras.activations.tanh(2.0 * x / 3.0)
attempt("custom_objects", lambda: keras.models.load_model(
    "model.h5", custom_objects={"scaled_tanh": scaled_tanh}))
"""


def test_tf_keras_cannot_load_an_h5_with_a_custom_activation(tmp_path: Path) -> None:
    saved = run_scripts([(tmp_path, H5_SAVE)])[0]
    assert_succeeded(saved.result("save"))
    loaded = run_scripts([(tmp_path, H5_LOAD)])[0]
    outcome = loaded.result("custom_objects")
    assert_failed(outcome, outcome["type"], "Unknown activation function")
