"""Plan, run and judge the round trips of a set of findings (see the package docstring)."""

from __future__ import annotations

import importlib.util
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from serialint.findings import Finding, Verdict, VerdictKind
from serialint.project import Project
from serialint.runtime.driver import Versions, Worker, WorkerFailed, run_jobs
from serialint.runtime.jobs import Job, JobOutcome, inconclusive, verdict
from serialint.runtime.plans import PLANS, NoReplay, PlanContext
from serialint.runtime.sandbox import Sandbox

INSTALL_HINT = "pip install 'serialint[runtime]'"
DEFAULT_TIMEOUT_S = 60.0

Progress = Callable[[int, int], None]  # (done, total)


class RuntimeUnavailable(Exception):
    """TensorFlow/Keras is not installed where serialint runs."""


@dataclass(frozen=True)
class ConfirmOptions:
    timeout: float = DEFAULT_TIMEOUT_S  # per step (one process); a job has two or three
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    spawn: bool = False  # a new interpreter per step instead of fork (what Windows gets)


@dataclass(frozen=True)
class Confirmation:
    findings: tuple[Finding, ...]  # the same findings, each with ``runtime`` where replayed
    versions: Versions | None
    seconds: float

    def counts(self) -> Counter[VerdictKind]:
        return Counter(f.runtime.kind for f in self.findings if f.runtime is not None)

    def summary(self) -> str:
        counts = self.counts()
        parts = [f"{counts[kind]} {kind.value}" for kind in VerdictKind]
        under = (
            f"TensorFlow {self.versions.tensorflow}, Keras {self.versions.keras}"
            if self.versions is not None
            else "TensorFlow did not start"
        )
        replayed = sum(counts.values())
        return (
            f"Runtime check: {', '.join(parts)} "
            f"({replayed} finding{'s' if replayed != 1 else ''} replayed under {under} "
            f"in {self.seconds:.1f} s)."
        )


def runtime_problem() -> str | None:
    """Why ``--confirm`` cannot run here, or None. Cheap: looks for the packages, imports none."""
    missing = [name for name in ("tensorflow", "keras") if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"--confirm needs TensorFlow and Keras, and {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed; install them with: "
            f"{INSTALL_HINT}"
        )
    return None


def confirmable(finding: Finding) -> bool:
    return finding.code in PLANS


def confirm(
    findings: Sequence[Finding],
    project: Project,
    texts: dict[Path, str],
    options: ConfirmOptions | None = None,
    progress: Progress | None = None,
) -> Confirmation:
    options = options or ConfirmOptions()
    problem = runtime_problem()
    if problem is not None:
        raise RuntimeUnavailable(problem)
    started = time.monotonic()
    verdicts: dict[int, Verdict] = {}
    wanted = [i for i, f in enumerate(findings) if confirmable(f)]
    if not wanted:
        return Confirmation(tuple(findings), None, 0.0)
    sandbox = Sandbox(project, texts)
    worker = Worker.start(sandbox.root)  # TensorFlow imports while the jobs are planned
    versions: Versions | None = None
    try:
        context = PlanContext(project, sandbox, texts)
        jobs: dict[int, Job] = {}
        for index in wanted:
            try:
                jobs[index] = PLANS[findings[index].code](findings[index], context)
            except NoReplay as reason:
                verdicts[index] = inconclusive(str(reason))
            except Exception as error:  # a bug in one plan must not cost the other verdicts
                verdicts[index] = inconclusive(
                    f"serialint could not plan this replay (a bug; please report it): "
                    f"{type(error).__name__}: {error}"
                )
        total = len(wanted)
        if progress is not None:
            progress(len(verdicts), total)
        index_of = {id(job): index for index, job in jobs.items()}

        def done(job: Job, outcome: JobOutcome) -> None:
            verdicts[index_of[id(job)]] = verdict(job, outcome)
            if progress is not None:
                progress(len(verdicts), total)

        try:
            versions = worker.wait_ready()
            run_jobs(
                worker,
                list(jobs.values()),
                options.timeout,
                options.concurrency,
                done,
                spawn=options.spawn,
            )
        except WorkerFailed as failure:
            for index in jobs:
                verdicts.setdefault(index, inconclusive(str(failure)))
    finally:
        worker.stop()
        sandbox.remove()
    judged = tuple(
        replace(f, runtime=verdicts[i]) if i in verdicts else f for i, f in enumerate(findings)
    )
    return Confirmation(judged, versions, time.monotonic() - started)
