"""Suppression comments and per-file ignores."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialint.fixes import apply_edits
from serialint.suppress import noqa_edit

from .conftest import lint

CLASS = "import keras\n\nclass Scale(keras.layers.Layer):{comment}\n    pass\n"


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("  # noqa", True),
        ("  # noqa: SER101", True),
        ("  # NOQA:SER101,SER301", True),
        ("  # noqa: SER1", True),
        ("  # serialint: ignore[SER101]", True),
        ("  # serialint: ignore", True),
        ("  # noqa: SER301", False),
        ("  # serialint: ignore[SER401]", False),
        ("  # a comment about noqa: SER101 that is not a directive", False),
        ("", False),
    ],
)
def test_line_comments(comment: str, suppressed: bool, tmp_path: Path) -> None:
    findings = lint(tmp_path, {"m.py": CLASS.format(comment=comment)})
    assert (findings == []) is suppressed


def test_noqa_inside_a_string_does_not_count(tmp_path: Path) -> None:
    source = 'import keras\n\nclass Scale(keras.layers.Layer): doc = "# noqa"\n'
    assert [f.code for f in lint(tmp_path, {"m.py": source})] == ["SER101"]


def test_per_file_ignores(tmp_path: Path) -> None:
    files = {"legacy/old.py": CLASS.format(comment=""), "new.py": CLASS.format(comment="")}
    findings = lint(tmp_path, files, per_file_ignores=(("legacy/*", ("SER1",)),))
    assert [f.path.name for f in findings] == ["new.py"]


@pytest.mark.parametrize(
    ("line", "after"),
    [
        ("x = f(a)", "x = f(a)  # noqa: SER101"),
        ("x = f(a)   ", "x = f(a)  # noqa: SER101"),
        ("x = f(a)  # noqa: E501", "x = f(a)  # noqa: E501, SER101"),
        ("x = f('# noqa: E1')  # noqa:E501 why", "x = f('# noqa: E1')  # noqa: E501, SER101 why"),
        ("x = f(a)  # a note", "x = f(a)  # a note  # noqa: SER101"),
    ],
)
def test_noqa_edit(line: str, after: str) -> None:
    edit = noqa_edit(f"import m\n{line}\n", 2, {"SER101"})
    assert edit is not None
    assert apply_edits(f"import m\n{line}\n", [edit]) == f"import m\n{after}\n"


@pytest.mark.parametrize("text", ["x = f(a)  # noqa\n", "x = f(a)  # noqa: SER1\n"])
def test_noqa_edit_adds_nothing_to_a_suppressed_row(text: str) -> None:
    assert noqa_edit(text, 1, {"SER101"}) is None


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ('x = f("""a\nb""")\n', 'x = f("""a\nb""")  # noqa: SER101\n'),
        ("x = f(a) + \\\n    g(b)\n", "x = f(a) + \\\n    g(b)  # noqa: SER101\n"),
        ("x = f(a)  # C:\\\ny = 1\n", "x = f(a)  # C:\\  # noqa: SER101\ny = 1\n"),
        ('x = f(f"""{a}\n""")', 'x = f(f"""{a}\n""")  # noqa: SER101'),
    ],
)
def test_noqa_goes_where_the_line_ends(text: str, after: str, tmp_path: Path) -> None:
    """A row that runs on (a string spanning lines, a backslash) takes its noqa on the row where
    the line ends, and suppression reads it there (ruff's noqa line)."""
    edit = noqa_edit(text, 1, {"SER101"})
    assert edit is not None and apply_edits(text, [edit]) == after


def test_a_noqa_where_the_line_ends_suppresses(tmp_path: Path) -> None:
    source = 'import keras\n\nclass Scale(keras.layers.Layer): doc = """\n"""  # noqa: SER101\n'
    assert lint(tmp_path, {"m.py": source}) == []
