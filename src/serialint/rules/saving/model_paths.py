"""Where whole-model saves write (SER302, SER303): the path each save is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from serialint import names
from serialint.facts.model import Attr, Const, Value
from serialint.findings import Edit, Fix, Position
from serialint.project import Module, Project
from serialint.project.paths import PathText
from serialint.project.saves import SaveSite
from serialint.rules.base import Rule


@dataclass(frozen=True)
class ModelSave:
    save: SaveSite
    what: str  # "save", "save_model" or "ModelCheckpoint"
    path: PathText | None
    save_format: str | None  # the constant ``save_format=`` given, if any
    major: int  # the Keras it runs on


class ModelSaveRule(Rule):
    """A rule about where whole-model saves write: it applies to files with such a save."""

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(s.whole for s in project.saves.in_module(module))


def model_saves(project: Project, module: Module) -> Iterator[ModelSave]:
    for save in project.saves.in_module(module):
        if not save.whole:
            continue
        call = save.site.call
        func = call.func
        argument: Value | None
        flavor = None
        if isinstance(func, Attr) and func.attr == "save":
            what, argument = "save", call.argument(0, "filepath")
        else:
            qualified = project.values.qualify(module, func) or ""
            keras = names.keras_name(qualified)
            if keras is None:
                # A project subclass of ModelCheckpoint saves where it is told, as its base does.
                cls = project.classes.get(qualified)
                bases = project.classes.keras_bases(cls) if cls is not None else []
                base = next((b for b in bases if b.path == "callbacks.ModelCheckpoint"), None)
                if base is None:
                    continue
                keras = base
            flavor = keras.flavor
            if keras.path == "saving.save_model":
                what, argument = "save_model", call.argument(1, "filepath")
            elif keras.path == "callbacks.ModelCheckpoint":
                what, argument = "ModelCheckpoint", call.argument(0, "filepath")
            else:
                continue
        if flavor is None and not (isinstance(func, Attr) and func.attr == "save"):
            continue
        given = call.keyword("save_format")
        save_format = (
            given.value if isinstance(given, Const) and isinstance(given.value, str) else None
        )
        major = project.semantics.major_for(flavor) if flavor else project.keras_version
        yield ModelSave(save, what, project.paths.of(module, argument), save_format, major)


def rename_fix(path: PathText | None, old: tuple[str, ...], new: str, message: str) -> Fix | None:
    """Replace the extension of a path written as one string literal (unsafe: other code may
    read the old name)."""
    literal = path.literal if path is not None else None
    if literal is None or literal.span is None or not isinstance(literal.value, str):
        return None
    text = literal.value
    ending = next((o for o in old if text.lower().endswith(o)), None)
    base = text[: -len(ending)] if ending else text
    span = literal.span
    return Fix(
        message.format(name=base + new),
        "unsafe",
        (
            Edit(
                repr(base + new)[1:-1],
                Position(span.line, span.column + 1),
                Position(span.end_line, span.end_column - 1),
            ),
        ),
    )
