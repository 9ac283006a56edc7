"""[tool.serialint] configuration: found, applied, overridden by flags; mistakes exit 2 naming them."""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


KNOWN_KEYS = "known keys are exclude, extend-exclude, force-exclude, ignore, keras-version, per-file-ignores, select"
CODES_WANTED = 'list of strings (rule codes such as "SER101", prefixes such as "SER1", or "ALL")'
PATTERNS_WANTED = 'list of strings (path patterns such as "build" or "tests/fixtures/*")'
KNOWN_CODES = "known codes are SER000, SER101, "  # ... every code, then:
ANY_CODE = ", a prefix of them such as SER1, or ALL"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # Each: the key, what it accepts, what was given, and a guess at what was meant.
        (
            'selekt = ["SER101"]',
            [
                "unknown key tool.serialint.selekt (did you mean tool.serialint.select?); "
                + KNOWN_KEYS
            ],
        ),
        (
            "per_file_ignores = {}",
            [
                "unknown key tool.serialint.per_file_ignores (did you mean tool.serialint.per-file-ignores?)"
            ],
        ),
        (
            "extend_exclude = []\nwhatever = 1",
            [
                "unknown keys tool.serialint.extend_exclude (did you mean "
                "tool.serialint.extend-exclude?), tool.serialint.whatever; " + KNOWN_KEYS
            ],
        ),
        (
            'select = ["SER999"]',
            ["tool.serialint.select: unknown rule code 'SER999'; " + KNOWN_CODES, ANY_CODE],
        ),
        (
            'select = ["SER1O1"]',
            [
                "tool.serialint.select: unknown rule code 'SER1O1' (did you mean 'SER101'?); "
                + KNOWN_CODES,
                "SER406" + ANY_CODE,
            ],
        ),
        (
            'ignore = ["SRE1"]',
            [
                "tool.serialint.ignore: unknown rule code 'SRE1' (did you mean 'SER1'?); "
                + KNOWN_CODES
            ],
        ),
        (
            'select = "SER101"',
            [
                "tool.serialint.select must be a list of strings",
                f'tool.serialint.select must be a {CODES_WANTED}, got "SER101" (a string); '
                'did you mean select = ["SER101"]?',
            ],
        ),
        (
            'ignore = ["SER101", 301]',
            [
                f'tool.serialint.ignore must be a {CODES_WANTED}, got ["SER101", 301] (an array), and 301 (an integer) is not a string'
            ],
        ),
        (
            'exclude = "build"',
            [
                f'tool.serialint.exclude must be a {PATTERNS_WANTED}, got "build" (a string); did you mean exclude = ["build"]?'
            ],
        ),
        (
            "extend-exclude = [true]",
            [
                f"tool.serialint.extend-exclude must be a {PATTERNS_WANTED}, got [true] (an array), and true (a boolean) is not a string"
            ],
        ),
        (
            'per-file-ignores = ["a.py"]',
            [
                'tool.serialint.per-file-ignores must be a table of pattern = [codes] (such as "tests/*" = ["SER301"]), got ["a.py"] (an array)'
            ],
        ),
        (
            '[tool.serialint.per-file-ignores]\n"tests/*.py" = "SER301"',
            [
                f'tool.serialint.per-file-ignores."tests/*.py" must be a {CODES_WANTED}, got "SER301" (a string); did you mean "tests/*.py" = ["SER301"]?'
            ],
        ),
        (
            '[tool.serialint.per-file-ignores]\n"a.py" = ["XYZ1"]',
            ["tool.serialint.per-file-ignores.\"a.py\": unknown rule code 'XYZ1'; " + KNOWN_CODES],
        ),
        (
            '[tool.serialint.per-file-ignores]\ntests = ["SER3O1"]',
            [
                "tool.serialint.per-file-ignores.tests: unknown rule code 'SER3O1' (did you mean 'SER301'?)"
            ],
        ),
        ("keras-version = 4", ["tool.serialint.keras-version must be 2 or 3, got 4 (an integer)"]),
        (
            "keras-version = 3.0",
            ["keras-version must be 2 or 3, got 3.0 (a float); did you mean keras-version = 3?"],
        ),
        ("keras-version = true", ["keras-version must be 2 or 3, got true (a boolean)"]),
        (
            'keras-version = "2.15"',
            [
                'keras-version must be 2 or 3, got "2.15" (a string); did you mean keras-version = 2?'
            ],
        ),
        (
            'force-exclude = "yes"',
            [
                'tool.serialint.force-exclude must be true or false, got "yes" (a string); did you mean force-exclude = true?'
            ],
        ),
        (
            'select = [""]',
            [
                "tool.serialint.select: empty rule code; give a code such as SER101, a prefix such as SER1, or ALL"
            ],
        ),
        ("select = [", ["invalid TOML", "(at end of document)"]),
    ],
)
def test_configuration_errors_exit_2_and_name_the_problem(
    table: str, expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, table)
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"serialint: error: {root / 'pyproject.toml'}: ")
    for fragment in expected:
        assert fragment in err
    assert "did you mean" in err or not any("did you mean" in e for e in expected)


def test_a_serialint_toml_names_its_keys_without_the_tool_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    (tmp_path / "serialint.toml").write_text('ignor = ["SER101"]\n')
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"serialint: error: {tmp_path / 'serialint.toml'}: unknown key ignor "
        f"(did you mean ignore?); {KNOWN_KEYS}\n"
    )


def test_a_file_that_is_not_utf8_names_the_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    (tmp_path / "serialint.toml").write_bytes(b'select = ["SER101"]\n# caf\xe9\n')
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{tmp_path / 'serialint.toml'}: invalid TOML: byte 0xe9 at line 2, column 6 is not UTF-8"
        in err
    )


def test_unknown_code_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    assert main(["check", str(tmp_path), "--ignore", "SER101,NOPE7"]) == 2
    err = capsys.readouterr().err
    assert "--ignore: unknown rule code 'NOPE7'; " + KNOWN_CODES in err and ANY_CODE in err
    assert "did you mean" not in err


@pytest.mark.parametrize(
    ("option", "given", "meant"),
    [
        ("--select", "SER1O1", "SER101"),
        ("--select", "ser-301", "SER301"),
        ("--ignore", "SER10l", "SER101"),
        ("--select", "SRE", "SER"),
    ],
)
def test_a_mistyped_code_on_the_command_line_gets_a_guess(
    option: str, given: str, meant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    assert main(["check", str(tmp_path), option, given]) == 2
    err = capsys.readouterr().err
    code = given.upper()
    assert f"{option}: unknown rule code {code!r} (did you mean {meant!r}?); {KNOWN_CODES}" in err


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
    capsys.readouterr()
    assert main(["check", str(tmp_path), "--config", str(tmp_path / "missing.toml")]) == 2
    assert f"{tmp_path / 'missing.toml'}: configuration file not found" in capsys.readouterr().err


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


# A configuration file that is not a readable regular file was skipped silently: the run then
# went on without the configuration (every rule, no excludes).  Now it stops, naming the file.
NOT_A_FILE = "not a configuration file (a regular TOML file)"
REMEDY = "make it a regular file, or rename or remove it"


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail, not hang, should a FIFO be opened for reading."""

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("blocked reading a FIFO")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", ["serialint.toml", ".serialint.toml", "pyproject.toml"])
def test_a_directory_named_like_the_configuration(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    (tmp_path / name).mkdir()
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"serialint: error: {tmp_path / name}: is a directory, {NOT_A_FILE}; {REMEDY}\n"
    )


@pytest.mark.parametrize("name", ["serialint.toml", ".serialint.toml", "pyproject.toml"])
def test_a_fifo_named_like_the_configuration_is_not_read(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], no_hang: None
) -> None:
    write_project(tmp_path, HAZARDS)
    os.mkfifo(tmp_path / name)
    assert main(["check", str(tmp_path / "legacy")]) == 2  # found on the way up
    assert capsys.readouterr().err == (
        f"serialint: error: {tmp_path / name}: is a named pipe (FIFO), {NOT_A_FILE}; "
        f"it was not read, as reading it could block; {REMEDY}\n"
    )


@pytest.mark.parametrize("name", ["serialint.toml", ".serialint.toml", "pyproject.toml"])
def test_a_symlink_loop_named_like_the_configuration(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    os.symlink(tmp_path / name, tmp_path / name)
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"serialint: error: {tmp_path / name}: cannot read configuration: "
        "it is a symbolic link loop ("
    )


def test_a_symlink_to_nothing_named_like_the_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, HAZARDS)
    os.symlink("moved/serialint.toml", tmp_path / "serialint.toml")
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"serialint: error: {tmp_path / 'serialint.toml'}: cannot read configuration: it is a "
        "symbolic link to moved/serialint.toml, which does not exist\n"
    )


@pytest.mark.parametrize("name", ["serialint.toml", "pyproject.toml"])
def test_an_unreadable_configuration(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, where chmod 000 does not stop reads, so simulate the OS error.
    write_project(tmp_path, HAZARDS)
    config = tmp_path / name
    config.write_text('[tool.serialint]\nignore = ["SER"]\n' if name == "pyproject.toml" else "")
    real_open = os.open

    def deny(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == config:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"serialint: error: {config}: cannot read configuration (Permission denied)\n"
    )


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_an_explicit_config_that_is_not_a_file(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], no_hang: None
) -> None:
    write_project(tmp_path, HAZARDS)
    config = tmp_path / "ci.toml"
    if kind == "directory":
        config.mkdir()
    else:
        os.mkfifo(config)
    assert main(["check", str(tmp_path), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"serialint: error: {config}: is a ") and NOT_A_FILE in err


def test_a_pyproject_of_another_tool_is_still_no_error_beside_a_bad_serialint_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The nearest file wins: a broken serialint.toml in a subdirectory is reported even when a
    # good configuration sits above it, and a pyproject.toml without our table is not ours.
    write_project(tmp_path, HAZARDS)
    (tmp_path / "pyproject.toml").write_text('[tool.serialint]\nignore = ["SER"]\n')
    (tmp_path / "legacy" / "pyproject.toml").write_text("[tool.black]\nline-length = 3\n")
    assert main(["check", str(tmp_path / "legacy")]) == 0
    (tmp_path / "legacy" / "serialint.toml").mkdir()
    assert main(["check", str(tmp_path / "legacy")]) == 2
    assert f"{tmp_path / 'legacy' / 'serialint.toml'}: is a directory" in capsys.readouterr().err
