"""Bad files give one clear SER000 line each and never stop the other files from being checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from serialint.cli import main
from serialint.findings import Finding

from .conftest import codes_at, run_check, write_project

HAZARD = "import keras\n\nclass Scale(keras.layers.Layer):\n    pass\n"


def _check(tmp_path: Path) -> list[Finding]:
    return run_check(tmp_path).findings


def test_bad_files_beside_good_ones(tmp_path: Path) -> None:
    write_project(tmp_path, {"good.py": HAZARD, "syntax.py": "def broken(:\n    pass\n"})
    (tmp_path / "binary.py").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00garbage")
    (tmp_path / "latin1.py").write_bytes("name = 'caf\xe9'\n".encode("latin-1"))
    findings = _check(tmp_path)
    by_file = {f.path.name: f for f in findings}
    assert codes_at(findings) == [
        ("SER000", "binary.py", 1),
        ("SER101", "good.py", 3),
        ("SER000", "latin1.py", 1),
        ("SER000", "syntax.py", 1),
    ]
    assert "NUL bytes" in by_file["binary.py"].message
    assert "0xe9" in by_file["latin1.py"].message and "utf-8" in by_file["latin1.py"].message
    assert by_file["syntax.py"].message.startswith("Syntax error:")


def test_declared_encodings_and_bom_are_honoured(tmp_path: Path) -> None:
    latin = "# -*- coding: latin-1 -*-\nimport keras\n# caf\xe9\nclass Scale(keras.layers.Layer):\n    pass\n"
    (tmp_path / "declared.py").write_bytes(latin.encode("latin-1"))
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + HAZARD.encode())
    (tmp_path / "crlf.py").write_bytes(HAZARD.replace("\n", "\r\n").encode())
    assert codes_at(_check(tmp_path)) == [
        ("SER101", "bom.py", 3),
        ("SER101", "crlf.py", 3),
        ("SER101", "declared.py", 4),
    ]


def test_bad_encoding_declaration(tmp_path: Path) -> None:
    (tmp_path / "cookie.py").write_bytes(b"# -*- coding: no-such-codec -*-\nx = 1\n")
    [finding] = _check(tmp_path)
    assert finding.code == "SER000" and "encoding" in finding.message


def test_deeply_nested_source(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    write_project(tmp_path, {"good.py": HAZARD})
    findings = _check(tmp_path)
    assert [f.code for f in findings] == ["SER000", "SER101"]


def test_symlink_loop_and_directory_named_like_a_module(tmp_path: Path) -> None:
    write_project(tmp_path, {"pkg/good.py": HAZARD})
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    (tmp_path / "dir.py").mkdir()
    assert codes_at(_check(tmp_path)) == [("SER101", "good.py", 3)]


def test_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    write_project(tmp_path, {"good.py": HAZARD})
    findings = _check(tmp_path)
    assert codes_at(findings) == [("SER101", "good.py", 3), ("SER000", "pipe.py", 1)]
    assert "not a regular file" in findings[1].message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root in CI, where chmod 000 does not stop reads, so simulate the OS error.
    write_project(tmp_path, {"good.py": HAZARD, "secret.py": "x = 1\n"})
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    findings = _check(tmp_path)
    assert codes_at(findings) == [("SER101", "good.py", 3), ("SER000", "secret.py", 1)]
    assert "Permission denied" in findings[1].message


def test_missing_path_is_reported(tmp_path: Path) -> None:
    result = run_check(tmp_path, paths=[tmp_path / "nope.py"])
    [finding] = result.findings
    assert finding.code == "SER000" and "does not exist" in finding.message


def test_default_excludes(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            ".venv/lib/x.py": HAZARD,
            "build/x.py": HAZARD,
            "node_modules/x.py": HAZARD,
            "src/x.py": HAZARD,
        },
    )
    assert [str(f.path.relative_to(tmp_path)) for f in _check(tmp_path)] == ["src/x.py"]


def test_gitignored_files_are_skipped_unless_named(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("generated/\nscratch_*.py\n")
    write_project(
        tmp_path,
        {"generated/m.py": HAZARD, "scratch_1.py": HAZARD, "src/m.py": HAZARD},
    )
    assert [f.path.name for f in _check(tmp_path)] == ["m.py"]
    assert _check(tmp_path)[0].path.parent.name == "src"
    named = run_check(tmp_path, paths=[tmp_path / "scratch_1.py"]).findings
    assert [f.path.name for f in named] == ["scratch_1.py"]


BOM = b"\xef\xbb\xbf"


def test_a_bom_that_contradicts_the_encoding_declaration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Python refuses it ("encoding problem: iso-8859-1 with BOM"): it is not checked as UTF-8.
    write_project(tmp_path, {"good.py": HAZARD})
    (tmp_path / "both.py").write_bytes(BOM + b"# -*- coding: latin-1 -*-\n" + HAZARD.encode())
    assert main(["check", str(tmp_path), "--output-format", "concise"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"{tmp_path / 'both.py'}:1:1: SER000 File not checked: it starts with a UTF-8 "
        "byte-order mark but line 1 declares the encoding 'latin-1', and Python refuses such a "
        "file (SyntaxError: encoding problem: iso-8859-1 with BOM); remove the byte-order "
        "mark, or declare '# -*- coding: utf-8 -*-'",
        f"{tmp_path / 'good.py'}:3:7: SER101 " + out[1].split(" SER101 ", 1)[1],
    ]


@pytest.mark.parametrize(
    "data",
    [
        BOM + b"# -*- coding: latin-1 -*-\n",
        BOM + b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n",
        BOM + b"# coding: utf8\n",  # not a spelling of UTF-8 the interpreter knows
        BOM + b"# coding: no-such-codec\n",
        BOM + b"#\r# coding: latin-1\r",  # CR-only lines
        BOM + b"\r\n# coding: ascii\r\n",
        BOM + b"# -*- coding: utf-8 -*-\n",
        BOM + b"# coding: UTF_8\n",
        BOM + b"# coding: utf-8-sig\n",
        BOM + b"x = 1  # coding: latin-1\n",
        BOM + b"x = 1\n# coding: latin-1\n",  # below code: not a declaration
        BOM + b"\n\n# coding: latin-1\n",  # line 3: not a declaration
        BOM + b"#\r\r# coding: latin-1\r",  # line 3 too
        BOM,
    ],
)
def test_a_bom_and_a_declaration_are_judged_as_python_judges_them(
    data: bytes, tmp_path: Path
) -> None:
    source = data + b"x = 1\n"
    try:
        compile(source, "f.py", "exec")
        refused = None
    except SyntaxError as error:
        refused = error.msg
    (tmp_path / "f.py").write_bytes(source)
    findings = _check(tmp_path)
    if refused is None:
        assert findings == []
    else:
        [finding] = findings
        assert finding.code == "SER000" and f"(SyntaxError: {refused})" in finding.message
