"""Accuracy on real data against scikit-learn's MLPClassifier."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier


def _median_accuracy(make_model, data, seeds=range(5)):
    X_tr, X_te, y_tr, y_te = data
    scores = []
    for seed in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = make_model(seed).fit(X_tr, y_tr)
        scores.append(model.score(X_te, y_te))
    return float(np.median(scores)), scores


@pytest.mark.slow
def test_default_classifier_matches_or_beats_mlp_on_digits():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_tr)
    data = (scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te)
    ours, our_scores = _median_accuracy(lambda s: DNNClassifier(random_state=s), data)
    mlp, mlp_scores = _median_accuracy(lambda s: MLPClassifier(random_state=s), data)
    print(f"skdnn {our_scores} median {ours:.4f}; MLP {mlp_scores} median {mlp:.4f}")
    assert mlp > 0.97  # the reference itself trained properly
    assert ours >= mlp
