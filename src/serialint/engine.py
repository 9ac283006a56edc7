"""The pipeline: discover -> read -> index (ast, every project file) -> rules (libcst, candidates)."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from serialint.catalogue import RuleDoc
from serialint.config import Config
from serialint.files import DEFAULT_EXCLUDES, ExcludeMatcher, discover
from serialint.findings import FileResult, Finding, Position
from serialint.index import ModuleSummary, ProjectIndex, summarize, unique_module_names
from serialint.paths import resolved
from serialint.rules import ALL_RULES, Rule
from serialint.rules.base import RuleContext
from serialint.source import DIAGNOSTIC_CODE, SourceFile, diagnostic, read_source
from serialint.suppress import PerFileIgnores, is_suppressed, line_suppressions


@dataclass
class CheckResult:
    files: list[FileResult] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # paths that could not be checked

    @property
    def findings(self) -> list[Finding]:
        found = [f for r in self.files for f in r.findings] + self.problems
        return sorted(found, key=lambda f: f.sort_key)


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


def check(
    paths: Sequence[Path], config: Config, catalogue: dict[str, RuleDoc], codes: set[str]
) -> CheckResult:
    matcher = exclude_matcher(config)
    targets = discover(paths, matcher)
    result = CheckResult(problems=list(targets.problems))
    # Cross-file knowledge comes from the whole project, reports only from the files asked for.
    project = discover([config.root], matcher, force=False).files if config.root.is_dir() else []
    target_keys = {_key(p) for p in targets.files}
    summaries: list[ModuleSummary] = []
    # Only the text of the files to report on is kept; trees are dropped once summarised.
    parsed: dict[Path, SourceFile | Finding] = {}
    everything = [*targets.files, *(p for p in project if _key(p) not in target_keys)]
    module_names = unique_module_names(everything, config.root)
    for path in everything:
        key = _key(path)
        if key in parsed:
            continue
        outcome = _parse(path)
        if isinstance(outcome, Finding):
            if key in target_keys:
                parsed[key] = outcome
            continue
        source, tree = outcome
        module, is_package = module_names.names[path]
        siblings = module_names.siblings.get(path.parent)
        try:
            summaries.append(summarize(path, tree, module, is_package, siblings=siblings))
        except RecursionError:
            if key in target_keys:
                parsed[key] = diagnostic(
                    path, "File not checked: it is too deeply nested to analyse"
                )
            continue
        if key in target_keys:
            parsed[key] = source
    summaries = _resolve_reexports(summaries, config, module_names.siblings)
    index = ProjectIndex(summaries, config.root, config.keras_version)
    rules = [rule for rule in ALL_RULES if rule.code in codes]
    per_file = PerFileIgnores(config.root, config.per_file_ignores)
    for path in targets.files:
        read = parsed[_key(path)]
        file_result = FileResult(path=path)
        if isinstance(read, Finding):
            file_result.findings.append(read)
        else:
            source = read
            file_result.lines = source.lines
            summary = index.by_path[path]
            file_result.findings.extend(
                _run_rules(source, summary, index, config, catalogue, rules)
            )
        ignored = per_file.ignored_codes(path)
        suppressions = (
            line_suppressions(read.text)
            if not isinstance(read, Finding) and file_result.findings
            else {}
        )
        file_result.findings = [
            f
            for f in file_result.findings
            if (f.code in codes or (f.code == DIAGNOSTIC_CODE and DIAGNOSTIC_CODE in codes))
            and not any(c == "ALL" or f.code.startswith(c) for c in ignored)
            and not is_suppressed(f, suppressions)
        ]
        result.files.append(file_result)
    if DIAGNOSTIC_CODE not in codes:
        result.problems = []
    return result


def _resolve_reexports(
    summaries: list[ModuleSummary], config: Config, siblings: dict[Path, dict[str, str]]
) -> list[ModuleSummary]:
    """Summarise again the (rare) modules that import Keras through a project package.

    ``from mypkg import keras`` only means Keras once the project is known, so those modules
    are read a second time with the import resolved; everything else is kept as it is.
    """
    index = ProjectIndex(summaries, config.root, config.keras_version)
    result = []
    for summary in summaries:
        resolved = index.reexported_keras_imports(summary)
        outcome = _parse(summary.path) if resolved else None
        if outcome is None or isinstance(outcome, Finding):
            result.append(summary)
            continue
        result.append(
            summarize(
                summary.path,
                outcome[1],
                summary.module,
                summary.is_package,
                resolved,
                siblings.get(summary.path.parent),
            )
        )
    return result


def _key(path: Path) -> Path:
    return resolved(path)


def _parse(path: Path) -> tuple[SourceFile, ast.Module] | Finding:
    source = read_source(path)
    if isinstance(source, Finding):
        return source
    try:
        with warnings.catch_warnings():
            # '\d' in a string is a SyntaxWarning, not our business; with -W error it would
            # otherwise become a SyntaxError and hide the file's real findings.
            warnings.simplefilter("ignore")
            tree = ast.parse(source.text, filename=str(path))
    except SyntaxError as error:
        return diagnostic(path, f"Syntax error: {error.msg}", error.lineno or 1, error.offset or 1)
    except (RecursionError, MemoryError):
        return diagnostic(path, "File not checked: it is too deeply nested to parse")
    except ValueError as error:  # e.g. "source code string cannot contain null bytes"
        return diagnostic(path, f"File not checked: {error}")
    return source, tree


def _run_rules(
    source: SourceFile,
    summary: ModuleSummary,
    index: ProjectIndex,
    config: Config,
    catalogue: dict[str, RuleDoc],
    rules: Sequence[type[Rule]],
) -> list[Finding]:
    """Pass 2 on one file: only the rules that can fire here, in one libcst traversal."""
    applicable = [rule for rule in rules if rule.applies_to(summary, index)]
    if not applicable:
        return []  # the common case: no libcst parse at all
    try:
        wrapper = MetadataWrapper(cst.parse_module(source.text), unsafe_skip_copy=True)
    except (cst.ParserSyntaxError, RecursionError) as error:
        return [diagnostic(source.path, f"File not checked: libcst cannot parse it ({error})")]

    def context(rule: type[Rule]) -> RuleContext:
        return RuleContext(summary=summary, index=index, config=config, doc=catalogue[rule.code])

    contexts = [context(rule) for rule in applicable]
    findings: list[Finding] = []
    try:
        wrapper.visit_batched([rule(ctx) for rule, ctx in zip(applicable, contexts, strict=True)])
    except Exception:
        # Find the failing rule(s) one by one; the others still report.
        contexts = []
        for rule in applicable:
            ctx = context(rule)
            try:
                wrapper.visit_batched([rule(ctx)])
            except Exception as error:
                findings.append(_internal_error(source.path, rule.code, error))
                continue
            contexts.append(ctx)
    reports = [report for ctx in contexts for report in ctx.reports]
    if reports:
        # Positions need a full code-generation pass: pay for it only when something is reported.
        positions = wrapper.resolve(PositionProvider)
        for report in reports:
            where = positions[report.node]
            findings.append(
                Finding(
                    code=report.code,
                    message=report.message,
                    path=source.path,
                    start=Position(where.start.line, where.start.column + 1),
                    end=Position(where.end.line, where.end.column + 1),
                    fix_hint=report.fix_hint,
                    fix=report.fix,
                )
            )
    return findings


def _internal_error(path: Path, code: str, error: Exception) -> Finding:
    return diagnostic(
        path,
        f"Internal error in rule {code} on this file ({type(error).__name__}: {error}); "
        "please report it to the serialint developers",
    )
