"""Scale-out with Dask: a grid search on a local cluster through joblib's dask
backend, and incremental training on a chunked dask array with dask-ml.

The cluster listens on the loopback interface only, with two single-threaded
worker processes whose BLAS is limited to one thread (no oversubscription).
"""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skdnn import DNNClassifier

from .conftest import plain_classifier, require

pytestmark = [
    pytest.mark.dask,
    pytest.mark.filterwarnings(
        "ignore::sklearn.exceptions.ConvergenceWarning",
        "ignore::skdnn.exceptions.GradientFlowWarning",
    ),
]

# BLAS and OpenMP pools of the worker processes: one thread each, since every
# worker already runs one task per core.
ONE_THREAD = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "BLIS_NUM_THREADS",
    )
}


@pytest.fixture(scope="module")
def client():
    distributed = require("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env=ONE_THREAD,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_workers_use_one_blas_thread(client):
    threadpoolctl = require("threadpoolctl")
    info = client.run(threadpoolctl.threadpool_info)
    assert len(info) == 2
    for pools in info.values():
        assert pools, "NumPy's BLAS should be visible to threadpoolctl"
        assert {pool["num_threads"] for pool in pools} == {1}


def test_grid_search_runs_on_the_cluster(client, digits600_own_scale):
    X, y = digits600_own_scale
    grid = {"hidden_layer_sizes": [(16,), (32,)], "learning_rate": [1e-3, 1e-2]}
    estimator = DNNClassifier(max_iter=10, random_state=0)
    distributed = require("distributed")
    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_backend("dask"):
            on_dask = GridSearchCV(estimator, grid, cv=3, n_jobs=-1).fit(X, y)
    # the workers did the 12 fits (4 candidates x 3 folds) and the refit
    assert len(tasks.data) >= 12
    assert {task["worker"] for task in tasks.data} == set(
        client.scheduler_info()["workers"]
    )
    local = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    # the same fits, wherever they ran: seeded and one BLAS thread everywhere
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        atol=1e-12,
    )
    assert on_dask.best_params_ == local.best_params_
    assert on_dask.best_score_ > 0.8


def test_incremental_trains_through_partial_fit(client, digits600_own_scale):
    require("dask_ml")
    import dask.array as da
    from dask_ml.wrappers import Incremental

    X, y = digits600_own_scale
    classes = np.unique(y)
    X_blocks = da.from_array(X, chunks=(100, X.shape[1]))
    y_blocks = da.from_array(y, chunks=100)
    params = dict(hidden_layer_sizes=(32,), learning_rate=1e-2, random_state=0)
    # the old defaults (constant rate, no dropout): six epochs train, where the
    # default 1cycle would still be warming up over its 60-epoch budget
    incremental = Incremental(plain_classifier(**params), shuffle_blocks=False)
    incremental.fit(X_blocks, y_blocks, classes=classes)
    model = incremental.estimator_
    # one epoch per block, in order: the same as a plain partial_fit loop
    assert model.n_iter_ == X_blocks.numblocks[0] == 6
    reference = plain_classifier(**params)
    for start in range(0, len(X), 100):
        reference.partial_fit(X[start : start + 100], y[start : start + 100], classes)
    np.testing.assert_array_equal(model.network_.theta, reference.network_.theta)
    predicted = incremental.predict(X_blocks)
    assert isinstance(predicted, da.Array)
    # six epochs, each over one block of 100 digits
    assert (predicted.compute() == y).mean() > 0.6
