"""SER3xx: how models are saved."""
