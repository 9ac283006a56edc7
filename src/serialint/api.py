"""The one lint API.  The CLI, the language server, the flake8 plugin and pre-commit all call it,
so they give the same findings.

- :func:`lint_paths`: lint files and directories (and fix them, or show the diff);
- :class:`Workspace` + :meth:`Workspace.lint_text`: lint one text (an editor buffer, stdin)
  within a project whose facts are already known.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from serialint.catalogue import RuleDoc, load_catalogue
from serialint.config import Config
from serialint.engine import (
    FileFacts,
    Inputs,
    discover_inputs,
    few_collections,
    join,
    read_file,
    run_rules,
    suppress,
)
from serialint.facts import ModuleFacts
from serialint.findings import FileResult, Finding
from serialint.fixes import (
    FixMode,
    apply_edits,
    bytes_problem,
    encoded,
    fix_text,
    parse_problem,
    unified_diff,
    write_if_unchanged,
)
from serialint.notebooks import Notebook, read_notebook_file
from serialint.packaging import Packagings, read_packagings
from serialint.paths import relative_posix, report_root, resolved
from serialint.project import Project
from serialint.runtime.confirmation import Confirmation, ConfirmOptions, Progress, confirm
from serialint.source import DIAGNOSTIC_CODE, SourceFile, diagnostic, read_source
from serialint.suppress import PerFileIgnores, noqa_edit

_MAX_FIX_ROUNDS = 10  # a fix that moves text may make room for another; ruff iterates too
_MAX_SAME_FIX = 3  # a fix whose finding keeps coming back is tried on that many look-alikes


@dataclass
class LintResult:
    files: list[FileResult] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # paths that could not be checked
    fixed: list[Finding] = field(default_factory=list)  # findings whose fix was applied
    rejected: list[Finding] = field(default_factory=list)  # fixes dropped: they broke the file
    stale: list[Path] = field(default_factory=list)  # not fixed: changed on disk meanwhile
    diffs: list[str] = field(default_factory=list)  # with --diff: what --fix would change
    # How the report is shown (set by the CLI): --unsafe-fixes makes unsafe fixes count as
    # available; --quiet prints the findings only; --show-fixes lists what --fix fixed.
    unsafe_fixes: bool = False
    quiet: bool = False
    show_fixes: bool = False
    # Which Keras the findings were judged by, and why ("Judged by Keras 3 semantics (...)").
    semantics: str = ""
    confirmation: Confirmation | None = None  # with --confirm: the verdicts' summary
    root: Path | None = None  # the project root: CI formats show paths relative to it

    @property
    def findings(self) -> list[Finding]:
        """Every finding as reported (in a notebook, rows counted within the cell)."""
        found = [f for r in self.files for f in r.reported()] + self.problems
        return sorted(found, key=lambda f: f.sort_key)

    @classmethod
    def merged(cls, results: Sequence[LintResult]) -> LintResult:
        """One result for several projects linted at once (files of several subprojects)."""
        if len(results) == 1:
            return results[0]
        roots = {r.root for r in results if r.root is not None}
        confirmations = [r.confirmation for r in results if r.confirmation is not None]
        return cls(
            files=[f for r in results for f in r.files],
            problems=[p for r in results for p in r.problems],
            fixed=[f for r in results for f in r.fixed],
            rejected=[f for r in results for f in r.rejected],
            stale=[p for r in results for p in r.stale],
            diffs=[d for r in results for d in r.diffs],
            semantics=" ".join(dict.fromkeys(r.semantics for r in results if r.semantics)),
            confirmation=Confirmation.merged(confirmations) if confirmations else None,
            root=Path(os.path.commonpath(sorted(str(r) for r in roots))) if roots else None,
        )


@dataclass
class Workspace:
    """The facts of every file of a project, joined: lint any of its files, or a new text."""

    config: Config
    codes: set[str]
    catalogue: dict[str, RuleDoc]
    packaging: Packagings
    files: dict[Path, FileFacts | Finding]
    project: Project

    @classmethod
    def load(
        cls,
        paths: Sequence[Path],
        config: Config,
        codes: set[str] | None = None,
        catalogue: dict[str, RuleDoc] | None = None,
    ) -> tuple[Workspace, Inputs]:
        catalogue = catalogue or load_catalogue()
        inputs = discover_inputs(paths, config)
        files: dict[Path, FileFacts | Finding] = {}
        with few_collections():
            for path in [*inputs.targets, *inputs.others]:
                files.setdefault(resolved(path), read_file(path))
            readable = [f.source.path for f in files.values() if isinstance(f, FileFacts)]
            packaging = (
                read_packagings(config.root, readable) if config.index_root else Packagings({})
            )
            project = join(_facts(files), config, packaging)
        workspace = cls(
            config,
            codes if codes is not None else set(catalogue),
            catalogue,
            packaging,
            files,
            project,
        )
        return workspace, inputs

    def lint_file(self, path: Path) -> FileResult:
        read = self.files.get(resolved(path))
        result = FileResult(path=path)
        if read is None:
            read = diagnostic(path, "File not checked: it is not part of this project")
        if isinstance(read, Finding):
            result.findings = [read] if DIAGNOSTIC_CODE in self.codes else []
            return result
        result.lines = read.source.lines
        result.cells = read.cells
        found = run_rules(read, self.project, self.config, self.catalogue, self.codes)
        ignores = PerFileIgnores(self.config.root, self.config.per_file_ignores)
        result.findings = suppress(
            found,
            read.source.text,
            path,
            ignores,
            self.codes,
            honour_noqa=not self.config.ignore_noqa,
            plain_noqa=not self.config.external_noqa,
        )
        return result

    def texts(self) -> dict[Path, str]:
        """Every readable file's text, by resolved path (what ``--confirm`` copies from)."""
        return {
            key: read.source.text for key, read in self.files.items() if isinstance(read, FileFacts)
        }

    def lint_text(self, path: Path, text: str) -> FileResult:
        """Lint ``text`` as the contents of ``path`` (which need not exist on disk yet)."""
        read = self.files.get(resolved(path))
        if isinstance(read, FileFacts) and _newlines(read.source.text) == _newlines(text):
            # What the project holds already (newline style moves no row or column): joining
            # the project again around the same text would change nothing.
            return self.lint_file(path)
        return self.replaced({path: text}).lint_file(path)

    def replaced(self, texts: dict[Path, str]) -> Workspace:
        """The same project with some files' contents replaced."""
        files = dict(self.files)
        for path, text in texts.items():
            key = resolved(path)
            before = files.get(key)
            if isinstance(before, FileFacts):
                files[key] = read_file(path, text, before.source, before.notebook)
            else:
                files[key] = read_file(path, text)
        project = join(_facts(files), self.config, self.packaging)
        return Workspace(self.config, self.codes, self.catalogue, self.packaging, files, project)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _key(finding: Finding) -> tuple[Path, str, str]:
    """A finding across fix rounds, whose rows move as fixes insert lines."""
    return (resolved(finding.path), finding.code, finding.message)


def _line_key(finding: Finding, result: FileResult) -> tuple[tuple[Path, str, str], str]:
    """... told apart from its look-alikes by the text of the line it starts on."""
    row = finding.start.row
    line = result.lines[row - 1].strip() if 1 <= row <= len(result.lines) else ""
    return (_key(finding), line)


def _facts(files: dict[Path, FileFacts | Finding]) -> list[ModuleFacts]:
    return [f.facts for f in files.values() if isinstance(f, FileFacts)]


def lint_paths(
    paths: Sequence[Path],
    config: Config,
    codes: set[str] | None = None,
    *,
    fix: FixMode = FixMode.NONE,
    diff: bool = False,
    catalogue: dict[str, RuleDoc] | None = None,
    confirming: ConfirmOptions | None = None,
    progress: Progress | None = None,
) -> LintResult:
    """Lint ``paths``; with ``fix``, apply the allowed fixes (written, or shown with ``diff``);
    with ``confirming``, replay each finding under real Keras (raises RuntimeUnavailable when
    TensorFlow is not installed)."""
    with few_collections():
        workspace, outcome = _lint_paths(paths, config, codes, fix, diff, catalogue)
    if confirming is not None:
        confirm_result(workspace, outcome, confirming, progress)
    return outcome


def confirm_result(
    workspace: Workspace,
    outcome: LintResult,
    options: ConfirmOptions,
    progress: Progress | None = None,
) -> None:
    """Give every finding of ``outcome`` its runtime verdict (the ``--confirm`` stage)."""
    every = [f for result in outcome.files for f in result.findings]
    confirmation = confirm(every, workspace.project, workspace.texts(), options, progress)
    judged = iter(confirmation.findings)
    for result in outcome.files:
        result.findings = [next(judged) for _ in result.findings]
    outcome.confirmation = confirmation


def _fix_rounds(
    workspace: Workspace, targets: Sequence[Path], outcome: LintResult, fix: FixMode
) -> tuple[Workspace, dict[Path, str]]:
    """Apply the fixes ``fix`` allows to ``outcome``'s files, round after round, until nothing
    changes; ``outcome`` then holds what remains.  Returns the fixed texts by resolved path."""
    results = outcome.files
    texts: dict[Path, str] = {}
    # A finding fixed once and reported again means its fix did not work: never apply it twice.
    # It is known by its line's text too: a class defined twice under one name is reported
    # again, with the same message, once the first is fixed; that one is another finding.
    attempted: set[tuple[tuple[Path, str, str], str]] = set()
    applied: Counter[tuple[Path, str, str]] = Counter()
    dropped: set[tuple[tuple[Path, str, str], str]] = set()
    for _ in range(_MAX_FIX_ROUNDS):
        changed = False
        for result in results:
            read = workspace.files.get(resolved(result.path))
            if not isinstance(read, FileFacts):
                continue
            fresh = [
                f
                for f in result.findings
                if _line_key(f, result) not in attempted and applied[_key(f)] < _MAX_SAME_FIX
            ]
            fixed = fix_text(read.source, fresh, fix)
            for finding in fixed.applied:
                attempted.add(_line_key(finding, result))
                applied[_key(finding)] += 1
            for finding, _ in fixed.rejected:
                if _line_key(finding, result) not in dropped:
                    dropped.add(_line_key(finding, result))
                    outcome.rejected.append(finding)
            if fixed.applied:
                outcome.fixed += fixed.applied
                texts[resolved(result.path)] = fixed.text
                changed = True
        if not changed:
            break
        workspace = workspace.replaced(texts)
        results = [workspace.lint_file(p) for p in targets]
    # A fix that was dropped is no longer offered.
    for result in results:
        result.findings = [
            replace(f, fix=None) if _line_key(f, result) in dropped else f for f in result.findings
        ]
    outcome.files = results
    return workspace, texts


def lint_source(
    workspace: Workspace, path: Path, text: str, *, fix: FixMode = FixMode.NONE
) -> tuple[LintResult, str]:
    """Lint ``text`` as the contents of ``path`` within ``workspace`` (standard input, an editor
    buffer); with ``fix``, also return the text with the allowed fixes applied."""
    workspace = workspace.replaced({path: text})
    outcome = LintResult(
        files=[workspace.lint_file(path)],
        semantics=workspace.project.semantics.summary,
        root=report_root(workspace.config.root),
    )
    if fix is FixMode.NONE:
        return outcome, text
    _, texts = _fix_rounds(workspace, [path], outcome, fix)
    return outcome, texts.get(resolved(path), text)


@dataclass
class NoqaResult:
    """What ``--add-noqa`` did: the findings now marked, and those it could not mark."""

    added: list[Finding] = field(default_factory=list)
    unmarked: list[Finding] = field(default_factory=list)  # the file would no longer parse
    files: int = 0  # files written

    @classmethod
    def merged(cls, results: Sequence[NoqaResult]) -> NoqaResult:
        return cls(
            [f for r in results for f in r.added],
            [f for r in results for f in r.unmarked],
            sum(r.files for r in results),
        )


def add_noqa(
    paths: Sequence[Path],
    config: Config,
    codes: set[str] | None = None,
    catalogue: dict[str, RuleDoc] | None = None,
) -> NoqaResult:
    """Mark every current finding with ``# noqa: CODE`` on its row (a clean baseline)."""
    with few_collections():
        workspace, outcome = _lint_paths(paths, config, codes, FixMode.NONE, False, catalogue)
    done = NoqaResult()
    for result in outcome.files:
        read = workspace.files.get(resolved(result.path))
        findings = [f for f in result.findings if f.code != DIAGNOSTIC_CODE]
        if not isinstance(read, FileFacts) or not findings:
            continue
        text = read.source.text
        by_row: dict[int, list[Finding]] = {}
        for finding in findings:
            by_row.setdefault(finding.noqa_row or finding.start.row, []).append(finding)
        edits = []
        for row, on_row in sorted(by_row.items()):
            edit = noqa_edit(text, row, {f.code for f in on_row})
            if edit is not None:  # None: marked already (reported under --ignore-noqa)
                edits.append(edit)
                done.added += on_row
        marked = apply_edits(text, edits)
        data = stored_form(read, marked)
        if parse_problem(marked, text) is not None or data is None:
            # Never write a file that would no longer parse: its findings stay unmarked.
            marked_here = [f for f in done.added if f in findings]
            done.added = [f for f in done.added if f not in findings]
            done.unmarked += marked_here
            continue
        if edits and write_if_unchanged(read.source.path, data, partial(_unchanged, read)):
            done.files += 1
        elif edits:  # changed on disk meanwhile: not marked
            done.added = [f for f in done.added if f not in findings]
            done.unmarked += findings
    return done


def _lint_paths(
    paths: Sequence[Path],
    config: Config,
    codes: set[str] | None,
    fix: FixMode,
    diff: bool,
    catalogue: dict[str, RuleDoc] | None,
) -> tuple[Workspace, LintResult]:
    workspace, inputs = Workspace.load(paths, config, codes, catalogue)
    targets = inputs.targets
    results = [workspace.lint_file(p) for p in targets]
    outcome = LintResult(
        files=results,
        problems=[p for p in inputs.problems if DIAGNOSTIC_CODE in workspace.codes],
        semantics=workspace.project.semantics.summary,
        root=report_root(config.root),
    )
    if fix is FixMode.NONE:
        return workspace, outcome
    original = {
        resolved(p): f for p in targets if isinstance(f := workspace.files[resolved(p)], FileFacts)
    }
    first = {resolved(r.path): r for r in outcome.files}
    workspace, texts = _fix_rounds(workspace, targets, outcome, fix)
    for key, text in texts.items():
        read = original[key]
        if text == read.source.text:
            continue
        written = stored_form(read, text)
        if written is None:
            # The text parses but could not be stored (a coding cookie pushed down; a notebook
            # whose JSON layout could not be kept): nothing is written, the fixes of this file
            # are reported as dropped, and its findings are what they were.
            unwritten = [f for f in outcome.fixed if resolved(f.path) == key]
            outcome.fixed = [f for f in outcome.fixed if resolved(f.path) != key]
            outcome.rejected += unwritten
            outcome.files = [
                _without_fixes(first[key]) if resolved(r.path) == key else r for r in outcome.files
            ]
            continue
        if diff:
            before = read.notebook.json_text if read.notebook else read.source.text
            after = written.decode("utf-8") if read.notebook else text
            outcome.diffs.append(unified_diff(key, before, after, relative_posix(key, config.root)))
        elif not write_if_unchanged(read.source.path, written, partial(_unchanged, read)):
            # Changed on disk since it was read (an editor saved it, another run fixed it):
            # the fixes were computed from the old text, so they are not applied.
            outcome.stale.append(read.source.path)
            outcome.fixed = [f for f in outcome.fixed if resolved(f.path) != key]
            outcome.files = [
                _without_fixes(first[key]) if resolved(r.path) == key else r for r in outcome.files
            ]
    return workspace, outcome


def _unchanged(read: FileFacts) -> bool:
    """Whether ``read``'s file still holds what was read (its text: no parse needed)."""
    path = read.source.path
    if read.notebook is not None:
        now_notebook = read_notebook_file(path)
        return (
            isinstance(now_notebook, Notebook) and now_notebook.json_text == read.notebook.json_text
        )
    now = read_source(path)
    return (
        isinstance(now, SourceFile) and now.text == read.source.text and now.bom == read.source.bom
    )


def _without_fixes(result: FileResult) -> FileResult:
    return replace(result, findings=[replace(f, fix=None) for f in result.findings])


def stored_form(read: FileFacts, text: str) -> bytes | None:
    """The bytes that store ``text`` as the new contents of ``read``'s file (a module's source
    in its encoding, BOM and line endings; a notebook's JSON with its code cells replaced), or
    None when they cannot be written faithfully."""
    if read.notebook is not None:
        json_text = read.notebook.written(text)
        return json_text.encode("utf-8") if json_text is not None else None
    data = encoded(read.source, text)
    return None if bytes_problem(data) is not None else data
