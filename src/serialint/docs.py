"""A rule's documentation page, rendered from its catalogue entry (ruff's section layout).

The same text is printed by ``serialint explain CODE`` and written to ``docs/rules/CODE.md``.
"""

from __future__ import annotations

from pathlib import Path

from serialint.catalogue import RuleDoc

_SAFETY = {
    "none": "No automatic fix is offered.",
    "safe": "The fix is safe: it keeps the program's behaviour.",
    "unsafe": "The fix is unsafe: it may change behaviour, so review it before applying it.",
    "mixed": "Whether the fix is safe depends on the case (below): `--fix` applies the safe "
    "ones, `--fix --unsafe-fixes` all of them.",
}


def rule_markdown(doc: RuleDoc) -> str:
    parts = [
        f"# {doc.name} ({doc.code})",
        "",
        f"{doc.summary}. Severity: **{doc.severity.value}**. Keras versions affected: "
        f"{', '.join(doc.keras_versions)}.",
        "",
        "## What it does",
        doc.what_it_does,
        "",
        "## Why is this bad?",
        doc.why_bad,
        "",
    ]
    if doc.keras_error_k3 or doc.keras_error_k2:
        parts += ["## What Keras raises", ""]
        if doc.keras_error_k3:
            parts += ["Keras 3:", "", "```", doc.keras_error_k3, "```", ""]
        if doc.keras_error_k2:
            parts += ["tf-keras (Keras 2):", "", "```", doc.keras_error_k2, "```", ""]
    parts += [
        "## Example",
        "```python",
        doc.example,
        "```",
        "",
        "Use instead:",
        "```python",
        doc.use_instead,
        "```",
        "",
        "## How to fix",
        doc.fix,
        "",
        "## Fix safety",
        _SAFETY.get(doc.fix_safety, doc.fix_safety),
        *(["", doc.fix_safety_note] if doc.fix_safety_note else []),
        "",
        "## Suppressing",
        f"Add `# noqa: {doc.code}` or `# serialint: ignore[{doc.code}]` to the reported line, or "
        f'`ignore = ["{doc.code}"]` under `[tool.serialint]`.',
    ]
    if doc.references:
        parts += ["", "## References", *(f"- <{url}>" for url in doc.references)]
    return "\n".join(parts) + "\n"


def write_pages(directory: Path, catalogue: dict[str, RuleDoc]) -> list[Path]:
    """Write docs/rules/CODE.md for every entry, plus an index; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in catalogue.values():
        page = directory / f"{doc.code}.md"
        page.write_text(rule_markdown(doc))
        written.append(page)
    index = directory / "README.md"
    index.write_text(rules_index(catalogue))
    written.append(index)
    return written


def rules_index(catalogue: dict[str, RuleDoc]) -> str:
    rows = [
        "# Rules",
        "",
        "Generated from `rules/*.toml` by `make docs`; do not edit by hand.",
        "",
        "| Code | Name | Severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    rows += [
        f"| [{d.code}]({d.code}.md) | {d.name} | {d.severity.value} | {d.summary} |"
        for d in catalogue.values()
    ]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    import sys

    from serialint.catalogue import load_catalogue

    for path in write_pages(
        Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"), load_catalogue()
    ):
        print(path)
