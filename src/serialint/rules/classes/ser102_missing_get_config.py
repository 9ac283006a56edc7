"""SER102 missing-get-config."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from serialint import config_semantics as cs
from serialint.facts.model import Parameter
from serialint.project import ClassConfig, Project
from serialint.rules.base import Violation
from serialint.rules.classes.config_common import (
    ConfigRule,
    base_name,
    evidence_phrase,
    missing_required,
    names_list,
    plural,
)
from serialint.rules.classes.get_config_fix import get_config_fix

_HINT = (
    "Define `get_config()` returning every `__init__` argument, starting from "
    "`super().get_config()`; store nested layers and functions with "
    "`keras.saving.serialize_keras_object` and rebuild them in `from_config`"
)


@dataclass(frozen=True)
class Fault:
    param: str
    why: str


class MissingGetConfig(ConfigRule):
    code = "SER102"

    VALID = (
        # Auto-config records basic arguments (Keras 3).
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def __init__(self, factor=2.0, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.factor = factor\n"
        "layer = Scale(factor=3.0)\n",
        # Forwarded to the built-in base, whose config stores it.
        "import keras\n"
        "class MyDense(keras.layers.Dense):\n"
        "    def __init__(self, units, **kwargs):\n"
        "        super().__init__(units=units, **kwargs)\n",
        # A project base defines get_config.
        "import keras\n"
        "class Base(keras.layers.Layer):\n"
        "    def get_config(self):\n        return super().get_config()\n"
        "class A(Base):\n"
        "    def __init__(self, inner=None, **kwargs):\n        super().__init__(**kwargs)\n"
        "A(inner=keras.layers.Dense(2))\n",
    )
    INVALID = (
        # A layer passed at a call site: Keras 3 cannot record it.
        "import keras\n"
        "class Wrap(keras.layers.Layer):\n"
        "    def __init__(self, inner, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.inner = inner\n"
        "layer = Wrap(keras.layers.Dense(4))\n",
        # A function as default.
        "import keras\nimport tensorflow as tf\n"
        "class Act(keras.layers.Layer):\n"
        "    def __init__(self, fn=tf.nn.relu, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.fn = fn\n",
        # An argument the built-in base's config does not hold.
        "import keras\n"
        "class ScaledDense(keras.layers.Dense):\n"
        "    def __init__(self, units, scale=1.0, **kwargs):\n"
        "        super().__init__(units, **kwargs)\n        self.scale = scale\n",
        # Regularizer.get_config raises.
        "import keras\n"
        "class L1(keras.regularizers.Regularizer):\n"
        "    def __call__(self, x):\n        return keras.ops.sum(keras.ops.abs(x))\n",
    )

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        if config.get_config is not None:
            return
        violation = self._judge(project, config)
        if violation is not None:
            yield violation

    def _judge(self, project: Project, config: ClassConfig) -> Violation | None:
        style = config.style.style
        name, kind = config.cls.name, config.kind.kind
        if style == "raises":
            failure = cs.RAISING_CONFIG_BASES[config.style.base.path].format(name=name)
            message = (
                f"Custom {kind} `{name}` has no `get_config`, and `{base_name(config)}."
                f'get_config` raises: saving a model that holds it fails with "{failure}"'
            )
            if config.major == 3:
                message += f"; {cs.ZERO_BYTE_NOTE}"
            return self._violation(project, config, message, [])
        if style == "auto":
            if config.kind.kind == "model" and config.major == 3:
                return None  # SER107: Keras 3 records a subclassed model's defaults
            faults = self._auto_faults(project, config)
            if not faults:
                return None
            if config.kind.kind == "model":  # tf-keras: an empty config, a load that fails
                message = (
                    f"Subclassed model `{name}` has no `get_config`, and tf-keras cannot record "
                    f"its {plural(len(faults), 'argument')} "
                    + "; ".join(f"`{f.param}` ({f.why})" for f in faults)
                    + ": the save succeeds with an empty config, and loading fails with "
                    '"TypeError: ... missing ... required positional argument" (or rebuilds '
                    "the model with the defaults)"
                )
                return self._violation(project, config, message, [])
            if faults[0].param.startswith("*"):
                failure = cs.VARIADIC_SAVE_ERROR.format(name=name)
            elif config.major == 2:
                failure = cs.AUTO_CONFIG_SAVE_ERROR_K2.format(name=name)
            else:
                failure = cs.AUTO_CONFIG_SAVE_ERROR.format(name=name)
            message = (
                f"Custom {kind} `{name}` has no `get_config`, and Keras {config.major} cannot "
                f"record its {plural(len(faults), 'argument')} "
                + "; ".join(f"`{f.param}` ({f.why})" for f in faults)
                + f': saving a model that holds it fails with "{failure}"'
            )
            if config.major == 3:
                message += f", and {cs.ZERO_BYTE_NOTE}"
            return self._violation(project, config, message, [])
        lost = self._unforwarded(project, config)
        if not lost:
            return None
        required = [p.name for p in lost if p.default is None]
        defaulted = [p.name for p in lost if p.default is not None]
        parts = []
        if required:
            parts.append(missing_required(name, required))
        if defaulted:
            parts.append(
                f"{names_list(defaulted)} silently {'reload' if len(defaulted) > 1 else 'reloads'}"
                " with the default (or the load fails on a weight-shape mismatch when it sizes "
                "weights)"
            )
        message = (
            f"Custom {kind} `{name}` has no `get_config`, so the config of its base "
            f"`{base_name(config)}` drops {names_list([p.name for p in lost])}: " + "; ".join(parts)
        )
        return self._violation(project, config, message, lost)

    def _auto_faults(self, project: Project, config: ClassConfig) -> list[Fault]:
        faults = []
        for param in config.params:
            evidence = project.configs.argument_evidence(config, param, defaults=config.major == 3)
            if config.major == 2:
                evidence = [e for e in evidence if e.source == "call"]
            if evidence:
                faults.append(Fault(param.name, evidence_phrase(project, evidence[0])))
        star = config.var_positional
        if star is not None and config.major == 3:
            extras = project.configs.positional_extras(config)
            if extras:
                faults.append(Fault(f"*{star.name}", "positional values are passed into it"))
        return faults

    @staticmethod
    def _unforwarded(project: Project, config: ClassConfig) -> list[Parameter]:
        forwarded = project.configs.forwarded(config)
        return [
            p
            for p in config.judged_params
            if p.name not in forwarded and not project.configs.restored(config, p.name)
        ]

    @staticmethod
    def _violation(
        project: Project, config: ClassConfig, message: str, lost: list[Parameter]
    ) -> Violation:
        # An argument the project shows holding an object needs more than a config entry.
        objects = any(project.configs.argument_evidence(config, p) for p in lost)
        return Violation(
            span=config.cls.fact.name_span,
            message=message,
            fix_hint=_HINT,
            fix=get_config_fix(config, lost) if lost and not objects else None,
        )
