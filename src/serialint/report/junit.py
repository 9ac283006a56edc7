"""JUnit XML, as ruff writes it: a test suite per file, a failing test case per finding (CI
systems show them as failed tests); a clean run is one passing case."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.findings import Finding
from serialint.report.paths import project_path
from serialint.report.text import location, message_with_verdict

# Characters XML 1.0 cannot hold at all, even escaped (a backspace from "C:\models\best.h5").
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """``text`` with each character XML cannot hold written as its Python escape."""
    return _NOT_XML.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode(), text
    )


def _where(finding: Finding) -> str:
    cell = f"cell {finding.cell}, " if finding.cell is not None else ""
    return f"{cell}line {finding.start.row}, col {finding.start.column}"


def write(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    findings = result.findings
    suites = ET.Element(
        "testsuites", name="serialint", tests=str(len(findings)), failures=str(len(findings))
    )
    if not findings:
        suite = ET.SubElement(suites, "testsuite", name="serialint", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name="No errors found")
    for path, group in groupby(findings, key=lambda f: f.path):
        found = list(group)
        name = _xml(project_path(path, result.root))
        suite = ET.SubElement(
            suites, "testsuite", name=name, tests=str(len(found)), failures=str(len(found))
        )
        for f in found:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"org.serialint.{f.code}",
                classname=f"{name}:{location(f)}",
            )
            message = _xml(message_with_verdict(f))
            failure = ET.SubElement(case, "failure", message=message)
            failure.text = f"{_where(f)}, {message}"
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
