"""Inputs that once crashed serialint (adversarial review): each now gives a clear outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from serialint.cli import main

from .conftest import codes_at, run_check, write_project

HAZARD = "import keras\n\nclass Scale(keras.layers.Layer):\n    pass\n"


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "serialint", "check", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_symlink_loop_between_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"pyproject.toml": "", "good.py": HAZARD})
    os.symlink(tmp_path / "l2.py", tmp_path / "l1.py")
    os.symlink(tmp_path / "l1.py", tmp_path / "l2.py")
    assert main(["check", str(tmp_path / "good.py"), "--output-format", "concise"]) == 1
    assert main(["check", str(tmp_path / "l1.py"), "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert "good.py:3:7: SER101" in out and "l1.py:1:1: SER000" in out


@pytest.mark.parametrize("terms", [500, 3000])
def test_long_operator_chain_does_not_hide_other_findings(tmp_path: Path, terms: int) -> None:
    chain = "x = " + "+".join(['"a"'] * terms) + "\n"
    write_project(tmp_path, {"chain.py": HAZARD + chain, "good.py": HAZARD})
    found = codes_at(run_check(tmp_path).findings)
    assert ("SER101", "good.py", 3) in found
    assert found[0][1] == "chain.py"  # reported or analysed, never a crash


def test_non_text_codec_in_the_coding_cookie(tmp_path: Path) -> None:
    (tmp_path / "hex.py").write_bytes(b"# coding: hex\nx = 1\n")
    [finding] = run_check(tmp_path).findings
    assert finding.code == "SER000" and "encoding" in finding.message


def test_root_package_and_a_script_named_like_the_root(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write_project(root, {"pyproject.toml": "", "__init__.py": "", "tools/proj.py": HAZARD})
    assert codes_at(run_check(root).findings) == [("SER101", "proj.py", 3)]


def test_configuration_files_that_are_not_text_or_not_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"sub/m.py": HAZARD})
    (tmp_path / "pyproject.toml").write_bytes(b"[project]\nname = 'caf\xe9'\n")
    assert main(["check", str(tmp_path / "sub")]) == 1  # not ours: ignored, run goes on
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.serialint]\nselect = ['caf\xe9']\n")
    assert main(["check", str(tmp_path / "sub")]) == 2
    assert "invalid TOML" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "serialint.toml").write_text("tool = 1\n")
    assert main(["check", str(tmp_path / "sub")]) == 2
    assert "[tool] must be a table" in capsys.readouterr().err


def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_project(tmp_path, {"good.py": HAZARD})
    (Path(os.fsdecode(bytes(tmp_path) + b"/bad\xff.py"))).write_text(HAZARD)
    done = _cli(tmp_path, ".", "--output-format", "concise")
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("SER101") == 2


def test_output_to_a_terminal_that_is_not_utf8(tmp_path: Path) -> None:
    write_project(tmp_path, {"ünï/ñ.py": HAZARD})
    done = _cli(tmp_path, ".", PYTHONIOENCODING="ascii")
    assert done.returncode == 1, done.stderr
    assert "SER101" in done.stdout


def test_warnings_as_errors_do_not_turn_escapes_into_syntax_errors(tmp_path: Path) -> None:
    write_project(tmp_path, {"m.py": 'import re\nDIGITS = re.compile("\\d+")\n' + HAZARD})
    done = _cli(tmp_path, ".", "--output-format", "concise", PYTHONWARNINGS="error")
    assert done.returncode == 1, done.stderr
    assert "SER101" in done.stdout and "SER000" not in done.stdout


def test_review_false_positives(tmp_path: Path) -> None:
    files = {
        # A parameter named like a module-level model is whatever the caller passes.
        "tools.py": """\
            import pickle
            import keras
            model = keras.Sequential()
            def save_sklearn(model, path):
                with open(path, "wb") as f:
                    pickle.dump(model, f)
            """,
        # A DataFrame's to_json is not a Keras architecture save.
        "report.py": "import pandas as pd\ndf = pd.DataFrame()\ndf.to_json('history.json')\n",
        # One class at run time, registered in one of the alternatives.
        "compat.py": """\
            import keras
            try:
                @keras.saving.register_keras_serializable(package="p")
                class A(keras.layers.Layer): pass
            except AttributeError:
                class A(keras.layers.Layer): pass
            """,
    }
    assert lint_files(tmp_path, files) == []


def test_custom_objects_none_passes_nothing(tmp_path: Path) -> None:
    source = HAZARD + "m = keras.models.load_model('m.keras', custom_objects=None)\n"
    assert [c for c, _, _ in lint_files(tmp_path, {"m.py": source})] == ["SER101", "SER401"]


def test_rows_are_python_rows_and_noqa_works_with_cr_line_endings(tmp_path: Path) -> None:
    (tmp_path / "ff.py").write_text("x = 1\n\x0c\n" + HAZARD)
    result = run_check(tmp_path)
    [finding] = result.findings
    lines = next(r.lines for r in result.files if r.path.name == "ff.py")
    assert lines[finding.start.row - 1].startswith("class Scale")
    (tmp_path / "ff.py").unlink()
    cr = HAZARD.replace("):\n", "):  # noqa: SER101\n").replace("\n", "\r")
    (tmp_path / "cr.py").write_bytes(cr.encode())
    assert run_check(tmp_path).findings == []


@pytest.mark.parametrize("comment", ["# noqanything", "# noqa-ish"])
def test_words_that_start_with_noqa_are_not_directives(comment: str, tmp_path: Path) -> None:
    source = HAZARD.replace("):\n", f"):  {comment}\n")
    assert [c for c, _, _ in lint_files(tmp_path, {"m.py": source})] == ["SER101"]


def test_exclude_empty_list_replaces_the_defaults(tmp_path: Path) -> None:
    write_project(tmp_path, {"build/m.py": HAZARD})
    assert run_check(tmp_path).findings == []
    assert [f.code for f in run_check(tmp_path, exclude=()).findings] == ["SER101"]


def lint_files(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int]]:
    from .conftest import lint

    return codes_at(lint(tmp_path, files))


def test_star_imports_of_keras_modules(tmp_path: Path) -> None:
    registered = (
        "from keras.saving import *\nimport keras\n"
        "@register_keras_serializable(package='p')\nclass A(keras.layers.Layer): pass\n"
    )
    assert lint_files(tmp_path, {"a.py": registered}) == []
    missed = "from keras import *\nclass S(layers.Layer): pass\n"
    assert lint_files(tmp_path, {"a.py": missed}) == [("SER101", "a.py", 2)]


def test_relative_import_beyond_the_top_level_resolves_to_nothing(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/m.py": "from .....x import Base\nclass A(Base): pass\n",
        "x.py": "import keras\nclass Base(keras.layers.Layer): pass\nBase()\n",
    }
    assert lint_files(tmp_path, files) == [("SER101", "x.py", 2)]
