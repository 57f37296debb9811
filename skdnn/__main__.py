"""``python -m skdnn``: a two-minute tour on the digits data.

Fits skdnn's DNNClassifier in a few configurations and scikit-learn's MLPClassifier
side by side, and prints the median test accuracy over five seeds and the mean fit
time.
"""

import statistics
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._config import get_config
from ._estimators import DNNClassifier
from ._version import __version__

SEEDS = range(5)

MODELS = {
    "skdnn DNNClassifier() (defaults)": lambda seed: DNNClassifier(random_state=seed),
    "skdnn, 256-256 units, dropout 0.3": lambda seed: DNNClassifier(
        hidden_layer_sizes=(256, 256), dropout=0.3, random_state=seed
    ),
    "skdnn, batch norm before ReLU, He init": lambda seed: DNNClassifier(
        batch_norm="before", kernel_initializer="auto", random_state=seed
    ),
    "scikit-learn MLPClassifier() (defaults)": lambda seed: MLPClassifier(
        random_state=seed
    ),
}


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        f"skdnn {__version__} on load_digits: {len(X_train)} training and "
        f"{len(X_test)} test samples, median of {len(SEEDS)} seeds"
    )
    if get_config()["use_numba"]:
        print("compiled kernels: on (numba)\n")
    else:
        print('compiled kernels: off (pip install "skdnn[fast]" for faster training)\n')
    print(f"{'model':42s} {'accuracy':>8s} {'fit time':>9s}")
    for name, make in MODELS.items():
        scores, seconds = [], []
        for seed in SEEDS:
            pipe = make_pipeline(StandardScaler(), make(seed))
            tic = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe.fit(X_train, y_train)
            seconds.append(time.perf_counter() - tic)
            scores.append(pipe.score(X_test, y_test))
        print(
            f"{name:42s} {statistics.median(scores):8.4f} "
            f"{statistics.mean(seconds):8.2f}s"
        )


if __name__ == "__main__":
    main()
