"""Fixtures for the reality suite: the rule catalogue as the tests' source of claims."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import load_rule


@pytest.fixture(scope="session")
def rules() -> dict[str, dict[str, Any]]:
    """The catalogue entries whose claims about Keras these tests check against real Keras."""
    return {
        code: load_rule(code)
        for code in (
            "SER101",
            *(f"SER{n}" for n in range(102, 111)),
            "SER201",
            "SER202",
            "SER301",
            "SER302",
            "SER303",
            "SER304",
            "SER305",
            "SER306",
            "SER401",
            "SER402",
            "SER403",
            "SER404",
            "SER405",
            "SER406",
        )
    }
