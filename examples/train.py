"""Train the sentiment model on synthetic data and save it (python train.py)."""

import pickle
from pathlib import Path

import keras
import numpy as np

from sentiment.layers import ScaledDense, TokenAndPositionEmbedding
from sentiment.objectives import FocalLoss, PositiveRate

MAXLEN, VOCAB = 20, 500
ARTIFACTS = Path("artifacts")


def build_model():
    inputs = keras.Input((MAXLEN,), dtype="int32")
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB, 32)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = ScaledDense(16, scale=0.5)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def main():
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, size=(256, MAXLEN))
    y = (x[:, 0] > VOCAB // 2).astype("float32")

    model = build_model()
    model.compile(optimizer="adam", loss=FocalLoss(gamma=2.0), metrics=[PositiveRate()])
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)

    ARTIFACTS.mkdir(exist_ok=True)
    model.save(ARTIFACTS / "sentiment.keras")  # the supported format

    # Hazard (SER301): a pickled Keras model is tied to Keras internals and fails on custom layers.
    with open(ARTIFACTS / "sentiment.pkl", "wb") as handle:
        pickle.dump(model, handle)

    # Fine: the training history is plain data.
    with open(ARTIFACTS / "history.pkl", "wb") as handle:
        pickle.dump(history.history, handle)


if __name__ == "__main__":
    main()
