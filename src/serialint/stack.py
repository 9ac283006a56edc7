"""Room for deep code: Python's recursion limit, and a large C stack for libcst's parser.

A long chain (`a and b and ...` with 20,000 terms, machine-written code) is legal Python.
``ast`` walks it within a raised recursion limit; libcst's native parser recurses on the C
stack and overflows the default thread stack: a segmentation fault that would end the whole
run. So libcst parses on a thread with a stack large enough for anything under the size limit.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# Deeply nested but valid code (a 3,000-term `a + b + ...`) must not exhaust the stack of the
# ast visitors; 3.11 keeps Python-to-Python calls off the C stack, so this is safe.
RECURSION_LIMIT = 20_000
_BIG_STACK_BYTES = 512 * 2**20  # address space reserved, not memory used


@contextmanager
def deep_recursion() -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def on_big_stack(work: Callable[[], T]) -> T:
    """``work()``, run on a thread with a large stack; its exception is raised here."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    previous = threading.stack_size(_BIG_STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="serialint-deep-parse")
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
