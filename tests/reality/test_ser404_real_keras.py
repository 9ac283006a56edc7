"""SER404 (pickle-load-model): unpickling a Keras model runs the code stored in it.

One process pickles a model whose Lambda layer touches a marker file when it runs; a fresh
process unpickles it.  The marker appears during the unpickling, with no safe-mode error (Keras
unpickles with safe_mode=False hard-coded), while load_model of the same model as `.keras` refuses
the Lambda.  Keras 3 and tf-keras.  The catalogue's example (a plain model) is run as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .harness import ChildRun, assert_failed, assert_succeeded, run_scripts

pytestmark = pytest.mark.tensorflow

SAVE = """
import os, pickle
KERAS_IMPORT
touch = lambda x: (__import__("pathlib").Path("code_ran.txt").touch(), x)[1]  # noqa: E731
model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(touch)])
def dump():
    with open("model.pkl", "wb") as handle:
        pickle.dump(model, handle)
attempt("dump", dump)
attempt("save", lambda: model.save("model.keras"))
os.remove("code_ran.txt")  # it ran while the model was built here
"""

LOAD = """
import os, pickle
KERAS_IMPORT
attempt("load_model", lambda: keras.models.load_model("model.keras"))
report("ran_on_load_model", value=os.path.exists("code_ran.txt"))
def unpickle():
    with open("model.pkl", "rb") as handle:
        return pickle.load(handle)
attempt("unpickle", unpickle)
report("ran_on_unpickle", value=os.path.exists("code_ran.txt"))
"""

IMPORTS = {3: "import keras", 2: "import tf_keras as keras"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, ChildRun]:
    root = tmp_path_factory.mktemp("ser404")
    directories = {}
    for major in (3, 2):
        directories[major] = root / f"k{major}"
        directories[major].mkdir()
    saved = run_scripts(
        [(d, SAVE.replace("KERAS_IMPORT", IMPORTS[m])) for m, d in directories.items()]
    )
    loaded = run_scripts(
        [(d, LOAD.replace("KERAS_IMPORT", IMPORTS[m])) for m, d in directories.items()]
    )
    return {m: ChildRun.merged([s, r]) for m, s, r in zip((3, 2), saved, loaded, strict=True)}


@pytest.mark.parametrize("major", [3, 2])
def test_unpickling_runs_the_lambda_that_load_model_refuses(
    major: int, runs: dict[int, ChildRun]
) -> None:
    run = runs[major]
    run.assert_clean_exit()
    assert_succeeded(run.result("dump"))
    assert_failed(run.result("load_model"), "ValueError", "Lambda")
    assert run.result("ran_on_load_model")["value"] is False
    assert_succeeded(run.result("unpickle"))
    assert run.result("ran_on_unpickle")["value"] is True


def test_the_catalogue_example_runs(rules: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    bodies = {
        part: f"attempt({part!r}, lambda: exec({rules['SER404'][part]!r}, {{}}))"
        for part in ("example", "use_instead")
    }
    for part in bodies:
        (tmp_path / part).mkdir()
    done = run_scripts([(tmp_path / part, body) for part, body in bodies.items()])
    for part, run in zip(bodies, done, strict=True):
        assert_succeeded(run.result(part))


def test_the_custom_layer_errors_are_the_ones_measured_for_ser301(
    rules: dict[str, dict[str, Any]],
) -> None:
    """An unpickled model with an unregistered custom layer fails as a pickled one does:
    test_ser301_real_keras.py proves these messages on real pickles."""
    for key in ("keras_error_k3", "keras_error_k2"):
        assert rules["SER404"][key] == rules["SER301"][key]
