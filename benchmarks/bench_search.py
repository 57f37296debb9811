"""Searching many configurations: successive halving, and search on two cores.

    python benchmarks/bench_search.py halving   # 216 technique combinations
    python benchmarks/bench_search.py jobs      # GridSearchCV, n_jobs=1 against 2
    python benchmarks/bench_search.py dask      # the same search on a Dask cluster
    python benchmarks/bench_search.py all

``halving``: the grid of ``examples/plot_halving_search.py`` (initializer x
activation x batch norm x optimizer x schedule x dropout, 216 combinations, 3-fold
CV on digits, up to 81 epochs), searched by ``HalvingGridSearchCV`` with
``resource="max_iter"`` and by ``GridSearchCV`` at 81 epochs, both with
``n_jobs=2``: wall time and the best candidate's test accuracy. About a minute and
a half on 2 cores (82 s measured; the grid search is most of it).

``jobs``: ``GridSearchCV`` over 48 candidates x 3 folds on digits with
``n_jobs=1`` and ``n_jobs=2``; the ratio of the wall times (median of
``--repeats`` interleaved runs). ``dask``: the same search through joblib's Dask
backend on a ``LocalCluster`` of 2 single-threaded worker processes.
"""

import argparse
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# search workers are separate processes: this silences the expected
# ConvergenceWarnings of short trainings there too
os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    HalvingGridSearchCV,
    train_test_split,
)
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import DNNClassifier  # noqa: E402

#: The example's grid: 3 x 3 x 2 x 3 x 2 x 2 = 216 combinations.
TECHNIQUES = {
    "kernel_initializer": ["glorot_uniform", "he_normal", "lecun_normal"],
    "activation": ["relu", "elu", "selu"],
    "batch_norm": [None, "before"],
    "optimizer": ["adam", "nadam", "rmsprop"],
    "lr_schedule": [None, "1cycle"],
    "dropout": [0.0, 0.2],
}
#: 48 candidates for the n_jobs comparison.
SMALL_GRID = {
    "activation": ["relu", "elu", "selu", "tanh"],
    "optimizer": ["adam", "nadam", "sgd"],
    "learning_rate": [1e-3, 1e-2],
    "batch_norm": [None, "before"],
}


def digits():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def _timed(search, X, y):
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return time.perf_counter() - tic


def halving():
    X_tr, X_te, y_tr, y_te = digits()
    base = DNNClassifier(hidden_layer_sizes=(64, 64), random_state=0)
    searches = {
        "HalvingGridSearchCV": HalvingGridSearchCV(
            base, TECHNIQUES, resource="max_iter", min_resources=1,
            max_resources=81, factor=3, cv=3, n_jobs=2, random_state=0,
        ),
        "GridSearchCV (81 epochs)": GridSearchCV(
            base.set_params(max_iter=81), TECHNIQUES, cv=3, n_jobs=2
        ),
    }  # fmt: skip
    for name, search in searches.items():
        seconds = _timed(search, X_tr, y_tr)
        print(
            f"{name:26s} {seconds:7.1f} s, best {search.best_params_}, "
            f"test accuracy {search.score(X_te, y_te):.4f}",
            flush=True,
        )


def jobs(repeats):
    X_tr, _, y_tr, _ = digits()
    base = DNNClassifier(hidden_layer_sizes=(64, 64), max_iter=20, random_state=0)
    seconds = {1: [], 2: []}
    for r in range(repeats):
        for n_jobs in (1, 2) if r % 2 == 0 else (2, 1):
            search = GridSearchCV(base, SMALL_GRID, cv=3, n_jobs=n_jobs)
            seconds[n_jobs].append(_timed(search, X_tr, y_tr))
    one, two = statistics.median(seconds[1]), statistics.median(seconds[2])
    print(
        f"GridSearchCV 48 candidates x 3 folds: n_jobs=1 {one:.1f} s "
        f"({min(seconds[1]):.1f}-{max(seconds[1]):.1f}), n_jobs=2 {two:.1f} s "
        f"({min(seconds[2]):.1f}-{max(seconds[2]):.1f}): ratio {two / one:.2f}"
    )
    return one


def dask(repeats, one_job=None):
    import joblib
    from distributed import Client, LocalCluster

    X_tr, _, y_tr, _ = digits()
    base = DNNClassifier(hidden_layer_sizes=(64, 64), max_iter=20, random_state=0)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster),
    ):
        seconds = []
        for _ in range(repeats):
            with joblib.parallel_backend("dask"):
                seconds.append(_timed(GridSearchCV(base, SMALL_GRID, cv=3), X_tr, y_tr))
    median = statistics.median(seconds)
    ratio = "" if one_job is None else f": ratio {median / one_job:.2f} to n_jobs=1"
    print(f"Dask LocalCluster (2 workers) {median:.1f} s{ratio}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["halving", "jobs", "dask", "all"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.what in ("halving", "all"):
        halving()
    one = jobs(args.repeats) if args.what in ("jobs", "all") else None
    if args.what in ("dask", "all"):
        dask(args.repeats, one)


if __name__ == "__main__":
    main()
