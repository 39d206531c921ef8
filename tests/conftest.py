"""Shared test setup.

Parity tests compare against real Keras; they skip cleanly where Keras is
absent -- except under CI=true, where a skip would hide a comparison that
never ran, so it fails instead.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(module: str) -> None:
    """Skips (or, under CI=true, fails) the calling test if `module` is missing."""
    if importlib.util.find_spec(module) is None:
        message = f"{module} is not installed"
        if IN_CI:
            pytest.fail(message + " (CI=true requires every optional comparison to run)")
        pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    for item in items:
        if "parity" in item.keywords:
            item.add_marker(pytest.mark.usefixtures("_keras_available"))


@pytest.fixture
def _keras_available() -> None:
    require("keras")
    require("tensorflow")


@pytest.fixture
def keras_ref():
    """Real Keras 3 on the TensorFlow backend (parity tests only)."""
    require("keras")
    require("tensorflow")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    return keras
