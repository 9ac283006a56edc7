"""Run ``--confirm`` (the product's runtime, ``serialint.runtime``) over many small projects.

Each case is a project of its own (a directory), linted with serialint as a user would; every
case's findings are then confirmed together by one TensorFlow worker (``confirm_groups``), so
the whole table costs one TensorFlow start-up. A case may also name a place where the rule does
*not* fire (the catalogue's ``use_instead``): a finding of the rule is put there by hand, to show
that the round trip does not confirm correct code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from serialint.api import Workspace
from serialint.config import Config
from serialint.findings import Finding, Position, Verdict
from serialint.runtime.confirmation import ConfirmOptions, Group, confirm_groups


def simple_layer(name: str) -> str:
    """A module defining an unregistered layer with a correct get_config."""
    return f"""import keras


class {name}(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0

    def get_config(self):
        return super().get_config()
"""


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    files: dict[str, str]
    # Where to put a hand-made finding of ``code`` (file, text found on the line); None: the
    # findings are the ones serialint reports.
    at: tuple[str, str] | None = None


@dataclass
class Outcome:
    case: Case
    reported: list[Finding]  # what serialint found, with the case's code
    judged: list[Finding] = field(default_factory=list)  # the findings confirmed

    @property
    def verdicts(self) -> list[Verdict]:
        return [f.runtime for f in self.judged if f.runtime is not None]


def write_case(root: Path, case: Case) -> Path:
    directory = root / case.name
    for name, text in case.files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def placed_finding(directory: Path, case: Case) -> Finding:
    assert case.at is not None
    name, text = case.at
    path = directory / name
    for row, line in enumerate(path.read_text().splitlines(), start=1):
        column = line.find(text)
        if column >= 0:
            where = Position(row, column + 1)
            return Finding(case.code, "placed by the test", path, where, where)
    raise AssertionError(f"{text!r} is not in {path}")


def confirm_cases(
    root: Path, cases: list[Case], options: ConfirmOptions | None = None
) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    groups: list[Group] = []
    for case in cases:
        directory = write_case(root, case)
        config = Config(root=directory, index_root=True)
        workspace, inputs = Workspace.load([directory], config, {case.code})
        reported = [f for p in inputs.targets for f in workspace.lint_file(p).findings]
        reported = [f for f in reported if f.code == case.code]
        chosen = [placed_finding(directory, case)] if case.at is not None else reported
        outcomes[case.name] = Outcome(case, reported)
        groups.append(Group(chosen, workspace.project, workspace.texts()))
    for case, confirmation in zip(cases, confirm_groups(groups, options), strict=True):
        outcomes[case.name].judged = list(confirmation.findings)
    return outcomes


def only(outcome: Outcome) -> Verdict:
    """The verdict of a case with exactly one finding."""
    verdicts = outcome.verdicts
    assert len(verdicts) == 1, (outcome.case.name, [f.message for f in outcome.reported], verdicts)
    return verdicts[0]


__all__ = ["Case", "Outcome", "confirm_cases", "only", "simple_layer"]
