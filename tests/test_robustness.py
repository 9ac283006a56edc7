"""Inputs that once crashed serialint (adversarial review): each now gives a clear outcome."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from serialint.api import lint_paths
from serialint.cli import main
from serialint.config import Config
from serialint.fixes import FixMode

from .conftest import codes_at, run_check, write_project

HAZARD = "import keras\n\nclass Scale(keras.layers.Layer):\n    pass\n"
_T = TypeVar("_T")


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


@pytest.mark.parametrize(
    ("name", "exit_code"),
    # setup.py is also a Python file: named by the walk, it is an SER000 "not a regular file".
    [("setup.cfg", 0), ("setup.py", 1), ("sub/pyproject.toml", 0)],
)
def test_packaging_files_that_are_fifos_are_not_read(
    name: str, exit_code: int, tmp_path: Path
) -> None:
    """A FIFO named like packaging metadata blocked the run forever (read_packaging read it)."""

    write_project(tmp_path, {"pyproject.toml": "[tool.serialint]\n", "sub/m.py": "x = 1\n"})
    fifo = tmp_path / name
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("serialint blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        assert main(["check", str(tmp_path)]) == exit_code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------------------------
# Hostile inputs (issue 16, "bad input never crashes"): each gives a clear SER000 or a normal
# result, and a good file checked in the same run is still reported.  Found by tests/test_fuzz.py
# or by hand; a crash found later becomes a case here.


def _json_run(tmp_path: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    """Run the real CLI (a crash in native code must fail the test, not kill pytest)."""
    done = _cli(tmp_path, ".", "--output-format", "json", *args)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    findings = json.loads(done.stdout) if done.returncode in (0, 1) else []
    return done.returncode, findings, done.stderr


def _where(findings: list[dict[str, object]]) -> list[tuple[object, str, object]]:
    return sorted(
        (f["code"], Path(str(f["filename"])).name, f["location"]["row"])  # type: ignore[index]
        for f in findings
    )


# Past every limit: CPython's parser (200 nested brackets, 100 indentation levels, its C
# stack), the analysis' recursion limit, libcst's parser (which checks every fixed file).
DEEP = {
    "100k nested parentheses": "x = " + "(" * 100_000 + "1" + ")" * 100_000,
    "10k-deep nested list": "x = " + "[" * 10_000 + "]" * 10_000,
    "100k-term addition": "x = " + " + ".join(["a"] * 100_000),
    "100k-term and": "x = " + " and ".join(["a"] * 100_000),
    "100k-term or": "x = " + " or ".join(["a"] * 100_000),
    "20k-term comparison": "x = " + " < ".join(["a"] * 20_000),
    "20k-term power": "x = " + " ** ".join(["a"] * 20_000),
    "20k unary minus": "x = " + "-" * 20_000 + "a",
    "20k attributes": "x = a" + ".b" * 20_000,
    "20k calls": "x = f" + "()" * 20_000,
    "20k subscripts": "x = a" + "[0]" * 20_000,
    "20k implicitly concatenated strings": "x = " + " ".join(['"a"'] * 20_000),
    "5k nested lambdas": "x = " + "lambda: " * 5_000 + "1",
    "20k conditional expressions": "x = " + "a if b else " * 20_000 + "c",
    "100 indentation levels": "".join(" " * i + "if x:\n" for i in range(100)) + " " * 100 + "y",
}
# What a file too deep to check is told: Python's own syntax errors, or serialint's limit.
_DEEP_REASON = ("nested", "parenthes", "indentation", "too complex")


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deeply_nested_code_beside_a_good_file(shape: str, tmp_path: Path) -> None:
    """Checked and fixed (--fix checks each fixed file with ast and libcst): a deep file is
    analysed, or one SER000 says why not; never a crash (libcst's native parser overflowed the
    C stack on a long `and` chain: a segmentation fault, the whole run lost)."""
    deep = HAZARD + DEEP[shape] + "\n"
    good = HAZARD.replace("Scale", "Good")  # its own registration key, whatever deep.py holds
    write_project(tmp_path, {"pkg/__init__.py": "", "pkg/deep.py": deep, "pkg/good.py": good})
    (tmp_path / "pyproject.toml").write_text("")
    code, findings, stderr = _json_run(tmp_path, "--fix", "--unsafe-fixes")
    assert code in (0, 1), f"exit code {code}: {stderr[-2000:]}"
    assert "register_keras_serializable" in (tmp_path / "pkg/good.py").read_text()
    if "register_keras_serializable" not in (tmp_path / "pkg/deep.py").read_text():
        # Not analysed: left as it was, with one SER000 that says why.
        assert (tmp_path / "pkg/deep.py").read_text() == deep
        [problem] = findings
        assert Path(str(problem["filename"])).name == "deep.py"
        assert problem["code"] == "SER000", f"analysed, but its fix was dropped: {stderr}"
        assert any(word in str(problem["message"]) for word in _DEEP_REASON), problem


_STRIP_DEEP = """\
import sys
from pathlib import Path

from serialint.runtime.sandbox import Sandbox

text = "import keras\\nclass A(keras.layers.Layer):\\n    pass\\nx = " + " and ".join(["a"] * 20_000)
sandbox = Sandbox(None, {Path("deep.py"): text + "\\n"}, Path(sys.argv[1]))
print("no copy" if sandbox.definitions(Path("deep.py")) is None else "copied")
"""


def test_confirm_copies_deep_code_without_crashing(tmp_path: Path) -> None:
    """--confirm strips each module it replays with libcst (runtime/strip.py), on the main
    thread's stack: a 20,000-term `and` chain was a segmentation fault, the whole run lost
    (`serialint check --confirm` exited 139 with no report).  A module libcst cannot read gets
    no copy (its findings are inconclusive); nothing crashes."""
    done = subprocess.run(
        [sys.executable, "-c", _STRIP_DEEP, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"exit code {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.strip() in ("copied", "no copy")


def test_a_fix_is_checked_as_deep_as_the_file_was_read(tmp_path: Path) -> None:
    """A file the analysis reads (a 3,000-term chain: past the default recursion limit, within
    serialint's) must not have its fix dropped as "would not parse" when it parses."""
    chain = "x = " + "+".join(['"a"'] * 3000) + "\n"
    write_project(
        tmp_path, {"pyproject.toml": "", "pkg/__init__.py": "", "pkg/m.py": HAZARD + chain}
    )
    config = Config(root=tmp_path)
    result = lint_paths([tmp_path], config, fix=FixMode.UNSAFE)
    assert result.rejected == []
    assert [f.code for f in result.fixed] == ["SER101"]
    assert "register_keras_serializable" in (tmp_path / "pkg/m.py").read_text()


def test_a_50_mb_file_is_refused_by_its_size_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, {"good.py": HAZARD})
    with (tmp_path / "huge.py").open("wb") as handle:  # sparse: instant to write
        handle.write(b"x = 1\n")
        handle.truncate(50 * 2**20)
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        assert self.name != "huge.py", "a file over the size limit was read"
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    started = time.monotonic()
    findings = run_check(tmp_path).findings
    assert time.monotonic() - started < 10
    assert codes_at(findings) == [("SER101", "good.py", 3), ("SER000", "huge.py", 1)]
    assert "50.0 MiB is over the 1 MiB limit" in findings[1].message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00" * 4096, "NUL bytes"),
        (b"", None),  # an empty module: nothing to report
        (b"\n\n\x0c\n", None),
    ],
    ids=["nul-bytes", "empty", "blank"],
)
def test_files_of_nothing(data: bytes, expected: str | None, tmp_path: Path) -> None:
    write_project(tmp_path, {"good.py": HAZARD})
    (tmp_path / "odd.py").write_bytes(data)
    findings = run_check(tmp_path).findings
    assert ("SER101", "good.py", 3) in codes_at(findings)
    odd = [f for f in findings if f.path.name == "odd.py"]
    if expected is None:
        assert odd == []
    else:
        [finding] = odd
        assert finding.code == "SER000" and expected in finding.message


# Each source holds one hazard, the class `Scale`, whose name is at (row, column) as Python
# counts them: rows end at \n, \r\n and \r only, columns are characters (a tab is one).
WHITESPACE = {
    "crlf": (HAZARD.replace("\n", "\r\n").encode(), 3, 7),
    "cr-only": (HAZARD.replace("\n", "\r").encode(), 3, 7),
    "mixed line endings": (b"import keras\r\n\rclass Scale(keras.layers.Layer):\n    pass\r", 3, 7),
    "tabs": (b"import keras\n\nclass\tScale(keras.layers.Layer):\n\tpass\n", 3, 7),
    "tab-indented class": (
        b"import keras\nif True:\n\tclass Scale(keras.layers.Layer):\n\t\tpass\n",
        3,
        8,
    ),
    "bom": (b"\xef\xbb\xbf" + HAZARD.encode(), 3, 7),
    "bom and crlf": (b"\xef\xbb\xbf" + HAZARD.replace("\n", "\r\n").encode(), 3, 7),
    "form feeds": (b"import keras\n\x0c\nclass Scale(keras.layers.Layer):\n\x0c    pass\n", 3, 7),
    "form feed in the line": (
        b"import keras\n\n\x0cclass Scale(keras.layers.Layer):\n    pass\n",
        3,
        8,
    ),
    "no final line break": (HAZARD.rstrip("\n").encode(), 3, 7),
    "latin-1 cookie": (
        "# -*- coding: latin-1 -*-\nimport keras\nclass Scale(keras.layers.Layer):  # café\n"
        "    pass\n".encode("latin-1"),
        3,
        7,
    ),
    "latin-1 cookie below a shebang": (
        "#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\nimport keras\n"
        "é = 1; x = 2\nclass Scale(keras.layers.Layer):\n    pass\n".encode("latin-1"),
        5,
        7,
    ),
    "cp1252 cookie": (
        "# coding=cp1252\nimport keras\nclass Scale(keras.layers.Layer):  # “€”\n    pass\n".encode(
            "cp1252"
        ),
        3,
        7,
    ),
}


@pytest.mark.parametrize("variant", sorted(WHITESPACE))
def test_line_endings_whitespace_and_encodings(variant: str, tmp_path: Path) -> None:
    data, row, column = WHITESPACE[variant]
    write_project(tmp_path, {"good.py": HAZARD.replace("Scale", "Good")})
    (tmp_path / "odd.py").write_bytes(data)
    result = run_check(tmp_path)
    assert codes_at(result.findings) == [("SER101", "good.py", 3), ("SER101", "odd.py", row)]
    finding = result.findings[1]
    assert finding.start.column == column
    lines = next(r.lines for r in result.files if r.path.name == "odd.py")
    assert lines[row - 1][column - 1 :].startswith("Scale")


def test_fixing_twice_changes_nothing_when_a_class_is_defined_twice(tmp_path: Path) -> None:
    """Found by tests/test_fuzz.py: the first --fix registers the class bound last, which makes
    the shadowed one reported; the fix loop takes it for the finding it already fixed (same file,
    code and message), so it is left, marked fixable, and the next --fix changes the file."""
    source = (
        "from keras import *\n\nclass Scale(keras.layers.Layer):\n    pass\n\n"
        "class Scale(layers.Layer):\n    pass\n"
    )
    write_project(tmp_path, {"pyproject.toml": "", "pkg/__init__.py": "", "pkg/layers.py": source})
    config = Config(root=tmp_path)
    first = lint_paths([tmp_path], config, fix=FixMode.SAFE)
    once = (tmp_path / "pkg/layers.py").read_text()
    assert once != source
    assert [f for f in first.findings if f.fix is not None] == []  # nothing fixable is left
    second = lint_paths([tmp_path], config, fix=FixMode.SAFE)
    assert second.fixed == []
    assert (tmp_path / "pkg/layers.py").read_text() == once


@pytest.mark.parametrize(
    ("literal", "fixed"),
    [
        ("r'C:\\m.h5'", "C:\\m.keras"),
        ("u'm.h5'", "m.keras"),
        ('R"m.h5"', "m.keras"),
        ("'it\\'s.h5'", "it's.keras"),
    ],
)
def test_extension_fix_of_a_prefixed_or_escaped_string(
    literal: str, fixed: str, tmp_path: Path
) -> None:
    """Found by tests/test_fuzz.py: the new extension was written one character off the literal's
    quote when the string has a prefix (r, u, R), and with repr()'s escapes and quotes, not the
    literal's; every such fix was dropped ("would not parse ... please report this")."""
    source = f"import keras\nmodel = keras.Sequential()\nmodel.save({literal})\n"
    write_project(tmp_path, {"pyproject.toml": "", "m.py": source})
    result = lint_paths([tmp_path], Config(root=tmp_path), fix=FixMode.UNSAFE)
    assert result.rejected == []
    [save] = [n for n in ast.walk(ast.parse((tmp_path / "m.py").read_text())) if _is_save(n)]
    assert isinstance(save, ast.Call) and ast.literal_eval(save.args[0]) == fixed


def _is_save(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "save"


def test_utf16_is_named_as_such(tmp_path: Path) -> None:
    """Python cannot run a UTF-16 file (with or without its BOM); saying it holds NUL bytes
    ("a binary file?") sends the user the wrong way."""
    write_project(tmp_path, {"good.py": HAZARD})
    (tmp_path / "wide.py").write_bytes(HAZARD.encode("utf-16"))  # with its BOM
    findings = run_check(tmp_path).findings
    assert codes_at(findings) == [("SER101", "good.py", 3), ("SER000", "wide.py", 1)]
    assert "UTF-16" in findings[1].message, findings[1].message
    assert "UTF-8" in findings[1].message  # what to do: re-save it as UTF-8


def test_special_files_named_on_the_command_line(tmp_path: Path) -> None:
    """A directory named like a module is walked (it holds no module: a normal, empty
    result); a FIFO is never opened (it would block); symlink loops are reported."""
    write_project(tmp_path, {"pyproject.toml": "", "good.py": HAZARD, "x.py/README": "x\n"})
    os.mkfifo(tmp_path / "pipe.py")
    os.symlink(tmp_path / "self.py", tmp_path / "self.py")
    named = [tmp_path / n for n in ("x.py", "pipe.py", "self.py", "good.py")]
    findings = _within(20, lambda: run_check(tmp_path, paths=named).findings)
    assert codes_at(findings) == [
        ("SER101", "good.py", 3),
        ("SER000", "pipe.py", 1),
        ("SER000", "self.py", 1),
    ]
    assert "not a regular file" in findings[1].message
    assert "symbolic links" in findings[2].message


def test_symlink_loops_and_dangling_links_in_a_walked_tree(tmp_path: Path) -> None:
    write_project(tmp_path, {"pkg/good.py": HAZARD})
    os.symlink(tmp_path / "pkg" / "b.py", tmp_path / "pkg" / "a.py")
    os.symlink(tmp_path / "pkg" / "a.py", tmp_path / "pkg" / "b.py")
    os.symlink(tmp_path / "pkg" / "self.py", tmp_path / "pkg" / "self.py")
    os.symlink(tmp_path / "nowhere.py", tmp_path / "pkg" / "dangling.py")
    os.symlink(tmp_path, tmp_path / "pkg" / "up")  # a directory loop through the root
    findings = _within(20, lambda: run_check(tmp_path).findings)
    assert codes_at(findings) == [
        ("SER000", "a.py", 1),
        ("SER000", "b.py", 1),
        ("SER000", "dangling.py", 1),
        ("SER101", "good.py", 3),
        ("SER000", "self.py", 1),
    ]
    assert "symbolic links" in findings[0].message
    assert "No such file" in findings[2].message


def _within(seconds: int, run: Callable[[], _T]) -> _T:
    """``run()``, failing (not hanging) if it blocks, e.g. on a FIFO."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"serialint blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        return run()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _deny(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make ``path`` unreadable.  chmod 000 does that, except for root (CI containers run the
    tests as root, and root reads any file): then reading it raises as it would for a user."""
    path.chmod(0)
    if not os.access(path, os.R_OK):
        return
    real_read = Path.read_bytes
    real_scandir = os.scandir

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def scandir(top: object = ".") -> object:
        if Path(os.fsdecode(top)) == path:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fsdecode(top))  # type: ignore[arg-type]
        return real_scandir(top)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "scandir", scandir)


def test_permission_denied_file_and_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, {"good.py": HAZARD, "secret.py": HAZARD, "locked/m.py": HAZARD})
    try:
        _deny(monkeypatch, tmp_path / "secret.py")
        _deny(monkeypatch, tmp_path / "locked")
        findings = run_check(tmp_path).findings
    finally:
        (tmp_path / "locked").chmod(0o755)  # so that tmp_path can be removed
    assert codes_at(findings) == [
        ("SER101", "good.py", 3),
        ("SER000", "locked", 1),
        ("SER000", "secret.py", 1),
    ]
    assert findings[1].message == "Directory not checked: cannot read it (Permission denied)"
    assert findings[2].message == "File not checked: cannot read it (Permission denied)"


def test_file_deleted_between_discovery_and_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serialint import engine

    write_project(tmp_path, {"good.py": HAZARD, "gone.py": HAZARD})
    real_read_source = engine.read_source

    def read_source(path: Path) -> object:
        if path.name == "gone.py":
            path.unlink(missing_ok=True)
        return real_read_source(path)

    monkeypatch.setattr(engine, "read_source", read_source)
    findings = run_check(tmp_path).findings
    assert codes_at(findings) == [("SER000", "gone.py", 1), ("SER101", "good.py", 3)]
    assert findings[0].message == "File not checked: cannot read it (No such file or directory)"


def test_file_deleted_between_its_stat_and_its_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, {"good.py": HAZARD, "gone.py": HAZARD})
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "gone.py":
            self.unlink(missing_ok=True)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    findings = run_check(tmp_path).findings
    assert codes_at(findings) == [("SER000", "gone.py", 1), ("SER101", "good.py", 3)]


def test_file_deleted_while_it_is_being_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from serialint import api

    write_project(tmp_path, {"pyproject.toml": "", "good.py": HAZARD, "gone.py": HAZARD})
    real_fix_rounds = api._fix_rounds

    def fix_rounds(*args: object, **kwargs: object) -> object:
        fixed = real_fix_rounds(*args, **kwargs)  # type: ignore[arg-type]
        (tmp_path / "gone.py").unlink()  # after the fixes are computed, before they are written
        return fixed

    monkeypatch.setattr(api, "_fix_rounds", fix_rounds)
    code = main(["check", str(tmp_path), "--fix", "--unsafe-fixes", "--output-format", "concise"])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert "gone.py" in captured.err and "changed on disk" in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "gone.py").exists()
    assert "register_keras_serializable" in (tmp_path / "good.py").read_text()


# --------------------------------------------------------------------------------------------
# An internal error of one rule on one file.


@pytest.mark.parametrize("method", ["check", "applies_to"])
def test_internal_error_of_one_rule_on_one_file(
    method: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from serialint.rules import RULES_BY_CODE

    lambdas = (
        HAZARD
        + "model = keras.Sequential([keras.layers.Lambda(lambda t: t)])\nmodel.save('m.keras')\n"
    )
    write_project(tmp_path, {"pyproject.toml": "", "broken.py": lambdas, "other.py": lambdas})
    rule = RULES_BY_CODE["SER202"]
    real = getattr(rule, method)

    def failing(*args: object) -> object:
        context_or_module = args[-2] if method == "applies_to" else args[-1]
        module = getattr(context_or_module, "module", context_or_module)
        if Path(str(module.path)).name == "broken.py":  # type: ignore[attr-defined]
            raise KeyError("a bug")
        return real(*args)

    if method == "check":
        monkeypatch.setattr(rule, "check", failing)
    else:
        monkeypatch.setattr(rule, "applies_to", classmethod(lambda cls, m, p: failing(m, p)))
    code = main(["check", str(tmp_path), "--output-format", "concise"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    lines = captured.out.splitlines()
    [internal] = [line for line in lines if "SER000" in line]
    assert "broken.py:1:1: SER000" in internal
    assert "Internal error in rule SER202" in internal and "KeyError" in internal
    assert "please report" in internal
    assert any("broken.py:3:7: SER101" in line for line in lines)  # the other rules still ran
    assert any("other.py:3:7: SER101" in line for line in lines)  # and the other files
    assert any("other.py:5:" in line and "SER202" in line for line in lines)


# --------------------------------------------------------------------------------------------
# A reader that stops early: `serialint check . | head -c 10`.


@pytest.fixture(scope="module")
def many_findings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose report, in every format, is far larger than a pipe's buffer (64 KiB)."""
    root = tmp_path_factory.mktemp("many")
    (root / "pyproject.toml").write_text("")
    for n in range(4):
        classes = "".join(f"class L{n}x{i}(keras.layers.Layer):\n    pass\n\n" for i in range(250))
        (root / f"m{n}.py").write_text("import keras\n\n" + classes)
    return root


def test_broken_pipe_ends_quietly_with_one_exit_code_in_every_format(many_findings: Path) -> None:
    from serialint.cli import EXIT_BROKEN_PIPE
    from serialint.report import FORMATS

    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "serialint", "check", ".", "--output-format", name],
            cwd=many_findings,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in sorted(FORMATS)
    }
    outcome = {}
    for name, process in running.items():
        assert process.stdout is not None and process.stderr is not None
        head = process.stdout.read(10)
        process.stdout.close()  # as `head -c 10` exits
        errors = process.stderr.read().decode(errors="replace")
        process.stderr.close()
        outcome[name] = (process.wait(timeout=120), errors, len(head))
    assert outcome == {name: (EXIT_BROKEN_PIPE, "", 10) for name in FORMATS}


@pytest.mark.parametrize(
    ("literal", "fixed"),
    [
        ("r'C:\\m.h5'", '"C:\\\\m.keras"'),  # found by tests/test_fuzz.py: raw, with a backslash
        ("'''model.h5'''", '"model.keras"'),
        ("'model' '.h5'", '"model.keras"'),
        ("'model.h5'", "'model.keras'"),  # a plain literal keeps its quotes
        ('"model.h5"', '"model.keras"'),
    ],
)
def test_a_path_fix_respells_literals_it_cannot_edit_inside(
    literal: str, fixed: str, tmp_path: Path
) -> None:
    """SER302's fix wrote a plain string's escapes inside a raw literal (r'C:\\\\m.keras'...
    broken: dropped as invalid), losing the fix."""
    write_project(tmp_path, {"m.py": f"def f(model):\n    model.save({literal})\n"})
    result = lint_paths([tmp_path], Config(root=tmp_path), fix=FixMode.UNSAFE)
    assert result.rejected == []
    assert (tmp_path / "m.py").read_text() == f"def f(model):\n    model.save({fixed})\n"


def test_an_internal_error_reading_one_file_costs_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception in fact extraction stopped the whole run (exit 2, no findings)."""
    import serialint.facts as facts

    real = facts.extract

    def broken(path: Path, text: str, tree: object) -> object:
        if path.name == "bad.py":
            raise KeyError("boom")
        return real(path, text, tree)  # type: ignore[arg-type]

    monkeypatch.setattr(facts, "extract", broken)
    write_project(tmp_path, {"good.py": HAZARD, "bad.py": "x = 1\n"})
    found = run_check(tmp_path).findings
    assert ("SER101", "good.py", 3) in codes_at(found)
    [problem] = [f for f in found if f.path.name == "bad.py"]
    assert problem.code == "SER000" and "please report" in problem.message
