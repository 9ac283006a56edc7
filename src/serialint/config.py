"""``[tool.serialint]`` configuration: found, parsed, validated. Bad values name file and key."""

from __future__ import annotations

import datetime
import difflib
import errno
import json
import os
import re
import stat
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
    """The nearest serialint.toml / .serialint.toml / pyproject.toml with [tool.serialint].

    A serialint.toml or .serialint.toml that exists but is no readable file (a directory, a FIFO,
    a symlink loop or to nothing) is returned all the same, and so is a pyproject.toml that
    cannot be read (it may hold the table): :func:`load_config` then says what is wrong with it,
    where skipping it would silently check with no configuration.  Never raises."""
    try:
        directory = start if start.is_dir() else start.parent
    except OSError:
        directory = start.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = candidate_dir / name
            try:
                candidate.lstat()  # the entry itself, even a symlink that leads nowhere
            except OSError:  # absent, or an unreadable directory on the way up
                continue
            if name != "pyproject.toml" or _has_tool_table(candidate):
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
    """Whether pyproject.toml ``path`` configures serialint.  One that cannot be read (a FIFO,
    a directory, a symlink loop, no permission) counts, as does broken TOML naming the table:
    it may hold our table, and :func:`load_config` reports the problem."""
    try:
        data = read_config_bytes(path)
    except ConfigError:
        return True
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return b"[tool.serialint" in data
    tool = parsed.get("tool")
    return isinstance(tool, dict) and "serialint" in tool


def read_config_bytes(path: Path) -> bytes:
    """The bytes of the configuration file ``path``; a :class:`ConfigError` naming the file
    when it is not a regular file that can be read.  A FIFO or device is never opened for
    reading (it could block forever)."""
    try:
        info = path.stat()
    except OSError as error:
        raise ConfigError(_unreadable(path, error)) from error
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(_not_a_file(path, info.st_mode))
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    # Non-blocking, should the file be replaced by a FIFO between the stat and the open.
    flags |= getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise ConfigError(_unreadable(path, error)) from error
    try:
        with os.fdopen(descriptor, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise ConfigError(_not_a_file(path, mode))
            return handle.read()
    except OSError as error:
        raise ConfigError(_unreadable(path, error)) from error


def _unreadable(path: Path, error: OSError) -> str:
    reason = error.strerror or type(error).__name__
    if error.errno == errno.ELOOP:
        return f"{path}: cannot read configuration: it is a symbolic link loop ({reason})"
    if error.errno == errno.ENOENT:
        if path.is_symlink():
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            return (
                f"{path}: cannot read configuration: it is a symbolic link to {target}, "
                "which does not exist"
            )
        return f"{path}: configuration file not found"
    return f"{path}: cannot read configuration ({reason})"


def _not_a_file(path: Path, mode: int) -> str:
    if stat.S_ISDIR(mode):
        kind = "a directory"
    elif stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "a special file"
    problem = f"{path}: is {kind}, not a configuration file (a regular TOML file)"
    if not stat.S_ISDIR(mode):
        problem += "; it was not read, as reading it could block"
    return problem + "; make it a regular file, or rename or remove it"


def load_config(path: Path, known_codes: Iterable[str]) -> Config:
    data = read_config_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            f"{path}: invalid TOML: byte 0x{data[error.start]:02x} at line {line}, column "
            f"{column} is not UTF-8 (TOML files are UTF-8)"
        ) from error
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    tool = parsed.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table, got {_shown(tool)}")
    if path.name == "pyproject.toml":
        table = tool.get("serialint", {})
        prefix = "tool.serialint."
    else:
        table = tool.get("serialint", parsed)
        prefix = "" if table is parsed else "tool.serialint."
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.serialint] must be a table, got {_shown(table)}")
    return parse_table(table, path, prefix, set(known_codes))


def parse_table(table: Mapping[str, Any], path: Path, prefix: str, known: set[str]) -> Config:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        keys = sorted(_KEYS)
        parts = [prefix + k + _did_you_mean(_key_spelling(k), keys, prefix) for k in unknown]
        raise ConfigError(
            f"{path}: unknown key{'s' if len(parts) > 1 else ''} {', '.join(parts)}; "
            f"known keys are {', '.join(keys)}"
        )

    def strings(key: str, wanted: str) -> tuple[str, ...]:
        return _strings(table.get(key, []), f"{path}: {prefix}{key}", key, wanted)

    select = validate_codes(strings("select", _CODES_WANTED), known, f"{path}: {prefix}select")
    ignore = validate_codes(strings("ignore", _CODES_WANTED), known, f"{path}: {prefix}ignore")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(
            f"{path}: {prefix}per-file-ignores must be a table of pattern = [codes] "
            f'(such as "tests/*" = ["SER301"]), got {_shown(per_file)}'
        )
    per_file_ignores = []
    for pattern, value in per_file.items():
        where = f"{path}: {prefix}per-file-ignores.{_toml_key(pattern)}"
        codes = _strings(value, where, _toml_key(pattern), _CODES_WANTED)
        per_file_ignores.append((pattern, validate_codes(codes, known, where)))
    version = table.get("keras-version")
    if version is not None and (type(version) is not int or version not in (2, 3)):  # not 3.0
        problem = f"{path}: {prefix}keras-version must be 2 or 3, got {_shown(version)}"
        meant = _keras_version_meant(version)
        if meant is not None:
            problem += f"; did you mean keras-version = {meant}?"
        raise ConfigError(problem)
    force_exclude = table.get("force-exclude", False)
    if not isinstance(force_exclude, bool):
        problem = (
            f"{path}: {prefix}force-exclude must be true or false, got {_shown(force_exclude)}"
        )
        spelled = str(force_exclude).strip().lower()
        if isinstance(force_exclude, (str, int)) and spelled in _TRUE | _FALSE:
            problem += f"; did you mean force-exclude = {str(spelled in _TRUE).lower()}?"
        raise ConfigError(problem)
    return Config(
        select=select,
        ignore=ignore,
        per_file_ignores=tuple(per_file_ignores),
        exclude=strings("exclude", _PATTERNS_WANTED) if "exclude" in table else None,
        extend_exclude=strings("extend-exclude", _PATTERNS_WANTED),
        keras_version=version,
        force_exclude=force_exclude,
        source=path,
        root=path.parent,
    )


_CODES_WANTED = 'rule codes such as "SER101", prefixes such as "SER1", or "ALL"'
_PATTERNS_WANTED = 'path patterns such as "build" or "tests/fixtures/*"'
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def _strings(value: object, where: str, name: str, wanted: str) -> tuple[str, ...]:
    """``value`` as a tuple of strings, or a ConfigError saying what ``where`` wants."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problem = f"{where} must be a list of strings ({wanted}), got {_shown(value)}"
    if isinstance(value, list):
        wrong = next(v for v in value if not isinstance(v, str))
        problem += f", and {_shown(wrong)} is not a string"
    elif isinstance(value, str):
        problem += f"; did you mean {name} = [{_toml(value)}]?"
    raise ConfigError(problem)


def _keras_version_meant(value: object) -> int | None:
    """The version a wrong ``keras-version`` evidently means: 3.0, "3", "2.15"."""
    if isinstance(value, float) and value in (2.0, 3.0):
        return int(value)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*v?([23])(?:\.[0-9x*]+)*\s*", value, re.IGNORECASE)
        if match:
            return int(match.group(1))
    return None


def _key_spelling(key: str) -> str:
    """A key as it is likely meant, to compare with the known ones: per_file_ignores."""
    return key.strip().lower().replace("_", "-")


def _did_you_mean(word: str, candidates: Sequence[str], prefix: str = "") -> str:
    """`` (did you mean X?)`` with the candidate closest to ``word``; empty when none is."""
    meant = [word] if word in candidates else difflib.get_close_matches(word, candidates, n=1)
    return _suggestion([prefix + m for m in meant])


def _suggestion(matches: Sequence[str]) -> str:
    if not matches:
        return ""
    listed = matches[0] if len(matches) == 1 else f"{', '.join(matches[:-1])} or {matches[-1]}"
    return f" (did you mean {listed}?)"


# Characters typed for digits in a code: SER1O1, SER10l.
_DIGIT_LOOKALIKES = str.maketrans("OIL", "011")


def _code_suggestion(code: str, known: set[str]) -> str:
    """`` (did you mean 'SER101'?)`` for a mistyped rule code or prefix."""
    candidates = {k[:n] for k in known for n in range(3, len(k) + 1)} | {"ALL"}
    fixed = re.sub(r"[\s_.-]", "", code[:3] + code[3:].translate(_DIGIT_LOOKALIKES))
    if fixed in candidates:
        return _suggestion([repr(fixed)])
    # A full code for a full code, a prefix for a prefix: SER1O1 is not a typo of SER11.
    alike = sorted(c for c in candidates if len(c) == len(code))
    cutoff = 0.6 if len(code) <= 4 else 0.75  # SRE -> SER; SER999 gets no guess
    return _suggestion(
        [repr(m) for m in difflib.get_close_matches(code, alike, n=3, cutoff=cutoff)]
    )


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)


def _toml(value: object) -> str:
    """``value`` as TOML spells it (``true``, not Python's ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _shown(value: object) -> str:
    """``value`` for a message: as TOML spells it (shortened), and its TOML type."""
    text = _toml(value)
    if len(text) > 60:
        text = text[:57] + "..."
    if isinstance(value, bool):
        kind = "a boolean"
    elif isinstance(value, int):
        kind = "an integer"
    elif isinstance(value, float):
        kind = "a float"
    elif isinstance(value, str):
        kind = "a string"
    elif isinstance(value, list):
        kind = "an array"
    elif isinstance(value, dict):
        kind = "a table"
    elif isinstance(value, datetime.datetime):
        kind = "a date-time"
    elif isinstance(value, datetime.date):
        kind = "a date"
    elif isinstance(value, datetime.time):
        kind = "a time"
    else:
        kind = type(value).__name__
    return f"{text} ({kind})"


def config_for(
    paths: Sequence[Path], known_codes: Iterable[str], explicit: Path | None = None
) -> Config:
    """The configuration ``serialint check paths`` uses: ``explicit`` (``--config``); else the
    configuration file nearest to the paths' common directory, whatever their order; else none,
    rooted at the nearest project marker (``index_root``) or, without one, at the paths."""
    if explicit is not None:  # a missing file, a directory or a FIFO: load_config says so
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
    accepted = f"known codes are {', '.join(sorted(known))}, a prefix of them such as SER1, or ALL"
    for code in codes:
        code = code.strip().upper()
        if not code:
            raise ConfigError(
                f"{where}: empty rule code; give a code such as SER101, a prefix such as SER1, "
                "or ALL"
            )
        if code != "ALL" and not any(k.startswith(code) for k in known):
            hint = _code_suggestion(code, known)
            raise ConfigError(f"{where}: unknown rule code {code!r}{hint}; {accepted}")
        result.append(code)
    return tuple(result)


def with_overrides(config: Config, **changes: Any) -> Config:
    return replace(config, **{k: v for k, v in changes.items() if v is not None})
