"""The trust issue's measured claims, re-runnable.

    python benchmarks/trust_sweeps.py warnings      # GradientFlowWarning count, default fits
    python benchmarks/trust_sweeps.py regression    # DNNRegressor vs RidgeCV / MLPRegressor
    python benchmarks/trust_sweeps.py convergence   # ConvergenceWarning on a constant target
    python benchmarks/trust_sweeps.py all

``warnings``: default ``DNNClassifier()`` fits on standardised iris, wine,
breast_cancer, digits and make_classification with 30 to 3000 samples (3 seeds
each); a healthy network must not warn. Also the chapter's two broken networks,
which must warn. About 3 minutes on 2 cores.

``regression``: median R^2 over 5 random 75/25 splits of a default
``DNNRegressor()`` in a StandardScaler pipeline against RidgeCV on diabetes, and
against ``MLPRegressor()`` on make_friedman1 and on make_regression with y scaled
by 1000. About 3 minutes.

``convergence``: early stopping on a constant target, 30 seeds; how many fits end
with a ConvergenceWarning (scikit-learn's MLPRegressor: 0 of 30). About 1 minute.
"""

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_friedman1,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import RidgeCV  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import DNNClassifier, DNNRegressor, GradientFlowWarning  # noqa: E402


def _count(category, fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if issubclass(w.category, category)]


def sweep_warnings(seeds=(0, 1, 2)):
    data = {
        "iris": load_iris(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "digits": load_digits(return_X_y=True),
    }
    for n in (30, 100, 201, 401, 1000, 2001, 3000):
        data[f"make_classification n={n}"] = make_classification(
            n_samples=n, n_features=20, random_state=0
        )
    total = fits = 0
    print("GradientFlowWarnings over default DNNClassifier() fits:")
    for name, (X, y) in data.items():
        X = StandardScaler().fit_transform(X)
        n_warn = 0
        for seed in seeds:
            n_warn += len(
                _count(
                    GradientFlowWarning,
                    lambda X=X, y=y, s=seed: DNNClassifier(random_state=s).fit(X, y),
                )
            )
        print(f"  {name:28s} {n_warn} of {len(seeds)} fits warned")
        total, fits = total + n_warn, fits + len(seeds)
    print(f"  total: {total} warnings over {fits} fits")
    X, y = make_classification(n_samples=1000, n_features=20, random_state=0)
    X = StandardScaler().fit_transform(X)

    def normal_01(shape, rng):
        return rng.standard_normal(shape)

    broken = {
        "logistic + N(0, 1), 10 layers": DNNClassifier(
            (100,) * 10, activation="logistic", kernel_initializer=normal_01,
            optimizer="sgd", max_iter=5, random_state=0,
        ),
    }  # fmt: skip
    for name, est in broken.items():
        n = len(_count(GradientFlowWarning, lambda est=est: est.fit(X, y)))
        print(f"  broken: {name}: {n} warning")
    est = DNNClassifier(max_iter=1, random_state=0).fit(X, y)
    est.network_.layers[0].params["bias"][:] = -50.0  # ReLU units killed
    est.set_params(warm_start=True, max_iter=3)
    n = len(_count(GradientFlowWarning, lambda: est.fit(X, y)))
    print(f"  broken: ReLU with bias -50: {n} warning")


def _median_r2(make_model, X, y, splits=5):
    scores = []
    for split in range(splits):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=split)
        model = make_pipeline(StandardScaler(), make_model(split))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores.append(model.fit(X_tr, y_tr).score(X_te, y_te))
    return statistics.median(scores), scores


def sweep_regression():
    cases = {
        "diabetes": (load_diabetes(return_X_y=True), RidgeCV, "RidgeCV"),
        "make_friedman1": (
            make_friedman1(n_samples=1000, random_state=0),
            None,
            "MLPRegressor",
        ),
        "make_regression, y x 1000": (
            make_regression(n_samples=1000, n_features=20, noise=10, random_state=0),
            None,
            "MLPRegressor",
        ),
    }
    print("median R^2 over 5 splits (StandardScaler pipelines):")
    for name, ((X, y), reference, label) in cases.items():
        if name.endswith("1000"):
            y = y * 1000
        tic = time.perf_counter()
        ours, _ = _median_r2(lambda s: DNNRegressor(random_state=s), X, y)
        raw, _ = _median_r2(
            lambda s: DNNRegressor(normalize_y=False, random_state=s), X, y
        )
        if reference is None:
            ref, _ = _median_r2(lambda s: MLPRegressor(random_state=s), X, y)
        else:
            ref, _ = _median_r2(lambda s, make=reference: make(), X, y)
        print(
            f"  {name:28s} DNNRegressor() {ours:.3f} (normalize_y=False {raw:.3f}), "
            f"{label} {ref:.3f}  [{time.perf_counter() - tic:.0f} s]"
        )


def sweep_convergence(seeds=range(30)):
    X, _ = make_regression(n_samples=200, n_features=5, random_state=0)
    y = np.full(len(X), 3.0)
    ours = sum(
        bool(
            _count(
                ConvergenceWarning,
                lambda s=s: DNNRegressor(early_stopping=True, random_state=s).fit(X, y),
            )
        )
        for s in seeds
    )
    mlp = sum(
        bool(
            _count(
                ConvergenceWarning,
                lambda s=s: MLPRegressor(early_stopping=True, random_state=s).fit(X, y),
            )
        )
        for s in seeds
    )
    print(
        f"constant target, early stopping: DNNRegressor warned in {ours} of "
        f"{len(seeds)} fits, MLPRegressor in {mlp}"
    )
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    n = len(
        _count(
            ConvergenceWarning,
            lambda: DNNClassifier(
                lr_schedule="1cycle", max_iter=30, random_state=0
            ).fit(X, y),
        )
    )
    print(f"1cycle run to its end (30 epochs, iris): {n} ConvergenceWarning")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what", choices=["warnings", "regression", "convergence", "all"]
    )
    what = parser.parse_args().what
    for name, run in (
        ("warnings", sweep_warnings),
        ("regression", sweep_regression),
        ("convergence", sweep_convergence),
    ):
        if what in (name, "all"):
            run()


if __name__ == "__main__":
    main()
