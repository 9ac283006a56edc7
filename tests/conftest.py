"""Shared helpers: lint a small project written into a temporary directory."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from serialint.api import LintResult, lint_paths
from serialint.catalogue import RuleDoc, load_catalogue
from serialint.config import Config
from serialint.engine import enabled_codes
from serialint.findings import Finding


@pytest.fixture(scope="session")
def catalogue() -> dict[str, RuleDoc]:
    return load_catalogue()


def write_project(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def run_check(root: Path, paths: list[Path] | None = None, **config: object) -> LintResult:
    catalogue = load_catalogue()
    settings = Config(root=root, **config)  # type: ignore[arg-type]
    codes = enabled_codes(catalogue, settings.select, settings.ignore)
    return lint_paths(paths or [root], settings, codes, catalogue=catalogue)


def lint(root: Path, files: Mapping[str, str], **config: object) -> list[Finding]:
    """Write ``files`` under ``root`` and return every finding, sorted."""
    write_project(root, files)
    return run_check(root, **config).findings


def codes_at(findings: list[Finding]) -> list[tuple[str, str, int]]:
    """(code, file name, row) triples: compact to assert on."""
    return [(f.code, f.path.name, f.start.row) for f in findings]
