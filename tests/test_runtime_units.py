"""The parts of ``--confirm`` that need no TensorFlow: stripping a module to its definitions,
reading a verdict from a step's records, the command line's refusals, the progress bar.

What the round trips themselves do is tested against real Keras in tests/reality/.
"""

from __future__ import annotations

import ast
import io
from pathlib import Path
from typing import Any

import pytest

import serialint.runtime.confirmation as confirm_module
from serialint.cli import main
from serialint.findings import VerdictKind
from serialint.report.progress import confirm_progress
from serialint.runtime.jobs import Job, JobOutcome, Step, StepOutcome, first_line, verdict
from serialint.runtime.plans.context import free_names
from serialint.runtime.strip import definitions_only

from .conftest import write_project

PROGRAM = """\
\"\"\"A training script.\"\"\"
import sys
import keras
try:
    import tf_keras
except ImportError:
    tf_keras = None
from pathlib import Path

UNITS = 4
SHAPE = (UNITS, 2)
Dense = keras.layers.Dense


@keras.saving.register_keras_serializable(package="p")
class Block(keras.layers.Layer):
    size = UNITS


def build():
    return keras.Sequential([Block()])


inputs = keras.Input((3,))
x = inputs
model = build()
model.fit([], [])
print("training")
for epoch in range(3):
    model.save(f"{epoch}.keras")
if __name__ == "__main__":
    import os
    sys.exit(main())
if UNITS > 2:
    LARGE = True
"""


def test_only_definitions_are_kept() -> None:
    kept = definitions_only(PROGRAM)
    tree = ast.parse(kept)
    top = [type(node).__name__ for node in tree.body]
    assert top == [
        "Expr",  # the docstring
        "Import",
        "Import",
        "Try",
        "ImportFrom",
        "Assign",
        "Assign",
        "Assign",
        "ClassDef",
        "FunctionDef",
        "If",
    ]
    # Calls and loops never survive, nor the __main__ block, nor an alias of a dropped name.
    for gone in ("model.fit", "print(", "for epoch", "__main__", "x = inputs", "keras.Input"):
        assert gone not in kept, gone
    # What is kept is kept exactly as written (libcst), decorators included.
    assert '@keras.saving.register_keras_serializable(package="p")\nclass Block' in kept


def test_a_condition_that_calls_code_drops_its_block() -> None:
    text = "import os\ndef ready():\n    return True\nif ready():\n    import json\n"
    assert "import json" not in definitions_only(text)


def test_harmless_standard_library_calls_are_kept() -> None:
    """What later definitions need: settings read from the environment, a package's path, a
    script adding its own directory to sys.path. Nothing that could reach the original tree
    or run the module's own code."""
    text = (
        "import os, sys, pkgutil\n"
        "from distutils.util import strtobool\n"
        "__path__ = pkgutil.extend_path(__path__, __name__)\n"
        "sys.path.append(os.path.join(os.path.dirname(__file__), '..'))\n"
        "sys.path.insert(0, '/home/me/project')\n"
        "IS_TF_KERAS = strtobool(os.environ.get('TF_KERAS', '0'))\n"
        "def int_flag(name):\n    return 1\n"
        "FLAG = int_flag('X')\n"
        "def strtobool(value):\n    return train_for_hours()\n"
        "AGAIN = strtobool('1')\n"
    )
    kept = definitions_only(text)
    for line in ("__path__ = pkgutil", "sys.path.append(", "IS_TF_KERAS = "):
        assert line in kept, line
    for line in ("/home/me/project", "FLAG = ", "AGAIN = "):
        assert line not in kept, line


def test_free_names_leave_out_what_the_expression_binds() -> None:
    tree = ast.parse("Lambda(lambda t, *a: t * SCALE + [i for i in a][0])", mode="eval")
    assert free_names(tree) == {"Lambda", "SCALE"}


def _job() -> Job:
    return Job(Path("."), (Step("save"), Step("load")), "it worked")


def _step(ended: str, *records: dict[str, Any], completed: bool = True) -> StepOutcome:
    return StepOutcome(ended, tuple(records), completed, Path("out"), Path("log"))


DONE = {"role": "done", "what": "x"}


@pytest.mark.parametrize(
    ("steps", "kind", "text"),
    [
        (
            [_step("exit 0", DONE), _step("exit 0", DONE)],
            VerdictKind.NOT_REPRODUCED,
            "not reproduced: it worked",
        ),
        (
            [
                _step("exit 0", DONE),
                _step(
                    "exit 0",
                    {"role": "begin", "what": "load"},
                    {
                        "role": "probe",
                        "what": "load",
                        "ok": False,
                        "type": "TypeError",
                        "message": "Could not locate class 'A'. Make sure\ncustom classes are "
                        "decorated. Full object config: {...}",
                    },
                ),
            ],
            VerdictKind.CONFIRMED,
            "confirmed: TypeError: Could not locate class 'A'. Make sure custom classes are "
            "decorated.",
        ),
        (
            [_step("exit 0", {"role": "defect", "what": "compare", "detail": "units 8 -> 4"})],
            VerdictKind.CONFIRMED,
            "confirmed: units 8 -> 4",
        ),
        (
            [
                _step(
                    "exit 0",
                    {
                        "role": "setup",
                        "what": "instantiate A()",
                        "ok": False,
                        "type": "TypeError",
                        "message": "missing 'units'",
                    },
                )
            ],
            VerdictKind.INCONCLUSIVE,
            "inconclusive: could not instantiate A(): TypeError: missing 'units'",
        ),
        (
            [_step("timeout 5", {"role": "begin", "what": "save the model"}, completed=False)],
            VerdictKind.INCONCLUSIVE,
            "inconclusive: timed out after 5 s while trying to save the model",
        ),
        (
            [_step("signal SIGSEGV", {"role": "begin", "what": "save"}, completed=False)],
            VerdictKind.INCONCLUSIVE,
            "inconclusive: the process crashed (SIGSEGV) while trying to save",
        ),
        (
            [_step("exit 7", completed=False)],
            VerdictKind.INCONCLUSIVE,
            "inconclusive: the process exited with status 7 without a result",
        ),
        (
            [_step("exit 0", {"role": "exit", "what": "import A", "code": "3"})],
            VerdictKind.INCONCLUSIVE,
            "inconclusive: user code called sys.exit(3) while trying to import A",
        ),
    ],
)
def test_the_first_failure_decides_the_verdict(
    steps: list[StepOutcome], kind: VerdictKind, text: str
) -> None:
    judged = verdict(_job(), JobOutcome(tuple(steps)))
    assert judged.kind is kind
    assert judged.describe() == text


def test_the_innermost_keras_message_is_reported() -> None:
    wrapped = (
        "<class 'keras.src.models.sequential.Sequential'> could not be deserialized properly.\n\n"
        "config={'a': 1}.\n\nException encountered: Error when deserializing class 'Dense' using "
        "config={}.\n\nException encountered: Could not locate function 'f'. Make sure custom "
        "classes and functions are decorated. Full object config: {'module': 'builtins'}"
    )
    assert first_line(wrapped) == (
        "Could not locate function 'f'. Make sure custom classes and functions are decorated."
    )


def test_confirm_without_tensorflow_is_a_usage_error_that_says_how_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, {"m.py": "import keras\n\nclass A(keras.layers.Layer):\n    pass\n"})
    real = confirm_module.importlib.util.find_spec

    def without_tensorflow(name: str, *args: Any) -> Any:
        return None if name == "tensorflow" else real(name, *args)

    monkeypatch.setattr(confirm_module.importlib.util, "find_spec", without_tensorflow)
    assert main(["check", str(tmp_path), "--confirm"]) == 2
    error = capsys.readouterr().err
    assert "--confirm needs TensorFlow" in error
    assert "pip install 'serialint[runtime]'" in error


def test_confirm_with_diff_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"m.py": "x = 1\n"})
    assert main(["check", str(tmp_path), "--confirm", "--diff"]) == 2
    assert "--confirm cannot be combined with --diff" in capsys.readouterr().err


@pytest.mark.parametrize("seconds", ["0", "-1", "soon"])
def test_a_bad_confirm_timeout_is_a_usage_error(
    tmp_path: Path, seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(tmp_path), "--confirm", "--confirm-timeout", seconds])
    assert exit_.value.code == 2
    assert "--confirm-timeout" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only() -> None:
    with confirm_progress(io.StringIO(), enabled=True) as progress:
        assert progress is None
    terminal = _Terminal()
    with confirm_progress(terminal, enabled=True) as progress:
        assert progress is not None
        progress(0, 3)
        progress(3, 3)
    assert "Confirming findings under TensorFlow" in terminal.getvalue()
    assert "3/3" in terminal.getvalue()
    with confirm_progress(_Terminal(), enabled=False) as progress:
        assert progress is None
