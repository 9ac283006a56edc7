"""What runs inside each round-trip process: the step recorder and the Keras helpers steps call.

A step is a short script written by a plan (``plans/``). It runs in a process forked from the
worker, so Keras is already imported but none of the user's code is. It reports each action it
takes through :class:`StepRecorder`, one JSON line per record, to a file the worker reads once
the process is gone, so a crash, a timeout or an ``os._exit`` still leaves what happened before.

Roles of the records:
- ``begin``: an action started (a timeout or a crash is reported against the last one);
- ``setup``: preparing the replay failed (the verdict is inconclusive);
- ``probe``: the action under test raised (confirmed) or worked;
- ``defect``: a silent failure a comparison found (confirmed, no exception);
- ``tried``: an action whose failure decides nothing by itself (``attempt``);
- ``exit``: user code called ``sys.exit`` (inconclusive);
- ``done``: the step ran to its end.

Keras, TensorFlow and NumPy are imported inside the helpers: this module is imported by the
worker before TensorFlow is, and by the tests without it.
"""

from __future__ import annotations

import builtins
import importlib
import json
import os
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Shapes tried, in order, to build a layer or a subclassed model whose input is unknown.
CANDIDATE_SHAPES: tuple[tuple[int, ...], ...] = ((4,), (6, 4), (8, 8, 3))
PREDICTIONS = "predictions.npy"
INPUT_SHAPE = "input_shape.json"


class Stop(Exception):
    """The step ends here: its outcome is recorded."""


@dataclass(frozen=True)
class StepRecorder:
    results: Path
    log: Path

    def record(self, role: str, what: str, **data: Any) -> None:
        with self.results.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"role": role, "what": what, **data}, default=repr) + "\n")

    def _run(self, role: str, what: str, action: Callable[[], Any]) -> Any:
        self.record("begin", what)
        try:
            return action()
        except SystemExit as exit_:
            self.record("exit", what, code=repr(exit_.code))
            raise Stop from None
        except KeyboardInterrupt:
            self.record("exit", what, code="KeyboardInterrupt")
            raise Stop from None
        except Exception as error:
            self.record(role, what, ok=False, type=type(error).__name__, message=str(error))
            raise Stop from None

    def setup(self, what: str, action: Callable[[], Any]) -> Any:
        """Prepare the replay; a failure means no verdict (inconclusive)."""
        return self._run("setup", what, action)

    def probe(self, what: str, action: Callable[[], Any]) -> Any:
        """The action under test; a failure confirms the finding."""
        value = self._run("probe", what, action)
        self.record("probe", what, ok=True)
        return value

    def attempt(self, what: str, action: Callable[[], Any]) -> bool:
        """An action whose failure decides nothing by itself: recorded, and the step goes on."""
        self.record("begin", what)
        try:
            action()
        except Exception as error:
            self.record("tried", what, ok=False, type=type(error).__name__, message=str(error))
            return False
        self.record("tried", what, ok=True)
        return True

    def defect(self, what: str, detail: str) -> None:
        """A failure without an exception (lost config, changed predictions)."""
        self.record("defect", what, detail=detail)
        raise Stop

    def logged(self, fragment: str) -> bool:
        """Did this process write ``fragment`` to its log (Keras warnings go there)?"""
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            return fragment in self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False

    def done(self, detail: str) -> None:
        self.record("done", detail)


class OriginalsBlocked:
    """A meta-path finder that refuses the user's original modules (their top levels would
    run whole): however a step reaches them (an editable install, a ``.pth``, a path a module
    puts on ``sys.path``, an import the project's analysis did not see), only the sandbox's
    definitions-only copies may be imported."""

    def __init__(self, originals: frozenset[str], roots: tuple[str, ...]) -> None:
        self.originals = originals
        self.roots = roots  # the project's tree: any module there, bar installed packages

    def _original(self, origin: str) -> bool:
        real = os.path.realpath(origin)
        if real in self.originals:
            return True
        inside = any(real.startswith(root + os.sep) for root in self.roots)
        installed = "site-packages" in real or "dist-packages" in real
        return inside and not installed

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        origin = getattr(spec, "origin", None)
        if origin is not None and self._original(origin):
            raise ImportError(
                f"serialint does not import {name} from the original {origin}: only its "
                "definitions-only copy may run, and the copy was not found"
            )
        return None  # the usual finders do the import

    @classmethod
    def install(cls, listing: str) -> None:
        lines = Path(listing).read_text(encoding="utf-8").splitlines()
        files = frozenset(line[5:] for line in lines if line.startswith("file:"))
        # A root holding Python itself or the sandbox (``/``, a home directory) cannot be
        # barred whole: only its listed files are.
        keep = [os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, listing)]
        roots = []
        for line in lines:
            root = line[5:]
            if line.startswith("root:") and not any(k.startswith(root + os.sep) for k in keep):
                roots.append(root)
        sys.meta_path.insert(0, cls(files, tuple(roots)))


def enter_and_run(step: dict[str, Any], recorder: StepRecorder) -> None:
    """Set up this process for ``step`` (its import path, the guard against the user's
    original modules) and run it: what a forked step and a spawned one both do."""
    sys.path[:0] = step["path"]
    os.environ[SANDBOX_PATH] = os.pathsep.join(step["path"])
    if step.get("originals"):
        OriginalsBlocked.install(step["originals"])
    sys.argv = ["serialint-step"]
    run_step(step["script"], recorder, step.get("file") or "<step>")


def run_step(script: str, recorder: StepRecorder, filename: str = "<serialint step>") -> None:
    """Execute one step's script as a program's ``__main__`` (so what it defines pickles as a
    script's would); every outcome ends up in the recorder, nothing escapes."""
    main = types.ModuleType("__main__")
    main.__dict__.update({"__file__": filename, "__builtins__": builtins, "step": recorder})
    sys.modules["__main__"] = main
    try:
        exec(compile(script, filename, "exec"), main.__dict__)
    except Stop:
        return
    except SystemExit as exit_:
        recorder.record("exit", "the replay", code=repr(exit_.code))
        return
    except BaseException as error:  # a bug of the replay itself, or user code outside an action
        traceback.print_exc()
        recorder.record("error", "the replay", type=type(error).__name__, message=str(error))
        return


# -- helpers the step scripts call -----------------------------------------------------------------


def import_copy(name: str) -> Any:
    """The sandbox copy of the user's module ``name``.

    A project whose package has the name of one the worker runs on (the Keras repository
    itself, a ``keras.py`` or ``numpy.py`` of its own) cannot be imported beside it: the name
    already means the installed package, and replaying that would test the wrong code.
    """
    top = name.split(".")[0]
    loaded = sys.modules.get(top)
    if loaded is not None and not _in_sandbox(loaded):
        raise ImportError(
            f"the project's module {top!r} has the name of a package serialint's Keras worker "
            f"has already imported ({getattr(loaded, '__file__', None) or 'built in'}), so its "
            "copy cannot be loaded"
        )
    return importlib.import_module(name)


SANDBOX_PATH = "SERIALINT_SANDBOX_PATH"  # the step's own sys.path entries (set by the worker)


def _in_sandbox(module: Any) -> bool:
    where = getattr(module, "__file__", None) or ""
    roots = [r for r in os.environ.get(SANDBOX_PATH, "").split(os.pathsep) if r]
    return any(where.startswith(root + os.sep) for root in roots)


def import_object(module: str, qualname: str) -> Any:
    """``module.qualname`` from the (stripped) copy of the user's module."""
    value: Any = import_copy(module)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value


def evaluate(module: str, expression: str, extra: dict[str, Any] | None = None) -> Any:
    """Evaluate ``expression`` in the namespace of the (stripped) module, as its line would;
    ``extra`` binds the stand-ins a rewritten call refers to (``__model__``)."""
    namespace = {**vars(import_copy(module)), **(extra or {})}
    return eval(compile(expression, "<serialint expression>", "eval"), namespace)


def _inputs(shape: tuple[int, ...]) -> Any:
    import numpy as np

    count = int(np.prod((2, *shape)))
    return np.linspace(-1.0, 1.0, count, dtype="float32").reshape((2, *shape))


def _attempts(make: Callable[[], Any]) -> Iterator[tuple[tuple[int, ...], Any]]:
    for shape in CANDIDATE_SHAPES:
        yield shape, make()


FLAVOUR = "keras_flavour.txt"


def keras_of(obj: Any) -> Any:
    """The Keras an object belongs to: ``tf_keras`` for a tf-keras class, else Keras 3."""
    if any(c.__module__.split(".")[0] == "tf_keras" for c in type(obj).__mro__):
        import tf_keras

        return tf_keras
    import keras

    return keras


def save_model(model: Any, path: str) -> None:
    """``model.save(path)``, noting which Keras saved it so the load uses the same one."""
    Path(FLAVOUR).write_text(keras_of(model).__name__)
    model.save(path)


def load_saved(path: str, **options: Any) -> Any:
    """``load_model`` of the Keras that saved ``path`` (see ``save_model``)."""
    flavour = Path(FLAVOUR).read_text() if Path(FLAVOUR).exists() else "keras"
    module = importlib.import_module(flavour)
    return module.models.load_model(path, **options)


def model_around(
    make: Callable[[], Any], *, built: bool = False
) -> tuple[Any, tuple[int, ...] | None]:
    """A small saved-able model holding the object ``make()`` builds, and its input shape.

    A Layer is called on a symbolic input of the first shape it accepts; a Model is called on
    data. When no shape works the object is kept unbuilt, where that still tests something
    (the config is saved and loaded, where most hazards are); with ``built`` it is an error.
    """
    first = make()
    keras = keras_of(first)
    failures: list[str] = []
    if isinstance(first, (keras.Model, keras.layers.Layer)):
        is_model = isinstance(first, keras.Model)
        for shape, obj in _attempts(make):
            try:
                if is_model:
                    obj(_inputs(shape))
                    return obj, shape
                inputs = keras.Input(shape)
                return keras.Model(inputs, obj(inputs)), shape
            except Exception as error:
                failures.append(f"{shape}: {type(error).__name__}: {error}")
        if built:
            raise ValueError(
                f"{type(first).__name__} could not be called on any input tried ("
                + "; ".join(failures)[:600]
                + ")"
            )
        return (first if is_model else keras.Sequential([first])), None
    return stand_in_model(first), (4,)


def model_holding(makers: list[Callable[[], Any]]) -> tuple[Any, tuple[int, ...] | None]:
    """A model holding one object from each maker: the custom objects a saved model needs.

    One layer: ``model_around``. Several: each layer on an input of its own (the first shape it
    accepts), in one functional model with an output per layer, beside the 4 -> 2 Dense branch
    that holds the other objects (losses, metrics, initializers...; see ``stand_in_model``).
    """
    import keras

    objects = [make() for make in makers]
    layers = [m for m, o in zip(makers, objects, strict=True) if isinstance(o, keras.layers.Layer)]
    others = [o for o in objects if not isinstance(o, keras.layers.Layer)]
    if not layers:
        return stand_in_model(*others), (4,)
    if len(layers) == 1 and not others:
        return model_around(layers[0])
    inputs, outputs = [], []
    for make in layers:
        for shape, layer in _attempts(make):
            try:
                tensor = keras.Input(shape)
                outputs.append(layer(tensor))
            except Exception:
                continue
            inputs.append(tensor)
            break
        else:
            raise ValueError(f"{type(make()).__name__} could not be called on any input shape")
    dense, compile_args = _placements(others)
    branch = keras.Input((4,))
    model = keras.Model([*inputs, branch], [*outputs, keras.layers.Dense(2, **dense)(branch)])
    if compile_args:
        losses = [None] * len(outputs) + [compile_args.pop("loss", "mse")]
        model.compile(**{"optimizer": "adam", **compile_args, "loss": losses})
    return model, None


MARKER = "code-ran-at-load.txt"


def marker_model() -> Any:
    """A model whose Lambda writes ``MARKER`` when it runs: loading it shows whether a load
    executes code stored in the file (a functional model calls its layers as it is rebuilt)."""
    import keras

    inputs = keras.Input((4,))
    marked = keras.layers.Lambda(
        lambda t: (open("code-ran-at-load.txt", "w").write("ran"), t)[1]  # noqa: SIM115
    )(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(marked))
    Path(MARKER).unlink(missing_ok=True)  # building ran it once already
    return model


def stand_in_model(*objects: Any) -> Any:
    """A built 4 -> 2 Dense model holding ``objects`` (losses, metrics, initializers...)
    where each goes: in the Dense layer's arguments or in ``compile``."""
    import keras

    dense, compile_args = _placements(list(objects))
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, **dense)(inputs))
    # Compiled only to hold what compile() takes: a compiled stand-in saved as HDF5 does not
    # load back under Keras 3.15 ("Could not deserialize 'keras.metrics.mse'").
    if compile_args:
        model.compile(**{"optimizer": "adam", "loss": "mse", **compile_args})
    return model


def _placements(objects: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Where each object goes: (Dense keyword arguments, compile arguments)."""
    import keras

    dense: dict[str, Any] = {}
    compile_args: dict[str, Any] = {}
    for obj in objects:
        if isinstance(obj, keras.losses.Loss):
            compile_args["loss"] = obj
        elif isinstance(obj, keras.metrics.Metric):
            compile_args.setdefault("metrics", []).append(obj)
        elif isinstance(obj, keras.optimizers.Optimizer):
            compile_args["optimizer"] = obj
        elif isinstance(obj, keras.optimizers.schedules.LearningRateSchedule):
            compile_args["optimizer"] = keras.optimizers.Adam(learning_rate=obj)
        elif isinstance(obj, keras.initializers.Initializer):
            dense["kernel_initializer"] = obj
        elif isinstance(obj, keras.regularizers.Regularizer):
            dense["kernel_regularizer"] = obj
        elif isinstance(obj, keras.constraints.Constraint):
            dense["kernel_constraint"] = obj
    return dense, compile_args


def fit_with(model: Any, callback: Any) -> None:
    """One epoch of the stand-in model (4 -> 2) with ``callback``: what makes a checkpoint
    callback save."""
    import numpy as np

    data = _inputs((4,))
    if not model.compiled:
        model.compile(optimizer="adam", loss="mse")
    model.fit(data, np.zeros((2, 2), "float32"), epochs=1, verbose=0, callbacks=[callback])


def save_predictions(model: Any, shape: tuple[int, ...] | None) -> None:
    """What the model computes before saving, for the loading process to compare."""
    import numpy as np

    if shape is None:
        return
    outputs = _outputs(model, shape)
    if not np.array_equal(outputs, _outputs(model, shape)):
        return  # random layers (augmentation, dropout run as training): nothing to compare
    Path(INPUT_SHAPE).write_text(json.dumps(list(shape)))
    np.save(PREDICTIONS, outputs)


def _outputs(model: Any, shape: tuple[int, ...]) -> Any:
    """The model called eagerly (``predict`` traces a graph, which an eager-only model the
    user runs eagerly cannot pass)."""
    return _as_array(model(_inputs(shape), training=False))


def _as_array(value: Any) -> Any:
    import numpy as np

    if isinstance(value, (list, tuple)):
        value = value[0]
    if isinstance(value, dict):
        value = next(iter(value.values()))
    return np.asarray(value)


def prediction_change(model: Any) -> str | None:
    """How the loaded model's output differs from the saved one's, or None if it does not."""
    import numpy as np

    if not Path(PREDICTIONS).exists():
        return None
    shape = tuple(json.loads(Path(INPUT_SHAPE).read_text()))
    before = np.load(PREDICTIONS)
    after = _outputs(model, shape)
    if before.shape != after.shape:
        return f"the loaded model's output has shape {after.shape}, the saved one's {before.shape}"
    if not np.allclose(before, after, rtol=1e-5, atol=1e-6):
        gap = float(np.max(np.abs(before - after)))
        return f"the loaded model computes different outputs (largest difference {gap:.3g})"
    return None


_BASIC = (bool, int, float, str, type(None))


def _basic(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_basic(v) for v in value)
    return isinstance(value, _BASIC)


def _base_attributes(obj: Any) -> set[str]:
    """The public attributes Keras' own base class sets (``built``...): state, not config."""
    for base in type(obj).__mro__:
        if base.__module__.split(".")[0] in {"keras", "tf_keras"}:
            try:
                return set(vars(base()))
            except Exception:
                break
    return {"built"}


def config_loss(original: Any, shape: tuple[int, ...] | None) -> str | None:
    """What ``from_config(get_config())`` does not give back: public basic-typed attributes,
    ``name``, ``trainable`` and the shapes of the weights once both are built the same way."""
    keras = keras_of(original)

    clone = type(original).from_config(original.get_config())
    lost: list[str] = []
    for key in ("name", "trainable"):
        if getattr(original, key, None) != getattr(clone, key, None):
            lost.append(f"{key} {getattr(original, key, None)!r} -> {getattr(clone, key, None)!r}")
    bookkeeping = _base_attributes(original)
    for key, value in vars(original).items():
        if key.startswith("_") or key in bookkeeping or not _basic(value):
            continue
        copied = getattr(clone, key, "<missing>")
        if copied != value:
            lost.append(f"{key} {value!r} -> {copied!r}")
    if shape is not None and getattr(original, "built", False):
        try:
            if isinstance(clone, keras.Model):
                clone(_inputs(shape))
            else:
                clone(keras.Input(shape))
        except Exception as error:
            lost.append(f"the copy cannot be built: {type(error).__name__}: {error}")
        else:
            before = [tuple(w.shape) for w in original.weights]
            after = [tuple(w.shape) for w in clone.weights]
            if before != after:
                lost.append(f"weight shapes {before} -> {after}")
    if not lost:
        return None
    return "from_config(get_config()) differs from the original: " + "; ".join(lost)


def layer_of(model: Any, qualname: str) -> Any:
    """The object of class ``qualname`` inside ``model`` (the model itself for a Model)."""
    if type(model).__qualname__ == qualname:
        return model
    for layer in getattr(model, "layers", []):
        if type(layer).__qualname__ == qualname:
            return layer
    return None
