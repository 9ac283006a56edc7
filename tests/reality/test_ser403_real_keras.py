"""SER403 (unsafe-deserialization): with safe mode off, loading a file runs the code stored in it.

One process saves a model whose Lambda layer creates a marker file when it runs. Fresh processes
then load it: the catalogue's `use_instead` (safe mode on) is refused with the quoted error and
runs nothing; the catalogue's `example` (safe_mode=False) runs the stored code during the load,
before any prediction. Keras 3 and tf-keras (its `.keras` format) both.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from .harness import ChildRun, assert_succeeded, run_scripts

pytestmark = pytest.mark.tensorflow

SAVE = """
KERAS_IMPORT

# The stored bytecode touches a marker file whenever the layer runs (building it runs it too).
touch = lambda x: (__import__("pathlib").Path("code_ran.txt").touch(), x)[1]  # noqa: E731
model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(touch)])
attempt("save_lambda", lambda: model.save("model.keras"))
plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
attempt("save_plain", lambda: plain.save("plain.keras"))
import os
os.remove("code_ran.txt")  # it ran while the model was built here
"""

LOAD = """
import os
KERAS_IMPORT
SOURCE
report("code_ran", value=os.path.exists("code_ran.txt"))
"""


def _load_body(rule: dict[str, Any], part: str, keras_import: str, path: str) -> str:
    source = rule[part].replace('"model.keras"', f'"{path}"')
    if "tf_keras" in keras_import:
        source = source.replace("import keras\n", "import tf_keras as keras\n")
    body = "\n".join(
        f'attempt("load", lambda: {line.split("=", 1)[1].strip()})'
        if line.startswith("model = ")
        else line
        for line in source.splitlines()
    )
    return LOAD.replace("KERAS_IMPORT", keras_import).replace("SOURCE", body)


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[int, str, str], ChildRun]:
    root = tmp_path_factory.mktemp("ser403")
    imports = {3: "import keras", 2: "import tf_keras as keras"}
    directories = {}
    for major in (3, 2):
        directory = root / f"k{major}"
        directory.mkdir()
        directories[major] = directory
    saves = run_scripts(
        [(d, SAVE.replace("KERAS_IMPORT", imports[m])) for m, d in directories.items()]
    )
    for save in saves:
        save.assert_clean_exit()
        assert_succeeded(save.result("save_lambda"))
    cases = [
        (major, part, path)
        for major in (3, 2)
        for part in ("example", "use_instead")
        for path in ("model.keras", "plain.keras")
    ]
    # Each load in a directory of its own: a load that runs the code must not leave its
    # marker where another load looks for one.
    jobs = []
    for m, part, path in cases:
        directory = root / f"k{m}_{part}_{path.partition('.')[0]}"
        directory.mkdir()
        for saved in ("model.keras", "plain.keras"):
            shutil.copy(directories[m] / saved, directory / saved)
        jobs.append((directory, _load_body(rules["SER403"], part, imports[m], path)))
    loads = run_scripts(jobs)
    return dict(zip(cases, loads, strict=True))


def _load(runs: dict[tuple[int, str, str], ChildRun], case: tuple[int, str, str]) -> ChildRun:
    run = runs[case]
    run.assert_clean_exit()
    return run


@pytest.mark.parametrize("major", [3, 2])
def test_safe_mode_off_runs_the_files_code_during_the_load(
    major: int, runs: dict[tuple[int, str, str], ChildRun]
) -> None:
    run = _load(runs, (major, "example", "model.keras"))
    assert_succeeded(run.result("load"))
    assert run.result("code_ran")["value"] is True


@pytest.mark.parametrize("major", [3, 2])
def test_safe_mode_refuses_the_file_and_runs_nothing(
    major: int,
    rules: dict[str, dict[str, Any]],
    runs: dict[tuple[int, str, str], ChildRun],
) -> None:
    run = _load(runs, (major, "use_instead", "model.keras"))
    outcome = run.result("load")
    assert outcome["ok"] is False and outcome["type"] == "ValueError", outcome
    claimed = rules["SER403"]["keras_error_k3" if major == 3 else "keras_error_k2"]
    message = claimed.partition(": ")[2]
    assert " ".join(message.split()) in " ".join(outcome["message"].split()), outcome["message"]
    assert run.result("code_ran")["value"] is False


@pytest.mark.parametrize("major", [3, 2])
def test_a_file_without_code_loads_in_safe_mode(
    major: int, runs: dict[tuple[int, str, str], ChildRun]
) -> None:
    assert_succeeded(_load(runs, (major, "use_instead", "plain.keras")).result("load"))
    assert_succeeded(_load(runs, (major, "example", "plain.keras")).result("load"))


def test_the_examples_load_the_path_these_tests_substitute(
    rules: dict[str, dict[str, Any]],
) -> None:
    """The loads above run the catalogue's lines as written, with only the path replaced."""
    rule = rules["SER403"]
    assert '"model.keras"' in rule["example"] and '"model.keras"' in rule["use_instead"]
