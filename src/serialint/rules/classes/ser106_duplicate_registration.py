"""SER106 duplicate-registration."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.facts.model import Span
from serialint.project import Module, Project, ProjectClass
from serialint.project.registry import Registration
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.messages import where


class DuplicateRegistration(Rule):
    code = "SER106"

    VALID = (
        "import keras\n"
        "@keras.saving.register_keras_serializable(package='a')\n"
        "class Attention(keras.layers.Layer):\n    pass\n"
        "@keras.saving.register_keras_serializable(package='b')\n"
        "class Attention2(keras.layers.Layer):\n    pass\n",
        # Copies of one class (docstrings aside): whichever wins runs the same code.
        "import keras\n"
        "@keras.saving.register_keras_serializable(package='p', name='Block')\n"
        'class Block(keras.layers.Layer):\n    "One copy."\n'
        "    def call(self, x):\n        return x\n"
        "@keras.saving.register_keras_serializable(package='p', name='Block')\n"
        'class Block2(keras.layers.Layer):\n    "Another copy."\n'
        "    def call(self, x):\n        return x\n",
        # An alias key for a renamed class (no class of that name exists).
        "import keras\n"
        "class NewBlock(keras.layers.Layer):\n    pass\n"
        "keras.utils.get_custom_objects()['OldBlock'] = NewBlock\n",
    )
    INVALID = (
        "import keras\n"
        "@keras.saving.register_keras_serializable()\n"
        "class Attention(keras.layers.Layer):\n"
        "    def call(self, x):\n        return x\n"
        "@keras.saving.register_keras_serializable(name='Attention')\n"
        "class Attention2(keras.layers.Layer):\n"
        "    def call(self, x):\n        return -x\n",
        "import keras\n"
        "class AddPositionalEncoding(keras.layers.Layer):\n    pass\n"
        "class AddCoordinateEncoding(keras.layers.Layer):\n    pass\n"
        "keras.utils.get_custom_objects().update({\n"
        "    'AddPositionalEncoding': AddCoordinateEncoding,\n"
        "    'AddCoordinateEncoding': AddCoordinateEncoding,\n"
        "})\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(c.decorators for c in module.facts.classes) or bool(
            module.facts.stores or module.facts.calls
        )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for group in project.registration_collisions:
            for cls, registration in group:
                if cls.module is not context.module:
                    continue
                others = ", ".join(
                    f"`{other.name}` ({where(project, other)})"
                    for other, _ in group
                    if other is not cls
                )
                yield Violation(
                    span=cls.fact.name_span,
                    message=(
                        f"`{cls.name}` is registered as `{registration.key}`, and so is "
                        f"{others}: Keras keeps whichever is imported last, silently, and a "
                        "saved model holding one loads as the other"
                    ),
                    fix_hint="Give each class its own `package=` or `name=` in the decorator",
                )
        for entry in project.registry.mismatched:
            if entry.module is not context.module:
                continue
            named = self._class_named(project, entry)
            if named is None:
                continue
            held = project.classes.get(entry.qualname)
            held_name = held.name if held is not None else entry.qualname
            yield Violation(
                span=Span(entry.line, 1, entry.line, 1),
                message=(
                    f"The registry entry `'{entry.key}'` holds `{held_name}`, not "
                    f"`{named.name}` ({where(project, named)}): a saved model holding "
                    f"`{named.name}` loads as `{held_name}`, with wrong results and no error"
                ),
                fix_hint=f"Register `{named.name}` under its own name",
            )

    @staticmethod
    def _class_named(project: Project, entry: Registration) -> ProjectClass | None:
        """The project's Keras class the key names (an alias key of a renamed class names
        none, and is fine)."""
        for cls in project.classes.definitions:
            if cls.name == entry.key and project.classes.keras_kind(cls) is not None:
                return cls
        return None
