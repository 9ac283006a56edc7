"""action.yml and the CI examples of docs/ci.md.

The files are validated against the GitHub Actions, GitHub workflow and GitLab CI schemas that
check-jsonschema ships, and the action's shell steps are run for real (bash, as the runner does)
on a project with findings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sarif_kit.validate import validation_errors

from .conftest import write_project
from .test_ci_formats import PROJECT

ROOT = Path(__file__).resolve().parents[1]
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def _validate(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", f"vendor.{schema}", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _example(name: str) -> str:
    docs = (ROOT / "docs" / "ci.md").read_text()
    block = re.search(rf"<!-- ci-example: {name} -->\n```yaml\n(.*?)```", docs, re.S)
    assert block is not None, f"docs/ci.md lost its {name} example"
    return block.group(1)


def test_action_yml_is_a_valid_action() -> None:
    checked = _validate(ROOT / "action.yml", "github-actions")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("example", "schema"),
    [
        ("github-workflow", "github-workflows"),
        ("github-workflow-plain", "github-workflows"),
        ("gitlab-ci", "gitlab-ci"),
    ],
)
def test_the_documented_ci_files_are_valid(example: str, schema: str, tmp_path: Path) -> None:
    path = tmp_path / f"{example}.yml"
    path.write_text(_example(example))
    checked = _validate(path, schema)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_schema_check_is_not_vacuous(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(_example("github-workflow").replace("runs-on:", "runs_on:"))
    assert _validate(path, "github-workflows").returncode == 1


def test_the_workflow_example_uses_this_action() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    workflow = yaml.safe_load(_example("github-workflow"))
    [step] = [s for s in workflow["jobs"]["serialint"]["steps"] if "serialint" in s.get("uses", "")]
    assert set(step["with"]) <= set(action["inputs"])


def _steps(inputs: dict[str, str]) -> list[dict[str, Any]]:
    """The action's steps with ``${{ inputs.* }}`` and ``${{ github.action_path }}`` filled in."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)

    def fill(text: str) -> str:
        text = text.replace("${{ github.action_path }}", str(ROOT))
        return re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m.group(1)], text)

    steps = []
    for step in action["runs"]["steps"]:
        condition = fill(step.get("if", "${{ true }}"))
        if "inputs.sarif == 'true'" in step.get("if", "") and values["sarif"] != "true":
            continue
        assert "always()" in condition or condition == "${{ true }}"
        steps.append({**step, "env": {k: fill(str(v)) for k, v in step.get("env", {}).items()}})
    return steps


def _run_shell_steps(
    project: Path, inputs: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    """Run the ``run:`` steps as the runner does (bash, the step's env), serialint from this venv.
    The install step is left out: this environment already has serialint installed."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    runs = []
    for step in _steps(inputs):
        if "run" not in step:
            continue
        if step["name"] == "Install serialint":
            assert "pip install" in step["run"] and step["env"]["ACTION_PATH"] == str(ROOT)
            continue
        runs.append(
            subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=project,
                env={**env, **step["env"]},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        )
    return runs


def test_the_action_annotates_the_findings(tmp_path: Path) -> None:
    write_project(tmp_path, PROJECT)
    [annotate] = _run_shell_steps(tmp_path, {})
    assert annotate.returncode == 1  # the step fails the job: findings remain
    lines = annotate.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error title=serialint (SER101 unregistered-custom-object),file=pkg/layers.py,line=4,"
    )


def test_the_action_writes_valid_sarif_and_passes_args(tmp_path: Path) -> None:
    write_project(tmp_path, PROJECT)
    annotate, sarif = _run_shell_steps(
        tmp_path, {"sarif": "true", "args": "--select SER101 --keras-version 3", "src": "pkg"}
    )
    assert annotate.returncode == 1 and annotate.stdout.count("::error ") == 2
    assert sarif.returncode == 0, sarif.stderr  # --exit-zero: the upload step still runs
    log = json.loads((tmp_path / "serialint.sarif").read_text())
    assert validation_errors(log) == []
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"SER101"}
