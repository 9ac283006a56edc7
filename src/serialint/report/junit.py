"""JUnit XML, as ruff writes it: a test suite per file, a failing test case per finding (CI
systems show them as failed tests); a clean run is one passing case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from typing import TextIO

from serialint.api import LintResult
from serialint.catalogue import RuleDoc
from serialint.report.paths import project_path
from serialint.report.text import message_with_verdict


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
        name = project_path(path, result.root)
        suite = ET.SubElement(
            suites, "testsuite", name=name, tests=str(len(found)), failures=str(len(found))
        )
        for f in found:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"org.serialint.{f.code}",
                classname=f"{name}:{f.start.row}:{f.start.column}",
            )
            failure = ET.SubElement(case, "failure", message=message_with_verdict(f))
            failure.text = f"line {f.start.row}, col {f.start.column}, {message_with_verdict(f)}"
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
