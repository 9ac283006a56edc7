"""SER306 (weights-filename): which weights paths Keras 3 refuses, with the messages the rule
quotes, and that tf-keras accepts them (the code the rule finds was usually written for it)."""

from __future__ import annotations

from typing import Any

import pytest

from serialint.rules.saving.ser306_weights_filename import (
    CHECKPOINT_ERROR,
    LOAD_WEIGHTS_ERROR,
    SAVE_WEIGHTS_ERROR,
)

from .harness import ChildRun, assert_succeeded, run_scripts

pytestmark = pytest.mark.tensorflow

SCRIPT = """
KERAS_IMPORT
import runpy
import numpy as np

attempt("example", lambda: runpy.run_path("example_module.py"))
attempt("use_instead", lambda: runpy.run_path("use_instead_module.py"))
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
data = (np.zeros((2, 3)), np.zeros((2, 2)))
model.compile(loss="mse")
checkpoint = lambda: keras.callbacks.ModelCheckpoint("best.h5", save_weights_only=True)
attempt("checkpoint", lambda: model.fit(*data, verbose=0, callbacks=[checkpoint()]))
attempt("save_prefix", lambda: model.save_weights("ckpt"))
attempt("load_prefix", lambda: model.load_weights("ckpt"))
attempt("save_h5", lambda: model.save_weights("old.h5"))
attempt("save_whole_h5", lambda: model.save("whole.h5"))
attempt("load_whole_h5", lambda: model.load_weights("whole.h5"))
"""


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, ChildRun]:
    root = tmp_path_factory.mktemp("ser306")
    jobs = []
    for major, keras_import in ((3, "import keras"), (2, "import tf_keras as keras")):
        directory = root / f"k{major}"
        directory.mkdir()
        for part in ("example", "use_instead"):
            source = rules["SER306"][part]
            if major == 2:
                source = source.replace("import keras\n", "import tf_keras as keras\n")
            (directory / f"{part}_module.py").write_text(source)
        jobs.append((directory, SCRIPT.replace("KERAS_IMPORT", keras_import)))
    return dict(zip((3, 2), run_scripts(jobs), strict=True))


def _failed(outcome: dict[str, Any], text: str) -> None:
    exc_type, _, message = text.partition(": ")
    assert outcome["ok"] is False and outcome["type"] == exc_type, outcome
    assert " ".join(message.split()) in " ".join(outcome["message"].split()), outcome


def test_keras3_refuses_weights_paths_as_the_rule_quotes(
    rules: dict[str, dict[str, Any]], runs: dict[int, ChildRun]
) -> None:
    run = runs[3]
    run.assert_clean_exit()
    _failed(run.result("example"), rules["SER306"]["keras_error_k3"])
    assert_succeeded(run.result("use_instead"))  # saves and loads back
    _failed(run.result("example"), SAVE_WEIGHTS_ERROR.format(path="model.h5"))
    _failed(run.result("checkpoint"), CHECKPOINT_ERROR.format(path="best.h5"))
    _failed(run.result("save_prefix"), SAVE_WEIGHTS_ERROR.format(path="ckpt"))
    _failed(run.result("load_prefix"), LOAD_WEIGHTS_ERROR.format(path="ckpt"))


def test_keras3_load_weights_reads_legacy_h5_files_written_by_a_whole_save(
    runs: dict[int, ChildRun],
) -> None:
    # Keras 3's save_weights cannot write `.h5`, but its load_weights reads a legacy `.h5`
    # file (the rule leaves `.h5` loads alone).
    run = runs[3]
    run.assert_clean_exit()
    assert_succeeded(run.result("save_whole_h5"))
    assert_succeeded(run.result("load_whole_h5"))


def test_tf_keras_accepts_every_name(runs: dict[int, ChildRun]) -> None:
    run = runs[2]
    for name in ("example", "use_instead", "checkpoint", "save_prefix", "load_prefix", "save_h5"):
        assert_succeeded(run.result(name))
