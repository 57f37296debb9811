"""Named presets (``skdnn.presets``): valid, clonable, grid-searchable, and accurate."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

import skdnn
from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor, presets
from skdnn.exceptions import UnusedParameterWarning


@pytest.mark.parametrize("name", presets.available())
@pytest.mark.parametrize("Estimator", [DNNClassifier, DNNRegressor])
def test_each_preset_is_valid_and_clones(name, Estimator):
    params = presets.get(name)
    est = Estimator(**params)
    est._validate_params()  # every value passes the estimator's constraints
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    for key, value in params.items():
        assert cloned.get_params()[key] == value


@pytest.mark.parametrize("name", presets.available())
def test_each_preset_fits_a_small_problem(name):
    X, y = make_classification(
        n_samples=120, n_features=8, n_informative=5, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    clf = DNNClassifier(**{**presets.get(name), "max_iter": 5}, random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.6


@pytest.mark.parametrize("name", presets.available())
def test_each_preset_runs_its_whole_1cycle_budget(name):
    # The training-loss plateau stop must not cut the schedule short. Two
    # well-separated blobs: the loss plateaus early (before 1cycle ran on its
    # budget, general() stopped at epoch 28 and self_normalizing() at 53 of 60).
    X, y = make_blobs(n_samples=60, centers=2, cluster_std=0.5, random_state=0)
    clf = DNNClassifier(**presets.get(name, max_iter=60), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(StandardScaler().fit_transform(X), y)
    assert clf.n_iter_ == 60


def test_presets_reachable_from_the_package():
    assert skdnn.presets is presets
    assert presets.available() == ["general", "self_normalizing", "tabular"]


def test_general_adds_batch_norm_only_when_deep():
    assert presets.general((100, 100))["batch_norm"] is None
    deep = (100,) * presets.DEEP_THRESHOLD
    assert presets.general(deep)["batch_norm"] == "before"
    assert presets.general(deep, batch_norm=None)["batch_norm"] is None
    assert presets.general(50)["hidden_layer_sizes"] == (50,)


def test_general_regularization_choices():
    assert presets.general(regularization="l2", l2=1e-3)["l2"] == 1e-3
    assert presets.general(regularization="l2")["dropout"] == 0.0
    assert presets.general(regularization=None)["dropout"] == 0.0
    with pytest.raises(ValueError, match="regularization"):
        presets.general(regularization="l1")


@pytest.mark.parametrize(
    "params",
    [
        presets.general(regularization="l2"),
        presets.general(regularization=None),
        presets.self_normalizing(alpha_dropout=0.0),
        presets.general(),
        presets.self_normalizing(),
    ],
)
def test_no_preset_variant_warns_about_its_own_parameters(params):
    # without dropout, a preset must not set a dropout_type that the fit then
    # reports as unused
    X, y = load_digits(return_X_y=True)
    params = {**params, "max_iter": 2, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusedParameterWarning)
        DNNClassifier(**params).fit(X[:200] / 16, y[:200])


def test_self_normalizing_follows_table_11_4():
    p = presets.self_normalizing()
    assert (p["activation"], p["kernel_initializer"]) == ("selu", "lecun_normal")
    assert p["dropout_type"] == "alpha" and p["batch_norm"] is None


def test_unknown_preset_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'general', 'self_normalizing'"):
        presets.get("resnet")


def test_param_grid_runs_in_grid_search():
    grid = presets.param_grid(max_iter=[3])
    assert len(grid) == len(presets.available())
    assert all(len(values) == 1 for point in grid for values in point.values())
    X, y = make_classification(n_samples=90, n_features=6, random_state=0)
    search = GridSearchCV(DNNClassifier(random_state=0), grid, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(StandardScaler().fit_transform(X), y)
    assert search.best_params_["activation"] in {"elu", "selu"}
    assert len(search.cv_results_["params"]) == 3


def test_param_grid_fills_from_the_estimator_it_is_for():
    """A regression grid's tabular point keeps the regressor's own defaults."""
    from skdnn import DNNRegressor

    grid = presets.param_grid("general", "tabular", estimator=DNNRegressor)
    tabular = grid[1]
    assert tabular["activation"] == ["relu"] and tabular["dropout"] == [0.0]
    assert tabular["early_stopping"] == ["auto"]
    assert presets.param_grid("general")[0]["activation"] == ["elu"]
    # one value is one value: a string is not split into letters, a tuple is one
    point = presets.param_grid(
        "general", lr_schedule="power", learning_rate=0.001, hidden_layer_sizes=(8, 8)
    )[0]
    assert point["lr_schedule"] == ["power"] and point["learning_rate"] == [0.001]
    assert point["hidden_layer_sizes"] == [(8, 8)]


def test_best_preset_is_accurate_on_digits():
    # One seed of the protocol of benchmarks/claims_presets.py (which reports the
    # median over seeds): digits, stratified 75/25 split, StandardScaler.
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_tr)
    clf = DNNClassifier(**presets.self_normalizing(), random_state=0)
    clf.fit(scaler.transform(X_tr), y_tr)
    assert clf.score(scaler.transform(X_te), y_te) >= 0.975
    assert np.isfinite(clf.loss_)


@pytest.mark.parametrize("name", ["general", "self_normalizing"])
def test_chapter_presets_for_the_autoencoder(name):
    params = presets.get(name, hidden_layer_sizes=(32, 8), estimator=DNNAutoencoder)
    # the same network as for the classifier, less the switch it has no use for
    assert params == {
        k: v
        for k, v in presets.get(name, hidden_layer_sizes=(32, 8)).items()
        if k != "numeric_embedding"
    }
    X = StandardScaler().fit_transform(load_digits().data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusedParameterWarning)
        ae = DNNAutoencoder(**{**params, "max_iter": 10}, random_state=0).fit(X)
    assert ae.score(X) > 0.1
    # the classifier and regressor take every parameter: nothing dropped
    assert presets.get(name, estimator=DNNRegressor()) == presets.get(name)


def test_param_grid_searches_an_array_of_values():
    grid = presets.param_grid("general", learning_rate=np.logspace(-3, -2, 3))
    assert grid[0]["learning_rate"] == pytest.approx([1e-3, 10**-2.5, 1e-2])
    assert presets.param_grid("general", hidden_layer_sizes=(8, 4))[0][
        "hidden_layer_sizes"
    ] == [(8, 4)]  # a tuple is one value


def test_tabular_preset_is_refused_for_the_autoencoder():
    with pytest.raises(ValueError, match="input_scaling, numeric_embedding.*"
                       "DNNAutoencoder does not have"):  # fmt: skip
        presets.tabular(estimator=DNNAutoencoder)
    assert presets.tabular(estimator=DNNClassifier) == presets.tabular()
    grid = presets.param_grid(estimator=DNNAutoencoder)
    assert [point["activation"] for point in grid] == [["elu"], ["selu"]]
    with pytest.raises(ValueError, match="does not have"):
        presets.param_grid("tabular", estimator=DNNAutoencoder)
    X = StandardScaler().fit_transform(load_digits().data)
    grid = presets.param_grid(
        estimator=DNNAutoencoder, hidden_layer_sizes=[(32, 8)], max_iter=10
    )
    search = GridSearchCV(DNNAutoencoder(random_state=0), grid, cv=2).fit(X)
    assert np.isfinite(search.best_score_)
