"""SER103 incomplete-get-config."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import config_semantics as cs
from serialint.project import ClassConfig, Project
from serialint.rules.base import Violation
from serialint.rules.classes.config_common import (
    ConfigRule,
    get_config_span,
    missing_required,
    names_list,
    plural,
)
from serialint.rules.classes.get_config_fix import complete_config_fix, stored_attribute


class IncompleteGetConfig(ConfigRule):
    code = "SER103"

    VALID = (
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def __init__(self, factor, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.factor = factor\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'factor': self.factor}\n",
        # Keys it cannot read: not judged.
        "import keras\n"
        "class P(keras.layers.Layer):\n"
        "    def __init__(self, a=1, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.params = {'a': a}\n"
        "    def get_config(self):\n"
        "        config = super().get_config()\n        config.update(self.params)\n"
        "        return config\n",
        # A from_config of its own decides what the config is.
        "import keras\n"
        "class F(keras.layers.Layer):\n"
        "    def __init__(self, a, **kwargs):\n        super().__init__(**kwargs)\n"
        "    def get_config(self):\n        return super().get_config()\n"
        "    @classmethod\n    def from_config(cls, config):\n        return cls(a=1)\n",
    )
    INVALID = (
        # Drops a required argument.
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def __init__(self, factor, bias=0.0, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.factor = factor\n        self.bias = bias\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'bias': self.bias}\n",
        # Does not start from super().get_config().
        "import keras\n"
        "class Block(keras.layers.Layer):\n"
        "    def __init__(self, units=4, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.units = units\n"
        "    def get_config(self):\n        return {'units': self.units}\n",
        # A subclass adds an argument and inherits its base's get_config.
        "import keras\n"
        "class Base(keras.layers.Layer):\n"
        "    def __init__(self, units=4, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.units = units\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'units': self.units}\n"
        "class Wide(Base):\n"
        "    def __init__(self, width, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.width = width\n",
    )

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        if config.get_config is None:
            return
        violation = self._judge(project, config)
        if violation is not None:
            yield violation

    def _judge(self, project: Project, config: ClassConfig) -> Violation | None:
        keys = project.configs.keys(config)
        if config.style.style == "raises" and keys.reaches_base:
            return self._raising_super(config)
        # A from_config of its own decides which arguments the config must hold.
        custom = config.from_config is not None and not config.from_config.passes_config
        missing = (
            []
            if keys.open or custom
            else [
                p for p in config.judged_params if not project.configs.covers(config, keys, p.name)
            ]
        )
        no_super = (
            config.kind.kind in ("layer", "model")
            and not keys.open
            and not keys.reaches_base
            and "name" not in keys.keys
        )
        if not missing and not no_super:
            return None
        name = config.cls.name
        where = (
            "its `get_config`"
            if config.config_owner is config.cls
            else (
                f"the `get_config` it inherits from `{config.config_owner.name}`"
                if config.config_owner is not None
                else "its `get_config`"
            )
        )
        parts = []
        required = [p.name for p in missing if p.default is None]
        defaulted = [p.name for p in missing if p.default is not None]
        if required:
            parts.append(
                f"drops the required {plural(len(required), 'argument')} {names_list(required)}: "
                + missing_required(name, required)
            )
        if defaulted:
            parts.append(
                f"drops {names_list(defaulted)}, which {'have defaults' if len(defaulted) > 1 else 'has a default'}: "
                "the reloaded object silently gets the default (or the load fails on a "
                "weight-shape mismatch when it sizes weights)"
            )
        if no_super:
            parts.append(
                "does not start from `super().get_config()`: the name, the `trainable` flag "
                "and the dtype policy are silently lost on load"
            )
        message = f"Custom {config.kind.kind} `{name}`: {where} " + "; it ".join(parts)
        return Violation(
            span=get_config_span(config),
            message=message,
            fix_hint=self._hint(config, [p.name for p in missing], no_super),
            fix=complete_config_fix(config, missing) if missing and not no_super else None,
        )

    @staticmethod
    def _raising_super(config: ClassConfig) -> Violation:
        failure = cs.RAISING_CONFIG_BASES[config.style.base.path].format(name=config.cls.name)
        message = (
            f"Custom {config.kind.kind} `{config.cls.name}`: its `get_config` starts from "
            f"`super().get_config()`, and `{config.style.base.name}.get_config` raises: saving "
            f'a model that holds it fails with "{failure}"'
        )
        if config.major == 3:
            message += f", and {cs.ZERO_BYTE_NOTE}"
        return Violation(
            span=get_config_span(config),
            message=message,
            fix_hint="Build the config dict without `super().get_config()`",
        )

    @staticmethod
    def _hint(config: ClassConfig, missing: list[str], no_super: bool) -> str:
        hints = []
        if missing:
            entries = []
            for param in config.params:
                if param.name in missing:
                    attribute = stored_attribute(config, param) or param.name
                    entries.append(f'"{param.name}": self.{attribute}')
            hints.append("Add " + ", ".join(entries) + " to the dict `get_config` returns")
        if no_super:
            hints.append("start it from `config = super().get_config()`")
        return "; ".join(hints)
