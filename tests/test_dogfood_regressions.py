"""Patterns met in public Keras projects, each once a false positive or a missed hazard.

A, B and F were confirmed under real TensorFlow 2.21 / Keras 3.15 when they were found: the nested
sublayer model loads, and the classes registered through the dict chain and the try/except alias
load without custom_objects.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from .conftest import codes_at, lint

# The rules these regressions were written for; the later rules have tests of their own (the
# snippets' `.h5` saves are SER302's business).
SER101_401 = ("SER101", "SER301", "SER401")


def test_a_sublayer_created_inside_another_keras_class_needs_no_registration(
    tmp_path: Path,
) -> None:
    # keras-tcn: ResidualBlock exists only inside TCN, which rebuilds it from its own config.
    source = """\
        import keras
        class ResidualBlock(keras.layers.Layer):
            def __init__(self, units, **kw):
                super().__init__(**kw)
                self.units = units
        @keras.saving.register_keras_serializable(package="tcn")
        class TCN(keras.layers.Layer):
            def build(self, input_shape):
                self.blocks = [ResidualBlock(4) for _ in range(3)]
        model = keras.Sequential([TCN()])
        model.save("m.keras")
        loaded = keras.models.load_model("m.keras")
        """
    assert lint(tmp_path, {"tcn.py": source}) == []
    # Used directly in a model, the same class is stored by name and must be registered.
    direct = source.replace(
        "keras.Sequential([TCN()])", "keras.Sequential([TCN(), ResidualBlock(2)])"
    )
    assert [c for c, _, _ in codes_at(lint(tmp_path, {"tcn.py": direct}))] == ["SER101", "SER401"]


def test_b_registration_dict_built_step_by_step(tmp_path: Path) -> None:
    source = """\
        import keras
        class A(keras.layers.Layer):
            @staticmethod
            def get_custom_objects():
                return {"A": A}
        class B(keras.layers.Layer): pass
        class C(keras.layers.Layer): pass
        class D(keras.layers.Layer): pass
        custom_objects = {}
        custom_objects.update(A.get_custom_objects())
        custom_objects.update({"B": B})
        custom_objects["C"] = C
        keras.utils.get_custom_objects().update(custom_objects)
        registry = keras.saving.get_custom_objects()
        registry["D"] = D
        """
    assert lint(tmp_path, {"layers.py": source}) == []


def test_c_tf_saved_model_export_is_not_a_keras_model_save(tmp_path: Path) -> None:
    source = """\
        import tensorflow as tf
        class A(tf.keras.layers.Layer): pass
        model = tf.keras.Sequential([A()])
        model.save_weights("w.weights.h5")
        tf.saved_model.save(model, "export/")
        """
    assert lint(tmp_path, {"m.py": source}) == []


def test_d_model_from_json_is_a_load_site(tmp_path: Path) -> None:
    source = """\
        import tensorflow as tf
        class A(tf.keras.layers.Layer): pass
        def save(m):
            open("m.json", "w").write(m.to_json())
        def load_ok():
            return tf.keras.models.model_from_json(open("m.json").read(), custom_objects={"A": A})
        def load_bad():
            return tf.keras.models.model_from_json(open("m.json").read())
        """
    findings = lint(tmp_path, {"m.py": source})
    assert codes_at(findings) == [("SER101", "m.py", 2), ("SER401", "m.py", 8)]
    assert "`model_from_json` without `custom_objects`" in findings[1].message
    assert "m.py:8 does not" in findings[0].message


def test_e_only_loads_that_can_meet_the_class_count(tmp_path: Path) -> None:
    files = {
        "app.py": """\
            import keras
            class Attn(keras.layers.Layer): pass
            model = keras.models.load_model("a.h5", custom_objects={"Attn": Attn})
            """,
        "other_app.py": """\
            import keras
            class Attn(keras.layers.Layer): pass
            keras.utils.get_custom_objects().update({"Attn": Attn})
            model = keras.models.load_model("b.h5")
            """,
    }
    assert lint(tmp_path, files) == []


def test_f_aliases_inside_try_except(tmp_path: Path) -> None:
    source = """\
        from tensorflow import keras
        from tensorflow.keras import layers
        try:
            register_keras_serializable = keras.saving.register_keras_serializable
        except AttributeError:
            register_keras_serializable = keras.utils.register_keras_serializable
        try:
            PreprocessingLayer = layers.PreprocessingLayer
        except AttributeError:
            PreprocessingLayer = layers.experimental.preprocessing.PreprocessingLayer
        @register_keras_serializable(package="p")
        class Registered(keras.layers.Layer): pass
        class Unregistered(PreprocessingLayer): pass
        """
    assert codes_at(lint(tmp_path, {"m.py": source})) == [("SER101", "m.py", 13)]


def test_g_generic_subscripted_base(tmp_path: Path) -> None:
    source = """\
        from typing import Generic, TypeVar
        import tensorflow as tf
        T = TypeVar("T")
        class TypedLayer(tf.keras.layers.Layer, Generic[T]): pass
        class KmerEncoder(TypedLayer[int]): pass
        tf.keras.Sequential([KmerEncoder()]).save("m.keras")
        """
    assert codes_at(lint(tmp_path, {"m.py": source})) == [("SER101", "m.py", 5)]


def test_keras_reexported_through_a_project_package(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "import tensorflow.keras as keras\nimport tensorflow.keras.layers as L\n",
        "pkg/layers.py": """\
            from pkg import keras, L
            class A(L.Layer): pass
            class B(keras.layers.Layer): pass
            @keras.utils.register_keras_serializable(package="pkg")
            class C(keras.layers.Layer): pass
            keras.utils.get_custom_objects().update({"B": B})
            model = keras.models.load_model("m.keras")
            """,
    }
    assert codes_at(lint(tmp_path, files)) == [
        ("SER101", "layers.py", 2),
        ("SER401", "layers.py", 7),
    ]


def test_pickled_self_attribute(tmp_path: Path) -> None:
    source = """\
        import pickle
        import tensorflow as tf
        class Trainer:
            def __init__(self):
                self.model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                self.history = {}
            def dump(self, path):
                with open(path, "wb") as f:
                    pickle.dump(self.model, f)
                    pickle.dump(self.history, f)
        """
    assert codes_at(lint(tmp_path, {"trainer.py": source})) == [("SER301", "trainer.py", 9)]


def test_fix_hint_follows_the_import_style(tmp_path: Path) -> None:
    source = "import tensorflow as tf\nclass A(tf.keras.layers.Layer): pass\n"
    [finding] = lint(tmp_path, {"m.py": source})
    assert "@tf.keras.utils.register_keras_serializable(package=" in finding.fix_hint


def test_a_project_wrapper_that_forwards_custom_objects_is_a_load(tmp_path: Path) -> None:
    # fancy-nlp: tests call the project's load_keras_model(..., custom_objects={...}).
    files = {
        "lib/__init__.py": "",
        "lib/io.py": """\
            import tensorflow as tf
            def load_keras_model(json_file, custom_objects=None):
                return tf.keras.models.model_from_json(open(json_file).read(), custom_objects)
            """,
        "tests/test_io.py": """\
            import tensorflow as tf
            from lib.io import load_keras_model
            class MyLayer(tf.keras.layers.Layer): pass
            model = load_keras_model("m.json", custom_objects={"MyLayer": MyLayer})
            """,
    }
    assert lint(tmp_path, files) == []


def test_an_explicit_custom_objects_dict_names_what_the_model_holds(tmp_path: Path) -> None:
    source = """\
        import keras
        class Encoder(keras.layers.Layer): pass
        class Forgotten(keras.layers.Layer): pass
        model = keras.models.load_model("m.keras", custom_objects={"Encoder": Encoder})
        """
    [finding] = lint(tmp_path, {"serve.py": source})
    assert (finding.code, finding.start.row) == ("SER101", 3)
    assert "serve.py:4 does not" in finding.message


def test_custom_objects_from_a_project_factory_function(tmp_path: Path) -> None:
    files = {
        "objects.py": """\
            import keras
            class A(keras.layers.Layer): pass
            class B(keras.layers.Layer): pass
            def custom_objects():
                return {"A": A}
            """,
        "serve.py": """\
            import keras
            from objects import custom_objects
            model = keras.models.load_model("m.keras", custom_objects=custom_objects())
            """,
        "train.py": """\
            import keras
            from objects import A, B
            keras.Sequential([A(), B()]).save("m.keras")
            """,
    }
    # A is in the dict the factory returns; B is saved by name but no load can supply it.
    assert codes_at(lint(tmp_path, files)) == [("SER101", "objects.py", 3)]


def test_a_module_level_load_cannot_hold_classes_defined_below_it(tmp_path: Path) -> None:
    # keras guides/functional_api.py: save and reload a plain model, then introduce layers.
    source = """\
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.save("my_model.keras")
        model = keras.models.load_model("my_model.keras")
        class CustomDense(keras.layers.Layer): pass
        reloaded = keras.models.load_model("custom.keras")
        def serve():
            return keras.models.load_model("custom.keras")
        """
    found = codes_at(lint(tmp_path, {"guide.py": source}))
    # Line 4 runs before CustomDense exists; lines 6 and 8 can meet it.
    assert found == [
        ("SER101", "guide.py", 5),
        ("SER401", "guide.py", 6),
        ("SER401", "guide.py", 8),
    ]


def test_registration_through_a_decorator_class_and_helpers(tmp_path: Path) -> None:
    # teras (copied from keras-cv's api_export): @lib_export(...) registers in __call__.
    files = {
        "lib/__init__.py": "",
        "lib/api_export.py": """\
            import types
            import keras
            def maybe_register_serializable(symbol, package):
                if isinstance(symbol, types.FunctionType) or hasattr(symbol, "get_config"):
                    keras.saving.register_keras_serializable(package=package)(symbol)
            class lib_export:
                def __init__(self, path, package="lib"):
                    self.package = package
                def __call__(self, symbol):
                    maybe_register_serializable(symbol, self.package)
                    return symbol
            """,
        "lib/layers.py": """\
            import keras
            from lib.api_export import lib_export, maybe_register_serializable
            @lib_export("lib.layers.Exported")
            class Exported(keras.layers.Layer): pass
            class Helped(keras.layers.Layer): pass
            maybe_register_serializable(Helped, "lib")
            """,
    }
    assert lint(tmp_path, files) == []


def test_backend_dispatch_through_star_imports(tmp_path: Path) -> None:
    # teras: the public class derives from whichever backend module the star import chose.
    backend = "import keras\nclass TVAE(keras.Model): pass\n"
    files = {
        "lib/__init__.py": "",
        "lib/backend/__init__.py": """\
            import os
            if os.environ.get("B") == "jax":
                from lib.backend.jax import *
            else:
                from lib.backend.tf import *
            """,
        "lib/backend/jax.py": backend,
        "lib/backend/tf.py": backend,
        "lib/models.py": """\
            import keras
            from lib import backend
            @keras.saving.register_keras_serializable(package="lib")
            class TVAE(backend.TVAE): pass
            """,
    }
    assert lint(tmp_path, files) == []


def test_persistence_is_judged_per_program(tmp_path: Path) -> None:
    files = {
        # CRNN.tf2: the loss is compiled only by a program that saves weights...
        "crnn/__init__.py": "",
        "crnn/losses.py": "import keras\nclass CTCLoss(keras.losses.Loss): pass\n",
        "crnn/model.py": "import keras\ndef build():\n    return keras.Sequential([keras.layers.Dense(2)])\n",
        "train.py": """\
            import keras
            from crnn.losses import CTCLoss
            from crnn.model import build
            model = build()
            model.compile(loss=CTCLoss())
            model.fit([], [], callbacks=[keras.callbacks.ModelCheckpoint("w.weights.h5", save_weights_only=True)])
            """,
        # ...while the exporting program never imports it.
        "export.py": """\
            from crnn.model import build
            model = build()
            model.load_weights("w.weights.h5")
            model.save("export.keras")
            """,
        # ServerlessNMT: a model persisted only as a TF checkpoint and a SavedModel export.
        "nmt/encoder.py": """\
            import tensorflow as tf
            class Encoder(tf.keras.Model): pass
            enc = Encoder()
            tf.train.Checkpoint(encoder=enc).save("ckpt/enc")
            tf.saved_model.save(enc, "export/encoder")
            """,
        # keras guides: a demo script that never saves, in a project that does.
        "demo.py": "import keras\nclass Demo(keras.layers.Layer): pass\nDemo()\n",
    }
    # The weights-only and checkpoint-only programs are positive evidence; a script that saves
    # nothing is not (issue 11: it is where the user adds `model.save` after training).
    assert codes_at(lint(tmp_path, files)) == [("SER101", "demo.py", 2)]


def test_a_library_that_persists_nothing_is_still_told(tmp_path: Path) -> None:
    # basars-addons: public classes whose users will save models.
    files = {
        "addons/__init__.py": "",
        "addons/losses.py": "import tensorflow as tf\nclass Dice(tf.keras.losses.Loss): pass\n",
    }
    assert codes_at(lint(tmp_path, files)) == [("SER101", "losses.py", 2)]


def test_a_sublayer_that_escapes_into_a_functional_model_is_stored_by_name(tmp_path: Path) -> None:
    # LPR_v2: TinyLPR.build() returns keras.Model(...) made from its MobileNet sublayer.
    source = """\
        import keras
        class Backbone(keras.layers.Layer): pass
        class TinyLPR:
            pass
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.backbone = Backbone()
            def build_graph(self):
                inputs = keras.Input((3,))
                return keras.Model(inputs, self.backbone(inputs))
        Net().build_graph().save("lpr.keras")
        """
    found = codes_at(lint(tmp_path, {"lpr.py": source}))
    assert ("SER101", "lpr.py", 2) in found


def test_scripts_with_the_same_name_in_different_directories(tmp_path: Path) -> None:
    # ServerlessNMT: examples/encoder.py and nmt/models/encoder.py must not hide each other.
    files = {
        "examples/encoder.py": """\
            import tensorflow as tf
            class Encoder(tf.keras.Model): pass
            tf.saved_model.save(Encoder(), "encoder_model")
            """,
        "nmt/encoder.py": "import tensorflow as tf\nclass Encoder(tf.keras.Model): pass\n",
        "nmt/train.py": """\
            import pickle
            import tensorflow as tf
            from encoder import Encoder
            pickle.dump({"vocab": 1}, open("tok.pkl", "wb"))  # a tokenizer, not a model
            tf.train.Checkpoint(encoder=Encoder()).save("ckpt/")
            """,
        "app/encoder.py": "import keras\nclass Encoder(keras.Model): pass\n",
        "app/train.py": "from encoder import Encoder\nEncoder().save('e.keras')\n",
    }
    assert codes_at(lint(tmp_path, files)) == [("SER101", "encoder.py", 2)]
    assert lint(tmp_path, files)[0].path.parent.name == "app"


def test_star_imports_of_modules_count_but_package_dispatch_does_not(tmp_path: Path) -> None:
    files = {
        # LPR_v2: the saving script pulls its loss layers in with a star import.
        "loss.py": "from tensorflow.keras.layers import Layer\nclass FocalLossLayer(Layer): pass\n",
        "train.py": """\
            import tensorflow as tf
            from loss import *
            tf.keras.Sequential([FocalLossLayer()]).save("m.h5")
            """,
    }
    assert codes_at(lint(tmp_path, files, select=SER101_401)) == [("SER101", "loss.py", 2)]


def test_a_compile_false_load_cannot_meet_losses(tmp_path: Path) -> None:
    # CRNN.tf2: tools/demo.py loads the exported model with compile=False.
    files = {
        "crnn/losses.py": "import keras\nclass CTCLoss(keras.losses.Loss): pass\n",
        "crnn/train.py": """\
            import keras
            from losses import CTCLoss
            m = keras.Sequential([keras.layers.Dense(1)])
            m.compile(loss=CTCLoss())
            m.save_weights("w.weights.h5")
            """,
        "tools/demo.py": "import keras\nm = keras.models.load_model('export.keras', compile=False)\n",
    }
    assert lint(tmp_path, files, select=SER101_401) == []


def test_a_training_wrapper_that_is_never_saved(tmp_path: Path) -> None:
    # A CVAE with train_step is fitted; only its functional encoder and decoder are saved.
    files = {
        "train.py": """\
            import tensorflow as tf
            from tensorflow.keras import Model
            def build_decoder():
                inputs = tf.keras.Input((2,))
                return Model(inputs, tf.keras.layers.Dense(4)(inputs), name="decoder")
            class CVAE(Model):
                def __init__(self, decoder, **kwargs):
                    super().__init__(**kwargs)
                    self.decoder = decoder
                def train_step(self, data):
                    return {}
            decoder = build_decoder()
            cvae = CVAE(decoder)
            cvae.fit([], epochs=1)
            decoder.save("conditional_decoder.h5")
            """,
        "generate.py": """\
            import tensorflow as tf
            decoder = tf.keras.models.load_model("conditional_decoder.h5", compile=False)
            """,
    }
    assert lint(tmp_path, files, select=SER101_401) == []
    # Saving the wrapper itself makes it a hazard again.
    files["train.py"] = files["train.py"].replace("decoder.save(", "cvae.save(")
    assert ("SER101", "train.py", 6) in codes_at(lint(tmp_path, files))


# -- Issue 11 dogfooding (21 labelled projects): each false positive or miss, as a test ---------


def test_a_star_import_provides_only_names_keras_really_exports(tmp_path: Path) -> None:
    # bert4keras: `from bert4keras.layers import *` (which star-imports keras.layers) beside a
    # plain `class Transformer(object)` made its model builders look like Keras layers.
    files = {
        "lib/__init__.py": "",
        "lib/layers.py": "from keras.layers import *\n",
        "lib/models.py": "from lib.layers import *\n"
        "class Transformer(object): pass\nclass BERT(Transformer): pass\nBERT()\n"
        "class Real(Dense): pass\nReal()\n",
    }
    assert [(c, n) for c, n, _ in codes_at(lint(tmp_path, files))] == [("SER101", "models.py")]
    assert "`Real`" in lint(tmp_path, files)[0].message


def test_a_callbacks_self_model_is_the_model_it_is_fitted_with(tmp_path: Path) -> None:
    # bert4keras pretraining: a checkpoint callback saves `self.model`, the model it is given in
    # fit(); a layer of another program is not in it.
    files = {
        "layers.py": "import keras\nclass Scale(keras.layers.Layer): pass\n",
        "pretrain.py": """\
            import keras
            class Checkpoint(keras.callbacks.Callback):
                def on_epoch_end(self, epoch, logs=None):
                    self.model.save("pretrained.keras")
            plain = keras.Sequential([keras.layers.Dense(1)])
            plain.fit([], [], callbacks=[Checkpoint()])
            """,
        "train.py": """\
            import keras
            from layers import Scale
            model = keras.Sequential([Scale()])
            model.save_weights("w.weights.h5")
            """,
    }
    assert lint(tmp_path, files) == []
    # Fitted with the layer's model, the callback saves it whole.
    files["train.py"] = textwrap.dedent(files["train.py"]) + (
        "from pretrain import Checkpoint\nmodel.fit([], [], callbacks=[Checkpoint()])\n"
    )
    assert codes_at(lint(tmp_path, files)) == [("SER101", "layers.py", 2)]


def test_an_untraceable_save_reaches_only_the_programs_that_import_it(tmp_path: Path) -> None:
    files = {
        "layers.py": "import keras\nclass Scale(keras.layers.Layer): pass\n",
        "train.py": "import keras\nfrom layers import Scale\n"
        "keras.Sequential([Scale()]).save_weights('w.weights.h5')\n",
        # A generic saver that no program holding Scale imports.
        "tools/convert.py": "def convert(model, path):\n    model.save(path)\n",
    }
    assert lint(tmp_path, files) == []
    files["train.py"] += "import tools.convert\n"
    assert codes_at(lint(tmp_path, files)) == [("SER101", "layers.py", 2)]


def test_unpacked_outputs_of_a_layer_still_hold_it(tmp_path: Path) -> None:
    # bert4keras examples: `a, b = TotalLoss()(...)`; the model built from them is only ever
    # saved as weights.
    source = """\
        import keras
        class TotalLoss(keras.layers.Layer): pass
        inputs = keras.Input((2,))
        first, second = TotalLoss()([inputs, inputs])
        train_model = keras.Model(inputs, [first, second])
        train_model.save_weights("best.weights.h5")
        """
    assert lint(tmp_path, {"train.py": source}) == []


def test_a_decorator_that_writes_the_registry_registers(tmp_path: Path) -> None:
    # tf-TabNet: register_keras_custom_object does get_custom_objects()[cls.__name__] = cls.
    files = {
        "custom.py": """\
            import tensorflow as tf
            def register_keras_custom_object(cls):
                tf.keras.utils.get_custom_objects()[cls.__name__] = cls
                return cls
            @register_keras_custom_object
            class GroupNormalization(tf.keras.layers.Layer): pass
            """,
    }
    assert lint(tmp_path, files) == []


def test_a_name_defined_in_if_else_branches_registers_both(tmp_path: Path) -> None:
    # bert4keras optimizers: AdaFactor is AdaFactorV1 or AdaFactorV2 by Keras flavour, renamed
    # to the key it is registered under.
    source = """\
        import keras
        if keras.__version__ < "3":
            class AdaFactorV1(keras.optimizers.Optimizer): pass
            AdaFactor = AdaFactorV1
        else:
            class AdaFactorV2(keras.optimizers.Optimizer): pass
            AdaFactor = AdaFactorV2
        AdaFactor.__name__ = "AdaFactor"
        keras.utils.get_custom_objects().update({"AdaFactor": AdaFactor})
        """
    assert lint(tmp_path, {"optimizers.py": source}) == []
    # Keras looks the class up by the name it stores, its class name: a registry key that
    # names something else does not register it (review M11; kpot/keras-transformer#32).
    unrenamed = textwrap.dedent(source).replace('AdaFactor.__name__ = "AdaFactor"\n', "")
    assert [row for _, _, row in codes_at(lint(tmp_path, {"optimizers.py": unrenamed}))] == [3, 6]


def test_sublayers_of_a_sequential_subclass_are_stored_by_name(tmp_path: Path) -> None:
    # stable-diffusion-tensorflow: Decoder(keras.Sequential) lists its layers in super().__init__.
    source = """\
        import tensorflow as tf
        class PaddedConv2D(tf.keras.layers.Layer): pass
        class Block(tf.keras.layers.Layer): pass
        class Decoder(tf.keras.Sequential):
            def __init__(self):
                super().__init__([PaddedConv2D(), PaddedConv2D()])
        class Tower(tf.keras.Model):
            def __init__(self, inputs):
                super().__init__(inputs, Block()(inputs))
        """
    found = codes_at(lint(tmp_path, {"app.py": source}, select=("SER101",)))
    assert [row for _, _, row in found] == [2, 3, 4, 7]


def test_a_librarys_internal_sublayers_are_quiet_and_its_offered_ones_are_not(
    tmp_path: Path,
) -> None:
    # stable-diffusion-tensorflow's ResBlock lives only inside UNetModel; DeepCTR's Dice is
    # exported by deepctr.layers and kgcnn's SchNetCFconv sits in kgcnn.layers: users use them.
    files = {
        "setup.py": "from setuptools import setup, find_packages\nsetup(packages=find_packages())\n",
        "lib/__init__.py": "from lib.blocks import Exported\n",
        "lib/models.py": """\
            import tensorflow as tf
            class ResBlock(tf.keras.layers.Layer): pass
            class UNet(tf.keras.Model):
                def __init__(self):
                    super().__init__()
                    self.blocks = [ResBlock(), ResBlock()]
            def get_models():
                return UNet()
            """,
        "lib/blocks.py": """\
            import tensorflow as tf
            class Exported(tf.keras.layers.Layer): pass
            class Parent(tf.keras.layers.Layer):
                def __init__(self):
                    super().__init__()
                    self.inner = Exported()
            Parent()
            """,
        "lib/layers/__init__.py": "",
        "lib/layers/conv.py": """\
            import tensorflow as tf
            class CFConv(tf.keras.layers.Layer): pass
            class Interaction(tf.keras.layers.Layer):
                def __init__(self):
                    super().__init__()
                    self.conv = CFConv()
            Interaction()
            """,
    }
    found = {(name, row) for _, name, row in codes_at(lint(tmp_path, files))}
    assert ("models.py", 2) not in found  # ResBlock
    assert {("blocks.py", 2), ("conv.py", 2)} <= found  # Exported, CFConv


def test_a_librarys_base_that_its_api_does_not_offer_is_abstract(tmp_path: Path) -> None:
    # Keras-MatMulLess: BackendDenseMML (private module) and its own `RNN(keras.layers.RNN)`
    # are only subclassed, by registered layers.
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["poetry-core"]\n'
        '[tool.poetry]\nname = "mml"\npackages = [{ include = "mml" }]\n',
        "mml/__init__.py": "from mml.layers import GRUMML, DenseMML\n",
        "mml/_impl.py": "import keras\nclass BackendDense(keras.Layer): pass\n",
        "mml/rnn.py": "import keras\nclass RNN(keras.layers.RNN): pass\n",
        "mml/layers.py": """\
            import keras
            from mml._impl import BackendDense
            from mml.rnn import RNN
            @keras.saving.register_keras_serializable(package="mml")
            class DenseMML(BackendDense): pass
            @keras.saving.register_keras_serializable(package="mml")
            class GRUMML(RNN): pass
            """,
    }
    assert lint(tmp_path, files) == []


def test_custom_objects_may_hand_over_an_instance(tmp_path: Path) -> None:
    # keras-model-registry: custom_objects={"NegLogLikelihood": NegLogLikelihood()}.
    source = """\
        import tensorflow as tf
        class NegLogLikelihood(tf.keras.losses.Loss): pass
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(loss=NegLogLikelihood())
        model.save("m.keras")
        again = tf.keras.models.load_model("m.keras", custom_objects={"NegLogLikelihood": NegLogLikelihood()})
        """
    assert lint(tmp_path, {"app.py": source}) == []


def test_a_constructor_parameter_holds_what_its_callers_pass(tmp_path: Path) -> None:
    # keras-yolo3 (experiencor): a checkpoint class saves `self.model_to_save`, which train.py
    # constructs with the inference model; the training layer is not in it.
    files = {
        "callbacks.py": """\
            class SaveBest:
                def __init__(self, model_to_save):
                    self.model_to_save = model_to_save
                def on_epoch_end(self):
                    self.model_to_save.save("best.h5")
            """,
        "train.py": """\
            import keras
            from callbacks import SaveBest
            class YoloLayer(keras.layers.Layer): pass
            inputs = keras.Input((4,))
            infer_model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
            train_model = keras.Model(inputs, YoloLayer()(infer_model.output))
            train_model.save_weights("train.weights.h5")
            saver = SaveBest(model_to_save=infer_model)
            """,
    }
    assert lint(tmp_path, files, select=SER101_401) == []
    files["train.py"] = files["train.py"].replace(
        "model_to_save=infer_model", "model_to_save=train_model"
    )
    assert codes_at(lint(tmp_path, files, select=SER101_401)) == [("SER101", "train.py", 3)]


def test_every_definition_of_a_redefined_class_is_judged(tmp_path: Path) -> None:
    # keras-io guides define `Linear` three times, each a class of its own at run time; a
    # try/except pair is one class in two versions (tests/test_robustness.py).
    source = """\
        import keras
        class Linear(keras.layers.Layer): pass
        a = Linear()
        @keras.saving.register_keras_serializable(package="guide")
        class Linear(keras.layers.Layer): pass
        b = Linear()
        class Linear(keras.layers.Layer): pass
        c = Linear()
        """
    assert [row for _, _, row in codes_at(lint(tmp_path, {"guide.py": source}))] == [2, 7]


def test_model_from_config_with_custom_objects_is_a_load(tmp_path: Path) -> None:
    # keras-io functional_api guide: rebuild a config with custom_objects.
    source = """\
        import keras
        class CustomDense(keras.layers.Layer): pass
        inputs = keras.Input((4,))
        model = keras.Model(inputs, CustomDense()(inputs))
        config = model.get_config()
        new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
        """
    assert lint(tmp_path, {"guide.py": source}) == []
    bare = source.replace(', custom_objects={"CustomDense": CustomDense}', "")
    assert codes_at(lint(tmp_path, {"guide.py": bare})) == [
        ("SER101", "guide.py", 2),
        ("SER401", "guide.py", 6),
    ]


def test_a_value_partly_unknown_still_holds_what_is_known(tmp_path: Path) -> None:
    # keras-io shiftvit: the exported model is built from the class and from values that cannot
    # be traced; the class is still known to be in what is saved (state only).
    source = """\
        import keras
        class ShiftViT(keras.Model): pass
        def build(augmenter):
            return keras.Sequential([augmenter, ShiftViT()])
        model = build(augmenter=make_augmenter())
        model.export("exported")
        """
    assert lint(tmp_path, {"train.py": source}) == []


# -- Adversarial review: wrongly quiet (each confirmed against real Keras by the reviewer) ------


def test_a_loader_that_forgets_one_of_the_classes_it_imports(tmp_path: Path) -> None:
    files = {
        "layers.py": "import keras\nclass Scale(keras.layers.Layer): pass\nclass Shift(keras.layers.Layer): pass\n",
        "train.py": "import keras\nfrom layers import Scale, Shift\n"
        "keras.Sequential([keras.Input((4,)), Scale(), Shift()]).save('model.keras')\n",
        "serve.py": "import keras\nfrom layers import Scale, Shift\n"
        "keras.saving.load_model('model.keras', custom_objects={'Scale': Scale, 'Shift': Shift})\n",
        "predict.py": "import keras\nfrom layers import Scale\n"
        "keras.saving.load_model('model.keras', custom_objects={'Scale': Scale})\n",
    }
    found = lint(tmp_path, files)
    assert codes_at(found) == [("SER101", "layers.py", 3)]
    assert "`Shift`" in found[0].message and "predict.py:3 does not" in found[0].message


def test_a_registered_layer_beside_a_serving_script_does_not_hide_the_trained_ones(
    tmp_path: Path,
) -> None:
    files = {
        "training/layers.py": "import keras\nclass Scale(keras.layers.Layer): pass\n",
        "training/train.py": "import keras\nfrom layers import Scale\n"
        "keras.Sequential([Scale()]).save('m.keras')\n",
        "serving/app.py": "import keras\nmodel = keras.saving.load_model('m.keras')\n",
        "serving/postprocess.py": "import keras\n"
        "@keras.saving.register_keras_serializable(package='serving')\n"
        "class Clip(keras.layers.Layer): pass\n",
    }
    assert [(c, n) for c, n, _ in codes_at(lint(tmp_path, files))] == [
        ("SER401", "app.py"),
        ("SER101", "layers.py"),
    ]


def test_calling_a_load_wrapper_without_custom_objects_is_a_bare_load(tmp_path: Path) -> None:
    files = {
        "layers.py": "import keras\nclass Scale(keras.layers.Layer): pass\n",
        "train.py": "import keras\nfrom layers import Scale\nkeras.Sequential([Scale()]).save('m.keras')\n",
        "io_utils.py": "import keras\ndef load(path, custom_objects=None):\n"
        "    return keras.models.load_model(path, custom_objects=custom_objects)\n",
        "serve.py": "from layers import Scale\nfrom io_utils import load\n"
        "m = load('m.keras', custom_objects={'Scale': Scale})\nn = load('m.keras', {'Scale': Scale})\n",
    }
    assert lint(tmp_path, files) == []
    files["predict.py"] = (
        "from layers import Scale\nfrom io_utils import load\nm = load('m.keras')\n"
    )
    assert codes_at(lint(tmp_path, files)) == [
        ("SER101", "layers.py", 2),
        ("SER401", "predict.py", 3),
    ]


def test_a_model_added_with_add_is_in_the_sequential(tmp_path: Path) -> None:
    # Review M4: `clf.add(Backbone())`; and a Model subclass without train_step is no wrapper.
    source = """\
        import keras
        class Backbone(keras.Model): pass
        def main():
            clf = keras.Sequential()
            clf.add(keras.Input((4,)))
            clf.add(Backbone())
            blocks = []
            blocks.append(keras.layers.Dense(1))
            clf.fit([], [])
            clf.save("clf.keras")
        """
    assert codes_at(lint(tmp_path, {"train.py": source})) == [("SER101", "train.py", 2)]


def test_self_save_in_a_model_method_saves_the_model_whole(tmp_path: Path) -> None:
    # Review M5.
    source = """\
        import keras
        class Net(keras.Model):
            def checkpoint(self, directory):
                self.save_weights(f"{directory}/net.weights.h5")
                self.save(f"{directory}/net.keras")
        net = Net()
        net.save_weights("last.weights.h5")
        net.checkpoint("out")
        """
    assert codes_at(lint(tmp_path, {"train.py": source})) == [("SER101", "train.py", 2)]


def test_a_function_passed_by_reference_has_callers_that_cannot_be_seen(tmp_path: Path) -> None:
    # Review M6: functools.partial(save, gan)("gan.keras") saves the GAN itself.
    source = """\
        import functools
        import keras
        def save(model, path):
            model.save(path)
        class GAN(keras.Model):
            def train_step(self, data):
                return {}
        generator = keras.Sequential([keras.layers.Dense(2)])
        gan = GAN()
        generator.save("generator.keras")
        save(generator, "again.keras")
        functools.partial(save, gan)("gan.keras")
        """
    assert codes_at(lint(tmp_path, {"train.py": source})) == [("SER101", "train.py", 5)]


def test_whole_model_saves_serialint_knows_beside_a_state_save(tmp_path: Path) -> None:
    # Review M7: a ModelCheckpoint subclass, and mlflow's log_model, save whole models.
    source = """\
        import keras
        import mlflow
        class Scale(keras.layers.Layer): pass
        class BestCheckpoint(keras.callbacks.ModelCheckpoint): pass
        net = keras.Sequential([Scale()])
        net.save_weights("init.weights.h5")
        net.fit([], [], callbacks=[BestCheckpoint("best.keras")])
        """
    assert codes_at(lint(tmp_path, {"train.py": source})) == [("SER101", "train.py", 3)]
    logged = source.replace('callbacks=[BestCheckpoint("best.keras")]', "").replace(
        "net.fit([], [], )", 'mlflow.keras.log_model(net, "model")'
    )
    assert codes_at(lint(tmp_path, {"train.py": logged})) == [("SER101", "train.py", 3)]


def test_a_sublayer_put_in_its_parents_config_as_an_object_is_stored_by_name(
    tmp_path: Path,
) -> None:
    # Review M8.
    source = """\
        import keras
        class Inner(keras.layers.Layer): pass
        @keras.saving.register_keras_serializable(package="blocks")
        class Outer(keras.layers.Layer):
            def __init__(self, inner=None, **kwargs):
                super().__init__(**kwargs)
                self.inner = inner if inner is not None else Inner()
            def get_config(self):
                return {**super().get_config(), "inner": self.inner}
        keras.Sequential([Outer()]).save("m.keras")
        """
    found = codes_at(lint(tmp_path, {"blocks.py": source}, select=("SER101",)))
    assert found == [("SER101", "blocks.py", 2)]


def test_registration_that_does_not_run_on_import_registers_nothing(tmp_path: Path) -> None:
    # Review M9: a helper nobody calls, and a registration in a script's main block.
    files = {
        "layers.py": """\
            import keras
            class Scale(keras.layers.Layer): pass
            class Shift(keras.layers.Layer): pass
            def register_all():
                keras.utils.get_custom_objects().update({"Shift": Shift})
            """,
        "train.py": """\
            import keras
            from layers import Scale, Shift
            if __name__ == "__main__":
                keras.utils.get_custom_objects()["Scale"] = Scale
                keras.Sequential([Scale(), Shift()]).save("model.keras")
            """,
    }
    assert [row for _, _, row in codes_at(lint(tmp_path, files))] == [2, 3]
    # Called at import time, the helper registers.
    files["layers.py"] = textwrap.dedent(files["layers.py"]) + "register_all()\n"
    assert [row for _, _, row in codes_at(lint(tmp_path, files))] == [2]


# -- Adversarial review: medium -----------------------------------------------------------------


def test_a_class_used_as_a_value_may_be_instantiated(tmp_path: Path) -> None:
    # Review M10: NORMS[kind]() builds Scale though nothing calls Scale by name.
    source = """\
        import keras
        class Scale(keras.layers.Layer): pass
        class LearnedScale(Scale): pass
        class Base(keras.layers.Layer): pass
        class Impl(Base):
            def __init__(self):
                super(Base, self).__init__()
                Base.__init__(self)
                assert isinstance(self, Base)
        NORMS = {"scale": Scale, "learned": LearnedScale}
        layer = NORMS["scale"]()
        Impl()
        """
    found = codes_at(lint(tmp_path, {"norms.py": source}, select=("SER101",)))
    assert [row for _, _, row in found] == [2, 3, 5]


def test_only_real_base_names_count_as_abstract(tmp_path: Path) -> None:
    # Review M12: a library's BaselineModel and AbstractionLayer are used, not abstract.
    files = {
        "setup.py": "from setuptools import setup, find_packages\nsetup(packages=find_packages())\n",
        "lib/__init__.py": "from lib.models import AbstractionLayer, BaseHead, BaselineModel\n",
        "lib/models.py": """\
            import keras
            class BaselineModel(keras.Model): pass
            class Tuned(BaselineModel): pass
            class AbstractionLayer(keras.layers.Layer): pass
            class Deep(AbstractionLayer): pass
            class BaseHead(keras.layers.Layer): pass
            class Head(BaseHead): pass
            """,
    }
    assert [row for _, _, row in codes_at(lint(tmp_path, files))] == [2, 3, 4, 5, 7]


def test_a_package_in_a_monorepo_is_a_library_however_serialint_is_called(
    tmp_path: Path,
) -> None:
    # Review M13: libs/mylib/setup.py governs the files below it.
    files = {
        "libs/mylib/setup.py": "from setuptools import setup, find_packages\nsetup(packages=find_packages())\n",
        "libs/mylib/mylib/__init__.py": "",
        "libs/mylib/mylib/blocks.py": "import keras\nclass Block(keras.layers.Layer): pass\n",
        "apps/tool.py": "import keras\nfrom mylib.blocks import Block\n"
        "m = keras.models.load_model('m.keras', custom_objects={'Block': Block})\n",
    }
    (tmp_path / ".git").mkdir()
    found = lint(tmp_path, files)
    assert codes_at(found) == [("SER101", "blocks.py", 2)]
    assert "distributable package" in found[0].message


def test_a_bare_registration_decorator_registers_nothing(tmp_path: Path) -> None:
    # Review M14: @register_keras_serializable without a call binds the class name to a
    # function (checked in real Keras by the reviewer): the class is never registered.
    source = """\
        import keras
        @keras.saving.register_keras_serializable
        class Broken(keras.layers.Layer): pass
        """
    assert [row for _, _, row in codes_at(lint(tmp_path, {"m.py": source}))] == [3]


def test_a_load_called_only_within_a_callers_custom_object_scope(tmp_path: Path) -> None:
    # Review FP1.
    files = {
        "layers.py": "import keras\nclass Scale(keras.layers.Layer): pass\n",
        "train.py": "import keras\nfrom layers import Scale\nkeras.Sequential([Scale()]).save('m.keras')\n",
        "serve.py": """\
            import keras
            from layers import Scale
            OBJECTS = {"Scale": Scale}
            def load(path):
                return keras.models.load_model(path)
            with keras.saving.custom_object_scope(OBJECTS):
                model = load("m.keras")
            """,
    }
    assert lint(tmp_path, files) == []


def test_custom_objects_and_registrations_built_by_comprehensions_and_loops(
    tmp_path: Path,
) -> None:
    # Review FP2 and FP4.
    files = {
        "layers.py": """\
            import functools
            import keras
            register = functools.partial(keras.saving.register_keras_serializable, package="app")
            @register()
            class A(keras.layers.Layer): pass
            class B(keras.layers.Layer): pass
            class C(keras.layers.Layer): pass
            class D(keras.layers.Layer): pass
            class E(keras.layers.Layer): pass
            for cls in (B, C):
                keras.saving.register_keras_serializable(package="app")(cls)
            keras.utils.get_custom_objects().update({c.__name__: c for c in (D,)})
            for cls in (E,):
                keras.utils.get_custom_objects()[cls.__name__] = cls
            """,
        "other.py": "import keras\nclass Scale(keras.layers.Layer): pass\nclass Shift(keras.layers.Layer): pass\n"
        "keras.Sequential([Scale(), Shift()]).save('m.keras')\n"
        "m = keras.saving.load_model('m.keras', custom_objects={c.__name__: c for c in (Scale, Shift)})\n",
    }
    assert lint(tmp_path, files) == []


def test_a_long_registry_literal_is_read_whole(tmp_path: Path) -> None:
    # Review FP3: 70 classes registered in one literal.
    classes = "".join(f"class L{i}(keras.layers.Layer): pass\n" for i in range(70))
    entries = ", ".join(f"'L{i}': L{i}" for i in range(70))
    source = f"import keras\n{classes}keras.utils.get_custom_objects().update({{{entries}}})\n"
    assert lint(tmp_path, {"many.py": source}) == []
