"""Fuzzing: generated and mutated inputs through the whole pipeline never crash it.

Every example is a small project written into a fresh temporary directory (hypothesis runs
many examples in one test call, so the ``tmp_path`` fixture would be shared between them):
one to three generated files, plus a companion file with known findings.  It goes through
discovery, facts, the project join, every rule, every output format, and ``--fix`` (safe,
then unsafe, each applied twice).  The properties:

- nothing raises, and no rule reports an internal error (SER000 "Internal error in rule");
- every finding lies inside its file (row >= 1 and at most one past the last line);
- the companion file is still checked and reported, whatever its neighbours hold;
- json, sarif and gitlab parse as JSON, json-lines as one JSON object per line, junit as XML;
- ``--fix`` leaves a file that parsed still parsing, never touches a file that did not parse,
  and a second ``--fix`` changes nothing;
- on generated (valid) code: no SER000, and no fix is dropped for making invalid code.

The number of examples is ``SERIALINT_FUZZ_EXAMPLES`` (default: a small number, for
``make test``); see docs/robustness.md for a longer campaign.

Input kinds are pluggable: a :class:`FileKind` says how to judge a file of that kind (does
Python accept it, how many rows it has), and :func:`projects` makes projects of any strategy of
file contents.  Python sources and notebooks are fuzzed (see
docs/robustness.md, "Adding an input kind").
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import io
import json
import os
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serialint.api import LintResult, lint_paths
from serialint.catalogue import load_catalogue
from serialint.config import Config
from serialint.fixes import FixMode
from serialint.notebooks import NotebookError, read_notebook
from serialint.report import FORMATS

# --------------------------------------------------------------------------------------------
# Settings: a bounded run in `make test`, a campaign with SERIALINT_FUZZ_EXAMPLES=5000.

_DEFAULT_EXAMPLES = 50  # per test: about 10 s for the file on 2 cores


def _examples() -> int:
    raw = os.environ.get("SERIALINT_FUZZ_EXAMPLES", "").strip()
    if not raw:
        return _DEFAULT_EXAMPLES
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"SERIALINT_FUZZ_EXAMPLES must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"SERIALINT_FUZZ_EXAMPLES must be at least 1, not {value}")
    return value


settings.register_profile(
    "serialint-fuzz",
    max_examples=_examples(),
    # `make test` (CI) replays the same examples every run, so main stays green until the code
    # changes; a campaign (SERIALINT_FUZZ_EXAMPLES set) explores new ones, and what it finds
    # becomes a case in tests/test_robustness.py.
    derandomize=not os.environ.get("SERIALINT_FUZZ_EXAMPLES", "").strip(),
    deadline=None,  # a project's first example pays for imports and caches
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,  # a failure prints @reproduce_failure(...) to replay it exactly
)
FUZZ = settings.get_profile("serialint-fuzz")

CATALOGUE = load_catalogue()

# --------------------------------------------------------------------------------------------
# Input kinds.


@dataclass(frozen=True)
class FileKind:
    """How to judge one kind of input file (Python source; notebooks later)."""

    suffix: str
    parses: Callable[[bytes], bool]  # what Python (or Jupyter) itself would accept
    rows: Callable[[bytes], int]  # an upper bound on the number of rows a finding can name


def python_parses(data: bytes) -> bool:
    """Whether CPython compiles these bytes (decoded by their BOM and coding cookie)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError, LookupError):
        return False
    return True


def python_rows(data: bytes) -> int:
    """Rows counted at every line break Python knows, in the bytes as they are: an upper bound
    for any encoding (a UTF-16 line break is still one 0x0a or 0x0d byte)."""
    return len(re.findall(rb"\r\n|\r|\n", data)) + 1


PYTHON = FileKind(".py", python_parses, python_rows)


def notebook_parses(data: bytes) -> bool:
    """A notebook Jupyter can open (nbformat 4 JSON) whose code cells, IPython syntax set
    aside as serialint sets it aside, are Python."""
    try:
        notebook = read_notebook(data.decode("utf-8-sig"))
    except (NotebookError, UnicodeDecodeError):
        return False
    return python_parses(notebook.python.encode("utf-8", "surrogatepass"))


# A finding's row counts in its cell, or (GitHub, SARIF) in the JSON: the JSON has more rows.
NOTEBOOK = FileKind(".ipynb", notebook_parses, python_rows)
KINDS = {kind.suffix: kind for kind in (PYTHON, NOTEBOOK)}


def kind_of(name: str) -> FileKind:
    return KINDS[Path(name).suffix]


# --------------------------------------------------------------------------------------------
# A grammar of Keras-flavoured Python.  Templates name their holes with ``$HOLE``; each hole is
# filled by its own draw.

CLASSES = ("Scale", "Shift", "Block", "Encoder", "FocalLoss", "PositiveRate", "Tower", "Ünï")
FUNCTIONS = ("swish2", "focal", "scaled_mse", "ƒn")

HOLES: dict[str, st.SearchStrategy[str]] = {
    "CLS": st.sampled_from(CLASSES),
    "FN": st.sampled_from(FUNCTIONS),
    "N": st.sampled_from(["0", "1", "3", "32", "-1", "2.5", "None", "True", "units"]),
    "PKG": st.sampled_from(["app", "p", "", "my-lib", "Custom>Nested", "ü"]),
    "PATH": st.sampled_from(
        [
            "'model.h5'",
            "'model.keras'",
            "'model'",
            "'saved_model'",
            "'model.hdf5'",
            "'m.tf'",
            "f'{name}.h5'",
            "f'runs/{epoch}'",
            "Path('out') / 'm.h5'",
            "os.path.join(d, 'final')",
            "path",
            "sys.argv[1]",
            "'model.keras', overwrite=False",
            "'saved', save_format='tf'",
            "filepath='x.h5'",
            "'C:\\\\models\\\\best.h5'",
            "'é.keras'",
            "''",
        ]
    ),
    "WPATH": st.sampled_from(
        ["'w.h5'", "'w.weights.h5'", "'ckpt'", "'model.keras'", "'w.weights.h5', overwrite=False"]
    ),
    "PURE": st.sampled_from(["'model.keras'", "'model.h5'", "path", "Path('m') / 'x.keras'"]),
    "ARR": st.sampled_from(["np.zeros(3)", "object()", "self.fn", "lambda x: x", "{1, 2}", "b'x'"]),
}


def fill(draw: st.DrawFn, template: str) -> str:
    return re.sub(r"\$([A-Z]+)", lambda m: draw(HOLES[m.group(1)]), template)


IMPORTS = (
    "import keras",
    "import keras as K",
    "import keras.layers",
    "import keras.saving as ks",
    "from keras import layers",
    "from keras import layers as L",
    "from keras.layers import Layer, Dense, Lambda",
    "from keras import saving",
    "from keras.saving import register_keras_serializable",
    "from keras.utils import register_keras_serializable",
    "from keras.models import load_model, save_model",
    "from keras import *",
    "from keras.layers import *",
    "import tensorflow as tf",
    "from tensorflow import keras",
    "from tensorflow.keras import layers",
    "from tensorflow.keras.models import load_model",
    "import tf_keras",
    "from tf_keras import layers",
    "from keras.engine.base_layer import Layer",
    "import pickle",
    "import joblib",
    "import dill",
    "import cloudpickle",
    "from pickle import dump, load",
    "import numpy as np",
    "import os, sys",
    "from pathlib import Path",
    "from __future__ import annotations",
    "from .layers import $CLS",
    "from . import layers as local",
    "from .. import nothing",
    "from pkg.layers import $CLS, $FN",
    "from pkg import layers",
    "import pkg.layers",
    "import train",
    "try:\n    import keras\nexcept ImportError:\n    from tensorflow import keras",
    "if TYPE_CHECKING:\n    import keras",
    "import importlib\nkeras = importlib.import_module('keras')",
)

BASES = (
    "keras.layers.Layer",
    "layers.Layer",
    "Layer",
    "K.layers.Layer",
    "L.Dense",
    "Dense",
    "keras.Model",
    "keras.models.Model",
    "keras.Sequential",
    "tf.keras.layers.Layer",
    "tf_keras.layers.Layer",
    "keras.losses.Loss",
    "keras.metrics.Metric",
    "keras.initializers.Initializer",
    "keras.regularizers.Regularizer",
    "keras.constraints.Constraint",
    "keras.optimizers.schedules.LearningRateSchedule",
    "keras.callbacks.Callback",
    "local.$CLS",
    "layers.$CLS",
    "$CLS",
    "object",
    "keras.layers.Layer, metaclass=abc.ABCMeta",
    "*bases",
    "Generic[T], keras.layers.Layer",
    "type('X', (keras.layers.Layer,), {})",
    "",
)

DECORATORS = (
    "@keras.saving.register_keras_serializable()",
    "@keras.saving.register_keras_serializable(package='$PKG')",
    "@keras.utils.register_keras_serializable(package='$PKG', name='$CLS')",
    "@register_keras_serializable()",
    "@register_keras_serializable",
    "@register_keras_serializable('$PKG')",
    "@saving.register_keras_serializable(package='$PKG')",
    "@ks.register_keras_serializable()",
    "@K.saving.register_keras_serializable()",
    "@tf.keras.utils.register_keras_serializable()",
    "@tf_keras.saving.register_keras_serializable()",
    "@dataclass",
    "@some.decorator(1)(2)",
)

METHODS = (
    "def __init__(self, $PARAMS):\n    super().__init__($SUPER)\n$ASSIGN",
    "def __init__(self, units=$N, **kwargs):\n    super().__init__(**kwargs)\n    self.units = units",
    "def __init__(self, inner=None, *args, name=None, **kwargs):\n"
    "    super($CLS, self).__init__(name=name, **kwargs)\n    self.inner = inner or keras.layers.Dense(2)",
    "def get_config(self):\n    return {'units': self.units}",
    "def get_config(self):\n    config = super().get_config()\n"
    "    config.update({'units': self.units, 'inner': self.inner})\n    return config",
    "def get_config(self):\n    return {**super().get_config(), 'rate': self.rate}",
    "def get_config(self):\n    return dict(super().get_config(), units=self.units)",
    "def get_config(self):\n    return {'fn': $ARR, 'units': self.units}",
    "def get_config(self):\n    base = super().get_config()\n    return {**base, **self.extra}",
    "def get_config(self):\n    pass",
    "def get_config(self):\n    return None",
    "def get_config(self):\n    return super().get_config() | {'units': self.units}",
    "@classmethod\ndef from_config(cls, config):\n"
    "    config['inner'] = keras.saving.deserialize_keras_object(config['inner'])\n"
    "    return cls(**config)",
    "def call(self, inputs, training=None):\n    return inputs * self.units",
    "def build(self, input_shape):\n    self.w = self.add_weight(shape=(input_shape[-1], $N))\n"
    "    super().build(input_shape)",
    "def __call__(self, shape, dtype=None):\n    return keras.ops.ones(shape)",
    "def __call__(self, step):\n    return 0.1 / (1 + step)",
    "'''A docstring.'''",
    "units = $N",
    "pass",
    "async def call(self, x):\n    return await x",
    "class Inner(keras.layers.Layer):\n    pass",
    "def __init__(self, units: int = $N, *, scale: 'float' = 1.0, **kwargs: object) -> None:\n"
    "    super().__init__(**kwargs)\n    self.units = units\n    self.scale = scale",
    "def __init__(self, units=$N): super().__init__(); self.units = units",
    "def get_config(self): return {'units': self.units}  # noqa",
    "def get_config(self):\n    return {\n        # the units\n        'units': self.units,\n    }",
    "def get_config(self):\n    if self.units:\n        return {'units': self.units}\n    return super().get_config()",
    "@staticmethod\ndef get_config():\n    return {}",
    "get_config = lambda self: {'units': self.units}",
)

# In an order where any subsequence is a valid signature.
PARAMS = ("rate", "units=32", "activation='relu'", "inner=None", "*args", "k=1", "**kwargs")
SUPER_ARGS = ("", "**kwargs", "name='x'", "*args, **kwargs", "trainable=False")
ASSIGNMENTS = (
    "    self.units = units",
    "    self.rate = rate",
    "    self.inner = keras.layers.Dense(units)",
    "    self.sub = $CLS()",
    "    self.fn = lambda x: x",
    "    self.table = {'a': $ARR}",
    "    self.units, self.rate = units, rate",
    "    setattr(self, 'k', k)",
)

STATEMENTS = (
    "model = keras.Sequential([$CLS($N), keras.layers.Dense(1)])",
    "model = keras.Model(inputs, outputs)",
    "model = $CLS()",
    "model = build_model()",
    "model.compile(optimizer='adam', loss=$FN, metrics=[$CLS()])",
    "model.compile(loss='mse', metrics=['$FN'])",
    "model.save($PATH)",
    "model.save_weights($WPATH)",
    "model.load_weights($WPATH)",
    "keras.models.save_model(model, $PATH)",
    "tf.keras.models.save_model(model, $PATH)",
    "keras.saving.save_model(model, $PATH)",
    "tf.saved_model.save(model, 'export')",
    "model.export('serving')",
    "m = keras.models.load_model($PATH)",
    "m = load_model($PATH, custom_objects={'$CLS': $CLS})",
    "m = keras.saving.load_model($PATH, safe_mode=False)",
    "m = keras.models.load_model($PATH, compile=False, custom_objects=None)",
    "m = keras.models.load_model('model.keras', custom_objects=objects)",
    "m = tf.keras.models.load_model('export')",
    "m = keras.models.load_model('w.weights.h5')",
    "keras.config.enable_unsafe_deserialization()",
    "with keras.saving.custom_object_scope({'$CLS': $CLS}):\n    m = keras.models.load_model($PATH)",
    "with open('m.pkl', 'wb') as f:\n    pickle.dump(model, f)",
    "joblib.dump(model, 'm.joblib')",
    "m = pickle.load(open('m.pkl', 'rb'))",
    "dill.dump(model, f)",
    "blob = pickle.dumps(model)",
    "cloudpickle.dump(model, f)",
    "m = joblib.load('m.pkl')",
    "pickle.dump(history.history, f)",
    "x = keras.layers.Lambda(lambda t: t * 2)(x)",
    "layer = layers.Lambda($FN)",
    "layer = Lambda(lambda t, k=K: t, name='lam')",
    "cb = keras.callbacks.ModelCheckpoint($PATH, save_weights_only=True)",
    "keras.saving.get_custom_objects()['$CLS'] = $CLS",
    "keras.utils.get_custom_objects().update({'$CLS': $CLS})",
    "objects = {'$CLS': $CLS, '$FN': $FN}",
    "def $FN(y_true, y_pred):\n    return keras.ops.mean(y_true - y_pred)",
    "@register_keras_serializable()\ndef $FN(x):\n    return x",
    "del model",
    "global model",
    "print(f'{model!r:>10}')",
    "x = [*range(3)] if model else {**objects}",
    "match model:\n    case keras.Model():\n        model.save($PATH)\n    case _:\n        pass",
    # Layouts a fix must edit around.
    "class $CLS(keras.layers.Layer): pass",
    "class $CLS(keras.layers.Layer): units = $N; rate = 0.5",
    "class $CLS(\n    keras.layers.Layer,  # a comment\n):\n    '''Doc.'''\n    pass",
    "@some.decorator(\n    1,\n)\n# a comment\nclass $CLS(keras.layers.Layer):\n    pass",
    "@(keras.saving.register_keras_serializable())\nclass $CLS(keras.layers.Layer):\n    pass",
    "def make():\n    class $CLS(keras.layers.Layer):\n        pass\n    return $CLS",
    "if True:\n    class $CLS(keras.losses.Loss):\n        def call(self, y_true, y_pred): return y_pred",
    "model.save(  # where\n    $PATH\n)",
    "model.save('m' '.h5')",
    "model.save(r'C:\\m.h5')",
    "model.save(path := 'm.h5')",
    "model.save(b'm.h5')",
    "model.save(*args, **kwargs)",
    "keras.models.save_model(model=model, filepath=$WPATH)",
    "m = keras.models.load_model(filepath=$PURE, custom_objects={**objects, '$CLS': $CLS})",
    "model.save($PATH); m = keras.models.load_model($PATH)",
    "model.save($PATH) if model else None",
    "saver = model.save\nsaver($PATH)",
    "callbacks = [keras.callbacks.ModelCheckpoint(filepath=f'ckpt/{epoch}.h5')]",
)

COMMENTS = (
    "  # noqa",
    "  # noqa: SER101",
    "  # noqa: SER301, SER302",
    "  # serialint: ignore[SER202]",
    "  # serialint: noqa",
    "  # type: ignore",
    "  # noqa:SER999",
)

INDENTS = ("    ", "  ", "\t", " ")


def indent(text: str, unit: str) -> str:
    return "\n".join(unit + line if line else line for line in text.split("\n"))


@st.composite
def method(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(METHODS))
    template = template.replace(
        "$PARAMS", ", ".join(p for p in PARAMS if draw(st.integers(0, 2)) == 0)
    )
    template = template.replace("$SUPER", draw(st.sampled_from(SUPER_ARGS)))
    assigns = draw(st.lists(st.sampled_from(ASSIGNMENTS), max_size=3))
    template = template.replace("$ASSIGN", "\n".join(assigns) or "    pass")
    return fill(draw, template)


@st.composite
def class_def(draw: st.DrawFn) -> str:
    decorators = draw(st.lists(st.sampled_from(DECORATORS), max_size=2))
    base = fill(draw, draw(st.sampled_from(BASES)))
    header = f"class {draw(HOLES['CLS'])}({base}):" if base else f"class {draw(HOLES['CLS'])}:"
    body = draw(st.lists(method(), min_size=1, max_size=5))
    unit = draw(st.sampled_from(INDENTS))
    lines = [fill(draw, d) for d in decorators] + [header, indent("\n\n".join(body), unit)]
    return "\n".join(lines)


@st.composite
def statement(draw: st.DrawFn, depth: int = 0) -> str:
    if depth < 2 and draw(st.integers(0, 5)) == 0:
        inner = "\n".join(draw(st.lists(statement(depth + 1), min_size=1, max_size=3)))
        unit = draw(st.sampled_from(INDENTS))
        header = draw(
            st.sampled_from(
                [
                    "if __name__ == '__main__':",
                    "def main():",
                    "def build_model(units=3):",
                    "for epoch in range(3):",
                    "with strategy.scope():",
                    "while False:",
                    "class Trainer:\n    def run(self):",
                ]
            )
        )
        if header.startswith("class"):
            return f"{header}\n{indent(indent(inner, unit), '    ')}"
        return f"{header}\n{indent(inner, unit)}"
    if depth < 2 and draw(st.integers(0, 8)) == 0:
        inner = draw(statement(depth + 1))
        return f"try:\n{indent(inner, '    ')}\nexcept Exception:\n    pass"
    return fill(draw, draw(st.sampled_from(STATEMENTS)))


@st.composite
def python_module(draw: st.DrawFn) -> str:
    """A module: imports in many styles, then classes and statements, with some comments."""
    parts = [fill(draw, i) for i in draw(st.lists(st.sampled_from(IMPORTS), max_size=6))]
    parts += draw(st.lists(st.one_of(class_def(), statement()), max_size=6))
    if draw(st.booleans()):
        parts.insert(0, draw(st.sampled_from(['"""Module docstring."""', "#!/usr/bin/env python"])))
    text = "\n\n".join(parts)
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 2))):
        if lines:
            row = draw(st.integers(0, len(lines) - 1))
            lines[row] += draw(st.sampled_from(COMMENTS))
    ending = draw(st.sampled_from(["\n", "", "\n\n"]))
    return "\n".join(lines) + ending


# --------------------------------------------------------------------------------------------
# Mutations of valid sources: text first, then bytes (encodings, BOMs, raw damage).


def _corpus() -> list[str]:
    """The fixtures' inputs: realistic sources to mutate beside the grammar's."""
    fixtures = Path(__file__).parent / "fixtures"
    return sorted(p.read_text(encoding="utf-8") for p in fixtures.glob("*/*/input/**/*.py"))[:60]


CORPUS = _corpus()

NASTY = (
    "\x00",
    "\r",
    "\r\n",
    "\n",
    "\t",
    "\x0c",
    "\ufeff",
    "\\",
    "\u2028",
    "\x85",
    "\x1a",
    "'''",
    '"',
    "'",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "#",
    "@",
    "=",
    " ",
    "    ",
    "\\\n",
    "f'{",
    "lambda",
    "class",
    "def",
    "# noqa",
    "\ud800",
    "\U0001f600",
    "é",
    "\u200b",
    "# -*- coding: latin-1 -*-\n",
)


@st.composite
def text_mutation(draw: st.DrawFn, text: str) -> str:
    size = len(text)
    at = draw(st.integers(0, size))
    what = draw(st.integers(0, 11))
    if what == 0:  # delete a span
        end = draw(st.integers(at, min(size, at + 40)))
        return text[:at] + text[end:]
    if what == 1:  # insert nasty characters
        chunk = "".join(draw(st.lists(st.sampled_from(NASTY), min_size=1, max_size=4)))
        return text[:at] + chunk + text[at:]
    if what == 2:  # insert random unicode (surrogates included)
        chunk = draw(st.text(st.characters(exclude_categories=()), min_size=1, max_size=5))
        return text[:at] + chunk + text[at:]
    if what == 3:  # truncate
        return text[:at]
    lines = text.split("\n")
    row = draw(st.integers(0, max(len(lines) - 1, 0)))
    if what == 4:  # swap two lines
        other = draw(st.integers(0, max(len(lines) - 1, 0)))
        lines[row], lines[other] = lines[other], lines[row]
    elif what == 5:  # duplicate a line
        lines.insert(row, lines[row])
    elif what == 6:  # indentation by tabs, or a tab in front
        lines[row] = "\t" + lines[row].lstrip(" ")
    elif what == 7:  # a form feed at the start of a line
        lines[row] = "\x0c" + lines[row]
    elif what == 8:  # a NUL byte somewhere in the line
        cut = draw(st.integers(0, len(lines[row])))
        lines[row] = lines[row][:cut] + "\x00" + lines[row][cut:]
    elif what == 9:  # deep nesting
        depth = draw(st.integers(1, 300))
        lines[row] = lines[row] + " x = " + "(" * depth + "1" + ")" * draw(st.integers(0, depth))
    elif what == 10:  # a line with its indentation removed
        lines[row] = lines[row].lstrip()
    else:  # a line deleted
        del lines[row]
    return "\n".join(lines)


def _cookie(text: str, name: str) -> str:
    return f"# -*- coding: {name} -*-\n{text}"


@st.composite
def encoded_bytes(draw: st.DrawFn, text: str) -> bytes:
    """The text as a file on disk: line endings, encodings, BOMs, then raw byte damage."""
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r", "mixed"]))
    if newline == "mixed":
        text = "".join(
            line + draw(st.sampled_from(["\n", "\r\n", "\r"])) for line in text.split("\n")
        )
    elif newline != "\n":
        text = text.replace("\n", newline)
    how = draw(
        st.sampled_from(
            ["utf-8", "utf-8", "utf-8", "bom", "latin-1", "utf-16", "bad-bom", "cp1252"]
        )
    )
    if how == "bom":
        data = codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    elif how == "latin-1":
        data = _cookie(text, "latin-1").encode("latin-1", "replace")
    elif how == "cp1252":
        data = _cookie(text, "cp1252").encode("cp1252", "replace")
    elif how == "utf-16":  # Python itself refuses it: a clear SER000, never a crash
        data = text.encode("utf-16", "surrogatepass")
    elif how == "bad-bom":  # a cookie that contradicts the BOM
        data = codecs.BOM_UTF8 + _cookie(text, "latin-1").encode("utf-8", "surrogatepass")
    else:
        data = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        damage = draw(st.integers(0, 2))
        if damage == 0:
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
        elif damage == 1 and data:  # flip a byte (may split a UTF-8 sequence)
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        else:
            data = data[:at]
    return data


@st.composite
def mutated_python(draw: st.DrawFn) -> bytes:
    text = draw(st.one_of(python_module(), st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(0, 5))):
        text = draw(text_mutation(text))
    if draw(st.integers(0, 3)) == 0:
        return draw(encoded_bytes(text))
    return text.encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------------------------
# Projects: a few files under the names the grammar's imports refer to.

PYTHON_NAMES = ("pkg/__init__.py", "pkg/layers.py", "train.py", "serve.py")
NOTEBOOK_NAMES = ("explore.ipynb", "pkg/train.ipynb")
MAGICS = ("%pip install keras", "!nvidia-smi", "files = !ls", "keras?", "%time x = 1", "%%time")


@st.composite
def notebooks(draw: st.DrawFn) -> bytes:
    """A generated module split into code cells, with markdown cells and IPython lines among
    them, stored as Jupyter (or another indent) stores it."""
    lines = draw(python_module()).split("\n")
    cuts = sorted(draw(st.lists(st.integers(0, len(lines)), max_size=4)))
    cells: list[dict[str, object]] = []
    for start, end in zip([0, *cuts], [*cuts, len(lines)], strict=True):
        chunk = lines[start:end]
        if draw(st.booleans()):
            chunk.insert(draw(st.integers(0, len(chunk))), draw(st.sampled_from(MAGICS)))
        source = [f"{line}\n" for line in chunk]
        if source and draw(st.booleans()):
            source[-1] = source[-1].removesuffix("\n")  # as Jupyter stores a last line
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source,
            }
        )
        if draw(st.integers(0, 2)) == 0:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": ["# notes ✓\n"]})
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    indent = draw(st.sampled_from([1, 1, 2]))
    text = json.dumps(document, indent=indent, ensure_ascii=draw(st.booleans())) + "\n"
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 3]))):  # sometimes broken JSON
        text = draw(text_mutation(text))
    return text.encode("utf-8", "surrogatepass")


COMPANION = "zz_companion.py"
COMPANION_SOURCE = b"""import pickle

import keras


class CompanionLayer(keras.layers.Layer):
    pass


def export(companion_model):
    with open("companion.pkl", "wb") as handle:
        pickle.dump(companion_model, handle)
"""


def projects(
    contents: st.SearchStrategy[bytes], names: tuple[str, ...] = PYTHON_NAMES
) -> st.SearchStrategy[dict[str, bytes]]:
    """One to three files, each a draw of ``contents``, under some of ``names``."""
    return st.dictionaries(st.sampled_from(names), contents, min_size=1, max_size=3)


@st.composite
def stored_python(draw: st.DrawFn) -> bytes:
    """A generated module as a file may store it, still valid: LF, CRLF or CR line endings,
    form feeds on blank lines, UTF-8 with or without a BOM, or a Latin-1 or cp1252 cookie."""
    text = draw(python_module())
    if draw(st.integers(0, 3)) == 0:
        text = text.replace("\n\n", "\n\x0c\n")
    text = text.replace("\n", draw(st.sampled_from(["\n", "\n", "\r\n", "\r"])))
    how = draw(st.sampled_from(["utf-8", "utf-8", "bom", "latin-1", "cp1252"]))
    if how == "bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if how in ("latin-1", "cp1252"):
        with contextlib.suppress(UnicodeEncodeError):  # not every name is in the code page
            return _cookie(text, how).encode(how)
    return text.encode("utf-8")


VALID_PROJECTS = projects(stored_python())
MUTATED_PROJECTS = projects(mutated_python())


# --------------------------------------------------------------------------------------------
# The pipeline and its properties.


def write_files(root: Path, files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_files(root: Path, names: Mapping[str, bytes]) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in names}


def lint(root: Path, fix: FixMode = FixMode.NONE) -> LintResult:
    return lint_paths([root], Config(root=root), catalogue=CATALOGUE, fix=fix)


def name_of(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def check_findings(result: LintResult, root: Path, files: Mapping[str, bytes]) -> None:
    for finding in result.findings:
        where = f"{finding.code} {finding.message!r} at {finding.start}"
        assert "Internal error" not in finding.message, where
        name = name_of(finding.path, root)
        assert name in files, f"{where}: a finding in a file that was not written: {name}"
        rows = kind_of(name).rows(files[name])
        assert 1 <= finding.start.row <= rows + 1, f"{where}: outside {name} ({rows} rows)"
        assert 1 <= finding.end.row <= rows + 1, f"{where}: ends outside {name} ({rows} rows)"
        assert finding.start.column >= 1 and finding.end.column >= 1, where
        assert finding.start <= finding.end, where


def check_formats(result: LintResult) -> None:
    for name, writer in FORMATS.items():
        out = io.StringIO()
        writer(result, CATALOGUE, out)
        text = out.getvalue()
        if name in ("json", "sarif", "gitlab"):
            json.loads(text)
        elif name == "json-lines":  # one object per line, split where a JSON Lines reader does
            for line in text.split("\n"):
                if line:
                    json.loads(line)
        elif name == "junit":
            ET.fromstring(text)


def check_pipeline(files: Mapping[str, bytes], *, valid: bool = False) -> None:
    """The properties (module docstring); with ``valid`` (every file parses) also: no file is
    an SER000, and no fix is dropped (a dropped fix is a fix that made invalid code)."""
    everything = {**files, COMPANION: COMPANION_SOURCE}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_files(root, everything)
        result = lint(root)
        check_findings(result, root, everything)
        companion = [f for f in result.findings if name_of(f.path, root) == COMPANION]
        assert companion and all(f.code != "SER000" for f in companion), companion
        if valid:
            assert [f for f in result.findings if f.code == "SER000"] == []
        check_formats(result)
    for mode in (FixMode.SAFE, FixMode.UNSAFE):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_files(root, everything)
            fixed = lint(root, mode)
            after = read_files(root, everything)
            assert fixed.stale == [], "a file changed on disk during the run: only serialint ran"
            if valid:
                dropped = [(f.code, f.path.name, f.start, f.fix) for f in fixed.rejected]
                assert dropped == [], f"fixes dropped as invalid on valid code: {dropped}"
            check_findings(fixed, root, after)
            fixed.show_fixes = True
            check_formats(fixed)
            for name, before in everything.items():
                if not kind_of(name).parses(before):
                    assert after[name] == before, f"--fix changed {name}, which did not parse"
                else:
                    assert kind_of(name).parses(after[name]), f"--fix broke {name}"
            again = lint(root, mode)
            assert read_files(root, everything) == after, "a second --fix changed the files"
            assert again.fixed == [], f"a second --fix applied {again.fixed}"


@FUZZ
@given(VALID_PROJECTS)
def test_generated_keras_sources_go_through_the_whole_pipeline(files: dict[str, bytes]) -> None:
    for name, data in files.items():
        assert python_parses(data), f"the grammar made invalid Python in {name}"
    check_pipeline(files, valid=True)


@FUZZ
@given(MUTATED_PROJECTS)
def test_mutated_sources_go_through_the_whole_pipeline(files: dict[str, bytes]) -> None:
    check_pipeline(files)


@FUZZ
@given(
    st.tuples(projects(notebooks(), NOTEBOOK_NAMES), projects(stored_python())).map(
        lambda pair: {**pair[1], **pair[0]}
    )
)
def test_generated_notebooks_go_through_the_whole_pipeline(files: dict[str, bytes]) -> None:
    check_pipeline(files)
