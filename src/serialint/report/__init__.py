"""Output formats, one module each. ``FORMATS`` maps the --output-format name to its writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from serialint.catalogue import RuleDoc
from serialint.engine import CheckResult
from serialint.report import concise, full, json_format

Writer = Callable[[CheckResult, dict[str, RuleDoc], TextIO], None]

FORMATS: dict[str, Writer] = {
    "full": full.write,
    "concise": concise.write,
    "json": json_format.write,
}
