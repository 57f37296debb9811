"""Successive halving over epochs: the cheap way to compare many techniques."""

import warnings

import numpy as np
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, HalvingRandomSearchCV

from skdnn import DNNClassifier


def test_halving_grid_and_random_search_over_epochs(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    X_train, y_train = X_train[:600], y_train[:600]
    grid = {
        "activation": ["relu", "selu", "elu"],
        "batch_norm": [None, "before", "after"],
    }
    base = DNNClassifier(hidden_layer_sizes=(32,), random_state=0)
    searches = [
        HalvingGridSearchCV(
            base, grid, resource="max_iter", min_resources=2, max_resources=18,
            factor=3, cv=2, random_state=0,
        ),
        HalvingRandomSearchCV(
            base, {**grid, "optimizer": ["adam", "nadam"]}, n_candidates=9,
            resource="max_iter", min_resources=2, max_resources=18, factor=3,
            cv=2, random_state=0,
        ),
    ]  # fmt: skip
    for search in searches:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X_train, y_train)
        # each round trains fewer candidates for more epochs
        assert list(search.n_resources_) == [2, 6, 18]
        assert search.n_candidates_[0] > search.n_candidates_[-1]
        rounds = search.cv_results_["iter"]
        assert set(search.cv_results_["param_max_iter"][rounds == 2]) == {18}
        assert search.best_estimator_.n_iter_ <= 18
        assert search.score(X_test, y_test) > 0.7  # 18 epochs of 600 samples
    assert np.isfinite(searches[0].cv_results_["mean_test_score"]).all()
