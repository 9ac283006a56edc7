"""SER405 (savedmodel-loaded-as-keras): load_model cannot read a SavedModel directory.

The catalogue's example writes a SavedModel with tf.saved_model.save; a fresh process loads it
with load_model (the quoted error) and with TFSMLayer (the fix).  The other writers the rule
links are checked too: model.export in Keras 3 and tf-keras, and tf-keras's extensionless save.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .harness import ChildRun, assert_failed, assert_succeeded, catalogue_error, run_scripts

pytestmark = pytest.mark.tensorflow

WRITE = """
import tensorflow as tf
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
attempt("saved_model", lambda: tf.saved_model.save(model, "exported"))
attempt("export", lambda: model.export("served"))
"""

WRITE_K2 = (
    WRITE.replace("import keras\n", "import tf_keras as keras\n")
    + """
attempt("extensionless", lambda: model.save("keras2_model"))
"""
)

READ = """
import numpy as np
import keras
x = np.ones((1, 4), "float32")
attempt("load_saved_model", lambda: keras.models.load_model("exported"))
attempt("load_export", lambda: keras.models.load_model("served"))
attempt("tfsm_saved_model", lambda: keras.layers.TFSMLayer("exported", call_endpoint="serving_default")(x))
attempt("tfsm_export", lambda: keras.layers.TFSMLayer("served", call_endpoint="serve")(x))
"""

READ_K2 = (
    READ.replace("import keras\n", "import tf_keras as keras\n").split('attempt("tfsm')[0]
    + """
def layers_of(path):
    loaded = keras.models.load_model(path)
    report(path + "_type", kind=type(loaded).__name__, layers=hasattr(loaded, "layers"))
attempt("inspect_export", lambda: layers_of("served"))
attempt("load_extensionless", lambda: keras.models.load_model("keras2_model"))
"""
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ChildRun]:
    root = tmp_path_factory.mktemp("ser405")
    directories = {major: root / f"k{major}" for major in (3, 2)}
    for directory in directories.values():
        directory.mkdir()
    written = run_scripts([(directories[3], WRITE), (directories[2], WRITE_K2)])
    read = run_scripts([(directories[3], READ), (directories[2], READ_K2)])
    return {
        f"k{major}": ChildRun.merged([w, r])
        for major, w, r in zip((3, 2), written, read, strict=True)
    }


def test_keras3_load_model_refuses_a_savedmodel_and_tfsmlayer_reads_it(
    rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    run = runs["k3"]
    run.assert_clean_exit()
    assert_succeeded(run.result("saved_model"))
    assert_succeeded(run.result("export"))
    exc_type, message = catalogue_error(rules["SER405"]["keras_error_k3"])
    assert_failed(run.result("load_saved_model"), exc_type, message)
    served = message.replace("exported", "served")
    assert_failed(run.result("load_export"), exc_type, served)
    assert_succeeded(run.result("tfsm_saved_model"))
    assert_succeeded(run.result("tfsm_export"))


def test_tf_keras_refuses_tf_saved_model_and_gets_no_model_from_export(
    rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    run = runs["k2"]
    run.assert_clean_exit()
    exc_type, message = catalogue_error(rules["SER405"]["keras_error_k2"])
    assert_failed(run.result("load_saved_model"), exc_type, message)
    exported = run.result("served_type")
    assert exported["kind"] == "_UserObject" and exported["layers"] is False, exported
    assert_succeeded(run.result("extensionless"))
    assert_succeeded(run.result("load_extensionless"))  # tf-keras reads its own SavedModel


def test_rule_example_and_use_instead_run(rules: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    example, use_instead = rules["SER405"]["example"], rules["SER405"]["use_instead"]
    bodies = [
        f"attempt('example', lambda: exec({example!r}, {{}}))",
        f"attempt('use_instead', lambda: exec({use_instead!r}, {{}}))",
    ]
    for number in range(len(bodies)):
        (tmp_path / str(number)).mkdir()
    done = run_scripts([(tmp_path / str(n), b) for n, b in enumerate(bodies)])
    exc_type, message = catalogue_error(rules["SER405"]["keras_error_k3"])
    assert_failed(done[0].result("example"), exc_type, message)
    assert_succeeded(done[1].result("use_instead"))
