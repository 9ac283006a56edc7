"""Plain data passed between the stages: locations, fixes, findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # notebooks imports this module's dataclasses
    from serialint.notebooks import CellMap


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Position:
    """1-based row, 1-based column counted in characters (as ruff reports them)."""

    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    content: str
    start: Position
    end: Position
    cell: int | None = None  # in a reported notebook finding: the cell its rows count in


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: str  # "safe" | "unsafe"
    edits: tuple[Edit, ...]


class VerdictKind(str, enum.Enum):
    CONFIRMED = "confirmed"
    NOT_REPRODUCED = "not reproduced"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Verdict:
    """What ``--confirm`` saw when it replayed a finding under real Keras.

    ``exception`` and ``message`` (its first line) are what Keras raised, for a confirmed finding;
    ``detail`` says what was done (not reproduced), what went wrong silently (a confirmed finding
    with no exception: a config that loses an argument), or why no verdict could be reached.
    """

    kind: VerdictKind
    exception: str = ""
    message: str = ""
    detail: str = ""

    def describe(self) -> str:
        """One line for the text formats: ``confirmed: TypeError: Could not locate ...``."""
        if self.exception:
            said = f"{self.exception}: {self.message}" if self.message else self.exception
            return f"{self.kind.value}: {said}"
        return f"{self.kind.value}: {self.detail}" if self.detail else self.kind.value


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: Path
    start: Position
    end: Position
    fix_hint: str = ""
    fix: Fix | None = None
    runtime: Verdict | None = None  # with --confirm
    # The row a noqa comment for it goes on (where its line ends); set when suppression is read.
    noqa_row: int | None = None
    # In a notebook, the cell (from 1) whose rows `start`, `end` and `noqa_row` count, once
    # translated for the report (notebooks.CellMap); None for a module.
    cell: int | None = None
    file_row: int | None = None  # ... and the row of the notebook's JSON file holding that line

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (str(self.path), self.cell or 0, self.start.row, self.start.column, self.code)


@dataclass
class FileResult:
    """What one file produced: findings and the text the report needs to show source lines."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the joined code cells, for a notebook
    cells: CellMap | None = None  # a notebook: where each row of `lines` comes from

    def line_of(self, finding: Finding) -> str | None:
        """The source line a reported finding starts on (in a notebook, its cell's line)."""
        row: int | None = finding.start.row
        if self.cells is not None and finding.cell is not None:
            row = self.cells.joined_row(finding.cell, finding.start.row)
        if row is None or not 1 <= row <= len(self.lines):
            return None
        return self.lines[row - 1]

    def reported(self) -> list[Finding]:
        """The findings as users see them (a notebook's rows counted within their cells)."""
        if self.cells is None:
            return self.findings
        return [self.cells.translate(f) for f in self.findings]
