"""BLAS threads inside skdnn: one thread (the default), the default pool, and the
timed probe of ``blas_threads="fastest"``, on an idle machine and with a core kept
busy.

    python benchmarks/bench_threads.py                 # idle, every workload
    python benchmarks/bench_threads.py --busy          # with `yes > /dev/null`
    python benchmarks/bench_threads.py --workloads digits,W1-b32 --repeats 7

Each workload runs under three settings of ``skdnn.config_context(blas_threads=...)``:
``1`` (one BLAS thread inside fit and predict: what the default ``"auto"`` does),
``None`` (skdnn leaves the BLAS pool as it is: OpenBLAS's default, one thread per
core) and ``"fastest"`` (one thread unless a timed probe shows the pool pays; the
default until 7 December, when it became opt-in because a timed thread count
makes a fit's last bits depend on the machine's load). The settings are interleaved, run after run, and each
figure is the fastest of ``--repeats`` runs, with the median beside it. ``--busy``
starts one ``yes`` process for the whole measurement, as another program would
keep a core of a 2-core machine busy. Each run is a whole ``fit`` (or ``predict``)
call, as a user would time it.

Workloads: W1 (784-300-100-10 ReLU, Adam) on 10,000 rows with batches of 32 and
on 20,000 with batches of 200, one epoch each; W2 (20 ELU layers of 100, Nadam,
batches of 32) and W3 (W2 with batch norm) on 5,000 rows of 3,072, one epoch; a
large one, 20,000 x 200 through (512, 512) in batches of 256, two epochs; the
default ``DNNClassifier()`` on digits (standardised) and on wine; a TF-IDF-like
sparse matrix (5,000 documents, 20,000 terms, Zipf-distributed words) through
(100, 100), 10 epochs; ``predict_proba`` of the W1 network on 10,000 rows and of
the digits model on all 1,797.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import PLAIN, make_blobs32  # noqa: E402

SETTINGS = {"one": 1, "default": None, "fastest": "fastest"}


def _plain(**params):
    from skdnn import DNNClassifier

    base = dict(PLAIN, early_stopping=False, shuffle=True, random_state=0)
    return DNNClassifier(**{**base, **params})


def _tfidf(n_docs=5000, n_terms=20000, words=60, seed=0):
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(n_docs), words)
    cols = np.minimum(rng.zipf(1.3, n_docs * words) - 1, n_terms - 1)
    counts = sparse.csr_array(
        (np.ones(rows.size), (rows, cols)), shape=(n_docs, n_terms)
    )
    y = (cols.reshape(n_docs, words) % 5 == 0).sum(axis=1) > words // 5
    return TfidfTransformer().fit_transform(counts).astype(np.float32), y.astype(int)


def workloads():
    """name -> (setup() -> state, run(state) -> None); setup is not timed."""
    from sklearn.datasets import load_digits, load_wine
    from sklearn.preprocessing import StandardScaler

    def fit(data, **params):
        return lambda state: _plain(**params).fit(*state)

    w1 = dict(hidden_layer_sizes=(300, 100), activation="relu", optimizer="adam",
              kernel_initializer="he_normal", max_iter=1)  # fmt: skip
    w2 = dict(hidden_layer_sizes=(100,) * 20, activation="elu", optimizer="nadam",
              kernel_initializer="he_normal", batch_size=32, max_iter=1)  # fmt: skip

    def digits():
        X, y = load_digits(return_X_y=True)
        return StandardScaler().fit_transform(X), y

    def w1_model():
        X, y = make_blobs32(20000, 784)
        return _plain(**w1, batch_size=200).fit(X, y), X[:10000]

    def digits_model():
        from skdnn import DNNClassifier

        X, y = digits()
        return DNNClassifier(max_iter=20, random_state=0).fit(X, y), X

    def default_fit(state, max_iter=None):
        from skdnn import DNNClassifier

        extra = {} if max_iter is None else {"max_iter": max_iter}
        DNNClassifier(random_state=0, **extra).fit(*state)

    return {
        "W1-b32": (lambda: make_blobs32(10000, 784), fit(None, **w1, batch_size=32)),
        "W1-b200": (lambda: make_blobs32(20000, 784), fit(None, **w1, batch_size=200)),
        "W2": (lambda: make_blobs32(5000, 3072), fit(None, **w2)),
        "W3": (lambda: make_blobs32(5000, 3072), fit(None, **w2, batch_norm="before")),
        "large": (
            lambda: make_blobs32(20000, 200),
            fit(None, hidden_layer_sizes=(512, 512), batch_size=256, max_iter=2),
        ),
        "digits": (digits, lambda state: default_fit(state, max_iter=20)),
        "wine": (lambda: load_wine(return_X_y=True), default_fit),
        "tfidf": (_tfidf, fit(None, hidden_layer_sizes=(100, 100), max_iter=10)),
        "predict-W1": (w1_model, lambda state: state[0].predict_proba(state[1])),
        "predict-digits": (
            digits_model,
            lambda state: state[0].predict_proba(state[1]),
        ),
    }


def measure(names, repeats, settings):
    import skdnn

    table = {}
    for name in names:
        setup, run = workloads()[name]
        state = setup()
        with skdnn.config_context(blas_threads="fastest"):
            run(state)  # warm-up: numba compilation, first-call costs
        times = {s: [] for s in settings}
        for r in range(repeats):
            order = settings if r % 2 == 0 else settings[::-1]
            for s in order:
                with skdnn.config_context(blas_threads=SETTINGS[s]):
                    tic = time.perf_counter()
                    run(state)
                    times[s].append(time.perf_counter() - tic)
        table[name] = times
        best = {s: min(t) for s, t in times.items()}
        line = "  ".join(
            f"{s} {best[s]:.3f} s (median {statistics.median(times[s]):.3f})"
            for s in settings
        )
        print(f"{name:15s} {line}", flush=True)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", action="store_true", help="keep one core busy")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default=",".join(workloads()))
    parser.add_argument("--settings", default="one,default,fastest")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    busy = None
    if args.busy:
        busy = subprocess.Popen(["yes"], stdout=subprocess.DEVNULL)
    try:
        print(f"{'busy' if args.busy else 'idle'} machine, {os.cpu_count()} CPUs; "
              f"fastest of {args.repeats} interleaved runs")  # fmt: skip
        measure(args.workloads.split(","), args.repeats, args.settings.split(","))
    finally:
        if busy is not None:
            busy.kill()


if __name__ == "__main__":
    main()
