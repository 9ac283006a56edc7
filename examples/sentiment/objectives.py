"""Custom loss and metric, imported through tensorflow.keras to show that aliases resolve."""

import tensorflow as tf
from tensorflow.keras import losses


class FocalLoss(losses.Loss):
    """Hazard (SER101): an unregistered loss is stored in the compile config by name."""

    def __init__(self, gamma=2.0, **kwargs):
        super().__init__(**kwargs)
        self.gamma = gamma

    def call(self, y_true, y_pred):
        y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0 - 1e-7)
        y_true = tf.cast(y_true, y_pred.dtype)
        p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
        return -tf.reduce_mean((1 - p_t) ** self.gamma * tf.math.log(p_t))

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma}


@tf.keras.utils.register_keras_serializable(package="sentiment")
class PositiveRate(tf.keras.metrics.Mean):
    """Correct: registered through the tf.keras.utils alias."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(tf.cast(y_pred > 0.5, tf.float32), sample_weight)
