"""Classes registered under the same key: a saved model loads whichever was imported last."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from serialint.project.classes import Classes, ProjectClass, alternatives
from serialint.project.modules import Module, Modules
from serialint.project.registry import Registration, Registry

Member = tuple[ProjectClass, Registration]


def registration_collisions(
    registry: Registry,
    classes: Classes,
    modules: Modules,
    is_library: Callable[[Module], bool],
    import_closure: Callable[[Module], set[str]],
) -> list[list[Member]]:
    """Groups of different classes registered under one ``package>Name`` (or dict key) in one
    registry, that one program can import together: in the same module, a module importing
    them all, or a library (its users import what they like)."""
    by_key: dict[tuple[str, str], dict[str, Member]] = defaultdict(dict)
    for registration in [*registry.decorations, *registry.entries]:
        cls = registration.definition or classes.get(registration.qualname)
        if registration.key is None or cls is None or registration in registry.mismatched:
            continue
        by_key[(registration.registry, registration.key)].setdefault(
            cls.qualname, (cls, registration)
        )
    groups = []
    for members in by_key.values():
        if len(members) < 2:
            continue
        found = list(members.values())
        if all(
            a.module is b.module and alternatives(a.fact, b.fact)
            for i, (a, _) in enumerate(found)
            for b, _ in found[i + 1 :]
        ):
            continue  # if/else versions of one class: only one is ever registered
        if len({c.fact.body_digest for c, _ in found}) == 1:
            continue  # copies of one class: whichever wins, the model loads the same code
        names = {c.module.name for c, _ in found}
        if (
            len(names) == 1
            or any(is_library(c.module) for c, _ in found)
            or any(names <= import_closure(m) for m in modules)
        ):
            groups.append(found)
    return groups
