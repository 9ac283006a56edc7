"""The language server, driven over stdio by a real LSP client (pygls'), as an editor drives it.

Each test starts ``python -m serialint server`` as a subprocess, speaks LSP to it, and checks
what comes back: diagnostics, code actions whose edits the client applies itself, hover.  Every
wait has a timeout, so a hang fails the test instead of blocking the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from serialint.cli import main

T = TypeVar("T")
WAIT_S = 15.0  # the longest any single answer may take
TEST_S = 45.0  # the longest a whole scenario may take

LAYERS = """\
import keras


class Scale(keras.layers.Layer):
    def call(self, x):
        return x
"""
REGISTER = 'Register `Scale` with @keras.saving.register_keras_serializable(package="pkg")'
DECORATOR = '@keras.saving.register_keras_serializable(package="pkg")\n'

BASE = """\
import keras


@keras.saving.register_keras_serializable(package="pkg")
class Base(keras.layers.Layer):
    pass
"""
OTHER = """\
from pkg.base import Base


class Offset(Base):
    def call(self, x):
        return x
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def project(root: Path) -> Path:
    """A package project: SER101's fix is safe there."""
    write(
        root,
        {
            "pyproject.toml": '[project]\nname = "demo"\n',
            "pkg/__init__.py": "",
            "pkg/layers.py": LAYERS,
            "pkg/base.py": BASE,
            "pkg/other.py": OTHER,
        },
    )
    return root


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def lsp_lines(text: str) -> list[str]:
    """The text's lines with their line breaks, as LSP counts them: only at \\n, \\r\\n and
    \\r (``str.splitlines`` also breaks at form feeds, U+2028 and more)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    """The client's own reading of an LSP position (independent of the server's code)."""
    lines = lsp_lines(text)
    start = sum(len(line) for line in lines[: position.line])
    if position.line >= len(lines):
        return len(text)
    line = lines[position.line].rstrip("\r\n")
    for index in range(len(line) + 1):
        if units(line[:index], encoding) >= position.character:
            return start + index
    return start + len(line)


def apply_text_edits(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    spans = [
        (offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), i, e)
        for i, e in enumerate(edits)
    ]
    for start, end, _, edit in sorted(spans, key=lambda s: (s[0], s[2]), reverse=True):
        text = text[:start] + edit.new_text + text[end:]
    return text


@dataclass
class Session:
    """One client connected to one server, and everything the server sent it."""

    client: LanguageClient
    encoding: str = "utf-16"
    settings: dict[str, Any] = field(default_factory=dict)  # the workspace/configuration answer
    published: list[types.PublishDiagnosticsParams] = field(default_factory=list)
    shown: list[types.ShowMessageParams] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)
    registrations: list[types.Registration] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    notebooks: dict[str, list[Cell]] = field(default_factory=dict)  # open notebooks' cells
    cell_numbers: Iterator[int] = field(default_factory=itertools.count)
    capabilities: types.ServerCapabilities | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def heard(self) -> None:
        self.arrived.set()

    async def until(self, found: Callable[[], T | None], what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while True:
            self.arrived.clear()
            value = found()
            if value is not None:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)

    def mark(self) -> int:
        return len(self.published)

    async def diagnostics(self, uri: str, after: int = 0) -> list[types.Diagnostic]:
        """The diagnostics of ``uri``'s current version published after ``after``."""

        def found() -> list[types.Diagnostic] | None:
            for params in reversed(self.published[after:]):
                if params.uri == uri and params.version == self.versions.get(uri):
                    return list(params.diagnostics)
            return None

        return await self.until(found, f"diagnostics of {uri} v{self.versions.get(uri)}")

    def open(self, path: Path, text: str | None = None, language: str = "python") -> str:
        uri = path.as_uri()
        self.texts[uri] = path.read_text() if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, language, 1, self.texts[uri])
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.texts[uri] = text
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(self.versions[uri], uri),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )

    def change_range(self, uri: str, where: types.Range, new_text: str) -> None:
        """A range change, as an editor syncing incrementally sends it (LSP's lines)."""
        edit = types.TextEdit(where, new_text)
        self.texts[uri] = apply_text_edits(self.texts[uri], [edit], self.encoding)
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(self.versions[uri], uri),
                [types.TextDocumentContentChangePartial(where, new_text)],
            )
        )

    def close(self, uri: str) -> None:
        self.texts.pop(uri, None)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
        )

    def apply(self, action: types.CodeAction, uri: str) -> str:
        """Apply the action's edit client-side and send the new text; returns it."""
        assert action.edit is not None and action.edit.changes is not None
        assert list(action.edit.changes) == [uri]
        text = apply_text_edits(self.texts[uri], action.edit.changes[uri], self.encoding)
        self.change(uri, text)
        return text

    # -- notebooks (notebookDocument/*), as VS Code syncs them -----------------------------

    def open_notebook(self, path: Path, cells: Sequence[tuple[str, str]]) -> list[str]:
        """Open the notebook at ``path`` with ``cells`` (kind "code" or "markdown", text);
        returns the cells' document URIs, in order."""
        uri = path.as_uri()
        self.notebooks[uri] = [self._new_cell(uri, kind, text) for kind, text in cells]
        self.versions[uri] = 1
        self.client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                types.NotebookDocument(
                    uri, "jupyter-notebook", 1, [c.lsp for c in self.notebooks[uri]]
                ),
                [c.item(self.versions[c.uri]) for c in self.notebooks[uri]],
            )
        )
        return [c.uri for c in self.notebooks[uri]]

    def _new_cell(self, notebook: str, kind: str, text: str) -> Cell:
        # As VS Code names cells: the notebook's path, a fragment per cell (percent-encoded).
        path = notebook.removeprefix("file://")
        cell = Cell(
            f"vscode-notebook-cell:{path}#W{next(self.cell_numbers)}sZmlsZQ%3D%3D", kind, text
        )
        self.versions[cell.uri] = 1
        return cell

    def _notebook_changed(self, uri: str, cells: types.NotebookDocumentCellChanges) -> None:
        self.versions[uri] += 1
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                types.VersionedNotebookDocumentIdentifier(self.versions[uri], uri),
                types.NotebookDocumentChangeEvent(cells=cells),
            )
        )

    def cell(self, uri: str) -> Cell:
        return next(c for cells in self.notebooks.values() for c in cells if c.uri == uri)

    def edit_cells(self, notebook: str, changes: dict[str, list[types.TextEdit]]) -> None:
        """Apply edits to cells and send them as VS Code does: ranged changes of the cells'
        text documents."""
        content = []
        for uri, edits in changes.items():
            cell = self.cell(uri)
            ranged = []
            for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character)):
                ranged.insert(0, types.TextDocumentContentChangePartial(edit.range, edit.new_text))
            cell.text = apply_text_edits(cell.text, edits, self.encoding)
            self.versions[uri] += 1
            identifier = types.VersionedTextDocumentIdentifier(self.versions[uri], uri)
            content.append(types.NotebookDocumentCellContentChanges(identifier, ranged))
        self._notebook_changed(notebook, types.NotebookDocumentCellChanges(text_content=content))

    def apply_to_cells(self, action: types.CodeAction, notebook: str) -> dict[str, str]:
        """Apply the action's edits to the cells they name; returns the cells' new texts."""
        assert action.edit is not None and action.edit.changes is not None
        self.edit_cells(notebook, action.edit.changes)
        return {uri: self.cell(uri).text for uri in action.edit.changes}

    def insert_cell(self, notebook: str, at: int, kind: str, text: str) -> str:
        cell = self._new_cell(notebook, kind, text)
        self.notebooks[notebook].insert(at, cell)
        structure = types.NotebookDocumentCellChangeStructure(
            types.NotebookCellArrayChange(at, 0, [cell.lsp]), did_open=[cell.item(1)]
        )
        self._notebook_changed(notebook, types.NotebookDocumentCellChanges(structure=structure))
        return cell.uri

    def delete_cell(self, notebook: str, at: int) -> str:
        cell = self.notebooks[notebook].pop(at)
        structure = types.NotebookDocumentCellChangeStructure(
            types.NotebookCellArrayChange(at, 1),
            did_close=[types.TextDocumentIdentifier(cell.uri)],
        )
        self._notebook_changed(notebook, types.NotebookDocumentCellChanges(structure=structure))
        return cell.uri

    def save_notebook(self, uri: str) -> None:
        self.client.notebook_document_did_save(
            types.DidSaveNotebookDocumentParams(types.NotebookDocumentIdentifier(uri))
        )

    def close_notebook(self, uri: str) -> None:
        cells = self.notebooks.pop(uri)
        self.client.notebook_document_did_close(
            types.DidCloseNotebookDocumentParams(
                types.NotebookDocumentIdentifier(uri),
                [types.TextDocumentIdentifier(c.uri) for c in cells],
            )
        )

    async def cleared(self, uri: str, after: int) -> None:
        """Wait for ``uri``'s diagnostics to be cleared (whatever its version)."""

        def found() -> bool | None:
            return any(p.uri == uri and not p.diagnostics for p in self.published[after:]) or None

        await self.until(found, f"{uri}'s diagnostics cleared")

    async def actions(
        self,
        uri: str,
        where: types.Range,
        only: list[str] | None = None,
        diagnostics: Sequence[types.Diagnostic] = (),
    ) -> list[types.CodeAction]:
        answer = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    types.TextDocumentIdentifier(uri),
                    where,
                    types.CodeActionContext(
                        diagnostics=list(diagnostics),
                        only=[types.CodeActionKind(k) if k in _KINDS else k for k in only]
                        if only
                        else None,
                    ),
                )
            ),
            WAIT_S,
        )
        return [a for a in answer or [] if isinstance(a, types.CodeAction)]

    async def hover(self, uri: str, line: int, character: int) -> types.Hover | None:
        return await asyncio.wait_for(
            self.client.text_document_hover_async(
                types.HoverParams(
                    types.TextDocumentIdentifier(uri), types.Position(line, character)
                )
            ),
            WAIT_S,
        )


_KINDS = {k.value for k in types.CodeActionKind}


@dataclass
class Cell:
    """A notebook cell as the client holds it."""

    uri: str
    kind: str  # "code" or "markdown"
    text: str

    @property
    def lsp(self) -> types.NotebookCell:
        kind = types.NotebookCellKind.Code if self.kind == "code" else types.NotebookCellKind.Markup
        return types.NotebookCell(kind, self.uri)

    def item(self, version: int) -> types.TextDocumentItem:
        language = "python" if self.kind == "code" else "markdown"
        return types.TextDocumentItem(self.uri, language, version, self.text)


@contextlib.asynccontextmanager
async def session(
    root: Path | None,
    *,
    cwd: Path,
    command: str = "server",
    argv: Sequence[str] | None = None,
    encodings: list[str] | None = None,
    options: Any = None,
    settings: dict[str, Any] | None = None,
) -> AsyncIterator[Session]:
    client = LanguageClient("serialint-tests", "0")
    state = Session(client, settings=settings or {})

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        state.published.append(params)
        state.heard()

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def on_message(params: types.ShowMessageParams) -> None:
        state.shown.append(params)
        state.heard()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def on_log(params: types.LogMessageParams) -> None:
        state.logged.append(params.message)
        state.heard()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams) -> None:
        state.registrations.extend(params.registrations)
        state.heard()

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def on_configuration(params: types.ConfigurationParams) -> list[Any]:
        state.heard()
        return [state.settings for _ in params.items]

    await client.start_io(sys.executable, *(argv or ["-m", "serialint", command]), cwd=str(cwd))
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        ),
        general=types.GeneralClientCapabilities(position_encodings=encodings)
        if encodings
        else None,
    )
    folders = [types.WorkspaceFolder(root.as_uri(), root.name)] if root else None
    result = await asyncio.wait_for(
        client.initialize_async(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=root.as_uri() if root else None,
                workspace_folders=folders,
                initialization_options=options,
            )
        ),
        WAIT_S,
    )
    state.capabilities = result.capabilities
    assert result.server_info is not None and result.server_info.name == "serialint"
    encoding = result.capabilities.position_encoding
    state.encoding = str(getattr(encoding, "value", encoding))
    client.initialized(types.InitializedParams())
    try:
        yield state
    finally:
        process = client._server
        if process is not None and process.returncode is None:  # not already exited
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown_async(None), WAIT_S)
                client.exit(None)
        await asyncio.wait_for(client.stop(), WAIT_S)


@dataclass
class Shared:
    """One server for many tests (starting one takes about a second): each test opens its own
    project's documents, and they are closed when it ends."""

    loop: asyncio.AbstractEventLoop
    session: Session

    def drive(self, scenario: Callable[[Session], Awaitable[None]]) -> None:
        async def bounded() -> None:
            try:
                await asyncio.wait_for(scenario(self.session), TEST_S)
            finally:
                for uri in list(self.session.texts):
                    self.session.client.text_document_did_close(
                        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
                    )
                self.session.texts.clear()
                for uri in list(self.session.notebooks):
                    self.session.close_notebook(uri)

        asyncio.run_coroutine_threadsafe(bounded(), self.loop).result(TEST_S + WAIT_S)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="lsp-client", daemon=True)
    thread.start()
    connected = session(None, cwd=tmp_path_factory.mktemp("lsp"))
    try:
        state = asyncio.run_coroutine_threadsafe(connected.__aenter__(), loop).result(WAIT_S)
        yield Shared(loop, state)
        asyncio.run_coroutine_threadsafe(connected.__aexit__(None, None, None), loop).result(
            WAIT_S * 2
        )
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT_S)
        loop.close()


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), TEST_S))


def whole_line(line: int) -> types.Range:
    return types.Range(types.Position(line, 0), types.Position(line, 200))


def titled(actions: list[types.CodeAction], title: str) -> types.CodeAction:
    for action in actions:
        if action.title == title:
            return action
    raise AssertionError(f"no action {title!r} in {[a.title for a in actions]}")


# -- diagnostics and quick fixes --------------------------------------------------------------


def test_diagnostic_then_quick_fix_clears_it(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        assert s.capabilities is not None
        assert s.encoding == "utf-16"  # the client offered nothing else
        uri = s.open(root / "pkg" / "layers.py")
        (found,) = await s.diagnostics(uri)
        assert found.code == "SER101"
        assert found.source == "serialint"
        assert found.severity == types.DiagnosticSeverity.Error
        assert found.code_description is not None
        assert found.code_description.href.endswith("/docs/rules/SER101.md")
        assert found.range == types.Range(types.Position(3, 6), types.Position(3, 11))
        assert "not registered" in found.message

        # The cursor on the class name: the fix and the noqa, no fix-all (no kind asked).
        cursor = types.Range(types.Position(3, 8), types.Position(3, 8))
        actions = await s.actions(uri, cursor, only=["quickfix"])
        fix = titled(actions, REGISTER)
        assert fix.kind == types.CodeActionKind.QuickFix
        assert fix.is_preferred
        assert fix.diagnostics and fix.diagnostics[0].code == "SER101"
        assert all(a.kind == types.CodeActionKind.QuickFix for a in actions)

        mark = s.mark()
        fixed = s.apply(fix, uri)
        assert fixed == LAYERS.replace("class Scale", DECORATOR + "class Scale")
        assert await s.diagnostics(uri, after=mark) == []
        # Nothing left to fix: no actions at all.
        assert await s.actions(uri, whole_line(4)) == []

    server.drive(scenario)


def test_project_index_and_unsaved_buffers(tmp_path: Path, server: Shared) -> None:
    """other.py's class is a Layer only through base.py, read from disk; an unsaved edit of
    base.py (open in the editor) counts once other.py is linted again."""
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        other = s.open(root / "pkg" / "other.py")
        assert [d.code for d in await s.diagnostics(other)] == ["SER101"]
        base = s.open(root / "pkg" / "base.py")
        assert await s.diagnostics(base) == []
        mark = s.mark()
        s.change(base, "class Base:\n    pass\n")  # not saved: no longer a Keras class
        assert await s.diagnostics(base, after=mark) == []
        mark = s.mark()
        s.change(other, s.texts[other] + "\n")
        assert await s.diagnostics(other, after=mark) == []

    server.drive(scenario)


def test_did_save_refreshes_the_project(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        other = s.open(root / "pkg" / "other.py")
        assert [d.code for d in await s.diagnostics(other)] == ["SER101"]
        base = s.open(root / "pkg" / "base.py")
        await s.diagnostics(base)
        # The editor writes base.py and says so: other.py is linted again at once.
        (root / "pkg" / "base.py").write_text("class Base:\n    pass\n")
        s.change(base, "class Base:\n    pass\n")
        mark = s.mark()
        s.save(base)
        assert await s.diagnostics(other, after=mark) == []

    server.drive(scenario)


def test_watched_python_file_changed_on_disk(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        other = s.open(root / "pkg" / "other.py")
        assert [d.code for d in await s.diagnostics(other)] == ["SER101"]
        (root / "pkg" / "base.py").write_text("class Base:\n    pass\n")  # not open
        mark = s.mark()
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent((root / "pkg" / "base.py").as_uri(), types.FileChangeType.Changed)]
            )
        )
        assert await s.diagnostics(other, after=mark) == []

        # A module created on disk (a `git checkout`): the project is read again.
        s.change(other, s.texts[other].replace("pkg.base", "pkg.fresh"))
        await s.diagnostics(other)
        (root / "pkg" / "fresh.py").write_text(BASE)
        mark = s.mark()
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [
                    types.FileEvent(
                        (root / "pkg" / "fresh.py").as_uri(), types.FileChangeType.Created
                    )
                ]
            )
        )
        assert [d.code for d in await s.diagnostics(other, after=mark)] == ["SER101"]

    server.drive(scenario)


def test_percent_encoded_uris_work_in_every_handler(tmp_path: Path, server: Shared) -> None:
    """A project directory whose URIs are percent-encoded (a space, a plus, a non-ASCII letter):
    open, change, code actions, hover, save, watched files and close all find the document and
    the project, and answer under the URI the client used."""
    root = project(tmp_path / "my project+\N{LATIN SMALL LETTER U WITH DIAERESIS}")

    async def scenario(s: Session) -> None:
        layers = s.open(root / "pkg" / "layers.py")
        assert all(code in layers for code in ("%20", "%2B", "%C3%BC"))
        (found,) = await s.diagnostics(layers)  # published under exactly that URI
        assert found.code == "SER101"
        actions = await s.actions(layers, found.range, only=["quickfix"])
        assert titled(actions, REGISTER).is_preferred  # the package project was found: safe
        # Another spelling of the same URI (lower-case escapes) names the same document.
        respelled = layers.replace("%C3%BC", "%c3%bc").replace("%2B", "+")
        assert [a.title for a in await s.actions(respelled, found.range, only=["quickfix"])] == [
            a.title for a in actions
        ]

        mark = s.mark()
        s.change(layers, s.texts[layers] + "\n")
        assert [d.code for d in await s.diagnostics(layers, after=mark)] == ["SER101"]
        mark = s.mark()
        text = s.apply(titled(actions, "Ignore SER101 with `# noqa: SER101`"), layers)
        assert await s.diagnostics(layers, after=mark) == []
        hover = await s.hover(layers, 3, text.splitlines()[3].index("SER101") + 1)
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert "unregistered-custom-object" in hover.contents.value

        # Save: base.py is read again from disk, and other.py (open) is linted again.
        other = s.open(root / "pkg" / "other.py")
        assert [d.code for d in await s.diagnostics(other)] == ["SER101"]
        base = s.open(root / "pkg" / "base.py")
        await s.diagnostics(base)
        (root / "pkg" / "base.py").write_text("class Base:\n    pass\n")
        s.change(base, "class Base:\n    pass\n")
        mark = s.mark()
        s.save(base)
        assert await s.diagnostics(other, after=mark) == []

        # Closed, then changed on disk and reported by the client's file watcher.
        mark = s.mark()
        s.close(base)
        await s.until(
            lambda: [p for p in s.published[mark:] if p.uri == base and not p.diagnostics] or None,
            "base.py's diagnostics to be cleared",
        )
        (root / "pkg" / "base.py").write_text(BASE)
        mark = s.mark()
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent((root / "pkg" / "base.py").as_uri(), types.FileChangeType.Changed)]
            )
        )
        assert [d.code for d in await s.diagnostics(other, after=mark)] == ["SER101"]

    server.drive(scenario)


# -- positions ---------------------------------------------------------------------------------

# Line 1 is a form feed; line 2's string holds characters that str.splitlines breaks at (LSP
# does not: only at \n, \r\n, \r).  Python agrees with LSP: `model` is on line 3.
ODD_BREAKS = (
    "import keras\n"
    "\x0c\n"
    'x = "\u2028\u2029\x85\x0b\x1c\x1d\x1e"\n'
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    'model.save("a.h5")\n'
)


def test_text_stays_in_step_at_characters_splitlines_breaks_at(
    tmp_path: Path, server: Shared
) -> None:
    """The server syncs whole documents (pygls' incremental sync splits lines with
    ``str.splitlines``); a range change sent anyway is applied with LSP's lines."""
    write(tmp_path, {"odd.py": ODD_BREAKS})

    async def scenario(s: Session) -> None:
        assert s.capabilities is not None
        sync = s.capabilities.text_document_sync
        assert isinstance(sync, types.TextDocumentSyncOptions)
        assert sync.change == types.TextDocumentSyncKind.Full
        uri = s.open(tmp_path / "odd.py")
        (found,) = await s.diagnostics(uri)
        assert found.code == "SER302"
        assert found.range.start == types.Position(4, 0)

        mark = s.mark()
        s.change(uri, ODD_BREAKS.replace("a.h5", "a.keras"))
        assert await s.diagnostics(uri, after=mark) == []

        # `a.keras` -> `b.h5` by range, on line 4 as LSP counts lines.
        mark = s.mark()
        s.change_range(uri, types.Range(types.Position(4, 12), types.Position(4, 19)), "b.h5")
        assert s.texts[uri] == ODD_BREAKS.replace("a.h5", "b.h5")
        (found,) = await s.diagnostics(uri, after=mark)
        assert found.code == "SER302" and found.range.start == types.Position(4, 0)

        # The fixes' edits land where the editor has the text.
        actions = await s.actions(uri, found.range)
        mark = s.mark()
        fixed = s.apply(titled(actions, "Save as `b.keras` (unsafe fix)"), uri)
        assert fixed == ODD_BREAKS.replace("a.h5", "b.keras")
        assert await s.diagnostics(uri, after=mark) == []
        s.change(uri, ODD_BREAKS)
        (found,) = await s.diagnostics(uri)
        ignore = titled(await s.actions(uri, found.range), "Ignore SER302 with `# noqa: SER302`")
        mark = s.mark()
        noqa = s.apply(ignore, uri)
        assert noqa == ODD_BREAKS.replace('"a.h5")\n', '"a.h5")  # noqa: SER302\n')
        assert await s.diagnostics(uri, after=mark) == []

    server.drive(scenario)


EMOJI = """\
import keras

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
label = "\N{GRINNING FACE}"; model.save("m.h5")
"""


def test_utf16_positions_after_an_emoji(tmp_path: Path, server: Shared) -> None:
    """The finding sits after a non-BMP character on its line: 2 UTF-16 code units, one
    character.  Its unsafe fix is applied by the client in UTF-16 and lands exactly."""
    write(tmp_path, {"e.py": EMOJI})

    async def scenario(s: Session) -> None:
        uri = s.open(tmp_path / "e.py")
        (found,) = await s.diagnostics(uri)
        assert found.code == "SER302"
        assert found.severity == types.DiagnosticSeverity.Warning
        # `label = "😀"; ` is 13 characters, 14 UTF-16 code units.
        assert found.range.start == types.Position(3, 14)
        (fix,) = [a for a in await s.actions(uri, found.range) if "noqa" not in a.title]
        assert fix.title.endswith("(unsafe fix)")
        assert not fix.is_preferred
        mark = s.mark()
        fixed = s.apply(fix, uri)
        assert fixed == EMOJI.replace('"m.h5"', '"m.keras"')
        assert await s.diagnostics(uri, after=mark) == []

    server.drive(scenario)


def test_negotiated_utf32_and_utf8(tmp_path: Path) -> None:
    write(tmp_path, {"e.py": EMOJI})

    async def scenario() -> None:
        for encoding, column in (("utf-32", 13), ("utf-8", 16)):
            async with session(None, cwd=tmp_path, encodings=[encoding, "utf-16"]) as s:
                assert s.encoding == encoding
                uri = s.open(tmp_path / "e.py")
                (found,) = await s.diagnostics(uri)
                assert found.range.start == types.Position(3, column)
                (fix,) = [a for a in await s.actions(uri, found.range) if "noqa" not in a.title]
                assert s.apply(fix, uri) == EMOJI.replace('"m.h5"', '"m.keras"')

    run(scenario)


# -- noqa and hover ----------------------------------------------------------------------------


def test_ignore_action_adds_noqa_and_hover_explains_it(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        uri = s.open(root / "pkg" / "layers.py")
        (found,) = await s.diagnostics(uri)
        actions = await s.actions(uri, found.range, diagnostics=[found])
        ignore = titled(actions, "Ignore SER101 with `# noqa: SER101`")
        assert ignore.kind == types.CodeActionKind.QuickFix
        mark = s.mark()
        text = s.apply(ignore, uri)
        line = "class Scale(keras.layers.Layer):  # noqa: SER101"
        assert text.splitlines()[3] == line
        assert await s.diagnostics(uri, after=mark) == []

        hover = await s.hover(uri, 3, line.index("SER101") + 2)
        assert hover is not None
        assert isinstance(hover.contents, types.MarkupContent)
        assert hover.contents.kind == types.MarkupKind.Markdown
        assert "unregistered-custom-object" in hover.contents.value
        assert "Custom Keras class is not registered for serialization" in hover.contents.value
        assert "/docs/rules/SER101.md" in hover.contents.value
        start = line.index("SER101")
        assert hover.range == types.Range(types.Position(3, start), types.Position(3, start + 6))
        assert await s.hover(uri, 3, 2) is None  # `class`: no code there
        assert await s.hover(uri, 0, 0) is None

    server.drive(scenario)


def test_hover_on_a_prefix_and_other_tools_codes(tmp_path: Path, server: Shared) -> None:
    text = "import os  # noqa: F401, SER3\n"
    write(tmp_path, {"h.py": text})

    async def scenario(s: Session) -> None:
        uri = s.open(tmp_path / "h.py")
        await s.diagnostics(uri)
        assert await s.hover(uri, 0, text.index("F401") + 1) is None
        hover = await s.hover(uri, 0, text.index("SER3") + 1)
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert "SER301" in hover.contents.value and "SER306" in hover.contents.value
        assert "SER101" not in hover.contents.value

    server.drive(scenario)


# -- fix all and settings ----------------------------------------------------------------------

TWO = """\
import keras


class Stretch(keras.layers.Layer):
    def call(self, x):
        return x


class Shift(keras.layers.Layer):
    def call(self, x):
        return x + 1
"""


def test_fix_all_applies_every_safe_fix(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)
    write(root, {"pkg/two.py": TWO})

    async def scenario(s: Session) -> None:
        uri = s.open(root / "pkg" / "two.py")
        assert [d.code for d in await s.diagnostics(uri)] == ["SER101", "SER101"]
        # As VS Code asks on save ("source.fixAll"): only the fix-all action comes back.
        (fix_all,) = await s.actions(uri, whole_line(0), only=["source.fixAll"])
        assert fix_all.kind == "source.fixAll.serialint"
        assert (await s.actions(uri, whole_line(0), only=["source"]))[0].kind == fix_all.kind
        mark = s.mark()
        text = s.apply(fix_all, uri)
        assert text.count(DECORATOR) == 2
        assert await s.diagnostics(uri, after=mark) == []
        assert await s.actions(uri, whole_line(0), only=["source.fixAll"]) == []

    server.drive(scenario)


SCRIPT = """\
import keras


class Scale(keras.layers.Layer):
    def call(self, x):
        return x
"""


def test_fix_all_applies_unsafe_fixes_only_when_configured(tmp_path: Path) -> None:
    """In a script SER101's fix is unsafe: fix-all leaves it unless ``unsafeFixes`` is set, by
    initializationOptions or by workspace/didChangeConfiguration."""
    write(tmp_path, {"script.py": SCRIPT})
    everything = ["quickfix", "source.fixAll.serialint"]

    async def scenario() -> None:
        async with session(None, cwd=tmp_path, options={"unsafeFixes": True}) as s:
            uri = s.open(tmp_path / "script.py")
            (found,) = await s.diagnostics(uri)
            kinds = [a.kind for a in await s.actions(uri, found.range, only=everything)]
            assert kinds.count("source.fixAll.serialint") == 1
            s.client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams({"unsafeFixes": False})
            )
            actions = await s.actions(uri, found.range, only=everything)
            assert [a.kind for a in actions] == ["quickfix", "quickfix"]  # fix (unsafe), noqa
            assert actions[0].title.endswith("(unsafe fix)")

        # Pulled with workspace/configuration after `initialized`, and again when a
        # didChangeConfiguration notification carries no settings; pushed in one.
        async with session(None, cwd=tmp_path, settings={"unsafeFixes": True}) as s:
            uri = s.open(tmp_path / "script.py")
            await s.diagnostics(uri)
            await s.until(
                lambda: [m for m in s.logged if "unsafe_fixes=True" in m] or None, "the pull"
            )
            assert len(await s.actions(uri, whole_line(0), only=["source.fixAll"])) == 1
            s.settings = {"serialint": {"unsafeFixes": False}}
            s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(None))
            await s.until(
                lambda: [m for m in s.logged if "unsafe_fixes=False" in m] or None, "the pull"
            )
            assert await s.actions(uri, whole_line(0), only=["source.fixAll"]) == []
            s.client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams({"serialint": {"unsafeFixes": True}})
            )
            (fix_all,) = await s.actions(uri, whole_line(0), only=["source.fixAll"])
            mark = s.mark()
            assert "@keras.saving.register_keras_serializable" in s.apply(fix_all, uri)
            assert await s.diagnostics(uri, after=mark) == []

    run(scenario)


# -- configuration -----------------------------------------------------------------------------


def test_config_reload_on_watched_files_and_on_save(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        uri = s.open(root / "pkg" / "layers.py")
        assert [d.code for d in await s.diagnostics(uri)] == ["SER101"]
        # The server asked to be told about configuration files.
        watched = await s.until(
            lambda: (
                [r for r in s.registrations if r.method == "workspace/didChangeWatchedFiles"]
                or None
            ),
            "the file watcher registration",
        )
        options = watched[0].register_options  # left unstructured by the client: JSON
        globs = [w["globPattern"] for w in options["watchers"]]
        assert {"**/pyproject.toml", "**/serialint.toml", "**/.serialint.toml"} <= set(globs)

        pyproject = root / "pyproject.toml"
        pyproject.write_text('[project]\nname = "demo"\n\n[tool.serialint]\nignore = ["SER101"]\n')
        mark = s.mark()
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent(pyproject.as_uri(), types.FileChangeType.Changed)]
            )
        )
        assert await s.diagnostics(uri, after=mark) == []

        # A broken configuration: a message, and the server goes on with the last good one.
        pyproject.write_text('[tool.serialint]\nignore = ["SER101"\n')
        mark = s.mark()
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent(pyproject.as_uri(), types.FileChangeType.Changed)]
            )
        )
        assert await s.diagnostics(uri, after=mark) == []
        shown = await s.until(
            lambda: [m for m in s.shown if "invalid TOML" in m.message] or None,
            "the configuration error message",
        )
        assert shown[0].type == types.MessageType.Error
        assert str(pyproject) in shown[0].message

        # Fixed and saved in the editor (a pyproject.toml document): read again.
        pyproject.write_text('[tool.serialint]\nselect = ["SER1"]\n')
        toml = s.open(pyproject, language="toml")
        mark = s.mark()
        s.save(toml)
        assert [d.code for d in await s.diagnostics(uri, after=mark)] == ["SER101"]
        # The TOML document itself is never linted.
        assert all(p.uri != toml for p in s.published)

    server.drive(scenario)


TRAIN = 'import keras\nm = keras.models.load_model("m.keras")\n'
GENERATED = "import keras\n\n\nclass Scale(keras.layers.Layer):\n    pass\n"


def test_excluded_files_are_not_checked_and_do_not_join_the_project(
    tmp_path: Path, server: Shared
) -> None:
    """As ruff's server (and whether or not ``force-exclude`` is set): a file the configuration
    excludes gets no diagnostics and no code actions, and its text (open, saved, or changed on
    disk) never reaches the other files' findings, as ``serialint check`` never reads it."""
    config = '[tool.serialint]\nkeras-version = 3\nextend-exclude = ["gen"]\n'
    write(tmp_path, {"pyproject.toml": config, "train.py": TRAIN, "gen/x.py": GENERATED})

    async def scenario(s: Session) -> None:
        train = s.open(tmp_path / "train.py")
        assert await s.diagnostics(train) == []
        generated = s.open(tmp_path / "gen" / "x.py")
        assert await s.diagnostics(generated) == []  # SER101 otherwise
        assert await s.actions(generated, whole_line(3)) == []
        mark = s.mark()
        s.change(train, TRAIN + "\n")
        assert await s.diagnostics(train, after=mark) == []  # SER401 (`Scale`) otherwise

        s.change(generated, GENERATED.replace("Scale", "Shift"))
        await s.diagnostics(generated)
        (tmp_path / "gen" / "x.py").write_text(GENERATED.replace("Scale", "Shift"))
        s.save(generated)
        (tmp_path / "gen" / "y.py").write_text(GENERATED)
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [
                    types.FileEvent(
                        (tmp_path / "gen" / "y.py").as_uri(), types.FileChangeType.Created
                    )
                ]
            )
        )
        mark = s.mark()
        s.change(train, TRAIN)
        assert await s.diagnostics(train, after=mark) == []

    server.drive(scenario)


def test_unknown_rule_in_config_is_reported_not_fatal(tmp_path: Path, server: Shared) -> None:
    write(tmp_path, {"serialint.toml": 'select = ["SER999"]\n', "s.py": SCRIPT})

    async def scenario(s: Session) -> None:
        uri = s.open(tmp_path / "s.py")
        assert [d.code for d in await s.diagnostics(uri)] == ["SER101"]  # the defaults
        shown = await s.until(
            lambda: [m for m in s.shown if "SER999" in m.message] or None, "the error"
        )
        assert "serialint.toml" in shown[0].message

    server.drive(scenario)


# -- robustness --------------------------------------------------------------------------------


def test_syntax_error_and_recovery(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        uri = s.open(root / "pkg" / "broken.py", "def f(:\n    pass\n")  # not on disk
        (found,) = await s.diagnostics(uri)
        assert found.code == "SER000"
        assert "Syntax error" in found.message
        assert found.range.start.line == 0
        assert await s.actions(uri, whole_line(0), only=["source.fixAll"]) == []
        mark = s.mark()
        s.change(uri, LAYERS)
        assert [d.code for d in await s.diagnostics(uri, after=mark)] == ["SER101"]

        # A non-file document and a non-Python one get nothing; the server stays up.
        notes = s.open(root / "notes.txt", "class Scale(keras.layers.Layer): pass\n", "plaintext")
        s.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem("untitled:Untitled-1", "python", 1, "import keras\n")
            )
        )
        assert await s.hover("untitled:Untitled-1", 0, 0) is None
        assert await s.hover(uri, 99, 99) is None
        assert not [p for p in s.published if p.uri in (notes, "untitled:Untitled-1")]

    server.drive(scenario)


def test_a_document_over_the_size_limit_gets_one_diagnostic(tmp_path: Path, server: Shared) -> None:
    """As ``serialint check``: a file over 1 MiB is not checked, whether read from disk or an
    editor's buffer, and saying so is quick."""
    big = EMOJI + "x = 1\n" * 200_000  # 1.1 MiB, and an SER302 the rules would find
    write(tmp_path, {"big.py": big})

    async def scenario(s: Session) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        uri = s.open(tmp_path / "big.py")
        (found,) = await s.diagnostics(uri)
        assert found.code == "SER000"
        assert "over the 1 MiB limit" in found.message
        mark = s.mark()
        s.change(uri, big + "y = 2\n" * 1000)
        (found,) = await s.diagnostics(uri, after=mark)
        assert found.code == "SER000"
        assert await s.actions(uri, whole_line(3)) == []
        assert await s.hover(uri, 3, 0) is None
        assert loop.time() - started < 5.0

    server.drive(scenario)


def test_close_clears_diagnostics(tmp_path: Path, server: Shared) -> None:
    root = project(tmp_path)

    async def scenario(s: Session) -> None:
        uri = s.open(root / "pkg" / "layers.py")
        assert await s.diagnostics(uri)
        mark = s.mark()
        s.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )
        await s.until(
            lambda: [p for p in s.published[mark:] if p.uri == uri and not p.diagnostics] or None,
            "the diagnostics to be cleared",
        )

    server.drive(scenario)


SERVE = "import sys; from serialint.lsp import serve; sys.exit(serve())"


@pytest.mark.parametrize("argv", [["-c", SERVE], ["-m", "serialint", "server"]])
def test_exit_code_follows_shutdown(argv: list[str], tmp_path: Path) -> None:
    """LSP: ``exit`` after ``shutdown`` ends the process with 0, ``exit`` alone with 1, from
    :func:`serialint.lsp.serve` and from ``serialint server``, which exits with what it returns."""
    codes: list[int | None] = []

    async def scenario() -> None:
        for shut_down in (True, False):
            async with session(None, cwd=tmp_path, argv=argv) as s:
                process = s.client._server
                assert process is not None
                if shut_down:
                    await asyncio.wait_for(s.client.shutdown_async(None), WAIT_S)
                s.client.exit(None)
                codes.append(await asyncio.wait_for(process.wait(), WAIT_S))

    run(scenario)
    assert codes == [0, 1]


def test_lone_file_outside_any_project_with_the_lsp_alias(tmp_path: Path) -> None:
    """No workspace folder, no project marker: the file is checked on its own."""
    write(tmp_path, {"lone/s.py": SCRIPT})
    process: list[int | None] = []

    async def scenario() -> None:
        async with session(None, cwd=tmp_path, command="lsp") as s:
            uri = s.open(tmp_path / "lone" / "s.py")
            assert [d.code for d in await s.diagnostics(uri)] == ["SER101"]
            process.append(None)
        server = s.client._server
        assert server is not None
        process[0] = server.returncode

    run(scenario)
    assert process == [0]  # shutdown then exit: a clean exit


# -- notebooks ------------------------------------------------------------------------------------

# A markdown cell, a layer, a magic, a save: the CLI reports cell 2 row 4 and cell 4 row 2.
NOTEBOOK = [
    ("markdown", "# Training\n"),
    (
        "code",
        "import keras\n\n\nclass Scale(keras.layers.Layer):\n"
        "    def call(self, x):\n        return x * 2",
    ),
    ("code", "%pip install keras"),
    ("code", "model = keras.Sequential([Scale()])\nmodel.save('m.h5')"),
]


def ipynb(cells: Sequence[tuple[str, str]]) -> str:
    """The notebook of ``cells`` as Jupyter writes it."""

    def cell(kind: str, text: str) -> dict[str, Any]:
        source = text.splitlines(keepends=True)
        if kind == "markdown":
            return {"cell_type": "markdown", "metadata": {}, "source": source}
        return {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": source,
        }

    document = {
        "cells": [cell(kind, text) for kind, text in cells],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def notebook_project(root: Path, cells: Sequence[tuple[str, str]], name: str) -> Path:
    write(root, {"pyproject.toml": "[tool.serialint]\n"})
    path = root / name
    path.write_text(ipynb(cells))
    return path


def cli_json(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, Any]]:
    """What ``serialint check --output-format json`` reports for ``path``."""
    main(["check", str(path), "--output-format", "json"])
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return found


def cli_fixed(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> list[str]:
    """The cells' sources after ``serialint check --fix`` (with ``args``) on ``path``."""
    main(["check", str(path), "--fix", *args])
    capsys.readouterr()
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]


def lsp_range(found: dict[str, Any]) -> types.Range:
    start, end = found["location"], found["end_location"]
    return types.Range(
        types.Position(start["row"] - 1, start["column"] - 1),
        types.Position(end["row"] - 1, end["column"] - 1),
    )


def test_notebook_cells_get_the_clis_findings_and_fixes(
    tmp_path: Path, server: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """notebookDocument/didOpen: each code cell's diagnostics under its own URI, at the cell
    and cell-relative rows `serialint check` reports for the notebook on disk; a quick fix and a
    noqa edit their cell; didChange with a cell's new text clears the diagnostic; hover in a
    cell; cells deleted and added; close."""
    path = notebook_project(tmp_path / "editor", NOTEBOOK, "train.ipynb")
    expected = cli_json(capsys, path)
    assert sorted((f["code"], f["cell"], f["location"]["row"]) for f in expected) == [
        ("SER101", 2, 4),
        ("SER302", 4, 2),
    ]
    on_disk = notebook_project(tmp_path / "cli", NOTEBOOK, "train.ipynb")
    cli_cells = cli_fixed(capsys, on_disk, "--unsafe-fixes", "--select", "SER101")

    async def scenario(s: Session) -> None:
        assert s.capabilities is not None and s.capabilities.notebook_document_sync is not None
        sync = s.capabilities.notebook_document_sync
        assert isinstance(sync, types.NotebookDocumentSyncOptions) and sync.save
        (selector,) = sync.notebook_selector
        assert isinstance(selector, types.NotebookDocumentFilterWithNotebook)
        assert isinstance(selector.notebook, types.NotebookDocumentFilterNotebookType)
        assert selector.notebook.notebook_type == "jupyter-notebook"
        assert selector.cells is None  # every cell: the markdown cells count in the numbers

        notebook = path.as_uri()
        cells = s.open_notebook(path, NOTEBOOK)
        published = {uri: await s.diagnostics(uri) for uri in cells[1:]}
        assert published[cells[2]] == []  # the %pip cell: nothing, and no SER000
        assert not [p for p in s.published if p.uri == cells[0]]  # markdown: never published
        for found in expected:
            (diagnostic,) = [
                d for d in published[cells[found["cell"] - 1]] if d.code == found["code"]
            ]
            assert diagnostic.range == lsp_range(found)
            assert diagnostic.message == f"{found['message']}\nHelp: {found['fix_hint']}"
        (scale,) = published[cells[1]]
        (save,) = published[cells[3]]

        # The quick fix edits its cell only, as `--fix` would; the new text clears it.
        actions = await s.actions(cells[1], scale.range, only=["quickfix"])
        fix = next(f["fix"]["message"] for f in expected if f["code"] == "SER101")
        mark = s.mark()
        assert s.apply_to_cells(titled(actions, f"{fix} (unsafe fix)"), notebook) == {
            cells[1]: cli_cells[1]
        }
        assert await s.diagnostics(cells[1], after=mark) == []
        assert await s.diagnostics(cells[3], after=mark) == [save]

        # Ignore SER302 in its cell, then hover over the code in the comment.
        actions = await s.actions(cells[3], save.range, only=["quickfix"])
        mark = s.mark()
        texts = s.apply_to_cells(titled(actions, "Ignore SER302 with `# noqa: SER302`"), notebook)
        assert texts == {cells[3]: NOTEBOOK[3][1] + "  # noqa: SER302"}
        assert await s.diagnostics(cells[3], after=mark) == []
        hover = await s.hover(cells[3], 1, texts[cells[3]].splitlines()[1].index("SER302") + 2)
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert "legacy-h5-format" in hover.contents.value
        assert await s.hover(cells[0], 0, 3) is None  # a markdown cell

        # Cells deleted and added (didClose/didOpen of their documents in the change).
        mark = s.mark()
        gone = s.delete_cell(notebook, 3)
        await s.cleared(gone, mark)
        mark = s.mark()
        added = s.insert_cell(notebook, 1, "code", "keras.Sequential().save('again.h5')")
        assert [d.code for d in await s.diagnostics(added, after=mark)] == ["SER302"]
        mark = s.mark()
        s.close_notebook(notebook)
        await s.cleared(added, mark)

    server.drive(scenario)


# Cell 1: an import and a magic; cell 3: a layer whose fix also imports `keras` into cell 1;
# cell 4: a %%time cell; cell 5: a layer with a safe fix (SER104).
SPREAD = [
    ("code", "from keras import layers\n%matplotlib inline"),
    ("markdown", "Two layers"),
    ("code", "class Scale(layers.Layer):\n    def call(self, x):\n        return x"),
    ("code", "%%time\nx = 1"),
    (
        "code",
        "class Units(layers.Layer):\n    def __init__(self, units):\n        super().__init__()\n"
        "        self.units = units\n\n    def get_config(self):\n"
        "        return {**super().get_config(), 'units': self.units}",
    ),
]


def test_notebook_fix_spanning_two_cells_and_fix_all(
    tmp_path: Path, server: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """SER101's fix puts `import keras` in cell 1 (after its last line, before nothing: the
    magic is put back) and the decorator in cell 3: one edit per cell, as `--fix` writes them;
    fix-all from any cell fixes the whole notebook as `serialint check --fix` does."""
    path = notebook_project(tmp_path / "editor", SPREAD, "spread.ipynb")
    quick = cli_fixed(
        capsys,
        notebook_project(tmp_path / "quick", SPREAD, "spread.ipynb"),
        "--unsafe-fixes",
        "--select",
        "SER101",
    )
    every = cli_fixed(capsys, notebook_project(tmp_path / "all", SPREAD, "spread.ipynb"))

    async def scenario(s: Session) -> None:
        notebook = path.as_uri()
        cells = s.open_notebook(path, SPREAD)
        (scale,) = await s.diagnostics(cells[2])
        assert sorted(d.code for d in await s.diagnostics(cells[4])) == ["SER101", "SER104"]
        (fix_all,) = await s.actions(cells[0], whole_line(0), only=["source.fixAll"])
        assert fix_all.edit is not None and list(fix_all.edit.changes or {}) == [cells[4]]

        actions = await s.actions(cells[2], scale.range, only=["quickfix"])
        register = next(a for a in actions if a.title.startswith("Register `Scale`"))
        mark = s.mark()
        texts = s.apply_to_cells(register, notebook)
        assert texts == {cells[0]: quick[0], cells[2]: quick[2]}
        assert await s.diagnostics(cells[2], after=mark) == []

        (fix_all,) = await s.actions(cells[2], whole_line(0), only=["source.fixAll"])
        mark = s.mark()
        s.apply_to_cells(fix_all, notebook)
        assert [d.code for d in await s.diagnostics(cells[4], after=mark)] == ["SER101"]
        assert s.cell(cells[4]).text == every[4]
        assert [s.cell(c).text for c in cells[:4]] == [quick[0], SPREAD[1][1], quick[2], every[3]]

        # The configuration changes on disk: the notebook is read and linted again.
        config = path.parent / "pyproject.toml"
        config.write_text('[tool.serialint]\nignore = ["SER101"]\n')
        mark = s.mark()
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent(config.as_uri(), types.FileChangeType.Changed)]
            )
        )
        assert await s.diagnostics(cells[4], after=mark) == []

    server.drive(scenario)


LOADS = "import keras\nfrom pkg.layers import Scale\n"
LOAD = "m = keras.models.load_model('m.keras')"


def test_notebook_in_its_project_and_saved(tmp_path: Path, server: Shared) -> None:
    """A notebook is linted within its project, and its unsaved cells count for the other
    files (named by cell, counting its markdown cell, as the CLI counts it); a module saved
    re-lints it; a notebook saved is read back from disk as a notebook (its cells, not its
    JSON) for the other files."""
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.serialint]\n",
            "pkg/__init__.py": "",
            "pkg/layers.py": "import keras\n\n\nclass Scale(keras.layers.Layer):\n    pass\n",
        },
    )
    path = tmp_path / "notebooks" / "serve.ipynb"
    path.parent.mkdir()
    passing = LOAD.replace(")", ", custom_objects={'Scale': Scale})")
    path.write_text(ipynb([("markdown", "# Serve"), ("code", LOADS), ("code", passing)]))
    dropped = [("markdown", "# Serve"), ("code", LOADS), ("code", LOAD)]

    async def scenario(s: Session) -> None:
        layers = s.open(tmp_path / "pkg" / "layers.py")
        assert await s.diagnostics(layers) == []  # the notebook's load passes custom_objects

        # The editor drops custom_objects: layers.py, linted again, sees the unsaved cell.
        notebook = path.as_uri()
        cells = s.open_notebook(path, [("markdown", "# Serve"), ("code", LOADS), ("code", passing)])
        assert await s.diagnostics(cells[2]) == []
        mark = s.mark()
        whole = types.Range(types.Position(0, 0), types.Position(0, 99))
        s.edit_cells(notebook, {cells[2]: [types.TextEdit(whole, LOAD)]})
        assert [d.code for d in await s.diagnostics(cells[2], after=mark)] == ["SER401"]
        mark = s.mark()
        s.change(layers, s.texts[layers] + "\n")
        (unregistered,) = await s.diagnostics(layers, after=mark)
        assert "serve.ipynb:cell 3:1" in unregistered.message

        # ... writes the notebook, saves it and closes it: the project holds its new cells.
        path.write_text(ipynb(dropped))
        s.save_notebook(notebook)
        mark = s.mark()
        s.close_notebook(notebook)
        await s.cleared(cells[2], mark)
        mark = s.mark()
        s.change(layers, s.texts[layers] + "\n")
        (unregistered,) = await s.diagnostics(layers, after=mark)
        assert "serve.ipynb:cell 3:1" in unregistered.message

        # Registering the layer, saved: the notebook (open again) is linted again at once.
        cells = s.open_notebook(path, dropped)
        assert [d.code for d in await s.diagnostics(cells[2])] == ["SER401"]
        registered = s.texts[layers].replace("class", f"{DECORATOR}class")
        (tmp_path / "pkg" / "layers.py").write_text(registered)
        s.change(layers, registered)
        mark = s.mark()
        s.save(layers)
        assert await s.diagnostics(cells[2], after=mark) == []

    server.drive(scenario)
