"""The fixes of the get_config rules: write a ``get_config`` from ``__init__`` (SER102, SER107),
and give ``__init__`` the ``**kwargs`` Keras passes back (SER104)."""

from __future__ import annotations

from collections.abc import Sequence

from serialint.facts.model import Attr, Call, Param, Parameter
from serialint.findings import Edit, Fix, Position
from serialint.project import ClassConfig

_LINE_LENGTH = 88  # ruff's and black's default


def stored_attribute(config: ClassConfig, param: Parameter) -> str | None:
    """The ``self.<name>`` that ``__init__`` stores the argument in unchanged (``self.units =
    units``), preferring the argument's own name; None when it is not stored as it is."""
    owner = config.init_owner
    if owner is None:
        return None
    found = []
    for attribute, values in owner.fact.attributes:
        if "__init__" not in owner.fact.methods_assigning(attribute):
            continue
        if len(values) == 1 and _is_init_param(values[0], param.name):
            found.append(attribute)
    for preferred in (param.name, f"_{param.name}"):
        if preferred in found:
            return preferred
    return found[0] if len(found) == 1 else None


def config_entries(config: ClassConfig, params: Sequence[Parameter]) -> list[str] | None:
    """``"units": self.units`` for each argument; None when one is not stored as it is."""
    entries = []
    for param in params:
        attribute = stored_attribute(config, param)
        if attribute is None:
            return None
        entries.append(f'"{param.name}": self.{attribute}')
    return entries


def _is_init_param(value: object, name: str) -> bool:
    return isinstance(value, Param) and value.name == name and value.scope.endswith("__init__")


def get_config_fix(config: ClassConfig, params: Sequence[Parameter]) -> Fix | None:
    """A ``get_config`` that starts from ``super().get_config()`` and adds every constructor
    argument; only when each one is stored on ``self`` as it is.  Unsafe: the saved config
    changes (and a value Keras cannot serialize now fails at save instead of at load)."""
    if config.cls is not config.init_owner or not params:
        return None
    entries = config_entries(config, params)
    if entries is None:
        return None
    fact = config.cls.fact
    indent = fact.body_indent or fact.indent + "    "
    inner = indent + "    "
    one_line = f"{inner}config.update({{{', '.join(entries)}}})"
    update = (
        [one_line]
        if len(one_line) <= _LINE_LENGTH
        else [
            f"{inner}config.update(",
            f"{inner}    {{",
            *(f"{inner}        {entry}," for entry in entries),
            f"{inner}    }}",
            f"{inner})",
        ]
    )
    lines = [
        "",
        f"{indent}def get_config(self):",
        f"{inner}config = super().get_config()",
        *update,
        f"{inner}return config",
    ]
    at = Position(fact.end_line + 1, 1)
    return Fix(
        "Add a `get_config` returning every `__init__` argument",
        "unsafe",
        (Edit("\n".join(lines) + "\n", at, at),),
    )


def kwargs_fix(config: ClassConfig) -> Fix | None:
    """``def __init__(self, units)`` -> ``(self, units, **kwargs)``, and ``**kwargs`` passed to
    its single ``super().__init__(...)``.  Safe: Keras' own ``__init__`` takes exactly those
    keys; offered only when the edit is exact."""
    init = config.init
    owner = config.init_owner
    if init is None or owner is not config.cls or init.params_end == (0, 0):
        return None
    if any(p.name == "kwargs" for p in init.params):
        return None
    calls = owner.fact.super_inits
    if len(calls) != 1 or calls[0].span is None or calls[0].has_double_star:
        return None
    call = calls[0]
    if not (isinstance(call.func, Attr) and isinstance(call.func.value, Call)):
        return None  # ``Base.__init__(self, ...)``: its recorded arguments leave out ``self``
    if any(
        k.name in config.style.base_keys(config.major) and not _is_init_param(k.value, k.name)
        for k in call.keywords
    ):
        return None  # ``super().__init__(trainable=False)`` + kwargs: the key would come twice
    span = call.span
    assert span is not None
    line, column = init.params_end
    separator = ", " if call.args or call.keywords else ""
    return Fix(
        "Add `**kwargs` to `__init__` and pass it to `super().__init__`",
        "safe",
        (
            Edit(", **kwargs", Position(line, column), Position(line, column)),
            Edit(
                f"{separator}**kwargs",
                Position(span.end_line, span.end_column - 1),
                Position(span.end_line, span.end_column - 1),
            ),
        ),
    )


def complete_config_fix(config: ClassConfig, missing: Sequence[Parameter]) -> Fix | None:
    """``config.update({...})`` before the ``return config`` that ends the class's own
    ``get_config``, for arguments stored on ``self`` as they are.  Unsafe: files saved
    afterwards hold more keys (and a value Keras cannot serialize would now fail the save)."""
    fact = config.get_config
    if fact is None or config.config_owner is not config.cls or fact.returned is None:
        return None
    entries = config_entries(config, missing)
    if entries is None:
        return None
    line, indent, name = fact.returned
    at = Position(line, 1)
    return Fix(
        "Add the missing arguments to the config `get_config` returns",
        "unsafe",
        (Edit(f"{indent}{name}.update({{{', '.join(entries)}}})\n", at, at),),
    )


def serialize_fix(config: ClassConfig, keys: Sequence[tuple[str, bool]]) -> Fix | None:
    """Wrap each raw nested object in ``keras.saving.serialize_keras_object(...)`` and add the
    ``from_config`` that rebuilds it.  Only for a Keras 3 class whose module imports ``keras``
    and has no ``from_config`` in its hierarchy.  Unsafe: the saved config changes."""
    fact = config.get_config
    cls = config.cls
    if (
        fact is None
        or config.config_owner is not cls
        or config.from_config is not None
        or config.kind.base.flavor != "keras3"
        or cls.module.facts.names.get("keras") != "keras"
    ):
        return None
    edits: list[Edit] = []
    for key, serialized in keys:
        entry = next((e for e in fact.entries if e.key == key), None)
        if entry is None or entry.value_span is None:
            return None
        if not serialized:
            span = entry.value_span
            edits.append(
                Edit(
                    "keras.saving.serialize_keras_object(",
                    Position(span.line, span.column),
                    Position(span.line, span.column),
                )
            )
            edits.append(
                Edit(
                    ")",
                    Position(span.end_line, span.end_column),
                    Position(span.end_line, span.end_column),
                )
            )
    indent = cls.fact.body_indent or cls.fact.indent + "    "
    inner = indent + "    "
    lines = [
        "",
        f"{indent}@classmethod",
        f"{indent}def from_config(cls, config):",
        *(
            f'{inner}config["{key}"] = keras.saving.deserialize_keras_object(config["{key}"])'
            for key, _ in keys
        ),
        f"{inner}return cls(**config)",
    ]
    at = Position(cls.fact.end_line + 1, 1)
    edits.append(Edit("\n".join(lines) + "\n", at, at))
    return Fix(
        "Serialize the nested objects and add a `from_config` that rebuilds them",
        "unsafe",
        tuple(edits),
    )
