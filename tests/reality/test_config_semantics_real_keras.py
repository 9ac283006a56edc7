"""The facts the SER102-SER110 messages state beyond the catalogue examples, checked with real
Keras 3 and tf-keras: which bases generate a config by themselves, which keys a load passes
back, which saves fail with which message, and which loads silently lose weights or values.

One module of classes (``variants.py``, written for ``keras`` and read as ``tf_keras`` for Keras
2) is saved by one process and loaded by a fresh one, as a user's inference script would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from serialint import config_semantics as cs

from .harness import ChildRun, assert_failed, assert_succeeded, run_scripts

pytestmark = pytest.mark.tensorflow

VARIANTS = """
import numpy as np
import tensorflow as tf
import keras

reg = keras.saving.register_keras_serializable


@reg(package="variants")
class NoKwargs(keras.layers.Layer):
    def __init__(self, factor=2.0):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor


@reg(package="variants")
class TwiceNamed(keras.layers.Layer):
    def __init__(self, units=2, **kwargs):
        super().__init__(name="twice", **kwargs)
        self.units = units

    def call(self, x):
        return x

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@reg(package="variants")
class L1(keras.regularizers.Regularizer):
    def __call__(self, x):
        return tf.reduce_sum(tf.abs(x))


@reg(package="variants")
class Decay(keras.optimizers.schedules.LearningRateSchedule):
    def __call__(self, step):
        return 0.01


@reg(package="variants")
class ScaledDense(keras.layers.Dense):
    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(units, **kwargs)
        self.scale = scale

    def call(self, x):
        return self.scale * super().call(x)


@reg(package="variants")
class Clip(keras.constraints.Constraint):
    def __init__(self, limit):
        self.limit = limit

    def __call__(self, w):
        return tf.clip_by_value(w, -self.limit, self.limit)


@reg(package="variants")
class Star(keras.layers.Layer):
    def __init__(self, *args, **kwargs):
        super().__init__(**kwargs)
        self.extra = args

    def call(self, x):
        return x


@reg(package="variants")
class NeedsUnits(keras.Model):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x)


@reg(package="variants")
class Branchy(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        if tf.reduce_sum(x) > 0:
            return self.dense(x)
        return self.dense(-x)


@reg(package="variants")
class LateBuild(keras.Model):
    def build(self, input_shape):
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


@reg(package="variants")
class Holder(keras.Model):
    def __init__(self, inner=None, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner if inner is not None else keras.layers.Dense(2)

    def call(self, x):
        return self.inner(x)


@reg(package="variants")
class FNet(keras.Model):
    def __init__(self, units, **kwargs):
        inputs = keras.Input((3,))
        super().__init__(inputs=inputs, outputs=keras.layers.Dense(units)(inputs), **kwargs)


@reg(package="variants")
class ArrayConfig(keras.layers.Layer):
    def __init__(self, table=(1.0, 2.0, 3.0), **kwargs):
        super().__init__(**kwargs)
        self.table = np.asarray(table, dtype="float32")

    def call(self, x):
        return x + self.table

    def get_config(self):
        return {**super().get_config(), "table": self.table}


@reg(package="variants")
class VariableConfig(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = tf.Variable(2.0)

    def call(self, x):
        return x * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@reg(package="variants")
class ReluDense(keras.layers.Dense):
    def __init__(self, units, **kwargs):
        super().__init__(units, activation="relu", **kwargs)


@reg(package="variants")
class Dense8(keras.layers.Dense):
    def __init__(self, **kwargs):
        super().__init__(8, **kwargs)


@reg(package="variants")
class SuperL1(keras.regularizers.Regularizer):
    def __init__(self, l1=0.01):
        self.l1 = l1

    def __call__(self, x):
        return self.l1 * tf.reduce_sum(tf.abs(x))

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1})
        return config


@reg(package="variants")
class OwnConfigModel(keras.Model):
    def __init__(self, units=4):
        super().__init__()
        self.units = units
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


@reg(package="variants")
class Head(keras.Model):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x):
        return self.inner(x)


@reg(package="variants")
class Plain(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


class AddPositional(keras.layers.Layer):
    def call(self, x):
        return x + 1.0


class AddCoordinate(keras.layers.Layer):
    def call(self, x):
        return x + 2.0


keras.utils.get_custom_objects().update(
    {"AddPositional": AddCoordinate, "AddCoordinate": AddCoordinate}
)


def sequential(*layers):
    return keras.Sequential([keras.Input((3,)), *layers])


def built(model):
    model(np.linspace(-1.0, 1.0, 6, dtype="float32").reshape(2, 3))
    return model


def build_only(model):
    model.build((None, 3))  # not called: its sublayers stay unbuilt
    return model


def models():
    schedule = sequential(keras.layers.Dense(2))
    schedule.compile(optimizer=keras.optimizers.SGD(learning_rate=Decay()), loss="mse")
    return {
        "no_kwargs": sequential(NoKwargs(3.0)),
        "twice_named": sequential(TwiceNamed()),
        "regularizer": sequential(keras.layers.Dense(2, kernel_regularizer=L1())),
        "schedule": schedule,
        "scaled_dense": sequential(ScaledDense(2, scale=3.0)),
        "clip": sequential(keras.layers.Dense(2, kernel_constraint=Clip(0.5))),
        "star": sequential(Star(1, 2)),
        "needs_units": built(NeedsUnits(4)),
        "branchy": built(Branchy()),
        "late_build": built(LateBuild()),
        "mismatch": sequential(AddPositional()),
        "functional": FNet(4),
        "array": sequential(ArrayConfig()),
        "variable": sequential(VariableConfig()),
        "relu_dense": sequential(ReluDense(2)),
        "dense8": sequential(Dense8()),
        "super_l1": sequential(keras.layers.Dense(2, kernel_regularizer=SuperL1())),
        "own_config_model": built(OwnConfigModel(3)),
        "head": built(Head(keras.layers.Dense(2))),
        "build_only": build_only(Plain()),
    }
"""

SAVE = """
KERAS_IMPORT
import variants

import numpy as np


def predict(model, path):
    # Called eagerly: an eager-only `call` (SER109) cannot run under `predict`'s tf.function.
    np.save(path, np.asarray(model(fixed_input())))


for name, model in variants.models().items():
    if name != "build_only":  # predicting would build it
        attempt(f"predict_before_{name}", lambda: predict(model, f"{name}_before.npy"))
    attempt(f"save_{name}", lambda: model.save(f"{name}.keras"))
    if name in ("array", "variable"):
        attempt(f"save_{name}_h5", lambda: model.save(f"{name}.h5"))

# What a subclassed Model without get_config records for a layer passed to it.
attempt("holder_config", lambda: report("holder", config=variants.Holder(keras.layers.Dense(3)).get_config()))

# Which bases record a basic constructor argument without a get_config of their own.
CANDIDATES = CANDIDATE_PATHS
for path in CANDIDATES:
    base = keras
    for part in path.split("."):
        base = getattr(base, part, None)
    if base is None:
        report(f"auto_{path}", present=False)
        continue

    class Probe(base):
        def __init__(self, probe=0, **kwargs):
            extra = {"layers.Dense": {"units": 2}, "layers.Dropout": {"rate": 0.5}}
            super().__init__(**{**extra.get(path, {}), **kwargs})
            self.probe = probe

    def recorded():
        return Probe(probe=7).get_config().get("probe", "absent")

    outcome = attempt(f"auto_{path}", recorded)
    report(f"recorded_{path}", value=outcome)
"""

LOAD = """
KERAS_IMPORT
import numpy as np
import variants


def predict(model, path):
    np.save(path, np.asarray(model(fixed_input())))


for name in MODEL_NAMES:
    loaded = attempt(f"load_{name}", lambda: keras.saving.load_model(f"{name}.keras"))
    if loaded is not None:
        report(f"classes_{name}", classes=[type(layer).__name__ for layer in loaded.layers])
        layer = loaded.layers[-1]
        report(f"scale_{name}", value=getattr(layer, "scale", None))
        attempt(f"predict_{name}", lambda: predict(loaded, f"{name}_after.npy"))
    if name in ("array", "variable"):
        attempt(f"load_{name}_h5", lambda: keras.saving.load_model(f"{name}.h5"))
"""

NAMES = (
    "no_kwargs",
    "twice_named",
    "regularizer",
    "schedule",
    "scaled_dense",
    "clip",
    "star",
    "needs_units",
    "branchy",
    "late_build",
    "mismatch",
    "functional",
    "array",
    "variable",
    "relu_dense",
    "dense8",
    "super_l1",
    "own_config_model",
    "head",
    "build_only",
)
CANDIDATES = (
    "layers.Layer",
    "models.Model",
    "layers.Identity",
    "layers.ELU",
    "layers.AbstractRNNCell",
    "layers.Dense",
    "layers.Dropout",
)


# Auto-config bases of one Keras that the other lacks or configures explicitly.
_NOT_IN = {3: set(), 2: {"layers.ELU"}}


def _failed(outcome: dict[str, object], exc_type: str, fragment: str) -> None:
    """Like harness.assert_failed, with white space collapsed (Keras wraps long messages)."""
    assert outcome["ok"] is False, f"{outcome['name']} unexpectedly succeeded"
    assert outcome["type"] == exc_type, outcome
    assert " ".join(fragment.split()) in " ".join(str(outcome["message"]).split()), outcome


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, ChildRun, ChildRun]]:
    root = tmp_path_factory.mktemp("config_semantics")
    directories = {}
    for major in (3, 2):
        directory = root / f"k{major}"
        directory.mkdir()
        source = (
            VARIANTS
            if major == 3
            else VARIANTS.replace("import keras\n", "import tf_keras as keras\n")
        )
        (directory / "variants.py").write_text(source)
        directories[major] = directory
    imports = {3: "import keras", 2: "import tf_keras as keras"}
    saves = run_scripts(
        [
            (
                d,
                SAVE.replace("KERAS_IMPORT", imports[m]).replace(
                    "CANDIDATE_PATHS", repr(CANDIDATES)
                ),
            )
            for m, d in directories.items()
        ]
    )
    loads = run_scripts(
        [
            (d, LOAD.replace("KERAS_IMPORT", imports[m]).replace("MODEL_NAMES", repr(NAMES)))
            for m, d in directories.items()
        ]
    )
    return {
        major: (directory, save, load)
        for (major, directory), save, load in zip(directories.items(), saves, loads, strict=True)
    }


def _run(
    runs: dict[int, tuple[Path, ChildRun, ChildRun]], major: int
) -> tuple[Path, ChildRun, ChildRun]:
    directory, save, load = runs[major]
    save.assert_clean_exit()
    load.assert_clean_exit()
    return directory, save, load


def _differs(directory: Path, name: str) -> bool:
    return not np.array_equal(
        np.load(directory / f"{name}_before.npy"), np.load(directory / f"{name}_after.npy")
    )


@pytest.mark.parametrize("major", [3, 2])
def test_auto_config_bases_are_the_measured_ones(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    _, save, _ = _run(runs, major)
    present = [p for p in CANDIDATES if save.result(f"auto_{p}").get("present", True)]
    for path in present:
        assert_succeeded(save.result(f"auto_{path}"))
    values = {p: save.result(f"recorded_{p}")["value"] for p in present}
    recorded = {p for p, value in values.items() if value != "absent"}
    # serialint's table holds both Keras's bases; each Keras has the ones it has.
    assert recorded == {p for p in present if p in cs.AUTO_CONFIG_BASES - _NOT_IN[major]}
    # What they record: the value passed, except a Keras 3 Model, which records the default
    # (SER107).
    assert values["layers.Layer"] == 7
    assert values["models.Model"] == (0 if major == 3 else 7)


@pytest.mark.parametrize("major", [3, 2])
def test_bases_whose_get_config_raises_fail_at_save(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    _, save, _ = _run(runs, major)
    regularizer = cs.RAISING_CONFIG_BASES["regularizers.Regularizer"]
    assert_failed(
        save.result("save_regularizer"), "NotImplementedError", regularizer.split("> ")[1]
    )
    schedule = cs.RAISING_CONFIG_BASES["optimizers.schedules.LearningRateSchedule"]
    assert_failed(
        save.result("save_schedule"),
        "NotImplementedError",
        schedule.split(": ", 1)[1].format(name="Decay"),
    )


@pytest.mark.parametrize("major", [3, 2])
def test_keys_passed_back_on_load(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    _, _, load = _run(runs, major)
    if major == 3:
        # Keras 3's auto-config leaves out `name` when __init__ cannot take it: `trainable` fails.
        assert_failed(
            load.result("load_no_kwargs"), "TypeError", "unexpected keyword argument 'trainable'"
        )
    else:
        assert_succeeded(load.result("load_no_kwargs"))  # tf-keras passes back the arguments only
    assert_failed(
        load.result("load_twice_named"),
        "TypeError",
        "got multiple values for keyword argument 'name'",
    )


@pytest.mark.parametrize("major", [3, 2])
def test_an_explicit_base_config_drops_arguments(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    directory, _, load = _run(runs, major)
    assert_succeeded(load.result("load_scaled_dense"))
    assert load.result("scale_scaled_dense")["value"] == 1.0  # saved with 3.0: the default
    assert _differs(directory, "scaled_dense")
    assert_failed(
        load.result("load_clip"), "TypeError", "missing 1 required positional argument: 'limit'"
    )


def test_keras3_stores_a_layer_passed_to_a_model_as_null(
    runs: dict[int, tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, _ = _run(runs, 3)
    assert save.result("holder")["config"]["inner"] is None  # SER107: "stored as null"


def test_keras3_cannot_record_star_args_or_a_models_required_argument(
    runs: dict[int, tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, _ = _run(runs, 3)
    _failed(
        save.result("save_star"),
        "NotImplementedError",
        cs.VARIADIC_SAVE_ERROR.split(": ", 1)[1].format(name="Star"),
    )
    _failed(
        save.result("save_needs_units"),
        "NotImplementedError",
        cs.AUTO_CONFIG_SAVE_ERROR.split(": ", 1)[1].format(name="NeedsUnits"),
    )


@pytest.mark.parametrize("major", [3, 2])
def test_unbuilt_state(major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]) -> None:
    directory, _, load = _run(runs, major)
    for name in ("branchy", "late_build"):
        outcome = load.result(f"load_{name}")
        if major == 3:  # loads, with fresh weights: silently different predictions
            assert_succeeded(outcome)
            assert _differs(directory, name), name
        else:
            assert outcome["ok"] is False, name
    if major == 2:
        assert (
            "You cannot build your model by calling `build`"
            in load.result("load_branchy")["message"]
        )


@pytest.mark.parametrize("major", [3, 2])
def test_a_registry_key_naming_another_class_loads_that_class(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    directory, _, load = _run(runs, major)
    assert_succeeded(load.result("load_mismatch"))
    assert load.result("classes_mismatch")["classes"] == ["AddCoordinate"]
    assert _differs(directory, "mismatch")


def test_a_functional_subclass_saves_and_then_cannot_be_revived(
    runs: dict[int, tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, load = _run(runs, 3)
    assert_succeeded(save.result("save_functional"))
    _failed(load.result("load_functional"), "TypeError", "Unable to revive model from config")
    _failed(load.result("load_functional"), "TypeError", "missing 1 required positional argument")


@pytest.mark.parametrize("major", [3, 2])
def test_non_json_values_by_kind(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    _, save, load = _run(runs, major)
    # A NumPy array: .h5 writes it as a list and round-trips; .keras hands __init__ a dict.
    assert_succeeded(save.result("save_array_h5"))
    assert_succeeded(load.result("load_array_h5"))
    assert_succeeded(save.result("save_array"))
    _failed(
        load.result("load_array"),
        "TypeError",
        "float() argument must be a string or a real number, not 'dict'",
    )
    if major == 3:
        _failed(save.result("save_variable_h5"), "ValueError", "Unable to serialize VariableSpec")
    else:
        _failed(save.result("save_variable"), "TypeError", "Cannot serialize object <tf.Variable")


@pytest.mark.parametrize("major", [3, 2])
def test_values_passed_to_a_builtin_base_beside_kwargs_arrive_twice(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    _, _, load = _run(runs, major)
    _failed(
        load.result("load_relu_dense"),
        "TypeError",
        "got multiple values for keyword argument 'activation'",
    )
    _failed(load.result("load_dense8"), "TypeError", "got multiple values for argument 'units'")


@pytest.mark.parametrize("major", [3, 2])
def test_super_get_config_of_a_regularizer_raises(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    _, save, _ = _run(runs, major)
    _failed(save.result("save_super_l1"), "NotImplementedError", "does not implement get_config()")


def test_tf_keras_model_config_holds_only_its_own_keys(
    runs: dict[int, tuple[Path, ChildRun, ChildRun]],
) -> None:
    # tf-keras's Model.get_config is {} under an override: no `name` comes back (SER104 quiet);
    # Keras 3's holds name/trainable/dtype, which an __init__ without **kwargs rejects.
    _, _, load2 = _run(runs, 2)
    assert_succeeded(load2.result("load_own_config_model"))
    _, _, load3 = _run(runs, 3)
    _failed(load3.result("load_own_config_model"), "TypeError", "unexpected keyword argument")


def test_a_model_given_a_layer_without_get_config(
    runs: dict[int, tuple[Path, ChildRun, ChildRun]],
) -> None:
    # Keras 3 (SER107): the required argument makes the save fail.
    _, save3, _ = _run(runs, 3)
    _failed(save3.result("save_head"), "NotImplementedError", "was created by passing")
    # tf-keras (SER102): the save succeeds with an empty config; the load cannot rebuild it.
    _, save2, load2 = _run(runs, 2)
    assert_succeeded(save2.result("save_head"))
    _failed(load2.result("load_head"), "TypeError", "missing 1 required positional argument")


@pytest.mark.parametrize("major", [3])
def test_a_model_built_by_build_alone_saves_no_weights(
    major: int, runs: dict[int, tuple[Path, ChildRun, ChildRun]]
) -> None:
    # SER109's page: sublayers made in __init__ load (with a warning) once the model has been
    # called; `model.build(shape)` alone leaves them unbuilt, and the saved file cannot load.
    _, save, load = _run(runs, major)
    assert_succeeded(save.result("save_build_only"))
    _failed(load.result("load_build_only"), "ValueError", "expected 2 variables, but received 0")
