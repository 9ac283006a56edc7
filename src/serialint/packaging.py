"""Which modules a project distributes: the packages its packaging metadata declares.

``setup.py`` and ``setup.cfg`` always build a distribution; ``pyproject.toml`` does when it names
a build backend (``[build-system]``) or configures packages for one; a ``[project]`` table alone
(an application listing its dependencies, which uv does not build) and Poetry's
``package-mode = false`` do not.

A class in a distributed package is saved and loaded by the package's users, whose code the
project cannot see; a class in a script, an example or a test is application code.  Read from
``pyproject.toml``, ``setup.cfg`` and ``setup.py`` at the project root (``setup.py`` with ``ast``,
never executed).  Without packaging metadata nothing is distributed.
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import re
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serialint.paths import resolved as resolved_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Top-level directories that packaging tools discover but that hold applications, not library
# code (setuptools' own automatic discovery excludes the same names).
NOT_LIBRARY = frozenset(
    {
        "tests",
        "test",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "scripts",
        "script",
        "benchmarks",
        "benchmark",
        "bench",
        "demo",
        "demos",
        "notebooks",
        "tools",
        "tasks",
    }
)


@dataclass(frozen=True)
class Packaging:
    """What the metadata declares; ``declared_by`` is None for a project that distributes nothing."""

    declared_by: str | None = None
    # Package names (dotted allowed), or None when the build tool discovers them itself.
    packages: frozenset[str] | None = None
    include: tuple[str, ...] = ("*",)  # find_packages(include=...) patterns
    exclude: tuple[str, ...] = ()
    modules: frozenset[str] = frozenset()  # py_modules

    def distributes(self, module: str, is_package_member: bool) -> bool:
        """Is ``module`` part of what users install?  ``is_package_member``: it lives in a
        package (an ``__init__.py`` chain), not loose beside it."""
        if self.declared_by is None:
            return False
        top = module.split(".")[0]
        if top in NOT_LIBRARY or is_test_module_name(module):
            return False
        if module in self.modules:
            return True
        if not is_package_member:
            return False
        if self.packages is not None:
            return any(module == p or module.startswith(p + ".") for p in self.packages)
        package = module if "." not in module else module.rpartition(".")[0]
        return any(
            fnmatch.fnmatch(package, p) or fnmatch.fnmatch(top, p) for p in self.include
        ) and not any(fnmatch.fnmatch(package, p) or fnmatch.fnmatch(top, p) for p in self.exclude)


def is_test_module_name(module: str) -> bool:
    parts = module.split(".")
    return any(p in ("tests", "test", "testing") for p in parts[:-1]) or (
        parts[-1].startswith("test_") or parts[-1].endswith("_test") or parts[-1] == "conftest"
    )


@dataclass(frozen=True)
class Packagings:
    """The packaging metadata of every directory that has some, from the project root down: a
    monorepo's ``libs/mylib/setup.py`` governs the files below it."""

    by_directory: dict[Path, Packaging]

    def for_path(self, path: Path) -> Packaging:
        for directory in path.parents:
            found = self.by_directory.get(directory)
            if found is not None:
                return found
        return Packaging()


def read_packagings(root: Path, paths: Iterable[Path]) -> Packagings:
    """Read the metadata of the directories between each path and the root (each once)."""
    root = resolved_path(root)
    found: dict[Path, Packaging] = {}
    looked: set[Path] = set()
    for path in paths:
        for directory in resolved_path(path).parents:
            if directory in looked:
                break
            looked.add(directory)
            packaging = read_packaging(directory)
            if packaging.declared_by is not None:
                found[directory] = packaging
            if directory == root:
                break
    return Packagings(found)


def read_packaging(root: Path) -> Packaging:
    """The packaging metadata at ``root``; unreadable or absent files mean "not declared"."""
    for name, reader in (
        ("pyproject.toml", _pyproject),
        ("setup.cfg", _setup_cfg),
        ("setup.py", _setup_py),
    ):
        path = root / name
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                continue  # a FIFO would block the read forever; a directory is not metadata
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            found = reader(text, name)
        except (AttributeError, TypeError, ValueError, KeyError, configparser.Error):
            found = None  # a section of another tool we cannot read: not our business
        if found is not None:
            return found
    return Packaging()


def _normalise(name: str) -> str:
    return re.sub(r"[-.]+", "_", name).lower()


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _pyproject(text: str, name: str) -> Packaging | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    tool = _table(data, "tool")
    project = data.get("project") if isinstance(data.get("project"), dict) else None
    setuptools = _table(tool, "setuptools")
    if isinstance(setuptools, dict) and "packages" in setuptools:
        packages = setuptools["packages"]
        if isinstance(packages, list):
            return Packaging(name, frozenset(_strings(packages)))
        if isinstance(packages, dict) and isinstance(packages.get("find"), dict):
            find = packages["find"]
            return Packaging(
                name,
                include=_strings(find.get("include")) or ("*",),
                exclude=_strings(find.get("exclude")),
            )
    poetry = tool.get("poetry")
    if isinstance(poetry, dict) and poetry.get("package-mode") is not False:
        declared = poetry.get("packages")
        if isinstance(declared, list):
            found = [p.get("include") for p in declared if isinstance(p, dict)]
            return Packaging(
                name, frozenset(f.replace("/", ".") for f in found if isinstance(f, str))
            )
        if isinstance(poetry.get("name"), str):
            return Packaging(name, frozenset({_normalise(poetry["name"])}))
    hatch = _table(tool, "hatch", "build", "targets", "wheel")
    if isinstance(hatch.get("packages"), list):
        return Packaging(
            name, frozenset(p.rstrip("/").split("/")[-1] for p in _strings(hatch["packages"]))
        )
    flit = _table(tool, "flit", "module")
    if isinstance(flit.get("name"), str):
        return Packaging(name, frozenset({flit["name"]}))
    if project is not None and "build-system" in data:
        return Packaging(name)  # discovered by the build backend
    # [project] without [build-system] describes an application's dependencies: uv does not
    # build such a project, and nothing in it is meant to be installed by others.
    return None


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``data[k1][k2]...`` when every step is a table, else an empty table."""
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return data


def _setup_cfg(text: str, name: str) -> Packaging | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_option("options", "packages") and not parser.has_option(
        "options", "py_modules"
    ):
        return None
    modules = frozenset(parser.get("options", "py_modules", fallback="").split())
    packages = parser.get("options", "packages", fallback="").strip()
    if packages.startswith("find"):
        section = "options.packages.find"
        return Packaging(
            name,
            include=tuple(parser.get(section, "include", fallback="*").split()) or ("*",),
            exclude=tuple(parser.get(section, "exclude", fallback="").split()),
            modules=modules,
        )
    return Packaging(name, frozenset(packages.split()), modules=modules)


def _setup_py(text: str, name: str) -> Packaging | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if callee != "setup":
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        modules = frozenset(_literal_strings(keywords.get("py_modules")))
        packages = keywords.get("packages")
        if isinstance(packages, (ast.List, ast.Tuple)):
            return Packaging(name, frozenset(_literal_strings(packages)), modules=modules)
        if isinstance(packages, ast.Call):
            found = {k.arg: k.value for k in packages.keywords if k.arg}
            return Packaging(
                name,
                include=tuple(_literal_strings(found.get("include"))) or ("*",),
                exclude=tuple(_literal_strings(found.get("exclude"))),
                modules=modules,
            )
        return Packaging(name, modules=modules)
    return None


def _literal_strings(node: ast.AST | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []
