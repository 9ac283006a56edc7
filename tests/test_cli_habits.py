"""The command-line habits ruff users bring: --exit-zero, --quiet, --show-fixes, --force-exclude,
standard input, file-level noqa, --add-noqa, --output-file, and the exit codes of every mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from serialint.cli import main

from .conftest import write_project

LAYERS = (
    "import keras\n\n\nclass Scale(keras.layers.Layer):\n    pass\n\n\n"
    "class Shift(keras.layers.Layer):\n    pass\n"
)
PROJECT = {"pyproject.toml": "[tool.serialint]\n", "pkg/__init__.py": "", "pkg/layers.py": LAYERS}
# A loader in another file: SER401 there needs the project's unregistered classes.
LOADER = "import keras\n\nmodel = keras.models.load_model('m.keras')\n"


def _serialint(
    cwd: Path, *args: str, stdin: str | bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "serialint", "check", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_exit_zero_keeps_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, PROJECT)
    assert main(["check", str(tmp_path), "--exit-zero"]) == 0
    assert "SER101" in capsys.readouterr().out
    # A usage or configuration error is still 2.
    assert main(["check", str(tmp_path), "--exit-zero", "--select", "SER999"]) == 2


def test_quiet_prints_the_findings_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, PROJECT)
    assert main(["check", str(tmp_path), "-q", "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert out.count("SER101") == 2 and "Found" not in out and "Judged" not in out
    (tmp_path / "pkg" / "layers.py").write_text("x = 1\n")
    assert main(["check", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_show_fixes_lists_what_fix_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    assert main(["check", ".", "--fix", "--show-fixes"]) == 0
    out = capsys.readouterr().out
    fixed = "Fixed 2 errors:\n- pkg/layers.py:\n    2 × SER101 (unregistered-custom-object)\n"  # noqa: RUF001
    assert fixed in out


def test_fix_exits_1_while_findings_remain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {**PROJECT, "save.py": "def f(m):\n    m.save('m.h5')\n"})
    # The layers are fixed; the legacy .h5 save has only an unsafe fix, so it remains.
    assert main(["check", str(tmp_path), "--fix"]) == 1
    out = capsys.readouterr().out
    assert "SER302" in out and "2 fixed, 1 remaining" in out
    assert main(["check", str(tmp_path), "--fix", "--unsafe-fixes"]) == 0


def test_force_exclude_applies_the_excludes_to_named_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = {
        "pyproject.toml": '[tool.serialint]\nextend-exclude = ["legacy"]\n',
        "legacy/old.py": LAYERS,
    }
    write_project(tmp_path, project)
    named = str(tmp_path / "legacy" / "old.py")
    assert main(["check", named]) == 1  # named explicitly: checked, as ruff does
    capsys.readouterr()
    assert main(["check", named, "--force-exclude"]) == 0
    assert "No Python files found" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").write_text(
        '[tool.serialint]\nextend-exclude = ["legacy"]\nforce-exclude = true\n'
    )
    assert main(["check", named]) == 0


def test_a_wrong_force_exclude_value_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"pyproject.toml": '[tool.serialint]\nforce-exclude = "yes"\n'})
    assert main(["check", str(tmp_path)]) == 2
    assert "force-exclude must be true or false" in capsys.readouterr().err


def test_no_files_checked_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty")]) == 0
    assert "warning: No Python files found" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "empty"), "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_stdin_is_linted_within_the_project_on_disk(tmp_path: Path) -> None:
    write_project(tmp_path, PROJECT)
    # predict.py does not exist: the editor's unsaved buffer still sees pkg/layers.py.
    run = _serialint(
        tmp_path,
        "--stdin-filename",
        "predict.py",
        "--output-format",
        "json",
        "--select",
        "SER401",
        stdin=LOADER,
    )
    assert run.returncode == 1, run.stderr
    [finding] = json.loads(run.stdout)
    assert finding["code"] == "SER401"
    assert finding["filename"] == str(tmp_path / "predict.py")
    assert "`Scale` (pkg/layers.py:4)" in finding["message"]


def test_dash_reads_stdin_and_bad_bytes_are_a_diagnostic(tmp_path: Path) -> None:
    clean = _serialint(tmp_path, "-", stdin="x = 1\n")
    assert clean.returncode == 0, clean.stderr
    broken = _serialint(tmp_path, "-", "--output-format", "concise", stdin=b"x = '\xff'\n")
    assert broken.returncode == 1
    assert b"SER000" in broken.stdout and b"0xff" in broken.stdout
    assert b"Traceback" not in broken.stderr


def test_stdin_fix_prints_the_fixed_source_and_reports_on_stderr(tmp_path: Path) -> None:
    write_project(tmp_path, PROJECT)
    run = _serialint(tmp_path, "--stdin-filename", "pkg/layers.py", "--fix", stdin=LAYERS)
    assert run.returncode == 0, run.stderr
    fixed = run.stdout.decode()
    assert fixed.count("@keras.saving.register_keras_serializable(") == 2
    assert "class Scale(keras.layers.Layer)" in fixed
    assert b"2 fixed, 0 remaining" in run.stderr
    assert (tmp_path / "pkg" / "layers.py").read_text() == LAYERS  # nothing written
    diff = _serialint(tmp_path, "--stdin-filename", "pkg/layers.py", "--diff", stdin=LAYERS)
    assert diff.returncode == 1 and b"+@keras.saving.register_keras_serializable(" in diff.stdout


def test_stdin_honours_force_exclude(tmp_path: Path) -> None:
    write_project(tmp_path, {"pyproject.toml": '[tool.serialint]\nextend-exclude = ["legacy"]\n'})
    args = ("--stdin-filename", "legacy/old.py", "--force-exclude")
    assert _serialint(tmp_path, *args, stdin=LAYERS).returncode == 0
    # With --fix, an excluded file passes through unchanged (an editor's format-on-save).
    run = _serialint(tmp_path, *args, "--fix", stdin=LAYERS)
    assert run.returncode == 0 and run.stdout.decode() == LAYERS


@pytest.mark.parametrize(
    ("directive", "suppressed"),
    [
        ("# serialint: noqa", {"SER101", "SER302"}),
        ("# serialint: noqa: SER101", {"SER101"}),
        ("# serialint: noqa: SER3", {"SER302"}),
        ("x = 1  # serialint: noqa", set()),  # not alone on its line: not file-level
    ],
)
def test_file_level_noqa(
    directive: str,
    suppressed: set[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = f"{directive}\n{LAYERS}\ndef f(m):\n    m.save('m.h5')\n"
    write_project(tmp_path, {"pyproject.toml": "[tool.serialint]\n", "m.py": text})
    main(["check", str(tmp_path), "--output-format", "json"])
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)}
    assert codes == {"SER101", "SER302"} - suppressed


def test_add_noqa_makes_a_clean_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layers = LAYERS.replace(
        "class Shift(keras.layers.Layer):", "class Shift(keras.layers.Layer):  # noqa: E999"
    )
    train = "def f(m):\n    m.save('m.h5'); m.save('n.h5')\n"
    write_project(tmp_path, {**PROJECT, "pkg/layers.py": layers, "train.py": train})
    assert main(["check", str(tmp_path), "--add-noqa"]) == 0
    assert "Added 4 noqa directives (2 files changed)." in capsys.readouterr().err
    assert (
        "class Scale(keras.layers.Layer):  # noqa: SER101\n"
        in (tmp_path / "pkg" / "layers.py").read_text()
    )
    # An existing noqa gains the code; two findings on one row share one comment.
    assert "# noqa: E999, SER101\n" in (tmp_path / "pkg" / "layers.py").read_text()
    assert "m.save('n.h5')  # noqa: SER302\n" in (tmp_path / "train.py").read_text()
    assert main(["check", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["check", str(tmp_path), "--add-noqa"]) == 0
    assert "Added 0 noqa directives (0 files changed)." in capsys.readouterr().err


def test_add_noqa_keeps_line_endings_and_never_breaks_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crlf = LAYERS.replace("\n", "\r\n").encode()
    write_project(tmp_path, {"pyproject.toml": "[tool.serialint]\n", "pkg/__init__.py": ""})
    (tmp_path / "pkg" / "layers.py").write_bytes(crlf)
    # A row that ends inside a string, or in a backslash: the noqa goes where the line ends.
    inside = 'def f(m):\n    m.save("m.h5", note="""\n    ok""")\n    m.save("n.h5") if m else \\\n        None\n'
    (tmp_path / "save.py").write_text(inside)
    # The last line of a file without a final line break keeps its comment on that line.
    (tmp_path / "last.py").write_text('def g(m):\n    m.save("m.h5")')
    assert main(["check", str(tmp_path), "--add-noqa"]) == 0
    assert "Added 5 noqa directives (3 files changed)." in capsys.readouterr().err
    data = (tmp_path / "pkg" / "layers.py").read_bytes()
    assert b"class Scale(keras.layers.Layer):  # noqa: SER101\r\n" in data
    assert data.count(b"\r\n") == crlf.count(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert (tmp_path / "save.py").read_text() == (
        'def f(m):\n    m.save("m.h5", note="""\n    ok""")  # noqa: SER302\n'
        '    m.save("n.h5") if m else \\\n        None  # noqa: SER302\n'
    )
    assert (tmp_path / "last.py").read_text() == 'def g(m):\n    m.save("m.h5")  # noqa: SER302'
    assert main(["check", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["check", str(tmp_path), "--add-noqa", "--ignore-noqa"]) == 0
    assert capsys.readouterr().err == "Added 0 noqa directives (0 files changed).\n"


def test_add_noqa_refuses_to_combine_with_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path), "--add-noqa", "--fix"]) == 2
    assert "--add-noqa cannot be combined" in capsys.readouterr().err


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, PROJECT)
    report = tmp_path / "reports" / "serialint.sarif"
    assert main(["check", str(tmp_path), "--output-format", "sarif", "-o", str(report)]) == 1
    assert capsys.readouterr().out == ""
    assert len(json.loads(report.read_text())["runs"][0]["results"]) == 2
    assert main(["check", str(tmp_path), "--statistics", "--output-file", str(report)]) == 1
    assert "2\tSER101" in report.read_text()
    assert main(["check", str(tmp_path), "--output-file", str(tmp_path)]) == 2
    assert "cannot write the output file" in capsys.readouterr().err


MONOREPO = {
    "backend/pyproject.toml": '[tool.serialint]\nextend-exclude = ["gen"]\nignore = ["SER302"]\n',
    "backend/gen/x.py": LAYERS,
    "backend/y.py": "def f(m):\n    m.save('m.h5')\n",
    "frontend/pyproject.toml": "[tool.serialint]\n",
    "frontend/z.py": "def f(m):\n    m.save('m.h5')\n",
}


def test_files_of_several_subprojects_keep_their_own_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pre-commit names files of every subproject at once: each is judged by its own."""
    write_project(tmp_path, MONOREPO)
    (tmp_path / ".git").mkdir()
    named = [str(tmp_path / p) for p in ("backend/gen/x.py", "backend/y.py", "frontend/z.py")]
    assert main(["check", "--force-exclude", "--output-format", "json", *named]) == 1
    found = {(Path(f["filename"]).name, f["code"]) for f in json.loads(capsys.readouterr().out)}
    assert found == {("z.py", "SER302")}
    # CI paths are relative to the repository (what GitHub and GitLab resolve them from).
    assert main(["check", "--force-exclude", "--output-format", "github", *named]) == 1
    assert "file=frontend/z.py," in capsys.readouterr().out


def test_stub_files_are_neither_checked_nor_indexed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registered = LAYERS.replace(
        "class Scale", "@keras.saving.register_keras_serializable()\nclass Scale"
    ).replace("class Shift", "@keras.saving.register_keras_serializable()\nclass Shift")
    stub = "import keras\n\nclass Scale(keras.layers.Layer): ...\n"
    write_project(
        tmp_path,
        {**PROJECT, "pkg/layers.py": registered, "pkg/layers.pyi": stub, "serve.py": LOADER},
    )
    named = [str(tmp_path / "pkg" / "layers.pyi"), str(tmp_path / "serve.py")]
    assert main(["check", *named]) == 0
    assert "All checks passed! (1 file checked)" in capsys.readouterr().out


def test_diff_exits_1_while_findings_remain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"save.py": "def f(m):\n    m.save('m.h5')\n"})
    assert main(["check", str(tmp_path), "--diff"]) == 1  # no safe fix, the finding remains
    assert capsys.readouterr().out == ""


def test_write_errors_are_errors_not_bugs(tmp_path: Path) -> None:
    write_project(tmp_path, PROJECT)
    full = _serialint(tmp_path, ".", "-o", "/dev/full")
    assert full.returncode == 2 and b"No space left on device" in full.stderr
    assert b"bug" not in full.stderr
    blocked = _serialint(tmp_path, ".", "-o", "pkg/layers.py/report.txt")
    assert blocked.returncode == 2 and b"Not a directory" in blocked.stderr


def test_oversized_standard_input_is_a_diagnostic(tmp_path: Path) -> None:
    big = "x = 1\n" * 200_000  # 1.2 MB: over the limit for hand-written source
    run = _serialint(tmp_path, "-", "--output-format", "concise", stdin=big)
    assert run.returncode == 1 and b"SER000" in run.stdout and b"1 MiB limit" in run.stdout
