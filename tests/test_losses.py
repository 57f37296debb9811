"""The losses: known values from the formulas of Keras, PyTorch and scikit-learn,
and how the regressor's target scaling, predictions and scores treat each loss.

The derivatives are checked against finite differences in ``test_gradients.py``.
"""

import numpy as np
import pytest
from scipy.special import expit, log_softmax
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance, r2_score
from sklearn.neural_network._base import poisson_loss as mlp_poisson_loss
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skdnn import SGD, DNNClassifier, DNNRegressor
from skdnn.nn.losses import (
    LOSSES,
    AbsoluteError,
    Huber,
    Poisson,
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
    SquaredError,
    get_loss,
    regression_losses,
)

from .conftest import plain_classifier, plain_regressor

# short fits on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
Z = RNG.normal(scale=2.0, size=(7, 3))
Y = RNG.normal(size=(7, 3))
SW = RNG.uniform(0.1, 2.0, size=7)


# -- known values ------------------------------------------------------------------
def keras_huber(y_true, y_pred, delta=1.0):
    """keras.losses.huber, line by line: per sample, the mean over the last axis."""
    error = y_pred - y_true
    abs_error = np.abs(error)
    half = 0.5
    return np.mean(
        np.where(
            abs_error <= delta,
            half * np.square(error),
            delta * abs_error - half * np.square(delta),
        ),
        axis=-1,
    )


def torch_huber(y_true, y_pred, delta=1.0):
    """torch.nn.HuberLoss(reduction="none", delta) as its documentation states it."""
    x = np.abs(y_pred - y_true)
    return np.where(x < delta, 0.5 * x**2, delta * (x - 0.5 * delta))


@pytest.mark.parametrize("weighted", [False, True])
def test_squared_and_absolute_error_are_sklearns_metrics(weighted):
    sw = SW if weighted else None
    mse = np.average((Z - Y) ** 2, weights=sw, axis=0).mean()
    assert SquaredError().value(Z, Y, sw) == pytest.approx(mse, rel=1e-12)
    mae = mean_absolute_error(Y, Z, sample_weight=sw)
    assert AbsoluteError().value(Z, Y, sw) == pytest.approx(mae, rel=1e-12)


@pytest.mark.parametrize("delta", [0.1, 1.0, 2.5, 100.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_huber_is_keras_huber(delta, weighted):
    sw = SW if weighted else None
    per_sample = keras_huber(Y, Z, delta)
    expected = np.average(per_sample, weights=sw)
    assert Huber(delta=delta).value(Z, Y, sw) == pytest.approx(expected, rel=1e-12)
    torch_per_sample = torch_huber(Y, Z, delta).mean(axis=1)
    np.testing.assert_allclose(per_sample, torch_per_sample, rtol=1e-12)


def test_huber_between_half_squared_and_absolute_error():
    # delta beyond every residual: half the squared error; tiny delta: delta * MAE
    assert Huber(delta=1e6).value(Z, Y) == pytest.approx(
        SquaredError().value(Z, Y) / 2, rel=1e-12
    )
    small = 1e-6
    assert Huber(delta=small).value(Z, Y) == pytest.approx(
        small * AbsoluteError().value(Z, Y), rel=1e-5
    )


def test_huber_known_number():
    # residuals 0.5 (quadratic: 0.125) and -3 (linear: 1 * 3 - 0.5 = 2.5)
    loss = Huber(delta=1.0).value(np.array([[1.5], [-3.0]]), np.array([[1.0], [0.0]]))
    assert loss == pytest.approx((0.125 + 2.5) / 2, rel=1e-15)


@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_is_half_the_mean_poisson_deviance(weighted):
    sw = SW if weighted else None
    counts = RNG.poisson(3.0, size=Y.shape).astype(float)
    counts[0] = 0  # zero counts: y log y = 0
    mu = np.exp(Z)
    per_output = [
        mean_poisson_deviance(counts[:, j], mu[:, j], sample_weight=sw)
        for j in range(Z.shape[1])
    ]
    got = Poisson().value(Z, counts, sw)
    assert got == pytest.approx(np.mean(per_output) / 2, rel=1e-12)
    # MLPRegressor(loss="poisson")'s loss sums the outputs where skdnn averages them
    assert got == pytest.approx(
        mlp_poisson_loss(counts, mu, sample_weight=sw) / Z.shape[1], rel=1e-12
    )
    np.testing.assert_allclose(Poisson().link(Z), mu)
    # with the link normalised: the same deviance of mu = exp(offset + slope * z)
    shifted = Poisson(offset=np.array([0.5, -1.0, 2.0]), slope=0.3)
    mu = np.exp([0.5, -1.0, 2.0] + 0.3 * Z)
    assert shifted.value(Z, counts, sw) == pytest.approx(
        mlp_poisson_loss(counts, mu, sample_weight=sw) / Z.shape[1], rel=1e-12
    )
    # targets divided by s: the offset moves by -log(s), the loss is divided by s
    assert shifted.scaled(4.0).value(Z, counts / 4, sw) == pytest.approx(
        shifted.value(Z, counts, sw) / 4, rel=1e-12
    )


def test_poisson_at_a_perfect_fit_is_zero_and_its_delta_is_mu_minus_y():
    y = np.array([[0.0], [1.0], [4.0], [250.0]])
    z = np.log(np.maximum(y, 1e-300))
    value, delta = Poisson().gradient(z, y)
    assert value == pytest.approx(0.0, abs=1e-12)
    z2 = np.array([[0.0], [1.0], [2.0], [3.0]])
    _, delta = Poisson().gradient(z2.copy(), y)
    np.testing.assert_allclose(delta, (np.exp(z2) - y) / 4, rtol=1e-14)


def keras_categorical_smoothed(onehot, logits, label_smoothing):
    """keras.losses.categorical_crossentropy(from_logits=True, label_smoothing)."""
    num_classes = onehot.shape[-1]
    y = onehot * (1.0 - label_smoothing) + label_smoothing / num_classes
    return -np.sum(y * log_softmax(logits, axis=-1), axis=-1)


def torch_cross_entropy_smoothed(onehot, logits, label_smoothing):
    """torch.nn.CrossEntropyLoss(label_smoothing): (1 - e) * CE + e * mean_k(-log p_k)."""
    log_p = log_softmax(logits, axis=-1)
    ce = -np.sum(onehot * log_p, axis=-1)
    return (1 - label_smoothing) * ce + label_smoothing * -log_p.mean(axis=-1)


def keras_binary_smoothed(y_true, logits, label_smoothing):
    """keras.losses.binary_crossentropy(from_logits=True, label_smoothing)."""
    y = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    p = expit(logits)
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=-1)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_label_smoothing_is_keras(smoothing, weighted):
    sw = SW if weighted else None
    onehot = np.eye(3)[RNG.randint(0, 3, 7)]
    keras = keras_categorical_smoothed(onehot, Z, smoothing)
    np.testing.assert_allclose(
        keras, torch_cross_entropy_smoothed(onehot, Z, smoothing), rtol=1e-12
    )
    loss = SoftmaxCrossEntropy(label_smoothing=smoothing)
    assert loss.value(Z, onehot, sw) == pytest.approx(
        np.average(keras, weights=sw), rel=1e-12
    )
    labels = RNG.randint(0, 2, size=(7, 3)).astype(float)
    loss = SigmoidCrossEntropy(label_smoothing=smoothing)
    assert loss.value(Z, labels, sw) == pytest.approx(
        np.average(keras_binary_smoothed(labels, Z, smoothing), weights=sw), rel=1e-12
    )


def test_label_smoothing_delta_points_to_the_smoothed_targets():
    z = np.array([[2.0, 0.0, -1.0]])
    _, delta = SoftmaxCrossEntropy(label_smoothing=0.3).gradient(
        z.copy(), np.array([[1.0, 0.0, 0.0]])
    )
    p = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(delta, p - [[0.8, 0.1, 0.1]], rtol=1e-14)
    # one sigmoid output smooths as a two-class softmax: towards 1/2
    _, delta = SigmoidCrossEntropy(label_smoothing=0.3).gradient(
        np.array([[0.0]]), np.array([[1.0]])
    )
    np.testing.assert_allclose(delta, [[0.5 - 0.85]], rtol=1e-14)


def test_float32_losses_stay_float32():
    z, y = Z.astype(np.float32), np.abs(Y).astype(np.float32)
    for name in LOSSES.names():
        _, delta = get_loss(name).gradient(z.copy(), y)
        assert delta.dtype == np.float32, name


def test_registry_and_lookup():
    assert regression_losses() == [
        "absolute_error",
        "huber",
        "poisson",
        "squared_error",
    ]
    # names in any case; parameters the loss does not take are left out
    assert repr(get_loss("Huber", label_smoothing=0.1)) == "Huber()"
    assert repr(get_loss("huber", delta=3.0)) == "Huber(delta=3.0)"
    assert Huber(delta=3.0).scaled(2.0).delta == 1.5


# -- the regressor, loss by loss ------------------------------------------------------
def _data(loss, scale=1.0, n=300, seed=0):
    X, y = make_regression(n, 4, noise=10, random_state=seed)
    if loss == "poisson":
        rng = np.random.RandomState(seed)
        y = rng.poisson(np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] + 1.5)).astype(float)
    return X, y * scale


def _fit(loss, X, y, **params):
    # the old defaults (no input layers, the optimizer's own constant rate): the
    # losses' tests were written for them, and Poisson's invariance to the units
    # of y holds to 1e-6 only in a calm training
    defaults = dict(hidden_layer_sizes=(16,), max_iter=15, random_state=0)
    if loss != "huber":
        params.pop("huber_delta", None)
    return plain_regressor(loss=loss, dtype="float64", **{**defaults, **params}).fit(
        X, y
    )


def _user_unit_loss(loss, y, pred, huber_delta=1.0):
    if loss == "squared_error":
        return np.mean((y - pred) ** 2)
    if loss == "absolute_error":
        return mean_absolute_error(y, pred)
    if loss == "huber":
        return keras_huber(y[:, None], pred[:, None], huber_delta).mean()
    return mean_poisson_deviance(y, pred) / 2


@pytest.mark.parametrize("loss", regression_losses())
def test_reported_loss_is_in_the_targets_units(loss):
    # One full batch and a negligible step: the epoch's reported loss is the loss
    # of the model that predicts, computed in the targets' units.
    X, y = _data(loss, scale=1 if loss == "poisson" else 50)
    reg = _fit(
        loss, X, y, huber_delta=20.0, batch_size=len(X), max_iter=1,
        early_stopping=False, optimizer=SGD(learning_rate=1e-12),
    )  # fmt: skip
    expected = _user_unit_loss(loss, y, reg.predict(X), huber_delta=20.0)
    assert reg.loss_curve_[0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("loss", regression_losses())
def test_training_is_the_same_in_any_units(loss):
    # normalize_y: targets (and huber_delta) times 1000 give the same model, and
    # predictions, their Monte Carlo spread and losses times 1000 (or 1000**2)
    X, y = _data(loss)
    a = _fit(loss, X, y, huber_delta=5.0, dropout=0.1)
    b = _fit(loss, X, 1000 * y, huber_delta=5000.0, dropout=0.1)
    np.testing.assert_allclose(b.predict(X), 1000 * a.predict(X), rtol=1e-6)
    mean_a, std_a = a.predict(X[:20], return_std=True, mc_samples=20)
    mean_b, std_b = b.predict(X[:20], return_std=True, mc_samples=20)
    np.testing.assert_allclose(mean_b, 1000 * mean_a, rtol=1e-6)
    np.testing.assert_allclose(std_b, 1000 * std_a, rtol=1e-6)
    unit = 1000.0**a.loss_function_.unit_power
    np.testing.assert_allclose(b.loss_curve_, unit * np.array(a.loss_curve_), 1e-6)
    assert b.score(X, 1000 * y) == pytest.approx(a.score(X, y), rel=1e-6)


@pytest.mark.parametrize("loss", regression_losses())
@pytest.mark.parametrize("normalize_y", [True, False])
def test_predictions_and_scores_per_loss(loss, normalize_y):
    X, y = _data(loss)
    reg = _fit(loss, X, y, normalize_y=normalize_y, max_iter=60, batch_size=32)
    pred = reg.predict(X)
    assert pred.shape == y.shape and np.isfinite(pred).all()
    assert reg.score(X, y) == pytest.approx(r2_score(y, pred))
    Z = reg._forward(X)
    if loss == "poisson":  # targets as given, the output normalised in log space
        assert reg._y_scale is None and (pred > 0).all()
        c, s = (reg._output_params.get(k, d) for k, d in (("offset", 0), ("slope", 1)))
        expected = np.exp(c + s * Z)
    else:
        scale = reg._y_scale if normalize_y else 1.0
        shift = reg._y_mean if normalize_y else 0.0
        expected = Z * scale + shift
    np.testing.assert_allclose(pred, expected.ravel(), rtol=1e-12)
    if normalize_y:  # R^2 of y itself, and of the link's outputs on validation
        assert reg.score(X, y) > (0.45 if loss == "poisson" else 0.9)
        assert reg.best_validation_score_ > (0.4 if loss == "poisson" else 0.9)


def test_poisson_monte_carlo_averages_the_predictions_not_the_log():
    X, y = _data("poisson")
    reg = _fit("poisson", X, y, dropout=0.3)
    mean, std = reg.predict(X[:30], return_std=True, mc_samples=50)
    mean_z = reg._mc_outputs(X[:30], 50, lambda z: z)[0].ravel()
    exp_of_mean = reg.loss_function_.link(mean_z)
    # Jensen: the mean of exp exceeds exp of the mean
    assert (mean >= exp_of_mean * (1 - 1e-12)).all() and (mean > exp_of_mean).any()
    assert (std > 0).all()


def test_poisson_normalize_y_sets_the_log_links_offset_and_slope():
    X, y = _data("poisson")
    reg = _fit("poisson", X, y, max_iter=1)
    params = reg._output_params
    np.testing.assert_allclose(params["offset"], [np.log(y.mean())], rtol=1e-12)
    assert params["slope"] == pytest.approx(y.std() / y.mean(), rel=1e-12)
    assert reg.loss_function_.slope == params["slope"] < 1
    # weighted: the weighted mean; a weight of 2 is a repeated sample
    sw = np.r_[np.full(150, 2.0), np.ones(150)]
    weighted = clone(reg).fit(X, y, sample_weight=sw)
    repeated = clone(reg).fit(np.r_[X[:150], X], np.r_[y[:150], y])
    for key in ("offset", "slope"):
        np.testing.assert_allclose(
            weighted._output_params[key], repeated._output_params[key], rtol=1e-12
        )
    # very spread counts: the slope stays at 1; without normalize_y, plain exp(z)
    assert _fit("poisson", X, y**3, max_iter=1)._output_params["slope"] == 1.0
    raw = _fit("poisson", X, y, max_iter=1, normalize_y=False)
    assert raw._output_params == {} and repr(raw.loss_function_) == "Poisson()"


def test_poisson_learns_large_counts_with_a_small_relative_spread():
    # counts around 1000 varying by about 10%: log(mu) varies by about 0.1, and
    # the normalised link lets outputs of unit scale express that
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1500, 5))
    lam = 1000 * np.exp(0.1 * X[:, 0] - 0.05 * X[:, 1])
    y = rng.poisson(lam).astype(float)
    params = dict(hidden_layer_sizes=(16,), batch_size=32, max_iter=60)
    reg = _fit("poisson", X[:1000], y[:1000], **params)
    assert reg.score(X[1000:], y[1000:]) > 0.9 * r2_score(y[1000:], lam[1000:])


def test_huber_and_absolute_error_resist_outliers():
    X, y = make_regression(400, 5, noise=5, random_state=1)
    X_test, y_test = X[300:], y[300:]
    X, y = X[:300], y[:300].copy()
    y[::10] += 2000  # 10% gross outliers in training
    scores = {
        loss: _fit(
            loss, X, y, huber_delta=10.0, hidden_layer_sizes=(), max_iter=100,
            batch_size=32,
        ).score(X_test, y_test)
        for loss in ("squared_error", "absolute_error", "huber")
    }  # fmt: skip
    assert scores["huber"] > 0.95 and scores["absolute_error"] > 0.95
    assert scores["squared_error"] < 0.5


# -- label smoothing in the classifier -------------------------------------------------
def test_label_smoothing_tempers_the_probabilities():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(32,), max_iter=200, batch_size=32, random_state=0)
    # the old defaults: no smoothing, dropout or schedule besides the one tested
    plain = plain_classifier(**params).fit(X, y)
    smooth = plain_classifier(label_smoothing=0.2, **params).fit(X, y)
    assert smooth.loss_function_.label_smoothing == 0.2
    assert smooth.score(X, y) > 0.95
    # the optimum of the smoothed loss predicts the smoothed targets: 1 - 0.2 + 0.2/3
    confidence = np.median(smooth.predict_proba(X).max(axis=1))
    assert confidence == pytest.approx(0.8 + 0.2 / 3, abs=0.03)
    assert np.median(plain.predict_proba(X).max(axis=1)) > 0.95


def test_label_smoothing_binary_and_multilabel():
    X, y = load_iris(return_X_y=True)
    binary = DNNClassifier(label_smoothing=0.5, max_iter=3, random_state=0)
    binary.fit(X, y == 2)
    assert repr(binary.loss_function_) == repr(SigmoidCrossEntropy(label_smoothing=0.5))
    multilabel = clone(binary).fit(X, np.c_[y == 0, y == 2])
    assert multilabel.predict(X).shape == (len(X), 2)


def test_label_smoothing_0_1_is_the_default_fit():
    X, y = load_iris(return_X_y=True)
    a = DNNClassifier(max_iter=3, random_state=0).fit(X, y)
    b = DNNClassifier(max_iter=3, random_state=0, label_smoothing=0.1).fit(X, y)
    assert a.loss_function_.label_smoothing == 0.1
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # and the default matters: no smoothing (the old default) is another fit
    c = DNNClassifier(max_iter=3, random_state=0, label_smoothing=0.0).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


# -- bad input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, match",
    [
        ({"loss": "hubber"}, "Did you mean 'huber'"),
        ({"loss": "log_loss"}, "'loss' parameter of DNNRegressor"),
        ({"huber_delta": 0.0}, "'huber_delta' parameter"),
        ({"huber_delta": -1.0}, "'huber_delta' parameter"),
    ],
)
def test_bad_regressor_loss_parameters(params, match):
    X, y = _data("squared_error", n=20)
    with pytest.raises(InvalidParameterError, match=match):
        DNNRegressor(**params).fit(X, y)


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.1"])
def test_bad_label_smoothing(value):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(InvalidParameterError, match="'label_smoothing' parameter"):
        DNNClassifier(label_smoothing=value).fit(X, y)


def test_poisson_needs_non_negative_targets():
    X, y = _data("poisson", n=50)
    y[3] = -2.0
    with pytest.raises(ValueError, match="non-negative targets.*1 negative value"):
        DNNRegressor(loss="poisson").fit(X, y)
    with pytest.raises(ValueError, match="some positive targets"):
        DNNRegressor(loss="poisson").fit(X, np.zeros(50))


def test_poisson_partial_fit_chunks():
    X, y = _data("poisson", n=60)
    reg = DNNRegressor(loss="poisson", hidden_layer_sizes=(8,), random_state=0)
    reg.partial_fit(X[:30], y[:30])
    reg.partial_fit(X[30:], np.zeros(30))  # a later chunk of zero counts is fine
    with pytest.raises(ValueError, match="non-negative"):
        reg.partial_fit(X[30:], -y[30:])


def test_warm_start_may_change_the_loss_but_not_the_link():
    X, y = _data("squared_error", n=60)
    reg = _fit("squared_error", X, y, warm_start=True, max_iter=2)
    reg.set_params(loss="huber", huber_delta=3.0)
    reg.fit(X, y)
    assert reg.loss_function_.delta == pytest.approx(3.0 / reg._y_scale)
    reg.set_params(loss="poisson")
    with pytest.raises(ValueError, match="different output links"):
        reg.fit(X, np.abs(y))
