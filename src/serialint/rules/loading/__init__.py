"""SER4xx: how models are loaded."""
