"""serialint's side of the worker: start it, hand it the batch, collect each job's outcome.

Nothing the worker or the user's code does can hang or crash serialint: the worker is read
through a thread with deadlines, and is killed (with its process group) when it overruns.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from serialint.runtime.jobs import Job, JobOutcome, StepOutcome

# TensorFlow on one core of a slow CI machine imports in ~10 s; this bounds a stuck start-up.
STARTUP_TIMEOUT_S = 300.0

WORKER_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow's C++ log noise
    "CUDA_VISIBLE_DEVICES": "",  # a GPU driver probe costs seconds and prints errors
    "KERAS_BACKEND": "tensorflow",
    "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ next to the sandbox copies
    "PYTHONUNBUFFERED": "1",
}


# "I0000 00:00:...", "W1201 ...", "WARNING: All log messages before absl::InitializeLog()..."
_TF_LOG = re.compile(r"^([IWEF]\d{4} |WARNING: All log messages|WARNING:absl:)")


def _worker_env(directory: Path) -> dict[str, str]:
    # PYTHONPATH could make the user's original modules importable beside the stripped copies;
    # TF_USE_LEGACY_KERAS would hand Keras 3 stand-ins to tf-keras. TensorFlow's temporary
    # files (autograph) go into the worker's directory, removed with it.
    dropped = {"PYTHONPATH", "TF_USE_LEGACY_KERAS"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**env, **WORKER_ENV, "TMPDIR": str(directory), "TEMP": str(directory)}


class WorkerFailed(Exception):
    """The worker could not start Keras, or died: no job it had can get a verdict."""


@dataclass(frozen=True)
class Versions:
    keras: str
    tensorflow: str


def _reader(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@dataclass
class Worker:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None]
    errors: IO[str]
    jobs_sent: int = 0  # job ids are unique for the worker's life: they name the step files

    @classmethod
    def start(cls, directory: Path) -> Worker:
        """Start the worker in ``directory`` (the sandbox): never in the user's tree, whose
        modules would then be importable as they are, top level and all."""
        # Kept open for the worker's life (stop() closes it): its last line explains a death.
        errors = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "serialint.runtime.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=directory,
            env=_worker_env(directory),
            start_new_session=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=_reader, args=(process.stdout, lines), daemon=True).start()
        return cls(process, lines, errors)

    def next_message(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise WorkerFailed(f"the TensorFlow worker said nothing for {timeout:g} s") from None
        if line is None:
            self.process.wait()
            raise WorkerFailed(
                f"the TensorFlow worker exited (status {self.process.returncode})"
                + self._stderr_tail()
            )
        try:
            message: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:  # user code wrote into the pipe: not the worker's
            return {"event": "noise"}
        if not isinstance(message, dict):
            return {"event": "noise"}
        return message

    def _stderr_tail(self) -> str:
        """The worker's last words, without TensorFlow's and absl's log lines."""
        self.errors.seek(0)
        lines = [
            line
            for line in self.errors.read().splitlines()
            if line.strip() and not _TF_LOG.match(line)
        ]
        return f": {lines[-1]}" if lines else ""

    def wait_ready(self) -> Versions:
        message = self.next_message(STARTUP_TIMEOUT_S)
        if message["event"] == "unavailable":
            raise WorkerFailed(f"Keras could not be imported: {message['error']}")
        return Versions(message["keras"], message["tensorflow"])

    def send(self, batch: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(batch) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """Stop the worker and every step it runs: SIGTERM (it kills its steps), then SIGKILL."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.errors.close()


def run_jobs(
    worker: Worker,
    jobs: Sequence[Job],
    timeout: float,
    concurrency: int,
    on_done: Callable[[Job, JobOutcome], None],
    *,
    spawn: bool = False,
) -> None:
    """Run every job through ``worker``; ``on_done`` is called as each one ends.

    Raises WorkerFailed if the worker dies or overruns; the jobs already reported are kept.
    """
    by_id = {worker.jobs_sent + number: job for number, job in enumerate(jobs)}
    worker.jobs_sent += len(jobs)
    worker.send(
        {
            "timeout": timeout,
            "concurrency": concurrency,
            "spawn": spawn,
            "jobs": [
                {
                    "id": number,
                    "dir": str(job.directory),
                    "steps": [
                        {
                            "script": s.script,
                            "path": list(map(str, s.path)),
                            "file": s.file,
                            "originals": s.originals,
                        }
                        for s in job.steps
                    ],
                }
                for number, job in by_id.items()
            ],
        }
    )
    # A job's steps run one after the other, each under ``timeout``; allow for all of them.
    per_message = timeout * max((len(j.steps) for j in jobs), default=1) + 60.0
    while True:  # every job, then the batch's "end" (the worker may get another batch)
        message = worker.next_message(per_message)
        if message["event"] == "end":
            break
        if message["event"] != "job":
            continue
        number = int(message["id"])
        steps = tuple(
            StepOutcome(
                s["ended"],
                tuple(s["records"]),
                bool(s["completed"]),
                Path(s["out"]),
                Path(s["log"]),
            )
            for s in message["steps"]
        )
        on_done(by_id[number], JobOutcome(steps))
