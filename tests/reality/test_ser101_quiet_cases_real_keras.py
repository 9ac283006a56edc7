"""SER101's quiet cases, and its fix, checked against real Keras 3 in fresh processes.

Each case is what the rule page says needs no registration; its counterpart is the same class
used in a way that does.  Every load runs in a process that did not build the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .harness import assert_failed, assert_succeeded, run_scripts

pytestmark = pytest.mark.tensorflow

Results = dict[str, dict[str, Any]]

LOCATE = "Could not locate class"

MODULE = '''
import keras


class Scale(keras.layers.Layer):
    """Unregistered, with no constructor arguments to record."""

    def call(self, inputs):
        return inputs * 2.0


class Residual(keras.layers.Layer):
    """Unregistered; created only by Stack below."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units)

    def call(self, inputs):
        return inputs + self.dense(inputs)


@keras.saving.register_keras_serializable(package="cases")
class Stack(keras.layers.Layer):
    def __init__(self, depth=2, **kwargs):
        super().__init__(**kwargs)
        self.depth = depth
        self.blocks = [Residual(3) for _ in range(depth)]

    def call(self, inputs):
        for block in self.blocks:
            inputs = block(inputs)
        return inputs

    def get_config(self):
        return {**super().get_config(), "depth": self.depth}


class Wrapper(keras.Model):
    """Unregistered training wrapper: fitted, never saved itself."""

    def __init__(self, encoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder

    def call(self, inputs):
        return self.encoder(inputs)


def build_encoder():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs), name="encoder")
'''

SAVE = """
import keras
import numpy as np
from cases import Scale, Stack, Residual, Wrapper, build_encoder

x = fixed_input()

state = keras.Sequential([keras.Input((3,)), Scale(), keras.layers.Dense(2)])
state.save_weights("state.weights.h5")
np.save("state_before.npy", state.predict(x, verbose=0))

nested = keras.Sequential([keras.Input((3,)), Stack()])
nested.save("nested.keras")
np.save("nested_before.npy", nested.predict(x, verbose=0))

direct = keras.Sequential([keras.Input((3,)), Residual(3)])
direct.save("direct.keras")

encoder = build_encoder()
wrapper = Wrapper(encoder)
wrapper.compile(loss="mse")
wrapper.fit(x, np.zeros((2, 2)), epochs=1, verbose=0)
encoder.save("encoder.keras")
np.save("encoder_before.npy", encoder.predict(x, verbose=0))
report("saved")
"""

LOAD = """
import keras
import numpy as np
import cases  # imported, yet nothing unregistered in it is registered by importing it

x = fixed_input()


def state_only():
    rebuilt = keras.Sequential([keras.Input((3,)), cases.Scale(), keras.layers.Dense(2)])
    rebuilt.load_weights("state.weights.h5")
    assert np.array_equal(rebuilt.predict(x, verbose=0), np.load("state_before.npy"))


def nested():
    model = keras.saving.load_model("nested.keras")
    assert np.array_equal(model.predict(x, verbose=0), np.load("nested_before.npy"))


def encoder():
    model = keras.saving.load_model("encoder.keras")
    assert np.array_equal(model.predict(x, verbose=0), np.load("encoder_before.npy"))


attempt("state_only", state_only)
attempt("internal_sublayer", nested)
attempt("sublayer_used_directly", lambda: keras.saving.load_model("direct.keras"))
attempt("wrapper_parts", encoder)
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Results:
    directory = tmp_path_factory.mktemp("quiet_cases")
    (directory / "cases.py").write_text(MODULE)
    [saved] = run_scripts([(directory, SAVE)])
    saved.assert_clean_exit()
    saved.result("saved")
    [load] = run_scripts([(directory, LOAD)])
    load.assert_clean_exit()
    return load.results()


def test_a_model_saved_only_as_weights_needs_no_registration(loaded: Results) -> None:
    assert_succeeded(loaded["state_only"])


def test_a_sublayer_rebuilt_by_its_registered_parent_needs_no_registration(loaded: Results) -> None:
    assert_succeeded(loaded["internal_sublayer"])


def test_the_same_sublayer_placed_in_a_model_directly_is_stored_by_name(loaded: Results) -> None:
    assert_failed(loaded["sublayer_used_directly"], "TypeError", LOCATE, "'Residual'")


def test_the_saved_parts_of_a_training_wrapper_need_no_wrapper_class(loaded: Results) -> None:
    assert_succeeded(loaded["wrapper_parts"])


OLD_SAVE = """
import keras
from before import Scale

keras.Sequential([keras.Input((3,)), Scale()]).save("old.keras")
report("saved")
"""

AFTER_FIX = """
import keras
from after import Scale  # the same class, now registered as fixed/Scale

attempt("old_file_custom_objects", lambda: keras.saving.load_model(
    "old.keras", custom_objects={"Scale": Scale}))
attempt("old_file_plain", lambda: keras.saving.load_model("old.keras"))
keras.Sequential([keras.Input((3,)), Scale()]).save("new.keras")
report("new_saved")
"""

NEW_LOAD = """
import keras
import after  # registers fixed>Scale

attempt("new_file_plain", lambda: keras.saving.load_model("new.keras"))
"""


def test_files_saved_before_the_fix_load_as_they_did(tmp_path: Path) -> None:
    """SER101's fix-safety claim: registering the class changes no earlier outcome."""
    layer = "import keras\n{decorator}class Scale(keras.layers.Layer):\n    pass\n"
    (tmp_path / "before.py").write_text(layer.format(decorator=""))
    decorator = '@keras.saving.register_keras_serializable(package="fixed")\n'
    (tmp_path / "after.py").write_text(layer.format(decorator=decorator))
    [saved] = run_scripts([(tmp_path, OLD_SAVE)])
    saved.assert_clean_exit()
    [after] = run_scripts([(tmp_path, AFTER_FIX)])
    after.assert_clean_exit()
    assert_succeeded(after.result("old_file_custom_objects"))
    assert_failed(after.result("old_file_plain"), "TypeError", LOCATE, "'Scale'")
    [new] = run_scripts([(tmp_path, NEW_LOAD)])
    new.assert_clean_exit()
    assert_succeeded(new.result("new_file_plain"))
