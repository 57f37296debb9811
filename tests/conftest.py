"""Shared test configuration and data fixtures.

Tests of optional extras (docs, plots, ...) skip on a user's machine that lacks the
extra; in CI (``CI`` set in the environment) a missing extra is a failure instead,
so nothing is silently skipped there.

Tests marked ``slow`` (the documentation build, accuracy sweeps over seeds) run in
CI and with ``--run-slow``; a plain ``python -m pytest`` on a user's machine leaves
them out, so that it stays quick.
"""

import importlib
import os

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

# The test networks are tiny: one BLAS thread is faster than two, and it keeps
# parallel test processes (GridSearchCV n_jobs=2, Dask workers, the docs build)
# from oversubscribing the cores.
_BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")


def require(module_name):
    """Import an optional dependency: skip without it, except in CI."""
    if os.environ.get("CI"):
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", help="also run the tests marked slow"
    )


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CI") or config.getoption("--run-slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(scope="session")
def digits():
    """``load_digits`` standardised: ``(X, y)``, float64."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def digits_split(digits):
    """``digits`` split 75/25, stratified: ``X_train, X_test, y_train, y_test``."""
    X, y = digits
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="session")
def wine():
    """``load_wine`` standardised: ``(X, y)``, float64."""
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def digits32(digits):
    """``digits`` in float32, split 70/30, stratified (transfer learning tests)."""
    X, y = digits
    return train_test_split(
        X.astype(np.float32), y, test_size=0.3, stratify=y, random_state=0
    )
