"""The one table of Keras names.

Every way of spelling a Keras object (``keras.layers.Layer``, ``tf.keras.layers.Layer``,
``tensorflow.keras.layers.Layer``, ``tf_keras.layers.Layer``, ``keras.src.layers.layer.Layer``, ...)
is reduced here to a :class:`KerasName`: the Keras flavour plus a canonical public path such as
``layers.Layer``.  Rules ask questions of canonical paths and never compare raw strings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from serialint.keras_exports import exports

# Import roots, longest first so that the most specific prefix wins.
# "tf.keras" is Keras 3 unless the project opts into legacy Keras (TF_USE_LEGACY_KERAS=1).
_KERAS_ROOTS: tuple[tuple[str, str], ...] = (
    ("keras._tf_keras.keras", "keras3"),
    ("tensorflow.compat.v2.keras", "tf.keras"),
    ("tensorflow.compat.v1.keras", "tf.keras"),
    ("tensorflow.python.keras", "tf-legacy"),
    ("tensorflow.keras", "tf.keras"),
    ("tf_keras", "keras2"),
    ("keras", "keras3"),
)

# Where ``keras.src``/``tf_keras.src`` define things whose public path differs from the package name.
_PRIVATE_TO_PUBLIC: dict[str, str] = {
    "engine.base_layer.Layer": "layers.Layer",
    "engine.training.Model": "models.Model",
    "engine.sequential.Sequential": "models.Sequential",
    "engine.functional.Functional": "models.Functional",
    "engine.input_layer.Input": "layers.Input",
    "engine.input_layer.InputLayer": "layers.InputLayer",
    "ops.operation.Operation": "Operation",
    "optimizers.schedules.learning_rate_schedule.LearningRateSchedule": (
        "optimizers.schedules.LearningRateSchedule"
    ),
    "saving.saving_api.load_model": "saving.load_model",
    "saving.saving_api.save_model": "saving.save_model",
    "saving.object_registration.register_keras_serializable": "saving.register_keras_serializable",
    "saving.object_registration.get_custom_objects": "saving.get_custom_objects",
    "saving.object_registration.custom_object_scope": "saving.custom_object_scope",
    "saving.object_registration.CustomObjectScope": "saving.custom_object_scope",
    "utils.generic_utils.register_keras_serializable": "saving.register_keras_serializable",
    "utils.generic_utils.get_custom_objects": "saving.get_custom_objects",
    "utils.generic_utils.custom_object_scope": "saving.custom_object_scope",
    "utils.generic_utils.CustomObjectScope": "saving.custom_object_scope",
    "saving.legacy.saved_model.load.load": "saving.load_model",
}

# Public spellings that mean the same object.  Top-level shortcuts (``keras.Layer``) and the
# ``utils``/``models`` re-exports of saving functions all map onto one canonical path.
_SYNONYMS: dict[str, str] = {
    "Layer": "layers.Layer",
    "Model": "models.Model",
    "Sequential": "models.Sequential",
    "Input": "layers.Input",
    "Loss": "losses.Loss",
    "Metric": "metrics.Metric",
    "Optimizer": "optimizers.Optimizer",
    "Regularizer": "regularizers.Regularizer",
    "Initializer": "initializers.Initializer",
    "models.load_model": "saving.load_model",
    "models.save_model": "saving.save_model",
    "utils.register_keras_serializable": "saving.register_keras_serializable",
    "utils.get_custom_objects": "saving.get_custom_objects",
    "utils.custom_object_scope": "saving.custom_object_scope",
    "utils.CustomObjectScope": "saving.custom_object_scope",
    "saving.CustomObjectScope": "saving.custom_object_scope",
    "utils.serialize_keras_object": "saving.serialize_keras_object",
    "utils.deserialize_keras_object": "saving.deserialize_keras_object",
}

# Sub-packages whose capitalised members are serializable classes, and what kind each holds.
_KIND_BY_PACKAGE: tuple[tuple[str, str], ...] = (
    ("optimizers.schedules", "learning-rate schedule"),
    ("layers", "layer"),
    ("losses", "loss"),
    ("metrics", "metric"),
    ("optimizers", "optimizer"),
    ("regularizers", "regularizer"),
    ("constraints", "constraint"),
    ("initializers", "initializer"),
)
_MODEL_CLASSES = frozenset({"models.Model", "models.Sequential", "models.Functional"})
# Capitalised names in ``keras.layers`` that are not Layer classes.
_NOT_LAYERS = frozenset({"Input", "InputSpec"})

# Keras 3 imports a saved object's recorded module only for these packages
# (serialization_lib._retrieve_class_or_fn); classes elsewhere must be registered.
KERAS_SELF_IMPORTING_PACKAGES = frozenset({"keras", "keras_hub", "keras_cv", "keras_nlp"})

# Kinds that Keras stores only in the compile config of a saved model.
COMPILE_ONLY_KINDS = frozenset({"loss", "metric", "optimizer", "learning-rate schedule"})


@dataclass(frozen=True)
class KerasName:
    """A resolved Keras object: ``flavor`` is keras3 / keras2 / tf.keras / tf-legacy."""

    flavor: str
    path: str  # canonical public path, e.g. "layers.Dense", "saving.load_model"

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]


@lru_cache(maxsize=65536)  # a pure function of the string, called for every call site
def keras_name(qualified: str) -> KerasName | None:
    """Map a fully qualified dotted name onto Keras' canonical path, or None if it is not Keras."""
    for root, root_flavor in _KERAS_ROOTS:
        if qualified == root or qualified.startswith(root + "."):
            rest = qualified[len(root) + 1 :]
            flavor = root_flavor
            break
    else:
        return None
    if not rest:
        return KerasName(flavor, "")
    if rest.startswith("api._v2.keras."):  # tf_keras' generated API tree
        rest = rest[len("api._v2.keras.") :]
    if rest.startswith("src."):
        rest = _public_from_private(rest[len("src.") :])
    elif rest.startswith("engine.") or rest.startswith("legacy."):
        # keras.engine exists only in Keras 2 (standalone keras <= 2.15, and TF's frozen copy).
        rest = _KERAS2_ENGINE.get(rest) or _public_from_private(rest)
        if flavor == "keras3":
            flavor = "keras2"
    head, dot, member = rest.partition(".")
    if head in _SYNONYMS and dot:  # keras.Model.from_config -> models.Model.from_config
        rest = f"{_SYNONYMS[head]}.{member}"
    return KerasName(flavor, _SYNONYMS.get(rest, rest))


# Keras 2's own module paths (``keras.engine.topology.Layer``): public names of Keras 2 classes.
_KERAS2_ENGINE: dict[str, str] = {
    "engine.Layer": "layers.Layer",
    "engine.topology.Layer": "layers.Layer",
    "engine.base_layer.Layer": "layers.Layer",
    "engine.Model": "models.Model",
    "engine.training.Model": "models.Model",
    "engine.topology.Network": "models.Functional",
    "engine.network.Network": "models.Functional",
    "engine.sequential.Sequential": "models.Sequential",
    "engine.functional.Functional": "models.Functional",
    "engine.InputSpec": "layers.InputSpec",
    "engine.topology.InputSpec": "layers.InputSpec",
    "engine.base_layer.InputSpec": "layers.InputSpec",
    "engine.input_layer.Input": "layers.Input",
    "engine.Input": "layers.Input",
    "engine.topology.Input": "layers.Input",
}


def registry_root(qualified: str) -> str | None:
    """Which Keras package's registry a name belongs to: ``keras`` (standalone Keras, 2 or 3),
    ``tf.keras`` (the same as ``keras`` on Keras 3, ``tf_keras`` on legacy Keras),
    ``tf_keras``, or ``tensorflow.python.keras`` (TF's frozen copy)."""
    for root, flavor in _KERAS_ROOTS:
        if qualified == root or qualified.startswith(root + "."):
            if flavor == "keras3":
                return "keras"
            if flavor == "keras2":
                return "tf_keras"
            return "tf.keras" if flavor == "tf.keras" else "tensorflow.python.keras"
    return None


def _public_from_private(private: str) -> str:
    if private in _PRIVATE_TO_PUBLIC:
        return _PRIVATE_TO_PUBLIC[private]
    parts = private.split(".")
    # keras.src.layers.core.dense.Dense -> layers.Dense; keras.src.losses.loss.Loss -> losses.Loss
    if len(parts) >= 2 and parts[-1][:1].isupper():
        if parts[0] == "optimizers" and "schedules" in parts:
            return "optimizers.schedules." + parts[-1]
        return f"{parts[0]}.{parts[-1]}"
    return private


def serializable_kind(name: KerasName) -> str | None:
    """What a Keras class is, if subclasses of it are stored in saved models by class name."""
    if name.path in _MODEL_CLASSES:
        return "model"
    package, _, member = name.path.rpartition(".")
    if not member[:1].isupper():
        return None
    for prefix, kind in _KIND_BY_PACKAGE:
        if package == prefix or package.startswith(prefix + "."):
            if kind == "layer" and member in _NOT_LAYERS:
                return None
            return kind
    return None


def is_keras(qualified: str | None, path: str) -> bool:
    """True when ``qualified`` names the Keras object whose canonical path is ``path``."""
    if qualified is None:
        return False
    name = keras_name(qualified)
    return name is not None and name.path == path


def is_registration(qualified: str | None) -> bool:
    return is_keras(qualified, "saving.register_keras_serializable")


def is_custom_object_scope(qualified: str | None) -> bool:
    return is_keras(qualified, "saving.custom_object_scope")


# Functions that rebuild a whole model from what was saved, so every custom object it holds
# must be found by name: canonical path -> position of ``custom_objects`` when passed positionally.
_MODEL_LOADERS: dict[str, int] = {
    "saving.load_model": 1,
    "models.model_from_json": 1,
    "models.model_from_yaml": 1,
    "models.model_from_config": 1,
    # deserialize_keras_object(config, custom_objects=...) of a saved config (not inside a
    # from_config, where it rebuilds a nested object: see Loads).
    "saving.deserialize_keras_object": 1,
    # keras.Model.from_config(config, custom_objects=...) rebuilds a functional config.
    "models.Model.from_config": 1,
    "models.Sequential.from_config": 1,
    "models.Functional.from_config": 1,
}


def model_loader(qualified: str | None) -> tuple[str, int] | None:
    """(function name, custom_objects position) when ``qualified`` rebuilds a saved model."""
    if qualified is None:
        return None
    name = keras_name(qualified)
    if name is None or name.path not in _MODEL_LOADERS:
        return None
    # "load_model", or "Model.from_config" (the class is part of the name users know).
    function = name.path.partition(".")[2] if name.path.endswith(".from_config") else name.name
    return function, _MODEL_LOADERS[name.path]


def is_get_custom_objects(qualified: str | None) -> bool:
    return is_keras(qualified, "saving.get_custom_objects")


_KNOWN_SUBPACKAGES = frozenset(
    {
        "layers",
        "models",
        "losses",
        "metrics",
        "optimizers",
        "regularizers",
        "constraints",
        "initializers",
        "saving",
        "utils",
        "callbacks",
        "ops",
        "activations",
        "config",
    }
)


def is_known_keras_name(qualified: str) -> bool:
    """Whether a star import can be trusted to provide this name (``from keras import *`` gives
    ``layers``; ``from keras.saving import *`` gives ``register_keras_serializable``; nothing
    gives ``keras.layers.Transformer``)."""
    name = keras_name(qualified)
    if name is None:
        return False
    package, _, member = qualified.rpartition(".")
    root = next((r for r, _ in _KERAS_ROOTS if package == r or package.startswith(r + ".")), "")
    if not exports(package[len(root) + 1 :] if package != root else "", member):
        return False
    return bool(
        name.path in _KNOWN_SUBPACKAGES
        or serializable_kind(name)
        or keras_constructor_kind(qualified)
        or model_loader(qualified)
        or name.path
        in (
            "saving.register_keras_serializable",
            "saving.custom_object_scope",
            "saving.get_custom_objects",
        )
    )


def keras_constructor_kind(qualified: str | None) -> str | None:
    """'model' or 'layer' when calling ``qualified`` builds a Keras model or layer."""
    if qualified is None:
        return None
    name = keras_name(qualified)
    if name is None:
        return None
    if name.path in ("saving.load_model", "models.model_from_json", "models.clone_model"):
        return "model"
    kind = serializable_kind(name)
    return kind if kind in ("model", "layer") else None


# Libraries whose dump functions serialise arbitrary objects with pickle.
PICKLE_DUMPERS: frozenset[str] = frozenset(
    {
        "pickle.dump",
        "pickle.dumps",
        "_pickle.dump",
        "_pickle.dumps",
        "cPickle.dump",
        "cPickle.dumps",
        "joblib.dump",
        "sklearn.externals.joblib.dump",
        "dill.dump",
        "dill.dumps",
        "cloudpickle.dump",
        "cloudpickle.dumps",
    }
)


# Pickler classes: ``pickle.Pickler(f).dump(obj)``.
PICKLERS = frozenset(
    {
        "pickle.Pickler",
        "_pickle.Pickler",
        "dill.Pickler",
        "cloudpickle.Pickler",
        "cloudpickle.CloudPickler",
    }
)

# ... and their loads.
PICKLE_LOADERS: frozenset[str] = frozenset(
    {
        "pickle.load",
        "pickle.loads",
        "_pickle.load",
        "_pickle.loads",
        "cPickle.load",
        "cPickle.loads",
        "joblib.load",
        "sklearn.externals.joblib.load",
        "dill.load",
        "dill.loads",
        "cloudpickle.load",
        "cloudpickle.loads",
    }
)


def is_pickle_dump(qualified: str | None) -> bool:
    return qualified in PICKLE_DUMPERS


# Pass 1 keeps a call whole (with its arguments) when its callee's last name is one of these, or
# when it passes one of FACT_CALL_KEYWORDS: every call a serialization rule can be about.
FACT_CALL_NAMES = frozenset(
    {
        # loading
        "load_model",
        "model_from_json",
        "model_from_yaml",
        "model_from_config",
        "from_config",
        "deserialize_keras_object",
        "deserialize",
        "load_weights",
        "TFSMLayer",
        "enable_unsafe_deserialization",
        # saving
        "save",
        "save_model",
        "save_weights",
        "export",
        "to_json",
        "to_yaml",
        "ModelCheckpoint",
        "Checkpoint",
        "CheckpointManager",
        "fit",
        "compile",
        # pickling
        "dump",
        "dumps",
        "load",
        "loads",
        "Pickler",
        "Unpickler",
        # registration and custom objects
        "register_keras_serializable",
        "get_custom_objects",
        "custom_object_scope",
        "CustomObjectScope",
        "update",
        "Lambda",
        "Activation",  # Activation(my_fn): a function stored by name, passed positionally
        "serialize_keras_object",
        "clone_model",
        # super().__init__(inputs, outputs): a functional Model subclass
        "__init__",
        # savers of other libraries that store a whole Keras model (mlflow, tensorflowjs, ...)
        "log_model",
        "save_keras_model",
    }
)
# Functions Keras 3.15 finds by bare name when a config stores `"config": name` for a
# function (keras.activations, .losses, .metrics, ...): a project function of that name loads
# as Keras' own.  Not the aliases `swish` and `hard_swish` (measured: not found).  tests/reality/test_ser201_ser202_real_keras.py checks the table.
KERAS_BUILTIN_FUNCTIONS = frozenset(
    {
        "binary_accuracy",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_accuracy",
        "categorical_crossentropy",
        "categorical_focal_crossentropy",
        "categorical_generalized_cross_entropy",
        "categorical_hinge",
        "celu",
        "circle",
        "concordance_correlation",
        "cosine_similarity",
        "ctc",
        "dice",
        "elu",
        "exponential",
        "gelu",
        "glu",
        "hard_shrink",
        "hard_sigmoid",
        "hard_silu",
        "hard_tanh",
        "hinge",
        "huber",
        "kl_divergence",
        "leaky_relu",
        "linear",
        "log_cosh",
        "log_sigmoid",
        "log_softmax",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_error",
        "mean_squared_logarithmic_error",
        "mish",
        "pearson_correlation",
        "poisson",
        "relu",
        "relu6",
        "selu",
        "sigmoid",
        "silu",
        "soft_shrink",
        "softmax",
        "softplus",
        "softsign",
        "sparse_categorical_accuracy",
        "sparse_categorical_crossentropy",
        "sparse_plus",
        "sparse_sigmoid",
        "sparse_top_k_categorical_accuracy",
        "sparsemax",
        "squared_hinge",
        "squareplus",
        "tanh",
        "tanh_shrink",
        "threshold",
        "top_k_categorical_accuracy",
        "tversky",
    }
)
FACT_CALL_KEYWORDS = frozenset({"custom_objects", "safe_mode", "save_format"})
# Arguments through which Keras stores a function by name (activation=my_fn, loss=my_loss):
# pass 1 keeps calls that pass one of them a name rather than a string.
FUNCTION_KEYWORDS = frozenset(
    {
        "activation",
        "recurrent_activation",
        "kernel_initializer",
        "bias_initializer",
        "recurrent_initializer",
        "embeddings_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "recurrent_regularizer",
        "activity_regularizer",
        "embeddings_regularizer",
        "kernel_constraint",
        "bias_constraint",
        "recurrent_constraint",
        "embeddings_constraint",
        "loss",
        "metrics",
        "weighted_metrics",
        "optimizer",
        "function",
    }
)


# Saves that keep state without Keras' class-name config: no registration needed to restore.
STATE_ONLY_SAVES = frozenset(
    {
        "tensorflow.train.Checkpoint",
        "tensorflow.train.CheckpointManager",
        "tensorflow.saved_model.save",
        "tensorflow.compat.v2.saved_model.save",
        "tensorflow.compat.v1.train.Checkpoint",
    }
)


# Top-level packages that are never part of the project being checked.  Pass 1 keeps calls of
# every other name whole too (``Trainer(model=...)``, ``save_checkpoint(model)``): the project
# join follows a parameter back to the arguments its callers pass.
EXTERNAL_ROOTS = frozenset(
    {
        "abc",
        "absl",
        "argparse",
        "ast",
        "builtins",
        "collections",
        "contextlib",
        "copy",
        "csv",
        "ctypes",
        "cv2",
        "dataclasses",
        "datetime",
        "dill",
        "enum",
        "flax",
        "functools",
        "gc",
        "glob",
        "gzip",
        "h5py",
        "hashlib",
        "importlib",
        "inspect",
        "io",
        "itertools",
        "jax",
        "joblib",
        "json",
        "keras",
        "keras_cv",
        "keras_hub",
        "keras_nlp",
        "logging",
        "math",
        "matplotlib",
        "multiprocessing",
        "numpy",
        "operator",
        "os",
        "pandas",
        "pathlib",
        "PIL",
        "pickle",
        "platform",
        "pprint",
        "pytest",
        "queue",
        "random",
        "re",
        "requests",
        "scipy",
        "seaborn",
        "shutil",
        "six",
        "sklearn",
        "socket",
        "string",
        "struct",
        "subprocess",
        "sys",
        "tempfile",
        "tensorflow",
        "tensorflow_addons",
        "tensorflow_datasets",
        "tensorflow_hub",
        "tensorflow_probability",
        "textwrap",
        "tf_keras",
        "threading",
        "time",
        "timeit",
        "torch",
        "tqdm",
        "traceback",
        "transformers",
        "typing",
        "unittest",
        "urllib",
        "uuid",
        "warnings",
        "weakref",
        "yaml",
        "zipfile",
        "cloudpickle",
        "wandb",
        "mlflow",
        "tensorboard",
        "click",
    }
)


# Module names under which Keras libraries offer their building blocks to users.
KIND_PACKAGES = frozenset(
    {"layers", "losses", "metrics", "optimizers", "initializers", "regularizers", "constraints"}
)


# The registration decorator of each flavour: how it is reached from each importable root, and
# (name bound, import statement, spelling) when the module must import it.
DECORATOR_PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "keras3": (
        ("keras", "saving.register_keras_serializable"),
        ("keras.saving", "register_keras_serializable"),
        ("keras.saving.register_keras_serializable", ""),
        ("keras.utils.register_keras_serializable", ""),
    ),
    # tf.keras.utils has it in every TensorFlow 2 release; tf.keras.saving is not even an
    # attribute under Keras 3 after a plain `import tensorflow`.
    "tf.keras": (
        ("tensorflow", "keras.utils.register_keras_serializable"),
        ("tensorflow.keras", "utils.register_keras_serializable"),
        ("tensorflow.keras.utils", "register_keras_serializable"),
        ("tensorflow.keras.utils.register_keras_serializable", ""),
        ("tensorflow.keras.saving.register_keras_serializable", ""),
    ),
    "keras2": (
        ("tf_keras", "saving.register_keras_serializable"),
        ("tf_keras.saving", "register_keras_serializable"),
        ("tf_keras.saving.register_keras_serializable", ""),
        ("tf_keras.utils.register_keras_serializable", ""),
    ),
}
DECORATOR_IMPORTS: dict[str, tuple[str, str, str]] = {
    "keras3": ("keras", "import keras", "keras.saving.register_keras_serializable"),
    "tf.keras": ("tf", "import tensorflow as tf", "tf.keras.utils.register_keras_serializable"),
    "keras2": ("tf_keras", "import tf_keras", "tf_keras.saving.register_keras_serializable"),
}


# Path suffixes of whole-model files (Keras 3 .keras, legacy HDF5, Keras 2's SavedModel "x.tf").
MODEL_FILE_SUFFIXES = (".keras", ".h5", ".hdf5", ".tf")


# Methods through which a model (or the list it is built from) gets its parts.
MUTATING_METHODS = frozenset({"add", "append", "extend", "insert", "compile"})

# Functions of other libraries that save a whole Keras model, by class name, as model.save does.
EXTERNAL_MODEL_SAVES = frozenset(
    {
        "mlflow.keras.log_model",
        "mlflow.keras.save_model",
        "mlflow.tensorflow.log_model",
        "mlflow.tensorflow.save_model",
        "tensorflowjs.converters.save_keras_model",
        "bentoml.keras.save_model",
        "bentoml.tensorflow.save_model",
    }
)
