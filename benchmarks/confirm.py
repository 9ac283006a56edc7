"""Measure ``serialint check --confirm`` against one bare TensorFlow import, in one run.

    python benchmarks/confirm.py [--repeat N]

``--confirm`` replays each finding as a real Keras save/load round trip: a worker imports
TensorFlow once and forks a process per step. Its cost is therefore one TensorFlow start-up
plus a small amount per finding, and both are measured here, against the floor of the same
machine:

- ``bare``: a fresh ``python -c "import tensorflow"`` (same interpreter, same environment as
  the worker: ``TF_CPP_MIN_LOG_LEVEL=3``, no GPU). No ``--confirm`` run can beat it.
- ``one``: ``serialint check --confirm --output-format json`` on a generated project with 1
  confirmable finding (an unregistered custom layer, SER101).
- ``twenty``: the same on a generated project with 20: 12 unregistered custom layers (SER101),
  4 project functions passed as ``activation=`` (SER201), 4 ``Lambda(lambda ...)`` (SER202).

The three are interleaved (bare, one, twenty, bare, ...) so a noisy stretch hits all of them,
and each is reported as the median of N runs. From them: the TensorFlow start-up (``bare``),
the seconds per finding, ``(twenty - one) / 19``, and the ratio ``twenty / bare`` with the
target "20 findings confirmed in under 3x the time of one bare import". Ratios, not seconds,
are what compare across machines.

Every hazard generated is real, so every run's JSON must hold exactly the expected findings,
each with a ``runtime`` verdict of "confirmed"; anything else prints what was found and exits 1.
The projects are written to a temporary directory, never into the repository.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

TARGET_X_BARE = 3.0
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
BARE = [sys.executable, "-c", "import tensorflow"]
# How many findings of each rule the two projects hold: (layers, activations, lambdas).
ONE = {"SER101": 1, "SER201": 0, "SER202": 0}
TWENTY = {"SER101": 12, "SER201": 4, "SER202": 4}

LAYER = """

class Scale{i}(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {{**super().get_config(), "factor": self.factor}}
"""

ACTIVATION = """

def shifted_relu{i}(x):
    return keras.activations.relu(x) + {i}
"""


def write_project(root: Path, mix: dict[str, int]) -> None:
    """``layers.py`` defines the layers and activations; ``train.py`` builds and saves a model
    with all of them (and the Lambdas) at top level, which is what makes each one a finding."""
    layers, activations, lambdas = mix["SER101"], mix["SER201"], mix["SER202"]
    root.mkdir()
    # Pins the project root and the Keras semantics: no configuration above the temporary
    # directory can change what is found.
    (root / "serialint.toml").write_text("keras-version = 3\n")
    definitions = "import keras\n"
    definitions += "".join(LAYER.format(i=i) for i in range(layers))
    definitions += "".join(ACTIVATION.format(i=i) for i in range(activations))
    (root / "layers.py").write_text(definitions)
    names = [f"Scale{i}" for i in range(layers)] + [f"shifted_relu{i}" for i in range(activations)]
    # Each layer is applied straight to the previous tensor: no `x = inputs` alias, which the
    # definitions-only copy of train.py would keep without the `inputs` it names.
    calls = [f"Scale{i}()" for i in range(layers)]
    calls += [f"keras.layers.Dense(4, activation=shifted_relu{i})" for i in range(activations)]
    calls += ["keras.layers.Lambda(lambda x: x + 1)"] * lambdas
    lines = ["import keras", "", f"from layers import {', '.join(names)}", ""]
    lines.append("inputs = keras.Input(shape=(4,))")
    previous = "inputs"
    for call in calls:
        lines.append(f"x = {call}({previous})")
        previous = "x"
    lines += [
        f"outputs = keras.layers.Dense(1)({previous})",
        "model = keras.Model(inputs, outputs)",
        'model.save("model.keras")',
    ]
    (root / "train.py").write_text("\n".join(lines) + "\n")


def _timed(command: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False)
    return time.perf_counter() - start, done


def _fail(message: str, done: subprocess.CompletedProcess[str] | None = None) -> NoReturn:
    print(f"FAIL: {message}", file=sys.stderr)
    if done is not None and done.stderr.strip():
        print(f"--- stderr of {' '.join(done.args)}:\n{done.stderr.rstrip()}", file=sys.stderr)
    sys.exit(1)


def run_bare() -> float:
    seconds, done = _timed(BARE)
    if done.returncode != 0:
        _fail(f"`{' '.join(BARE)}` exited {done.returncode}", done)
    return seconds


def run_confirm(root: Path, mix: dict[str, int]) -> tuple[float, Counter[str]]:
    """Time one ``check --confirm`` of ``root``; check its JSON; return the verdict counts."""
    command = [sys.executable, "-m", "serialint", "check", str(root), "--confirm"]
    seconds, done = _timed([*command, "--output-format", "json"])
    if done.returncode not in (0, 1):  # 1: findings, as expected; 2: an error
        _fail(f"serialint exited {done.returncode} on {root.name}", done)
    try:
        findings: list[dict[str, Any]] = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        _fail(f"serialint printed no JSON on {root.name} ({error}): {done.stdout[:500]!r}", done)
    codes = Counter(f["code"] for f in findings)
    expected = Counter({code: n for code, n in mix.items() if n})
    if codes != expected:
        _fail(f"{root.name}: expected findings {dict(expected)}, got {dict(codes)}", done)
    verdicts: Counter[str] = Counter()
    wrong = []
    for finding in findings:
        runtime = finding.get("runtime")
        verdict = runtime.get("verdict") if isinstance(runtime, dict) else None
        verdicts[str(verdict)] += 1
        if verdict != "confirmed":
            where = f"{Path(finding['filename']).name}:{finding['location']['row']}"
            said = [str(verdict)]
            if isinstance(runtime, dict):
                said += [runtime[k] for k in ("exception", "message", "detail") if runtime.get(k)]
            wrong.append(f"  {where} {finding['code']}: {': '.join(said)}")
    if wrong:
        _fail(
            f"{root.name}: every finding should be confirmed, got {dict(verdicts)}:\n"
            + "\n".join(wrong),
            done,
        )
    return seconds, verdicts


def _version(*distributions: str) -> str:
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def _counts(verdicts: Counter[str]) -> str:
    return ", ".join(f"{n} {verdict}" for verdict, n in sorted(verdicts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    total_one, total_twenty = sum(ONE.values()), sum(TWENTY.values())
    times: dict[str, list[float]] = {"bare": [], "one": [], "twenty": []}
    verdicts: dict[str, Counter[str]] = {"one": Counter(), "twenty": Counter()}
    with tempfile.TemporaryDirectory(prefix="serialint-confirm-bench-") as directory:
        one, twenty = Path(directory, "one"), Path(directory, "twenty")
        write_project(one, ONE)
        write_project(twenty, TWENTY)
        run_bare()  # untimed: TensorFlow's files into the page cache before any timed run
        for _ in range(args.repeat):
            times["bare"].append(run_bare())
            seconds, seen = run_confirm(one, ONE)
            times["one"].append(seconds)
            verdicts["one"] += seen
            seconds, seen = run_confirm(twenty, TWENTY)
            times["twenty"].append(seconds)
            verdicts["twenty"] += seen

    runs = f"{args.repeat} run{'s' if args.repeat != 1 else ''}"
    median = {name: statistics.median(values) for name, values in times.items()}
    bare = median["bare"]
    rows = [
        ("bare", 'python -c "import tensorflow"'),
        ("one", f"check --confirm, {total_one} finding"),
        ("twenty", f"check --confirm, {total_twenty} findings"),
    ]
    tensorflow = _version("tensorflow", "tensorflow-cpu")
    print(
        f"TensorFlow {tensorflow}, Keras {_version('keras')}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; median of {runs} (min, max)"
    )
    print(f"{'':7}{'what':36} {'seconds':>8} {'min':>7} {'max':>7} {'x bare':>7}")
    for name, what in rows:
        values = times[name]
        print(
            f"{name:7}{what:36} {median[name]:8.2f} {min(values):7.2f} {max(values):7.2f} "
            f"{median[name] / bare:7.2f}"
        )
    per_finding = (median["twenty"] - median["one"]) / (total_twenty - total_one)
    ratio = median["twenty"] / bare
    met = "met" if ratio < TARGET_X_BARE else "NOT MET"
    print()
    for label, value in [
        ("TensorFlow start-up (bare)", f"{bare:6.2f} s"),
        (f"per finding ((twenty - one) / {total_twenty - total_one})", f"{per_finding:6.2f} s"),
        ("twenty / bare", f"{ratio:6.2f} x"),
    ]:
        print(f"{label + ':':38} {value}")
    print(
        f"target: {total_twenty} findings confirmed in under {TARGET_X_BARE:g}x "
        f"one bare import: {met}"
    )
    mix = ", ".join(f"{code} {n}" for code, n in TWENTY.items())
    print(
        f"verdicts over {runs}: one: {_counts(verdicts['one'])}; "
        f"twenty: {_counts(verdicts['twenty'])} ({mix} per run)"
    )


if __name__ == "__main__":
    main()
