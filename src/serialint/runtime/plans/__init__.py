"""One plan per confirmable rule: how to replay its finding as a real round trip.

A plan turns a finding into a :class:`~serialint.runtime.jobs.Job` (the steps to run), or
raises :class:`NoReplay` with the reason it cannot be replayed (an inconclusive verdict).
"""

from __future__ import annotations

from collections.abc import Callable

from serialint.findings import Finding
from serialint.runtime.jobs import Job
from serialint.runtime.plans import calls, classes, functions
from serialint.runtime.plans.context import NoReplay, PlanContext

Plan = Callable[[Finding, PlanContext], Job]

PLANS: dict[str, Plan] = {
    **{code: classes.plan for code in sorted(classes.LOCATE_RULES | classes.CONFIG_RULES)},
    "SER201": functions.plan,
    "SER202": functions.plan,
    **{
        code: calls.plan
        for code in sorted(calls.SAVE_RULES | calls.LOAD_RULES | calls.PICKLE_RULES)
    },
}

__all__ = ["PLANS", "NoReplay", "Plan", "PlanContext"]
