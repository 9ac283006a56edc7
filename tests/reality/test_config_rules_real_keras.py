"""SER102-SER110: every catalogue example really fails (or really loses data) under real Keras,
and every ``use_instead`` really round-trips, in Keras 3 and, where the catalogue says so, in
tf-keras.

Each rule's ``example`` and ``use_instead`` are written verbatim as modules (for tf-keras with
``import keras`` read as ``import tf_keras as keras``). One process imports them, records
predictions and saves each ``model`` (to ``.keras``, over an existing checkpoint, and to
``.h5``); a fresh process imports the modules (so registration has run), loads each file, and
records predictions and the loaded layers' classes. Loads pass the modules' classes in
``custom_objects`` so that only the rule's own hazard is exercised, except for SER106 and
SER108, which are about what registration does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .harness import (
    ChildRun,
    assert_identical_predictions,
    assert_succeeded,
    catalogue_error,
    run_scripts,
)

pytestmark = pytest.mark.tensorflow

CODES = ("SER102", "SER103", "SER104", "SER105", "SER106", "SER107", "SER108", "SER109", "SER110")
# The rules whose example is also run under tf-keras (their catalogue quotes its error).
KERAS2 = ("SER102", "SER103", "SER104", "SER105", "SER106", "SER109", "SER110")
# Rules about registration: the load must find classes the way users' loads do.
REGISTRATION = ("SER106", "SER108")

SAVE = """
import importlib
import os
import shutil

name = {name!r}
module = attempt(f"import_{{name}}", lambda: importlib.import_module(f"{{name}}_module"))
model = module.model
save_predictions(model, f"{{name}}_before.npy")
attempt(f"save_{{name}}", lambda: model.save(f"{{name}}.keras"))
attempt(f"save_{{name}}_h5", lambda: model.save(f"{{name}}.h5"))
if name == "example":
    # A save that fails must not destroy the file already at the path (a ModelCheckpoint's).
    shutil.copy("use_instead.keras", "checkpoint.keras")
    report("checkpoint_before", size=os.path.getsize("checkpoint.keras"))
    attempt("save_over_checkpoint", lambda: model.save("checkpoint.keras"))
    report("checkpoint_after", size=os.path.getsize("checkpoint.keras"))
"""

LOAD = """
import importlib
import inspect

{keras_import}


def classes_of(module):
    return {{
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value) and value.__module__ == module.__name__
    }}


def layer_classes(model):
    return sorted(type(layer).__name__ for layer in model.layers)


for name in {names!r}:
    module = importlib.import_module(f"{{name}}_module")
    custom = None if {registration} else classes_of(module)
    for suffix in ("keras", "h5"):
        path = f"{{name}}.{{suffix}}"
        loaded = attempt(
            f"load_{{name}}_{{suffix}}",
            lambda: keras.saving.load_model(path, custom_objects=custom),
        )
        if loaded is not None:
            report(f"classes_{{name}}_{{suffix}}", classes=layer_classes(loaded))
            attempt(
                f"predict_{{name}}_{{suffix}}",
                lambda: save_predictions(loaded, f"{{name}}_{{suffix}}_after.npy"),
            )
"""


def _for_keras2(source: str) -> str:
    return source.replace("import keras\n", "import tf_keras as keras\n")


def _write(directory: Path, code: str, rule: dict[str, Any], major: int) -> None:
    directory.mkdir(parents=True)
    for part in ("example", "use_instead"):
        # SER108's example mixes both Keras on purpose: it runs as written.
        source = _for_keras2(rule[part]) if major == 2 and code in KERAS2 else rule[part]
        (directory / f"{part}_module.py").write_text(source)


def _load_body(code: str, major: int, name: str) -> str:
    """Load one of the two files, in a process that imports only its own module: the example
    and use_instead define classes of the same names, which one process would register twice."""
    keras_import = "import keras" if major == 3 else "import tf_keras as keras"
    if code == "SER108":
        keras_import = "import tf_keras as keras"  # the example is a tf_keras model
    return LOAD.format(keras_import=keras_import, registration=code in REGISTRATION, names=(name,))


CASES = [(code, 3) for code in CODES if code != "SER108"] + [("SER108", 2)]
CASES += [(code, 2) for code in KERAS2]


@pytest.fixture(scope="module")
def outcomes(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]]:
    """Every case saved, then loaded, each file in a fresh process of its own: the example and
    use_instead define classes of the same names, which one process would register twice."""
    root = tmp_path_factory.mktemp("config_rules")
    directories = [root / f"{code}_k{major}" for code, major in CASES]
    for (code, major), directory in zip(CASES, directories, strict=True):
        _write(directory, code, rules[code], major)
    first = run_scripts([(d, SAVE.format(name="use_instead")) for d in directories])
    then = run_scripts([(d, SAVE.format(name="example")) for d in directories])
    saves = [ChildRun.merged(pair) for pair in zip(first, then, strict=True)]
    loads = run_scripts(
        [
            (root / f"{code}_k{major}", _load_body(code, major, name))
            for code, major in CASES
            for name in ("example", "use_instead")
        ]
    )
    return {
        case: (root / f"{case[0]}_k{case[1]}", save, ChildRun.merged(loads[2 * i : 2 * i + 2]))
        for i, (case, save) in enumerate(zip(CASES, saves, strict=True))
    }


def _outcome(
    outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]], code: str, major: int
) -> tuple[Path, ChildRun, ChildRun]:
    directory, save, load = outcomes[(code, major)]
    save.assert_clean_exit()
    load.assert_clean_exit()
    return directory, save, load


def _claimed(rule: dict[str, Any], major: int) -> tuple[str, str]:
    return catalogue_error(rule["keras_error_k3" if major == 3 else "keras_error_k2"])


def assert_claim(outcome: dict[str, Any], rule: dict[str, Any], major: int) -> None:
    """The action raised the catalogue's exception with its message: compared with white space
    collapsed (Keras wraps long messages), each part between "..." (a name or an address that
    varies) in order."""
    exc_type, message = _claimed(rule, major)
    assert outcome["ok"] is False, f"{outcome['name']} unexpectedly succeeded"
    assert outcome["type"] == exc_type, (outcome["type"], outcome["message"][:2000])
    actual = " ".join(outcome["message"].split())
    at = 0
    for part in (" ".join(p.split()) for p in message.split("...")):
        if part:
            found = actual.find(part, at)
            assert found >= 0, (part, actual[:3000])
            at = found + len(part)


@pytest.mark.parametrize(("code", "major"), CASES, ids=lambda v: str(v))
def test_use_instead_round_trips(
    code: str, major: int, outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]]
) -> None:
    directory, save, load = _outcome(outcomes, code, major)
    assert_succeeded(save.result("save_use_instead"))
    assert_succeeded(load.result("load_use_instead_keras"))
    assert_succeeded(load.result("predict_use_instead_keras"))
    assert_identical_predictions(
        directory / "use_instead_before.npy", directory / "use_instead_keras_after.npy"
    )


@pytest.mark.parametrize("major", [3, 2])
def test_ser102_save_fails_and_destroys_the_checkpoint(
    major: int,
    rules: dict[str, dict[str, Any]],
    outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, _ = _outcome(outcomes, "SER102", major)
    assert_claim(save.result("save_example"), rules["SER102"], major)
    assert_claim(save.result("save_over_checkpoint"), rules["SER102"], major)
    assert save.result("checkpoint_before")["size"] > 0
    if major == 3:  # the catalogue's 0-byte claim is about Keras 3
        assert save.result("checkpoint_after")["size"] == 0


@pytest.mark.parametrize(
    ("code", "major"),
    [("SER103", 3), ("SER103", 2), ("SER104", 3), ("SER104", 2), ("SER105", 3), ("SER105", 2)],
    ids=lambda v: str(v),
)
def test_the_example_saves_and_cannot_be_loaded(
    code: str,
    major: int,
    rules: dict[str, dict[str, Any]],
    outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, load = _outcome(outcomes, code, major)
    assert_succeeded(save.result("save_example"))
    assert_claim(load.result("load_example_keras"), rules[code], major)


@pytest.mark.parametrize("major", [3, 2])
def test_ser106_loads_as_the_other_class(
    major: int, outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]]
) -> None:
    _, save, load = _outcome(outcomes, "SER106", major)
    assert_succeeded(save.result("save_example"))
    assert_succeeded(load.result("load_example_keras"))
    # Saved with Attention; the class registered last under its key comes back, silently.
    assert load.result("classes_example_keras")["classes"] == ["FastAttention"]
    assert load.result("classes_use_instead_keras")["classes"] == ["Attention"]


def test_ser107_saves_defaults_and_the_load_fails(
    rules: dict[str, dict[str, Any]],
    outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, load = _outcome(outcomes, "SER107", 3)
    assert_succeeded(save.result("save_example"))
    assert_claim(load.result("load_example_keras"), rules["SER107"], 3)


def test_ser108_registered_in_the_other_registry_is_not_found(
    rules: dict[str, dict[str, Any]],
    outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, load = _outcome(outcomes, "SER108", 2)
    assert_succeeded(save.result("save_example"))
    assert_claim(load.result("load_example_keras"), rules["SER108"], 2)


@pytest.mark.parametrize("major", [3, 2])
def test_ser109_weight_made_outside_build_is_missing_on_load(
    major: int,
    rules: dict[str, dict[str, Any]],
    outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]],
) -> None:
    _, save, load = _outcome(outcomes, "SER109", major)
    assert_succeeded(save.result("save_example"))
    assert_claim(load.result("load_example_keras"), rules["SER109"], major)


@pytest.mark.parametrize("major", [3, 2])
def test_ser110_h5_save_fails_and_keras_file_does_not_round_trip(
    major: int,
    rules: dict[str, dict[str, Any]],
    outcomes: dict[tuple[str, int], tuple[Path, ChildRun, ChildRun]],
) -> None:
    directory, save, load = _outcome(outcomes, "SER110", major)
    assert_claim(save.result("save_example_h5"), rules["SER110"], major)
    assert_succeeded(save.result("save_use_instead_h5"))
    assert_succeeded(load.result("load_use_instead_h5"))
    # The .keras file saves; what a fresh process gets back is reported in KERAS_FILE below.
    assert_succeeded(save.result("save_example"))
    outcome = load.result("load_example_keras")
    expected = KERAS_FILE_SER110[major]
    if expected is None:
        assert_succeeded(outcome)
        assert_succeeded(load.result("predict_example_keras"))
        before = np.load(directory / "example_before.npy")
        assert not np.array_equal(before, np.load(directory / "example_keras_after.npy"))
    else:
        assert outcome["ok"] is False and outcome["type"] == expected[0], outcome
        assert expected[1] in outcome["message"], outcome["message"][:2000]


# What loading the SER110 example's `.keras` file does: None = it loads, and predicts something
# else than the saved layer did (the catalogue's "silently gets the wrong value"); else the
# (exception type, message fragment) the load fails with.
KERAS_FILE_SER110: dict[int, tuple[str, str] | None] = {
    3: ("TypeError", "with an unsupported type (<class 'dict'>) to a Tensor"),
    2: ("TypeError", "with an unsupported type (<class 'dict'>) to a Tensor"),
}
