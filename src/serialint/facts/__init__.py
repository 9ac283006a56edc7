"""Pass 1: per-file facts (pure; see facts.model)."""

from __future__ import annotations

import ast
import warnings
from dataclasses import replace

from serialint.facts.extract import extract
from serialint.facts.model import ModuleFacts
from serialint.findings import Finding
from serialint.notebooks import CellMap
from serialint.source import SourceFile, diagnostic

__all__ = ["ModuleFacts", "extract", "facts_of"]


def facts_of(source: SourceFile) -> ModuleFacts | Finding:
    """Parse ``source`` and extract its facts; a file that cannot be analysed is a SER000."""
    path = source.path
    try:
        with warnings.catch_warnings():
            # '\\d' in a string is a SyntaxWarning, not our business; with -W error it would
            # otherwise become a SyntaxError and hide the file's real findings.
            warnings.simplefilter("ignore")
            tree = ast.parse(source.text, filename=str(path))
    except SyntaxError as error:
        return diagnostic(path, f"Syntax error: {error.msg}", error.lineno or 1, error.offset or 1)
    except (RecursionError, MemoryError):
        return diagnostic(path, "File not checked: it is too deeply nested to parse")
    except ValueError as error:  # e.g. "source code string cannot contain null bytes"
        return diagnostic(path, f"File not checked: {error}")
    try:
        facts = extract(path, source.text, tree)
    except RecursionError:
        return diagnostic(path, "File not checked: it is too deeply nested to analyse")
    except Exception as error:  # a bug in serialint must cost one file, not the run
        return diagnostic(
            path,
            f"Internal error while reading this file ({type(error).__name__}: {error}); "
            "please report it to the serialint developers",
        )
    if path.suffix == ".ipynb":
        cells = CellMap.of(source.text)
        facts = replace(facts, cell_starts=tuple(zip(cells.starts, cells.cells, strict=True)))
    return facts
