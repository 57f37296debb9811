"""What the losses and the optimizer variants change, measured.

    python benchmarks/bench_losses.py outliers    # huber / absolute_error vs squared_error
    python benchmarks/bench_losses.py poisson     # poisson vs squared_error on counts
    python benchmarks/bench_losses.py smoothing   # label_smoothing on digits
    python benchmarks/bench_losses.py optimizers  # amsgrad, centered on digits
    python benchmarks/bench_losses.py all

``outliers``: ``make_regression`` (1000 samples, 10 features, noise 10) and
``make_friedman1`` (1000 samples, noise 0.5), 75/25 split; 5% of the training
targets get a gross outlier (+-5 to 10 standard deviations of y). Test R^2 on the
clean test targets, median of 5 seeds, for a default ``DNNRegressor`` in a
StandardScaler pipeline with each loss (``huber_delta`` 1.0, the default, and
1.35 times the noise level, scikit-learn's ``HuberRegressor`` choice).

``poisson``: counts ``y ~ Poisson(exp(b + f(X)))`` with ``f`` linear plus a sine
(3000 samples, 10 standard normal features, 2000 for training), at three count
levels; mean Poisson deviance on the test set (predictions clipped below at 1e-3,
since squared error may predict negative counts), median of 5 seeds. Also
``normalize_y=False`` (the plain ``exp(z)`` output), scikit-learn's
``MLPRegressor(loss="poisson")`` and ``PoissonRegressor``, and the true rates.

``smoothing``: standardised digits, stratified 75/25 split, 2 x 100 ReLU units,
50 epochs; test accuracy, test log loss and the mean top probability minus the
accuracy (over-confidence), median of 5 seeds.

``optimizers``: standardised digits, 2 x 100 ELU units, batch 32, 20 epochs
(``examples/plot_optimizers.py``'s setting); final training loss and test
accuracy, median of 5 seeds.

One BLAS thread; about 6 minutes in all on a shared 2-core machine.
"""

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sklearn.datasets import load_digits, make_friedman1, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import PoissonRegressor  # noqa: E402
from sklearn.metrics import log_loss, mean_poisson_deviance  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import Adam, DNNClassifier, DNNRegressor, RMSprop  # noqa: E402

SEEDS = range(5)


def _median(values):
    return statistics.median(values)


def _with_outliers(X, y, seed, share=0.05):
    """75/25 split; ``share`` of the training targets get a gross outlier."""
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    rng = np.random.RandomState(seed)
    idx = rng.choice(len(y_tr), int(share * len(y_tr)), replace=False)
    y_tr = y_tr.copy()
    signs = rng.choice([-1.0, 1.0], size=idx.size)
    y_tr[idx] += signs * rng.uniform(5, 10, size=idx.size) * y.std()
    return X_tr, X_te, y_tr, y_te


def sweep_outliers():
    datasets = {
        "make_regression": lambda s: make_regression(
            1000, 10, n_informative=10, noise=10, random_state=s
        ),
        "make_friedman1": lambda s: make_friedman1(1000, noise=0.5, random_state=s),
    }
    noise = {"make_regression": 10, "make_friedman1": 0.5}
    for name, make in datasets.items():
        configs = {
            "squared_error": {},
            "absolute_error": {"loss": "absolute_error"},
            "huber (delta=1.0)": {"loss": "huber"},
            f"huber (delta={1.35 * noise[name]:g})": {
                "loss": "huber",
                "huber_delta": 1.35 * noise[name],
            },
        }
        print(f"\n{name}, 5% gross outliers in the training y: test R^2 (clean y)")
        for label, params in configs.items():
            scores, clean = [], []
            for seed in SEEDS:
                X, y = make(seed)
                X_tr, X_te, y_tr, y_te = _with_outliers(X, y, seed)
                reg = make_pipeline(
                    StandardScaler(), DNNRegressor(random_state=seed, **params)
                )
                scores.append(reg.fit(X_tr, y_tr).score(X_te, y_te))
                X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
                clean.append(reg.fit(X_tr, y_tr).score(X_te, y_te))
            print(
                f"  {label:24s} with outliers {_median(scores):.3f}   "
                f"without {_median(clean):.3f}",
                flush=True,
            )


def _counts(level, spread, seed, n=3000, p=10):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p))
    w = rng.normal(size=p)
    w *= spread / np.linalg.norm(w)
    rate = np.exp(np.log(level) + X @ w + 0.5 * spread * np.sin(2 * X[:, 0]))
    y = rng.poisson(rate).astype(float)
    return X[:2000], y[:2000], X[2000:], y[2000:], rate[2000:]


def sweep_poisson():
    models = {
        "DNNRegressor squared_error": lambda s: DNNRegressor(random_state=s),
        "DNNRegressor poisson": lambda s: DNNRegressor(loss="poisson", random_state=s),
        "  poisson, normalize_y=False": lambda s: DNNRegressor(
            loss="poisson", normalize_y=False, random_state=s
        ),
        "MLPRegressor(loss='poisson')": lambda s: MLPRegressor(
            loss="poisson", early_stopping=True, random_state=s, max_iter=500
        ),
        "PoissonRegressor (GLM)": lambda s: PoissonRegressor(alpha=1e-4, max_iter=1000),
    }
    for level, spread in [(0.2, 0.8), (3.0, 0.6), (1000.0, 0.1)]:
        print(
            f"\ncounts with mean rate ~{level:g} (log-rate spread {spread}): "
            "test mean Poisson deviance"
        )
        truth = [mean_poisson_deviance(*_counts(level, spread, s)[3:]) for s in SEEDS]
        print(f"  {'true rates':30s} {_median(truth):.4f}")
        for label, make in models.items():
            deviances = []
            for seed in SEEDS:
                X_tr, y_tr, X_te, y_te, _ = _counts(level, spread, seed)
                pred = make(seed).fit(X_tr, y_tr).predict(X_te)
                deviances.append(mean_poisson_deviance(y_te, np.maximum(pred, 1e-3)))
            print(f"  {label:30s} {_median(deviances):.4f}", flush=True)


def _digits(seed):
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def sweep_smoothing():
    print("\ndigits, 2 x 100 ReLU, 50 epochs: test accuracy, log loss, over-confidence")
    for smoothing in (0.0, 0.05, 0.1, 0.2):
        acc, ll, over = [], [], []
        for seed in SEEDS:
            X_tr, X_te, y_tr, y_te = _digits(seed)
            clf = DNNClassifier(
                label_smoothing=smoothing, max_iter=50, random_state=seed
            ).fit(X_tr, y_tr)
            proba = clf.predict_proba(X_te)
            acc.append(clf.score(X_te, y_te))
            ll.append(log_loss(y_te, proba, labels=clf.classes_))
            over.append(proba.max(axis=1).mean() - acc[-1])
        print(
            f"  label_smoothing={smoothing:<5g} accuracy {_median(acc):.4f}  "
            f"log loss {_median(ll):.4f}  confidence - accuracy {_median(over):+.4f}",
            flush=True,
        )


def sweep_optimizers():
    print("\ndigits, 2 x 100 ELU, batch 32, 20 epochs: final training loss, accuracy")
    configs = {
        "adam": lambda: Adam(),
        "adam, amsgrad": lambda: Adam(amsgrad=True),
        "rmsprop": lambda: RMSprop(),
        "rmsprop, centered": lambda: RMSprop(centered=True),
    }
    for label, make in configs.items():
        losses, acc, times = [], [], []
        for seed in SEEDS:
            X_tr, X_te, y_tr, y_te = _digits(seed)
            clf = DNNClassifier(
                activation="elu", kernel_initializer="he_normal", batch_size=32,
                max_iter=20, optimizer=make(), random_state=seed,
            )  # fmt: skip
            tic = time.perf_counter()
            clf.fit(X_tr, y_tr)
            times.append(time.perf_counter() - tic)
            losses.append(clf.loss_)
            acc.append(clf.score(X_te, y_te))
        print(
            f"  {label:18s} final loss {_median(losses):.4f}  "
            f"test accuracy {_median(acc):.4f}  {_median(times):.2f} s/fit",
            flush=True,
        )


SWEEPS = {
    "outliers": sweep_outliers,
    "poisson": sweep_poisson,
    "smoothing": sweep_smoothing,
    "optimizers": sweep_optimizers,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", choices=[*SWEEPS, "all"])
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, sweep in SWEEPS.items():
        if args.sweep in (name, "all"):
            sweep()


if __name__ == "__main__":
    main()
