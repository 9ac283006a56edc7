"""Where whole-model saves write (SER302, SER303): the path each save is given."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from serialint.facts.model import Const
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
        if not save.whole or save.function not in ("save", "save_model", "ModelCheckpoint"):
            continue
        given = save.site.call.keyword("save_format")
        save_format = (
            given.value if isinstance(given, Const) and isinstance(given.value, str) else None
        )
        flavor = save.flavor
        major = project.semantics.major_for(flavor) if flavor else project.keras_version
        path = project.written_by(save)
        yield ModelSave(save, save.function, path, save_format, major)


def literal_readers(project: Project, module: Module, path: PathText | None) -> list[Const]:
    """The literals of this module's loads that read the same file as a literal save path
    (``model.save("m.h5")`` ... ``load_model("m.h5")``): a rename must move them too."""
    if path is None or path.literal is None:
        return []
    found = []
    for load in project.loads.in_module(module):
        read = project.paths.of(module, load.path)
        literal = read.literal if read is not None else None
        if literal is not None and literal.span is not None and literal.value == path.literal.value:
            found.append(literal)
    return found


# Text a plain literal holds as it is spelled: no backslash, quote or unprintable character.
_SIMPLE = re.compile(r"[^\\'\"\x00-\x1f\x7f]*")


def _literal(text: str) -> str:
    """A string literal for ``text``, double-quoted where it can be (the common style)."""
    spelled = repr(text)
    if spelled.startswith("'") and '"' not in text:
        spelled = '"' + spelled[1:-1].replace("\\'", "'") + '"'
    return spelled


def rename_fix(
    path: PathText | None,
    old: tuple[str, ...],
    new: str,
    message: str,
    readers: list[Const] | None = None,
) -> Fix | None:
    """Replace the extension of a path written as one string literal, and of the literal loads
    of this module reading it (unsafe: other code may read the old name)."""
    literal = path.literal if path is not None else None
    if literal is None or literal.span is None or not isinstance(literal.value, str):
        return None
    text = literal.value
    ending = next((o for o in old if text.lower().endswith(o)), None)
    base = text[: -len(ending)] if ending else text
    edits = []
    for current in [literal, *(readers or [])]:
        span = current.span
        assert span is not None
        plain = (
            span.line == span.end_line
            and span.end_column - span.column == len(text) + 2  # 'text': nothing but quotes
            and _SIMPLE.fullmatch(text) is not None
        )
        if plain:  # keep the literal's own quotes: only its text changes
            edits.append(
                Edit(
                    base + new,
                    Position(span.line, span.column + 1),
                    Position(span.end_line, span.end_column - 1),
                )
            )
        else:
            # Spelled anew: a raw, triple-quoted or implicitly concatenated literal, or one
            # with escapes, cannot take a plain string's text between its quotes (r'C:\m.h5').
            edits.append(
                Edit(
                    _literal(base + new),
                    Position(span.line, span.column),
                    Position(span.end_line, span.end_column),
                )
            )
    moved = [r.span.line for r in readers or [] if r.span is not None]
    also = f" (and load it from there at line {', '.join(map(str, moved))})" if moved else ""
    return Fix(message.format(name=base + new) + also, "unsafe", tuple(edits))
