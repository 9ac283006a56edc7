"""SER110 non-json-config-value."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import config_semantics as cs
from serialint.project import ClassConfig, Project
from serialint.rules.base import Violation
from serialint.rules.classes.config_common import (
    ConfigRule,
    get_config_span,
)


def _consequence(kind: str, major: int) -> str:
    """What was measured for each kind of value (tests/reality/test_config_*_real_keras.py)."""
    if kind == "set":
        return "saving a model that holds it fails (a set cannot be written as JSON)"
    if kind == "array":
        return (
            "a `.keras` file stores it as a tagged dict (`{'class_name': '__numpy__', ...}`), "
            "which `__init__` receives on load instead of the array (`np.asarray` of it fails: "
            "\"float() argument must be a string or a real number, not 'dict'\"; keeping it "
            "silently holds a dict); `.h5` writes it as a list"
        )
    if kind == "variable":
        if major == 2:
            return 'saving to `.keras` fails with "Cannot serialize object <tf.Variable ..."'
        return (
            'saving to `.h5` fails with "ValueError: Unable to serialize VariableSpec(...) to JSON"'
        )
    return (
        'saving to `.h5` fails with "TypeError: Unable to serialize ... to JSON. Unrecognized '
        "type <class '...EagerTensor'>\", and a `.keras` file stores it as a tagged dict, "
        "which `__init__` receives on load instead of the value (converting it fails: "
        "\"Attempt to convert a value ({'class_name': '__tensor__', ...}) with an unsupported "
        "type (<class 'dict'>) to a Tensor\"; keeping it silently holds a dict)"
    )


class NonJsonConfigValue(ConfigRule):
    code = "SER110"

    VALID = (
        "import keras\nimport numpy as np\n"
        "class Offset(keras.layers.Layer):\n"
        "    def __init__(self, offset=(1.0, 2.0), **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.offset = np.array(offset)\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'offset': self.offset.tolist()}\n",
        # NumPy scalars and dtypes round-trip (measured).
        "import keras\nimport tensorflow as tf\n"
        "class Cast(keras.layers.Layer):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.to = tf.float32\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'to': self.to}\n",
    )
    INVALID = (
        "import keras\nimport tensorflow as tf\n"
        "class Offset(keras.layers.Layer):\n"
        "    def __init__(self, offset=(1.0, 2.0), **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.offset = tf.constant(offset)\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'offset': self.offset}\n",
        "import keras\nimport numpy as np\n"
        "class Offset(keras.layers.Layer):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.table = np.zeros(3)\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), 'table': self.table}\n",
    )

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        if config.get_config is None:
            return
        faults = []
        for entry in config.get_config.entries:
            kinds, serialized = project.configs.entry_kinds(config, entry, call_sites=False)
            found = sorted(kinds & cs.NON_JSON_KINDS)
            if found and not serialized:
                faults.append((entry.key, found[0]))
        if not faults:
            return
        kind = faults[0][1]
        keys_list = ", ".join(f"`{name}`" for name, _ in faults)
        held = " and ".join(f"{cs.KIND_WORDS[k]} under `{name}`" for name, k in faults)
        message = (
            f"Custom {config.kind.kind} `{config.cls.name}`: `get_config` puts {held}, "
            f"which {'is' if len(faults) == 1 else 'are'} not JSON: "
            + _consequence(kind, config.major)
        )
        yield Violation(
            span=get_config_span(config),
            message=message,
            fix_hint=(
                f"Store plain Python values under {keys_list} (`.tolist()`, `float(...)`, the "
                "original arguments) and convert them back in `__init__`"
            ),
        )
