"""Open Jupyter notebooks (LSP 3.17 notebook document sync): their cells, the Python text the
code cells make, and the way back from that text's findings and fixes to the cells.

A notebook is linted as ``serialint check`` lints the ``.ipynb`` file:
:func:`serialint.notebooks.notebook_of_cells` joins its code cells in order, with the same cell
numbers (every cell counts, markdown too), magics and marker lines, so the findings are the
same.  They are published per cell, under the cell's text document URI, with rows counted
within the cell; a fix, a ``# noqa`` or fix-all is applied to the joined text and read back into
cells as ``--fix`` writes them (:func:`serialint.notebooks.code_cell_sources`), giving one edit
per changed cell document (a fix may touch two cells: an import in the first, a decorator in the
cell of the class).

The server asks for every cell of a ``jupyter-notebook`` (:data:`SYNC`), so that the cells are
numbered as the CLI numbers them.  A code cell is a cell of kind Code whose text document is
Python: markdown cells, raw cells (VS Code shows them as code cells in the language ``raw``) and
cells in other languages are counted but not checked, as ``serialint check`` counts markdown
cells.  The cells' texts are kept here, not by pygls: clients send ranged changes for cells
(VS Code always does), and pygls, set to full synchronisation for the server's text documents,
would take each range's text for the whole cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from lsprotocol import types

from serialint.catalogue import RuleDoc
from serialint.findings import Edit, Finding, Fix, Position
from serialint.fixes import FixMode, apply_edits, fix_text
from serialint.lsp.actions import minimal_edit
from serialint.lsp.diagnostics import diagnostic
from serialint.lsp.documents import OpenDocument, apply_change
from serialint.lsp.positions import LineIndex
from serialint.lsp.uris import uri_key
from serialint.notebooks import CellMap, Notebook, code_cell_sources, notebook_of_cells
from serialint.source import SourceFile
from serialint.suppress import noqa_edit

NOTEBOOK_TYPE = "jupyter-notebook"
CELL_LANGUAGE = "python"
# Every cell of a Jupyter notebook, not only its Python cells: a selector's `cells` are the
# cells a client syncs (VS Code's client leaves the others out of the `cells` array), and the
# cells' numbers, which the joined text's markers carry into messages ("train.ipynb:cell 3:1"),
# count markdown cells as Jupyter does.  The Python cells are picked here (OpenNotebook.is_code).
SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithNotebook(
            notebook=types.NotebookDocumentFilterNotebookType(notebook_type=NOTEBOOK_TYPE)
        )
    ],
    save=True,
)


@dataclass(frozen=True)
class CodeCell:
    """A code cell as it was linted."""

    number: int  # its place in the notebook, from 1, counting every cell
    uri: str  # its text document's URI, as the client sent it
    version: int | None
    text: str


@dataclass(frozen=True)
class Snapshot:
    """An open notebook's cells at one moment, and the Python text its code cells make."""

    uris: tuple[str, ...]  # every cell's text document URI, in the notebook's order
    code: tuple[CodeCell, ...]
    notebook: Notebook = field(compare=False)

    @cached_property
    def python(self) -> str:
        return self.notebook.python

    def cell(self, uri: str) -> CodeCell | None:
        key = uri_key(uri)
        return next((c for c in self.code if uri_key(c.uri) == key), None)

    def numbered(self, number: int | None) -> CodeCell | None:
        return next((c for c in self.code if c.number == number), None)


@dataclass
class OpenNotebook:
    uri: str  # as the client opened it
    version: int
    cells: list[types.NotebookCell]  # in order; each names its text document by URI
    texts: dict[str, OpenDocument] = field(default_factory=dict)  # by uri_key

    def is_code(self, cell: types.NotebookCell) -> bool:
        document = self.texts.get(uri_key(cell.document))
        return (
            cell.kind == types.NotebookCellKind.Code
            and document is not None
            and document.language_id == CELL_LANGUAGE
        )

    def code_cell(self, uri: str) -> OpenDocument | None:
        """The text of the code cell whose document is ``uri`` (None: no such code cell)."""
        key = uri_key(uri)
        for cell in self.cells:
            if uri_key(cell.document) == key and self.is_code(cell):
                return self.texts[key]
        return None

    def snapshot(self) -> Snapshot:
        pairs: list[tuple[str, str]] = []
        code: list[CodeCell] = []
        for number, cell in enumerate(self.cells, 1):
            if self.is_code(cell):
                document = self.texts[uri_key(cell.document)]
                pairs.append(("code", document.text))
                code.append(CodeCell(number, document.uri, document.version, document.text))
            else:
                kind = "markdown" if cell.kind == types.NotebookCellKind.Markup else "raw"
                pairs.append((kind, ""))
        uris = tuple(cell.document for cell in self.cells)
        return Snapshot(uris, tuple(code), notebook_of_cells(pairs))


def _opened(item: types.TextDocumentItem) -> OpenDocument:
    return OpenDocument(item.uri, item.language_id, item.version, item.text)


class Notebooks:
    """The notebooks the client has open, and their cells' text documents."""

    def __init__(self) -> None:
        self._open: dict[str, OpenNotebook] = {}  # by uri_key
        self._of_cell: dict[str, str] = {}  # a cell document's uri_key -> its notebook's

    def get(self, uri: str) -> OpenNotebook | None:
        return self._open.get(uri_key(uri))

    def all(self) -> list[OpenNotebook]:
        return list(self._open.values())

    def of_cell(self, uri: str) -> OpenNotebook | None:
        """The notebook holding the cell whose text document is ``uri``."""
        key = self._of_cell.get(uri_key(uri))
        return self._open.get(key) if key is not None else None

    def _add_texts(self, notebook: OpenNotebook, items: Iterable[types.TextDocumentItem]) -> None:
        for item in items:
            notebook.texts[uri_key(item.uri)] = _opened(item)
            self._of_cell[uri_key(item.uri)] = uri_key(notebook.uri)

    def _drop_texts(self, notebook: OpenNotebook, uris: Iterable[str]) -> None:
        for uri in uris:
            notebook.texts.pop(uri_key(uri), None)
            if self._of_cell.get(uri_key(uri)) == uri_key(notebook.uri):
                del self._of_cell[uri_key(uri)]

    def opened(self, params: types.DidOpenNotebookDocumentParams) -> OpenNotebook:
        document = params.notebook_document
        previous = self.get(document.uri)
        if previous is not None:  # opened again without a close: start afresh
            self._drop_texts(previous, list(previous.texts))
        notebook = OpenNotebook(document.uri, document.version, list(document.cells))
        self._open[uri_key(document.uri)] = notebook
        self._add_texts(notebook, params.cell_text_documents)
        return notebook

    def changed(
        self, params: types.DidChangeNotebookDocumentParams, encoding: str
    ) -> OpenNotebook | None:
        """Apply a ``notebookDocument/didChange``: the cells' structure (cells added, removed or
        moved, their documents opened and closed), then their kinds, then their texts (None:
        the notebook is not open)."""
        notebook = self.get(params.notebook_document.uri)
        if notebook is None:
            return None
        notebook.version = params.notebook_document.version
        cells = params.change.cells
        if cells is None:
            return notebook  # only the notebook's metadata changed
        structure = cells.structure
        if structure is not None:
            start = max(0, structure.array.start)
            end = start + max(0, structure.array.delete_count)
            notebook.cells[start:end] = list(structure.array.cells or [])
            # Closed first: a cell closed and opened again in one change (a new language) stays.
            self._drop_texts(notebook, [c.uri for c in structure.did_close or []])
            self._add_texts(notebook, structure.did_open or [])
        for data in cells.data or []:  # a cell's kind or metadata changed
            key = uri_key(data.document)
            notebook.cells = [data if uri_key(c.document) == key else c for c in notebook.cells]
        for content in cells.text_content or []:
            document = notebook.texts.get(uri_key(content.document.uri))
            if document is None:
                continue
            for change in content.changes:
                document.text = apply_change(document.text, change, encoding)
            document.version = content.document.version
        return notebook

    def closed(self, uri: str) -> OpenNotebook | None:
        notebook = self._open.pop(uri_key(uri), None)
        if notebook is not None:
            self._drop_texts(notebook, list(notebook.texts))
        return notebook


# -- findings into cells, edits back -------------------------------------------------------------


def joined(cells: CellMap, finding: Finding) -> Finding:
    """``finding`` in the joined text's rows, when it was reported in its cell's already (a
    syntax error, which the engine reports in its cell)."""
    if finding.cell is None or finding.cell not in cells.cells:
        return finding
    offset = cells.starts[cells.cells.index(finding.cell)] - 1

    def moved(position: Position) -> Position:
        return Position(position.row + offset, position.column)

    fix = finding.fix
    if fix is not None:
        edits = tuple(Edit(e.content, moved(e.start), moved(e.end)) for e in fix.edits)
        fix = Fix(fix.message, fix.applicability, edits)
    return replace(
        finding,
        start=moved(finding.start),
        end=moved(finding.end),
        fix=fix,
        noqa_row=finding.noqa_row + offset if finding.noqa_row is not None else None,
        cell=None,
        file_row=None,
    )


def cell_diagnostics(
    snapshot: Snapshot,
    findings: Iterable[Finding],
    encoding: str,
    catalogue: Mapping[str, RuleDoc],
) -> dict[str, list[tuple[Finding, types.Diagnostic]]]:
    """Each code cell's findings (by the uri_key of its document), each with its diagnostic in
    the cell's positions.  The findings are given, and kept, in the joined text's rows; one off
    every cell (there is none for a notebook of cells) would go on the first code cell."""
    cells = CellMap.of(snapshot.python)
    indexes: dict[int, LineIndex] = {}
    result: dict[str, list[tuple[Finding, types.Diagnostic]]] = {}
    for found in findings:
        finding = joined(cells, found)
        shown = cells.translate(finding)
        cell = snapshot.numbered(shown.cell) or (snapshot.code[0] if snapshot.code else None)
        if cell is None:
            continue
        index = indexes.setdefault(cell.number, LineIndex.of(cell.text))
        pair = (finding, diagnostic(shown, index, encoding, catalogue))
        result.setdefault(uri_key(cell.uri), []).append(pair)
    return result


def cell_edits(snapshot: Snapshot, python: str, encoding: str) -> dict[str, list[types.TextEdit]]:
    """The edits that make the cells hold ``python`` (the joined text, changed), one per cell
    that changes, by the cell documents' URIs; none when the text cannot be read back into
    these cells (as ``--fix`` then writes nothing)."""
    sources = code_cell_sources(snapshot.notebook, python)
    if sources is None:
        return {}
    changes: dict[str, list[types.TextEdit]] = {}
    for cell in snapshot.code:
        edits = minimal_edit(cell.text, sources[cell.number], encoding)
        if edits:
            changes[cell.uri] = edits
    return changes


@dataclass(frozen=True)
class NotebookTarget:
    """A notebook as the code actions see it: edits go to its cells
    (:class:`serialint.lsp.actions.Target`)."""

    path: Path
    snapshot: Snapshot
    encoding: str

    def _edit(self, python: str) -> types.WorkspaceEdit | None:
        changes = cell_edits(self.snapshot, python, self.encoding)
        return types.WorkspaceEdit(changes=changes) if changes else None

    def fix_edit(self, finding: Finding) -> types.WorkspaceEdit | None:
        if finding.fix is None:
            return None
        source = SourceFile(self.path, self.snapshot.python, "utf-8")
        fixed = fix_text(source, [finding], FixMode.UNSAFE)
        return self._edit(fixed.text) if fixed.applied else None

    def noqa(self, finding: Finding) -> tuple[str, types.WorkspaceEdit] | None:
        python = self.snapshot.python
        edit = noqa_edit(python, finding.start.row, {finding.code})
        if edit is None:
            return None
        workspace_edit = self._edit(apply_edits(python, [edit]))
        return (edit.content.strip(), workspace_edit) if workspace_edit is not None else None

    def fix_all_edit(self, fixed: str) -> types.WorkspaceEdit | None:
        return self._edit(fixed)
