"""What Keras does with a class's config: the measured facts the SER1xx config rules decide by.

Every entry here was measured with Keras 3.15 and tf-keras 2.21 (``tests/reality``), or read
from their source and checked there (``test_config_semantics_real_keras.py`` compares these
tables with real Keras):

- which Keras bases generate a config from ``__init__`` arguments (auto-config), and which
  have a ``get_config`` of their own, or one that raises;
- which keys each base's config passes back to ``__init__`` on load;
- which values are not JSON, and which Keras functions rebuild a nested object.
"""

from __future__ import annotations

from dataclasses import dataclass

from serialint.names import KerasName

# Keras classes whose get_config is Keras' default: a subclass without its own get_config gets
# one generated from its __init__ arguments (Operation.__new__ / Layer.__new__ record them).
AUTO_CONFIG_BASES = frozenset(
    {
        "Operation",
        "layers.Layer",
        "models.Model",
        "layers.Identity",
        "layers.ELU",  # Keras 3 (tf-keras's ELU has its own get_config)
        "layers.AbstractRNNCell",  # Keras 2
    }
)

# Bases whose get_config raises NotImplementedError: a subclass without one cannot be saved.
RAISING_CONFIG_BASES: dict[str, str] = {
    "regularizers.Regularizer": "NotImplementedError: <{name} object> does not implement get_config()",
    "optimizers.schedules.LearningRateSchedule": (
        "NotImplementedError: Learning rate schedule '{name}' must override `get_config()` "
        "in order to be serializable."
    ),
}

# The keys a base's own config holds, in the order Keras writes them; on load they are passed
# back to __init__ (``cls(**config)``).  Keras 3 first; Keras 2 where it differs.
_BASE_KEYS_K3: dict[str, tuple[str, ...]] = {
    "layer": ("name", "trainable", "dtype"),
    "model": ("name", "trainable", "dtype"),
    "loss": ("name", "reduction"),
    "metric": ("name", "dtype"),
    "optimizer": ("name", "learning_rate"),
    "initializer": (),
    "constraint": (),
    "regularizer": (),
    "learning-rate schedule": (),
}
# tf-keras's Model.get_config returns {} when a subclass overrides get_config (measured).
_BASE_KEYS_K2: dict[str, tuple[str, ...]] = {
    **_BASE_KEYS_K3,
    "loss": ("reduction", "name"),
    "model": (),
}

# What a failed auto-config save raises (Keras 3 says "Object", Keras 2 "Layer").
AUTO_CONFIG_SAVE_ERROR = (
    "NotImplementedError: Object {name} was created by passing non-serializable argument "
    "values in `__init__()`, and therefore the object must override `get_config()` in order "
    "to be serializable."
)
AUTO_CONFIG_SAVE_ERROR_K2 = (
    "NotImplementedError: Layer {name} was created by passing non-serializable argument "
    "values in `__init__()`, and therefore the layer must override `get_config()` in order "
    "to be serializable."
)
VARIADIC_SAVE_ERROR = (
    "NotImplementedError: Object {name} was created by passing positional only or variadic "
    "positional arguments (e.g., `*args`) to `__init__()`, which is not supported by the "
    "automatic config generation."
)
# A failed save truncates the file first (KERAS-SEMANTICS §2c).
ZERO_BYTE_NOTE = (
    "the failed save leaves a 0-byte file at the path, destroying the checkpoint that was there"
)


@dataclass(frozen=True)
class ConfigStyle:
    """How the nearest Keras base configures a subclass that has no get_config of its own."""

    style: str  # "auto" | "explicit" | "raises"
    base: KerasName
    kind: str  # the serializable kind: "layer", "model", "loss", ...

    def base_keys(self, major: int) -> tuple[str, ...]:
        table = _BASE_KEYS_K3 if major == 3 else _BASE_KEYS_K2
        return table.get(self.kind, ("name",))


def config_style(base: KerasName, kind: str) -> ConfigStyle:
    if base.path in AUTO_CONFIG_BASES:
        return ConfigStyle("auto", base, kind)
    if base.path in RAISING_CONFIG_BASES:
        return ConfigStyle("raises", base, kind)
    return ConfigStyle("explicit", base, kind)


# Values Keras' auto-config records: exactly these types, nested in lists, tuples and dicts
# (Operation.__new__: ``supported_types = (str, int, float, bool, type(None))``).
BASIC = "basic"
UNKNOWN = "unknown"

# What a non-basic value is, for messages: kind -> how to say it.
KIND_WORDS: dict[str, str] = {
    "layer": "a layer",
    "model": "a model",
    "keras object": "a Keras object",
    "function": "a function",
    "class": "a class",
    "array": "a NumPy array",
    "tensor": "a tensor",
    "variable": "a tf.Variable",
    "set": "a set",
    "numpy scalar": "a NumPy scalar",
    "dtype": "a dtype",
    "object": "an object",
}
# Nested objects Keras serializes by class name, which from_config must rebuild (SER105).
NESTED_KINDS = frozenset({"layer", "model", "keras object", "function"})
# Values that are not JSON: .h5 saves fail, .keras reloads them as dicts (SER110).  NumPy
# scalars, dtypes and TensorShapes were measured to round-trip.
NON_JSON_KINDS = frozenset({"tensor", "variable", "array", "set"})

# NumPy's scalar types that do not subclass Python's int/float/bool (np.float64 does).
NUMPY_SCALAR_TYPES = frozenset(
    {
        "float16",
        "float32",
        "half",
        "single",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "bool_",
        "intc",
        "longlong",
    }
)
# NumPy functions that build arrays.
NUMPY_ARRAY_FUNCTIONS = frozenset(
    {
        "array",
        "asarray",
        "asanyarray",
        "zeros",
        "ones",
        "empty",
        "full",
        "zeros_like",
        "ones_like",
        "full_like",
        "arange",
        "linspace",
        "logspace",
        "eye",
        "identity",
        "diag",
        "stack",
        "concatenate",
        "vstack",
        "hstack",
        "load",
        "loadtxt",
        "genfromtxt",
        "reshape",
        "tile",
        "repeat",
        "meshgrid",
        "frombuffer",
    }
)
# Python builtins whose result is basic when their arguments are.
BASIC_BUILTINS = frozenset(
    {"int", "float", "str", "bool", "round", "len", "abs", "min", "max", "sum", "repr", "format"}
)
CONTAINER_BUILTINS = frozenset({"list", "tuple", "dict", "sorted", "reversed"})
# TensorFlow names that are not tensors when called or read.
TF_NOT_TENSORS = frozenset(
    {
        "TensorShape",
        "as_dtype",
        "DType",
        "executing_eagerly",
        "is_tensor",
        "get_static_value",
        "name_scope",
        "device",
        "function",
        "GradientTape",
    }
)
TF_NOT_TENSOR_PACKAGES = (
    "config.",
    "test.",
    "distribute.",
    "io.gfile.",
    "data.",
    "saved_model.",
    "nest.",
    "compat.",
    "debugging.is_",
    "mixed_precision.",
    "keras.",
    "version.",
    "sysconfig.",
    "autograph.",
    "__version__",
)
# Methods that restore state from the saved file after __init__ (Keras 3's asset hooks).
RESTORING_METHODS = frozenset({"load_assets", "load_own_variables"})
# keras.applications' construction-only arguments: where the pretrained weights come from and
# which tensor to build on.  A reloaded model gets its weights from the file and a fresh Input
# of the stored shape, so losing them changes nothing (counted on keras-vision-models: 44).
CONSTRUCTION_ONLY_PARAMS = frozenset({"weights", "input_tensor"})
# Keras backend functions that return tensors (others, like ``epsilon()``, do not).
KERAS_BACKEND_TENSORS = frozenset(
    {
        "constant",
        "variable",
        "zeros",
        "ones",
        "eye",
        "zeros_like",
        "ones_like",
        "cast",
        "random_normal",
        "random_uniform",
        "convert_to_tensor",
        "arange",
        "reshape",
        "concatenate",
        "stack",
        "placeholder",
    }
)
# Keras backend/ops functions whose result is not a tensor; the first few give plain Python
# values (``K.epsilon()`` is a float).
KERAS_PYTHON_VALUES = frozenset(
    {"epsilon", "floatx", "image_data_format", "backend", "learning_phase", "int_shape", "ndim"}
)
KERAS_NOT_TENSORS = KERAS_PYTHON_VALUES | frozenset(
    {
        "shape",
        "dtype",
        "standardize_dtype",
        "is_tensor",
        "is_keras_tensor",
        "get_value",
        "batch_get_value",
        "count_params",
        "get_uid",
        "name_scope",
        "clear_session",
        "is_float_dtype",
        "is_int_dtype",
    }
)
# Keras functions that rebuild an object from its config (or a name) when given one.
DESERIALIZER_NAMES = frozenset({"get", "deserialize", "deserialize_keras_object", "from_config"})
SERIALIZER_NAMES = frozenset({"serialize", "serialize_keras_object"})
# Creating state in a method: what adds a weight.
STATE_CREATORS_SELF = frozenset({":self.add_weight", ":self.add_variable"})
STATE_CREATOR_PATHS = ("tensorflow.Variable", "keras.Variable", "keras.backend.Variable")
# Methods Keras runs while it loads a layer (directly or through build_from_config).
LOAD_TIME_METHODS = frozenset(
    {
        "__init__",
        "build",
        "call",
        "__call__",
        "build_from_config",
        "load_own_variables",
        "load_assets",
        "from_config",
        "compute_output_shape",
        "compute_output_spec",
    }
)
# TensorFlow / Keras functions in a branch test that give Python values, not tensors.
EAGER_SAFE_TESTS = frozenset(
    {
        "tensorflow.executing_eagerly",
        "tensorflow.is_tensor",
        "tensorflow.get_static_value",
        "tensorflow.is_symbolic_tensor",
        "keras.backend.is_keras_tensor",
        "keras.ops.is_tensor",
        "keras.backend.backend",
        "keras.config.backend",
    }
)
