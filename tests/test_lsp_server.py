"""The language server, driven over stdio by a real LSP client (pygls'), as an editor drives it.

Each test starts ``python -m serialint server`` as a subprocess, speaks LSP to it, and checks
what comes back: diagnostics, code actions whose edits the client applies itself, hover.  Every
wait has a timeout, so a hang fails the test instead of blocking the run.
"""

from __future__ import annotations

import asyncio
import contextlib
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
