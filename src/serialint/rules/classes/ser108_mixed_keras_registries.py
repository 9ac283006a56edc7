"""SER108 mixed-keras-registries."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.classes.registration_fix import decorator_for, package_of

_REGISTRY_WORDS = {
    "keras": "Keras 3's registry",
    "tf_keras": "tf-keras's registry",
}


class MixedKerasRegistries(Rule):
    code = "SER108"

    VALID = (
        "import tf_keras\n"
        "@tf_keras.saving.register_keras_serializable(package='p')\n"
        "class A(tf_keras.layers.Layer):\n    pass\n",
    )
    INVALID = (
        "import keras\nimport tf_keras\n"
        "@keras.saving.register_keras_serializable(package='p')\n"
        "class A(tf_keras.layers.Layer):\n    pass\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(c.decorators for c in module.facts.classes) or bool(module.facts.calls)

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for cls, kind in project.keras_classes(context.module):
            wrong = project.registry.wrong_registrations(cls)
            if not wrong:
                continue
            wanted = project.registry.wanted_registry(cls)
            used = wrong[0].registry
            decorator = decorator_for(project, cls, kind)
            hint = (
                f'Register it with @{decorator.spelling}(package="{package_of(cls)}")'
                if decorator is not None
                else "Register it through the registry of the Keras it subclasses"
            )
            yield Violation(
                span=cls.fact.name_span,
                message=(
                    f"Custom {kind.kind} `{cls.name}` subclasses "
                    f"{'tf-keras' if wanted == 'tf_keras' else 'Keras 3'} but is registered "
                    f"in {_REGISTRY_WORDS.get(used, used)} (line {wrong[0].line}): a load "
                    f"looks in {_REGISTRY_WORDS.get(wanted, wanted)}, and fails even with its "
                    "module imported"
                ),
                fix_hint=hint,
            )
