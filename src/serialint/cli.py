"""Command line: ``serialint check``, ``serialint rules``, ``serialint explain``.

Exit codes follow ruff: 0 no findings, 1 findings, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from serialint import __version__
from serialint.api import (
    LintResult,
    NoqaResult,
    Workspace,
    add_noqa,
    lint_paths,
    lint_source,
)
from serialint.catalogue import CatalogueError, RuleDoc, load_catalogue
from serialint.config import (
    Config,
    ConfigError,
    config_for,
    configs_for,
    validate_codes,
    with_overrides,
)
from serialint.docs import rule_markdown
from serialint.engine import enabled_codes, exclude_matcher
from serialint.findings import Finding
from serialint.fixes import FixMode, encoded, unified_diff
from serialint.report import FORMATS
from serialint.report.progress import confirm_progress
from serialint.report.summary import diff_summary
from serialint.runtime import ConfirmOptions, RuntimeUnavailable, runtime_problem
from serialint.runtime.confirmation import DEFAULT_TIMEOUT_S
from serialint.source import decode_source

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# A reader that stops early (`| head`): 1, as Python exits on EPIPE and as rich (the full
# format, `rules`) exits by itself, so that every format ends with the same code.
EXIT_BROKEN_PIPE = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="serialint",
        description="Find the code that will make a saved Keras model impossible to load.",
    )
    parser.add_argument("--version", action="version", version=f"serialint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check_cmd = commands.add_parser("check", help="check files or directories")
    check_cmd.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    check_cmd.add_argument("--select", help="comma-separated rule codes or prefixes to enable")
    check_cmd.add_argument("--ignore", help="comma-separated rule codes or prefixes to disable")
    check_cmd.add_argument(
        "--output-format", choices=sorted(FORMATS), default="full", help="how to print findings"
    )
    check_cmd.add_argument(
        "--statistics", action="store_true", help="print the number of findings per rule instead"
    )
    check_cmd.add_argument("--config", type=Path, help="a pyproject.toml or serialint.toml to use")
    check_cmd.add_argument(
        "--keras-version", type=int, choices=(2, 3), help="judge by Keras 3 or Keras 2 semantics"
    )
    check_cmd.add_argument(
        "--extend-exclude", help="comma-separated patterns to exclude on top of the configured ones"
    )
    check_cmd.add_argument(
        "--ignore-noqa", action="store_true", help="report findings on lines marked # noqa too"
    )
    check_cmd.add_argument("--fix", action="store_true", help="apply safe fixes")
    check_cmd.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff: also apply unsafe fixes"
    )
    check_cmd.add_argument(
        "--diff",
        action="store_true",
        help="print the changes --fix would make, write nothing (exit 1 if there are any)",
    )

    check_cmd.add_argument(
        "--show-fixes",
        action="store_true",
        help="with --fix: list the findings that were fixed, by file",
    )
    check_cmd.add_argument(
        "--add-noqa",
        action="store_true",
        help="mark every current finding with `# noqa: CODE` (a clean baseline); exit 0",
    )
    check_cmd.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are findings"
    )
    check_cmd.add_argument(
        "-q", "--quiet", action="store_true", help="print the findings and nothing else"
    )
    check_cmd.add_argument(
        "--force-exclude",
        action="store_true",
        default=None,
        help="apply the excludes to files named on the command line too (as pre-commit names "
        "every file)",
    )
    check_cmd.add_argument(
        "--stdin-filename",
        type=Path,
        metavar="PATH",
        help="lint standard input as the contents of PATH (read when PATH is '-' or no paths "
        "are given)",
    )
    check_cmd.add_argument(
        "-o", "--output-file", type=Path, metavar="FILE", help="write the report to FILE"
    )
    check_cmd.add_argument(
        "--confirm",
        action="store_true",
        help="replay each finding as a real save/load round trip under TensorFlow/Keras "
        "(runs your module definitions in isolated processes; needs serialint[runtime])",
    )
    check_cmd.add_argument(
        "--confirm-timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"with --confirm: the time each round-trip process may take "
        f"(default {DEFAULT_TIMEOUT_S:g})",
    )

    commands.add_parser("rules", help="list the rule catalogue")

    commands.add_parser(
        "server", aliases=["lsp"], help="run the language server over stdio (needs serialint[lsp])"
    )

    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", help="a rule code such as SER101, or a rule name")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= _MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {_MAX_TIMEOUT_S:g} seconds: {text!r}"
        )
    return value


_MAX_TIMEOUT_S = 86400.0  # a day: beyond it, a step is hung


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A non-UTF-8 terminal (cp1252, PYTHONIOENCODING=ascii) must not turn a path or a
        # source line into a crash.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        catalogue = load_catalogue()
        if args.command == "rules":
            return _rules(catalogue, sys.stdout)
        if args.command == "explain":
            return _explain(catalogue, args.code, sys.stdout)
        if args.command in ("server", "lsp"):
            return _server()
        code = _check(args, catalogue)
        sys.stdout.flush()  # a write error (a full disk) is reported here, not at exit
        return code
    except (ConfigError, CatalogueError, RuntimeUnavailable) as error:
        print(f"serialint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `serialint check | head`: the reader stopped; end quietly
        _discard_output()
        return EXIT_BROKEN_PIPE
    except OSError as error:  # the report could not be written (a full disk, /dev/full)
        where = f": {error.filename}" if error.filename else ""
        print(f"serialint: error: {error.strerror or error}{where}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as error:  # never a bare traceback for a user
        print(
            f"serialint: internal error: {type(error).__name__}: {error}\n"
            "This is a bug in serialint; please report it with the command you ran.",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _discard_output() -> None:
    """Point standard output, and standard error if it is the broken pipe too, at the null
    device: the interpreter's last flush of what is still buffered then neither fails (exit
    120) nor prints "Exception ignored ... BrokenPipeError" (the Python docs' SIGPIPE note)."""
    streams = [sys.stdout]
    try:
        sys.stderr.flush()
    except OSError:  # `2>&1 | head`
        streams.append(sys.stderr)
    for stream in streams:
        with contextlib.suppress(OSError, ValueError):  # ValueError: no descriptor (captured)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, stream.fileno())
            finally:
                os.close(devnull)


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(","))


def _load_configs(args: argparse.Namespace, known: set[str]) -> list[tuple[list[Path], Config]]:
    """The paths to check, grouped by their configuration, with the command line's overrides."""
    paths: list[Path] = args.paths or [Path(".")]
    if _reads_stdin(args):  # the project around the file standard input stands for
        paths = [args.stdin_filename or Path(".")]
    if args.config is not None:
        groups = [(paths, config_for(paths, known, args.config))]
    else:
        groups = configs_for(paths, known)
    select = _split(args.select)
    ignore = _split(args.ignore)
    extend = _split(args.extend_exclude)
    select = validate_codes(select, known, "--select") if select is not None else None
    ignore = validate_codes(ignore, known, "--ignore") if ignore is not None else None
    return [
        (
            members,
            with_overrides(
                config,
                select=select,
                ignore=ignore,
                keras_version=args.keras_version,
                ignore_noqa=True if args.ignore_noqa else None,
                extend_exclude=(*config.extend_exclude, *extend) if extend else None,
                force_exclude=args.force_exclude,
            ),
        )
        for members, config in groups
    ]


def _check(args: argparse.Namespace, catalogue: dict[str, RuleDoc]) -> int:
    stdin = _reads_stdin(args)
    if stdin and len(args.paths) > 1:
        raise ConfigError("'-' (standard input) cannot be combined with other paths")
    if stdin and (args.confirm or args.add_noqa):
        raise ConfigError("--confirm and --add-noqa need files on disk, not standard input")
    if args.add_noqa and (args.fix or args.diff or args.confirm):
        raise ConfigError("--add-noqa cannot be combined with --fix, --diff or --confirm")
    if args.confirm and args.diff:
        raise ConfigError("--confirm cannot be combined with --diff")
    known = set(catalogue)
    groups = _load_configs(args, known)
    mode = FixMode.NONE
    if args.fix or args.diff:
        mode = FixMode.UNSAFE if args.unsafe_fixes else FixMode.SAFE
    if stdin:
        [(_, config)] = groups
        codes = enabled_codes(known, config.select, config.ignore)
        return _exit(args, _check_stdin(args, catalogue, config, codes, mode))
    if args.add_noqa:
        done = [
            add_noqa(members, config, enabled_codes(known, config.select, config.ignore), catalogue)
            for members, config in groups
        ]
        return _add_noqa(args, NoqaResult.merged(done))
    confirming = None
    if args.confirm:
        problem = runtime_problem()
        if problem is not None:
            raise RuntimeUnavailable(problem)
        confirming = ConfirmOptions(timeout=args.confirm_timeout)
    results = []
    with confirm_progress(sys.stderr, enabled=args.confirm) as progress:
        for members, config in groups:
            results.append(
                lint_paths(
                    members,
                    config,
                    enabled_codes(known, config.select, config.ignore),
                    fix=mode,
                    diff=args.diff,
                    catalogue=catalogue,
                    confirming=confirming,
                    progress=progress,
                )
            )
    result = LintResult.merged(results)
    _present(args, result)
    if not result.files and not result.problems and not args.quiet:
        # ruff's "No Python files found": everything was excluded, or the directory is empty.
        print("serialint: warning: No Python files found under the given path(s)", file=sys.stderr)
    if args.diff:
        with _report_stream(args.output_file) as out:
            for text in result.diffs:
                out.write(text)
        if not args.quiet:
            print(diff_summary(result), file=sys.stderr)
        _report_rejected(result)
        # Exit 1 while findings remain, fixable or not (the rule for every mode).
        return _exit(args, EXIT_FINDINGS if result.diffs or result.findings else EXIT_CLEAN)
    with _report_stream(args.output_file) as out:
        _write_report(args, result, catalogue, out)
    _report_rejected(result)
    return _exit(args, EXIT_FINDINGS if result.findings else EXIT_CLEAN)


def _reads_stdin(args: argparse.Namespace) -> bool:
    """``-`` among the paths, or ``--stdin-filename`` with no paths (as ruff reads it)."""
    named_dash = any(str(path) == "-" for path in args.paths)
    return named_dash or (args.stdin_filename is not None and not args.paths)


def _present(args: argparse.Namespace, result: LintResult) -> None:
    result.unsafe_fixes = args.unsafe_fixes
    result.quiet = args.quiet
    result.show_fixes = args.show_fixes


def _exit(args: argparse.Namespace, code: int) -> int:
    return EXIT_CLEAN if code == EXIT_FINDINGS and args.exit_zero else code


def _write_report(
    args: argparse.Namespace, result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO
) -> None:
    if args.statistics:
        if args.output_format == "json":
            _statistics_json(result, catalogue, out)
        else:
            _statistics(result, catalogue, out)
    else:
        FORMATS[args.output_format](result, catalogue, out)


@contextmanager
def _report_stream(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or ``--output-file`` (its directories made as needed)."""
    if path is None:
        yield sys.stdout
        return
    try:
        with contextlib.suppress(FileExistsError):  # a file in the way: open() says so
            path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w", encoding="utf-8", newline="\n")
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot write the output file ({error.strerror or error})"
        ) from None
    with handle:
        yield handle


def _check_stdin(
    args: argparse.Namespace,
    catalogue: dict[str, RuleDoc],
    config: Config,
    codes: set[str],
    mode: FixMode,
) -> int:
    """Lint standard input as ``--stdin-filename`` within its project.  With ``--fix`` the fixed
    source goes to standard output and the report to standard error, as ruff does."""
    path: Path = args.stdin_filename or Path("-")
    data = sys.stdin.buffer.read()
    fixing = mode is not FixMode.NONE and not args.diff
    if config.force_exclude and exclude_matcher(config).excluded(path):
        if fixing:
            sys.stdout.buffer.write(data)
        return EXIT_CLEAN
    workspace, _ = Workspace.load([], config, codes, catalogue)
    source = decode_source(path, data)
    if isinstance(source, Finding):
        result = LintResult(problems=[source], root=config.root)
        fixed = ""
    else:
        result, fixed = lint_source(workspace, path, source.text, fix=mode)
    _present(args, result)
    if args.diff:
        if not isinstance(source, Finding) and fixed != source.text:
            with _report_stream(args.output_file) as out:
                out.write(unified_diff(path, source.text, fixed, str(path)))
            return EXIT_FINDINGS
        return EXIT_CLEAN
    if fixing:
        if isinstance(source, Finding):
            sys.stdout.buffer.write(data)  # unreadable: passed through untouched
        else:
            sys.stdout.buffer.write(encoded(source, fixed))
        sys.stdout.flush()
        with _report_stream(args.output_file) as out:
            _write_report(args, result, catalogue, out if args.output_file else sys.stderr)
    else:
        with _report_stream(args.output_file) as out:
            _write_report(args, result, catalogue, out)
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN


def _add_noqa(args: argparse.Namespace, done: NoqaResult) -> int:
    if args.quiet:
        return EXIT_CLEAN
    count = len(done.added)
    print(
        f"Added {count} noqa directive{'s' if count != 1 else ''} "
        f"({done.files} file{'s' if done.files != 1 else ''} changed).",
        file=sys.stderr,
    )
    for finding in done.unmarked:
        print(
            f"serialint: warning: {finding.path}:{finding.start.row}: cannot mark {finding.code} "
            "with # noqa: the file would not parse afterwards (please report this), or it changed "
            "on disk meanwhile",
            file=sys.stderr,
        )
    return EXIT_CLEAN


def _server() -> int:
    try:
        from serialint.lsp import serve
    except ImportError as error:
        raise ConfigError(
            f"the language server needs pygls ({error}); install it with "
            "`pip install 'serialint[lsp]'`"
        ) from None
    return serve()  # 0 after shutdown then exit; 1 when the client exits without shutdown


def _report_rejected(result: LintResult) -> None:
    for path in result.stale:
        print(
            f"serialint: warning: {path} changed on disk while serialint was fixing it; its fixes "
            "were not applied (run serialint again)",
            file=sys.stderr,
        )
    for finding in result.rejected:
        print(
            f"serialint: warning: the fix for {finding.code} at {finding.path}:{finding.start.row} "
            "was not applied: the fixed file could not be written faithfully (it would not "
            "parse, or its encoding or notebook layout could not be kept); please report this",
            file=sys.stderr,
        )


def _statistics_json(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    """Ruff's shape: one object per rule, most frequent first."""
    counts = Counter(f.code for f in result.findings)
    fixable = Counter(f.code for f in result.findings if f.fix is not None)
    rows = [
        {"code": code, "name": catalogue[code].name, "count": count, "fixable": fixable[code] > 0}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    json.dump(rows, out, indent=2)
    out.write("\n")


def _statistics(result: LintResult, catalogue: dict[str, RuleDoc], out: TextIO) -> None:
    counts = Counter(f.code for f in result.findings)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        out.write(f"{count:>5}\t{code}\t{catalogue[code].name}\n")
    total = sum(counts.values())
    out.write(f"Found {total} error{'s' if total != 1 else ''}.\n")


def _rules(catalogue: dict[str, RuleDoc], out: TextIO) -> int:
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("Code", "Name", "Severity", "Summary"):
        table.add_column(column, overflow="fold")
    for doc in catalogue.values():
        table.add_row(doc.code, doc.name, doc.severity.value, doc.summary)
    console = Console(file=out, highlight=False)
    if not console.is_terminal:
        console = Console(file=out, highlight=False, width=200)  # piped: do not wrap at 80
    console.print(table)
    return EXIT_CLEAN


def _explain(catalogue: dict[str, RuleDoc], wanted: str, out: TextIO) -> int:
    doc = catalogue.get(wanted.upper()) or next(
        (d for d in catalogue.values() if d.name == wanted.lower()), None
    )
    if doc is None:
        raise ConfigError(
            f"unknown rule {wanted!r}; known rules are {', '.join(sorted(catalogue))} "
            "(see `serialint rules`)"
        )
    text = rule_markdown(doc)
    console = Console(file=out, highlight=False)
    if console.is_terminal:
        console.print(Markdown(text))
    else:
        out.write(text)
    return EXIT_CLEAN
