"""What kind of value an expression is, as far as the project shows: the question behind
"can Keras record this argument?" (SER102, SER107), "is this config value a nested object?"
(SER105) and "is it JSON?" (SER110).

A kind is ``basic`` (what Keras' auto-config records: str, int, float, bool, None, and lists,
tuples and dicts of them), ``unknown``, or one of :data:`config_semantics.KIND_WORDS`.  Only
positive evidence gives a non-basic kind: a call of a layer class, a function reference, a
lambda, ``np.array(...)``.  Anything the project does not show is ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from serialint import config_semantics as cs
from serialint import names
from serialint.facts.model import (
    Attr,
    BinOp,
    Call,
    Const,
    DictLit,
    FString,
    IfExp,
    Local,
    Opaque,
    Param,
    Ref,
    Seq,
    Span,
    Value,
)
from serialint.project.classes import Classes, ProjectClass
from serialint.project.modules import Module, Modules
from serialint.project.values import Values

_MAX_DEPTH = 8


@dataclass(frozen=True)
class Evidence:
    """A non-basic value that can reach an argument: where it is, and what it is."""

    kind: str
    module: Module
    line: int
    source: str  # "default" | "annotation" | "call" (a call site of the class)


class ValueKinds:
    def __init__(self, modules: Modules, classes: Classes, values: Values) -> None:
        self.modules = modules
        self.classes = classes
        self.values = values

    def kinds(self, module: Module, value: Value, depth: int = 0) -> set[str]:
        """Every kind ``value`` can have (``{unknown}`` when nothing is known)."""
        if depth > _MAX_DEPTH:
            return {cs.UNKNOWN}
        d = depth + 1
        if isinstance(value, (Const, FString)):
            return {cs.BASIC}
        if isinstance(value, Seq):
            if value.kind == "set":
                return {"set"}
            return self._union(module, value.items, d) if value.items else {cs.BASIC}
        if isinstance(value, DictLit):
            return self._union(module, value.values, d) if value.values else {cs.BASIC}
        if isinstance(value, BinOp):
            left, right = self.kinds(module, value.left, d), self.kinds(module, value.right, d)
            return {cs.BASIC} if left == right == {cs.BASIC} else {cs.UNKNOWN}
        if isinstance(value, IfExp):
            return self.kinds(module, value.body, d) | self.kinds(module, value.orelse, d)
        if isinstance(value, Call):
            return self._call_kinds(module, value, d)
        if isinstance(value, Ref):
            return self._reference_kinds(module, value, d)
        if isinstance(value, Local):
            assigned = self.values.locals_of(module, value)
            return self._union(module, assigned, d) if assigned else {cs.UNKNOWN}
        if isinstance(value, Param):
            if value.annotation is not None:
                return self.annotation_kinds(module, value.annotation)
            return {cs.UNKNOWN}
        if isinstance(value, Attr):
            return self._attribute_kinds(module, value, d)
        if isinstance(value, Opaque) and value.kind == "lambda":
            return {"function"}
        return {cs.UNKNOWN}

    def _union(self, module: Module, items: Iterable[Value], depth: int) -> set[str]:
        found: set[str] = set()
        for item in items:
            found |= self.kinds(module, item, depth)
        return found

    def _call_kinds(self, module: Module, call: Call, depth: int) -> set[str]:
        if isinstance(call.func, Attr):
            method = call.func.attr
            if method == "numpy":
                return {cs.UNKNOWN}  # an array, or a NumPy scalar for a scalar (which is fine)
            if method in ("tolist", "item"):
                return {cs.BASIC}
            return {cs.UNKNOWN}
        if isinstance(call.func, Ref) and call.func.name.startswith("?"):
            qualified: str | None = call.func.name  # unbound: a builtin (or a star import's)
        else:
            qualified = _tf_canonical(self.values.qualify(module, call.func))
        if qualified is None:
            return {cs.UNKNOWN}
        builtin = qualified[1:] if qualified.startswith("?") else None
        if builtin is not None:
            if builtin in cs.BASIC_BUILTINS:
                return {cs.BASIC}
            if builtin in ("set", "frozenset"):
                return {"set"}
            if builtin in cs.CONTAINER_BUILTINS:
                parts = [*call.args, *(k.value for k in call.keywords)]
                return self._union(module, parts, depth) if parts else {cs.BASIC}
            return {cs.UNKNOWN}
        cls = self.values.class_named(qualified)
        if cls is not None:
            return {self.class_instance_kind(cls)}
        keras = names.keras_name(qualified)
        if keras is not None:
            return {_keras_call_kind(keras)}
        return {_library_call_kind(qualified)} if qualified else {cs.UNKNOWN}

    def class_instance_kind(self, cls: ProjectClass) -> str:
        kind = self.classes.keras_kind(cls)
        if kind is None:
            return "object"
        return kind.kind if kind.kind in ("layer", "model") else "keras object"

    def _reference_kinds(self, module: Module, value: Ref, depth: int) -> set[str]:
        qualified = _tf_canonical(self.values.qualify(module, value))
        if qualified is None or qualified.startswith("?"):
            return {cs.UNKNOWN}
        if self.classes.get(qualified) is not None:
            return {"class"}
        if self.modules.function_fact(qualified) is not None:
            return {"function"}
        found = self.values.global_values(qualified)
        if found is not None:
            return self._union(found[0], found[1], depth)
        keras = names.keras_name(qualified)
        member = qualified.rpartition(".")[2]
        if keras is not None:
            if keras.path.startswith(("activations.", "losses.", "metrics.", "ops.")):
                return {"function"} if member[:1].islower() else {"class"}
            return {"class"} if member[:1].isupper() else {cs.UNKNOWN}
        root = qualified.partition(".")[0]
        if root == "tensorflow":
            if _is_dtype_name(member):
                return {"dtype"}
            if qualified.startswith(("tensorflow.nn.", "tensorflow.math.")) and member.islower():
                return {"function"}
        if root == "numpy" and (member in cs.NUMPY_SCALAR_TYPES or member == "float64"):
            return {"dtype"}
        return {cs.UNKNOWN}

    def _attribute_kinds(self, module: Module, value: Attr, depth: int) -> set[str]:
        """``self.inner`` in a method: what the class assigns to it."""
        owner = value.value
        if not isinstance(owner, Param):
            return {cs.UNKNOWN}
        cls = self.values.class_of_scope(module, owner.scope)
        if cls is None:
            return {cs.UNKNOWN}
        assigned = self.attribute_values(cls, value.attr)
        found: set[str] = set()
        for holder, item in assigned:
            found |= self.kinds(holder.module, item, depth)
        return found or {cs.UNKNOWN}

    def attribute_values(
        self, cls: ProjectClass, attribute: str
    ) -> list[tuple[ProjectClass, Value]]:
        """What the class (or a project base) assigns to ``self.<attribute>``."""
        return [
            (current, item)
            for current in [cls, *self.classes.ancestors(cls)]
            for item in current.fact.attribute(attribute)
        ]

    def annotation_kinds(self, module: Module, annotation: Ref) -> set[str]:
        qualified = self.values.qualify(module, annotation) or ""
        member = qualified.rpartition(".")[2]
        if member in ("Callable", "FunctionType"):
            return {"function"}
        if qualified in ("numpy.ndarray", "numpy.array"):
            return {"array"}
        if qualified in ("tensorflow.Tensor", "tensorflow.Variable"):
            return {"tensor" if member == "Tensor" else "variable"}
        cls = self.classes.get(qualified)
        if cls is not None:
            return {self.class_instance_kind(cls)}
        keras = names.keras_name(qualified)
        if keras is not None:
            kind = names.serializable_kind(keras)
            if kind in ("layer", "model"):
                return {kind}
            if kind is not None:
                return {"keras object"}
        return {cs.UNKNOWN}


def _keras_call_kind(keras: names.KerasName) -> str:
    kind = names.serializable_kind(keras)
    if kind in ("layer", "model"):
        return kind
    if kind is not None:
        return "keras object"
    path = keras.path
    member = path.rpartition(".")[2]
    if path.startswith(("ops.", "backend.", "config.")) and member in cs.KERAS_NOT_TENSORS:
        return cs.BASIC if member in cs.KERAS_PYTHON_VALUES else cs.UNKNOWN
    if path.startswith("backend."):
        return "tensor" if member in cs.KERAS_BACKEND_TENSORS else cs.UNKNOWN
    if path == "layers.Input" or path.startswith("ops."):
        return "tensor"
    if path in ("Variable", "backend.Variable"):
        return "variable"
    head, _, member = path.rpartition(".")
    if member in ("get", "deserialize") and head == "activations":
        return "function"
    if member in ("get", "deserialize") and head in (
        "initializers",
        "regularizers",
        "constraints",
        "losses",
        "metrics",
        "optimizers",
    ):
        return "keras object"
    if member == "deserialize" and head == "layers":
        return "layer"
    if path in ("saving.load_model", "models.model_from_json", "models.clone_model"):
        return "model"
    return cs.UNKNOWN


def _library_call_kind(qualified: str) -> str:
    root, _, rest = qualified.partition(".")
    member = qualified.rpartition(".")[2]
    if root == "tensorflow":
        if rest == "Variable":
            return "variable"
        if member in cs.TF_NOT_TENSORS or rest.startswith(cs.TF_NOT_TENSOR_PACKAGES):
            return cs.UNKNOWN
        if _is_dtype_name(member) or rest.startswith("dtypes."):
            return cs.UNKNOWN
        return "tensor"
    if root == "numpy":
        if member in cs.NUMPY_SCALAR_TYPES:
            return "numpy scalar"
        if member == "float64":
            return cs.BASIC  # a float subclass
        if member in cs.NUMPY_ARRAY_FUNCTIONS or rest.startswith("random."):
            return "array"
        return cs.UNKNOWN
    return cs.UNKNOWN


def _tf_canonical(qualified: str | None) -> str | None:
    """``tensorflow.compat.v2.nn.relu`` is ``tensorflow.nn.relu``."""
    for prefix in ("tensorflow.compat.v2.", "tensorflow.compat.v1."):
        if qualified is not None and qualified.startswith(prefix):
            return "tensorflow." + qualified[len(prefix) :]
    return qualified


def _is_dtype_name(member: str) -> bool:
    return member in cs.NUMPY_SCALAR_TYPES or member in (
        "float64",
        "bfloat16",
        "string",
        "bool",
        "complex64",
        "complex128",
    )


def span_line(span: Span | None) -> int:
    return span.line if span is not None else 0
