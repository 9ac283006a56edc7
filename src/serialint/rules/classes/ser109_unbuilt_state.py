"""SER109 unbuilt-state."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import config_semantics as cs
from serialint import names
from serialint.facts.model import Attr, Call, FunctionFact, Param, Value
from serialint.project import ClassConfig, Module, Project
from serialint.rules.base import Violation
from serialint.rules.classes.config_common import ConfigRule


class UnbuiltState(ConfigRule):
    code = "SER109"

    VALID = (
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def build(self, shape):\n"
        "        self.w = self.add_weight(shape=(shape[-1],))\n"
        "    def call(self, x):\n        return x * self.w\n",
        # A helper called from build() runs on load too.
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def build(self, shape):\n        self.make(shape)\n"
        "    def make(self, shape):\n"
        "        self.w = self.add_weight(shape=(shape[-1],))\n"
        "    def call(self, x):\n        return x * self.w\n",
        # Sublayers created in __init__ with no build(): loads (with a warning).
        "import keras\n"
        "class Net(keras.Model):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.dense = keras.layers.Dense(2)\n"
        "    def call(self, x):\n        return self.dense(x)\n",
    )
    INVALID = (
        # Weights created in a method Keras does not call on load.
        "import keras\n"
        "class Scale(keras.layers.Layer):\n"
        "    def make(self, n):\n        self.w = self.add_weight(shape=(n,))\n"
        "    def call(self, x):\n        return x * self.w\n",
        # A Python branch on a tensor's value: runs only eagerly.
        "import keras\nimport tensorflow as tf\n"
        "class Net(keras.Model):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.dense = keras.layers.Dense(2)\n"
        "    def call(self, x):\n"
        "        if tf.reduce_sum(x) > 0:\n            return self.dense(x)\n"
        "        return self.dense(-x)\n",
        # Model.build() creating sublayers without building them.
        "import keras\n"
        "class Net(keras.Model):\n"
        "    def build(self, shape):\n        self.dense = keras.layers.Dense(2)\n"
        "    def call(self, x):\n        return self.dense(x)\n",
    )

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        if config.kind.kind not in ("layer", "model"):
            return
        for judge in (self._method_state, self._eager_call, self._unbuilt_sublayers):
            message = judge(project, config)
            if message is not None:
                yield Violation(
                    span=config.cls.fact.name_span,
                    message=message,
                    fix_hint=(
                        "Create weights and sublayers in `__init__` or `build()`, and keep "
                        "`call` free of Python branches on tensor values (`tf.cond`, "
                        "`keras.ops.cond`)"
                    ),
                )
                break

    @staticmethod
    def _method_state(project: Project, config: ClassConfig) -> str | None:
        cls = config.cls
        load_time = project.configs.load_time_methods(cls)
        for attribute, values in cls.fact.attributes:
            if not any(_creates_state(project, cls.module, v) for v in values):
                continue
            methods = cls.fact.methods_assigning(attribute)
            if methods and not any(m in load_time for m in methods):
                return (
                    f"Custom {config.kind.kind} `{cls.name}` creates the weight `{attribute}` in "
                    f"`{methods[0]}()`, which Keras does not run when it loads a model: the "
                    f"load fails (\"AttributeError: '{cls.name}' object has no attribute "
                    f"'{attribute}'\")"
                )
        return None

    @staticmethod
    def _eager_call(project: Project, config: ClassConfig) -> str | None:
        if config.kind.kind != "model":
            return None
        cls = config.cls
        call = _own_method(cls.module.facts.functions, cls.fact.qualname, "call")
        if call is None:
            return None
        line = None
        for test in call.branch_tests:
            if test.numpy or any(_is_tensor_function(project, cls.module, c) for c in test.callees):
                line = test.line
                break
        if line is None and call.numpy_lines:
            line = call.numpy_lines[0]
        if line is None:
            return None
        return (
            f"The `call` of subclassed model `{cls.name}` branches on a tensor's value "
            f"(line {line}), so it runs only eagerly: Keras 3 cannot trace it when it loads "
            'the model and silently restores no weights (tf-keras fails the load: "You '
            'cannot build your model by calling `build` ...")'
        )

    @staticmethod
    def _unbuilt_sublayers(project: Project, config: ClassConfig) -> str | None:
        if config.kind.kind != "model":
            return None
        cls = config.cls
        build = _own_method(cls.module.facts.functions, cls.fact.qualname, "build")
        if build is None or "build" in build.method_calls:
            return None
        called = {c.rpartition(".")[2] for c in build.calls if c.startswith(":self.")}
        for attribute, values in cls.fact.attributes:
            if "build" not in cls.fact.methods_assigning(attribute) or attribute in called:
                continue
            kinds: set[str] = set()
            for value in values:
                kinds |= project.kinds.kinds(cls.module, value)
            if kinds & {"layer", "model"}:
                return (
                    f"`{cls.name}.build()` creates the sublayer `{attribute}` without building "
                    "it: Keras 3 restores no weights into it when it loads the model, silently "
                    '(tf-keras fails: "Layer ... expected 0 variables, but received 2")'
                )
        return None


def _own_method(
    functions: dict[str, FunctionFact], qualname: str, name: str
) -> FunctionFact | None:
    return functions.get(f"{qualname}.{name}")


def _creates_state(project: Project, module: Module, value: Value) -> bool:
    if not isinstance(value, Call):
        return False
    func = value.func
    if isinstance(func, Attr) and isinstance(func.value, Param):
        return f":self.{func.attr}" in cs.STATE_CREATORS_SELF
    qualified = project.values.qualify(module, func) or ""
    return qualified in cs.STATE_CREATOR_PATHS


def _is_tensor_function(project: Project, module: Module, callee: str) -> bool:
    """A TensorFlow or Keras function whose result is a tensor (``tf.reduce_sum``,
    ``keras.ops.sum``), not a Python value (``image_data_format()``, ``tf.nest.is_nested``,
    ``keras.ops.shape``)."""
    qualified = project.modules.qualify(module, callee) or ""
    if qualified in cs.EAGER_SAFE_TESTS:
        return False
    member = qualified.rpartition(".")[2]
    if member.startswith("is_"):
        return False
    keras = names.keras_name(qualified)  # tf.keras.backend.x is keras.backend.x
    if keras is not None:
        return keras.path.startswith(("ops.", "backend.")) and member not in cs.KERAS_NOT_TENSORS
    root, _, rest = qualified.partition(".")
    return (
        root == "tensorflow"
        and member not in cs.TF_NOT_TENSORS
        and not rest.startswith(cs.TF_NOT_TENSOR_PACKAGES)
    )
