"""SER401 (load-without-custom-objects): the catalogue's load lines, run for real.

The catalogue examples define ``ScaledDense`` and call ``load_model`` in one file. The class
definitions become ``example_module.py`` (used to build and save the model); each load line then
runs, as written, in a fresh process that imports that module.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    ChildRun,
    assert_failed,
    assert_identical_predictions,
    assert_succeeded,
    catalogue_error,
    run_scripts,
    split_example,
)

pytestmark = pytest.mark.tensorflow

LOCATE = "Could not locate class 'ScaledDense'"

# One unregistered custom object of each compile-only kind the catalogue names.
COMPILE_OBJECTS = '''
import keras


class MyLoss(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


class MyMetric(keras.metrics.Metric):
    def __init__(self, name="my_metric", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(keras.ops.sum(keras.ops.abs(y_true - y_pred)))

    def result(self):
        return self.total


class MyOptimizer(keras.optimizers.SGD):
    """A built-in optimizer subclassed, the way projects usually customise one."""
'''

KINDS = {"loss": "MyLoss", "metric": "MyMetric", "optimizer": "MyOptimizer"}

SAVE = """
import numpy as np

import keras
from example_module import ScaledDense
from compile_objects import MyLoss, MyMetric, MyOptimizer

model = keras.Sequential([keras.Input((3,)), ScaledDense(4)])
model.save("model.keras")

x = fixed_input()
y = np.ones((2, 2), dtype="float32")
for kind in ("loss", "metric", "optimizer"):
    compiled = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    compiled.compile(
        optimizer=MyOptimizer() if kind == "optimizer" else "sgd",
        loss=MyLoss() if kind == "loss" else "mse",
        metrics=[MyMetric()] if kind == "metric" else None,
    )
    compiled.fit(x, y, epochs=1, verbose=0)  # a trained model: optimizer state is saved too
    save_predictions(compiled, f"{kind}_before.npy")
    compiled.save(f"{kind}.keras")
report("saved")
"""

LOAD = """
import keras

import example_module  # the class definitions of the example, imported
import compile_objects

EXAMPLE_LOADS = {example_loads!r}
USE_INSTEAD_LOADS = {use_instead_loads!r}


def run_load_lines(lines):
    namespace = dict(vars(example_module))  # the example file's names: keras, ScaledDense
    for line in lines:
        exec(line, namespace)
    layer = namespace["model"].layers[-1]
    return type(layer).__module__, type(layer).__name__, layer.units


attempt("example_load_line", lambda: run_load_lines(EXAMPLE_LOADS))
loaded = attempt("use_instead_load_line", lambda: run_load_lines(USE_INSTEAD_LOADS))
report("use_instead_layer", value=loaded)


def load_in_scope():
    with keras.saving.custom_object_scope({{"ScaledDense": example_module.ScaledDense}}):
        return keras.models.load_model("model.keras")


attempt("custom_object_scope", load_in_scope)

everything = {{name: getattr(compile_objects, name) for name in {kind_classes!r}}}
for kind in ("loss", "metric", "optimizer"):
    model = attempt(
        f"{{kind}}_compile_false",
        lambda: keras.saving.load_model(f"{{kind}}.keras", compile=False),
    )
    if model is not None:
        save_predictions(model, f"{{kind}}_after.npy")
    attempt(f"{{kind}}_default", lambda: keras.saving.load_model(f"{{kind}}.keras"))
    attempt(
        f"{{kind}}_custom_objects",
        lambda: keras.saving.load_model(f"{{kind}}.keras", custom_objects=everything),
    )
"""


@dataclass(frozen=True)
class Project:
    root: Path
    load: ChildRun


@pytest.fixture(scope="module")
def project(rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Save from the example's definitions, then run both load lines in one fresh process."""
    doc = rules["SER401"]
    definitions, example_loads = split_example(doc["example"])
    good_definitions, use_instead_loads = split_example(doc["use_instead"])
    # A fair split: the two catalogue snippets differ only in their load line.
    assert definitions == good_definitions
    assert example_loads == ['model = keras.models.load_model("model.keras")']
    assert len(use_instead_loads) == 1 and "custom_objects" in use_instead_loads[0]

    root = tmp_path_factory.mktemp("ser401")
    (root / "example_module.py").write_text(definitions)
    (root / "compile_objects.py").write_text(COMPILE_OBJECTS)
    (saved,) = run_scripts([(root, SAVE)])
    saved.assert_clean_exit()
    saved.result("saved")

    load = LOAD.format(
        example_loads=example_loads,
        use_instead_loads=use_instead_loads,
        kind_classes=sorted(KINDS.values()),
    )
    (loaded,) = run_scripts([(root, load)])
    loaded.assert_clean_exit()
    return Project(root, loaded)


def test_example_load_line_fails_although_the_module_is_imported(
    project: Project, rules: dict[str, dict[str, Any]]
) -> None:
    """Case 9 / why_bad: "importing the module that defines it does not help"."""
    outcome = project.load.result("example_load_line")
    exc_type, catalogue_message = catalogue_error(rules["SER401"]["keras_error_k3"])
    assert_failed(outcome, exc_type, LOCATE, catalogue_message)


def test_use_instead_load_line_loads_the_custom_class(project: Project) -> None:
    """Case 9: the use_instead line (custom_objects) gives back the project's own class."""
    assert_succeeded(project.load.result("use_instead_load_line"))
    assert project.load.result("use_instead_layer")["value"] == ["example_module", "ScaledDense", 4]


def test_custom_object_scope_is_as_good_as_custom_objects(project: Project) -> None:
    """what_it_does / fix: a load inside `custom_object_scope(...)` holding the class works."""
    assert_succeeded(project.load.result("custom_object_scope"))


@pytest.mark.parametrize(("kind", "class_name"), sorted(KINDS.items()))
def test_compile_only_objects_need_no_custom_objects_with_compile_false(
    project: Project, kind: str, class_name: str
) -> None:
    """Case 10, what_it_does: "A load with compile=False is not reported when the only
    unregistered classes are losses, metrics or optimizers"."""
    outcome = project.load.result(f"{kind}_compile_false")
    assert_succeeded(outcome)
    assert_identical_predictions(
        project.root / f"{kind}_before.npy", project.root / f"{kind}_after.npy"
    )
    # The default (compile=True) fails outright, with no deserialization wrapper around it.
    default = project.load.result(f"{kind}_default")
    _, message = assert_failed(
        default,
        "TypeError",
        f"Could not locate class '{class_name}'. Make sure custom classes and functions are "
        "decorated with `@keras.saving.register_keras_serializable()`.",
        "'module': 'compile_objects'",
    )
    assert message.startswith(f"Could not locate class '{class_name}'")
    # ...and the class was the only obstacle.
    assert_succeeded(project.load.result(f"{kind}_custom_objects"))


def test_compile_only_objects_are_stored_in_the_compile_config_only(project: Project) -> None:
    """what_it_does: "because those are stored in the compile config only"."""
    for kind, class_name in KINDS.items():
        config = json.loads(zipfile.ZipFile(project.root / f"{kind}.keras").read("config.json"))
        assert class_name not in json.dumps(config["config"])
        assert class_name in json.dumps(config["compile_config"])
        other_sections = {key: value for key, value in config.items() if key != "compile_config"}
        assert class_name not in json.dumps(other_sections)
