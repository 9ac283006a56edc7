"""SER305 (save-overwrite-prompt): a second save with overwrite=False prompts, and without a
terminal the prompt fails the save.

The catalogue's `example` and `use_instead` each run twice in one fresh process whose standard
input is empty, as in CI: the first run writes the file, the second finds it there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .harness import ChildRun, assert_succeeded, run_scripts

pytestmark = pytest.mark.tensorflow

RUN_TWICE = """
import os
import runpy
import sys

sys.stdin = open(os.devnull)  # no terminal: what CI, a job or a server gives


def run_once():
    try:
        runpy.run_path("NAME_module.py")
    finally:
        print(flush=True)  # the prompt ends without a newline


for attempt_number in (1, 2):
    attempt(f"{NAME}_{attempt_number}", run_once)
"""


@pytest.fixture(scope="module")
def runs(
    rules: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ChildRun]:
    root = tmp_path_factory.mktemp("ser305")
    jobs = []
    cases = [(part, major) for part in ("example", "use_instead") for major in (3, 2)]
    for part, major in cases:
        directory: Path = root / f"{part}_k{major}"
        directory.mkdir()
        source = rules["SER305"][part]
        if major == 2:
            source = source.replace("import keras\n", "import tf_keras as keras\n")
        (directory / f"{part}_module.py").write_text(source)
        body = RUN_TWICE.replace("{NAME}", part).replace("NAME_module", f"{part}_module")
        jobs.append((directory, body))
    return {f"{p}_k{m}": run for (p, m), run in zip(cases, run_scripts(jobs), strict=True)}


@pytest.mark.parametrize("major", [3, 2])
def test_the_second_save_prompts_and_fails_without_a_terminal(
    major: int, rules: dict[str, dict[str, Any]], runs: dict[str, ChildRun]
) -> None:
    run = runs[f"example_k{major}"]
    run.assert_clean_exit()
    assert_succeeded(run.result("example_1"))
    outcome = run.result("example_2")
    claimed = rules["SER305"]["keras_error_k3" if major == 3 else "keras_error_k2"]
    exc_type, _, message = claimed.partition(": ")
    assert outcome["ok"] is False and outcome["type"] == exc_type, outcome
    assert message in outcome["message"]
    assert "already exists - overwrite? [y/n]" in run.stdout + run.stderr


@pytest.mark.parametrize("major", [3, 2])
def test_without_overwrite_false_the_second_save_replaces_the_file(
    major: int, runs: dict[str, ChildRun]
) -> None:
    run = runs[f"use_instead_k{major}"]
    run.assert_clean_exit()
    assert_succeeded(run.result("use_instead_1"))
    assert_succeeded(run.result("use_instead_2"))
