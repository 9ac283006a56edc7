"""The closing lines of the human formats (ruff's wording)."""

from __future__ import annotations

from collections import Counter

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.findings import Finding
from serialint.report.paths import display_path


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def fixable(finding: Finding, unsafe_fixes: bool) -> bool:
    """Marked ``[*]``: a fix ``--fix`` would apply (ruff marks the unsafe ones only with
    ``--unsafe-fixes``)."""
    fix = finding.fix
    return fix is not None and (fix.applicability == "safe" or unsafe_fixes)


def summary_lines(result: LintResult, catalogue: dict[str, RuleDoc]) -> list[str]:
    if result.quiet:
        return []
    return [*_fixed_lines(result, catalogue), *_closing_lines(result)]


def _fixed_lines(result: LintResult, catalogue: dict[str, RuleDoc]) -> list[str]:
    """``--show-fixes``: ruff's enumeration of what ``--fix`` fixed, by file then rule."""
    if not result.show_fixes or not result.fixed:
        return []
    lines = [f"Fixed {_plural(len(result.fixed), 'error')}:"]
    by_file: dict[str, Counter[str]] = {}
    for finding in result.fixed:
        by_file.setdefault(display_path(finding.path), Counter())[finding.code] += 1
    for path, counts in sorted(by_file.items()):
        lines.append(f"- {path}:")
        for code, count in sorted(counts.items()):
            name = catalogue[code].name if code in catalogue else ""
            shown = f"{code} ({name})" if name else code
            lines.append(f"    {count} × {shown}")  # noqa: RUF001 (ruff's own sign)
    return [*lines, ""]


def _closing_lines(result: LintResult) -> list[str]:
    findings = result.findings
    fixed = len(result.fixed)
    checked = f"{_plural(len(result.files), 'file')} checked"
    if not findings and not fixed:
        return [f"All checks passed! ({checked})"]
    total = len(findings) + fixed
    head = f"Found {_plural(total, 'error')}"
    if fixed:
        head += f" ({fixed} fixed, {len(findings)} remaining)"
    lines = [f"{head} ({checked})."]
    if result.semantics:
        lines.append(result.semantics)
    if result.confirmation is not None:
        lines.append(result.confirmation.summary())
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "unsafe")
    if result.unsafe_fixes:  # --unsafe-fixes given: they are as available as the safe ones
        safe, unsafe = safe + unsafe, 0
    hidden = f"{_plural(unsafe, 'hidden fix', 'hidden fixes')} can be enabled with the `--unsafe-fixes` option"
    if safe:
        lines.append(
            f"[*] {safe} fixable with the `--fix` option" + (f" ({hidden})." if unsafe else ".")
        )
    elif unsafe:
        lines.append(f"No fixes available ({hidden}).")
    return lines


def diff_summary(result: LintResult) -> str:
    """What ``--diff`` would fix, for standard error (the diff itself goes to standard output)."""
    would = len(result.fixed)
    hidden = (
        0
        if result.unsafe_fixes
        else sum(
            1 for f in result.findings if f.fix is not None and f.fix.applicability == "unsafe"
        )
    )
    line = f"Would fix {_plural(would, 'error')}." if would else "No errors would be fixed."
    if hidden:
        line = line[:-1] + f" ({_plural(hidden, 'fix', 'fixes')} available with `--unsafe-fixes`)."
    return line
