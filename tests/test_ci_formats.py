"""The CI formats (ruff's names): github, gitlab, junit, json-lines, pylint, grouped.

Each is checked on a real project run through the command line: paths relative to the project
root, the shapes the consuming tools read, and (gitlab) fingerprints that identify a finding
across runs and line shifts.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from serialint.api import LintResult
from serialint.catalogue import load_catalogue
from serialint.cli import main
from serialint.findings import FileResult, Finding, Position, Verdict, VerdictKind
from serialint.report import FORMATS

from .conftest import write_project

LAYERS = (
    "import keras\n\n\nclass Scale(keras.layers.Layer):\n    pass\n\n\n"
    "class Shift(keras.layers.Layer):\n    pass\n"
)
PROJECT = {"pyproject.toml": "[tool.serialint]\n", "pkg/__init__.py": "", "pkg/layers.py": LAYERS}


def _run(root: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["check", str(root), "--output-format", fmt]) == 1
    return capsys.readouterr().out


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, PROJECT)
    lines = _run(tmp_path, "github", capsys).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error title=serialint (SER101 unregistered-custom-object),file=pkg/layers.py,"
        "line=4,col=7,endLine=4,endColumn=12::pkg/layers.py:4:7: SER101 Custom layer `Scale`"
    )


def test_github_escapes_what_would_end_a_command() -> None:
    finding = Finding("SER101", "first line\nsecond: 100%", Path("/p/a,b.py"), *_at(1, 1))
    out = _write("github", [finding], Path("/p"))
    assert "file=a%2Cb.py" in out
    assert "first line%0Asecond: 100%25" in out
    assert out.count("\n") == 1


def test_gitlab_code_quality(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, PROJECT)
    entries = json.loads(_run(tmp_path, "gitlab", capsys))
    assert [e["check_name"] for e in entries] == ["SER101", "SER101"]
    first = entries[0]
    assert first["description"].startswith("SER101: Custom layer `Scale`")
    assert first["severity"] == "major"
    assert first["location"] == {"path": "pkg/layers.py", "lines": {"begin": 4, "end": 4}}
    assert len({e["fingerprint"] for e in entries}) == 2


def test_gitlab_fingerprints_survive_runs_and_line_shifts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, PROJECT)
    before = [e["fingerprint"] for e in json.loads(_run(tmp_path, "gitlab", capsys))]
    again = [e["fingerprint"] for e in json.loads(_run(tmp_path, "gitlab", capsys))]
    (tmp_path / "pkg" / "layers.py").write_text("# a new first line\n\n" + LAYERS)
    shifted = json.loads(_run(tmp_path, "gitlab", capsys))
    assert before == again == [e["fingerprint"] for e in shifted]
    assert shifted[0]["location"]["lines"]["begin"] == 6


def test_gitlab_fingerprints_ignore_lines_of_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SER401's message names `Scale` (pkg/layers.py:4): moving that line changes nothing."""
    loader = "import keras\n\nmodel = keras.models.load_model('m.keras')\n"
    write_project(tmp_path, {**PROJECT, "serve.py": loader})

    def prints() -> dict[str, str]:
        entries = json.loads(_run(tmp_path, "gitlab", capsys))
        return {f"{e['check_name']}:{e['description'][:40]}": e["fingerprint"] for e in entries}

    before = prints()
    (tmp_path / "pkg" / "layers.py").write_text("# moved\n\n" + LAYERS)
    (tmp_path / "serve.py").write_text("# moved\n" + loader)
    assert prints() == before and any(key.startswith("SER401") for key in before)


def test_gitlab_fingerprints_tell_identical_findings_apart() -> None:
    same = [Finding("SER101", "m", Path("/p/a.py"), *_at(row, 1)) for row in (1, 5)]
    entries = json.loads(_write("gitlab", same, Path("/p")))
    assert entries[0]["fingerprint"] != entries[1]["fingerprint"]


def test_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, PROJECT)
    suites = ET.fromstring(_run(tmp_path, "junit", capsys))
    assert suites.get("tests") == "2" and suites.get("failures") == "2"
    [suite] = suites
    assert suite.get("name") == "pkg/layers.py"
    cases = list(suite)
    assert [c.get("name") for c in cases] == ["org.serialint.SER101"] * 2
    assert cases[0].get("classname") == "pkg/layers.py:4:7"
    failure = cases[0].find("failure")
    assert failure is not None and failure.text is not None
    assert failure.text.startswith("line 4, col 7, Custom layer `Scale`")


def test_junit_is_well_formed_whatever_the_message_holds() -> None:
    odd = Finding(
        "SER306", "path 'C:\\models\best.h5' ]]> & <x>", Path("/p/ctl\x01.py"), *_at(2, 1)
    )
    suites = ET.fromstring(_write("junit", [odd], Path("/p")))
    [suite] = suites
    assert suite.get("name") == "ctl\\x01.py"
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == "path 'C:\\models\\x08est.h5' ]]> & <x>"


def test_junit_clean_run_is_one_passing_case() -> None:
    suites = ET.fromstring(_write("junit", [], Path("/p")))
    assert suites.get("failures") == "0"
    assert [c.get("name") for c in suites.iter("testcase")] == ["No errors found"]


def test_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, PROJECT)
    objects = [json.loads(line) for line in _run(tmp_path, "json-lines", capsys).splitlines()]
    assert [o["code"] for o in objects] == ["SER101", "SER101"]
    assert objects[0]["location"] == {"column": 7, "row": 4}


def test_pylint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, PROJECT)
    lines = _run(tmp_path, "pylint", capsys).splitlines()
    assert lines[0].startswith("pkg/layers.py:4: [SER101] Custom layer `Scale`")
    assert lines[1].startswith("pkg/layers.py:8: [SER101] Custom layer `Shift`")


def test_grouped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    out = _run(Path("."), "grouped", capsys)
    assert out.startswith("pkg/layers.py:\n  4:7 SER101 [*] Custom layer `Scale`")
    assert "\n  8:7 SER101 [*] Custom layer `Shift`" in out
    assert "Found 2 errors" in out


@pytest.mark.parametrize("fmt", ["github", "gitlab", "junit", "pylint", "grouped", "concise"])
def test_runtime_verdicts_reach_every_text_of_a_finding(fmt: str) -> None:
    verdict = Verdict(VerdictKind.CONFIRMED, "TypeError", "Could not locate class 'Scale'.")
    finding = Finding(
        "SER101", "Custom layer `Scale`", Path("/p/a.py"), *_at(3, 7), runtime=verdict
    )
    assert "confirmed: TypeError: Could not locate class 'Scale'." in _write(
        fmt, [finding], Path("/p")
    )


def _at(row: int, column: int) -> tuple[Position, Position]:
    return Position(row, column), Position(row, column + 5)


def _write(fmt: str, findings: list[Finding], root: Path) -> str:
    files = [FileResult(path=f.path, findings=[f]) for f in findings]
    result = LintResult(files=files, root=root)
    out = io.StringIO()
    FORMATS[fmt](result, load_catalogue(), out)
    return out.getvalue()
