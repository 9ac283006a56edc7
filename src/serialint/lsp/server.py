"""The pygls wiring: LSP messages in, :mod:`serialint.lsp.projects` and the pure converters
(:mod:`~serialint.lsp.diagnostics`, :mod:`~serialint.lsp.actions`, :mod:`~serialint.lsp.hover`)
in between, diagnostics and edits out.

Everything runs on the server's event loop, one message at a time.  A document's changes are
linted once the typing pauses (``debounce`` seconds); opening, saving and any request on the
document lint it at once.

Documents are synchronised in full (``TextDocumentSyncKind.Full``) and kept by the server
itself (:mod:`serialint.lsp.documents`), not read from pygls' workspace: pygls applies
incremental changes with ``str.splitlines``, which breaks lines where LSP does not (form feeds,
``\x1c``, U+2028, ...), and rewrites the client's positions in place while doing it, so its text
would drift from the editor's.  A whole Python file per change costs next to nothing.

Everything kept per document is keyed by :func:`~serialint.lsp.uris.uri_key` (the decoded
URI), whatever spelling of its URI a message uses; diagnostics are published under the URI the
client opened the document with.

Jupyter notebooks come through LSP 3.17's notebook document sync (:mod:`serialint.lsp.notebooks`):
a notebook is linted as one text, its code cells joined as ``serialint check`` joins them, and
its diagnostics are published per cell, under each cell's text document URI.  The notebook and
its cells are kept by the server alone: pygls' own notebook handlers are replaced
(:class:`SerialintProtocol`), since pygls would apply the ranged changes clients send for cells as
whole-text replacements (it is set to full synchronisation) and log an error for each.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from serialint import __version__
from serialint.api import lint_source
from serialint.catalogue import RuleDoc, load_catalogue
from serialint.config import CONFIG_FILES
from serialint.findings import Finding
from serialint.lsp.actions import KINDS, Document, code_actions
from serialint.lsp.diagnostics import diagnostics
from serialint.lsp.documents import Documents, OpenDocument, is_python
from serialint.lsp.hover import code_at, hover_text
from serialint.lsp.notebooks import (
    SYNC,
    Notebooks,
    NotebookTarget,
    OpenNotebook,
    Snapshot,
    cell_diagnostics,
)
from serialint.lsp.positions import UTF16, LineIndex
from serialint.lsp.projects import Project, Projects, is_config_file
from serialint.lsp.settings import SECTION, Settings
from serialint.lsp.uris import document_path, uri_key
from serialint.notebooks import is_notebook
from serialint.paths import resolved

logger = logging.getLogger(__name__)

DEBOUNCE_S = 0.15
WATCHERS_ID = "serialint-watched-files"
_WATCHED = (*(f"**/{name}" for name in CONFIG_FILES), "**/*.py", "**/*.ipynb")


@dataclass(frozen=True)
class Linted:
    """A document's text as last linted, and what it gave."""

    text: str
    version: int | None
    findings: tuple[Finding, ...]
    diagnostics: tuple[types.Diagnostic, ...]
    project: Project


@dataclass(frozen=True)
class LintedNotebook:
    """A notebook's cells as last linted, and what they gave."""

    snapshot: Snapshot
    findings: tuple[Finding, ...]  # in the joined text's rows
    cells: dict[str, list[tuple[Finding, types.Diagnostic]]]  # by the cell's uri_key
    project: Project | None  # None: not linted (an `untitled:` notebook, an internal error)


class SerialintProtocol(LanguageServerProtocol):
    """pygls' protocol, but the notebooks' messages go to the server's handlers only: pygls'
    workspace does not keep (or mangle) a copy of them."""

    def _handled(self, method: str, params: Any) -> Generator[Any, Any, None]:
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(
        self, params: types.DidOpenNotebookDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._handled(types.NOTEBOOK_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(
        self, params: types.DidChangeNotebookDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._handled(types.NOTEBOOK_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(
        self, params: types.DidCloseNotebookDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._handled(types.NOTEBOOK_DOCUMENT_DID_CLOSE, params)


class SerialintServer(LanguageServer):
    """The language server's state: the projects, the settings, the last lint of each document."""

    def __init__(self, debounce: float = DEBOUNCE_S) -> None:
        super().__init__(
            "serialint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            notebook_document_sync=SYNC,
            protocol_cls=SerialintProtocol,
        )
        self.debounce = debounce
        self.catalogue: dict[str, RuleDoc] = load_catalogue()
        self.projects = Projects(self.catalogue)
        self.settings = Settings()
        self.documents = Documents()
        self.shutdown_requested = False  # the client sent `shutdown` (before `exit`)
        self.notebooks = Notebooks()
        self.linted: dict[str, Linted] = {}  # by uri_key
        self.linted_notebooks: dict[str, LintedNotebook] = {}  # by the notebook's uri_key
        self._pending: dict[str, asyncio.TimerHandle] = {}  # by uri_key (of a notebook too)
        self._shown: set[str] = set()  # messages already shown to the user
        self._tasks: set[asyncio.Future[None]] = set()  # running background requests

    # -- what the client told us ----------------------------------------------------------

    @property
    def exit_code(self) -> int:
        """The process's exit code once the connection ends: 0 after a `shutdown` request, 1
        otherwise (an `exit` without `shutdown`, or the client going away), as LSP asks."""
        return 0 if self.shutdown_requested else 1

    @property
    def encoding(self) -> str:
        value = self.workspace.position_encoding
        return str(getattr(value, "value", value) or UTF16)

    def folders(self) -> list[Path]:
        found = []
        for folder in self.workspace.folders.values():
            path = document_path(folder.uri)
            if path is not None:
                found.append(path)
        root = self.workspace.root_uri and document_path(self.workspace.root_uri)
        if root and root not in found:
            found.append(root)
        return found

    def open_python(self) -> list[OpenDocument]:
        return [d for d in self.documents.all() if is_python(d)]

    def markdown_hover(self) -> bool:
        hover = self.client_capabilities.text_document and (
            self.client_capabilities.text_document.hover
        )
        formats = hover.content_format if hover else None
        return not formats or types.MarkupKind.Markdown in formats

    # -- telling the user -------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        logger.info("%s", message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def tell(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        """Show (and log) ``message`` once, until the configuration is reloaded."""
        if message not in self._shown:
            self._shown.add(message)
            self.log(message, kind)
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def _report_config(self, project: Project) -> None:
        error = project.resolution.error
        if error is not None:
            self.tell(
                f"serialint: {error} (until it is fixed, files are checked with the last "
                "configuration that could be read, or the defaults)"
            )

    # -- linting ----------------------------------------------------------------------------

    def lint(self, document: OpenDocument) -> Linted | None:
        """Lint ``document`` now, publish its diagnostics, and keep the result.  A file its
        project excludes gets no diagnostics (and so no code actions)."""
        key = uri_key(document.uri)
        self._cancel(key)
        path = document_path(document.uri)
        if path is None or not is_python(document):
            return None
        text = document.text
        try:
            started = time.perf_counter()
            project, result = self.projects.lint(path, text, self.folders())
            self._report_config(project)
            if result is None:
                logger.debug("%s is excluded by its configuration: not checked", path)
            found = tuple(result.findings) if result is not None else ()
            published = tuple(diagnostics(found, text, self.encoding, self.catalogue))
        except Exception as error:  # a bug must not take the editor's linting down
            logger.exception("linting %s failed", path)
            self.tell(f"serialint: internal error linting {path}: {type(error).__name__}: {error}")
            return None
        linted = Linted(text, document.version, found, published, project)
        self.linted[key] = linted
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=document.uri, diagnostics=list(published), version=document.version
            )
        )
        logger.debug("linted %s in %.3fs", path, time.perf_counter() - started)
        return linted

    def lint_notebook(self, notebook: OpenNotebook) -> LintedNotebook:
        """Lint ``notebook`` now (its code cells, joined), publish each code cell's diagnostics,
        clear those of cells that are no longer code cells, and keep the result.  A notebook
        that is not a file (``untitled:``), or that failed to lint, gets nothing published and
        no code actions; one its project excludes, no diagnostics."""
        key = uri_key(notebook.uri)
        self._cancel(key)
        snapshot = notebook.snapshot()
        path = document_path(notebook.uri)
        if path is None:
            return LintedNotebook(snapshot, (), {}, None)
        try:
            started = time.perf_counter()
            project, result = self.projects.lint(path, snapshot.python, self.folders())
            self._report_config(project)
            if result is None:
                logger.debug("%s is excluded by its configuration: not checked", path)
            found = tuple(result.findings) if result is not None else ()
            cells = cell_diagnostics(snapshot, found, self.encoding, self.catalogue)
        except Exception as error:  # a bug must not take the editor's linting down
            logger.exception("linting %s failed", path)
            self.tell(f"serialint: internal error linting {path}: {type(error).__name__}: {error}")
            return LintedNotebook(snapshot, (), {}, None)
        logger.debug("linted %s in %.3fs", path, time.perf_counter() - started)
        before = self.linted_notebooks.get(key)
        linted = LintedNotebook(snapshot, found, cells, project)
        self.linted_notebooks[key] = linted
        for cell in snapshot.code:
            published = [d for _, d in cells.get(uri_key(cell.uri), [])]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=cell.uri, diagnostics=published, version=cell.version
                )
            )
        if before is not None:
            self._clear_cells(before.snapshot, keep=snapshot)
        return linted

    def _clear_cells(self, snapshot: Snapshot, keep: Snapshot | None = None) -> None:
        """Clear the diagnostics of ``snapshot``'s code cells (but those ``keep`` has)."""
        kept = {uri_key(c.uri) for c in keep.code} if keep is not None else set()
        for cell in snapshot.code:
            if uri_key(cell.uri) not in kept:
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=cell.uri, diagnostics=[])
                )

    def current_notebook(self, notebook: OpenNotebook) -> LintedNotebook:
        """The notebook's lint for its cells' current texts (linting it again if they changed)."""
        linted = self.linted_notebooks.get(uri_key(notebook.uri))
        if linted is not None and linted.snapshot == notebook.snapshot():
            return linted
        return self.lint_notebook(notebook)

    def current(self, uri: str) -> Linted | None:
        """The document's lint for its current text (linting it again if it changed)."""
        document = self.documents.get(uri)
        if document is None:
            return None
        linted = self.linted.get(uri_key(uri))
        if linted is not None and linted.text == document.text:
            return linted
        return self.lint(document)

    def lint_later(self, uri: str) -> None:
        key = uri_key(uri)
        self._cancel(key)
        if self.debounce <= 0:
            self._lint_uri(key)
            return
        loop = asyncio.get_running_loop()
        self._pending[key] = loop.call_later(self.debounce, self._lint_uri, key)

    def _lint_uri(self, key: str) -> None:
        self._pending.pop(key, None)
        document = self.documents.get(key)
        if document is not None:
            self.lint(document)
        notebook = self.notebooks.get(key)
        if notebook is not None:
            self.lint_notebook(notebook)

    def _cancel(self, key: str) -> None:
        handle = self._pending.pop(key, None)
        if handle is not None:
            handle.cancel()

    def lint_project(self, project: Project | None, done: str | None = None) -> None:
        """Lint again every open document of ``project`` (all of them for None) but ``done``
        (a URI)."""
        skipped = uri_key(done) if done is not None else None
        for document in self.open_python():
            key = uri_key(document.uri)
            if key == skipped:
                continue
            linted = self.linted.get(key)
            if project is None or linted is None or linted.project is project:
                self.lint(document)
        for notebook in self.notebooks.all():
            key = uri_key(notebook.uri)
            if key == skipped:
                continue
            linted_notebook = self.linted_notebooks.get(key)
            if project is None or linted_notebook is None or linted_notebook.project is project:
                self.lint_notebook(notebook)

    def reload(self, why: str) -> None:
        """Read every project again (a configuration changed) and lint every open document."""
        self.log(f"serialint: reloading the configuration ({why})", types.MessageType.Info)
        self.projects.clear()
        self._shown.clear()
        self.linted.clear()
        self.linted_notebooks.clear()
        folders = self.folders()
        buffers = [(d.uri, d.text) for d in self.open_python()]
        buffers += [(n.uri, n.snapshot().python) for n in self.notebooks.all()]
        for uri, text in buffers:
            path = document_path(uri)
            if path is None:
                continue
            try:  # every buffer first, so that each lint sees all of them
                self.projects.track(path, text, folders)
            except Exception:
                logger.exception("reading the project of %s failed", path)
        self.lint_project(None)

    # -- requests ---------------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        notebook = self.notebooks.of_cell(params.text_document.uri)
        if notebook is not None:
            return self.cell_code_actions(notebook, params)
        linted = self.current(params.text_document.uri)
        path = document_path(params.text_document.uri)
        if linted is None or path is None:
            return []
        document = Document(params.text_document.uri, path, linted.text, self.encoding)
        project = linted.project
        mode = self.settings.fix_mode

        def fixed_all() -> str:
            try:
                _, fixed = lint_source(project.current, resolved(path), linted.text, fix=mode)
                return fixed
            except Exception as error:  # the quick fixes are still worth answering with
                logger.exception("fixing %s failed", path)
                self.tell(
                    f"serialint: internal error fixing {path}: {type(error).__name__}: {error}"
                )
                return linted.text

        pairs = list(zip(linted.findings, linted.diagnostics, strict=True))
        return code_actions(document, pairs, params.range, params.context, fixed_all)

    def cell_code_actions(
        self, notebook: OpenNotebook, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        """The code actions of a notebook cell: its findings' fixes and noqa, and fix-all of
        the whole notebook, each edit made on the cells it changes."""
        linted = self.current_notebook(notebook)
        path = document_path(notebook.uri)
        project = linted.project
        uri = params.text_document.uri
        if path is None or project is None or linted.snapshot.cell(uri) is None:
            return []  # not checked, or not a code cell
        pairs = linted.cells.get(uri_key(uri), [])
        python = linted.snapshot.python
        mode = self.settings.fix_mode

        def fixed_all() -> str:
            try:
                _, fixed = lint_source(project.current, resolved(path), python, fix=mode)
                return fixed
            except Exception as error:
                logger.exception("fixing %s failed", path)
                self.tell(
                    f"serialint: internal error fixing {path}: {type(error).__name__}: {error}"
                )
                return python

        target = NotebookTarget(path, linted.snapshot, self.encoding)
        fixable = any(f.fix is not None for f in linted.findings)
        return code_actions(target, pairs, params.range, params.context, fixed_all, fixable)

    def _hover_text(self, uri: str) -> str | None:
        """The text of the Python document, or notebook code cell, ``uri`` names."""
        document = self.documents.get(uri)
        if document is not None and is_python(document):
            return document.text
        notebook = self.notebooks.of_cell(uri)
        cell = notebook.code_cell(uri) if notebook is not None else None
        return cell.text if cell is not None else None

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        text = self._hover_text(params.text_document.uri)
        if text is None:
            return None
        index = LineIndex.of(text)
        line_number = params.position.line
        if line_number >= len(index.starts):
            return None
        start = index.starts[line_number]
        column = index.offset_at(params.position, self.encoding) - start
        line = index.line(line_number)
        span = code_at(line, column)
        if span is None:
            return None
        markdown = self.markdown_hover()
        text = hover_text(span.code, self.catalogue, markdown)
        if text is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText,
                value=text,
            ),
            range=types.Range(
                index.lsp_position(start + span.start, self.encoding),
                index.lsp_position(start + span.end, self.encoding),
            ),
        )

    # -- notifications ----------------------------------------------------------------------

    def closed(self, uri: str) -> None:
        """The document is closed: forget it, and clear its diagnostics."""
        key = uri_key(uri)
        document = self.documents.closed(uri)
        self._cancel(key)
        self.linted.pop(key, None)
        path = document_path(uri)
        if path is not None and (document is None or is_python(document)):
            self.projects.close(path)
        if document is None or is_python(document):
            self.text_document_publish_diagnostics(  # under the URI they were published with
                types.PublishDiagnosticsParams(
                    uri=document.uri if document else uri, diagnostics=[]
                )
            )

    def notebook_opened(self, params: types.DidOpenNotebookDocumentParams) -> None:
        key = uri_key(params.notebook_document.uri)
        before = self.linted_notebooks.pop(key, None)
        if before is not None:  # opened again without a close
            self._clear_cells(before.snapshot)
        self.lint_notebook(self.notebooks.opened(params))

    def notebook_changed(self, params: types.DidChangeNotebookDocumentParams) -> None:
        notebook = self.notebooks.changed(params, self.encoding)
        cells = params.change.cells
        if notebook is None or cells is None:
            return  # not open, or only its metadata changed
        if cells.structure or cells.data:
            # Cells added, removed, moved or of another kind: now (but not when only a cell's
            # metadata or execution summary changed, as after each run of a cell).
            self.current_notebook(notebook)
        elif any(notebook.code_cell(c.document.uri) for c in cells.text_content or []):
            self.lint_later(notebook.uri)  # typing in a code cell: once it pauses

    def notebook_closed(self, uri: str) -> None:
        """The notebook is closed: forget it, and clear its cells' diagnostics."""
        key = uri_key(uri)
        self._cancel(key)
        notebook = self.notebooks.closed(uri)
        linted = self.linted_notebooks.pop(key, None)
        path = document_path(uri)
        if path is not None and notebook is not None:
            self.projects.close(path)
        if linted is not None:
            self._clear_cells(linted.snapshot)

    def notebook_saved(self, uri: str) -> None:
        notebook = self.notebooks.get(uri)
        path = document_path(uri)
        if notebook is None or path is None:
            return
        project = self.projects.saved(path)
        self.lint_notebook(notebook)
        if project is not None:
            self.lint_project(project, done=notebook.uri)

    def saved(self, params: types.DidSaveTextDocumentParams) -> None:
        path = document_path(params.text_document.uri)
        if path is None:
            return
        if is_config_file(path):
            self.reload(f"{path} was saved")
            return
        document = self.documents.get(params.text_document.uri)
        if document is None or not is_python(document):
            return
        project = self.projects.saved(path)
        self.lint(document)  # its project, if new, is read now
        if project is not None:  # None: nothing the other documents see changed
            self.lint_project(project, done=document.uri)

    def watched_files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [(document_path(c.uri), c.type) for c in params.changes]
        configs = [p for p, _ in paths if p is not None and is_config_file(p)]
        if configs:
            self.reload(", ".join(sorted({str(p) for p in configs})) + " changed")
            return
        created_or_deleted = (types.FileChangeType.Created, types.FileChangeType.Deleted)
        python = [
            (p, kind in created_or_deleted)
            for p, kind in paths
            if p and (p.suffix == ".py" or is_notebook(p))
        ]
        touched = self.projects.disk_changed(python) if python else []
        for project in touched:
            self.lint_project(project)

    def update_settings(self, raw: Any) -> None:
        before = self.settings
        self.settings = self.settings.updated(raw)
        if self.settings != before:
            self.log(f"serialint: settings are now {self.settings}")

    def pull_settings_soon(self) -> None:
        task = asyncio.ensure_future(self.pull_settings())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def pull_settings(self) -> None:
        """Ask the client for the ``serialint`` section, where it lets us."""
        workspace = self.client_capabilities.workspace
        if workspace is None or not workspace.configuration:
            return
        try:
            answer = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception as error:
            self.log(f"serialint: could not read the settings: {error}")
            return
        if answer:
            self.update_settings(answer[0])

    async def watch_files(self) -> None:
        """Have the client tell us when a configuration file (or a .py file) changes on disk."""
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched is None or not watched.dynamic_registration:
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in _WATCHED]
        )
        registration = types.Registration(
            id=WATCHERS_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await self.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as error:
            self.log(f"serialint: could not watch files: {error}")


def build_server(debounce: float = DEBOUNCE_S) -> SerialintServer:
    """A server with every feature registered (not started)."""
    server = SerialintServer(debounce)

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        server.update_settings(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        await server.watch_files()
        await server.pull_settings()

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None) -> None:
        server.shutdown_requested = True

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.lint(server.documents.opened(params.text_document))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        identifier = params.text_document
        document = server.documents.changed(
            identifier.uri, identifier.version, params.content_changes, server.encoding
        )
        if document is not None and is_python(document):
            server.lint_later(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        server.saved(params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        server.closed(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open_notebook(params: types.DidOpenNotebookDocumentParams) -> None:
        server.notebook_opened(params)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change_notebook(params: types.DidChangeNotebookDocumentParams) -> None:
        server.notebook_changed(params)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save_notebook(params: types.DidSaveNotebookDocumentParams) -> None:
        server.notebook_saved(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close_notebook(params: types.DidCloseNotebookDocumentParams) -> None:
        server.notebook_closed(params.notebook_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        server.watched_files_changed(params)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        if params.settings:
            server.update_settings(params.settings)  # now: before any request that follows
        else:
            server.pull_settings_soon()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(params: types.DidChangeWorkspaceFoldersParams) -> None:
        server.reload("the workspace folders changed")

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=list(KINDS))
    )
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        return server.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        return server.hover(params)

    return server
