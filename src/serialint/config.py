"""``[tool.serialint]`` configuration: found, parsed, validated. Bad values name file and key."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from serialint.paths import resolved as resolved_path

CONFIG_FILES = ("serialint.toml", ".serialint.toml", "pyproject.toml")
# Markers of a project root when no configuration file names one.
ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", ".hg")


class ConfigError(Exception):
    """A configuration problem the user must fix; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] | None = None  # None: the default excludes; () excludes nothing
    extend_exclude: tuple[str, ...] = ()
    keras_version: int | None = None  # None: inferred from the project (project.semantics)
    source: Path | None = None  # the file this was read from
    root: Path = field(default_factory=Path.cwd)
    # Read the whole root for cross-file facts.  False when no configuration file or project
    # marker was found: the project is then exactly the paths named.
    index_root: bool = True
    ignore_noqa: bool = False  # --ignore-noqa: report findings on suppressed lines too
    # Excludes apply to files named on the command line too (pre-commit names every file).
    force_exclude: bool = False
    # Another tool applies plain noqa comments (the flake8 plugin: flake8 does, with its own
    # --disable-noqa); serialint then honours only its own `serialint: ignore` / `serialint: noqa`.
    external_noqa: bool = False


_KEYS = {
    "select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "keras-version",
    "force-exclude",
}


def find_config_file(start: Path) -> Path | None:
    """The nearest serialint.toml / .serialint.toml / pyproject.toml with [tool.serialint]."""
    try:
        directory = start if start.is_dir() else start.parent
    except OSError:
        directory = start.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = candidate_dir / name
            try:
                is_file = candidate.is_file()
            except OSError:  # an unreadable directory on the way up
                continue
            if is_file and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def find_project_root(paths: Iterable[Path]) -> tuple[Path, bool]:
    """Where cross-file knowledge is gathered from: the nearest ancestor of the inputs with a
    project marker, and True; else the inputs' common directory, and False (the project is
    then just the inputs: a lone file in /tmp must not pull in everything beside it)."""
    resolved = [resolved_path(p) for p in paths] or [resolved_path(Path.cwd())]
    common = Path(_common_path(resolved))
    start = common if common.is_dir() else common.parent
    for directory in (start, *start.parents):
        try:
            if any((directory / marker).exists() for marker in ROOT_MARKERS):
                return directory, True
        except OSError:
            continue
    return start, False


def _common_path(paths: list[Path]) -> str:
    return os.path.commonpath([str(p) for p in paths])


def _has_tool_table(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        # A broken pyproject.toml that may hold our table is reported by load_config.
        try:
            return b"[tool.serialint" in path.read_bytes()
        except OSError:
            return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "serialint" in tool


def load_config(path: Path, known_codes: Iterable[str]) -> Config:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read configuration ({error.strerror})") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table, got {tool!r}")
    if path.name == "pyproject.toml":
        table = tool.get("serialint", {})
        prefix = "tool.serialint."
    else:
        table = tool.get("serialint", data)
        prefix = "" if table is data else "tool.serialint."
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{prefix.rstrip('.')}] must be a table")
    return parse_table(table, path, prefix, set(known_codes))


def parse_table(table: Mapping[str, Any], path: Path, prefix: str, known: set[str]) -> Config:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {', '.join(prefix + k for k in unknown)}; "
            f"known keys are {', '.join(sorted(_KEYS))}"
        )

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: {prefix}{key} must be a list of strings, got {value!r}")
        return tuple(value)

    select = validate_codes(strings("select"), known, f"{path}: {prefix}select")
    ignore = validate_codes(strings("ignore"), known, f"{path}: {prefix}ignore")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{path}: {prefix}per-file-ignores must be a table of pattern = [codes]")
    per_file_ignores = []
    for pattern, codes in per_file.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(
                f"{path}: {prefix}per-file-ignores.{pattern!r} must be a list of rule codes"
            )
        where = f"{path}: {prefix}per-file-ignores.{pattern!r}"
        per_file_ignores.append((pattern, validate_codes(tuple(codes), known, where)))
    version = table.get("keras-version")
    if version is not None and (type(version) is not int or version not in (2, 3)):  # not 3.0
        raise ConfigError(f"{path}: {prefix}keras-version must be 2 or 3, got {version!r}")
    force_exclude = table.get("force-exclude", False)
    if not isinstance(force_exclude, bool):
        raise ConfigError(
            f"{path}: {prefix}force-exclude must be true or false, got {force_exclude!r}"
        )
    return Config(
        select=select,
        ignore=ignore,
        per_file_ignores=tuple(per_file_ignores),
        exclude=strings("exclude") if "exclude" in table else None,
        extend_exclude=strings("extend-exclude"),
        keras_version=version,
        force_exclude=force_exclude,
        source=path,
        root=path.parent,
    )


def config_for(
    paths: Sequence[Path], known_codes: Iterable[str], explicit: Path | None = None
) -> Config:
    """The configuration ``serialint check paths`` uses: ``explicit`` (``--config``); else the
    configuration file nearest to the paths' common directory, whatever their order; else none,
    rooted at the nearest project marker (``index_root``) or, without one, at the paths."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        return load_config(explicit, known_codes)
    named = list(paths) or [Path(".")]
    common = Path(os.path.commonpath([str(resolved_path(p)) for p in named]))
    found = find_config_file(common)
    if found is not None:
        return load_config(found, known_codes)
    root, marked = find_project_root(named)
    return Config(root=root, index_root=marked)


def group_paths(paths: Sequence[Path]) -> dict[Path | None, list[Path]]:
    """The paths by the configuration file nearest to each (None: no configuration file)."""
    by_file: dict[Path | None, list[Path]] = {}
    for path in paths:
        found = find_config_file(resolved_path(path))
        by_file.setdefault(resolved_path(found) if found else None, []).append(path)
    return by_file


def configs_for(
    paths: Sequence[Path], known_codes: Iterable[str]
) -> list[tuple[list[Path], Config]]:
    """The paths grouped by the configuration file nearest to each, as ruff resolves settings
    per file: under pre-commit, which names files from several subprojects at once, each keeps
    its own project (its root, excludes and rules).  Paths with no configuration file above
    them form one group, judged as :func:`config_for` judges them."""
    named = list(paths) or [Path(".")]
    by_file = group_paths(named)
    if len(by_file) == 1:
        return [(named, config_for(named, known_codes))]
    return [
        (members, load_config(found, known_codes) if found else config_for(members, known_codes))
        for found, members in by_file.items()
    ]


def validate_codes(codes: Iterable[str], known: set[str], where: str) -> tuple[str, ...]:
    """Codes may be full (SER101) or prefixes (SER1, SER, ALL), as in ruff."""
    result = []
    for code in codes:
        code = code.strip().upper()
        if not code:
            raise ConfigError(f"{where}: empty rule code; give a code such as SER101 or a prefix")
        if code != "ALL" and not any(k.startswith(code) for k in known):
            raise ConfigError(
                f"{where}: unknown rule code {code!r}; known codes are {', '.join(sorted(known))}"
            )
        result.append(code)
    return tuple(result)


def with_overrides(config: Config, **changes: Any) -> Config:
    return replace(config, **{k: v for k, v in changes.items() if v is not None})
