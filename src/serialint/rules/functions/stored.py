"""What goes wrong with one stored function, as measured (KERAS-SEMANTICS §2e, §2f; the catalogue
pages of SER201 and SER202 quote the errors)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from serialint import names
from serialint.project import FunctionUse, Module, Project, StoredFunction
from serialint.rules.base import Rule, RuleContext

LAMBDA_REFUSED_K3 = (
    'Keras 3 refuses the load without `safe_mode=False` ("Requested the deserialization of a '
    '`Lambda` layer whose `function` is a Python lambda")'
)
LAMBDA_REFUSED_K2 = (
    "tf-keras refuses a `.keras` load without `safe_mode=False` and runs the bytecode of an "
    "`.h5` or SavedModel load unchecked"
)
MARSHAL = (
    "its bytecode is stored with `marshal`, tied to the Python version that saved it "
    "(`bad marshal data (unknown type code)` on an older Python; a newer one may load it and "
    "crash), and a lambda reading module globals fails with `NameError` at its first call"
)
PARTIAL = 'the save itself fails: "TypeError: Cannot serialize object functools.partial(...)"'
# Keras modules whose exported functions carry their canonical name (``silu`` for ``swish``).
_KERAS_FUNCTION_MODULES = (
    "activations.",
    "losses.",
    "metrics.",
    "initializers.",
    "regularizers.",
    "constraints.",
)
# TensorFlow functions whose ``__name__`` is not the name they are exported under.
_RENAMED_TF_FUNCTIONS = frozenset(
    {
        "tensorflow.nn.softmax",  # softmax_v2
        "tensorflow.math.softmax",
        "tensorflow.nn.log_softmax",  # log_softmax_v2
        "tensorflow.math.log_softmax",
        "tensorflow.nn.silu",  # swish
        "tensorflow.nn.swish",
    }
)


# Activations with one standard definition: a project function named so computes what Keras'
# does (not gelu, whose approximations differ; not hard_sigmoid or leaky_relu, which changed
# between Keras 2 and 3).
_ONE_DEFINITION_ACTIVATIONS = frozenset(
    {"relu", "relu6", "sigmoid", "tanh", "softplus", "softsign", "elu", "selu", "linear"}
)


@dataclass(frozen=True)
class Hazard:
    function: StoredFunction
    bytecode: bool  # stored as marshal bytecode (else: by name, or not at all)
    consequence: str


def major(project: Project, use: FunctionUse) -> int:
    """The Keras that builds the layer: the call's own flavour, else the project's."""
    if use.flavor is None:
        return project.keras_version
    return project.semantics.major_for(use.flavor)


def external_found(qualified: str) -> bool:
    """Does a Keras 3 load find this Keras or TensorFlow function by the name it is stored
    under (its ``__name__``)?  tests/reality checks this against real Keras."""
    keras = names.keras_name(qualified)
    if keras is not None and keras.path.startswith(_KERAS_FUNCTION_MODULES):
        return True
    if qualified in _RENAMED_TF_FUNCTIONS:
        return False
    return qualified.rpartition(".")[2] in names.KERAS_BUILTIN_FUNCTIONS


def _argument_kind(argument: str) -> str:
    """activation, initializer, regularizer or constraint: what Keras interprets it as."""
    for kind in ("initializer", "regularizer", "constraint"):
        if argument.endswith(kind):
            return kind
    return "activation"


def _lambda_hazard(project: Project, use: FunctionUse, version: int) -> str | None:
    if use.lambda_layer:
        refused = LAMBDA_REFUSED_K3 if version == 3 else LAMBDA_REFUSED_K2
        return f"{refused}; {MARSHAL}"
    if use.compile_only:
        if _compile_skipped(project, use):
            return None
        if version == 3:
            return (
                'Keras 3 refuses the load without `safe_mode=False` ("Requested the '
                'deserialization of a Python lambda"), and with it runs the stored bytecode'
            )
        return (
            "tf-keras refuses the `.keras` load without `safe_mode=False`, and with it runs the "
            "stored bytecode"
        )
    kind = _argument_kind(use.argument)
    if version == 3:
        what = "activation function" if kind == "activation" else kind
        return (
            "Keras 3 cannot load it, even with `safe_mode=False` "
            f'("Could not interpret {what} identifier")'
        )
    return 'tf-keras cannot load it ("Improper config format")'


def _by_name_failure(use: FunctionUse, function: StoredFunction, version: int) -> str:
    """How a load fails on a function stored by a name it cannot find."""
    if use.compile_only or _argument_kind(use.argument) == "activation":
        if version == 2 and not use.compile_only:
            return f"\"Unknown activation function\" for '{function.name}'"
        failure = f"\"Could not locate function '{function.name}'\""
    else:
        failure = f'"Could not interpret {_argument_kind(use.argument)} identifier"'
    if use.argument in ("metrics", "weighted_metrics"):
        failure += " (from an `.h5` file the load works and the first `evaluate`/`fit` fails)"
    return failure


def hazard(project: Project, use: FunctionUse, function: StoredFunction) -> Hazard | None:
    """How a load of a model holding ``function`` fails; None when it loads."""
    version = major(project, use)
    if function.kind == "partial":
        return Hazard(function, False, PARTIAL)
    if function.kind == "lambda" or (version == 2 and use.lambda_layer and function.kind == "def"):
        consequence = _lambda_hazard(project, use, version)
        return Hazard(function, True, consequence) if consequence else None
    assert function.function is not None
    if function.kind == "external":
        if version == 2 or external_found(function.function):
            return None  # tf-keras: not measured, so not reported
        return Hazard(
            function,
            False,
            f"Keras stores it by its Python name, which Keras 3 does not find: the load fails "
            f"with \"Could not locate function '{function.name}'\"",
        )
    if function.kind == "method":
        if version == 3:
            failure = "\"Expected 'config' to be a dict for method\""
        else:
            failure = '"unsupported callable"' if use.lambda_layer else "an error"
        return Hazard(
            function,
            False,
            f"Keras cannot rebuild a bound method at all: the load fails with {failure}, "
            "even with `custom_objects` or registration",
        )
    activation = not use.compile_only and _argument_kind(use.argument) == "activation"
    if version == 2 and activation and _saved_as_h5(project, use):
        return Hazard(
            function,
            False,
            "tf-keras cannot load an `.h5` file with a custom activation function at all "
            "(\"Unknown activation function: 'function'\"), even with `custom_objects` or "
            "registration",
        )
    if project.registry.function_registered(function.function):
        return None
    if project.provided_at_every_load(use, function):
        return None
    if function.kind == "shadow":
        if not use.compile_only and function.name in _ONE_DEFINITION_ACTIVATIONS:
            return None  # `def relu6(x)`: Keras' relu6 is the same function
        return Hazard(
            function,
            False,
            f"Keras stores it as '{function.name}', and the load finds Keras' own "
            f"`{function.name}` instead: the model silently computes Keras' function (a loss or "
            "metric with another signature fails)",
        )
    return Hazard(
        function,
        False,
        "Keras stores a function only by its name, so the load fails with "
        f"{_by_name_failure(use, function, version)} unless it is registered or passed in "
        "`custom_objects` (importing its module does not help)",
    )


def fix_hint(found: Hazard) -> str:
    kind = found.function.kind
    if kind == "partial":
        return (
            "Replace the partial with a registered function, or a registered Layer/Loss "
            "subclass that takes the argument"
        )
    if kind == "method":
        return (
            "Pass a module-level function, decorated with @keras.saving.register_keras_serializable"
        )
    if kind == "external":
        return (
            'Pass Keras\' own name as a string (activation="softmax") or a keras.activations '
            "function, or a registered wrapper function"
        )
    return (
        "Decorate it with @keras.saving.register_keras_serializable(package=...) and import its "
        "module before loading, or pass it in custom_objects at every load"
    )


def _saved_as_h5(project: Project, use: FunctionUse) -> bool:
    whole, _ = project.saves_of(project.saves.holding_function(use.marker), use.module)
    paths = [project.written_by(save) for save in whole]
    return any(path is not None and path.ends_with(".h5", ".hdf5") for path in paths)


def _compile_skipped(project: Project, use: FunctionUse) -> bool:
    loads = project.loads_meeting_use(use)
    return bool(loads) and all(load.compile_false for load in loads)


def hazards(project: Project, use: FunctionUse) -> list[Hazard]:
    return [h for f in use.functions if (h := hazard(project, use, f)) is not None]


class StoredFunctionRule(Rule):
    """A rule about some of the hazards of stored functions, in models that can be saved
    whole: ``candidates`` says which hazards of a use are this rule's."""

    @staticmethod
    def candidates(project: Project, use: FunctionUse) -> list[Hazard]:
        raise NotImplementedError

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        uses = project.stored_functions.in_module(module)
        return any(cls.candidates(project, use) for use in uses)

    def saved_hazards(self, context: RuleContext) -> Iterator[tuple[FunctionUse, list[Hazard]]]:
        project = context.project
        for use in project.stored_functions.in_module(context.module):
            found = self.candidates(project, use)
            if found and project.use_saved_whole(use):
                yield use, found
