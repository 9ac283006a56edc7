"""GitLab Code Quality: a JSON array, one object per finding.

Each has ``description``, ``check_name``, ``fingerprint``, ``severity`` and ``location`` (``path``
relative to the project root, ``lines.begin``/``end``). The fingerprint identifies the finding,
not its line: it hashes the rule, the file and the message (without the line numbers of the other
places it names), plus how many identical findings came before it in the file, so it stays the
same across runs and when lines move, in its file or in the files it refers to.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any, TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.findings import Finding
from serialint.report.paths import project_path
from serialint.report.text import cell_prefix, file_row, message_with_verdict

_SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


# Messages name other places by line (`(pkg/layers.py:5)`, `train.py:8 does not`): those lines
# move when unrelated code does, so they are left out of the fingerprint.
_PLACE = re.compile(r"(\.(?:py|pyi|ipynb)):\d+(?::\d+)?")


def fingerprints(findings: list[Finding], result: LintResult) -> list[str]:
    """One stable fingerprint per finding (shared with the SARIF format)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    prints = []
    for f in findings:
        key = (f.code, project_path(f.path, result.root), _PLACE.sub(r"\1", f.message))
        seen[key] += 1
        text = "\0".join([*key, str(seen[key])])
        prints.append(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
    return prints


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    findings = result.findings
    entries: list[dict[str, Any]] = []
    for f, fingerprint in zip(findings, fingerprints(findings, result), strict=True):
        doc = catalogue.get(f.code)
        entries.append(
            {
                "description": f"{f.code}: {cell_prefix(f)}{message_with_verdict(f)}",
                "check_name": f.code,
                "fingerprint": fingerprint,
                "severity": _SEVERITIES[doc.severity.value] if doc else "major",
                "location": {
                    "path": project_path(f.path, result.root),
                    "lines": {"begin": file_row(f), "end": file_row(f) + f.end.row - f.start.row},
                },
            }
        )
    json.dump(entries, out, indent=2)
    out.write("\n")
