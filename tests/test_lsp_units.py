"""The language server's pure parts: positions, edits, code actions, hover, settings, and how a
document's project is found.  (tests/test_lsp_server.py drives the real server over stdio.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from serialint.api import Workspace, lint_source
from serialint.catalogue import RuleDoc
from serialint.config import Config
from serialint.findings import Edit, Finding, Fix, Position
from serialint.fixes import FixMode, apply_edits
from serialint.lsp.actions import (
    FIX_ALL,
    Document,
    code_actions,
    minimal_edit,
    text_edits,
    wanted,
)
from serialint.lsp.diagnostics import diagnostics
from serialint.lsp.documents import Documents, apply_change
from serialint.lsp.hover import code_at, hover_text, suppression_codes
from serialint.lsp.notebooks import Notebooks, NotebookTarget, OpenNotebook, cell_diagnostics
from serialint.lsp.positions import LineIndex, units
from serialint.lsp.projects import Projects, resolve
from serialint.lsp.server import build_server
from serialint.lsp.settings import Settings
from serialint.lsp.uris import fs_path, uri_key
from serialint.notebooks import code_cell_sources, notebook_of_cells, read_notebook
from serialint.suppress import noqa_edit

EMOJI = "\N{GRINNING FACE}"  # outside the BMP: 1 character, 2 UTF-16 units, 4 UTF-8 bytes


def lsp_lines(text: str) -> list[str]:
    """The text's lines with their breaks, as LSP counts them: at \\n, \\r\\n and \\r only
    (not at the form feeds, U+2028 and others ``str.splitlines`` breaks at)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def client_apply(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    """What an editor does with LSP edits (written apart from the server's code)."""

    def offset(position: types.Position) -> int:
        lines = lsp_lines(text) or [""]
        if position.line >= len(lines):
            return len(text)
        start = sum(len(line) for line in lines[: position.line])
        line = lines[position.line].rstrip("\r\n")
        for index in range(len(line) + 1):
            if units(line[:index], encoding) >= position.character:
                return start + index
        return start + len(line)

    spans = sorted(
        ((offset(e.range.start), offset(e.range.end), i, e.new_text) for i, e in enumerate(edits)),
        reverse=True,
    )
    for start, end, _, new in spans:
        text = text[:start] + new + text[end:]
    return text


# -- positions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "column"), [("utf-16", 3), ("utf-32", 2), ("utf-8", 5)])
def test_lsp_positions_count_the_negotiated_units(encoding: str, column: int) -> None:
    text = f"x\r\na{EMOJI}b\rlast"
    index = LineIndex.of(text)
    b = text.index("b")
    assert index.lsp_position(b, encoding) == types.Position(1, column)
    assert index.offset_at(types.Position(1, column), encoding) == b
    assert index.serialint_position(b) == Position(2, 3)
    assert index.offset(Position(2, 3)) == b
    assert index.line(2) == "last"
    assert index.end(encoding) == types.Position(2, 4)


def test_positions_are_clamped() -> None:
    text = f"a{EMOJI}\r\nb"
    index = LineIndex.of(text)
    # Inside the surrogate pair: before the character.  Past a line: its end.  Past the text:
    # its end.  Between \r and \n: the end of the line.
    assert index.offset_at(types.Position(0, 2), "utf-16") == 1
    assert index.offset_at(types.Position(0, 99), "utf-16") == 2
    assert index.offset_at(types.Position(9, 0), "utf-16") == len(text)
    assert index.lsp_position(3, "utf-16") == types.Position(0, 3)
    assert index.offset(Position(9, 1)) == len(text)
    assert index.lsp_range(Position(2, 1), Position(1, 1), "utf-16") == types.Range(
        types.Position(1, 0), types.Position(1, 0)
    )


# -- edits -------------------------------------------------------------------------------------

# With characters str.splitlines breaks at and LSP does not (a form feed, U+2028, NEL).
_TEXT = st.lists(
    st.sampled_from(["a", "b", " ", "\n", "\r\n", "\r", EMOJI, "é", "#", "\x0c", "\u2028", "\x85"]),
    max_size=30,
).map("".join)


@st.composite
def _text_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(_TEXT)
    index = LineIndex.of(text)
    offsets = sorted(draw(st.lists(st.integers(0, len(text)), min_size=0, max_size=6, unique=True)))
    pairs = list(zip(offsets[::2], offsets[1::2], strict=False))
    # Never an offset between \r and \n: a fix's positions are characters of a line.
    pairs = [
        (a, b)
        for a, b in pairs
        if not any(0 < o < len(text) and text[o - 1 : o + 1] == "\r\n" for o in (a, b))
    ]
    contents = draw(
        st.lists(
            st.sampled_from(["", "x", "\n", f"@d{EMOJI}\n"]),
            min_size=len(pairs),
            max_size=len(pairs),
        )
    )
    edits = [
        Edit(c, index.serialint_position(a), index.serialint_position(b))
        for (a, b), c in zip(pairs, contents, strict=True)
    ]
    return text, edits


@settings(max_examples=300, deadline=None)
@given(_text_and_edits(), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_text_edits_do_what_apply_edits_does(case: tuple[str, list[Edit]], encoding: str) -> None:
    text, edits = case
    assert client_apply(text, text_edits(text, edits, encoding), encoding) == apply_edits(
        text, edits
    )


def test_text_added_past_a_last_line_without_a_break_starts_a_line() -> None:
    text = "a = 1\r\nb = 2"
    edits = [Edit("c = 3\n", Position(3, 1), Position(3, 1))]
    assert client_apply(text, text_edits(text, edits, "utf-16"), "utf-16") == (
        "a = 1\r\nb = 2\r\nc = 3\r\n"
    )


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT, st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_minimal_edit_turns_one_text_into_the_other(before: str, after: str, encoding: str) -> None:
    edits = minimal_edit(before, after, encoding)
    assert client_apply(before, edits, encoding) == after
    assert (edits == []) == (before == after)


def test_minimal_edit_is_small_and_keeps_crlf_whole() -> None:
    before = "import keras\r\n\r\nclass A:\r\n    pass\r\n"
    after = before.replace("class A", "@register\r\nclass A")
    (edit,) = minimal_edit(before, after, "utf-16")
    assert edit.range == types.Range(types.Position(2, 0), types.Position(2, 0))
    assert edit.new_text == "@register\r\n"
    (edit,) = minimal_edit("x\r\ny", "x\rz", "utf-16")
    assert edit.range.start == types.Position(0, 1)  # not between \r and \n
    assert client_apply("x\r\ny", [edit], "utf-16") == "x\rz"


# -- document sync -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    _TEXT,
    st.integers(0, 30),
    st.integers(0, 30),
    st.sampled_from(["", "x", "\n", f"{EMOJI}\x0c\r\n"]),
    st.sampled_from(["utf-8", "utf-16", "utf-32"]),
)
def test_a_range_change_replaces_exactly_its_range(
    text: str, a: int, b: int, new: str, encoding: str
) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    if any(0 < o < len(text) and text[o - 1 : o + 1] == "\r\n" for o in (start, end)):
        return  # not a position: between \r and \n is the end of the line
    index = LineIndex.of(text)
    where = types.Range(index.lsp_position(start, encoding), index.lsp_position(end, encoding))
    change = types.TextDocumentContentChangePartial(where, new)
    assert apply_change(text, change, encoding) == text[:start] + new + text[end:]
    assert apply_change(text, types.TextDocumentContentChangeWholeDocument(new), encoding) == new


def test_range_changes_count_lsp_lines_and_clamp() -> None:
    text = 'a\x0cb\n\u2028\r\nx = "h5"'  # 3 LSP lines; str.splitlines sees 5
    at = types.Position
    partial = types.TextDocumentContentChangePartial
    assert apply_change(text, partial(types.Range(at(2, 5), at(2, 7)), "keras"), "utf-16") == (
        text.replace("h5", "keras")
    )
    # Past a line's end: its end; past the last line: the end of the text.
    assert apply_change(text, partial(types.Range(at(0, 99), at(0, 99)), "!"), "utf-16") == (
        text.replace("b\n", "b!\n")
    )
    assert apply_change(text, partial(types.Range(at(9, 0), at(9, 9)), "\n"), "utf-16") == (
        text + "\n"
    )


def test_documents_are_found_by_any_spelling_of_their_uri() -> None:
    documents = Documents()
    opened = "file:///tmp/my%20project%2B%C3%BC/m.py"
    documents.opened(types.TextDocumentItem(opened, "python", 1, "a\x0cb\nc\n"))
    for spelling in (opened, "file:///tmp/my project+ü/m.py", opened.replace("%C3%BC", "%c3%bc")):
        document = documents.get(spelling)
        assert document is not None and document.uri == opened  # answered under this URI
    change = types.TextDocumentContentChangePartial(
        types.Range(types.Position(1, 0), types.Position(1, 1)), "d"
    )
    changed = documents.changed("file:///tmp/my project+ü/m.py", 2, [change], "utf-16")
    assert changed is not None and (changed.text, changed.version) == ("a\x0cb\nd\n", 2)
    assert documents.changed("file:///tmp/other.py", 2, [change], "utf-16") is None
    assert documents.closed(opened.replace("%2B", "+")) is changed
    assert documents.all() == []


# -- URIs --------------------------------------------------------------------------------------


def test_file_uris_name_decoded_paths() -> None:
    assert fs_path("file:///home/me/my%20project%2B%C3%BC/m.py") == "/home/me/my project+ü/m.py"
    assert fs_path("file:///home/me/a%23b%3Fc.py") == "/home/me/a#b?c.py"
    assert fs_path("file://localhost/x.py") == "/x.py"
    assert fs_path("FILE:///x.py") == "/x.py"
    assert fs_path("file:///c%3A/x.py", windows=False) == "/c:/x.py"  # an ordinary path there
    for name in ("untitled:Untitled-1", "vscode-notebook-cell:/x.ipynb#1", "file://[x/", "file:"):
        assert fs_path(name) is None


def test_windows_file_uris() -> None:
    for spelling in ("file:///c%3A/Users/me/my%20p/m.py", "file:///c:/Users/me/my%20p/m.py"):
        assert fs_path(spelling, windows=True) == "c:\\Users\\me\\my p\\m.py"
    assert fs_path("file://server/share/m.py", windows=True) == "\\\\server\\share\\m.py"
    assert uri_key("file:///c%3A/m.py") == uri_key("file:///c:/m.py")


def test_wanted_kinds_nest() -> None:
    assert wanted(FIX_ALL, None) and wanted("quickfix", [])
    assert wanted(FIX_ALL, ["source"]) and wanted(FIX_ALL, ["source.fixAll"])
    assert wanted(FIX_ALL, [FIX_ALL])
    assert not wanted(FIX_ALL, ["quickfix"]) and not wanted("quickfix", ["source.fixAll"])
    assert not wanted(FIX_ALL, ["source.fix"])  # a prefix of a word is not a parent kind


# -- diagnostics and actions -------------------------------------------------------------------

LAYER = (
    "import keras\n\n\nclass Scale(keras.layers.Layer):\n    def call(self, x):\n        return x\n"
)


def _finding(code: str = "SER101", fix: Fix | None = None, hint: str = "") -> Finding:
    return Finding(code, "message", Path("/p/m.py"), Position(4, 7), Position(4, 12), hint, fix)


def test_diagnostics_carry_code_link_severity_and_help(catalogue: dict[str, RuleDoc]) -> None:
    (error,) = diagnostics([_finding(hint="Do this")], LAYER, "utf-16", catalogue)
    assert error.code == "SER101" and error.source == "serialint"
    assert error.severity == types.DiagnosticSeverity.Error
    assert error.code_description is not None
    assert error.code_description.href == catalogue["SER101"].url
    assert error.message == "message\nHelp: Do this"
    assert error.range == types.Range(types.Position(3, 6), types.Position(3, 11))
    (warning,) = diagnostics([_finding("SER302")], LAYER, "utf-16", catalogue)
    assert warning.severity == types.DiagnosticSeverity.Warning


def test_code_actions_for_a_range(catalogue: dict[str, RuleDoc]) -> None:
    decorate = Fix("Decorate", "safe", (Edit("@d\n", Position(4, 1), Position(4, 1)),))
    broken = Fix("Break it", "safe", (Edit("(", Position(4, 1), Position(4, 1)),))
    findings = [_finding(fix=decorate), _finding("SER102", fix=broken)]
    pairs = list(zip(findings, diagnostics(findings, LAYER, "utf-16", catalogue), strict=True))
    document = Document("file:///p/m.py", Path("/p/m.py"), LAYER, "utf-16")
    on_class = types.Range(types.Position(3, 8), types.Position(3, 8))

    def actions(where: types.Range, only: list[str] | None = None) -> list[str]:
        context = types.CodeActionContext(diagnostics=[], only=only)
        found = code_actions(document, pairs, where, context, lambda: "fixed\n")
        return [a.title for a in found]

    # The fix that would not parse is not offered; one noqa per code.
    assert actions(on_class, ["quickfix"]) == [
        "Decorate",
        "Ignore SER101 with `# noqa: SER101`",
        "Ignore SER102 with `# noqa: SER102`",
    ]
    assert actions(on_class, ["source.fixAll"]) == ["serialint: fix all auto-fixable problems"]
    assert len(actions(on_class)) == 4  # no filter: everything
    automatic = types.CodeActionContext(
        diagnostics=[], trigger_kind=types.CodeActionTriggerKind.Automatic
    )
    lightbulb = code_actions(document, pairs, on_class, automatic, lambda: "fixed\n")
    assert [a.kind for a in lightbulb] == ["quickfix"] * 3  # no fix-all at every cursor move
    elsewhere = types.Range(types.Position(0, 0), types.Position(0, 3))
    assert actions(elsewhere, ["quickfix"]) == []


# -- fix all within a project (the server's fix-all is api.lint_source) -------------------------


def fix_all(workspace: Workspace, path: Path, text: str, mode: FixMode) -> str:
    return lint_source(workspace, path, text, fix=mode)[1]


def test_fix_all_in_rounds_within_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    path = tmp_path / "pkg" / "m.py"
    text = LAYER + "\n\nclass Shift(keras.layers.Layer):\n    pass\n"
    path.write_text(text)
    workspace, _ = Workspace.load([tmp_path], Config(root=tmp_path))
    fixed = fix_all(workspace, path, text, FixMode.SAFE)
    assert fixed.count('@keras.saving.register_keras_serializable(package="pkg")\n') == 2
    assert workspace.lint_text(path, fixed).findings == []
    assert fix_all(workspace, path, fixed, FixMode.SAFE) == fixed


def test_fix_all_leaves_unsafe_fixes_to_the_unsafe_mode(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text(LAYER)
    workspace, _ = Workspace.load([path], Config(root=tmp_path, index_root=False))
    assert fix_all(workspace, path, LAYER, FixMode.SAFE) == LAYER
    assert "register_keras_serializable" in fix_all(workspace, path, LAYER, FixMode.UNSAFE)


# -- hover -------------------------------------------------------------------------------------


def test_suppression_codes_and_their_columns() -> None:
    line = "x = f()  # noqa: SER101, e501  # serialint: ignore[SER2]"
    spans = [(s.code, line[s.start : s.end].upper()) for s in suppression_codes(line)]
    assert spans == [("SER101", "SER101"), ("E501", "E501"), ("SER2", "SER2")]
    assert [s.code for s in suppression_codes("# serialint: noqa: SER3")] == ["SER3"]
    assert suppression_codes("x = 1  # noqa") == []
    assert suppression_codes("x = 'noqa: SER101'") == []
    column = line.index("SER101")
    assert code_at(line, column) == code_at(line, column + 6)
    assert code_at(line, column - 1) is None


def test_hover_text(catalogue: dict[str, RuleDoc]) -> None:
    one = hover_text("ser101", catalogue)
    assert one is not None
    assert "**SER101** `unregistered-custom-object`" in one and catalogue["SER101"].url in one
    plain = hover_text("SER101", catalogue, markdown=False)
    assert plain is not None and "**" not in plain
    prefix = hover_text("SER3", catalogue)
    assert prefix is not None and "SER301" in prefix and "SER101" not in prefix
    assert hover_text("SER999", catalogue) == "`SER999` is not a serialint rule code"
    assert hover_text("E501", catalogue) is None


# -- settings ----------------------------------------------------------------------------------


def test_settings_read_what_clients_send() -> None:
    default = Settings()
    assert default.fix_mode is FixMode.SAFE
    assert default.updated({"unsafeFixes": True}).fix_mode is FixMode.UNSAFE
    assert default.updated({"serialint": {"unsafeFixes": True}}).unsafe_fixes
    on = Settings(unsafe_fixes=True)
    for ignored in (None, [], "yes", {"unsafeFixes": "true"}, {"other": 1}):
        assert on.updated(ignored) == on
    assert on.updated({"unsafeFixes": False}) == default


# -- which project a document belongs to -------------------------------------------------------


def test_excluded_files_are_never_checked_or_read(
    tmp_path: Path, catalogue: dict[str, RuleDoc]
) -> None:
    """Whatever ``force-exclude`` says: an excluded file is not linted, and its buffer and its
    saved text never join the project's facts."""
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "x.py").write_text(LAYER)
    for table in (
        'exclude = ["gen"]\n',
        'extend-exclude = ["gen/*.py"]\nforce-exclude = true\n',
    ):
        (tmp_path / "serialint.toml").write_text(table)
        projects = Projects(catalogue)
        excluded = tmp_path / "gen" / "x.py"
        project, result = projects.lint(excluded, LAYER + "\n", [])
        assert result is None
        assert project.buffers == {} and project.current is project.base
        assert projects.saved(excluded) is None
        assert projects.disk_changed([(excluded, True), (tmp_path / "gen" / "y.py", True)]) == []
        assert project.base.files.keys().isdisjoint({excluded.resolve()})
        train = tmp_path / "train.py"
        _, checked = projects.lint(train, "x = 1\n", [])
        assert checked is not None and checked.findings == []


def test_resolution_follows_the_cli(tmp_path: Path, catalogue: dict[str, RuleDoc]) -> None:
    configured = tmp_path / "configured"
    (configured / "sub").mkdir(parents=True)
    (configured / "serialint.toml").write_text('ignore = ["SER101"]\n')
    found = resolve(configured / "sub" / "m.py", [], catalogue)
    assert found.config.ignore == ("SER101",) and found.paths == (configured.resolve(),)
    assert found.error is None

    (configured / "serialint.toml").write_text("ignore = [\n")
    broken = resolve(configured / "sub" / "m.py", [], catalogue)
    assert broken.error is not None and "invalid TOML" in broken.error
    assert broken.config.ignore == ()  # the defaults ...
    assert broken.config_file is not None
    kept = resolve(configured / "sub" / "m.py", [], catalogue, {broken.config_file: found.config})
    assert kept.config.ignore == ("SER101",)  # ... or the last good configuration

    marked = tmp_path / "marked"
    (marked / "src").mkdir(parents=True)
    (marked / ".git").mkdir()
    by_marker = resolve(marked / "src" / "m.py", [], catalogue)
    assert by_marker.config.root == marked.resolve() and by_marker.config.index_root

    folder = tmp_path / "folder"
    (folder / "deep").mkdir(parents=True)
    in_folder = resolve(folder / "deep" / "m.py", [tmp_path, folder], catalogue)
    assert in_folder.paths == (folder.resolve(),) and not in_folder.config.index_root

    lone = resolve(tmp_path / "elsewhere" / "m.py", [folder], catalogue)
    assert lone.paths == ((tmp_path / "elsewhere" / "m.py").resolve(),)
    assert lone.config.root == (tmp_path / "elsewhere").resolve()


def test_a_noqa_on_a_last_line_without_a_line_break_stays_on_that_line() -> None:
    """The reviewer's case: "Ignore" put the comment on a new line, which suppressed nothing."""
    text = 'import keras\nmodel.save("a.h5")'
    edit = noqa_edit(text, 2, {"SER302"})
    assert edit is not None
    [lsp_edit] = text_edits(text, [edit], "utf-16")
    assert lsp_edit.new_text == "  # noqa: SER302"
    assert client_apply(text, [lsp_edit], "utf-16") == apply_edits(text, [edit])
    assert apply_edits(text, [edit]) == 'import keras\nmodel.save("a.h5")  # noqa: SER302'


# -- notebooks ---------------------------------------------------------------------------------

# Every kind of cell the joined text treats apart: markdown and raw cells (counted, not
# code), magics (one continued with a backslash), a %%cell magic, an empty cell, a cell whose
# source ends with a line break and cells whose source does not.
CELLS = [
    ("markdown", "# Title\n"),
    ("code", "%pip install keras\nimport keras\n!python train.py \\\n  --epochs 3"),
    ("raw", "raw text"),
    ("code", "class Scale(keras.layers.Layer):\n    pass\n"),
    ("code", ""),
    ("code", "%%time\nx = 1"),
    ("code", "    result = !ls\nmodel.save('m.h5')"),
]


def _ipynb(cells: list[tuple[str, str]]) -> str:
    def cell(kind: str, text: str) -> dict[str, object]:
        stored: dict[str, object] = {"cell_type": kind, "metadata": {}}
        stored["source"] = text.splitlines(keepends=True)
        if kind == "code":
            stored |= {"execution_count": None, "outputs": []}
        return stored

    document = {"cells": [cell(k, t) for k, t in cells], "metadata": {}, "nbformat": 4}
    return json.dumps(document, indent=1) + "\n"


def test_notebook_of_cells_joins_them_as_a_stored_notebook_is_joined() -> None:
    stored = read_notebook(_ipynb(CELLS))
    held = notebook_of_cells(CELLS)
    assert held.python == stored.python
    assert [c.index for c in held.cells] == [c.index for c in stored.cells] == [2, 4, 5, 6, 7]
    assert held.magics == stored.magics
    assert "# serialint: cell 7" in held.python and "pip install" not in held.python
    assert held.written(held.python) is None and held.file_rows() == {}


def test_code_cell_sources_are_what_written_stores() -> None:
    stored = read_notebook(_ipynb(CELLS))
    python = stored.python
    assert code_cell_sources(stored, python) == {
        i: t for i, (k, t) in enumerate(CELLS, 1) if k == "code"
    }

    def cells_written(text: str) -> dict[int, str]:
        written = stored.written(text)
        assert written is not None
        document = json.loads(written)
        return {c.index: "".join(document["cells"][c.index - 1]["source"]) for c in stored.cells}

    # A line added before a magic, a decorator, a line added at the end of the last cell (which
    # has no final line break): as --fix writes them.
    lines = python.split("\n")
    lines.insert(lines.index("import keras") + 1, "import os")
    lines.insert(lines.index("class Scale(keras.layers.Layer):"), "@register")
    marker = lines.index("# serialint: cell 7")
    lines.insert(marker, "print(model)")
    fixed = "\n".join(lines)
    sources = code_cell_sources(stored, fixed)
    assert sources == cells_written(fixed)
    assert sources is not None and sources[2].startswith(
        "%pip install keras\nimport keras\nimport os\n!"
    )
    assert sources[7] == "    result = !ls\nmodel.save('m.h5')\nprint(model)"
    # A %%magic cell changed, or a marker gone: nothing can be written.
    assert (
        code_cell_sources(
            stored, python.replace("\n\n# serialint: cell 6", "x\n\n# serialint: cell 6")
        )
        is None
    )
    assert code_cell_sources(stored, python.replace("# serialint: cell 5\n", "")) is None


def _item(uri: str, text: str, language: str = "python") -> types.TextDocumentItem:
    return types.TextDocumentItem(uri, language, 1, text)


def _open(store: Notebooks, cells: list[tuple[str, str]]) -> OpenNotebook:
    kinds = {"markdown": types.NotebookCellKind.Markup}
    uris = [f"vscode-notebook-cell:/p/n.ipynb#W{i}sZmlsZQ%3D%3D" for i in range(len(cells))]
    return store.opened(
        types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(
                "file:///p/n.ipynb",
                "jupyter-notebook",
                1,
                [
                    types.NotebookCell(kinds.get(k, types.NotebookCellKind.Code), u)
                    for u, (k, _) in zip(uris, cells, strict=True)
                ],
            ),
            [
                _item(u, t, "python" if k == "code" else k)
                for u, (k, t) in zip(uris, cells, strict=True)
            ],
        )
    )


def _change(store: Notebooks, cells: types.NotebookDocumentCellChanges) -> OpenNotebook | None:
    return store.changed(
        types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(2, "file:///p/n.ipynb"),
            types.NotebookDocumentChangeEvent(cells=cells),
        ),
        "utf-16",
    )


def test_notebook_sync_keeps_the_cells_in_step() -> None:
    store = Notebooks()
    notebook = _open(store, [("markdown", "# T"), ("code", "a = 1\fb\r\nc"), ("raw", "r")])
    first, code, raw = (c.document for c in notebook.cells)
    assert [c.number for c in notebook.snapshot().code] == [2]  # raw is not Python
    assert store.of_cell(code.replace("%3D", "=")) is notebook  # any spelling of the URI
    assert notebook.code_cell(first) is None and notebook.code_cell(code) is not None

    # A ranged change, in LSP's lines (the form feed breaks no line).
    where = types.Range(types.Position(1, 0), types.Position(1, 1))
    _change(
        store,
        types.NotebookDocumentCellChanges(
            text_content=[
                types.NotebookDocumentCellContentChanges(
                    types.VersionedTextDocumentIdentifier(2, code),
                    [types.TextDocumentContentChangePartial(where, "C")],
                )
            ]
        ),
    )
    assert notebook.snapshot().code[0].text == "a = 1\fb\r\nC"
    assert notebook.snapshot().code[0].version == 2

    # A cell added in front, the raw cell made a code cell, the code cell moved last (a
    # delete and an insert of the same document: its text stays).
    added = "vscode-notebook-cell:/p/n.ipynb#Wnew"
    code_cell = notebook.cells[1]
    _change(
        store,
        types.NotebookDocumentCellChanges(
            structure=types.NotebookDocumentCellChangeStructure(
                types.NotebookCellArrayChange(0, 0, [types.NotebookCell(2, added)]),
                did_open=[_item(added, "x = 0")],
            )
        ),
    )
    _change(
        store,
        types.NotebookDocumentCellChanges(
            structure=types.NotebookDocumentCellChangeStructure(
                types.NotebookCellArrayChange(2, 2, [notebook.cells[3], code_cell])
            ),
            data=[types.NotebookCell(types.NotebookCellKind.Code, raw)],
        ),
    )
    snapshot = notebook.snapshot()
    assert [(c.number, c.text) for c in snapshot.code] == [(1, "x = 0"), (4, "a = 1\fb\r\nC")]
    # ... its language is raw: still not Python.  VS Code changes a language by closing the
    # cell's document and opening it again.
    _change(
        store,
        types.NotebookDocumentCellChanges(
            structure=types.NotebookDocumentCellChangeStructure(
                types.NotebookCellArrayChange(2, 1, [types.NotebookCell(2, raw)]),
                did_open=[_item(raw, "r = 2")],
                did_close=[types.TextDocumentIdentifier(raw)],
            )
        ),
    )
    assert [c.number for c in notebook.snapshot().code] == [1, 3, 4]

    assert store.closed("file:///p/n.ipynb") is notebook
    assert store.of_cell(code) is None and store.all() == []
    assert _change(store, types.NotebookDocumentCellChanges()) is None


def test_notebook_findings_go_to_their_cells_and_fixes_come_back(
    catalogue: dict[str, RuleDoc],
) -> None:
    store = Notebooks()
    notebook = _open(
        store,
        [
            ("code", "from keras import layers\n%matplotlib inline"),
            ("markdown", "m"),
            ("code", "class Scale(layers.Layer):\n    pass"),
        ],
    )
    snapshot = notebook.snapshot()
    python = snapshot.python
    assert python.split("\n")[3] == "class Scale(layers.Layer):"  # row 4
    # A fix in two cells (an import after cell 1's last import, a decorator in cell 3), in the
    # joined text's rows.
    fix = Fix(
        "Register",
        "unsafe",
        (
            Edit("import keras\n", Position(2, 1), Position(2, 1)),
            Edit("@register\n", Position(4, 1), Position(4, 1)),
        ),
    )
    finding = Finding("SER101", "m", Path("/p/n.ipynb"), Position(4, 7), Position(4, 12), fix=fix)
    syntax = Finding(
        "SER000", "Syntax error", Path("/p/n.ipynb"), Position(2, 1), Position(2, 1), cell=3
    )
    found = cell_diagnostics(snapshot, [finding, syntax], "utf-16", catalogue)
    cell_1, _, cell_3 = (c.document for c in notebook.cells)
    ((kept, diagnostic), (joined, error)) = found[uri_key(cell_3)]
    assert kept is finding  # in the joined text's rows, for the fixes
    assert diagnostic.range == types.Range(types.Position(0, 6), types.Position(0, 11))
    assert joined.start == Position(5, 1) and joined.cell is None  # back in the joined rows
    assert error.range.start == types.Position(1, 0)
    assert uri_key(cell_1) not in found

    target = NotebookTarget(Path("/p/n.ipynb"), snapshot, "utf-16")
    edit = target.fix_edit(finding)
    assert edit is not None and edit.changes is not None and list(edit.changes) == [cell_1, cell_3]
    texts = {c.uri: c.text for c in snapshot.code}
    assert client_apply(texts[cell_1], edit.changes[cell_1], "utf-16") == (
        "from keras import layers\nimport keras\n%matplotlib inline"
    )
    assert client_apply(texts[cell_3], edit.changes[cell_3], "utf-16") == (
        "@register\nclass Scale(layers.Layer):\n    pass"
    )
    comment, ignore = target.noqa(finding) or ("", None)
    assert comment == "# noqa: SER101" and ignore is not None and ignore.changes is not None
    assert client_apply(texts[cell_3], ignore.changes[cell_3], "utf-16").startswith(
        "class Scale(layers.Layer):  # noqa: SER101\n"
    )
    # Fix-all's text turned back into cells; a text that lost a marker gives no edit.
    assert target.fix_all_edit(python) is None
    assert target.fix_all_edit(python.replace("# serialint: cell 1\n", "")) is None


def test_pygls_keeps_no_copy_of_the_notebooks() -> None:
    """The server's protocol hands the notebook messages to the server's handlers alone: pygls'
    workspace (full sync) would take a ranged cell change's text for the whole cell."""
    server = build_server()
    params = types.DidChangeNotebookDocumentParams(
        types.VersionedNotebookDocumentIdentifier(2, "file:///p/never-opened.ipynb"),
        types.NotebookDocumentChangeEvent(),
    )
    for method in (
        types.NOTEBOOK_DOCUMENT_DID_OPEN,
        types.NOTEBOOK_DOCUMENT_DID_CHANGE,
        types.NOTEBOOK_DOCUMENT_DID_CLOSE,
    ):
        builtin = server.protocol.fm.builtin_features[method]
        # pygls' own handler would file it in the workspace first (a KeyError for a change of
        # a notebook it does not know); this one only passes it on.
        ((handler, args, _),) = list(builtin(params))
        assert handler is server.protocol.fm.features[method] and args == (params,)
