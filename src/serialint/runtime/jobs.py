"""A replay as plain data: the steps a plan writes, what each step did, and the verdict it gives.

A :class:`Job` is the round trip for one finding: steps run one after another, each in a fresh
process (``worker``). The verdict is read from the records the steps left (``child``):
the first failure decides. A failed ``probe`` confirms the finding; a failed ``setup``, a
timeout, a crash or a ``sys.exit`` leaves it inconclusive, with the reason; a job whose every
step ran to its end did not reproduce the hazard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serialint.findings import Verdict, VerdictKind


@dataclass(frozen=True)
class Step:
    script: str  # run as ``__main__``, with ``step`` (a child.StepRecorder) in its namespace
    path: tuple[Path, ...] = ()  # put first on sys.path: the sandbox copies of user modules
    file: str = ""  # the script's ``__file__`` (a name for tracebacks)
    originals: str = ""  # a file listing the user's module files no import may load


@dataclass(frozen=True)
class Job:
    directory: Path  # the job's own temporary directory: its cwd, where it saves and loads
    steps: tuple[Step, ...]
    replayed: str  # what a job that runs to its end did, for "not reproduced"


@dataclass(frozen=True)
class StepOutcome:
    ended: str  # "exit 0", "signal SIGSEGV", "timeout 60"
    records: tuple[Mapping[str, Any], ...]
    completed: bool
    out: Path  # what the step wrote to standard output
    log: Path  # ... and to standard error (Keras' and TensorFlow's warnings)


@dataclass(frozen=True)
class JobOutcome:
    steps: tuple[StepOutcome, ...]


def first_line(text: str) -> str:
    """The first line of what a user needs to read, as one line.

    Keras wraps a nested failure once per container level ("... could not be deserialized
    properly ... Exception encountered: <inner>"): the innermost message is kept, without the
    object config Keras appends. Keras also breaks one sentence over lines: the first paragraph
    is joined.
    """
    inner = text.rsplit("Exception encountered:", 1)[-1]
    inner = inner.split(" Full object config:", 1)[0]
    paragraph = inner.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines() if line.strip())


def verdict(job: Job, outcome: JobOutcome) -> Verdict:
    for step in outcome.steps:
        decided = _decided(step)
        if decided is not None:
            return decided
        if not step.completed:
            return _abnormal(step)
    if len(outcome.steps) < len(job.steps):
        return inconclusive("the replay stopped before its last step")
    return Verdict(VerdictKind.NOT_REPRODUCED, detail=job.replayed)


def _decided(step: StepOutcome) -> Verdict | None:
    for record in step.records:
        role, what = record["role"], record["what"]
        if role == "probe" and record.get("ok") is False:
            return Verdict(
                VerdictKind.CONFIRMED, record["type"], first_line(record["message"]), what
            )
        if role == "defect":
            return Verdict(VerdictKind.CONFIRMED, detail=record["detail"])
        if role == "setup":
            return inconclusive(
                f"could not {what}: {record['type']}: {first_line(record['message'])}"
            )
        if role == "exit":
            return inconclusive(f"user code called sys.exit({record['code']}) while {_doing(what)}")
        if role == "error":
            return inconclusive(
                f"the replay failed: {record['type']}: {first_line(record['message'])}"
            )
    return None


def _abnormal(step: StepOutcome) -> Verdict:
    begun = [r["what"] for r in step.records if r["role"] == "begin"]
    during = f" while {_doing(begun[-1])}" if begun else ""
    kind, _, value = step.ended.partition(" ")
    if kind == "timeout":
        return inconclusive(f"timed out after {value} s{during}")
    if kind == "signal":
        return inconclusive(f"the process crashed ({value}){during}")
    return inconclusive(f"the process exited with status {value} without a result{during}")


def _doing(what: str) -> str:
    return f"trying to {what}"


def inconclusive(reason: str) -> Verdict:
    return Verdict(VerdictKind.INCONCLUSIVE, detail=reason)
