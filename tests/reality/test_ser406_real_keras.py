"""SER406 (registered-class-not-imported): registration happens at import.

The catalogue's example and use_instead are three modules each: ``layers.py`` registers
ScaledDense, ``train.py`` saves a model holding it, ``serve.py`` loads it, without importing
``layers`` (example) or after importing it (use_instead), in a fresh process, under Keras 3 and
tf-keras.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from serialint.catalogue import example_files

from .harness import ChildRun, assert_failed, assert_succeeded, catalogue_error, run_scripts

pytestmark = pytest.mark.tensorflow

LOADER = """
import runpy
attempt(PART, lambda: runpy.run_path(SCRIPT))
"""


def _k(source: str, major: int) -> str:
    return source if major == 3 else source.replace("import keras\n", "import tf_keras as keras\n")


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ChildRun]:
    """Each part's files are written as they stand in the catalogue; train.py runs in one
    fresh process (the save), serve.py in another (the load)."""
    root = tmp_path_factory.mktemp("ser406")
    cases = [(part, major) for major in (3, 2) for part in ("example", "use_instead")]
    directories: dict[tuple[str, int], Path] = {}
    for part, major in cases:
        directory = root / f"{part}_k{major}"
        directory.mkdir()
        for name, source in example_files(rules["SER406"][part]).items():
            (directory / name).write_text(_k(source, major))
        directories[(part, major)] = directory

    def job(case: tuple[str, int], script: str, name: str) -> tuple[Path, str]:
        body = LOADER.replace("PART", repr(name)).replace("SCRIPT", repr(script))
        return directories[case], body

    saved = run_scripts([job(c, "train.py", "save") for c in cases])
    loaded = run_scripts([job(c, "serve.py", c[0]) for c in cases])
    return {
        f"{part}_k{major}": ChildRun.merged([s, r])
        for (part, major), s, r in zip(cases, saved, loaded, strict=True)
    }


@pytest.mark.parametrize("major", [3, 2])
def test_a_loader_that_does_not_import_the_registering_module_fails(
    major: int, rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    run = runs[f"example_k{major}"]
    assert_succeeded(run.result("save"))
    exc_type, message = catalogue_error(rules["SER406"][f"keras_error_k{major}"])
    assert_failed(run.result("example"), exc_type, message)


@pytest.mark.parametrize("major", [3, 2])
def test_importing_the_module_registers_the_class(major: int, runs: dict[str, ChildRun]) -> None:
    assert_succeeded(runs[f"use_instead_k{major}"].result("use_instead"))
