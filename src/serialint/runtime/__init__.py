"""``--confirm``: replay each finding as a real save/load round trip under TensorFlow/Keras.

:func:`confirm` is the one entry: it plans a job per confirmable finding (``plans/``), writes
the sandbox (``sandbox``), runs every job in one TensorFlow worker (``worker``, driven by
``driver``) and returns the findings with their verdicts. It never raises for what user code
does; :class:`RuntimeUnavailable` means TensorFlow is not installed.
"""

from serialint.runtime.confirmation import (
    Confirmation,
    ConfirmOptions,
    RuntimeUnavailable,
    confirm,
    runtime_problem,
)

__all__ = ["ConfirmOptions", "Confirmation", "RuntimeUnavailable", "confirm", "runtime_problem"]
