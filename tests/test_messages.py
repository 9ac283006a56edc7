"""Messages quote the error of the Keras that will load the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import lint

K3 = "Could not locate class 'A'"
K2 = "The added layer must be an instance of class Layer. Received: layer=A of type <class 'str'>"


@pytest.mark.parametrize(
    ("imports", "base", "keras_version", "expected"),
    [
        ("import keras", "keras.layers.Layer", 3, K3),
        ("import tensorflow as tf", "tf.keras.layers.Layer", 3, K3),
        ("import tensorflow as tf", "tf.keras.layers.Layer", 2, K2),  # TF <= 2.15 or legacy Keras
        ("import keras", "keras.layers.Layer", 2, K2),  # keras 2.x installed as `keras`
        (
            "import tf_keras",
            "tf_keras.layers.Layer",
            3,
            K2,
        ),  # tf_keras is Keras 2 whatever the setting
    ],
)
def test_message_follows_the_keras_that_loads(
    imports: str, base: str, keras_version: int, expected: str, tmp_path: Path
) -> None:
    source = f"{imports}\nclass A({base}):\n    pass\n"
    [finding] = lint(tmp_path, {"m.py": source}, keras_version=keras_version)
    assert expected in finding.message
