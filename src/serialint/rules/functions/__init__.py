"""Rules about functions Keras stores with a model: Lambda layers, functions passed by reference."""
