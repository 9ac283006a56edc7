"""Findings as LSP diagnostics: code, link to the rule's page, severity from the catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lsprotocol import types

from serialint.catalogue import RuleDoc
from serialint.findings import Finding, Severity
from serialint.lsp.positions import LineIndex

SOURCE = "serialint"

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def severity_of(code: str, catalogue: Mapping[str, RuleDoc]) -> types.DiagnosticSeverity:
    doc = catalogue.get(code)
    return _SEVERITIES[doc.severity] if doc is not None else types.DiagnosticSeverity.Error


def diagnostic(
    finding: Finding, index: LineIndex, encoding: str, catalogue: Mapping[str, RuleDoc]
) -> types.Diagnostic:
    doc = catalogue.get(finding.code)
    message = finding.message
    if finding.fix_hint:
        message = f"{message}\nHelp: {finding.fix_hint}"
    return types.Diagnostic(
        range=index.lsp_range(finding.start, finding.end, encoding),
        message=message,
        severity=severity_of(finding.code, catalogue),
        code=finding.code,
        code_description=types.CodeDescription(href=doc.url) if doc is not None else None,
        source=SOURCE,
        data={"fixable": finding.fix is not None},
    )


def diagnostics(
    findings: Iterable[Finding], text: str, encoding: str, catalogue: Mapping[str, RuleDoc]
) -> list[types.Diagnostic]:
    index = LineIndex.of(text)
    return [diagnostic(f, index, encoding, catalogue) for f in findings]
