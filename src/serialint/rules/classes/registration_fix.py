"""SER101's fix: the registration decorator of the class's Keras flavour, plus its import.

Applicability (see the rule page): *safe* for a class at the top level of a package module,
whose ``package>Name`` key no other project class uses: new saves then store
``package>Name`` and load wherever the module is imported, and files saved before keep loading
exactly as they did (their ``custom_objects`` still resolve the old key).  *Unsafe* for a class
in a script: the registration reaches only programs that import the script, and importing a
script runs its top level.  No fix for nested classes, for Keras 2's old ``keras.engine`` and
TF's frozen ``tensorflow.python.keras`` (no decorator there), or when the key would collide.
"""

from __future__ import annotations

from dataclasses import dataclass

from serialint import names
from serialint.findings import Edit, Fix, Position
from serialint.project import KerasKind, Project, ProjectClass


@dataclass(frozen=True)
class Decorator:
    """How the decorator is spelled in this module, and the import it needs (if any)."""

    spelling: str
    import_line: str | None


def decorator_for(project: Project, cls: ProjectClass, kind: KerasKind) -> Decorator | None:
    flavor = kind.base.flavor
    if flavor == "keras2" and not kind_is_tf_keras(project, cls):
        return None  # standalone Keras 2 (keras.engine): no register_keras_serializable
    paths = names.DECORATOR_PATHS.get(flavor)
    if paths is None:
        return None
    name, statement, spelling = names.DECORATOR_IMPORTS[flavor]
    if flavor == "keras3" and project.semantics.major_for("keras3") == 2:
        # Standalone Keras 2 has keras.utils.register_keras_serializable (Keras 3 has both).
        paths = (("keras", "utils.register_keras_serializable"), *paths[1:])
        spelling = "keras.utils.register_keras_serializable"
    # Only names bound at import time above the class exist when its decorator runs.
    bound = {
        name: reference
        for name, (reference, line) in cls.module.facts.import_time_names.items()
        if line < cls.fact.first_line
    }
    taken = cls.module.facts.import_time_names
    for local, reference in sorted(bound.items()):
        if not reference:
            continue
        absolute = project.modules.absolute(cls.module, reference)
        for root, rest in paths:
            if absolute == root:
                return Decorator(f"{local}.{rest}" if rest else local, None)
    if name in taken:
        return None  # the name we would import is bound to something else
    return Decorator(spelling, statement)


def kind_is_tf_keras(project: Project, cls: ProjectClass) -> bool:
    """A Keras 2 class reached through ``tf_keras`` (not standalone ``keras.engine``)."""
    return any(
        base.startswith("tf_keras")
        for c in [cls, *project.classes.ancestors(cls)]
        for base in project.classes.bases(c)
    )


def package_of(cls: ProjectClass) -> str:
    if cls.module.is_notebook:
        return cls.module.path.stem
    return cls.module.name.split(".")[0]


def registration_fix(project: Project, cls: ProjectClass, kind: KerasKind) -> Fix | None:
    fact = cls.fact
    if fact.in_function or "." in fact.qualname:
        return None
    decorator = decorator_for(project, cls, kind)
    if decorator is None:
        return None
    package = package_of(cls)
    if _collides(project, cls, package):
        return None
    lines = cls.module.facts
    edits = [
        Edit(
            f'{fact.indent}@{decorator.spelling}(package="{package}")\n',
            Position(fact.first_line, 1),
            Position(fact.first_line, 1),
        )
    ]
    if decorator.import_line is not None:
        # After the last top-level import above the class (never below it), else at the top.
        above = [end for _, end in lines.top_imports if end < fact.first_line]
        at = Position(max(above) + 1 if above else min(lines.header_line, fact.first_line), 1)
        edits.insert(0, Edit(decorator.import_line + "\n", at, at))
    in_package = "." in cls.module.name or cls.module.is_package
    return Fix(
        message=f'Register `{cls.name}` with @{decorator.spelling}(package="{package}")',
        applicability="safe" if in_package else "unsafe",
        edits=tuple(edits),
    )


def _collides(project: Project, cls: ProjectClass, package: str) -> bool:
    """Another project class would register (or is registered) under the same key."""
    return any(
        other.qualname != cls.qualname
        and other.name == cls.name
        and package_of(other) == package
        and project.classes.keras_kind(other) is not None
        for other in project.classes.all.values()
    )
