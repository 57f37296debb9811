"""``python -m skdnn``: a two-minute tour on the digits data.

Fits skdnn's DNNClassifier and scikit-learn's MLPClassifier side by side and prints
test accuracy and fit time.
"""

import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import __version__
from ._estimators import DNNClassifier


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    models = {
        "skdnn DNNClassifier (defaults)": DNNClassifier(random_state=0),
        "skdnn DNNClassifier (SELU, lecun init, AdamW)": DNNClassifier(
            activation="selu", optimizer="adamw", random_state=0
        ),
        "scikit-learn MLPClassifier (defaults)": MLPClassifier(random_state=0),
    }
    print(
        f"skdnn {__version__} on load_digits: "
        f"{len(X_train)} training and {len(X_test)} test samples\n"
    )
    print(f"{'model':48s} {'accuracy':>8s} {'fit time':>9s}")
    for name, model in models.items():
        pipe = make_pipeline(StandardScaler(), model)
        tic = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipe.fit(X_train, y_train)
        seconds = time.perf_counter() - tic
        print(f"{name:48s} {pipe.score(X_test, y_test):8.4f} {seconds:8.2f}s")


if __name__ == "__main__":
    main()
