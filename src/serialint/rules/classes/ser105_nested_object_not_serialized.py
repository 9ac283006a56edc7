"""SER105 nested-object-not-serialized."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import config_semantics as cs
from serialint.project import ClassConfig, Project
from serialint.rules.base import Violation
from serialint.rules.classes.config_common import (
    ConfigRule,
    get_config_span,
)
from serialint.rules.classes.get_config_fix import serialize_fix


class NestedObjectNotSerialized(ConfigRule):
    code = "SER105"

    VALID = (
        # from_config rebuilds it.
        "import keras\n"
        "class Wrap(keras.layers.Layer):\n"
        "    def __init__(self, inner, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.inner = inner\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(),\n"
        "                'inner': keras.saving.serialize_keras_object(self.inner)}\n"
        "    @classmethod\n    def from_config(cls, config):\n"
        "        config['inner'] = keras.saving.deserialize_keras_object(config['inner'])\n"
        "        return cls(**config)\n"
        "Wrap(keras.layers.Dense(2))\n",
        # __init__ rebuilds it (activations.get accepts a name or a config).
        "import keras\n"
        "class Act(keras.layers.Layer):\n"
        "    def __init__(self, activation='relu', **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.activation = keras.activations.get(activation)\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(),\n"
        "                'activation': keras.activations.serialize(self.activation)}\n",
    )
    INVALID = (
        "import keras\n"
        "class Wrap(keras.layers.Layer):\n"
        "    def __init__(self, inner, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.inner = inner\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'inner': self.inner}\n"
        "Wrap(keras.layers.Dense(2))\n",
        "import keras\n"
        "class Wrap(keras.layers.Layer):\n"
        "    def __init__(self, inner, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.inner = inner\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(),\n"
        "                'inner': keras.layers.serialize(self.inner)}\n",
    )

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        if config.get_config is None:
            return
        faults = []
        for entry in config.get_config.entries:
            kinds, serialized = project.configs.entry_kinds(config, entry)
            nested = sorted(kinds & cs.NESTED_KINDS)
            if nested and not project.configs.rebuilt(config, entry.key):
                faults.append((entry.key, nested[0], serialized))
        if not faults:
            return
        key, kind, serialized = faults[0]
        stored = "serialized" if serialized else "as it is"
        keys = ", ".join(f"`{k}`" for k, _, _ in faults)
        message = (
            f"Custom {config.kind.kind} `{config.cls.name}`: `get_config` stores "
            f"{cs.KIND_WORDS[kind]} under {keys} ({stored}), and nothing rebuilds it on "
            "load: `from_config` passes the serialized dict to `__init__`, so the "
            f"{config.kind.kind} gets a dict where it expects {cs.KIND_WORDS[kind]} "
            '("could not be deserialized properly", or "\'dict\' object is not callable")'
        )
        yield Violation(
            span=get_config_span(config),
            message=message,
            fix_hint=(
                f"Store it with `keras.saving.serialize_keras_object(...)` and add a "
                f'`from_config` that rebuilds it: `config["{key}"] = '
                f'keras.saving.deserialize_keras_object(config["{key}"])`, then `cls(**config)`'
            ),
            fix=serialize_fix(config, [(k, s) for k, _, s in faults]),
        )
