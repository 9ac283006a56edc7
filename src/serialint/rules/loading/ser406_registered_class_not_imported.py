"""SER406 registered-class-not-imported."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.paths import relative_posix
from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.messages import place

_SHOWN = 3


class RegisteredClassNotImported(Rule):
    code = "SER406"

    VALID = (
        # The loader imports the registering module.
        "import keras\nimport layers\n"
        "model = keras.Sequential([keras.Input((3,)), layers.Scale()])\nmodel.save('m.keras')\n"
        "restored = keras.saving.load_model('m.keras')\n",
    )
    INVALID = ()  # needs two modules: see tests/fixtures/SER406

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return bool(project.loads.in_module(module)) and _is_program(project, module)

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project, module = context.project, context.module
        closure = project.import_closure(module)
        for load in project.loads.in_module(module):
            if load.in_scope or load.provided is None:
                continue
            missing = [
                (name, home, save)
                for name, home, save in project.registered_needed_by(load)
                if home.name not in closure and name not in _short_names(load.provided)
            ]
            if not missing:
                continue
            name, home, save = missing[0]
            kind = "class" if project.classes.get(f"{home.name}.{name}") else "function"
            shown = ", ".join(
                f"`{n}` ({relative_posix(h.path, project.root)})" for n, h, _ in missing[:_SHOWN]
            )
            written = place(project, save.module, save.site.span.line)
            yield Violation(
                span=load.site.func_span,
                message=(
                    f"`{load.function}` reads the model saved at {written}, which needs the "
                    f"registered {shown}, but this program never imports "
                    f"`{home.name}`: registration happens at import, so the load fails with "
                    f"\"Could not locate {kind} '{name}'\""
                ),
                fix_hint=f"Import {home.name} in this program before loading (or pass custom_objects)",
            )


def _is_program(project: Project, module: Module) -> bool:
    """A module no other project module imports: what it imports is all its program has."""
    return project.imports.importers(module) == {module.name}


def _short_names(provided: frozenset[str]) -> set[str]:
    return {name.rpartition(".")[2] for name in provided}
