"""SER1xx: custom classes and get_config."""
