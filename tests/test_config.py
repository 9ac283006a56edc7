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


def test_the_configuration_does_not_depend_on_the_order_of_the_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = "import keras\nclass L(keras.layers.Layer): pass\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "serialint.toml").write_text('ignore = ["SER101"]\n')
    (tmp_path / "a" / "x.py").write_text(layer)
    (tmp_path / "b" / "y.py").write_text(layer)
    first = main(["check", str(tmp_path / "a" / "x.py"), str(tmp_path / "b" / "y.py")])
    second = main(["check", str(tmp_path / "b" / "y.py"), str(tmp_path / "a" / "x.py")])
    assert first == second == 1
    # Alone, a/x.py uses a/serialint.toml.
    assert main(["check", str(tmp_path / "a" / "x.py")]) == 0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "pyproject.toml",
            '[project]\nname = "x"\n[build-system]\nrequires = []\n[tool.hatch]\nbuild = "x"\n',
        ),
        ("pyproject.toml", "[tool.hatch.build]\ntargets = []\n"),
        ("pyproject.toml", "[tool.poetry]\npackages = 3\n"),
        ("setup.cfg", "[options]\npy_modules = a%b\n"),
        ("setup.py", "setup(packages=find_packages(exclude=[1, 2]))\n"),
    ],
)
def test_another_tools_odd_packaging_section_is_no_error(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / name).write_text(text)
    (tmp_path / "m.py").write_text("x = 1\n")
    assert main(["check", str(tmp_path)]) == 0
    assert "internal error" not in capsys.readouterr().err
