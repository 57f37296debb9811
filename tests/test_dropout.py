"""Dropout, alpha dropout and Monte Carlo dropout."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning

from skdnn import DNNClassifier, DNNRegressor, _predict
from skdnn.nn.activations import get_activation
from skdnn.nn.dropout import AlphaDropout, Dropout
from skdnn.nn.network import Sequential

from ._gradcheck import numerical_gradient
from .conftest import plain_classifier, plain_regressor

_SELU_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


@pytest.mark.parametrize("cls", [Dropout, AlphaDropout])
def test_dropout_gradient_with_fixed_rng(cls):
    rng = np.random.RandomState(0)
    layer = cls(0.4)
    net = Sequential([layer]).build(5, rng, dtype=np.float64)
    X = rng.standard_normal((6, 5))
    G = rng.standard_normal((6, 5))

    def objective():
        Y = net.forward(X, training=True, rng=np.random.RandomState(1))
        return float(np.sum(G * Y))

    net.forward(X, training=True, rng=np.random.RandomState(1))
    dX = layer.backward(G.copy())
    np.testing.assert_allclose(dX, numerical_gradient(objective, X), rtol=1e-6)
    assert np.any(dX == 0) and np.any(dX != 0)  # some dropped, some kept
    assert not layer.deterministic


def test_dropout_training_and_inference():
    rng = np.random.RandomState(0)
    X = rng.uniform(0.5, 1.5, size=(2000, 50)).astype(np.float32)
    layer = Dropout(0.3)
    Y = layer.forward(X, training=True, rng=rng)
    assert Y.dtype == np.float32
    dropped = Y == 0
    assert dropped.mean() == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(Y[~dropped], X[~dropped] / 0.7, rtol=1e-6)
    # inverted dropout keeps the expected activation
    assert Y.mean() == pytest.approx(X.mean(), rel=0.01)
    assert layer.forward(X, training=False) is X


def test_alpha_dropout_formula():
    rng = np.random.RandomState(0)
    p = 0.2
    X = rng.standard_normal((50, 4))
    Y = AlphaDropout(p).forward(X, training=True, rng=np.random.RandomState(3))
    keep = np.random.RandomState(3).random_sample(X.shape) >= p
    a = ((1 - p) * (1 + p * _SELU_ALPHA_P**2)) ** -0.5
    b = -a * _SELU_ALPHA_P * p
    expected = a * (X * keep + _SELU_ALPHA_P * (1 - keep)) + b
    np.testing.assert_allclose(Y, expected, rtol=1e-12)


def test_alpha_dropout_keeps_selu_normalisation():
    rng = np.random.RandomState(0)
    # SELU maps N(0, 1) to mean 0, variance 1 (its fixed point)
    X = get_activation("selu").forward(
        rng.standard_normal((4000, 100)).astype(np.float32)
    )
    assert abs(X.mean()) < 0.01 and abs(X.std() - 1) < 0.01
    for p in (0.1, 0.3, 0.5):
        Y = AlphaDropout(p).forward(X, training=True, rng=rng)
        assert Y.dtype == np.float32
        assert abs(Y.mean()) < 0.01, p
        assert abs(Y.std() - 1) < 0.01, p
        # standard dropout does not: it inflates the variance
        assert Dropout(p).forward(X, training=True, rng=rng).std() > 1.05


def test_dropout_needs_rng_and_never_uses_global_state():
    X = np.ones((10, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="rng"):
        Dropout(0.5).forward(X, training=True)
    # the test is about NumPy's global random state, so it must touch it
    np.random.seed(0)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    Dropout(0.5).forward(X, training=True, rng=np.random.RandomState(0))
    AlphaDropout(0.5).forward(X, training=True, rng=np.random.RandomState(0))
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)


def test_dropout_type_selects_layer():
    X, y = load_breast_cancer(return_X_y=True)
    kinds = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for activation, dropout_type in [
            ("selu", "auto"),
            ("elu", "auto"),
            ("relu", "alpha"),
            ("selu", "standard"),
        ]:
            clf = DNNClassifier(
                (8,),
                activation=activation,
                dropout=0.2,
                input_dropout=0.1,
                dropout_type=dropout_type,
                max_iter=1,
                random_state=0,
            ).fit(X[:50], y[:50])
            kinds[activation, dropout_type] = [
                type(layer).__name__
                for layer in clf.network_.layers
                if "Dropout" in type(layer).__name__
            ]
    assert kinds["selu", "auto"] == ["AlphaDropout"] * 2
    assert kinds["elu", "auto"] == ["Dropout"] * 2
    assert kinds["relu", "alpha"] == ["AlphaDropout"] * 2
    assert kinds["selu", "standard"] == ["Dropout"] * 2


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def test_mc_dropout_classifier_reproducible_and_averaged():
    X, y = load_breast_cancer(return_X_y=True)
    clf = _fit(
        DNNClassifier(
            (32, 32),
            input_batch_norm=True,
            batch_norm="after",
            dropout=0.3,
            max_iter=10,
            random_state=0,
        ),
        X,
        y,
    )
    P1 = clf.predict_proba(X, mc_samples=20)
    P2 = clf.predict_proba(X, mc_samples=20)
    np.testing.assert_array_equal(P1, P2)
    np.testing.assert_allclose(P1.sum(axis=1), 1)
    P = clf.predict_proba(X)
    assert not np.allclose(P1, P)  # the passes are random ...
    assert np.mean(P1.argmax(1) == P.argmax(1)) > 0.95  # ... around the same model
    # a clone fitted the same way gives the same MC predictions
    clf2 = _fit(clf.__class__(**clf.get_params()), X, y)
    np.testing.assert_array_equal(clf2.predict_proba(X, mc_samples=20), P1)


def test_mc_dropout_regressor_mean_and_std():
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    reg = _fit(
        DNNRegressor(
            (32,), dropout=0.2, learning_rate=0.01, max_iter=20, random_state=0
        ),
        X,
        y,
    )
    mean, std = reg.predict(X, return_std=True, mc_samples=30)
    assert mean.shape == std.shape == (X.shape[0],)
    assert np.all(std > 0)
    mean2, std2 = reg.predict(X, return_std=True, mc_samples=30)
    np.testing.assert_array_equal(mean, mean2)
    np.testing.assert_array_equal(std, std2)
    np.testing.assert_array_equal(reg.predict(X, mc_samples=30), mean)
    # default: 100 passes with return_std and no mc_samples
    m100, s100 = reg.predict(X, return_std=True)
    np.testing.assert_array_equal(m100, reg.predict(X, mc_samples=100))
    assert np.corrcoef(m100, reg.predict(X))[0, 1] > 0.95
    # 2-D targets keep their shape
    reg2 = _fit(
        DNNRegressor((8,), dropout=0.2, max_iter=2, random_state=0),
        X,
        np.c_[y, y],
    )
    m, s = reg2.predict(X, return_std=True, mc_samples=3)
    assert m.shape == s.shape == (X.shape[0], 2)


def test_mc_samples_match_manual_passes():
    """MC mean and std equal those of passes run by hand with the rows' masks."""
    X, y = load_diabetes(return_X_y=True)
    # the old defaults: no input layers, so the network is Dense, ReLU, Dropout,
    # Dense (none folded for the Monte Carlo passes, same layer indices)
    reg = _fit(
        plain_regressor(
            hidden_layer_sizes=(16,), dropout=0.3, max_iter=2, random_state=0
        ),
        X,
        y,
    )
    mean, std = reg.predict(X, return_std=True, mc_samples=5)
    X32 = X.astype(np.float32)
    keys = _predict.row_keys(X32, reg._mc_seed)
    passes = []
    for k in range(5):
        A = X32
        for i, layer in enumerate(reg.network_.layers):
            if isinstance(layer, Dropout):
                u = _predict.row_uniforms(keys, k * len(reg.network_.layers) + i, 16)
                A = A * (u >= 0.3).astype(np.float32) / np.float32(0.7)
            else:
                A = layer.forward(A, training=False)
        passes.append(A.ravel() * reg._y_scale + reg._y_mean[0])
    passes = np.stack(passes)
    np.testing.assert_allclose(mean, passes.mean(0), rtol=1e-5)
    np.testing.assert_allclose(std, passes.std(0), rtol=1e-4, atol=1e-4)


def test_mc_masks_keep_units_with_probability_one_minus_rate():
    rng = np.random.RandomState(0)
    keys = _predict.row_keys(rng.standard_normal((2000, 5)).astype(np.float32), 7)
    u = _predict.row_uniforms(keys, 3, 50)
    assert u.min() >= 0 and u.max() < 1
    assert abs(np.mean(u >= 0.3) - 0.7) < 0.01
    # independent across columns, streams and rows
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.05
    assert (
        abs(np.corrcoef(u[:, 0], _predict.row_uniforms(keys, 4, 1)[:, 0])[0, 1]) < 0.05
    )
    assert len(np.unique(keys)) == 2000


def test_mc_dropout_errors():
    X, y = load_breast_cancer(return_X_y=True)
    # without dropout (the old default; the classifier's default is now 0.2), on
    # standardised inputs (the raw ones would only add warnings about their scale)
    clf = _fit(
        plain_classifier(
            hidden_layer_sizes=(4,),
            input_scaling="standard",
            max_iter=1,
            random_state=0,
        ),
        X[:50],
        y[:50],
    )
    with pytest.raises(ValueError, match="dropout=0.2"):
        clf.predict_proba(X, mc_samples=10)
    reg = _fit(DNNRegressor((4,), max_iter=1, random_state=0), X[:50], y[:50])
    with pytest.raises(ValueError, match="Monte Carlo dropout needs"):
        reg.predict(X, return_std=True)
    with pytest.raises(ValueError, match="Monte Carlo dropout needs"):
        reg.predict(X, mc_samples=5)
    clf = _fit(
        DNNClassifier((4,), dropout=0.2, max_iter=1, random_state=0), X[:50], y[:50]
    )
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="mc_samples"):
            clf.predict_proba(X, mc_samples=bad)
