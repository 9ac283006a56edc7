"""Custom Keras objects of the example sentiment model."""
