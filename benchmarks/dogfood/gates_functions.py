"""Count, per gate, the Lambda layers and function arguments that SER201/SER202 gates silence on the
labelled projects, and how many of those are labelled FLAG (README, "Function and Lambda rules").

    python benchmarks/dogfood/gates_functions.py SRC

SRC holds one checkout per project, named ``owner+name`` (as for score_saveload.py).
"""

import collections
import json
import sys
from pathlib import Path

from serialint.api import Workspace
from serialint.catalogue import load_catalogue
from serialint.config import Config, find_project_root
from serialint.rules.functions import stored


def _why_quiet(p, use):
    """The reason a saved use has no hazard, by its first function."""
    function = use.functions[0]
    if function.kind in ("external", "shadow"):
        return "Keras finds the function by its name"
    if function.kind == "lambda":
        return "every meeting load skips the compile config"
    if p.registry.function_registered(function.function):
        return "registered"
    return "every meeting load passes it (or compile=False)"


LABELS = Path(Path(__file__).resolve().parent / "labels-saveload")
cat = load_catalogue()
counts = collections.Counter()
for lf in sorted(LABELS.glob("*.jsonl")):
    root = Path(sys.argv[1]) / lf.stem
    if not root.is_dir():
        continue
    labels = [json.loads(row) for row in lf.read_text().splitlines() if row.strip()]
    flags = {
        (x["file"], int(x["line"]))
        for x in labels
        if x.get("code") in ("SER201", "SER202") and x["verdict"] == "FLAG"
    }
    r, marked = find_project_root([root])
    ws, _ = Workspace.load([root], Config(root=r, index_root=marked), None, cat)
    p = ws.project
    allowed = (
        set((Path(__file__).resolve().parent / "keras-io-subset-files.txt").read_text().split())
        if lf.stem.endswith("io-subset")
        else None
    )
    for use in p.stored_functions.uses:
        try:
            rel = use.module.path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        if allowed is not None and rel not in allowed:
            continue
        line = use.site.span.line
        real = any(f == rel and -2 <= line - labelled <= 6 for f, labelled in flags)
        # which gate silences it, in the rules' order
        gate = None
        if p.builds_internal_sublayer(use):
            gate = "internal"
        elif not p.use_saved_whole(use):
            _, state = p.saves_of(p.saves.holding_function(use.marker), use.module)
            gate = "weights only" if state else "never saved whole"
        elif not stored.hazards(p, use):
            gate = _why_quiet(p, use)
        if gate:
            counts[(gate, "real" if real else "ok")] += 1
for k, v in sorted(counts.items()):
    print(k, v)
