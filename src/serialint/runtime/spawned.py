"""One step in a new interpreter, where ``fork`` does not exist (see ``worker``).

``python -m serialint.runtime.spawned STEP_JSON RESULTS_PATH LOG_PATH``, run in the job's
directory with its output already sent to the step's files.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from serialint.runtime.child import SANDBOX_PATH, OriginalsBlocked, StepRecorder, run_step


def main(argv: list[str]) -> int:
    step = json.loads(argv[1])
    # As in the fork worker, Keras is imported before the sandbox goes on sys.path: a project
    # module named tensorflow.py must meet the same Keras either way.
    import keras  # noqa: F401
    import tensorflow  # noqa: F401

    sys.path[:0] = step["path"]
    os.environ[SANDBOX_PATH] = os.pathsep.join(step["path"])
    if step.get("originals"):
        OriginalsBlocked.install(step["originals"])
    sys.argv = ["serialint-step"]
    run_step(
        step["script"], StepRecorder(Path(argv[2]), Path(argv[3])), step.get("file") or "<step>"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
