"""What goes wrong with one stored function, as measured (KERAS-SEMANTICS §2e, §2f; the catalogue
pages of SER201 and SER202 quote the errors)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from serialint.project import FunctionUse, Module, Project, StoredFunction
from serialint.rules.base import Rule, RuleContext

LAMBDA_REFUSED_K3 = (
    'Keras 3 refuses the load without `safe_mode=False` ("Requested the deserialization of a '
    '`Lambda` layer whose `function` is a Python lambda")'
)
LAMBDA_REFUSED_K2 = (
    "tf-keras refuses a `.keras` load without `safe_mode=False` and runs the bytecode of an "
    "`.h5` or SavedModel load unchecked"
)
MARSHAL = (
    "its bytecode is stored with `marshal`, tied to the Python version that saved it "
    "(`bad marshal data (unknown type code)` on an older Python; a newer one may load it and "
    "crash), and a lambda reading module globals fails with `NameError` at its first call"
)
PARTIAL = 'the save itself fails: "TypeError: Cannot serialize object functools.partial(...)"'


@dataclass(frozen=True)
class Hazard:
    function: StoredFunction
    bytecode: bool  # stored as marshal bytecode (else: by name, or not at all)
    consequence: str


def major(project: Project, use: FunctionUse) -> int:
    """The Keras that builds the layer: the call's own flavour, else the project's."""
    if use.flavor is None:
        return project.keras_version
    return project.semantics.major_for(use.flavor)


def hazard(project: Project, use: FunctionUse, function: StoredFunction) -> Hazard | None:
    """How a load of a model holding ``function`` fails; None when it loads."""
    version = major(project, use)
    if function.kind == "partial":
        return Hazard(function, False, PARTIAL)
    if function.kind == "lambda" or (version == 2 and use.lambda_layer and function.kind == "def"):
        if use.compile_only and _compile_skipped(project, use):
            return None
        refused = LAMBDA_REFUSED_K3 if version == 3 else LAMBDA_REFUSED_K2
        return Hazard(function, True, f"{refused}; {MARSHAL}")
    assert function.function is not None
    if project.registry.function_registered(function.function):
        return None
    if project.provided_at_every_load(use, function):
        return None
    if version == 2 and function.kind == "method":
        return Hazard(function, False, 'the load fails with "TypeError: unsupported callable"')
    stored = "a method" if function.kind == "method" else "a function"
    return Hazard(
        function,
        False,
        f'Keras stores {stored} only by its name, so the load fails with "Could not locate '
        f"function '{function.name}'\" unless it is registered or passed in `custom_objects` "
        "(importing its module does not help)",
    )


def _compile_skipped(project: Project, use: FunctionUse) -> bool:
    loads = project.loads_meeting_use(use)
    return bool(loads) and all(load.compile_false for load in loads)


def hazards(project: Project, use: FunctionUse) -> list[Hazard]:
    return [h for f in use.functions if (h := hazard(project, use, f)) is not None]


class StoredFunctionRule(Rule):
    """A rule about some of the hazards of stored functions, in models that can be saved
    whole: ``candidates`` says which hazards of a use are this rule's."""

    @staticmethod
    def candidates(project: Project, use: FunctionUse) -> list[Hazard]:
        raise NotImplementedError

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        uses = project.stored_functions.in_module(module)
        return any(cls.candidates(project, use) for use in uses)

    def saved_hazards(self, context: RuleContext) -> Iterator[tuple[FunctionUse, list[Hazard]]]:
        project = context.project
        for use in project.stored_functions.in_module(context.module):
            found = self.candidates(project, use)
            if found and project.use_saved_whole(use):
                yield use, found
