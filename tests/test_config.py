"""[tool.serialint] configuration: found, applied, overridden by flags; mistakes exit 2 naming them."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialint.cli import main

from .conftest import write_project

HAZARDS = {
    "layers.py": "import keras\n\nclass Scale(keras.layers.Layer):\n    pass\n",
    "save.py": "import pickle, keras\nfrom layers import Scale\nm = keras.Sequential([Scale()])\n"
    "pickle.dump(m, open('m', 'wb'))\n",
    "legacy/old.py": "import keras\n\nclass Old(keras.layers.Layer):\n    pass\n",
}


def _project(tmp_path: Path, table: str) -> Path:
    write_project(tmp_path, HAZARDS)
    (tmp_path / "pyproject.toml").write_text(
        f"[project]\nname = 'x'\n\n[tool.serialint]\n{table}\n"
    )
    return tmp_path


def _codes(capsys: pytest.CaptureFixture[str]) -> list[str]:
    out = capsys.readouterr().out
    return sorted(
        line.split()[1] + ":" + line.split(":")[0] for line in out.splitlines() if ": SER" in line
    )


def test_select_ignore_exclude_and_per_file_ignores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, 'select = ["SER1"]\nextend-exclude = ["legacy"]')
    assert main(["check", str(root), "--output-format", "concise"]) == 1
    assert [c.split(":")[0] for c in _codes(capsys)] == ["SER101"]
    root = _project(
        tmp_path, 'ignore = ["SER101"]\n[tool.serialint.per-file-ignores]\n"save.py" = ["SER301"]'
    )
    assert main(["check", str(root), "--output-format", "concise"]) == 0


def test_command_line_overrides_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, 'select = ["SER1"]')
    assert main(["check", str(root), "--select", "SER301", "--output-format", "concise"]) == 1
    assert [c.split(":")[0] for c in _codes(capsys)] == ["SER301"]


def test_config_found_from_a_subdirectory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, 'ignore = ["SER1"]')
    assert main(["check", str(root / "legacy"), "--output-format", "concise"]) == 0


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('selekt = ["SER101"]', "unknown key tool.serialint.selekt"),
        ('select = ["SER999"]', "unknown rule code 'SER999'"),
        ('select = "SER101"', "select must be a list of strings"),
        ("keras-version = 4", "keras-version must be 2 or 3, got 4"),
        ("keras-version = 3.0", "keras-version must be 2 or 3, got 3.0"),
        ("keras-version = true", "keras-version must be 2 or 3, got True"),
        ('select = [""]', "empty rule code"),
        ('[tool.serialint.per-file-ignores]\n"a.py" = ["XYZ1"]', "unknown rule code 'XYZ1'"),
        ("select = [", "invalid TOML"),
    ],
)
def test_configuration_errors_exit_2_and_name_the_problem(
    table: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, table)
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "pyproject.toml" in err


def test_unknown_code_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    assert main(["check", str(tmp_path), "--ignore", "SER101,NOPE7"]) == 2
    assert "--ignore: unknown rule code 'NOPE7'" in capsys.readouterr().err


def test_serialint_toml_and_explicit_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    (tmp_path / "serialint.toml").write_text('select = ["SER301"]\n')
    assert main(["check", str(tmp_path), "--output-format", "concise"]) == 1
    assert [c.split(":")[0] for c in _codes(capsys)] == ["SER301"]
    other = tmp_path / "other.toml"
    other.write_text('ignore = ["SER"]\n')
    assert main(["check", str(tmp_path), "--config", str(other)]) == 0
    assert main(["check", str(tmp_path), "--config", str(tmp_path / "missing.toml")]) == 2
