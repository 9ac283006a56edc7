"""SER304 (weights-loaded-as-model): `load_model` on a weights file fails with the quoted error,
in Keras 3 and tf-keras, and the catalogue's `use_instead` (rebuild, then `load_weights`)
restores the same predictions."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import ChildRun, run_scripts

pytestmark = pytest.mark.tensorflow

SCRIPT = """
import runpy
import numpy as np

attempt("example", lambda: runpy.run_path("example_module.py"))
state = attempt("use_instead", lambda: runpy.run_path("use_instead_module.py"))
if state is not None:
    x = np.ones((2, 3), dtype="float32")
    same = np.array_equal(state["model"](x), state["restored"](x))
    report("same_predictions", value=bool(same))
"""


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, ChildRun]:
    root = tmp_path_factory.mktemp("ser304")
    jobs = []
    for major in (3, 2):
        directory = root / f"k{major}"
        directory.mkdir()
        for part in ("example", "use_instead"):
            source = rules["SER304"][part]
            if major == 2:
                source = source.replace("import keras\n", "import tf_keras as keras\n")
            (directory / f"{part}_module.py").write_text(source)
        jobs.append((directory, SCRIPT))
    return dict(zip((3, 2), run_scripts(jobs), strict=True))


@pytest.mark.parametrize("major", [3, 2])
def test_load_model_on_a_weights_file_fails(
    major: int, rules: dict[str, dict[str, Any]], runs: dict[int, ChildRun]
) -> None:
    run = runs[major]
    run.assert_clean_exit()
    outcome = run.result("example")
    claimed = rules["SER304"]["keras_error_k3" if major == 3 else "keras_error_k2"]
    exc_type, _, message = claimed.partition(": ")
    assert outcome["ok"] is False and outcome["type"] == exc_type, outcome
    assert message in outcome["message"], outcome["message"]


@pytest.mark.parametrize("major", [3, 2])
def test_rebuilding_and_loading_the_weights_restores_the_model(
    major: int, runs: dict[int, ChildRun]
) -> None:
    run = runs[major]
    assert run.result("use_instead")["ok"] is True
    assert run.result("same_predictions")["value"] is True
