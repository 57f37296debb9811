"""Every number and warning skdnn gives is right, and defaults work on everyday data.

Each test here failed on the code before these fixes (76e004e): a false alarm, a
silent failure, a raw crash or a wrong number a new user met within minutes. They
use only what that code had too (apart from the new fitted attributes they check),
so that they can be run against it; since the defaults changed (the tabular
benchmark), the tests of a mechanism pin the old defaults with conftest's
``plain_classifier``/``plain_regressor``, which also set the input-layer
parameters that code did not have.
"""

import copy
import os
import statistics
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_friedman1,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import cross_validate, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skdnn import (
    DivergenceError,
    DNNAutoencoder,
    DNNClassifier,
    DNNRegressor,
    GradientFlowWarning,
    find_learning_rate,
)
from skdnn._validation import split_validation

from .conftest import plain, plain_classifier, task_b


def _caught(fit, category=Warning):
    """The warnings of ``category`` that ``fit()`` raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [w for w in caught if issubclass(w.category, category)]


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


# -- 1. divergence under early stopping ----------------------------------------------
DIVERGING = dict(
    hidden_layer_sizes=(100,),
    activation="identity",
    optimizer="sgd",
    momentum=0.9,
    max_iter=20,
    early_stopping=True,
    random_state=0,
)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "make", [DNNRegressor, DNNAutoencoder, DNNClassifier], ids=lambda c: c.__name__
)
def test_divergence_under_early_stopping_keeps_a_usable_model(iris, make, dtype):
    # The case: the validation loss overflows; its score used to be
    # computed first, and r2_score raised a raw "Input contains NaN".
    X, y = iris
    params = dict(DIVERGING, learning_rate=0.1, dtype=dtype)
    if make is DNNClassifier:  # cross-entropy diverges only with more push
        params.update(hidden_layer_sizes=(100, 100), learning_rate=100.0)
    # the old defaults (the autoencoder kept them): no input scaling and a constant
    # rate, under which these settings diverge
    est = make(**params) if make is DNNAutoencoder else plain(make, **params)
    fit = (lambda: est.fit(X)) if make is DNNAutoencoder else (lambda: est.fit(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # nothing from NumPy leaks
        with pytest.raises(DivergenceError, match="validation loss"):
            fit()
    assert est.n_iter_ == len(est.loss_curve_) >= 1
    assert len(est.history_["val_loss"]) == est.n_iter_
    assert np.isfinite(est.network_.theta).all()
    outputs = est.transform(X) if make is DNNAutoencoder else est.predict(X)
    assert np.isfinite(np.asarray(outputs, dtype=float)).all()


# -- 2. after an unfreeze, training equals a freshly built optimizer's ----------------
def _compile_again_recipe(frozen_model, X, y, epochs, factor):
    """Keras' recipe after the frozen phase: a new optimizer over all the layers.

    Continues ``frozen_model`` (trained with its reused layers frozen) for
    ``epochs`` full passes in order, every layer trainable, the reused ones at
    ``factor`` times the rate, with an optimizer built afresh: no moments, step
    count from 1.
    """
    net = copy.deepcopy(frozen_model.network_)
    opt = frozen_model._make_optimizer().build(net.theta.size, net.dtype)
    Y = frozen_model._label_binarizer.transform(y).astype(np.float64)
    stop = net.param_offset(frozen_model._n_reused_layers)
    segments = [(0, stop, factor), (stop, net.theta.size, 1.0)]
    bs = min(200, len(X))
    for _ in range(epochs):
        for lo in range(0, len(X), bs):
            Z = net.forward(X[lo : lo + bs], training=True)
            _, delta = frozen_model.loss_function_.gradient(Z, Y[lo : lo + bs])
            net.backward(delta)
            opt.step(net.theta, net.grad, tensors=net.tensors, segments=segments)
    return net.theta


# digits32_plain_source has the old defaults: no dropout, which the by-hand recipe
# does not draw. It (30 epochs) and these fits stop on max_iter, still improving:
# only their weights are compared
@pytest.mark.filterwarnings(
    "ignore:.*epochs reached and the loss is still improving:"
    "sklearn.exceptions.ConvergenceWarning"
)
@pytest.mark.parametrize("optimizer", ["adam", "nadam", "adamax", "adamw"])
@pytest.mark.parametrize("freeze", [2, 25])
def test_unfreezing_equals_a_freshly_built_optimizer(
    digits32, digits32_plain_source, optimizer, freeze
):
    X_b, y_b = task_b(digits32)
    X_b = X_b.astype(np.float64)
    params = dict(
        transfer_from=digits32_plain_source,
        hidden_layer_sizes=(),
        optimizer=optimizer,
        learning_rate=0.003,
        reused_learning_rate_factor=0.5,
        dtype="float64",
        shuffle=False,
        n_iter_no_change=1000,
        random_state=0,
    )
    more = 6
    # the old defaults: a constant rate, batches of min(200, n), no smoothing, as
    # in the recipe
    unfreezing = plain_classifier(
        freeze_epochs=freeze, max_iter=freeze + more, **params
    )
    unfreezing.fit(X_b, y_b)
    with warnings.catch_warnings():  # the rate factor: unused while frozen
        warnings.simplefilter("ignore", UserWarning)
        frozen = plain_classifier(max_iter=freeze, **params).fit(X_b, y_b)
    expected = _compile_again_recipe(frozen, X_b, y_b, more, 0.5)
    np.testing.assert_allclose(
        unfreezing.network_.theta, expected, rtol=1e-12, atol=1e-14
    )
    assert unfreezing.optimizer_.iterations == more * -(-len(X_b) // 200)
    assert unfreezing.n_steps_ == (freeze + more) * -(-len(X_b) // 200)


# the source (30 epochs) and these 2-epoch fits are short: only shapes are checked
@pytest.mark.filterwarnings(
    "ignore:.*epochs reached and the loss is still improving:"
    "sklearn.exceptions.ConvergenceWarning"
)
@pytest.mark.filterwarnings(
    "ignore:.*no better than always predicting:sklearn.exceptions.ConvergenceWarning"
)
def test_default_reuses_the_hidden_layers_and_adds_only_an_output_layer(
    digits32, digits32_plain_source
):
    X_b, y_b = task_b(digits32, n=40)
    clf = DNNClassifier(
        transfer_from=digits32_plain_source, max_iter=2, random_state=0
    ).fit(X_b, y_b)
    assert [c.shape[1] for c in clf.coefs_] == [32, 16, 1]
    assert clf.n_transferred_layers_ == 2
    asked = DNNClassifier(
        transfer_from=digits32_plain_source, hidden_layer_sizes=(100, 100), max_iter=2
    ).fit(X_b, y_b)
    assert [c.shape[1] for c in asked.coefs_] == [32, 16, 100, 100, 1]


# -- 3. gradient-flow statistics that do not depend on the last batch's size ----------
@pytest.mark.parametrize("n", [401, 201, 30])
def test_no_dead_unit_alarm_on_a_healthy_default_fit(n):
    # 401 rows in batches of 200: the epoch's last batch held one row, on which
    # 55% of the units of hidden layer 2 "output zero for every sample".
    X, y = make_classification(n_samples=n, n_features=20, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = DNNClassifier(max_iter=50, random_state=0)
    assert not _caught(lambda: clf.fit(X, y), GradientFlowWarning)
    assert max(clf.history_["dead_2"]) < 0.5


# a 1-epoch fit to start from: only the dead-unit alarm after it is tested
@pytest.mark.filterwarnings(
    "ignore:.*epochs reached and the loss is still improving:"
    "sklearn.exceptions.ConvergenceWarning"
)
def test_units_killed_by_large_negative_biases_still_warn():
    X, y = make_classification(n_samples=401, n_features=20, random_state=0)
    X = StandardScaler().fit_transform(X)
    # the old defaults: ReLU units, and the first layer is the Dense one
    clf = plain_classifier(max_iter=1, random_state=0).fit(X, y)
    clf.network_.layers[0].params["bias"][:] = -50.0
    clf.set_params(warm_start=True, max_iter=3)
    [warning] = _caught(lambda: clf.fit(X, y), GradientFlowWarning)
    assert "dead units" in str(warning.message)


# -- 4. Monte Carlo dropout: a row's estimate does not depend on the other rows -------
@pytest.fixture(scope="module")
def dropout_models(digits):
    X, y = digits
    # the old defaults (no input layers): the float32 round-off of a reordered
    # batch stays below the tests' relative tolerances on these fits
    params = dict(hidden_layer_sizes=(32,), dropout=0.3, max_iter=5, random_state=0)
    clf = plain(DNNClassifier, **params).fit(X, y)
    reg = plain(DNNRegressor, **params).fit(X, y)
    return X[:300], clf, reg


# dropout_models are 5-epoch fits: their predictions are compared, not scored
@pytest.mark.filterwarnings(
    "ignore:.*epochs reached and the loss is still improving:"
    "sklearn.exceptions.ConvergenceWarning"
)
def test_mc_dropout_rows_are_independent_of_their_batch(dropout_models):
    X, clf, reg = dropout_models
    full = clf.predict_proba(X, mc_samples=20)
    order = np.random.RandomState(0).permutation(len(X))
    np.testing.assert_allclose(
        clf.predict_proba(X[order], mc_samples=20), full[order], atol=1e-6
    )
    chunks = [
        clf.predict_proba(X[i : i + 37], mc_samples=20) for i in range(0, 300, 37)
    ]
    np.testing.assert_allclose(np.vstack(chunks), full, atol=1e-6)
    alone = np.vstack(
        [clf.predict_proba(X[i : i + 1], mc_samples=20) for i in range(5)]
    )
    np.testing.assert_allclose(alone, full[:5], atol=1e-6)
    mean, std = reg.predict(X[:40], return_std=True, mc_samples=20)
    mean_r, std_r = reg.predict(X[:40][::-1], return_std=True, mc_samples=20)
    np.testing.assert_allclose(mean_r[::-1], mean, rtol=1e-6)
    np.testing.assert_allclose(std_r[::-1], std, rtol=1e-5, atol=1e-6)


# dropout_models are 5-epoch fits: their predictions are compared, not scored
@pytest.mark.filterwarnings(
    "ignore:.*epochs reached and the loss is still improving:"
    "sklearn.exceptions.ConvergenceWarning"
)
def test_classifier_predict_with_mc_samples(dropout_models):
    X, clf, _ = dropout_models
    labels = clf.predict(X, mc_samples=20)
    expected = clf.classes_[clf.predict_proba(X, mc_samples=20).argmax(axis=1)]
    np.testing.assert_array_equal(labels, expected)
    assert np.mean(labels == clf.predict(X)) > 0.9


# -- 5. no NumPy RuntimeWarning leaks from prediction on extreme inputs ---------------
def test_prediction_on_extreme_inputs_says_what_happened(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier((16, 16), max_iter=5, dtype="float64", random_state=0)
        clf.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="overflowed"):
            clf.predict(np.full((3, 4), 1.7e308))


# -- 6. warnings point at the user's line ----------------------------------------------
def test_warnings_point_at_the_callers_line(iris):
    X, y = iris
    # a constant rate (the old default): a finished 1cycle would not warn
    [w] = _caught(lambda: plain_classifier(max_iter=2).fit(X, y), ConvergenceWarning)
    assert os.path.abspath(w.filename) == os.path.abspath(__file__)
    pipe = make_pipeline(StandardScaler(), plain_classifier(max_iter=2))
    [w] = _caught(lambda: pipe.fit(X, y), ConvergenceWarning)
    assert os.path.abspath(w.filename) == os.path.abspath(__file__)
    # cross_validate runs its fits through joblib, in this process with n_jobs=None
    caught = _caught(lambda: cross_validate(pipe, X, y, cv=2), ConvergenceWarning)
    assert len(caught) == 2
    assert {os.path.abspath(w.filename) for w in caught} == {os.path.abspath(__file__)}


# -- 7. target and input scale --------------------------------------------------------
def test_target_scaling_makes_the_fit_invariant_to_the_units_of_y():
    X, y = make_regression(n_samples=300, n_features=8, noise=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    params = dict(
        hidden_layer_sizes=(32,), max_iter=30, dtype="float64", random_state=0
    )
    small = DNNRegressor(**params).fit(X, y / y.std())
    large = DNNRegressor(**params).fit(X, y / y.std() * 1e4 + 300)
    np.testing.assert_allclose(
        large.predict(X), small.predict(X) * 1e4 + 300, rtol=1e-7, atol=1e-6
    )
    # losses are in the targets' units: the last epoch's MSE scales by 1e8
    np.testing.assert_allclose(large.loss_curve_, np.array(small.loss_curve_) * 1e8)
    assert large.score(X, y / y.std() * 1e4 + 300) == pytest.approx(
        small.score(X, y / y.std()), rel=1e-9
    )


def test_predictions_of_huge_targets_do_not_overflow_to_inf():
    # targets near float64's limit: finite network outputs times the target
    # scale overflowed to inf
    X = [[522159377.0, 0.0], [522159377.0, 0.0]]
    reg = DNNRegressor((3,), max_iter=1, early_stopping=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, [[1e300], [0.0]])
    assert np.isfinite(reg.predict(X)).all()


@pytest.mark.slow
def test_default_regressor_against_ridge_and_mlp():
    """The default regressor near RidgeCV on diabetes (a nearly linear, noisy
    target; mean R² of 10 splits: RidgeCV 0.466, this model 0.448), above
    MLPRegressor elsewhere (median R² of 5 splits).

    Diabetes takes the mean of 10 splits: with three (100, 100) members the median
    of 5 moved by 0.046 between batches of 48 and of 200 rows, where the mean of
    40 splits moved by 0.017 (0.447 against 0.465; RidgeCV 0.467).
    """

    def r2_scores(make, X, y, splits=5):
        scores = []
        for split in range(splits):
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=split)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = make_pipeline(StandardScaler(), make(split)).fit(X_tr, y_tr)
            scores.append(model.score(X_te, y_te))
        return scores

    def median_r2(make, X, y):
        return statistics.median(r2_scores(make, X, y))

    def mean_r2(make, X, y):
        return statistics.mean(r2_scores(make, X, y, splits=10))

    X, y = load_diabetes(return_X_y=True)
    ours = mean_r2(lambda s: DNNRegressor(random_state=s), X, y)
    assert ours > mean_r2(lambda s: RidgeCV(), X, y) - 0.05
    assert ours > mean_r2(lambda s: MLPRegressor(random_state=s), X, y) + 0.5
    X, y = make_friedman1(n_samples=1000, random_state=0)
    ours = median_r2(lambda s: DNNRegressor(random_state=s), X, y)
    assert ours > median_r2(lambda s: MLPRegressor(random_state=s), X, y)
    X, y = make_regression(n_samples=1000, n_features=20, noise=10, random_state=0)
    ours = median_r2(lambda s: DNNRegressor(random_state=s), X, y * 1000)
    assert ours > max(
        0.9, median_r2(lambda s: MLPRegressor(random_state=s), X, y * 1000)
    )


def test_the_scale_check_needs_little_memory_on_wide_inputs():
    # 4096-row float64 chunks cost 2 x 96 MiB on 3072 columns: the fit's peak
    # rose from 47 to 192 MiB; the chunks are now bounded in bytes
    import tracemalloc

    from skdnn._validation import far_from_unit_scale

    X = np.ones((4096, 2048), dtype=np.float32)  # 32 MiB
    tracemalloc.start()
    try:
        far_from_unit_scale(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def test_inputs_far_from_unit_scale_warn_once(iris):
    X, y = iris

    def scale_warnings(est, X):
        caught = _caught(lambda: est.fit(X, y), UserWarning)
        return [str(w.message) for w in caught if "unit scale" in str(w.message)]

    # by default the network scales dense inputs itself (input_scaling="auto"):
    # nothing to warn about
    assert not scale_warnings(DNNClassifier(max_iter=2, random_state=0), X * 1e6)
    assert not scale_warnings(DNNRegressor(max_iter=2, random_state=0), X * 1e6)
    # without input scaling (the old default): one warning, saying how to scale
    est = plain_classifier(max_iter=2, random_state=0)
    scale = scale_warnings(est, X * 1e6)
    assert len(scale) == 1
    assert "set input_scaling='robust' (or 'standard')" in scale[0]
    assert "StandardScaler" in scale[0]
    categories = np.random.RandomState(0).randint(0, 40, size=(len(X), 2))
    for ok in (
        StandardScaler().fit_transform(X),
        MinMaxScaler().fit_transform(X),
        OneHotEncoder(sparse_output=False).fit_transform(categories),
    ):
        assert not scale_warnings(est, ok)
    # nor when the network scales its inputs: batch norm or input scaling
    for scaled in (
        dict(input_batch_norm=True),
        dict(input_scaling="robust"),
        dict(input_scaling="standard"),
    ):
        assert not scale_warnings(clone(est).set_params(**scaled), X * 1e6), scaled


# -- 8. parameters that do nothing say so ----------------------------------------------
@pytest.mark.parametrize(
    "params, named",
    [
        ({"optimizer": "adam", "momentum": 0.9}, "momentum"),
        ({"optimizer": "adam", "nesterov": True}, "nesterov"),
        ({"optimizer": "sgd", "beta_2": 0.99}, "beta_2"),
        ({"optimizer": "adam", "rho": 0.95}, "rho"),
        ({"freeze_epochs": 3}, "freeze_epochs"),
        ({"transfer_layers": 1}, "transfer_layers"),
        ({"batch_norm_momentum": 0.9}, "batch_norm_momentum"),
        ({"dropout_type": "alpha"}, "dropout_type"),
        ({"huber_delta": 2.0}, "huber_delta"),
        ({"loss": "absolute_error", "huber_delta": 2.0}, "huber_delta"),
    ],
)
def test_parameters_that_do_nothing_say_so(iris, params, named):
    X, y = iris
    regressor_only = {"loss", "huber_delta", "normalize_y"}
    make = DNNRegressor if regressor_only & set(params) else DNNClassifier
    # the old defaults: no dropout, so that dropout_type has nothing to apply to
    est = plain(make, max_iter=1, **params)
    unused = [
        w for w in _caught(lambda: est.fit(X, y)) if "no effect" in str(w.message)
    ]
    assert len(unused) == 1 and f"{named}=" in str(unused[0].message)


def test_default_fits_do_not_warn_about_parameters(iris):
    X, y = iris
    for est in (
        DNNClassifier(max_iter=1),
        DNNRegressor(max_iter=1),
        DNNAutoencoder(max_iter=1),
    ):
        fit = (
            (lambda e=est: e.fit(X))
            if isinstance(est, DNNAutoencoder)
            else (lambda e=est: e.fit(X, y))
        )
        assert not [w for w in _caught(fit) if "no effect" in str(w.message)]


def test_optimizer_knobs_default_to_the_optimizers_own():
    params = DNNClassifier().get_params()
    assert all(params[k] is None for k in ("beta_1", "beta_2", "epsilon", "rho"))
    # an optimizer's own default is not overridden by an estimator default
    assert DNNClassifier(optimizer="adagrad")._make_optimizer().epsilon == 1e-7


# -- 9. transfer_from with default sizes: test_default_reuses_... (item 2) ------------


# -- 10. names as users type them ------------------------------------------------------
def test_names_in_any_case_and_suggestions(iris):
    X, y = iris
    # the old defaults: the network starts Dense, activation (no input scaling)
    clf = plain_classifier(
        optimizer="Adam", activation="ELU", max_iter=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert type(clf.optimizer_).__name__ == "Adam"
    assert type(clf.network_.layers[1]).__name__ == "ELU"
    with pytest.raises(InvalidParameterError, match="Did you mean 'adam'"):
        DNNClassifier(optimizer="adamm").fit(X, y)
    with pytest.raises(TypeError, match=r"^DNNClassifier\.__init__\(\)"):
        DNNClassifier(hidden_layers=(10,))


def test_learning_rate_finder_result_has_a_short_repr(iris):
    X, y = iris
    text = repr(find_learning_rate(DNNClassifier(random_state=0), X, y))
    assert len(text) < 150 and "array" not in text and "suggested" in text


# -- 11. no silent fallbacks in the early-stopping split --------------------------------
def test_a_split_that_cannot_be_stratified_warns():
    X, y = make_classification(
        n_samples=100, n_classes=3, n_informative=4, random_state=0
    )
    # 5 validation rows of 100 cannot hold 3 classes in proportion
    est = DNNClassifier(
        early_stopping=True, validation_fraction=0.02, max_iter=2, random_state=0
    )
    messages = [str(w.message) for w in _caught(lambda: est.fit(X, y))]
    assert any("cannot be stratified" in m for m in messages)


@pytest.mark.parametrize("n_rare", [1, 2])
def test_a_class_too_rare_for_the_validation_set_warns_and_fits(n_rare):
    # Imbalanced cross-validation folds: MLPClassifier fits them, and so must we.
    # A class with a single sample stays in training; the split of the others is
    # still stratified (no "cannot be stratified" fallback to a random split).
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X = np.vstack([X, X[y == 2][:n_rare] + 1.0])
    y = np.r_[y, [3] * n_rare]
    est = DNNClassifier(
        early_stopping=True, max_iter=20, lr_schedule=None, random_state=0
    )
    messages = [str(w.message) for w in _caught(lambda: est.fit(X, y))]
    (missing,) = [m for m in messages if "no sample of class(es) [3]" in m]
    assert not any("cannot be stratified" in m for m in messages)
    assert ("single sample stays in the training set" in missing) == (n_rare == 1)
    assert ("Raise validation_fraction" in missing) == (n_rare == 2)
    assert est.classes_.tolist() == [0, 1, 2, 3]
    assert np.isfinite(est.history_["val_loss"]).all()
    assert est.score(X[:178], y[:178]) > 0.95


def test_a_class_of_one_sample_stays_in_training_and_the_rest_is_stratified():
    y = np.r_[[0] * 60, [1] * 30, [2] * 9, [3]]
    Y = np.eye(4)[y]
    X = np.arange(100.0)[:, None]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        clf = DNNClassifier(max_iter=1).fit(X[:8], [0, 1, 2, 3] * 2)  # its classes
        (X_tr, Y_tr, _), (X_va, Y_va, _) = split_validation(
            X, Y, None, fraction=0.2, seed=0, stratify=Y, estimator=clf
        )
    assert 99.0 in X_tr[:, 0]  # the class of one sample
    assert Y_va.sum(axis=0).tolist() == [12, 6, 2, 0]  # 20% of each other class
    assert sorted(np.r_[X_tr[:, 0], X_va[:, 0]]) == list(range(100))


# 2 validation rows for 3 classes: the split also says it cannot be stratified
@pytest.mark.filterwarnings("ignore:.*cannot be stratified:UserWarning")
@pytest.mark.parametrize("n", [11, 20])
def test_a_validation_set_too_small_to_score_is_an_error(n):
    X, y = make_regression(n_samples=n, n_features=3, random_state=0)
    est = DNNRegressor(early_stopping=True, validation_fraction=0.05)
    with pytest.raises(ValueError, match="validation set is too small"):
        est.fit(X, y)
    X, y = make_classification(n_samples=n, n_classes=2, random_state=0)
    est = DNNClassifier(early_stopping=True, validation_fraction=0.05, random_state=0)
    with pytest.raises(ValueError, match=r"to score early stopping \(1 sample;"):
        est.fit(X, y)


# -- 12. a ConvergenceWarning means more epochs would help ------------------------------
def test_no_convergence_warning_on_a_constant_target_or_a_finished_1cycle(iris):
    X, _ = make_regression(n_samples=200, n_features=5, random_state=0)
    y = np.full(len(X), 3.0)
    warned = [
        bool(
            _caught(
                lambda s=s: DNNRegressor(early_stopping=True, random_state=s).fit(X, y),
                ConvergenceWarning,
            )
        )
        for s in range(30)
    ]
    assert sum(warned) == 0
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = DNNClassifier(lr_schedule="1cycle", max_iter=30, random_state=0)
    assert not _caught(lambda: clf.fit(X, y), ConvergenceWarning)
    assert clf.n_iter_ == 30


def test_a_convergence_warning_is_still_given_when_more_epochs_help(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    # a constant rate (the old default): 1cycle ends on its budget, without warning
    est = plain_classifier(max_iter=3, random_state=0)
    assert _caught(lambda: est.fit(X, y), ConvergenceWarning)
    before = est.loss_
    more = copy.deepcopy(est).set_params(warm_start=True, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        more.fit(X, y)
    assert more.loss_ < 0.9 * before


def test_no_convergence_warning_when_the_patience_cannot_run_out():
    # max_iter=10 <= n_iter_no_change=10: a fit whose best validation epoch is far
    # from the end would warn "still improving", and 40 epochs give the same model.
    X, y = load_diabetes(return_X_y=True)
    bests = []
    for seed in range(6):
        est = DNNRegressor(max_iter=10, lr_schedule=None, random_state=seed)
        warned = bool(_caught(lambda e=est: e.fit(X, y), ConvergenceWarning))
        bests.append(int(np.argmin(est.history_["val_loss"])) + 1)
        assert warned == (bests[-1] > 10 - 10 // 4), (seed, bests)
    assert min(bests) <= 5  # the case: most of the fit without an improvement


# learning_rate=10 kills units as well
@pytest.mark.filterwarnings("ignore::skdnn.GradientFlowWarning")
def test_a_failed_fit_is_not_told_to_train_longer():
    X, y = load_digits(return_X_y=True)
    est = DNNClassifier(optimizer="adam", learning_rate=10, lr_schedule=None)
    est.set_params(max_iter=10, random_state=0)
    [w] = _caught(lambda: est.fit(X, y), ConvergenceWarning)
    assert "no better than always predicting" in str(w.message)


# -- a model no better than a constant ------------------------------------------------
# learning_rate=1e3 kills units as well: that alarm is right, and tested above
@pytest.mark.filterwarnings("ignore:.*dead units:skdnn.GradientFlowWarning")
def test_a_failed_fit_says_it_is_no_better_than_a_constant():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="no better than always predicting the "
                      r"most frequent class .*accuracy 0.333.*learning_rate \(now 1000\)"):  # fmt: skip
        model = DNNClassifier(learning_rate=1e3, random_state=0).fit(X, y)
    assert model.score(X, y) == pytest.approx(1 / 3)


def test_a_constant_model_is_caught_in_float32_with_the_advice_its_loss_gives():
    """A float32 mean of the labels once rounded below the float64 accuracy of
    the majority class, and a constant model passed as better than it."""
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"no better than .*accuracy 0.627, "
                      r"against 0.627.*highest .*lower learning_rate \(now 100\)"):  # fmt: skip
        high = DNNClassifier(
            learning_rate=100, max_iter=10, diagnostics=False, random_state=0
        ).fit(X, y)
    assert np.unique(high.predict(X)).size == 1
    # a rate too low: after 7 epochs the loss is falling, after 5 it barely moved
    X = StandardScaler().fit_transform(X[:285, :8])
    slow = DNNClassifier(
        hidden_layer_sizes=(16,), optimizer="sgd", learning_rate=1e-3, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match=r"loss was still falling.*train "
                      r"longer \(max_iter, now 7\) or with a higher learning_rate"):  # fmt: skip
        clone(slow).set_params(max_iter=7).fit(X, y[:285])
    with pytest.warns(ConvergenceWarning, match=r"loss barely moved.*higher "
                      r"learning_rate \(now 0.001\)"):  # fmt: skip
        clone(slow).set_params(max_iter=5).fit(X, y[:285])


@pytest.mark.parametrize(
    "make",
    [
        lambda: DNNClassifier(max_iter=5, random_state=0).fit(
            *load_iris(return_X_y=True)
        ),
        lambda: DNNRegressor(max_iter=5, random_state=0).fit(
            *load_iris(return_X_y=True)
        ),
        # constant targets: a constant is right, whatever R^2 says
        lambda: DNNRegressor(max_iter=5, random_state=0).fit(
            load_iris().data, np.full(150, 3.0)
        ),
        # every weight on one class: predicting it is right (an estimator check)
        lambda: DNNClassifier(max_iter=2, random_state=0).fit(
            *load_iris(return_X_y=True), sample_weight=(np.arange(150) < 50) * 1.0
        ),
    ],
)
def test_a_model_that_learned_does_not_warn_of_it(make):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*no better than")
        make()
