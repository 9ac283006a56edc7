"""The TensorFlow worker: imports Keras once, then runs every step in a fresh process of its own.

Run as ``python -m serialint.runtime.worker`` by the driver. Protocol, one JSON object per line:
- worker → driver: ``{"event": "ready", "keras": ..., "tensorflow": ...}`` once Keras is
  imported (or ``{"event": "unavailable", "error": ...}``), then ``{"event": "job", ...}`` as
  each job ends, then ``{"event": "end"}``;
- driver → worker: one line per batch: ``{"timeout": s, "concurrency": n, "jobs": [...]}``,
  each job ``{"id": n, "dir": path, "steps": [{"script": text, "path": [dirs]}]}``; the
  worker answers each batch with its jobs and an ``end``, and stops when its input closes.

A step leaves its records, standard output and standard error in files of its job's directory
(``StepFiles``), named by job id and step number; the driver reads them.

Why fork: importing TensorFlow takes seconds, a save/load round trip milliseconds. A process
forked from this worker after the import starts with Keras loaded but with none of the user's
code, exactly like a separate inference script, and costs a few milliseconds. This worker never
runs user code itself, so nothing the user's code does (a segfault, ``os._exit``, an endless
loop) can take it down; each step is killed, with its whole process group, at its deadline.
Where ``fork`` does not exist, each step is a new interpreter instead: slower, same verdicts.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from serialint.runtime.child import StepRecorder, enter_and_run

_POLL_S = 0.005


class Running(Protocol):
    def poll(self) -> str | None:
        """None while running, else how it ended: ``exit 0``, ``signal SIGSEGV``."""

    def kill(self) -> None: ...


@dataclass
class _Forked:
    pid: int
    status: str | None = None

    def poll(self) -> str | None:
        if self.status is None:
            pid, code = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = _describe(code)
        return self.status

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)
        if self.status is None:
            _, code = os.waitpid(self.pid, 0)
            self.status = _describe(code)


@dataclass
class _Spawned:
    process: subprocess.Popen[bytes]

    def poll(self) -> str | None:
        code = self.process.poll()
        if code is None:
            return None
        return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            self.process.kill()
        self.process.wait()


def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG: the kernel kills this process when the worker dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _describe(code: int) -> str:
    if os.WIFSIGNALED(code):
        return f"signal {signal.Signals(os.WTERMSIG(code)).name}"
    return f"exit {os.waitstatus_to_exitcode(code)}"


@dataclass(frozen=True)
class StepFiles:
    """Where a step leaves its records, its standard output and its standard error (its log:
    Keras' and TensorFlow's warnings go there)."""

    results: Path
    out: Path
    log: Path

    @classmethod
    def of(cls, directory: Path, job: int, number: int) -> StepFiles:
        stem = directory / f"serialint-job{job}-step{number}"
        return cls(stem.with_suffix(".results"), stem.with_suffix(".out"), stem.with_suffix(".log"))


def _start(
    step: dict[str, Any], directory: Path, files: StepFiles, protocol_fd: int, spawn: bool
) -> Running:
    if spawn or not hasattr(os, "fork"):
        return _spawn(step, directory, files)
    pid = os.fork()
    if pid:
        return _Forked(pid)
    # The child: its own process group (killed whole), output to its log, no terminal input,
    # and on Linux killed with the worker (a SIGKILLed serialint leaves nothing running).
    try:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _die_with_parent()
        os.close(protocol_fd)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        os.dup2(os.open(files.out, flags, 0o600), 1)
        os.dup2(os.open(files.log, flags, 0o600), 2)
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.chdir(directory)
        enter_and_run(step, StepRecorder(files.results, files.log))
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


def _spawn(step: dict[str, Any], directory: Path, files: StepFiles) -> Running:
    with files.out.open("ab") as out, files.log.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "serialint.runtime.spawned",
                json.dumps(step),
                str(files.results),
                str(files.log),
            ],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=log,
            start_new_session=True,
        )
    return _Spawned(process)


@dataclass
class _Job:
    spec: dict[str, Any]
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def directory(self) -> Path:
        return Path(self.spec["dir"])

    def files(self, number: int) -> StepFiles:
        return StepFiles.of(self.directory, int(self.spec["id"]), number)

    @property
    def finished(self) -> bool:
        steps = self.spec["steps"]
        return len(self.outcomes) == len(steps) or (
            bool(self.outcomes) and not self.outcomes[-1]["completed"]
        )


def _outcome(job: _Job, number: int, ended: str) -> dict[str, Any]:
    files = job.files(number)
    records = []
    if files.results.exists():
        for line in files.results.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a kill
    completed = any(r["role"] == "done" for r in records) or any(
        r["role"] in {"setup", "probe", "defect", "exit", "error"} and not r.get("ok", False)
        for r in records
    )
    return {
        "ended": ended,
        "records": records,
        "completed": completed,
        "out": str(files.out),
        "log": str(files.log),
    }


def run_batch(batch: dict[str, Any], out: TextIO, protocol_fd: int) -> None:
    timeout = float(batch["timeout"])
    limit = max(1, int(batch.get("concurrency", 1)))
    spawn = bool(batch.get("spawn", False))
    waiting = [_Job(spec) for spec in batch["jobs"]]
    waiting.reverse()
    running: dict[int, tuple[_Job, Running, float]] = {}

    def stop(signum: int, frame: object) -> None:  # serialint is stopping (Ctrl-C)
        for _, process, _ in running.values():
            process.kill()
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    while waiting or running:
        while waiting and len(running) < limit:
            job = waiting.pop()
            _advance(job, running, protocol_fd, timeout, spawn)
        time.sleep(_POLL_S)
        for key, (job, process, deadline) in list(running.items()):
            ended = process.poll()
            if ended is None and time.monotonic() > deadline:
                process.kill()
                ended = f"timeout {timeout:g}"
            if ended is None:
                continue
            process.kill()  # what the step started and left in its group goes with it
            del running[key]
            job.outcomes.append(_outcome(job, len(job.outcomes), ended))
            if job.finished:
                _send(out, {"event": "job", "id": job.spec["id"], "steps": job.outcomes})
            else:
                _advance(job, running, protocol_fd, timeout, spawn)


def _advance(
    job: _Job,
    running: dict[int, tuple[_Job, Running, float]],
    protocol_fd: int,
    timeout: float,
    spawn: bool,
) -> None:
    number = len(job.outcomes)
    files = job.files(number)
    process = _start(job.spec["steps"][number], job.directory, files, protocol_fd, spawn)
    running[id(process)] = (job, process, time.monotonic() + timeout)


def _send(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def main() -> int:
    # ``python -m`` puts the working directory first on sys.path; steps must find only the
    # sandbox copies of user modules, so it goes.
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    # The protocol gets its own copy of stdout; fd 1 then points at stderr, so anything
    # TensorFlow prints cannot corrupt it.
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    out = os.fdopen(protocol_fd, "w", encoding="utf-8")
    try:
        import keras
        import tensorflow as tf

    except Exception as error:
        _send(out, {"event": "unavailable", "error": f"{type(error).__name__}: {error}"})
        return 1
    _send(out, {"event": "ready", "keras": keras.__version__, "tensorflow": tf.__version__})
    for line in sys.stdin:  # one batch per line, until the driver closes the pipe
        run_batch(json.loads(line), out, protocol_fd)
        _send(out, {"event": "end"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
