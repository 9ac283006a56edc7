"""SER107 model-subclass-config-defaults."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import config_semantics as cs
from serialint.project import ClassConfig, Project
from serialint.rules.base import Violation
from serialint.rules.classes.config_common import ConfigRule, names_list
from serialint.rules.classes.get_config_fix import get_config_fix


def _calls_functional_init(config: ClassConfig) -> bool:
    """``super().__init__(inputs, outputs)`` (or by keyword): a functional model."""
    owner = config.init_owner
    if owner is None:
        return False
    return any(
        len(call.args) >= 2 or call.keyword("inputs") is not None or call.keyword("outputs")
        for call in owner.fact.super_inits
    )


def objects_passed(project: Project, config: ClassConfig) -> bool:
    return any(project.configs.argument_evidence(config, p) for p in config.judged_params)


class ModelSubclassConfigDefaults(ConfigRule):
    code = "SER107"

    VALID = (
        "import keras\n"
        "class Net(keras.Model):\n"
        "    def __init__(self, units=8, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.units = units\n        self.dense = keras.layers.Dense(units)\n"
        "    def call(self, x):\n        return self.dense(x)\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'units': self.units}\n",
        # No constructor arguments: nothing to lose.
        "import keras\n"
        "class Net(keras.Model):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.dense = keras.layers.Dense(2)\n"
        "    def call(self, x):\n        return self.dense(x)\n",
    )
    INVALID = (
        "import keras\n"
        "class Net(keras.Model):\n"
        "    def __init__(self, units=8, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.units = units\n        self.dense = keras.layers.Dense(units)\n"
        "    def call(self, x):\n        return self.dense(x)\n"
        "model = Net(units=32)\n",
        "import keras\n"
        "class Net(keras.Model):\n"
        "    def __init__(self, units, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.units = units\n        self.dense = keras.layers.Dense(units)\n"
        "    def call(self, x):\n        return self.dense(x)\n",
    )

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        if (
            config.get_config is not None
            or config.kind.kind != "model"
            or config.major != 3
            or config.style.style != "auto"
            or not config.judged_params
        ):
            return
        name = config.cls.name
        params = config.judged_params
        required = [p.name for p in params if p.default is None]
        defaulted = [p.name for p in params if p.default is not None]
        parts = []
        functional = _calls_functional_init(config)
        if required and functional:
            # Functional's own config stores only name/trainable/dtype: the save works.
            parts.append(
                f"{names_list(required)} {'have' if len(required) > 1 else 'has'} no default: "
                'the save succeeds, and loading fails with "TypeError: Unable to revive model '
                f"from config ... missing {len(required)} required positional "
                f'argument{"s" if len(required) > 1 else ""}"'
            )
        elif required:
            failure = cs.AUTO_CONFIG_SAVE_ERROR.format(name=name)
            parts.append(
                f"{names_list(required)} {'have' if len(required) > 1 else 'has'} no "
                f'default, so saving fails with "{failure}", and {cs.ZERO_BYTE_NOTE}'
            )
        if defaulted:
            objects = [
                p.name
                for p in params
                if p.default is not None
                and project.configs.argument_evidence(config, p, defaults=False)
            ]
            part = (
                f"{names_list(defaulted)} reload{'s' if len(defaulted) == 1 else ''} with "
                "the default whatever the model was built with: a silently different "
                'model, or a load that fails on a weight-shape mismatch ("expected 2 '
                'variables, but received 0 variables during loading")'
            )
            if objects:
                part += f"; a layer or object passed as {names_list(objects)} is stored as null"
            parts.append(part)
        yield Violation(
            span=config.cls.fact.name_span,
            message=(
                f"Subclassed model `{name}` has no `get_config`: Keras 3 saves its "
                "`__init__` defaults, not the values passed: " + "; ".join(parts)
            ),
            fix_hint=(
                "Define `get_config()` returning every `__init__` argument, starting from "
                "`super().get_config()`"
            ),
            # A layer argument needs serialize_keras_object and a from_config: not exact.
            fix=None if objects_passed(project, config) else get_config_fix(config, params),
        )
