"""class_weight: class weights multiply sample_weight, "balanced" as scikit-learn."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skdnn import DNNClassifier

PARAMS = dict(hidden_layer_sizes=(8,), max_iter=5, dtype="float64", shuffle=False)


def test_class_weights_equal_the_same_sample_weights(wine):
    X, y = wine
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = DNNClassifier(class_weight=weights, random_state=0, **PARAMS).fit(X, y)
        sw = np.vectorize(weights.get)(y) * 2.0
        b = DNNClassifier(random_state=0, **PARAMS).fit(X, y, sample_weight=sw)
        c = DNNClassifier(class_weight=weights, random_state=0, **PARAMS)
        c.fit(X, y, sample_weight=np.full(len(y), 2.0))
    # the batch loss is a weighted mean: a common factor of 2 changes nothing
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-12)
    np.testing.assert_allclose(c.predict_proba(X), b.predict_proba(X), rtol=1e-12)


def test_balanced_is_scikit_learns_and_works_with_string_labels(wine):
    X, y = wine
    names = np.array(["a", "b", "c"])[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = DNNClassifier(class_weight="balanced", random_state=0, **PARAMS).fit(
            X, names
        )
        sw = compute_sample_weight("balanced", names)
        b = DNNClassifier(random_state=0, **PARAMS).fit(X, names, sample_weight=sw)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-12)


def test_class_weight_errors_say_what_to_do(wine):
    X, y = wine
    with pytest.raises(ValueError, match="multilabel"):
        DNNClassifier(class_weight={0: 2}).fit(X, np.c_[y == 0, y == 1])
    with pytest.raises(ValueError, match="partial_fit"):
        DNNClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not in class_weight|classes"):
        DNNClassifier(class_weight={7: 2.0}, max_iter=1).fit(X, y)
    # they multiply sample_weight, which may not be negative either
    with pytest.raises(ValueError, match="finite and non-negative.*-2.0"):
        DNNClassifier(class_weight={1: -2.0}, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="every sample a weight of 0"):
        DNNClassifier(class_weight=dict.fromkeys(range(3), 0), max_iter=1).fit(X, y)


def test_class_weight_is_tunable(wine):
    X, y = wine
    grid = GridSearchCV(
        DNNClassifier(hidden_layer_sizes=(8,), max_iter=5),
        {"class_weight": [None, "balanced", {0: 2.0}]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 3


def test_balanced_raises_balanced_accuracy_on_imbalanced_data():
    # Measured over seeds, with early stopping; without it the network fits
    # the training set entirely and the weights make little difference (see
    # the training guide).
    scores = {None: [], "balanced": []}
    for seed in range(5):
        X, y = make_classification(
            n_samples=2000, weights=[0.95, 0.05], random_state=seed
        )
        X_tr, X_te, y_tr, y_te = train_test_split(
            StandardScaler().fit_transform(X), y, stratify=y, random_state=seed
        )
        for weights, found in scores.items():
            clf = DNNClassifier(
                class_weight=weights, early_stopping=True, random_state=seed
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(X_tr, y_tr)
            found.append(balanced_accuracy_score(y_te, clf.predict(X_te)))
    # the mean over the seeds: the minority class's 25 test samples make each
    # seed's score move by 0.02 a sample
    assert np.mean(scores["balanced"]) > np.mean(scores[None]) + 0.05
