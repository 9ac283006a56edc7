"""The default, human format: location, code, message, the source line with a marker, a fix hint.

Colour comes from rich, which turns it off when stdout is not a terminal and honours NO_COLOR.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.markup import escape

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.findings import Finding, VerdictKind
from serialint.report.paths import display_path
from serialint.report.summary import fixable as _fixable
from serialint.report.summary import summary_lines
from serialint.report.text import location

_VERDICT_STYLES = {
    VerdictKind.CONFIRMED: "bold red",
    VerdictKind.NOT_REPRODUCED: "bold green",
    VerdictKind.INCONCLUSIVE: "bold yellow",
}


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)
    files = {r.path: r for r in result.files}
    findings = result.findings
    for finding in findings:
        file = files.get(finding.path)
        line = file.line_of(finding) if file is not None else None
        _write_one(console, finding, line, result.unsafe_fixes)
    style = "bold green" if not findings else "bold"
    for summary in summary_lines(result, catalogue):
        console.print(f"[{style}]{escape(summary)}[/]")


def _write_one(console: Console, finding: Finding, line: str | None, unsafe: bool) -> None:
    where = f"{display_path(finding.path)}:{location(finding)}"
    fixable = "[bold cyan]\\[*][/] " if _fixable(finding, unsafe) else ""
    console.print(
        f"[bold]{escape(where)}:[/] [bold red]{finding.code}[/] {fixable}{escape(finding.message)}"
    )
    row = finding.start.row
    if line is not None:
        text = line.expandtabs(1)
        gutter = len(str(row))
        start = finding.start.column - 1
        end = finding.end.column - 1 if finding.end.row == row else len(text)
        width = max(1, min(end, len(text)) - start)
        console.print(f"[blue]{' ' * gutter} |[/]")
        console.print(f"[blue]{row} |[/] {escape(text)}")
        console.print(
            f"[blue]{' ' * gutter} |[/] {' ' * start}[bold red]{'^' * width} {finding.code}[/]"
        )
        console.print(f"[blue]{' ' * gutter} |[/]")
    if finding.fix_hint:
        console.print(f"  [bold cyan]= help:[/] {escape(finding.fix_hint)}")
    if finding.runtime is not None:
        style = _VERDICT_STYLES[finding.runtime.kind]
        console.print(f"  [{style}]= runtime:[/] {escape(finding.runtime.describe())}")
    console.print()
