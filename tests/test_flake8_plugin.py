"""The flake8 plugin, driven by real flake8 (``python -m flake8``) on projects in ``tmp_path``.

The findings must be serialint's (the same rows, columns and messages as ``serialint check``),
and flake8's own settings (``# noqa``, select/ignore, per-file-ignores, ``--disable-noqa``) must
decide what is shown, as flake8 users expect.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from serialint import __version__

BASE = """\
import keras


class Base(keras.layers.Layer):
    pass
"""
# Shift is a Keras layer only through base.py: flake8 given layers.py alone must still know it.
LAYERS = """\
from base import Base


class Shift(Base):
    def call(self, x):
        return x + 1
"""
REGISTERED_LAYERS = """\
import keras
from base import Base


@keras.saving.register_keras_serializable(package="demo")
class Shift(Base):
    def call(self, x):
        return x + 1
"""
# Row 12 has non-ASCII text before the finding: columns are counted in characters.
TRAIN = """\
import keras

from layers import Shift


class Scale(keras.layers.Layer):
    def call(self, x):
        return x * 2


model = keras.Sequential([Shift(), Scale()])
ünï = "légacy"; model.save("model.h5")
model.save("m.keras")
"""
PROJECT = {
    "pyproject.toml": '[project]\nname = "demo"\n',
    "base.py": BASE,
    "layers.py": LAYERS,
    "train.py": TRAIN,
}
SHIFT = ("layers.py", 4, 7, "SER101")
SCALE = ("train.py", 6, 7, "SER101")
H5 = ("train.py", 12, 17, "SER302")
EVERYTHING = [SHIFT, SCALE, H5]

_LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>\w+) (?P<text>.*)$")


def flake8(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def parsed(done: subprocess.CompletedProcess[str]) -> list[tuple[str, int, int, str, str]]:
    """(path, row, column as printed, code, message) for each line flake8 printed."""
    assert "Traceback" not in done.stderr, done.stderr
    found = []
    for line in done.stdout.splitlines():
        match = _LINE.match(line)
        assert match is not None, f"not a flake8 result: {line!r}"
        path = match["path"].removeprefix("./")
        found.append((path, int(match["row"]), int(match["col"]), match["code"], match["text"]))
    return sorted(found)


def where(done: subprocess.CompletedProcess[str]) -> list[tuple[str, int, int, str]]:
    return [found[:4] for found in parsed(done)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in PROJECT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")  # train.py is not ASCII
    return tmp_path


def test_flake8_lists_the_plugin(project: Path) -> None:
    done = flake8(project, "--version")
    assert done.returncode == 0, done.stderr
    assert f"serialint: {__version__}" in done.stdout


def test_same_findings_as_serialint_check_in_any_number_of_jobs(project: Path) -> None:
    check = subprocess.run(
        [sys.executable, "-m", "serialint", "check", "--output-format", "json", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert check.returncode == 1, check.stderr
    expected = sorted(
        (
            Path(f["filename"]).name,
            f["location"]["row"],
            f["location"]["column"],  # 1-based characters; flake8 prints its 0-based column + 1
            f["code"],
            f["message"],
        )
        for f in json.loads(check.stdout)
    )
    assert [e[:4] for e in expected] == EVERYTHING
    one = flake8(project, "--select", "SER", "--jobs", "1", ".")
    two = flake8(project, "--select", "SER", "--jobs", "2", ".")
    assert one.returncode == 1
    assert parsed(one) == expected
    assert two.stdout == one.stdout


def test_cross_file_knowledge_when_flake8_is_given_one_file(project: Path) -> None:
    done = flake8(project, "--select", "SER", "layers.py")
    assert where(done) == [SHIFT]


def test_the_text_flake8_read_is_linted_not_the_disk_copy(project: Path) -> None:
    # Standard input named as layers.py: the buffer (registered) is linted, not the file on disk.
    named = ["--stdin-display-name", "layers.py"]
    fixed = flake8(project, "--select", "SER", *named, "-", stdin=REGISTERED_LAYERS)
    assert (fixed.returncode, fixed.stdout, fixed.stderr) == (0, "", "")
    # Plain `flake8 -`: a file of the project at the current directory (base.py is known).
    plain = flake8(project, "--select", "SER", "-", stdin=LAYERS)
    assert where(plain) == [("stdin", 4, 7, "SER101")]


def test_noqa_is_flake8s_and_disable_noqa_shows_it_again(project: Path) -> None:
    marked = LAYERS.replace("class Shift(Base):", "class Shift(Base):  # noqa: SER101")
    (project / "layers.py").write_text(marked)
    assert where(flake8(project, "--select", "SER", ".")) == [SCALE, H5]
    # serialint's own noqa handling is off: flake8's --disable-noqa brings the finding back.
    assert where(flake8(project, "--select", "SER", "--disable-noqa", ".")) == EVERYTHING


@pytest.mark.parametrize(
    ("flake8_config", "expected"),
    [
        ("extend-ignore = SER101\n", [H5]),
        ("per-file-ignores =\n    train.py: SER302\n    layers.py: SER1\n", [SCALE]),
        ("select = E,F,SER302\n", [H5]),
        ("select = E,F\nextend-select = SER1\n", [SHIFT, SCALE]),
    ],
)
def test_flake8_configuration_decides_what_is_shown(
    project: Path, flake8_config: str, expected: list[tuple[str, int, int, str]]
) -> None:
    (project / ".flake8").write_text("[flake8]\n" + flake8_config)
    done = flake8(project, ".")
    assert [f for f in where(done) if f[3].startswith("SER")] == expected


def test_tool_serialint_configuration_applies(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '[tool.serialint]\nignore = ["SER302"]\nextend-exclude = ["train.py"]\n'
    )
    assert where(flake8(project, "--select", "SER", ".")) == [SHIFT]
    # As with `serialint check train.py`: a file named explicitly is checked despite excludes.
    assert where(flake8(project, "--select", "SER", "train.py")) == [SCALE]


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('select = ["SER999"]\n', "tool.serialint.select: unknown rule code 'SER999'"),
        ("keras-version = [\n", "invalid TOML"),
    ],
)
def test_a_broken_configuration_is_one_clear_message_per_file(
    project: Path, table: str, said: str
) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "[tool.serialint]\n" + table)
    done = flake8(project, "--select", "SER", ".")
    assert done.returncode == 1
    found = parsed(done)
    files = sorted(name for name in PROJECT if name.endswith(".py"))
    assert [f[:4] for f in found] == [(name, 1, 1, "SER000") for name in files]
    for *_, message in found:
        assert message.startswith("serialint configuration error, nothing checked: ")
        assert str(pyproject) in message and said in message


def test_a_file_that_does_not_parse_is_flake8s_e999_and_the_rest_is_checked(
    project: Path,
) -> None:
    (project / "broken.py").write_text("import keras\n\ndef f(:\n")
    done = flake8(project, "--select", "E999,SER", ".")
    assert done.returncode == 1
    assert where(done) == sorted([("broken.py", 3, 8, "E999"), *EVERYTHING])


def test_serialints_own_comments_count_under_flake8_unless_noqa_is_disabled(
    project: Path,
) -> None:
    marked = LAYERS.replace("class Shift(Base):", "class Shift(Base):  # serialint: ignore[SER101]")
    (project / "layers.py").write_text(marked)
    (project / "train.py").write_text("# serialint: noqa: SER302\n" + TRAIN)
    scale = (SCALE[0], SCALE[1] + 1, *SCALE[2:])
    assert where(flake8(project, "--select", "SER", ".")) == [scale]
    h5 = (H5[0], H5[1] + 1, *H5[2:])
    assert where(flake8(project, "--select", "SER", "--disable-noqa", ".")) == [SHIFT, scale, h5]


def test_files_of_several_subprojects_keep_their_own_configuration(tmp_path: Path) -> None:
    for sub, config in (("backend", 'ignore = ["SER302"]\n'), ("frontend", "")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "pyproject.toml").write_text(f"[tool.serialint]\n{config}")
        (tmp_path / sub / "save.py").write_text("def f(m):\n    m.save('m.h5')\n")
    done = flake8(tmp_path, "--select", "SER", "backend/save.py", "frontend/save.py")
    assert where(done) == [("frontend/save.py", 2, 5, "SER302")]
