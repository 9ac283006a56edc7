"""Wording shared by several rules: how a load fails, which models hold a kind, where things are."""

from __future__ import annotations

from serialint.names import COMPILE_ONLY_KINDS
from serialint.notebooks import CellMap
from serialint.paths import relative_posix
from serialint.project import Helper, LoadSite, Module, Project, ProjectClass


def load_failure(name: str, kind: str, major: int) -> str:
    """How loading fails when Keras cannot find the class ``name`` (measured, see the catalogue)."""
    if major == 3:
        return f"fails with \"Could not locate class '{name}'\""
    if kind == "layer":
        return (
            'fails (tf-keras: "The added layer must be an instance of class Layer. '
            f"Received: layer={name} of type <class 'str'>\" in a Sequential model, "
            "\"'str' object is not callable\" in a functional one)"
        )
    return "fails (tf-keras cannot find it by name)"


def what_holds(kind: str) -> str:
    """Which saved models hold a class of this kind by name."""
    if kind in COMPILE_ONLY_KINDS:
        return "a model compiled with it"
    return "a saved model that contains it"


def place(project: Project, module: Module, line: int) -> str:
    """``path:line`` of a place in the project, as users see it (in a notebook, its cell)."""
    path = relative_posix(module.path, project.root)
    starts = module.facts.cell_starts
    if starts:
        cell, row = CellMap(tuple(s for s, _ in starts), tuple(c for _, c in starts)).locate(line)
        if cell is not None:
            return f"{path}:cell {cell}:{row}"
    return f"{path}:{line}"


def where(project: Project, cls: ProjectClass) -> str:
    return place(project, cls.module, cls.line)


def describe_class(project: Project, cls: ProjectClass) -> str:
    return f"`{cls.name}` ({where(project, cls)})"


def load_location(project: Project, load: LoadSite) -> str:
    return place(project, load.module, load.line)


def helper_location(project: Project, helper: Helper) -> str:
    return place(project, helper.module, helper.line)
