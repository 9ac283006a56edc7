"""Run whole Python scripts the way ``--confirm`` runs its steps: each in a fresh process that
has Keras imported and nothing else, in a directory of its own.

The reality tests are such scripts (save in one process, load in another, compare what Keras
raised); they run through this runner, so what they prove about Keras is proved with the
product's own process machinery, and TensorFlow is imported once per runner, not per script.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from serialint.runtime.driver import Versions, Worker, run_jobs
from serialint.runtime.jobs import Job, JobOutcome, Step, StepOutcome


@dataclass(frozen=True)
class ScriptRun:
    """What one script did: how it ended (a process's return code) and what it printed."""

    name: str
    returncode: int
    stdout: str
    stderr: str


class ScriptRunner:
    """One TensorFlow worker, kept for any number of :meth:`run` calls."""

    def __init__(self, timeout: float, concurrency: int = 2, spawn: bool = False) -> None:
        self.timeout = timeout
        self.concurrency = concurrency
        self.spawn = spawn
        self._home = Path(tempfile.mkdtemp(prefix="serialint-runner-"))
        self._worker = Worker.start(self._home)
        self.versions: Versions = self._worker.wait_ready()

    def run(self, scripts: Sequence[tuple[Path, str, str]]) -> list[ScriptRun]:
        """Run each ``(directory, file name, text)``: the directory is its working directory
        and first on ``sys.path``, like a script run next to its modules."""
        jobs = [
            Job(directory, (Step(text, (directory,), str(directory / name)),), "")
            for directory, name, text in scripts
        ]
        outcomes: dict[int, JobOutcome] = {}

        def done(job: Job, outcome: JobOutcome) -> None:
            outcomes[id(job)] = outcome

        run_jobs(self._worker, jobs, self.timeout, self.concurrency, done, spawn=self.spawn)
        return [
            _as_run(name, outcomes[id(job)].steps[0], self.timeout)
            for job, (_, name, _) in zip(jobs, scripts, strict=True)
        ]

    def close(self) -> None:
        self._worker.stop()
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> ScriptRunner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _as_run(name: str, step: StepOutcome, timeout: float) -> ScriptRun:
    stdout = _read(step.out)
    stderr = _read(step.log)
    kind, _, value = step.ended.partition(" ")
    code = 0
    if kind == "timeout":
        code, stderr = -9, stderr + f"\n[runner] killed after {timeout:g} s"
    elif kind == "signal":
        code = -1
        stderr += f"\n[runner] killed by {value}"
    else:
        code = int(value)
    for record in step.records:
        if record["role"] == "error":
            code = 1
        elif record["role"] == "exit":
            code = _exit_code(str(record["code"]))
    return ScriptRun(name, code, stdout, stderr)


def _exit_code(text: str) -> int:
    """``sys.exit(x)``'s status, as Python computes it: None is 0, an int itself, else 1."""
    if text == "None":
        return 0
    try:
        return int(text)
    except ValueError:
        return 1


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
