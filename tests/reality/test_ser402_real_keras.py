"""SER402 (custom-objects-key-mismatch): Keras finds a custom object only under the name the
file stores.

The catalogue's example and use_instead run as written (Keras 3 and tf-keras).  Then a model with
a registered class is saved, and a fresh loader hands over its own unregistered copy of the class
under the plain name and under the registered name: Keras 3 and tf-keras use only the registered
name (KERAS-SEMANTICS §2j says tf-keras falls back to the class name; measured here, it does not).
"""

from __future__ import annotations

from typing import Any

import pytest

from .harness import ChildRun, assert_failed, assert_succeeded, catalogue_error, run_scripts

pytestmark = pytest.mark.tensorflow

RUN_PART = "attempt(PART, lambda: exec(SOURCE, {}))"

SAVE_REGISTERED = """
KERAS_IMPORT
@keras.saving.register_keras_serializable(package="my_pkg")
class CustomDense(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0
model = keras.Sequential([keras.Input((3,)), CustomDense()])
attempt("save", lambda: model.save("model.keras"))
"""

LOAD_WITH_A_COPY = """
KERAS_IMPORT
class CustomDense(keras.layers.Layer):  # the loader's own copy, not registered
    def call(self, inputs):
        return inputs * 2.0
for key in ("CustomDense", "my_pkg>CustomDense"):
    attempt(key, lambda: keras.saving.load_model("model.keras", custom_objects={key: CustomDense}))
"""

IMPORTS = {3: "import keras", 2: "import tf_keras as keras"}


def _k(source: str, major: int) -> str:
    return source.replace("import keras\n", IMPORTS[major] + "\n")


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ChildRun]:
    root = tmp_path_factory.mktemp("ser402")
    jobs, keys = [], []
    for major in (3, 2):
        for part in ("example", "use_instead"):
            directory = root / f"{part}_k{major}"
            directory.mkdir()
            body = RUN_PART.replace("PART", repr(part)).replace(
                "SOURCE", repr(_k(rules["SER402"][part], major))
            )
            jobs.append((directory, body))
            keys.append(f"{part}_k{major}")
    done = dict(zip(keys, run_scripts(jobs), strict=True))
    directories = {m: root / f"registered_k{m}" for m in (3, 2)}
    for directory in directories.values():
        directory.mkdir()
    saved = run_scripts(
        [(d, SAVE_REGISTERED.replace("KERAS_IMPORT", IMPORTS[m])) for m, d in directories.items()]
    )
    loaded = run_scripts(
        [(d, LOAD_WITH_A_COPY.replace("KERAS_IMPORT", IMPORTS[m])) for m, d in directories.items()]
    )
    for major, save, load in zip((3, 2), saved, loaded, strict=True):
        done[f"registered_k{major}"] = ChildRun.merged([save, load])
    return done


@pytest.mark.parametrize("major", [3, 2])
def test_a_key_that_is_not_the_stored_name_is_never_used(
    major: int, rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    exc_type, message = catalogue_error(rules["SER402"][f"keras_error_k{major}"])
    assert_failed(runs[f"example_k{major}"].result("example"), exc_type, message)
    assert_succeeded(runs[f"use_instead_k{major}"].result("use_instead"))


@pytest.mark.parametrize("major", [3, 2])
def test_a_registered_class_is_looked_up_by_its_registered_name_only(
    major: int, runs: dict[str, ChildRun]
) -> None:
    run = runs[f"registered_k{major}"]
    assert_succeeded(run.result("save"))
    assert_failed(run.result("CustomDense"), "TypeError", "Could not locate class 'CustomDense'")
    assert_succeeded(run.result("my_pkg>CustomDense"))
