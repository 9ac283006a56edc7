"""One JSON object per line (ruff's ``json-lines``): the ``json`` format's objects, streamable."""

from __future__ import annotations

import json
from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.report.json_format import as_dict


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    for finding in result.findings:
        out.write(json.dumps(as_dict(finding, catalogue)) + "\n")
