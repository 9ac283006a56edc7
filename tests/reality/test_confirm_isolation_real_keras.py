"""``--confirm`` runs user code: what it does to the user, and what user code cannot do to it.

Real TensorFlow, through the product's runtime and its command line:
- a module's top level (training, writing files, ``sys.exit()``) never runs;
- an endless ``get_config``, a segfault, ``os._exit`` and ``sys.exit`` give inconclusive
  verdicts with the reason, and serialint goes on with the other findings;
- a class that cannot be built from the project's code is inconclusive, with the reason;
- nothing is written into the user's tree, TensorFlow's log noise stays out of the output, and
  the temporary directories are removed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from serialint.findings import VerdictKind
from serialint.runtime.confirmation import ConfirmOptions

from .confirm_cases import Case, Outcome, confirm_cases, only

pytestmark = pytest.mark.tensorflow

TIMEOUT_S = 8.0


def _layer(name: str, get_config_body: str, extra: str = "") -> str:
    return f"""import keras
{extra}

class {name}(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0

    def get_config(self):
{get_config_body}


model = keras.Sequential([keras.Input((3,)), {name}()])
model.save("model.keras")
"""


def _top_level_program(marker: Path) -> str:
    return f"""import sys

import keras
import numpy as np


class Doubler(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0

    def get_config(self):
        return super().get_config()


open({str(marker)!r}, "w").write("the top level ran")
model = keras.Sequential([keras.Input((3,)), Doubler()])
model.compile(loss="mse")
model.fit(np.zeros((4, 3)), np.zeros((4, 3)), epochs=1000, verbose=0)
model.save("model.keras")
sys.exit(3)
"""


def _cases(marker: Path) -> list[Case]:
    return [
        Case("top-level", "SER101", {"train.py": _top_level_program(marker)}),
        Case(
            "endless",
            "SER101",
            {"m.py": _layer("Endless", "        while True:\n            pass")},
        ),
        Case(
            "segfault",
            "SER101",
            {
                "m.py": _layer(
                    "Crash", "        ctypes.string_at(0)\n        return {}", "import ctypes"
                )
            },
        ),
        Case(
            "os-exit",
            "SER101",
            {"m.py": _layer("Quits", "        os._exit(7)\n        return {}", "import os")},
        ),
        Case(
            "sys-exit",
            "SER101",
            {"m.py": _layer("Exits", "        sys.exit(4)\n        return {}", "import sys")},
        ),
        Case(
            "unbuildable",
            "SER101",
            {
                "m.py": """import keras


class Head(keras.layers.Layer):
    def __init__(self, backbone, **kwargs):
        super().__init__(**kwargs)
        self.backbone = backbone

    def call(self, inputs):
        return self.backbone(inputs)

    def get_config(self):
        return {**super().get_config(), "backbone": self.backbone}


def train(settings):
    backbone = keras.applications.MobileNetV2(weights=settings.weights)
    model = keras.Sequential([Head(backbone)])
    model.save("model.keras")
"""
            },
        ),
    ]


@pytest.fixture(scope="module")
def marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outside") / "top-level-ran.txt"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("projects")


@pytest.fixture(scope="module")
def outcomes(marker: Path, scratch: Path, projects: Path) -> dict[str, Outcome]:
    options = ConfirmOptions(timeout=TIMEOUT_S, scratch=scratch)
    return confirm_cases(projects, _cases(marker), options)


def _tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def test_the_top_level_of_a_module_never_runs(outcomes: dict[str, Outcome], marker: Path) -> None:
    """The program trains, writes a file and exits at top level; the replay runs none of it and
    still confirms the finding."""
    verdict = only(outcomes["top-level"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()
    assert "Could not locate class 'Doubler'" in verdict.message
    assert not marker.exists()


def test_nothing_is_written_into_the_users_tree(
    outcomes: dict[str, Outcome], projects: Path
) -> None:
    for case in _cases(Path("unused")):
        written = set(_tree(projects / case.name))
        assert written == set(case.files), (case.name, written)


def test_an_endless_get_config_times_out(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["endless"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE
    assert verdict.detail.startswith(f"timed out after {TIMEOUT_S:g} s"), verdict.detail


def test_a_segfault_is_inconclusive(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["segfault"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE
    assert "crashed (SIGSEGV)" in verdict.detail, verdict.detail


def test_os_exit_is_inconclusive(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["os-exit"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE
    assert "exited with status 7 without a result" in verdict.detail, verdict.detail


def test_sys_exit_is_inconclusive(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["sys-exit"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE
    assert "user code called sys.exit(4)" in verdict.detail, verdict.detail


def test_a_class_that_cannot_be_built_is_inconclusive_with_the_reason(
    outcomes: dict[str, Outcome],
) -> None:
    verdict = only(outcomes["unbuildable"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE
    assert "cannot instantiate Head" in verdict.detail, verdict.detail
    assert "__init__ requires backbone" in verdict.detail, verdict.detail


def test_the_temporary_directories_are_removed(outcomes: dict[str, Outcome], scratch: Path) -> None:
    assert outcomes
    assert not list(scratch.iterdir())


def test_without_fork_each_step_gets_a_new_interpreter(tmp_path: Path) -> None:
    """What Windows gets: the same verdict, from a new Python per step."""
    case = Case(
        "spawned", "SER101", {"m.py": _layer("Spawned", "        return super().get_config()")}
    )
    outcome = confirm_cases(tmp_path, [case], ConfirmOptions(spawn=True))["spawned"]
    verdict = only(outcome)
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()
    assert "Could not locate class 'Spawned'" in verdict.message


def _serialint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    return subprocess.run(
        [sys.executable, "-m", "serialint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("cli")
    (project / "layers.py").write_text(_layer("Scale", "        return super().get_config()"))
    (project / "serve.py").write_text(
        'import keras\n\nmodel = keras.saving.load_model("model.keras", safe_mode=False)\n'
    )
    return project


def test_the_command_line_reports_verdicts_in_json_and_keeps_tensorflow_quiet(
    cli_project: Path,
) -> None:
    before = _tree(cli_project)
    run = _serialint("check", ".", "--confirm", "--output-format", "json", cwd=cli_project)
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)
    runtime = {f["code"]: f["runtime"] for f in findings}
    assert runtime["SER101"]["verdict"] == "confirmed"
    assert runtime["SER101"]["exception"] == "TypeError"
    assert runtime["SER101"]["message"].startswith("Could not locate class 'Scale'")
    assert runtime["SER403"]["verdict"] == "confirmed"
    # TensorFlow and absl print to the processes' own streams, never to serialint's.
    for noise in ("oneDNN", "cpu_feature_guard", "absl", "I0000", "W0000"):
        assert noise not in run.stderr + run.stdout, noise
    assert _tree(cli_project) == before


def test_the_text_output_shows_each_verdict_and_a_summary(cli_project: Path) -> None:
    run = _serialint("check", ".", "--confirm", "--output-format", "full", cwd=cli_project)
    assert run.returncode == 1, run.stderr
    assert "= runtime: confirmed: TypeError: Could not locate class 'Scale'" in run.stdout
    assert "Runtime check: 3 confirmed, 0 not reproduced, 0 inconclusive" in run.stdout
    assert "TensorFlow 2." in run.stdout and "Keras 3." in run.stdout


@pytest.mark.parametrize("where", ["inside", "above"])
def test_a_package_checked_by_a_relative_path(
    tmp_path_factory: pytest.TempPathFactory, where: str
) -> None:
    """``serialint check .`` inside a package (its ``__init__.py`` in the working directory)
    and ``serialint check mypkg`` from above it, with no project marker: the package's copy
    imports under its own name, and the run ends."""
    top = tmp_path_factory.mktemp(f"relative-{where}")
    package = top / "mypkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "layers.py").write_text(
        _layer("Gate", "        return super().get_config()")
    )
    cwd, path = (package, ".") if where == "inside" else (top, "mypkg")
    run = _serialint("check", path, "--confirm", "--output-format", "json", cwd=cwd)
    assert run.returncode == 1, run.stderr
    [finding] = json.loads(run.stdout)
    assert finding["runtime"]["verdict"] == "confirmed", finding["runtime"]


def test_every_finding_of_the_demo_is_confirmed(tmp_path: Path) -> None:
    """The README's `make demo` project (copied): its loads need a custom layer and a custom
    loss at once, and each planted hazard really happens."""
    import shutil

    examples = Path(__file__).resolve().parents[2] / "examples"
    shutil.copytree(examples, tmp_path / "examples")
    run = _serialint("check", "examples", "--confirm", "--output-format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    verdicts = [f["runtime"] for f in json.loads(run.stdout)]
    assert verdicts and all(v["verdict"] == "confirmed" for v in verdicts), verdicts
