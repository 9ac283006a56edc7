"""Output formats, one module each. ``FORMATS`` maps the --output-format name to its writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.report import (
    concise,
    full,
    github,
    gitlab,
    grouped,
    json_format,
    json_lines,
    junit,
    pylint_format,
    sarif,
)

Writer = Callable[[LintResult, dict[str, RuleDoc], TextIO], None]

FORMATS: dict[str, Writer] = {
    "full": full.write,
    "concise": concise.write,
    "json": json_format.write,
    "json-lines": json_lines.write,
    "github": github.write,
    "gitlab": gitlab.write,
    "junit": junit.write,
    "pylint": pylint_format.write,
    "grouped": grouped.write,
    "sarif": sarif.write,
}
