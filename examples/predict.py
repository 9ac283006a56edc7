"""Load the saved model in a separate process, as a serving job would (python predict.py)."""

import sys

import keras
import numpy as np

from sentiment.layers import ScaledDense
from sentiment.objectives import FocalLoss

MODEL_PATH = "artifacts/sentiment.keras"


def load_for_serving():
    # Hazard (SER401): ScaledDense and FocalLoss are unregistered, so this load fails with
    # "Could not locate class 'ScaledDense'".
    return keras.models.load_model(MODEL_PATH)


def load_for_evaluation():
    # Fine: every unregistered class is handed over explicitly.
    return keras.models.load_model(
        MODEL_PATH, custom_objects={"ScaledDense": ScaledDense, "FocalLoss": FocalLoss}
    )


if __name__ == "__main__":
    model = load_for_serving() if "--serving" in sys.argv else load_for_evaluation()
    tokens = np.random.default_rng(1).integers(0, 500, size=(4, 20))
    print(model.predict(tokens, verbose=0).ravel())
