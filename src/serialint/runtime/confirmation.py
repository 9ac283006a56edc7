"""Plan, run and judge the round trips of a set of findings (see the package docstring)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
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
    scratch: Path | None = None  # where the temporary directories go (None: the system's)


@dataclass(frozen=True)
class Confirmation:
    findings: tuple[Finding, ...]  # the same findings, each with ``runtime`` where replayed
    versions: Versions | None
    seconds: float

    @classmethod
    def merged(cls, parts: Sequence[Confirmation]) -> Confirmation:
        """The confirmations of several projects, as one."""
        versions = next((p.versions for p in parts if p.versions is not None), None)
        findings = tuple(f for p in parts for f in p.findings)
        return cls(findings, versions, sum(p.seconds for p in parts))

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


@dataclass(frozen=True)
class Group:
    """Findings of one project, with the project they were found in and its texts."""

    findings: Sequence[Finding]
    project: Project
    texts: dict[Path, str]


def confirm(
    findings: Sequence[Finding],
    project: Project,
    texts: dict[Path, str],
    options: ConfirmOptions | None = None,
    progress: Progress | None = None,
) -> Confirmation:
    return confirm_groups([Group(findings, project, texts)], options, progress)[0]


def confirm_groups(
    groups: Sequence[Group],
    options: ConfirmOptions | None = None,
    progress: Progress | None = None,
) -> list[Confirmation]:
    """Confirm the findings of several projects with one TensorFlow worker."""
    options = options or ConfirmOptions()
    problem = runtime_problem()
    if problem is not None:
        raise RuntimeUnavailable(problem)
    started = time.monotonic()
    wanted = [
        (g, i)
        for g, group in enumerate(groups)
        for i, f in enumerate(group.findings)
        if confirmable(f)
    ]
    verdicts: dict[tuple[int, int], Verdict] = {}
    versions: Versions | None = None
    if wanted:
        home = Path(tempfile.mkdtemp(prefix="serialint-worker-", dir=options.scratch))
        worker = Worker.start(home)  # TensorFlow imports while the jobs are planned
        sandboxes = [Sandbox.create(g.project, g.texts, options.scratch) for g in groups]
        try:
            jobs = _plan(groups, sandboxes, wanted, verdicts)
            versions = _run(worker, jobs, verdicts, len(wanted), options, progress)
        finally:
            worker.stop()
            for sandbox in sandboxes:
                sandbox.remove()
            shutil.rmtree(home, ignore_errors=True)
    seconds = time.monotonic() - started
    return [
        Confirmation(
            tuple(
                replace(f, runtime=verdicts[(g, i)]) if (g, i) in verdicts else f
                for i, f in enumerate(group.findings)
            ),
            versions,
            seconds,
        )
        for g, group in enumerate(groups)
    ]


def _plan(
    groups: Sequence[Group],
    sandboxes: list[Sandbox],
    wanted: list[tuple[int, int]],
    verdicts: dict[tuple[int, int], Verdict],
) -> dict[tuple[int, int], Job]:
    contexts = [
        PlanContext(group.project, sandbox, group.texts)
        for group, sandbox in zip(groups, sandboxes, strict=True)
    ]
    jobs: dict[tuple[int, int], Job] = {}
    for key in wanted:
        finding = groups[key[0]].findings[key[1]]
        try:
            if finding.path.suffix == ".ipynb":
                raise NoReplay("notebook findings are not replayed (a notebook is not a module)")
            job = PLANS[finding.code](finding, contexts[key[0]])
            jobs[key] = sandboxes[key[0]].with_import_path(job)
        except NoReplay as reason:
            verdicts[key] = inconclusive(str(reason))
        except Exception as error:  # a bug in one plan must not cost the other verdicts
            verdicts[key] = inconclusive(
                "serialint could not plan this replay (a bug; please report it): "
                f"{type(error).__name__}: {error}"
            )
    return jobs


def _run(
    worker: Worker,
    jobs: dict[tuple[int, int], Job],
    verdicts: dict[tuple[int, int], Verdict],
    total: int,
    options: ConfirmOptions,
    progress: Progress | None,
) -> Versions | None:
    if progress is not None:
        progress(len(verdicts), total)
    if not jobs:
        return None
    key_of = {id(job): key for key, job in jobs.items()}

    def done(job: Job, outcome: JobOutcome) -> None:
        verdicts[key_of[id(job)]] = verdict(job, outcome)
        if progress is not None:
            progress(len(verdicts), total)

    versions = None
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
        for key in jobs:
            verdicts.setdefault(key, inconclusive(str(failure)))
    return versions
