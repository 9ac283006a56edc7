"""Run real Keras in fresh Python processes and read their outcomes back as structured data.

Why fresh processes: whether a saved model loads depends on what the *loading* process has
imported and registered. Only a process that did not build the model, exactly like a separate
inference script, shows what a user will see. The processes come from the product's own runner
(``serialint.runtime.scripts``: forked from a worker that imported Keras and nothing else).
Why a ``RESULT`` line protocol: the tests assert on exception types and messages reported by the
child itself, not on scraped TensorFlow logs.
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import pickletools
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serialint.runtime.scripts import ScriptRunner

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project supports 3.10 through tomli
    import tomli as tomllib

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

# One subprocess imports TensorFlow (~5 s); a whole save or load stays far below this.
TIMEOUT_S = 240

RESULT_PREFIX = "RESULT "

# Prepended to every child script. It imports neither keras nor numpy, so a script controls
# exactly what is imported before a load.
PRELUDE = '''
import json as _json


def report(name, **data):
    """Hand one named outcome to the test process."""
    print("RESULT " + _json.dumps({"name": name, **data}), flush=True)


def attempt(name, action):
    """Run action(); report success or the exception type and full message. Never raises."""
    try:
        value = action()
    except Exception as exc:
        report(name, ok=False, type=type(exc).__name__, message=str(exc))
        return None
    report(name, ok=True)
    return value


def fixed_input():
    """The same input in every process, so predictions can be compared bit for bit."""
    import numpy as np

    return np.linspace(-1.0, 1.0, 6, dtype="float32").reshape(2, 3)


def save_predictions(model, path):
    import numpy as np

    np.save(path, model.predict(fixed_input(), verbose=0))
'''


def load_rule(code: str) -> dict[str, Any]:
    """One entry of the rule catalogue (``rules/<code>.toml``), read straight from the repo."""
    with (RULES_DIR / f"{code}.toml").open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class ChildRun:
    """What one child process did: its exit status, its output and its ``RESULT`` lines."""

    script: str
    returncode: int
    stdout: str
    stderr: str

    @staticmethod
    def merged(runs: Sequence[ChildRun]) -> ChildRun:
        """Several runs read as one: their RESULT lines together, the worst exit status."""
        return ChildRun(
            " + ".join(r.script for r in runs),
            max((r.returncode for r in runs), key=abs, default=0),
            "\n".join(r.stdout for r in runs),
            "\n".join(r.stderr for r in runs),
        )

    def results(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for line in self.stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                data = json.loads(line[len(RESULT_PREFIX) :])
                found[data["name"]] = data
        return found

    def result(self, name: str) -> dict[str, Any]:
        results = self.results()
        assert name in results, f"{self.script}: no RESULT {name!r}\n{self.diagnostics()}"
        return results[name]

    def diagnostics(self) -> str:
        return (
            f"exit {self.returncode}\n--- stdout ---\n{self.stdout[-3000:]}"
            f"\n--- stderr ---\n{self.stderr[-5000:]}"
        )

    def assert_clean_exit(self) -> None:
        """The script itself ran to the end; expected failures are reported, not raised."""
        assert self.returncode == 0, f"{self.script} crashed\n{self.diagnostics()}"


def write_script(directory: Path, name: str, body: str) -> Path:
    """Write ``PRELUDE`` + ``body`` as a script file in ``directory`` (never in the repo)."""
    path = directory / name
    path.write_text(PRELUDE + "\n" + textwrap.dedent(body))
    return path


class _Runner:
    """The product's script runner (serialint.runtime.scripts), started on first use and kept
    for the whole test session: TensorFlow is imported once, and every script still runs in a
    fresh process of its own that has imported nothing of the project."""

    runner: ScriptRunner | None = None

    @classmethod
    def get(cls) -> ScriptRunner:
        if cls.runner is None:
            cls.runner = ScriptRunner(TIMEOUT_S)
            atexit.register(cls.runner.close)
        return cls.runner


def run_scripts(jobs: Sequence[tuple[Path, str]], timeout: float = TIMEOUT_S) -> list[ChildRun]:
    """Run each ``(directory, script body)`` in its own fresh process, up to two at a time.

    Each runs with its directory as cwd and first on ``sys.path``, like a user's script next to
    its modules, as ``__main__``. The script is also written to its directory, to read when a
    test fails.
    """
    assert timeout == TIMEOUT_S, "the session's runner has one timeout"
    scripts = []
    for number, (directory, body) in enumerate(jobs):
        script = write_script(directory, f"_reality_job_{number}_{os.getpid()}.py", body)
        scripts.append((directory, script.name, script.read_text()))
    return [
        ChildRun(run.name, run.returncode, run.stdout, run.stderr)
        for run in _Runner.get().run(scripts)
    ]


def run_script(directory: Path, body: str, timeout: float = TIMEOUT_S) -> ChildRun:
    """Run one script in a fresh interpreter (see ``run_scripts``)."""
    return run_scripts([(directory, body)], timeout)[0]


def assert_failed(outcome: Mapping[str, Any], exc_type: str, *fragments: str) -> tuple[str, str]:
    """The reported action raised ``exc_type`` and its message contains every fragment."""
    assert outcome["ok"] is False, f"{outcome['name']} unexpectedly succeeded"
    assert outcome["type"] == exc_type, (outcome["type"], outcome["message"][:2000])
    for fragment in fragments:
        assert fragment in outcome["message"], (fragment, outcome["message"][:3000])
    return outcome["type"], outcome["message"]


def assert_succeeded(outcome: Mapping[str, Any]) -> None:
    assert outcome["ok"] is True, (outcome["name"], outcome.get("type"), outcome.get("message"))


def catalogue_error(text: str) -> tuple[str, str]:
    """Split a catalogue ``keras_error_*`` into (exception type, message).

    A trailing ``Full object config: ...`` is dropped: it varies with the saved object, while
    everything before it is the fixed text Keras must really produce.
    """
    exc_type, _, message = text.partition(": ")
    message = message.split(" Full object config:")[0]
    return exc_type, message.strip()


def assert_identical_predictions(before: Path, after: Path) -> None:
    """Bit-identical arrays: same dtype, same shape, same bytes."""
    import numpy as np

    expected, actual = np.load(before), np.load(after)
    assert expected.dtype == actual.dtype and expected.shape == actual.shape
    assert expected.tobytes() == actual.tobytes(), (expected, actual)


@dataclass(frozen=True)
class PickleScan:
    """What a pickle refers to, read from its opcodes without unpickling (or importing) anything."""

    globals: list[str]  # every "module.qualname" an unpickling process must import
    byte_strings: list[bytes]  # raw bytes payloads embedded in the pickle


def scan_pickle(data: bytes) -> PickleScan:
    """Walk the opcodes; resolve ``STACK_GLOBAL`` from the two strings pushed before it.

    Only strings are tracked on the simulated stack (everything else is ``None``), and the memo
    is followed so that a re-used (memoized) string is resolved too.
    """
    names: list[str] = []
    payloads: list[bytes] = []
    stack: list[object] = []
    memo: dict[int, object] = {}
    for opcode, arg, _position in pickletools.genops(data):
        kind = opcode.name
        if kind == "GLOBAL":
            names.append(str(arg).replace(" ", ".", 1))
            stack.append(None)
        elif kind == "STACK_GLOBAL":
            qualname, module = stack.pop(), stack.pop()
            assert isinstance(module, str) and isinstance(qualname, str), (module, qualname)
            names.append(f"{module}.{qualname}")
            stack.append(None)
        elif kind in {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"}:
            stack.append(arg)
        elif kind in {"SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "BYTEARRAY8"}:
            assert isinstance(arg, (bytes, bytearray))
            payloads.append(bytes(arg))
            stack.append(None)
        elif kind == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif kind in {"PUT", "BINPUT", "LONG_BINPUT"}:
            assert isinstance(arg, int)
            memo[arg] = stack[-1]
        elif kind in {"GET", "BINGET", "LONG_BINGET"}:
            assert isinstance(arg, int)
            stack.append(memo.get(arg))
        elif kind not in {"PROTO", "FRAME", "STOP"}:
            stack.append(None)
    return PickleScan(names, payloads)


def split_example(source: str) -> tuple[str, list[str]]:
    """Split a catalogue example into (definitions module, top-level load statements).

    Why: the SER401 examples define the class and call ``load_model`` at top level of one
    file. The model must be built and saved from the definitions alone, and the load line
    must then run, as written, in a different process.
    """
    tree = ast.parse(source)
    definitions: list[str] = []
    loads: list[str] = []
    for node in tree.body:
        segment = ast.get_source_segment(source, node)
        assert segment is not None
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef, ast.FunctionDef)):
            definitions.append(segment)
        elif "load_model" in segment:
            loads.append(segment)
        else:
            raise AssertionError(f"unexpected top-level statement in example: {segment}")
    return "\n\n\n".join(definitions) + "\n", loads
