"""SER301 (pickle-model): what the catalogue says pickling a Keras model does, checked for real.

Two projects: ``plain`` runs the catalogue's ``example`` and ``use_instead`` verbatim (built-in
layers only); ``custom`` pickles models with the SER101 ``ScaledDense`` (unregistered and
registered) and with a Lambda. Every pickle is read back by a fresh process.
"""

from __future__ import annotations

import io
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
    scan_pickle,
)

pytestmark = pytest.mark.tensorflow

LOCATE = "Could not locate class 'ScaledDense'"

# Every library SER301 names; the dev extra installs them all, so none is ever skipped.
SERIALIZERS = ["pickle", "joblib", "dill", "cloudpickle"]

SAVE_PLAIN = """
import example_module  # the catalogue example, verbatim: writes model.pkl
save_predictions(example_module.model, "example_before.npy")
import use_instead_module  # the catalogue use_instead, verbatim: model.keras + history.pkl
save_predictions(use_instead_module.model, "use_instead_before.npy")
report("saved")
"""

LOAD_PLAIN = """
import pickle

import keras


def unpickle(path):
    with open(path, "rb") as handle:
        return pickle.load(handle)


model = attempt("unpickle_example", lambda: unpickle("model.pkl"))
if model is not None:
    save_predictions(model, "example_after.npy")
model = attempt("load_use_instead", lambda: keras.saving.load_model("model.keras"))
if model is not None:
    save_predictions(model, "use_instead_after.npy")
report("history", value=unpickle("history.pkl"))
"""

SAVE_CUSTOM = f"""
import importlib
import pickle

import keras

import example_module
import registered_module

SERIALIZERS = {SERIALIZERS!r}


def dump(serializer, obj, path):
    library = importlib.import_module(serializer)
    if serializer == "joblib":
        library.dump(obj, path)
    else:
        with open(path, "wb") as handle:
            library.dump(obj, handle)


for serializer in SERIALIZERS:
    unregistered = keras.Sequential([keras.Input((3,)), example_module.ScaledDense(4)])
    dump(serializer, unregistered, f"unregistered.{{serializer}}")

registered = keras.Sequential([keras.Input((3,)), registered_module.ScaledDense(4)])
save_predictions(registered, "registered_before.npy")
dump("pickle", registered, "registered.pickle")

lam = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2.0)])
save_predictions(lam, "lambda_before.npy")
dump("pickle", lam, "lambda.pickle")
lam.save("lambda.keras")
report("saved")
"""

LOAD_CUSTOM = f"""
import importlib
import pickle
import sys

import keras

import example_module  # imported: the catalogue says this does not help

SERIALIZERS = {SERIALIZERS!r}


def load(serializer, path):
    library = importlib.import_module(serializer)
    if serializer == "joblib":
        return library.load(path)
    with open(path, "rb") as handle:
        return library.load(handle)


# Lambda first: nothing before it can have relaxed safe mode.
attempt("lambda_keras", lambda: keras.saving.load_model("lambda.keras"))
model = attempt("lambda_unpickle", lambda: load("pickle", "lambda.pickle"))
if model is not None:
    save_predictions(model, "lambda_after.npy")
# Unpickling relaxed safe mode only for itself, not for the rest of the process.
attempt("lambda_keras_after_unpickle", lambda: keras.saving.load_model("lambda.keras"))

for serializer in SERIALIZERS:
    attempt(f"unregistered_{{serializer}}", lambda: load(serializer, f"unregistered.{{serializer}}"))

attempt("registered_not_imported", lambda: load("pickle", "registered.pickle"))
report("context", registered_module_imported="registered_module" in sys.modules)
import registered_module  # now register it, in this same process, and try again

model = attempt("registered_imported", lambda: load("pickle", "registered.pickle"))
if model is not None:
    save_predictions(model, "registered_after.npy")
"""


@dataclass(frozen=True)
class Projects:
    plain: Path
    custom: Path
    load_plain: ChildRun
    load_custom: ChildRun


@pytest.fixture(scope="module")
def projects(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Projects:
    """Save both projects (in parallel), then load both from fresh processes (in parallel)."""
    plain = tmp_path_factory.mktemp("ser301_plain")
    custom = tmp_path_factory.mktemp("ser301_custom")
    (plain / "example_module.py").write_text(rules["SER301"]["example"])
    (plain / "use_instead_module.py").write_text(rules["SER301"]["use_instead"])
    # SER301 quotes the error for a pickled ScaledDense; the class is SER101's, both variants.
    (custom / "example_module.py").write_text(rules["SER101"]["example"])
    (custom / "registered_module.py").write_text(rules["SER101"]["use_instead"])

    for run in run_scripts([(plain, SAVE_PLAIN), (custom, SAVE_CUSTOM)]):
        run.assert_clean_exit()
        run.result("saved")
    load_plain, load_custom = run_scripts([(plain, LOAD_PLAIN), (custom, LOAD_CUSTOM)])
    load_plain.assert_clean_exit()
    load_custom.assert_clean_exit()
    return Projects(plain, custom, load_plain, load_custom)


def _embedded_archive_config(payloads: list[bytes]) -> dict[str, Any]:
    (archive,) = [data for data in payloads if data.startswith(b"PK\x03\x04")]
    config: dict[str, Any] = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("config.json"))
    return config


def test_example_pickle_points_into_private_keras_src(projects: Projects) -> None:
    """Case 5, why_bad: "a reference to a class in its private `keras.src` package plus a
    `.keras` archive"."""
    scan = scan_pickle((projects.plain / "model.pkl").read_bytes())
    assert "keras.src.models.sequential.Sequential" in scan.globals, scan.globals
    keras_globals = [name for name in scan.globals if name.split(".")[0] == "keras"]
    assert keras_globals and all(name.startswith("keras.src.") for name in keras_globals)
    assert _embedded_archive_config(scan.byte_strings)["class_name"] == "Sequential"
    # Today, with the same Keras, it does load (the hazard is the next Keras release).
    assert_succeeded(projects.load_plain.result("unpickle_example"))
    assert_identical_predictions(
        projects.plain / "example_before.npy", projects.plain / "example_after.npy"
    )


def test_use_instead_round_trips(projects: Projects) -> None:
    """Case 8: model.save("model.keras") + load_model, in a fresh process, same predictions."""
    assert_succeeded(projects.load_plain.result("load_use_instead"))
    assert_identical_predictions(
        projects.plain / "use_instead_before.npy", projects.plain / "use_instead_after.npy"
    )
    assert projects.load_plain.result("history")["value"] == {"loss": [0.5, 0.25]}


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_pickled_unregistered_layer_cannot_be_loaded(
    projects: Projects, rules: dict[str, dict[str, Any]], serializer: str
) -> None:
    """Case 6: the catalogue's exact error, although the loader imports the defining module."""
    scan = scan_pickle((projects.custom / f"unregistered.{serializer}").read_bytes())
    assert not [name for name in scan.globals if name.startswith("example_module")]
    stored = _embedded_archive_config(scan.byte_strings)["config"]["layers"][-1]
    assert (stored["class_name"], stored["module"]) == ("ScaledDense", "example_module")

    outcome = projects.load_custom.result(f"unregistered_{serializer}")
    exc_type, catalogue_message = catalogue_error(rules["SER301"]["keras_error_k3"])
    assert_failed(outcome, exc_type, LOCATE, catalogue_message)


def test_pickle_does_not_import_the_module_that_registers_the_layer(projects: Projects) -> None:
    """why_bad: "pickle does not import the module that registers it, because only
    `Sequential`/`Functional` is referenced"."""
    scan = scan_pickle((projects.custom / "registered.pickle").read_bytes())
    assert not [name for name in scan.globals if name.startswith("registered_module")]
    run = projects.load_custom
    assert_failed(run.result("registered_not_imported"), "TypeError", LOCATE)
    assert run.result("context")["registered_module_imported"] is False
    # Importing the registering module by hand is what makes the same pickle load.
    assert_succeeded(run.result("registered_imported"))
    assert_identical_predictions(
        projects.custom / "registered_before.npy", projects.custom / "registered_after.npy"
    )


def test_unpickling_skips_the_lambda_safe_mode_check(projects: Projects) -> None:
    """Case 7, why_bad: "runs Lambda bytecode without the safe-mode check"."""
    run = projects.load_custom
    safe_mode_error = (
        "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda.",
        "passing `safe_mode=False` to the loading function",
    )
    assert_failed(run.result("lambda_keras"), "ValueError", *safe_mode_error)
    assert_succeeded(run.result("lambda_unpickle"))
    assert_identical_predictions(
        projects.custom / "lambda_before.npy", projects.custom / "lambda_after.npy"
    )
    # safe_mode=False is scoped to the unpickle: load_model refuses the lambda again afterwards.
    assert_failed(run.result("lambda_keras_after_unpickle"), "ValueError", *safe_mode_error)
