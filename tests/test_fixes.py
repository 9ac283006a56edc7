"""The fix engine: --fix, --unsafe-fixes and --diff, and how fixed files are written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from serialint.cli import main
from serialint.findings import Edit, Finding, Fix, Position
from serialint.fixes import FixMode, apply_edits, fix_text
from serialint.source import SourceFile

from .conftest import write_project

PACKAGE_LAYER = "import keras\n\n\nclass Scale(keras.layers.Layer):\n    pass\n"
DECORATOR = '@keras.saving.register_keras_serializable(package="pkg")\n'


def _package(root: Path, layers: bytes) -> Path:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    target = root / "pkg" / "layers.py"
    target.write_bytes(layers)
    return target


def test_fix_applies_the_safe_fix_and_reports_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _package(tmp_path, PACKAGE_LAYER.encode())
    assert main(["check", str(tmp_path), "--fix"]) == 0
    assert target.read_text() == PACKAGE_LAYER.replace("class Scale", DECORATOR + "class Scale")
    out = capsys.readouterr().out
    assert "Found 1 error (1 fixed, 0 remaining)" in out
    # A second run finds nothing and changes nothing.
    before = target.read_bytes()
    assert main(["check", str(tmp_path), "--fix"]) == 0
    assert target.read_bytes() == before


def test_unsafe_fixes_need_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"script.py": PACKAGE_LAYER})
    script = tmp_path / "script.py"
    assert main(["check", str(tmp_path), "--fix"]) == 1
    assert script.read_text() == PACKAGE_LAYER
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in (
        capsys.readouterr().out
    )
    assert main(["check", str(tmp_path), "--fix", "--unsafe-fixes"]) == 0
    assert '@keras.saving.register_keras_serializable(package="script")' in script.read_text()


def test_diff_shows_the_change_writes_nothing_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _package(tmp_path, PACKAGE_LAYER.encode())
    assert main(["check", str(tmp_path), "--diff"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("--- a/pkg/layers.py\n+++ b/pkg/layers.py\n")
    assert "+" + DECORATOR in out
    assert target.read_text() == PACKAGE_LAYER
    # Nothing to fix: an empty diff and exit 0.
    target.write_text(PACKAGE_LAYER.replace("class Scale", DECORATOR + "class Scale"))
    assert main(["check", str(tmp_path), "--diff"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("crlf", PACKAGE_LAYER.replace("\n", "\r\n").encode()),
        ("cr-only", PACKAGE_LAYER.replace("\n", "\r").encode()),
        ("bom", b"\xef\xbb\xbf" + PACKAGE_LAYER.encode()),
        (
            "latin-1-cookie",
            "# -*- coding: latin-1 -*-\n# caf\xe9\n".encode("latin-1") + PACKAGE_LAYER.encode(),
        ),
        ("tabs", PACKAGE_LAYER.replace("    pass", "\tpass").encode()),
    ],
)
def test_fixed_files_keep_encoding_bom_and_line_endings(
    name: str, data: bytes, tmp_path: Path
) -> None:
    target = _package(tmp_path, data)
    os.chmod(target, 0o640)
    assert main(["check", str(tmp_path), "--fix"]) == 0
    fixed = target.read_bytes()
    newline = b"\r\n" if b"\r\n" in data else b"\r" if b"\r" in data else b"\n"
    expected = data.replace(
        b"class Scale", DECORATOR.encode().replace(b"\n", newline) + b"class Scale"
    )
    assert fixed == expected
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["__init__.py", "layers.py"]


def test_two_fixes_in_one_file_add_the_import_once(tmp_path: Path) -> None:
    source = (
        "from tensorflow.keras import layers\n\n\n"
        "class A(layers.Layer):\n    pass\n\n\nclass B(layers.Layer):\n    pass\n"
    )
    target = _package(tmp_path, source.encode())
    assert main(["check", str(tmp_path), "--fix"]) == 0
    fixed = target.read_text()
    assert fixed.count("import tensorflow as tf\n") == 1
    assert fixed.count('@tf.keras.utils.register_keras_serializable(package="pkg")\n') == 2
    compile(fixed, "layers.py", "exec")


def test_a_fix_that_would_break_the_file_is_dropped(tmp_path: Path) -> None:
    source = SourceFile(tmp_path / "m.py", "x = 1\ny = 2\n", "utf-8")

    def finding(content: str, at: Position) -> Finding:
        fix = Fix("edit", "safe", (Edit(content, at, at),))
        return Finding("SER101", "m", source.path, at, at, fix=fix)

    broken = finding("def (:\n", Position(1, 1))
    fixed = fix_text(source, [broken], FixMode.SAFE)
    assert fixed.text == source.text and fixed.applied == []
    assert [f for f, _ in fixed.rejected] == [broken]
    # Beside good fixes, only the breaking one is dropped.
    good, other = finding("z = 0\n", Position(2, 1)), finding("w = 3\n", Position(3, 1))
    fixed = fix_text(source, [good, broken, other], FixMode.SAFE)
    assert fixed.text == "x = 1\nz = 0\ny = 2\nw = 3\n"
    assert fixed.applied == [good, other]
    assert [f for f, _ in fixed.rejected] == [broken]


def test_insertion_past_the_end_of_a_file_without_a_final_newline() -> None:
    assert apply_edits("import a", [Edit("import b\n", Position(2, 1), Position(2, 1))]) == (
        "import a\nimport b\n"
    )


def test_unsafe_fixes_without_fix_count_them_as_available(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"script.py": PACKAGE_LAYER})
    assert main(["check", str(tmp_path), "--unsafe-fixes", "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert ": SER101 [*] " in out
    assert "[*] 1 fixable with the `--fix` option." in out
    assert "hidden" not in out


def test_diff_says_on_stderr_what_it_would_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"script.py": PACKAGE_LAYER})
    # Nothing to show, but the finding remains: exit 1, as in every mode (ruff would exit 0).
    assert main(["check", str(tmp_path), "--diff"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err.strip() == "No errors would be fixed (1 fix available with `--unsafe-fixes`)."
    )
    assert main(["check", str(tmp_path), "--diff", "--unsafe-fixes"]) == 1
    assert capsys.readouterr().err.strip() == "Would fix 1 error."


# -- Adversarial review: fixes that broke working code ----------------------------------------


def _fix_package_file(tmp_path: Path, data: bytes) -> str:
    target = _package(tmp_path, data)
    main(["check", str(tmp_path), "--fix"])
    fixed = target.read_bytes()
    compile(fixed, str(target), "exec")  # Python reads the bytes back, cookie and all
    return fixed.decode(errors="replace")


def test_a_name_imported_only_inside_a_function_is_not_used(tmp_path: Path) -> None:
    source = (
        "from keras import layers\n\n\nclass E(layers.Layer):\n    pass\n\n\n"
        "def helper():\n    import keras\n    return keras.__version__\n"
    )
    fixed = _fix_package_file(tmp_path, source.encode())
    assert fixed.startswith("from keras import layers\nimport keras\n\n\n@keras.saving.")


def test_the_import_goes_above_the_class_even_when_imports_follow_it(tmp_path: Path) -> None:
    source = "from tensorflow.keras import layers\n\n\nclass B(layers.Layer):\n    pass\n\n\nimport numpy\n"
    fixed = _fix_package_file(tmp_path, source.encode())
    assert fixed.index("import tensorflow as tf") < fixed.index("@tf.keras.utils.register")


def test_the_import_goes_below_the_shebang_and_the_coding_cookie(tmp_path: Path) -> None:
    source = (
        "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\ntry:\n"
        "    from tensorflow.keras import layers\nexcept ImportError:\n    from keras import layers\n"
        "\n\nclass Caf\xe9Layer(layers.Layer):\n    pass\n"
    ).encode("latin-1")
    fixed = _fix_package_file(tmp_path, source)
    assert fixed.splitlines()[:3] == [
        "#!/usr/bin/env python",
        "# -*- coding: latin-1 -*-",
        "import keras",
    ]


def test_a_class_right_below_the_imports_and_a_parenthesised_decorator(tmp_path: Path) -> None:
    tight = _fix_package_file(
        tmp_path, b"from tensorflow.keras.layers import Layer\nclass MyLayer(Layer): pass\n"
    )
    assert tight.splitlines()[1:3] == [
        "import tensorflow as tf",
        '@tf.keras.utils.register_keras_serializable(package="pkg")',
    ]


def test_a_parenthesised_decorator_keeps_the_registration_outermost(tmp_path: Path) -> None:
    source = b"import keras\n@(\n    keras.utils.deprecated\n)\nclass D(keras.layers.Layer): pass\n"
    fixed = _fix_package_file(tmp_path, source)
    assert fixed.splitlines()[1] == '@keras.saving.register_keras_serializable(package="pkg")'
    assert fixed.splitlines()[2] == "@("


def test_a_hard_linked_file_is_fixed_in_place(tmp_path: Path) -> None:
    target = _package(tmp_path, PACKAGE_LAYER.encode())
    other = tmp_path / "elsewhere.txt"
    os.link(target, other)
    assert main(["check", str(tmp_path / "pkg"), "--fix"]) == 0
    assert other.read_text() == target.read_text() != PACKAGE_LAYER
