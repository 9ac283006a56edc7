"""The closing lines of the human formats (ruff's wording)."""

from __future__ import annotations

from serialint.api import LintResult


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def summary_lines(result: LintResult) -> list[str]:
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
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "unsafe")
    hidden = f"{_plural(unsafe, 'hidden fix', 'hidden fixes')} can be enabled with the `--unsafe-fixes` option"
    if safe:
        lines.append(
            f"[*] {safe} fixable with the `--fix` option" + (f" ({hidden})." if unsafe else ".")
        )
    elif unsafe:
        lines.append(f"No fixes available ({hidden}).")
    return lines
