"""The command line as users and tools see it: exit codes, formats, rules, explain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from serialint.cli import main

from .conftest import write_project

LAYER = "import keras\n\nclass Scale(keras.layers.Layer):\n    pass\n"


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"clean.py": "x = 1\n", "dirty/m.py": LAYER})
    assert main(["check", str(tmp_path / "clean.py")]) == 0
    assert "All checks passed!" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "dirty")]) == 1
    with pytest.raises(SystemExit) as usage:
        main(["check", "--output-format", "xml"])
    assert usage.value.code == 2


def test_standard_input_cannot_be_combined_with_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "-", str(tmp_path)]) == 2
    assert "standard input" in capsys.readouterr().err


def test_empty_code_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path), "--select", "SER101,"]) == 2
    assert "empty rule code" in capsys.readouterr().err


def test_full_format_shows_source_marker_and_help(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"m.py": LAYER})
    main(["check", str(tmp_path)])
    out = capsys.readouterr().out
    assert "m.py:3:7: SER101 Custom layer `Scale` is not registered" in out
    assert "3 | class Scale(keras.layers.Layer):" in out
    assert "  |       ^^^^^ SER101" in out
    assert "= help: Decorate it with @keras.saving.register_keras_serializable" in out
    assert "Found 1 error (1 file checked)." in out
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_json_follows_ruffs_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"m.py": LAYER})
    assert main(["check", str(tmp_path), "--output-format", "json"]) == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item["code"] == "SER101"
    assert item["name"] == "unregistered-custom-object"
    assert item["severity"] == "error"
    assert item["location"] == {"row": 3, "column": 7}
    assert item["end_location"] == {"row": 3, "column": 12}
    assert item["filename"] == str(tmp_path / "m.py")
    # m.py is a script, not a package module: registering there is an unsafe fix.
    assert item["fix"] == {
        "applicability": "unsafe",
        "message": 'Register `Scale` with @keras.saving.register_keras_serializable(package="m")',
        "edits": [
            {
                "content": '@keras.saving.register_keras_serializable(package="m")\n',
                "location": {"row": 3, "column": 1},
                "end_location": {"row": 3, "column": 1},
            }
        ],
    }
    assert {"message", "url", "noqa_row", "cell"} <= set(item)


def test_json_of_a_clean_run_is_an_empty_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"m.py": "x = 1\n"})
    assert main(["check", str(tmp_path), "--output-format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_concise_and_statistics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"a.py": LAYER, "b.py": LAYER.replace("Scale", "Shift")})
    main(["check", str(tmp_path), "--output-format", "concise"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("a.py:3:7: SER101 " + lines[0].split(" SER101 ")[1])
    assert len([line for line in lines if " SER101 " in line]) == 2
    main(["check", str(tmp_path), "--statistics"])
    assert capsys.readouterr().out.splitlines()[0] == "    2\tSER101\tunregistered-custom-object"


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    for code in ("SER101", "SER301", "SER401"):
        assert code in listing
    assert main(["explain", "SER301"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("# pickle-model (SER301)")
    assert "## Why is this bad?" in page and "Use instead:" in page
    assert main(["explain", "unregistered-custom-object"]) == 0
    assert "SER101" in capsys.readouterr().out
    assert main(["explain", "SER999"]) == 2
    assert "unknown rule 'SER999'" in capsys.readouterr().err


def test_python_dash_m_and_no_color(tmp_path: Path) -> None:
    write_project(tmp_path, {"m.py": LAYER})
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": ""}
    done = subprocess.run(
        [sys.executable, "-m", "serialint", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "SER101" in done.stdout and "\x1b[" not in done.stdout
    assert done.stderr == ""


def test_statistics_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"m.py": LAYER})
    assert main(["check", str(tmp_path), "--statistics", "--output-format", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {"code": "SER101", "name": "unregistered-custom-object", "count": 1, "fixable": True}
    ]
