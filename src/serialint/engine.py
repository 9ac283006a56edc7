"""The pipeline's steps, each plain data in and plain data out:

discover the inputs -> read each file into facts (pure, per file) -> join them into the project
-> run the rules on each file asked about -> suppress.  ``api`` composes them; the CLI, the
language server and the flake8 plugin call ``api``, never these steps directly.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from serialint.catalogue import RuleDoc
from serialint.config import Config
from serialint.facts import ModuleFacts, facts_of
from serialint.files import DEFAULT_EXCLUDES, ExcludeMatcher, discover
from serialint.findings import Finding, Position
from serialint.notebooks import (
    CellMap,
    Notebook,
    NotebookError,
    is_notebook,
    read_notebook,
    read_notebook_file,
)
from serialint.packaging import Packagings
from serialint.paths import resolved
from serialint.project import Module, Project
from serialint.rules import ALL_RULES
from serialint.rules.base import Rule, RuleContext
from serialint.source import DIAGNOSTIC_CODE, SourceFile, diagnostic, read_source, size_problem
from serialint.stack import deep_recursion
from serialint.suppress import PerFileIgnores, Suppressions


@contextmanager
def few_collections() -> Iterator[None]:
    """Facts are many small objects kept for the whole run, and no cycles: Python's cyclic
    collector would walk them again and again (half the run time on a 1,000-file tree).  A
    high first threshold, as mypy sets, keeps it for the rare real garbage."""
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def enabled_codes(
    all_codes: Iterable[str], select: Sequence[str], ignore: Sequence[str]
) -> set[str]:
    """Ruff's selection: prefixes allowed, ``ALL`` selects everything, ignore wins."""

    def matches(code: str, patterns: Sequence[str]) -> bool:
        return any(p == "ALL" or code.startswith(p) for p in patterns)

    return {
        code
        for code in all_codes
        if (not select or matches(code, select) or code == DIAGNOSTIC_CODE)
        and not matches(code, ignore)
    }


def exclude_matcher(config: Config) -> ExcludeMatcher:
    base = DEFAULT_EXCLUDES if config.exclude is None else config.exclude
    return ExcludeMatcher(config.root, (*base, *config.extend_exclude))


@dataclass(frozen=True)
class Inputs:
    targets: list[Path]  # the files to report on
    others: list[Path]  # the rest of the project, read for cross-file facts only
    problems: list[Finding]  # paths that could not be checked


def discover_inputs(paths: Sequence[Path], config: Config) -> Inputs:
    """The files asked about, and the project around them.

    With a project root (a configuration file, ``.git``, ``pyproject.toml``, ``setup.py``) the
    whole root is read for cross-file facts; without one, the project is exactly what was
    named, as ruff does.
    """
    matcher = exclude_matcher(config)
    targets = discover(paths, matcher, force=not config.force_exclude)
    keys = {resolved(p) for p in targets.files}
    others: list[Path] = []
    if config.index_root and config.root.is_dir():
        others = [
            p
            for p in discover([config.root], matcher, force=False).files
            if resolved(p) not in keys
        ]
    return Inputs(list(targets.files), others, list(targets.problems))


@dataclass(frozen=True)
class FileFacts:
    source: SourceFile  # for a notebook: its code cells joined (notebooks.Notebook.python)
    facts: ModuleFacts
    notebook: Notebook | None = None

    @property
    def cells(self) -> CellMap | None:
        if self.notebook is None:
            return None
        return CellMap.of(self.source.text, self.notebook)


def read_file(
    path: Path,
    text: str | None = None,
    like: SourceFile | None = None,
    notebook: Notebook | None = None,
) -> FileFacts | Finding:
    """One file's source and facts (pure in the file's contents), or why it cannot be read.
    ``text`` replaces what is on disk (an editor's buffer, a file being fixed: for a notebook,
    the joined cells of ``notebook``)."""
    source: SourceFile | Finding
    if text is None and is_notebook(path):
        read = read_notebook_file(path)
        if isinstance(read, Finding):
            return read
        notebook = read
        source = SourceFile(path, notebook.python, "utf-8")
    elif text is None:
        source = read_source(path)
    elif (too_big := size_problem(path, len(text.encode("utf-8", "surrogatepass")))) is not None:
        source = too_big  # an editor's buffer, standard input: the same limit as on disk
    else:
        source = SourceFile(
            path, text, like.encoding if like else "utf-8", like.bom if like else False
        )
        if notebook is not None:
            # Fixed cells: the notebook they would be stored as (for rows in its JSON).
            written = notebook.written(text)
            notebook = _reread(notebook, written) if written is not None else notebook
    if isinstance(source, Finding):
        return source
    with deep_recursion():
        facts = facts_of(source)
    if isinstance(facts, Finding):
        # A syntax error in a notebook is reported in its cell.
        return CellMap.of(source.text).translate(facts) if notebook is not None else facts
    return FileFacts(source, facts, notebook)


def _reread(notebook: Notebook, json_text: str) -> Notebook:
    try:
        return read_notebook(json_text)
    except NotebookError:
        return notebook


def join(facts: Iterable[ModuleFacts], config: Config, packaging: Packagings) -> Project:
    with deep_recursion():
        return Project(facts, config.root, config.keras_version, packaging)


def run_rules(
    file: FileFacts,
    project: Project,
    config: Config,
    catalogue: dict[str, RuleDoc],
    codes: set[str],
) -> list[Finding]:
    """Every enabled rule that can fire on this file; an internal error of one rule becomes an
    SER000 finding naming it, and the others still report."""
    module = project.modules.of(file.source.path)
    if module is None:
        return []
    findings: list[Finding] = []
    for rule in ALL_RULES:
        if rule.code not in codes:
            continue
        try:
            with deep_recursion():
                findings.extend(_check(rule, module, project, config, catalogue, file.source.path))
        except Exception as error:
            findings.append(_internal_error(file.source.path, rule.code, error))
    return findings


def _check(
    rule: type[Rule],
    module: Module,
    project: Project,
    config: Config,
    catalogue: dict[str, RuleDoc],
    path: Path,
) -> list[Finding]:
    if not rule.applies_to(module, project):
        return []
    context = RuleContext(module=module, project=project, config=config, doc=catalogue[rule.code])
    return [
        Finding(
            code=rule.code,
            message=v.message,
            path=path,
            start=Position(v.span.line, v.span.column),
            end=Position(v.span.end_line, v.span.end_column),
            fix_hint=v.fix_hint,
            fix=v.fix,
        )
        for v in rule().check(context)
    ]


def suppress(
    findings: list[Finding],
    text: str | None,
    path: Path,
    ignores: PerFileIgnores,
    codes: set[str],
    *,
    honour_noqa: bool = True,
    plain_noqa: bool = True,
) -> list[Finding]:
    """Drop what is disabled, ignored for this file, or marked ``# noqa`` on its line; each
    finding kept learns its noqa row (where a ``# noqa`` for it must go)."""
    ignored = ignores.ignored_codes(path)
    enabled = [
        f
        for f in findings
        if f.code in codes and not any(c == "ALL" or f.code.startswith(c) for c in ignored)
    ]
    if text is None or not enabled:
        return enabled
    suppressions = Suppressions.of(text, plain=plain_noqa)
    return [
        replace(f, noqa_row=suppressions.rows.row(f.start.row))
        for f in enabled
        if not (honour_noqa and suppressions.suppresses(f))
    ]


def _internal_error(path: Path, code: str, error: Exception) -> Finding:
    return diagnostic(
        path,
        f"Internal error in rule {code} on this file ({type(error).__name__}: {error}); "
        "please report it to the serialint developers",
    )
