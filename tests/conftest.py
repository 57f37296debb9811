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

from skdnn import DNNClassifier, DNNRegressor

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


@pytest.fixture(scope="session")
def digits600(digits):
    """``digits``' first 600 rows (standardised over all 1797): ``(X, y)``."""
    X, y = digits
    return X[:600], y[:600]


def _digits_head_own_scale(n):
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X[:n]), y[:n]


@pytest.fixture(scope="session")
def digits600_own_scale():
    """``load_digits``' first 600 rows, standardised over these rows only."""
    return _digits_head_own_scale(600)


@pytest.fixture(scope="session")
def digits120_own_scale():
    """``load_digits``' first 120 rows, standardised over these rows only."""
    return _digits_head_own_scale(120)


def task_b(digits32, n=None):
    """Digits 8 and 9 of ``digits32``'s training rows (task B), the first ``n``."""
    X_tr, _, y_tr, _ = digits32
    X_b, y_b = X_tr[y_tr >= 8], y_tr[y_tr >= 8]
    return (X_b, y_b) if n is None else (X_b[:n], y_b[:n])


@pytest.fixture(scope="session")
def digits32_source(digits32):
    """A (32, 16) DNNClassifier, today's defaults, fitted on digits32 0-7 (task A)."""
    X_tr, _, y_tr, _ = digits32
    mask = y_tr < 8
    return DNNClassifier(hidden_layer_sizes=(32, 16), max_iter=30, random_state=0).fit(
        X_tr[mask], y_tr[mask]
    )


@pytest.fixture(scope="session")
def digits32_plain_source(digits32):
    """``digits32_source`` with the old defaults (``plain_classifier``: no dropout)."""
    X_tr, _, y_tr, _ = digits32
    mask = y_tr < 8
    return plain_classifier(
        hidden_layer_sizes=(32, 16), max_iter=30, random_state=0
    ).fit(X_tr[mask], y_tr[mask])


# The estimators' defaults before the tabular benchmark changed them. Tests of a
# mechanism (folding, sparse == dense, schedules, transfer, divergence, ...) that
# were written against those defaults pin them here, so that they keep testing
# what they tested: a changed default must not change what an explicit setting
# computes. Tests of the defaults themselves use the estimators as they are.

#: ``DNNClassifier``'s old defaults, explicitly.
PLAIN_CLASSIFIER = dict(
    hidden_layer_sizes=(100, 100),
    activation="relu",
    kernel_initializer="glorot_uniform",
    input_scaling=None,
    numeric_embedding=None,
    dropout=0.0,
    learning_rate=None,
    lr_schedule=None,
    batch_size=200,  # the old "auto": min(200, n_samples)
    max_iter=200,
    label_smoothing=0.0,
)

#: ``DNNRegressor``'s old defaults, explicitly (its activation, initializer and
#: early stopping did not change).
PLAIN_REGRESSOR = dict(
    hidden_layer_sizes=(100, 100),
    input_scaling=None,
    numeric_embedding=None,
    feature_scale=False,
    ensemble_size=1,
    learning_rate=None,
    lr_schedule=None,
    batch_size=200,  # the old "auto": min(200, n_samples)
    max_iter=200,
)

PLAIN = {DNNClassifier: PLAIN_CLASSIFIER, DNNRegressor: PLAIN_REGRESSOR}


def plain(estimator_class, **params):
    """``estimator_class`` with its old defaults, and ``params`` on top.

    The old default ``hidden_layer_sizes="auto"`` meant (100, 100), and no new
    hidden layers on top of the reused ones with ``transfer_from``: so it stays
    "auto" there. An old default that would do nothing (and only raise an
    ``UnusedParameterWarning``) is left out.
    """
    defaults = dict(PLAIN[estimator_class])
    transfer = params.get("transfer_from") is not None
    if transfer:
        defaults["hidden_layer_sizes"] = "auto"
        # the transfer defaults before 0.3.0: reused layers frozen for good
        defaults.update(freeze_epochs=None, reused_learning_rate_factor=0.1)
        if params.get("freeze_epochs") is None:
            # frozen for good: the reused layers' rate factor would do nothing
            defaults.pop("reused_learning_rate_factor")
    hidden = params.get("hidden_layer_sizes", defaults.get("hidden_layer_sizes"))
    if transfer:
        no_new_hidden = hidden == "auto" or not hidden
    else:
        no_new_hidden = isinstance(hidden, (tuple, list)) and not hidden
    if no_new_hidden:
        # no new hidden layer: its activation and initializer would do nothing
        for name in ("activation", "kernel_initializer", "dropout"):
            defaults.pop(name, None)
    return estimator_class(**{**defaults, **params})


def plain_classifier(**params):
    """``DNNClassifier`` with its old defaults, and ``params`` on top."""
    return plain(DNNClassifier, **params)


def plain_regressor(**params):
    """``DNNRegressor`` with its old defaults, and ``params`` on top."""
    return plain(DNNRegressor, **params)
