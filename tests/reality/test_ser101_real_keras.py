"""SER101 (unregistered-custom-object): what the catalogue says Keras does, checked against Keras.

Two projects are saved side by side: one with the catalogue's ``example`` class (unregistered)
and one with its ``use_instead`` class (registered). Each is then loaded by fresh processes.
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
)

pytestmark = pytest.mark.tensorflow

LOCATE = "Could not locate class 'ScaledDense'"

SAVE = """
import keras
from example_module import ScaledDense

model = keras.Sequential([keras.Input((3,)), ScaledDense(4)])
save_predictions(model, "before.npy")
model.save("model.keras")
model.save("model.h5")
# "even in the process that defined it": load right here, class defined and imported.
attempt("same_process_load", lambda: keras.saving.load_model("model.keras"))
report("saved")
"""

LOAD_UNREGISTERED = """
import sys

import keras
from example_module import ScaledDense  # the defining module IS imported

report("context", module_imported="example_module" in sys.modules)
attempt("keras_plain", lambda: keras.saving.load_model("model.keras"))
attempt("h5_plain", lambda: keras.saving.load_model("model.h5"))
custom = {"ScaledDense": ScaledDense}
model = attempt(
    "keras_custom_objects", lambda: keras.saving.load_model("model.keras", custom_objects=custom)
)
if model is not None:
    save_predictions(model, "after_custom_objects.npy")
model = attempt(
    "h5_custom_objects", lambda: keras.saving.load_model("model.h5", custom_objects=custom)
)
if model is not None:
    save_predictions(model, "after_h5_custom_objects.npy")
"""

LOAD_REGISTERED_IMPORTED = """
import keras
import example_module  # registration happens at import

model = attempt("keras_plain", lambda: keras.saving.load_model("model.keras"))
if model is not None:
    save_predictions(model, "after_imported.npy")
"""

# The same unregistered class, but in a module of a package Keras itself imports on load.
SAVE_KERAS_HUB_LIKE = SAVE.replace("from example_module", "from keras_hub.example_module")

LOAD_KERAS_HUB_LIKE = """
import sys

import keras

model = attempt("keras_plain", lambda: keras.saving.load_model("model.keras"))
if model is not None:
    save_predictions(model, "after.npy")
report("context", module_imported="keras_hub.example_module" in sys.modules)
"""

LOAD_REGISTERED_NOT_IMPORTED = """
import sys

import keras

attempt("keras_plain", lambda: keras.saving.load_model("model.keras"))
# The file records module "example_module"; Keras did not import it while trying to load.
report("context", module_imported="example_module" in sys.modules)
"""


@dataclass(frozen=True)
class Projects:
    """The three saved projects and every child process that saved or loaded them."""

    unregistered: Path
    registered: Path
    keras_hub_like: Path
    save_unregistered: ChildRun
    save_registered: ChildRun
    load_unregistered: ChildRun
    load_registered_imported: ChildRun
    load_registered_not_imported: ChildRun
    load_keras_hub_like: ChildRun


@pytest.fixture(scope="module")
def projects(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Projects:
    """Save every variant (in parallel), then load them from fresh processes (in parallel)."""
    doc = rules["SER101"]
    unregistered = tmp_path_factory.mktemp("ser101_example")
    registered = tmp_path_factory.mktemp("ser101_use_instead")
    keras_hub_like = tmp_path_factory.mktemp("ser101_keras_hub_like")
    (unregistered / "example_module.py").write_text(doc["example"])
    (registered / "example_module.py").write_text(doc["use_instead"])
    # keras_hub is not installed; a stand-in package of that name holds the *unregistered* class.
    (keras_hub_like / "keras_hub").mkdir()
    (keras_hub_like / "keras_hub" / "__init__.py").write_text("")
    (keras_hub_like / "keras_hub" / "example_module.py").write_text(doc["example"])

    saves = run_scripts(
        [(unregistered, SAVE), (registered, SAVE), (keras_hub_like, SAVE_KERAS_HUB_LIKE)]
    )
    for run in saves:
        run.assert_clean_exit()
        run.result("saved")

    loads = run_scripts(
        [
            (unregistered, LOAD_UNREGISTERED),
            (registered, LOAD_REGISTERED_IMPORTED),
            (registered, LOAD_REGISTERED_NOT_IMPORTED),
            (keras_hub_like, LOAD_KERAS_HUB_LIKE),
        ]
    )
    for run in loads:
        run.assert_clean_exit()
    return Projects(
        unregistered=unregistered,
        registered=registered,
        keras_hub_like=keras_hub_like,
        save_unregistered=saves[0],
        save_registered=saves[1],
        load_unregistered=loads[0],
        load_registered_imported=loads[1],
        load_registered_not_imported=loads[2],
        load_keras_hub_like=loads[3],
    )


def _stored_entry(archive: Path) -> dict[str, Any]:
    config = json.loads(zipfile.ZipFile(archive).read("config.json"))
    entries: list[dict[str, Any]] = config["config"]["layers"]
    (entry,) = [layer for layer in entries if layer["class_name"] != "InputLayer"]
    return entry


def test_unregistered_class_is_stored_by_name_only(projects: Projects) -> None:
    """why_bad: "stores each custom object by name only (class_name, module, registered_name)"."""
    entry = _stored_entry(projects.unregistered / "model.keras")
    assert (entry["class_name"], entry["module"], entry["registered_name"]) == (
        "ScaledDense",
        "example_module",
        "ScaledDense",
    )


def test_example_fails_in_a_fresh_process_that_imports_its_module(
    projects: Projects, rules: dict[str, dict[str, Any]]
) -> None:
    """Case 1: the catalogue's exact Keras 3 error, although the module is imported."""
    run = projects.load_unregistered
    assert run.result("context")["module_imported"] is True
    outcome = run.result("keras_plain")
    exc_type, catalogue_message = catalogue_error(rules["SER101"]["keras_error_k3"])
    assert_failed(outcome, exc_type, LOCATE, catalogue_message)
    # Keras wraps the lookup failure in the Sequential's deserialization error; the recorded
    # module name is right there in the config it could not use.
    assert_failed(
        outcome,
        "TypeError",
        "keras.src.models.sequential.Sequential'> could not be deserialized properly",
        "'module': 'example_module'",
    )


def test_example_fails_even_in_the_process_that_defined_it(projects: Projects) -> None:
    """why_bad: "not found, even in the process that defined it"."""
    outcome = projects.save_unregistered.result("same_process_load")
    assert_failed(outcome, "TypeError", LOCATE)
    # The registered variant loads in its defining process, so it is the registration that counts.
    assert_succeeded(projects.save_registered.result("same_process_load"))


def test_example_loads_with_custom_objects(projects: Projects) -> None:
    """Case 2 / fix: "pass the class to every load" gives back the very same model."""
    assert_succeeded(projects.load_unregistered.result("keras_custom_objects"))
    assert_identical_predictions(
        projects.unregistered / "before.npy", projects.unregistered / "after_custom_objects.npy"
    )


def test_example_saved_as_h5_fails_the_same_way(projects: Projects) -> None:
    """Case 4: why_bad: "The same happens to a model saved in `.h5` format"."""
    outcome = projects.load_unregistered.result("h5_plain")
    assert_failed(
        outcome,
        "ValueError",
        "Unknown layer: 'ScaledDense'. Please ensure you are using a "
        "`keras.utils.custom_object_scope` and that this object is included in the scope.",
    )
    # ...and custom_objects rescues the .h5 file too.
    assert_succeeded(projects.load_unregistered.result("h5_custom_objects"))
    assert_identical_predictions(
        projects.unregistered / "before.npy", projects.unregistered / "after_h5_custom_objects.npy"
    )


def test_use_instead_loads_without_custom_objects_once_imported(projects: Projects) -> None:
    """Case 3: the registered class loads by itself when its module is imported."""
    entry = _stored_entry(projects.registered / "model.keras")
    assert entry["registered_name"] == "my_project>ScaledDense"
    assert_succeeded(projects.load_registered_imported.result("keras_plain"))
    assert_identical_predictions(
        projects.registered / "before.npy", projects.registered / "after_imported.npy"
    )


def test_use_instead_still_needs_its_module_imported(projects: Projects) -> None:
    """Case 3 / fix: "make sure the module that defines it is imported before load_model".

    Also proves why_bad's "it does **not** import the recorded module": the file names
    ``example_module`` and the loader still never imports it.
    """
    run = projects.load_registered_not_imported
    outcome = run.result("keras_plain")
    # The message names the class_name even though the lookup used the registered name.
    assert_failed(outcome, "TypeError", LOCATE, "'registered_name': 'my_project>ScaledDense'")
    assert run.result("context")["module_imported"] is False


def test_keras_imports_the_recorded_module_only_for_its_own_packages(projects: Projects) -> None:
    """why_bad: "(it only does so for `keras`, `keras_hub`, `keras_cv` and `keras_nlp`)".

    The very same unregistered class, recorded under ``keras_hub.example_module``, loads in a
    process that never imported it: Keras imported the recorded module itself.
    """
    run = projects.load_keras_hub_like
    assert_succeeded(run.result("keras_plain"))
    assert run.result("context")["module_imported"] is True
    assert_identical_predictions(
        projects.keras_hub_like / "before.npy", projects.keras_hub_like / "after.npy"
    )


def test_the_star_import_table_knows_every_public_keras_name(tmp_path: Path) -> None:
    """serialint.keras_exports lists what `from keras.<package> import *` provides; it must
    not miss a name of the installed Keras (a missed name would hide a base class)."""
    from serialint.keras_exports import EXPORTS

    script = (
        "import importlib, json, keras\n"
        f"packages = {sorted(EXPORTS)!r}\n"
        "found = {}\n"
        "for package in packages:\n"
        "    module = importlib.import_module('keras' + ('.' + package if package else ''))\n"
        "    found[package] = sorted(n for n in dir(module) if not n.startswith('_'))\n"
        "report('names', names=found)\n"
    )
    [run] = run_scripts([(tmp_path, script)])
    run.assert_clean_exit()
    installed = run.result("names")["names"]
    missing = {p: sorted(set(n) - EXPORTS[p]) for p, n in installed.items() if set(n) - EXPORTS[p]}
    assert missing == {}
