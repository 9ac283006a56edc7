"""SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

One run: ``tool.driver`` lists every rule of the catalogue (its summary, what it does, the rule
page as ``help``, ``helpUri`` and the default level); each result names its rule, level, message,
the file relative to the project root (``%SRCROOT%``) and its region. Columns count Unicode code
points, as serialint's do (``columnKind``). ``partialFingerprints`` are the same stable
fingerprints as the GitLab format's; a finding with a fix carries it under ``fixes``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from serialint import __version__
from serialint.api import LintResult
from serialint.catalogue import HOMEPAGE, RuleDoc
from serialint.docs import rule_markdown
from serialint.findings import Edit, Finding, Position
from serialint.paths import relative_parts, resolved
from serialint.report.gitlab import fingerprints
from serialint.report.json_format import runtime_dict
from serialint.report.text import cell_prefix, file_row, message_with_verdict

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "serialint/v1"


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    json.dump(sarif_log(result, catalogue), out, indent=2)
    out.write("\n")


def sarif_log(result: LintResult, catalogue: dict[str, RuleDoc]) -> dict[str, Any]:
    codes = sorted(catalogue)
    index = {code: i for i, code in enumerate(codes)}
    findings = result.findings
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "serialint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": [_rule(catalogue[code]) for code in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, print_, result, catalogue, index)
            for f, print_ in zip(findings, fingerprints(findings, result), strict=True)
        ],
    }
    if result.root is not None:
        run["originalUriBaseIds"] = {_ROOT: {"uri": result.root.absolute().as_uri() + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(doc: RuleDoc) -> dict[str, Any]:
    markdown = rule_markdown(doc)
    return {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.what_it_does.strip()},
        "help": {"text": markdown, "markdown": markdown},
        "helpUri": doc.url,
        "defaultConfiguration": {"level": _LEVELS[doc.severity.value]},
        "properties": {"tags": [doc.kind], "keras_versions": list(doc.keras_versions)},
    }


def _result(
    finding: Finding,
    fingerprint: str,
    result: LintResult,
    catalogue: dict[str, RuleDoc],
    index: dict[str, int],
) -> dict[str, Any]:
    doc = catalogue.get(finding.code)
    artifact = _artifact(finding.path, result.root)
    entry: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _LEVELS[doc.severity.value] if doc else "error",
        "message": {"text": cell_prefix(finding) + message_with_verdict(finding)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": _region(finding.start, finding.end)
                    if finding.cell is None
                    # A notebook: the row of its JSON holding the line (columns there differ).
                    else {"startLine": file_row(finding)},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.code in index:
        entry["ruleIndex"] = index[finding.code]
    if finding.fix is not None and finding.cell is None:  # a notebook's fix edits its cells
        entry["fixes"] = [
            {
                "description": {"text": f"{finding.fix.message} ({finding.fix.applicability})"},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact,
                        "replacements": [_replacement(e) for e in finding.fix.edits],
                    }
                ],
            }
        ]
    properties: dict[str, Any] = {}
    if finding.cell is not None:
        properties["notebook"] = {
            "cell": finding.cell,
            "line": finding.start.row,
            "column": finding.start.column,
        }
    verdict = runtime_dict(finding)
    if verdict is not None:
        properties["runtime"] = verdict
    if properties:
        entry["properties"] = properties
    return entry


def _artifact(path: Path, root: Path | None) -> dict[str, str]:
    """Relative to ``%SRCROOT%`` inside the project; an absolute ``file:`` URI outside it."""
    parts = relative_parts(path, root) if root is not None else None
    if parts is None:
        return {"uri": resolved(path).as_uri()}
    return {"uri": quote("/".join(parts)), "uriBaseId": _ROOT}


def _region(start: Position, end: Position) -> dict[str, int]:
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    }


def _replacement(edit: Edit) -> dict[str, Any]:
    return {
        "deletedRegion": _region(edit.start, edit.end),
        "insertedContent": {"text": edit.content},
    }
