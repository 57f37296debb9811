"""``python -m skdnn``: a short tour on the digits data.

Fits skdnn's DNNClassifier in a few configurations on the raw pixels (the network
scales its own inputs) and scikit-learn's MLPClassifier after a StandardScaler,
side by side, on both cores at once; prints a line as each fit ends, then, per
model, the median test accuracy over the three seeds and the mean fit time.
"""

import multiprocessing
import os
import statistics
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import presets
from ._config import get_config
from ._estimators import DNNClassifier
from ._version import __version__

SEEDS = range(3)

MODELS = {
    "skdnn DNNClassifier() (defaults)": lambda seed: DNNClassifier(random_state=seed),
    "skdnn presets.tabular()": lambda seed: DNNClassifier(
        **presets.tabular(), random_state=seed
    ),
    "skdnn, batch norm before each ELU": lambda seed: DNNClassifier(
        batch_norm="before", random_state=seed
    ),
    "scikit-learn StandardScaler + MLPClassifier()": lambda seed: make_pipeline(
        StandardScaler(), MLPClassifier(random_state=seed)
    ),
}

#: Relative fit times (measured on this data), to start the slowest first.
_COST = dict(zip(MODELS, (1.0, 3.0, 1.3, 1.2)))


def _fit(name, seed, data):
    """One fit of one model: (name, seed, test accuracy, seconds)."""
    X_train, X_test, y_train, y_test = data
    pipe = MODELS[name](seed)
    tic = time.perf_counter()
    # one BLAS thread per process: two processes share the two cores
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of short fits
        pipe.fit(X_train, y_train)
    return name, seed, pipe.score(X_test, y_test), time.perf_counter() - tic


def _fits(data, n_jobs):
    """Every model with every seed, on ``n_jobs`` processes, as each fit ends."""
    # the slowest fits first, so that both cores finish together; forked workers
    # (where the platform has fork) start without importing everything again
    order = sorted(MODELS, key=lambda name: -_COST[name])
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(n_jobs, mp_context=context) as pool:
        futures = [
            pool.submit(_fit, name, seed, data) for name in order for seed in SEEDS
        ]
        for future in as_completed(futures):
            yield future.result()


def main():
    X, y = load_digits(return_X_y=True)
    data = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    n_jobs = min(2, os.cpu_count() or 1)
    kernels = "on (numba)" if get_config()["use_numba"] else (
        'off (pip install "skdnn[fast]" for faster training)'
    )  # fmt: skip
    print(
        f"skdnn {__version__} on load_digits: {len(data[0])} training and "
        f"{len(data[1])} test samples; {len(MODELS)} models x {len(SEEDS)} seeds "
        f"on {n_jobs} cores; compiled kernels: {kernels}",
        flush=True,
    )
    results = {name: [] for name in MODELS}
    n_tasks = len(MODELS) * len(SEEDS)
    for done, (name, seed, score, seconds) in enumerate(_fits(data, n_jobs), 1):
        results[name].append((score, seconds))
        print(
            f"  [{done:2d}/{n_tasks}] {name}, seed {seed}: accuracy {score:.4f} "
            f"({seconds:.1f} s)",
            flush=True,
        )
    print(
        f"\n{'model':46s} {'median accuracy':>15s} {'mean fit time':>13s}"
        f"\n{'':46s} {'(3 seeds)':>15s} {'(3 seeds)':>13s}"
    )
    for name, runs in results.items():
        scores, seconds = zip(*runs)
        print(
            f"{name:46s} {statistics.median(scores):15.4f} "
            f"{statistics.mean(seconds):12.2f}s"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
