"""SER102-SER110 on the idioms found while scoring them on public projects: each false positive
and each miss that was fixed is a case here (the project it came from is named)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import codes_at, lint

CONFIG_CODES = tuple(f"SER{n}" for n in range(102, 111))


def config_findings(root: Path, files: dict[str, str]) -> list[tuple[str, str, int]]:
    return codes_at(lint(root, files, select=CONFIG_CODES))


def test_keys_written_in_a_loop_over_a_literal_list_are_read(tmp_path: Path) -> None:
    # gcnn_keras AggregateLocalEdgesLSTM: `for x in lstm_param: config.update({x: ...})`
    # names its keys; `units` is still missing.
    source = """\
        import keras
        class Pool(keras.layers.Layer):
            def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
                super().__init__(**kwargs)
                self.lstm = keras.layers.LSTM(units, activation=activation, use_bias=use_bias)
            def get_config(self):
                config = super().get_config()
                conf = self.lstm.get_config()
                names = ["activation", "use_bias"]
                for x in names:
                    if x in conf:
                        config.update({x: conf[x]})
                return config
        """
    found = lint(tmp_path, {"pool.py": source}, select=("SER103",))
    assert [(f.code, f.start.row) for f in found] == [("SER103", 6)]
    assert "`units`" in found[0].message and "`activation`" not in found[0].message


def test_a_module_level_alias_of_a_class_is_followed(tmp_path: Path) -> None:
    # gcnn_keras MXMLocalMP: `GraphMLP = MLP`; passing the activation to it rebuilds it.
    files = {
        "mlp.py": """\
            import keras
            class MLP(keras.layers.Layer):
                def __init__(self, activation="relu", **kwargs):
                    super().__init__(**kwargs)
                    self.activation = keras.activations.get(activation)
                def get_config(self):
                    return {**super().get_config(), "activation": keras.activations.serialize(self.activation)}
            GraphMLP = MLP
            """,
        "block.py": """\
            import keras
            from mlp import GraphMLP
            class Block(keras.layers.Layer):
                def __init__(self, activation="swish", **kwargs):
                    super().__init__(**kwargs)
                    self.activation = activation
                    self.mlp = GraphMLP(activation=activation)
                def get_config(self):
                    return {**super().get_config(), "activation": keras.activations.serialize(self.activation)}
            """,
    }
    assert config_findings(tmp_path, files) == []


def test_keras_applications_construction_arguments_are_not_lost(tmp_path: Path) -> None:
    # keras-vision-models: `weights` and `input_tensor` only build the model (44 classes).
    source = """\
        import keras
        class Net(keras.Model):
            def __init__(self, classes=10, weights="in1k", input_tensor=None, **kwargs):
                inputs = input_tensor if input_tensor is not None else keras.Input((3,))
                super().__init__(inputs=inputs, outputs=keras.layers.Dense(classes)(inputs), **kwargs)
                self.classes = classes
            def get_config(self):
                return {**super().get_config(), "classes": self.classes}
        """
    assert config_findings(tmp_path, {"net.py": source}) == []


def test_a_guarded_conversion_and_keras_epsilon_are_plain_values(tmp_path: Path) -> None:
    # keras-vision-models SigLIPImageProcessor (`x.tolist() if hasattr(x, "tolist") else x`)
    # and bert4keras Adam (`epsilon or K.epsilon()`).
    source = """\
        import keras
        from keras import backend as K
        class Norm(keras.layers.Layer):
            def __init__(self, mean=(0.5,), epsilon=None, **kwargs):
                super().__init__(**kwargs)
                self.mean = keras.ops.array(mean)
                self.epsilon = epsilon or K.epsilon()
            def get_config(self):
                return {
                    **super().get_config(),
                    "mean": self.mean.tolist() if hasattr(self.mean, "tolist") else self.mean,
                    "epsilon": self.epsilon,
                }
        """
    assert config_findings(tmp_path, {"norm.py": source}) == []


def test_call_sites_inside_a_parent_layer_do_not_count(tmp_path: Path) -> None:
    # Keras-MatMulLess DenseMML: the GRU cell builds it from initializer objects, and rebuilds
    # it itself on load; users pass strings.
    source = """\
        import keras
        class Dense2(keras.layers.Layer):
            def __init__(self, units, kernel_initializer="glorot_uniform", **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.kernel_initializer = kernel_initializer
        class Cell(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
            def build(self, shape):
                self.inner = Dense2(self.units, kernel_initializer=keras.initializers.Ones())
            def get_config(self):
                return {**super().get_config(), "units": self.units}
        model = keras.Sequential([keras.Input((3,)), Dense2(2), Cell(2)])
        """
    assert config_findings(tmp_path, {"cells.py": source}) == []
    # ... while a top-level call site passing an object is evidence.
    bad = source.replace("Dense2(2)", "Dense2(2, kernel_initializer=keras.initializers.Ones())")
    assert [c for c, _, _ in config_findings(tmp_path, {"cells.py": bad})] == ["SER102"]


def test_an_argument_restored_by_load_assets_is_not_lost(tmp_path: Path) -> None:
    # keras-io customizing_saving_and_serialization: LayerWithCustomAssets.
    source = """\
        import keras
        class WithAssets(keras.layers.Dense):
            def __init__(self, vocab=None, **kwargs):
                super().__init__(**kwargs)
                self.vocab = vocab
            def save_assets(self, inner_path):
                pass
            def load_assets(self, inner_path):
                self.vocab = open(inner_path + "/vocab.txt").read()
        """
    assert config_findings(tmp_path, {"assets.py": source}) == []


def test_copies_of_one_class_registered_twice_are_harmless(tmp_path: Path) -> None:
    # keras-vision-models AddPositionEmbs: three copies differing only in docstrings.
    body = '''\
        import keras
        @keras.saving.register_keras_serializable(package="kmodels")
        class AddPositionEmbs(keras.layers.Layer):
            """{doc}"""
            def call(self, x):
                """{doc}"""
                return x + 1.0
        '''
    files = {
        "pkg/__init__.py": "from pkg import a, b\n",
        "pkg/a.py": body.format(doc="One copy."),
        "pkg/b.py": body.format(doc="Another copy, documented differently."),
    }
    assert config_findings(tmp_path, files) == []
    files["pkg/b.py"] = body.format(doc="x").replace("x + 1.0", "x + 2.0")
    assert [c for c, _, _ in config_findings(tmp_path, files)] == ["SER106", "SER106"]


def test_a_key_passed_to_a_project_base_beside_kwargs_arrives_twice(tmp_path: Path) -> None:
    # gcnn_keras GraphInstanceNormalization: the base's get_config stores `mean_shift`.
    source = """\
        import keras
        class Norm(keras.layers.Layer):
            def __init__(self, mean_shift=True, **kwargs):
                super().__init__(**kwargs)
                self.mean_shift = mean_shift
            def get_config(self):
                return {**super().get_config(), "mean_shift": self.mean_shift}
        class InstanceNorm(Norm):
            def __init__(self, **kwargs):
                super().__init__(mean_shift=False, **kwargs)
        model = keras.Sequential([keras.Input((3,)), InstanceNorm()])
        """
    found = lint(tmp_path, {"norm.py": source}, select=("SER104",))
    assert [(f.code, f.start.row) for f in found] == [("SER104", 8)]
    assert "multiple values for keyword argument 'mean_shift'" in found[0].message


def test_a_name_parameter_passed_to_super_is_not_passed_twice(tmp_path: Path) -> None:
    # keras-model-registry TimeMixer: `super().__init__(name=name or "TimeMixer", **kwargs)`.
    source = """\
        import keras
        class TimeMixer(keras.Model):
            def __init__(self, units=2, name=None, **kwargs):
                super().__init__(name=name or "TimeMixer", **kwargs)
                self.units = units
                self.dense = keras.layers.Dense(units)
            def call(self, x):
                return self.dense(x)
            def get_config(self):
                return {**super().get_config(), "units": self.units}
        """
    assert config_findings(tmp_path, {"mixer.py": source}) == []


def test_a_custom_from_config_decides_what_reaches_init(tmp_path: Path) -> None:
    # keras-model-registry AnomalyDetectionModelProd: from_config passes its own keys.
    source = """\
        import keras
        class Detector(keras.Model):
            def __init__(self, threshold):
                super().__init__()
                self.threshold = threshold
            def get_config(self):
                return {**super().get_config(), "threshold": self.threshold}
            @classmethod
            def from_config(cls, config):
                return cls(threshold=config["threshold"])
        """
    assert config_findings(tmp_path, {"detector.py": source}) == []


def test_an_object_rebuilt_through_a_local_in_init_is_rebuilt(tmp_path: Path) -> None:
    # Keras-MatMulLess GRUMML: `cell = GRUCellMML(activation=activation)`, then super().__init__(cell).
    source = """\
        import keras
        class Cell(keras.layers.Layer):
            def __init__(self, units, activation="tanh", **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.state_size = units
                self.activation = keras.activations.get(activation)
            def get_config(self):
                return {**super().get_config(), "units": self.units,
                        "activation": keras.activations.serialize(self.activation)}
        class GRU(keras.layers.RNN):
            def __init__(self, units, activation="tanh", **kwargs):
                cell = Cell(units, activation=activation)
                super().__init__(cell, **kwargs)
                self.units = units
                self.activation = keras.activations.get(activation)
            def get_config(self):
                config = super().get_config()
                config.update({"units": self.units, "activation": keras.activations.serialize(self.activation)})
                del config["cell"]
                return config
        """
    assert [c for c, _, _ in config_findings(tmp_path, {"gru.py": source})] == []


def test_an_attribute_call_sets_for_one_pass_is_judged_by_init(tmp_path: Path) -> None:
    # keras-data-processor DistributionTransformLayer: call() swaps transform_type for a
    # tensor and restores it.
    source = """\
        import keras
        import tensorflow as tf
        class Transform(keras.layers.Layer):
            def __init__(self, transform_type="auto", **kwargs):
                super().__init__(**kwargs)
                self.transform_type = transform_type
            def call(self, x):
                saved = self.transform_type
                self.transform_type = tf.constant(1)
                self.transform_type = saved
                return x
            def get_config(self):
                return {**super().get_config(), "transform_type": self.transform_type}
        """
    assert config_findings(tmp_path, {"transform.py": source}) == []


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        # stable-diffusion-tensorflow Decoder(keras.Sequential) with __init__(self): Sequential's
        # config passes `name` back (SER104); review M10's Impl: auto-config passes `trainable`.
        (
            "import keras\n"
            "class Decoder(keras.Sequential):\n"
            "    def __init__(self):\n"
            "        super().__init__([keras.layers.Dense(2)])\n",
            ["SER104"],
        ),
        # Review M8's Outer: the sublayer object itself in the config, nothing rebuilds it.
        (
            "import keras\n"
            "class Inner(keras.layers.Layer): pass\n"
            "class Outer(keras.layers.Layer):\n"
            "    def __init__(self, inner=None, **kwargs):\n"
            "        super().__init__(**kwargs)\n"
            "        self.inner = inner if inner is not None else Inner()\n"
            "    def get_config(self):\n"
            "        return {**super().get_config(), 'inner': self.inner}\n"
            "keras.Sequential([Outer()]).save('m.keras')\n",
            ["SER105"],
        ),
        # A functional-style subclass with an argument and no get_config (Keras 3).
        (
            "import keras\n"
            "class Tower(keras.Model):\n"
            "    def __init__(self, width=4):\n"
            "        inputs = keras.Input((3,))\n"
            "        super().__init__(inputs, keras.layers.Dense(width)(inputs))\n",
            ["SER104", "SER107"],
        ),
    ],
)
def test_findings_the_ser101_regression_cases_also_hold(
    source: str, codes: list[str], tmp_path: Path
) -> None:
    assert sorted(c for c, _, _ in config_findings(tmp_path, {"m.py": source})) == codes


def test_semantics_are_inferred_and_said(tmp_path: Path) -> None:
    from .conftest import run_check, write_project

    write_project(
        tmp_path, {"a.py": "import tf_keras\nclass A(tf_keras.layers.Layer):\n    pass\n"}
    )
    result = run_check(tmp_path)
    assert result.semantics == "Judged by Keras 2 semantics (inferred: a.py:1 imports tf_keras)."
    write_project(tmp_path, {"a.py": "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"})
    assert "a.py:2 sets TF_USE_LEGACY_KERAS" in run_check(tmp_path).semantics
    write_project(tmp_path, {"a.py": "import keras\n"})
    assert run_check(tmp_path).semantics.startswith("Judged by Keras 3 semantics (the default")
    assert run_check(tmp_path, keras_version=2).semantics == (
        "Judged by Keras 2 semantics (keras-version = 2)."
    )


def test_a_key_a_project_base_adds_must_be_accepted(tmp_path: Path) -> None:
    # tensorflow/ranking CalibratedSoftmaxLoss (held out): the base's get_config adds `ragged`.
    source = """\
        import keras
        class RankingLoss(keras.losses.Loss):
            def __init__(self, reduction="sum_over_batch_size", name=None, ragged=False):
                super().__init__(reduction=reduction, name=name)
                self.ragged = ragged
            def get_config(self):
                return {**super().get_config(), "ragged": self.ragged}
        class Calibrated(RankingLoss):
            def __init__(self, reduction="sum_over_batch_size", name=None, temperature=1.0):
                super().__init__(reduction=reduction, name=name, ragged=False)
                self.temperature = temperature
            def get_config(self):
                return {**super().get_config(), "temperature": self.temperature}
        loss = Calibrated()
        """
    found = lint(tmp_path, {"losses.py": source}, select=("SER104",))
    assert [(f.start.row, "'ragged'" in f.message) for f in found] == [(8, True)]


def test_a_from_config_rebuilds_only_the_keys_it_names(tmp_path: Path) -> None:
    # tensorflow/ranking DNNRankingNetwork (held out): from_config rebuilds the feature
    # columns, not the raw activation its tests pass (tf.compat.v2.nn.relu).
    files = {
        "net.py": """\
            import tensorflow.compat.v2 as tf
            class Net(tf.keras.layers.Layer):
                def __init__(self, columns=None, activation=None, **kwargs):
                    super().__init__(**kwargs)
                    self._columns = columns
                    self._activation = activation
                def get_config(self):
                    return {**super().get_config(), "columns": self._columns, "activation": self._activation}
                @classmethod
                def from_config(cls, config):
                    config["columns"] = tf.keras.layers.deserialize(config["columns"])
                    return cls(**config)
            """,
        "net_test.py": """\
            import tensorflow.compat.v2 as tf
            import net
            layer = net.Net(columns=None, activation=tf.nn.relu)
            """,
    }
    found = lint(tmp_path, files, select=("SER105",))
    assert [(f.start.row, "`activation`" in f.message) for f in found] == [(7, True)]


def test_a_bound_method_in_the_config_is_a_function(tmp_path: Path) -> None:
    # keras-rs Retrieval (held out): `"return_scores": self.compute_score`, a typo.
    source = """\
        import keras
        class Retrieval(keras.layers.Layer):
            def __init__(self, return_scores=True, **kwargs):
                super().__init__(**kwargs)
                self.return_scores = return_scores
            def compute_score(self, x):
                return x
            @property
            def width(self):
                return 2
            def get_config(self):
                return {**super().get_config(), "return_scores": self.compute_score, "width": self.width}
        layer = Retrieval()
        """
    found = lint(tmp_path, {"retrieval.py": source}, select=("SER105",))
    assert [f.message.count("`return_scores`") for f in found] == [1]
    assert "`width`" not in found[0].message


# -- the review's cases (each measured with real TensorFlow in test_config_semantics_real_keras) --


def test_values_given_to_a_builtin_base_beside_kwargs_arrive_twice(tmp_path: Path) -> None:
    source = """\
        import keras
        class ReluDense(keras.layers.Dense):
            def __init__(self, units, **kwargs):
                super().__init__(units, activation="relu", **kwargs)
        class Dense8(keras.layers.Dense):
            def __init__(self, **kwargs):
                super().__init__(8, **kwargs)
        class Fine(keras.layers.Dense):
            def __init__(self, units, activation=None, name=None, **kwargs):
                super().__init__(units, activation=activation or "relu", name=name or "f", **kwargs)
        """
    found = lint(tmp_path, {"dense.py": source}, select=CONFIG_CODES)
    assert [(f.code, f.start.row) for f in found] == [("SER104", 2), ("SER104", 5)]
    assert "keyword argument 'activation'" in found[0].message
    assert "argument 1" in found[1].message


def test_arguments_forwarded_through_expressions_are_not_lost(tmp_path: Path) -> None:
    source = """\
        import keras
        class MyConv(keras.layers.Conv2D):
            def __init__(self, filters, kernel_size=3, padding="SAME", name=None, **kwargs):
                super().__init__(filters, kernel_size, padding=padding.lower(), name=name or "c", **kwargs)
        layer = MyConv(2)
        """
    assert config_findings(tmp_path, {"conv.py": source}) == []


def test_branches_on_python_values_are_not_eager_only(tmp_path: Path) -> None:
    tests = [
        'tf.keras.backend.image_data_format() == "channels_first"',
        "keras.ops.shape(x)[0] == 1",
        "tf.nest.is_nested(x)",
        'tf.__version__.startswith("2.")',
        "tf.debugging.is_numeric_tensor(x)",
        "keras.backend.is_keras_tensor(x)",
    ]
    body = "".join(f"        if {t}:\n            x = x * 2\n" for t in tests)
    source = (
        "import keras\nimport tensorflow as tf\n"
        "class A(keras.Model):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n        self.d = keras.layers.Dense(2)\n"
        "    def call(self, x):\n" + body + "        return self.d(x)\n"
    )
    assert config_findings(tmp_path, {"a.py": source}) == []
    eager = source.replace("tf.nest.is_nested(x)", "tf.rank(x) == 3")
    assert [c for c, _, _ in config_findings(tmp_path, {"a.py": eager})] == ["SER109"]


def test_kwargs_fix_is_not_offered_when_super_passes_a_base_key(tmp_path: Path) -> None:
    source = """\
        import keras
        class B(keras.layers.Layer):
            def __init__(self, factor=2.0):
                super().__init__(trainable=False)
                self.factor = factor
        """
    found = lint(tmp_path, {"b.py": source}, select=("SER104",))
    assert [f.fix for f in found] == [None]


def test_super_get_config_of_a_regularizer_raises(tmp_path: Path) -> None:
    source = """\
        import keras
        class L1(keras.regularizers.Regularizer):
            def __init__(self, l1=0.01):
                self.l1 = l1
            def __call__(self, x):
                return self.l1 * keras.ops.sum(keras.ops.abs(x))
            def get_config(self):
                config = super().get_config()
                config.update({"l1": self.l1})
                return config
        """
    found = lint(tmp_path, {"reg.py": source}, select=CONFIG_CODES)
    assert [(f.code, f.start.row) for f in found] == [("SER103", 7)]
    assert "does not implement get_config()" in found[0].message


def test_tf_keras_model_config_has_no_base_keys(tmp_path: Path) -> None:
    source = """\
        import tf_keras
        class Net(tf_keras.Model):
            def __init__(self, units=4):
                super().__init__()
                self.units = units
                self.dense = tf_keras.layers.Dense(units)
            def call(self, x):
                return self.dense(x)
            def get_config(self):
                config = super().get_config()
                config.update({"units": self.units})
                return config
        """
    assert config_findings(tmp_path, {"net.py": source}) == []


def test_a_functional_subclass_fails_at_load_not_save(tmp_path: Path) -> None:
    source = """\
        import keras
        class FNet(keras.Model):
            def __init__(self, units, **kwargs):
                inputs = keras.Input((3,))
                super().__init__(inputs=inputs, outputs=keras.layers.Dense(units)(inputs), **kwargs)
        """
    found = lint(tmp_path, {"fnet.py": source}, select=("SER107",))
    assert len(found) == 1 and "Unable to revive model from config" in found[0].message
    assert "0-byte" not in found[0].message


def test_arrays_and_sets_by_kind(tmp_path: Path) -> None:
    source = """\
        import keras
        import numpy as np
        class T(keras.layers.Layer):
            def __init__(self, table=(1.0,), labels=("a",), **kwargs):
                super().__init__(**kwargs)
                self.table = np.asarray(table, dtype="float32")
                self.labels = set(labels)
            def get_config(self):
                return {**super().get_config(), "table": self.table, "labels": self.labels}
        """
    found = lint(tmp_path, {"t.py": source}, select=("SER110",))
    assert len(found) == 1
    assert "__numpy__" in found[0].message and "`labels`" in found[0].message


def test_an_annotation_alone_is_evidence_only_for_a_library(tmp_path: Path) -> None:
    source = """\
        import keras
        from typing import Callable
        class A(keras.layers.Layer):
            def __init__(self, activation: Callable = "relu", **kwargs):
                super().__init__(**kwargs)
                self.activation = activation
        layer = A("tanh")
        """
    assert config_findings(tmp_path, {"a.py": source}) == []
    files = {
        "setup.py": "from setuptools import setup, find_packages\nsetup(packages=find_packages())\n",
        "lib/__init__.py": "",
        "lib/layers.py": source.replace('layer = A("tanh")\n', ""),
    }
    assert [c for c, _, _ in config_findings(tmp_path / "lib_project", files)] == ["SER102"]


def test_a_builtin_activation_serialized_without_evidence_is_fine(tmp_path: Path) -> None:
    source = """\
        import keras
        class Act(keras.layers.Layer):
            def __init__(self, fn="relu", **kwargs):
                super().__init__(**kwargs)
                self.fn = fn
            def call(self, x):
                return keras.activations.get(self.fn)(x)
            def get_config(self):
                return {**super().get_config(), "fn": keras.activations.serialize(self.fn)}
        layer = Act(keras.activations.relu)
        """
    assert config_findings(tmp_path, {"act.py": source}) == []


def test_an_annotation_is_not_evidence_where_every_call_passes_nothing(tmp_path: Path) -> None:
    # The review's C: `mean: np.ndarray = None` built only as `C()` records None (round-trips).
    source = """\
        import keras
        import numpy as np
        class C(keras.layers.Layer):
            def __init__(self, mean: np.ndarray = None, **kwargs):
                super().__init__(**kwargs)
                self.mean = mean
        layer = C()
        """
    assert config_findings(tmp_path, {"c.py": source}) == []


def test_an_argument_restored_by_a_method_load_assets_calls_is_not_lost(tmp_path: Path) -> None:
    # keras-hub BytePairTokenizer: load_assets() calls set_vocabulary_and_merges(), which
    # assigns the vocabulary the config leaves out (21 findings on keras-hub before).
    source = """\
        import keras
        class Tokenizer(keras.layers.Layer):
            def __init__(self, vocabulary=None, sequence_length=8, **kwargs):
                super().__init__(**kwargs)
                self.sequence_length = sequence_length
                self.set_vocabulary(vocabulary)
            def set_vocabulary(self, vocabulary):
                self.vocabulary = vocabulary
            def save_assets(self, dir_path):
                pass
            def load_assets(self, dir_path):
                self.set_vocabulary(open(dir_path + "/vocabulary.txt").read().split())
            def get_config(self):
                return {**super().get_config(), "sequence_length": self.sequence_length}
        tokenizer = Tokenizer()
        """
    assert config_findings(tmp_path, {"tokenizer.py": source}) == []
