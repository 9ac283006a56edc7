"""SER104 init-missing-kwargs."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.project import ClassConfig, Project
from serialint.rules.base import Violation
from serialint.rules.classes.config_common import ConfigRule
from serialint.rules.classes.get_config_fix import kwargs_fix


class InitMissingKwargs(ConfigRule):
    code = "SER104"

    VALID = (
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def __init__(self, factor=2.0, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.factor = factor\n",
        # A get_config of its own keys only, without super: consistent.
        "import keras\n"
        "class Block(keras.initializers.Initializer):\n"
        "    def __init__(self, scale=1.0):\n        self.scale = scale\n"
        "    def get_config(self):\n        return {'scale': self.scale}\n",
        # Keras 2's auto-config passes back only the arguments.
        "import tf_keras\n"
        "class Scale(tf_keras.layers.Layer):\n"
        "    def __init__(self, factor=2.0):\n"
        "        super().__init__()\n        self.factor = factor\n",
    )
    INVALID = (
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def __init__(self, factor=2.0):\n"
        "        super().__init__()\n        self.factor = factor\n",
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def __init__(self, factor=2.0):\n"
        "        super().__init__()\n        self.factor = factor\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'factor': self.factor}\n",
        # name= given to super beside **kwargs: on load `name` arrives twice.
        "import keras\n"
        "class Block(keras.layers.Layer):\n"
        "    def __init__(self, units=2, **kwargs):\n"
        "        super().__init__(name='block', **kwargs)\n        self.units = units\n",
    )

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        if config.init is None:
            return
        if config.from_config is not None and not config.from_config.passes_config:
            return  # its own from_config decides what reaches __init__
        violation = self._judge(project, config)
        if violation is not None:
            yield violation

    def _judge(self, project: Project, config: ClassConfig) -> Violation | None:
        keys = project.configs.keys(config)
        name = config.cls.name
        where = (
            f"`{name}.__init__`"
            if config.init_owner is config.cls or config.init_owner is None
            else f"`{config.init_owner.name}.__init__` (inherited by `{name}`)"
        )
        if not config.has_var_keyword:
            # Keys the class's own get_config adds are SER103's business; these are the ones
            # Keras or a project base adds.
            own = (
                set(config.get_config.keys)
                if config.get_config is not None and config.config_owner is config.cls
                else set()
            )
            candidates = [k for k in keys.keys if k in keys.base or k not in own]
            failing = next((k for k in candidates if not config.accepts(k)), None)
            if failing is None:
                return None
            source = "the config from `super().get_config()`" if keys.reaches_base else "its config"
            message = (
                f"{where} takes no `**kwargs`: loading passes every key of {source} back to "
                f'`__init__`, and fails with "TypeError: {name}.__init__() got an unexpected '
                f"keyword argument '{failing}'\""
            )
            return Violation(
                span=config.cls.fact.name_span,
                message=message,
                fix_hint="Add `**kwargs` to `__init__` and pass it to `super().__init__(**kwargs)`",
                fix=kwargs_fix(config),
            )
        for key, _line in project.configs.explicit_keywords(config, keys):
            if key.startswith("#"):  # a positional value: "#1" (built-in base), "#1:filters"
                position, _, name = key[1:].partition(":")
                what = f"argument {position}" + (f" (`{name}`)" if name else "")
                message = (
                    f"{where} passes {what} to `super().__init__` itself, beside `**kwargs`: "
                    "the saved config holds it under its name, so loading passes it in "
                    '`kwargs` too and fails with "TypeError: ... got multiple values for '
                    f"argument '{name or '...'}'\""
                )
                return Violation(
                    span=config.cls.fact.name_span,
                    message=message,
                    fix_hint="Take it as a parameter with that default and pass it on by name",
                )
            message = (
                f"{where} passes `{key}=` to `super().__init__` beside `**kwargs`: the "
                f'saved config holds `{key}` too, so loading fails with "TypeError: '
                f"... got multiple values for keyword argument '{key}'\""
            )
            return Violation(
                span=config.cls.fact.name_span,
                message=message,
                fix_hint=(
                    f'Use `kwargs.setdefault("{key}", ...)` before '
                    "`super().__init__(**kwargs)` instead of passing it explicitly"
                ),
            )
        return None
