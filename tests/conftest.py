"""Shared test configuration.

Tests of optional extras (docs, plots, ...) skip on a user's machine that lacks the
extra; in CI (``CI`` set in the environment) a missing extra is a failure instead,
so nothing is silently skipped there.
"""

import importlib
import os

import pytest
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
