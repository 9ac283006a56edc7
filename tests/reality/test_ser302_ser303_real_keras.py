"""SER302 (legacy-h5-format) and SER303 (save-path-without-extension): what Keras 3 and tf-keras
do with the paths these rules report, with the messages they quote."""

from __future__ import annotations

from typing import Any

import pytest

from serialint.rules.saving.ser302_legacy_h5_format import K3_WARNING
from serialint.rules.saving.ser303_save_path_without_extension import (
    CHECKPOINT_ERROR,
    FORMAT_ERROR,
    SAVE_ERROR,
)

from .harness import ChildRun, assert_succeeded, run_scripts

pytestmark = pytest.mark.tensorflow

K3 = """
import os
import runpy
import keras
import numpy as np

attempt("example_302", lambda: runpy.run_path("example_302.py"))
attempt("use_instead_302", lambda: runpy.run_path("use_instead_302.py"))
attempt("example_303", lambda: runpy.run_path("example_303.py"))
report("example_303_wrote", value=os.path.exists("saved_model"))
attempt("use_instead_303", lambda: runpy.run_path("use_instead_303.py"))
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
model.compile(loss="mse")
data = (np.zeros((2, 3)), np.zeros((2, 2)))
attempt("save_model_dir", lambda: keras.saving.save_model(model, os.path.join("runs", "final")))
checkpoint = lambda: keras.callbacks.ModelCheckpoint("ckpt/epoch_{epoch}")
attempt("checkpoint", lambda: model.fit(*data, verbose=0, callbacks=[checkpoint()]))
attempt("save_format_tf", lambda: model.save("m", save_format="tf"))
attempt("load_tf_keras_savedmodel", lambda: keras.saving.load_model("../k2/tfk_saved"))
"""

K2 = """
import os
import tf_keras as keras


def custom_activation(x):
    return x * 2.0


lam = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t + 1.0)])
lam.save("lambda.h5")
lam.save("lambda.keras")
act = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=custom_activation)])
act.save("activation.h5")
plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
attempt("save_no_extension", lambda: plain.save("tfk_saved"))
report("savedmodel_written", value=os.path.exists("tfk_saved/saved_model.pb"))
"""

K2_LOAD = """
import tf_keras as keras


def custom_activation(x):
    return x * 2.0


attempt("load_lambda_h5", lambda: keras.models.load_model("lambda.h5"))
attempt("load_lambda_keras", lambda: keras.models.load_model("lambda.keras"))
attempt(
    "load_activation_h5",
    lambda: keras.models.load_model(
        "activation.h5", custom_objects={"custom_activation": custom_activation}
    ),
)
"""


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ChildRun]:
    root = tmp_path_factory.mktemp("ser302_303")
    k3, k2 = root / "k3", root / "k2"
    k3.mkdir()
    k2.mkdir()
    for code in ("SER302", "SER303"):
        for part in ("example", "use_instead"):
            (k3 / f"{part}_{code[-3:]}.py").write_text(rules[code][part])
    (k2_save,) = run_scripts([(k2, K2)])
    k3_run, k2_load = run_scripts([(k3, K3), (k2, K2_LOAD)])
    return {"k3": k3_run, "k2_save": k2_save, "k2_load": k2_load}


def _failed(outcome: dict[str, Any], text: str) -> None:
    exc_type, _, message = text.partition(": ")
    assert outcome["ok"] is False and outcome["type"] == exc_type, outcome
    assert " ".join(message.split()) in " ".join(outcome["message"].split()), outcome


def test_keras3_writes_h5_with_a_legacy_warning(runs: dict[str, ChildRun]) -> None:
    run = runs["k3"]
    run.assert_clean_exit()
    assert_succeeded(run.result("example_302"))
    assert_succeeded(run.result("use_instead_302"))
    assert " ".join(K3_WARNING.split()) in " ".join((run.stdout + run.stderr).split())


def test_tf_keras_h5_runs_lambdas_unchecked_and_cannot_hold_custom_activations(
    rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    runs["k2_save"].assert_clean_exit()
    load = runs["k2_load"]
    load.assert_clean_exit()
    assert_succeeded(load.result("load_lambda_h5"))  # no safe-mode check for .h5
    assert load.result("load_lambda_keras")["ok"] is False  # .keras has the check
    _failed(load.result("load_activation_h5"), rules["SER302"]["keras_error_k2"])


def test_keras3_refuses_saves_without_a_model_file_extension(
    rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    run = runs["k3"]
    _failed(run.result("example_303"), rules["SER303"]["keras_error_k3"])
    _failed(run.result("example_303"), SAVE_ERROR)
    assert run.result("example_303_wrote")["value"] is False  # nothing written
    assert_succeeded(run.result("use_instead_303"))
    _failed(run.result("save_model_dir"), SAVE_ERROR)
    _failed(run.result("checkpoint"), CHECKPOINT_ERROR)
    _failed(run.result("save_format_tf"), FORMAT_ERROR)


def test_tf_keras_writes_a_savedmodel_that_keras3_cannot_load(runs: dict[str, ChildRun]) -> None:
    assert_succeeded(runs["k2_save"].result("save_no_extension"))
    assert runs["k2_save"].result("savedmodel_written")["value"] is True
    outcome = runs["k3"].result("load_tf_keras_savedmodel")
    assert outcome["ok"] is False and "File format not supported" in outcome["message"], outcome
