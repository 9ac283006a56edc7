"""Jupyter notebooks as one Python program: the code cells joined in order, so a layer defined in
cell 2 and saved in cell 9 is judged together, as the kernel runs them.

The joined text is what every stage sees (facts, rules, suppression, fixes).  Each code cell is
followed by a marker line (``# serialint: cell 3``), so the cell a row belongs to can be read
from the text itself, before and after fixes insert lines.  IPython syntax is not Python: a line
magic, shell escape or help query (``%pip``, ``!ls``, ``x = !ls``, ``obj?``) becomes ``pass``
with a numbered placeholder comment, and a cell magic (``%%time``) blanks its cell; the original
lines are put back when fixes are written.

Writing a fixed notebook replaces only the sources of the code cells, and only when the JSON the
notebook is stored as can be written back byte for byte (Jupyter's own layout, or any indent
``json`` reproduces); outputs, metadata and key order stay as they were.
"""

from __future__ import annotations

import bisect
import json
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from serialint.findings import Edit, Finding, Fix, Position
from serialint.source import diagnostic

# A notebook carries outputs (images, tables) that can be large; the code in it is small.
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
_MARKER = re.compile(r"^# serialint: cell (\d+)$")
_MAGIC_PLACEHOLDER = re.compile(r"^(\s*)pass  # serialint: magic (\d+)$")
# IPython-only lines: `%magic`, `!shell`, `?obj` / `obj?`, and `x = !cmd` / `x = %magic`.
_MAGIC_LINE = re.compile(r"^\s*(?:[%!?]|[\w.]+\?\??\s*$|[\w.,\s\[\]()]+=\s*[!%])")


class NotebookError(ValueError):
    """Why a file is not a notebook serialint can read (reported as SER000)."""


@dataclass(frozen=True)
class CodeCell:
    index: int  # the cell's place in the notebook, from 1, counting every cell (as Jupyter shows)
    source: str  # as stored, joined into one string
    stored_as_list: bool  # `source` was a list of lines (the usual), not one string


@dataclass(frozen=True)
class Notebook:
    """A parsed notebook: its JSON, its code cells, and the Python text they make."""

    raw: Any  # the parsed JSON document
    json_text: str  # the file as read
    cells: tuple[CodeCell, ...]
    magics: tuple[str, ...]  # the original IPython lines, by placeholder number
    indent: int | None  # the JSON indent that reproduces json_text, or None when none does
    ensure_ascii: bool

    @property
    def python(self) -> str:
        """The code cells joined, each followed by its marker line."""
        parts = []
        for cell, lines in zip(self.cells, self._cell_lines(), strict=True):
            parts.extend(lines)
            parts.append(f"# serialint: cell {cell.index}")
        return "\n".join(parts) + "\n" if parts else ""

    def _cell_lines(self) -> list[list[str]]:
        """Each code cell's lines as Python (magics as numbered placeholders)."""
        result = []
        count = 0
        for cell in self.cells:
            lines, count = _python_lines(cell.source, count)
            result.append(lines)
        return result

    def file_rows(self) -> dict[tuple[int, int], int]:
        """(cell, row in the cell) -> the row of the JSON file that holds that source line, for
        tools that point into the file itself (GitHub annotations, SARIF, GitLab).  Found for
        sources stored one line per JSON line, as Jupyter writes them."""
        rows: dict[tuple[int, int], int] = {}
        json_lines = [line.strip().removesuffix(",") for line in self.json_text.split("\n")]
        at = 0
        for cell in self.cells:
            if not cell.stored_as_list:
                continue
            for number, line in enumerate(cell.source.splitlines(keepends=True), 1):
                encoded = json.dumps(line, ensure_ascii=self.ensure_ascii)
                try:
                    at = json_lines.index(encoded, at)
                except ValueError:
                    break  # another layout: this cell's rows are not known
                rows[(cell.index, number)] = at + 1
                at += 1
        return rows

    def written(self, python: str) -> str | None:
        """The notebook's JSON with its code cells' sources taken from ``python`` (a fixed
        :attr:`python`), or None when the cells cannot be told apart or the JSON could not be
        written back in its own layout."""
        if self.indent is None:
            return None
        sources = _cell_sources(python, self.magics)
        if sources is None or set(sources) != {c.index for c in self.cells}:
            return None
        document = json.loads(self.json_text)  # a fresh copy, in the file's key order
        for cell, lines in zip(self.cells, self._cell_lines(), strict=True):
            text = sources[cell.index]
            unchanged = "".join(f"{line}\n" for line in _restored(lines, self.magics))
            if text == unchanged:
                continue  # stored exactly as it was
            if _is_cell_magic(cell.source):
                return None  # a %%magic cell is not Python: a fix cannot have meant to edit it
            if not cell.source.endswith("\n"):
                text = text.removesuffix("\n")  # Jupyter stores the last line without one
            stored = document["cells"][cell.index - 1]
            stored["source"] = text.splitlines(keepends=True) if cell.stored_as_list else text
        return _dumps(document, self.indent, self.ensure_ascii) + _trailing(self.json_text)


def read_notebook(json_text: str) -> Notebook:
    """Parse a notebook (nbformat 4); raises NotebookError saying what is wrong."""
    try:
        document = json.loads(json_text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON ({error})") from None
    except RecursionError:
        raise NotebookError("its JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise NotebookError("its JSON is not an object")
    major = document.get("nbformat")
    if not isinstance(major, int) or major < 4:
        raise NotebookError(
            f"nbformat {major!r} is not supported (nbformat 4 is; convert it with "
            "`jupyter nbconvert --to notebook`)"
        )
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("it has no `cells` list")
    code = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"cell {number} is not a cell (no `cell_type`)")
        if cell["cell_type"] != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            code.append(CodeCell(number, "".join(source), True))
        elif isinstance(source, str):
            code.append(CodeCell(number, source, False))
        else:
            raise NotebookError(f"cell {number} has no `source` (a string or a list of strings)")
    if not _is_python(document):
        code = []  # an R or Julia notebook: nothing for serialint
    magics: list[str] = []
    for cell in code:
        magics.extend(_magic_lines(cell.source))
    indent, ensure_ascii = _layout(document, json_text)
    return Notebook(document, json_text, tuple(code), tuple(magics), indent, ensure_ascii)


def _is_python(document: dict[str, Any]) -> bool:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key, name in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        language = section.get(name) if isinstance(section, dict) else None
        if isinstance(language, str):
            return language.lower() == "python"
    return True


def _is_cell_magic(source: str) -> bool:
    first = next((line for line in source.splitlines() if line.strip()), "")
    return first.lstrip().startswith("%%")


def _magic_flags(lines: list[str]) -> list[bool]:
    """Which lines are IPython syntax: magic lines, and the lines a magic continues onto with a
    trailing backslash (`!python train.py \\` then `--epochs 3`)."""
    flags = []
    continued = False
    for line in lines:
        magic = continued or bool(_MAGIC_LINE.match(line))
        flags.append(magic)
        continued = magic and line.rstrip().endswith("\\")
    return flags


def _magic_lines(source: str) -> list[str]:
    if _is_cell_magic(source):
        return []
    lines = source.removesuffix("\n").split("\n") if source else []
    return [line for line, magic in zip(lines, _magic_flags(lines), strict=True) if magic]


def _python_lines(source: str, count: int) -> tuple[list[str], int]:
    """The cell's lines as Python, and the number of magic placeholders used so far."""
    lines = source.removesuffix("\n").split("\n") if source else []
    if _is_cell_magic(source):
        # `%%time`, `%%bash`...: the cell is not Python; its rows stay, blank.
        return [""] * len(lines), count
    result = []
    indent = ""
    previous = False
    for line, magic in zip(lines, _magic_flags(lines), strict=True):
        if magic:
            if not previous:  # a new magic, not a line a backslash continues it onto
                indent = line[: len(line) - len(line.lstrip())]
            result.append(f"{indent}pass  # serialint: magic {count}")
            count += 1
        else:
            result.append(line)
        previous = magic and line.rstrip().endswith("\\")
    return result, count


def _restored(lines: list[str], magics: tuple[str, ...]) -> list[str]:
    restored = []
    for line in lines:
        placeholder = _MAGIC_PLACEHOLDER.match(line)
        restored.append(magics[int(placeholder.group(2))] if placeholder else line)
    return restored


def _cell_sources(python: str, magics: tuple[str, ...]) -> dict[int, str] | None:
    """The code cells' texts read back from a (fixed) :attr:`Notebook.python`."""
    sources: dict[int, str] = {}
    current: list[str] = []
    for line in python.split("\n"):
        marker = _MARKER.match(line)
        if marker is not None:
            sources[int(marker.group(1))] = "".join(f"{text}\n" for text in current)
            current = []
            continue
        placeholder = _MAGIC_PLACEHOLDER.match(line)
        if placeholder is not None:
            number = int(placeholder.group(2))
            if number >= len(magics):
                return None
            line = magics[number]
        current.append(line)
    if any(line for line in current):
        return None  # text after the last marker: it belongs to no cell
    return sources


def _dumps(document: Any, indent: int, ensure_ascii: bool) -> str:
    return json.dumps(document, indent=indent, ensure_ascii=ensure_ascii)


def _trailing(text: str) -> str:
    return text[len(text.rstrip()) :]


def _layout(document: Any, json_text: str) -> tuple[int | None, bool]:
    """The ``json.dumps`` settings that write ``document`` back exactly as ``json_text``."""
    body = json_text.rstrip()
    for indent in (1, 2, 4, 3, 0):
        for ensure_ascii in (False, True):
            if _dumps(document, indent, ensure_ascii) == body:
                return indent, ensure_ascii
    return None, False


@dataclass(frozen=True)
class CellMap:
    """Where each row of a notebook's joined text comes from: its cell, and its row there."""

    starts: tuple[int, ...]  # the joined text's row where each cell begins, ascending
    cells: tuple[int, ...]  # the cell of each start
    file_rows: dict[tuple[int, int], int] = field(default_factory=dict)  # Notebook.file_rows

    @classmethod
    def of(cls, python: str, notebook: Notebook | None = None) -> CellMap:
        starts, cells = [], []
        begin = 1
        for row, line in enumerate(python.split("\n"), 1):
            marker = _MARKER.match(line)
            if marker is not None:
                starts.append(begin)
                cells.append(int(marker.group(1)))
                begin = row + 1
        return cls(tuple(starts), tuple(cells), notebook.file_rows() if notebook else {})

    def locate(self, row: int) -> tuple[int | None, int]:
        """``row`` of the joined text as (cell, row in that cell); (None, row) off the cells."""
        at = bisect.bisect_right(self.starts, row) - 1
        if at < 0:
            return None, row
        return self.cells[at], row - self.starts[at] + 1

    def joined_row(self, cell: int, row: int) -> int | None:
        """The row of the joined text that is ``row`` of ``cell``."""
        if cell not in self.cells:
            return None
        return self.starts[self.cells.index(cell)] + row - 1

    def _edit(self, edit: Edit) -> Edit:
        """An edit in the rows of its own cell (a fix may also edit an earlier cell: the
        import that registering a layer needs)."""
        cell, row = self.locate(edit.start.row)
        if cell is None:
            return edit
        offset = edit.start.row - row
        return Edit(
            edit.content,
            Position(row, edit.start.column),
            Position(max(1, edit.end.row - offset), edit.end.column),
            cell,
        )

    def translate(self, finding: Finding) -> Finding:
        """The finding as users see it: rows counted within its cell, and the cell named."""
        cell, row = self.locate(finding.start.row)
        if cell is None:
            return finding
        offset = finding.start.row - row
        fix = finding.fix
        if fix is not None:
            fix = Fix(fix.message, fix.applicability, tuple(self._edit(e) for e in fix.edits))
        noqa = finding.noqa_row - offset if finding.noqa_row is not None else None
        return replace(
            finding,
            start=Position(row, finding.start.column),
            end=Position(max(1, finding.end.row - offset), finding.end.column),
            fix=fix,
            noqa_row=noqa,
            cell=cell,
            file_row=self.file_rows.get((cell, row)),
        )


def is_notebook(path: Path) -> bool:
    return path.suffix == ".ipynb"


def read_notebook_file(path: Path) -> Notebook | Finding:
    """Read and parse the notebook at ``path``; what cannot be read is an SER000."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return diagnostic(path, "Notebook not checked: not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES:
            return diagnostic(
                path,
                f"Notebook not checked: {info.st_size / 2**20:.1f} MiB is over the "
                f"{MAX_NOTEBOOK_BYTES // 2**20} MiB limit",
            )
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return diagnostic(path, f"Notebook not checked: cannot read it ({reason})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return diagnostic(
            path, f"Notebook not checked: byte {error.start} is not UTF-8 (notebooks are UTF-8)"
        )
    try:
        return read_notebook(text)
    except NotebookError as error:
        return diagnostic(path, f"Notebook not checked: {error}")


def notebook_of_cells(cells: Iterable[tuple[str, str]]) -> Notebook:
    """The notebook an editor holds, from its cells' ``(cell type, source)`` pairs in order
    (``"code"``, ``"markdown"``, ``"raw"``, as nbformat names them): the same code cells,
    numbers (counting every cell), magics and so :attr:`Notebook.python` as :func:`read_notebook`
    gives for that notebook stored as JSON.  There is no JSON behind it: :meth:`Notebook.written`
    answers None and :meth:`Notebook.file_rows` is empty; :func:`code_cell_sources` reads a fixed
    text back into cells.  Which cells are Python code is the caller's to say."""
    code = tuple(
        CodeCell(number, source, False)
        for number, (kind, source) in enumerate(cells, 1)
        if kind == "code"
    )
    magics = tuple(line for cell in code for line in _magic_lines(cell.source))
    return Notebook(None, "", code, magics, None, False)


def code_cell_sources(notebook: Notebook, python: str) -> dict[int, str] | None:
    """Each code cell's source (by its number) after ``python``, a fixed :attr:`Notebook.python`,
    as :meth:`Notebook.written` would store it: magics put back, no final line break where the
    cell had none, an unchanged cell exactly as it was.  None when :meth:`Notebook.written`
    would write nothing for these cells (their markers are gone, text follows the last one, or
    a ``%%magic`` cell would change)."""
    sources = _cell_sources(python, notebook.magics)
    if sources is None or set(sources) != {c.index for c in notebook.cells}:
        return None
    result: dict[int, str] = {}
    for cell, lines in zip(notebook.cells, notebook._cell_lines(), strict=True):
        text = sources[cell.index]
        unchanged = "".join(f"{line}\n" for line in _restored(lines, notebook.magics))
        if text == unchanged:
            result[cell.index] = cell.source
            continue
        if _is_cell_magic(cell.source):
            return None
        result[cell.index] = text if cell.source.endswith("\n") else text.removesuffix("\n")
    return result
