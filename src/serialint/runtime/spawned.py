"""One step in a new interpreter, where ``fork`` does not exist (see ``worker``).

``python -m serialint.runtime.spawned STEP_JSON RESULTS_PATH LOG_PATH``, run in the job's
directory with its output already sent to the step's files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from serialint.runtime.child import StepRecorder, enter_and_run


def main(argv: list[str]) -> int:
    step = json.loads(argv[1])
    # As in the fork worker, Keras is imported before the sandbox goes on sys.path: a project
    # module named tensorflow.py must meet the same Keras either way.
    import keras  # noqa: F401
    import tensorflow  # noqa: F401

    enter_and_run(step, StepRecorder(Path(argv[2]), Path(argv[3])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
