"""Batch normalization: gradients, moving statistics, folding, early stopping;
self-normalisation of SELU networks."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier
from skdnn._hooks import EarlyStopping, History
from skdnn._training import TrainingPlan, TrainingState, train
from skdnn.nn.activations import get_activation
from skdnn.nn.dropout import Dropout
from skdnn.nn.folding import fold_batch_norm
from skdnn.nn.layers import Dense
from skdnn.nn.losses import SoftmaxCrossEntropy
from skdnn.nn.network import Sequential
from skdnn.nn.normalization import BatchNormalization
from skdnn.nn.optimizers import Adam

from ._gradcheck import numerical_gradient
from .conftest import plain_classifier, plain_regressor


def _randomise_bn(net, rng):
    """Non-trivial gamma, beta and moving statistics in every BN layer."""
    for layer in net.layers:
        if isinstance(layer, BatchNormalization):
            n = layer.params["gamma"].size
            layer.params["gamma"][...] = rng.uniform(0.5, 2.0, n)
            layer.params["beta"][...] = rng.standard_normal(n)
            layer.state["moving_mean"][...] = rng.standard_normal(n)
            layer.state["moving_variance"][...] = rng.uniform(0.2, 3.0, n)


def test_batch_norm_gradient_training_mode():
    rng = np.random.RandomState(0)
    layer = BatchNormalization()
    net = Sequential([layer]).build(4, rng, dtype=np.float64)
    _randomise_bn(net, rng)
    X = rng.standard_normal((6, 4)) * 3 + 1
    G = rng.standard_normal((6, 4))

    def objective():
        return float(np.sum(G * net.forward(X, training=True)))

    net.forward(X, training=True)
    dX = layer.backward(G.copy(), need_dX=True)
    analytic = net.grad.copy()
    np.testing.assert_allclose(
        dX, numerical_gradient(objective, X), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        analytic, numerical_gradient(objective, net.theta), rtol=1e-5, atol=1e-7
    )
    assert layer.backward(G, need_dX=False) is None


def test_dense_batch_norm_stack_gradient():
    """Dense(no bias) -> BN -> ELU -> BN -> Dense, through the loss."""
    rng = np.random.RandomState(1)
    layers = [
        Dense(5, kernel_initializer="glorot_normal", use_bias=False),
        BatchNormalization(),
        get_activation("elu"),
        BatchNormalization(),
        Dense(3, kernel_initializer="glorot_normal"),
    ]
    net = Sequential(layers).build(4, rng, dtype=np.float64)
    _randomise_bn(net, rng)
    X = rng.standard_normal((8, 4))
    Y = np.eye(3)[rng.randint(0, 3, 8)]
    loss = SoftmaxCrossEntropy()

    def objective():
        return loss.value(net.forward(X, training=True), Y)

    net.backward(loss.gradient(net.forward(X, training=True), Y)[1])
    analytic = net.grad.copy()
    np.testing.assert_allclose(
        analytic, numerical_gradient(objective, net.theta), rtol=1e-5, atol=1e-8
    )


def test_batch_norm_training_output_and_moving_statistics():
    rng = np.random.RandomState(0)
    layer = BatchNormalization(momentum=0.9, epsilon=1e-3)
    net = Sequential([layer]).build(3, rng, dtype=np.float32)
    X = (rng.standard_normal((50, 3)) * [1, 2, 3] + [0, 5, -5]).astype(np.float32)
    Y = net.forward(X, training=True)
    assert Y.dtype == np.float32
    np.testing.assert_allclose(Y.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(Y.var(0), X.var(0) / (X.var(0) + 1e-3), rtol=1e-4)
    # m <- 0.9 m + 0.1 mu_B from m = 0, v = 1; the variance is the biased one
    np.testing.assert_allclose(layer.state["moving_mean"], 0.1 * X.mean(0), rtol=1e-5)
    np.testing.assert_allclose(
        layer.state["moving_variance"], 0.9 + 0.1 * X.var(0), rtol=1e-5
    )
    assert layer.state["moving_mean"].dtype == np.float32
    assert not layer.deterministic


def test_batch_norm_inference_uses_moving_statistics():
    rng = np.random.RandomState(0)
    layer = BatchNormalization(epsilon=1e-3)
    net = Sequential([layer]).build(3, rng, dtype=np.float64)
    _randomise_bn(net, rng)
    before = {k: v.copy() for k, v in layer.state.items()}
    X = rng.standard_normal((5, 3))
    expected = (X - before["moving_mean"]) / np.sqrt(
        before["moving_variance"] + 1e-3
    ) * layer.params["gamma"] + layer.params["beta"]
    np.testing.assert_allclose(net.forward(X, training=False), expected, rtol=1e-12)
    # inference neither updates the statistics nor caches
    for k, v in layer.state.items():
        np.testing.assert_array_equal(v, before[k])
    assert not layer.cache


def _stack(kind, rng):
    """Networks with BN in every place the estimators put it."""
    act = get_activation("elu")
    if kind == "before":
        layers = [
            Dense(6, use_bias=False),
            BatchNormalization(),
            act,
            Dense(6, use_bias=False),
            BatchNormalization(),
            get_activation("prelu"),
            Dense(3),
        ]
    elif kind == "after":
        layers = [
            BatchNormalization(),
            Dense(6),
            act,
            BatchNormalization(),
            Dropout(0.3),
            Dense(6),
            get_activation("prelu"),
            BatchNormalization(),
            Dense(3),
        ]
    else:  # input BN in front of "before" blocks
        layers = [
            BatchNormalization(),
            Dropout(0.2),
            Dense(6, use_bias=False),
            BatchNormalization(),
            act,
            Dense(3),
        ]
    net = Sequential(layers).build(5, rng, dtype=np.float32)
    _randomise_bn(net, rng)
    return net


@pytest.mark.parametrize("kind", ["before", "after", "input"])
def test_folded_network_matches_unfolded(kind):
    rng = np.random.RandomState(0)
    net = _stack(kind, rng)
    for layer in net.layers:  # PReLU slopes differ from their init
        if "alpha" in layer.params:
            layer.params["alpha"][...] = rng.uniform(
                0.05, 0.5, layer.params["alpha"].size
            )
    theta = net.theta.copy()
    folded = fold_batch_norm(net, keep=lambda layer: not isinstance(layer, Dropout))
    assert not any(isinstance(layer, BatchNormalization) for layer in folded.layers)
    assert all(layer.use_bias for layer in folded.layers if isinstance(layer, Dense))
    X = (rng.standard_normal((40, 5)) * 2).astype(np.float32)
    expected = net.forward(X, training=False)
    got = folded.forward(X, training=False)
    assert got.dtype == np.float32
    np.testing.assert_allclose(
        got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max()
    )
    np.testing.assert_array_equal(net.theta, theta)  # the original is untouched


def test_fold_keeps_batch_norm_it_cannot_fold():
    """With dropout kept (MC passes), BN -> Dropout -> Dense cannot fold."""
    rng = np.random.RandomState(0)
    net = _stack("after", rng)
    folded = fold_batch_norm(net)
    kinds = [type(layer).__name__ for layer in folded.layers]
    assert kinds.count("BatchNormalization") == 1  # the one before Dropout
    assert kinds.count("Dropout") == 1
    X = rng.standard_normal((10, 5)).astype(np.float32)
    np.testing.assert_allclose(folded.forward(X), net.forward(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "params",
    [
        {"batch_norm": "before"},
        {"batch_norm": "after", "input_batch_norm": True, "dropout": 0.2},
        {"batch_norm": "before", "input_batch_norm": True, "input_dropout": 0.1},
    ],
)
def test_estimator_predictions_folded_and_unfolded_agree(params):
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # the old defaults: no input scaling layer below the first Dense one
        clf = plain_classifier(
            hidden_layer_sizes=(32, 32), max_iter=5, random_state=0, **params
        ).fit(X, y)
    net = clf.network_
    bn = [layer for layer in net.layers if isinstance(layer, BatchNormalization)]
    assert bn and all(np.any(layer.state["moving_mean"] != 0) for layer in bn)
    if params["batch_norm"] == "before":
        dense = [layer for layer in net.layers if isinstance(layer, Dense)]
        assert [layer.use_bias for layer in dense] == [False, False, True]
        assert len(clf.intercepts_) == 3 and not np.any(clf.intercepts_[0])
    assert len(clf._predict_network.layers) == 5  # Dense, act, Dense, act, Dense
    unfolded = clf.loss_function_.link(net.forward(X.astype(np.float32)))
    np.testing.assert_allclose(clf.predict_proba(X), unfolded, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[unfolded.argmax(1)])


def test_snapshot_restore_includes_moving_statistics():
    rng = np.random.RandomState(0)
    net = Sequential([Dense(4), BatchNormalization(), Dense(2)]).build(3, rng)
    saved = net.snapshot()
    X = rng.standard_normal((10, 3)).astype(np.float32)
    net.forward(X, training=True)
    bn = net.layers[1]
    assert np.any(bn.state["moving_mean"] != 0)
    net.restore(saved)
    np.testing.assert_array_equal(bn.state["moving_mean"], 0)
    np.testing.assert_array_equal(bn.state["moving_variance"], 1)


def test_early_stopping_restores_best_weights_and_moving_statistics():
    """After early stopping, the network's validation loss is the best one seen:
    the moving statistics were restored together with the weights."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[y]
    rng = np.random.RandomState(0)
    layers = [BatchNormalization()]
    for _ in range(2):
        layers += [
            Dense(64, use_bias=False),
            BatchNormalization(),
            get_activation("relu"),
        ]
    layers.append(Dense(2))
    net = Sequential(layers).build(X.shape[1], rng)
    loss = SoftmaxCrossEntropy()
    state = TrainingState(
        net, Adam(learning_rate=0.01).build(net.theta.size, net.dtype)
    )
    # a tiny training set overfits quickly: the best epoch is not the last one
    X_tr, Y_tr, X_val, Y_val = X[:60], Y[:60], X[300:], Y[300:]
    plan = TrainingPlan(
        loss=loss, batch_size=16, max_epochs=60, validation=(X_val, Y_val, None)
    )
    stopping = EarlyStopping(n_iter_no_change=5, tol=1e-4, validation=True)
    result = train(state, plan, X_tr, Y_tr, None, rng, hooks=[History(), stopping])
    val_loss = state.history["val_loss"]
    assert result.converged and int(np.argmin(val_loss)) < result.epochs - 1
    final = loss.value(net.forward(X_val, training=False), Y_val)
    assert final == pytest.approx(result.best_loss, rel=1e-6)
    assert final == pytest.approx(min(val_loss), rel=1e-6)


def test_estimator_early_stopping_with_batch_norm():
    X, y = load_breast_cancer(return_X_y=True)
    # a constant rate (the old default): 1cycle would run its whole budget
    reg = plain_regressor(
        hidden_layer_sizes=(32, 32),
        input_batch_norm=True,
        batch_norm="after",
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate=0.01,
        max_iter=100,
        random_state=0,
    ).fit(X, y.astype(float))
    assert reg.best_loss_ == pytest.approx(min(reg.history_["val_loss"]))
    assert reg.n_iter_ < 100


@pytest.mark.parametrize("loader", [load_breast_cancer, load_digits])
def test_selu_lecun_self_normalises_20_layers(loader):
    """Klambauer et al.: each layer's output keeps mean ~0 and std ~1."""
    X = StandardScaler().fit_transform(loader(return_X_y=True)[0]).astype(np.float32)
    layers = []
    for _ in range(20):
        layers += [
            Dense(100, kernel_initializer="lecun_normal"),
            get_activation("selu"),
        ]
    net = Sequential(layers).build(X.shape[1], np.random.RandomState(0))
    H = X
    means, stds = [], []
    for i, layer in enumerate(net.layers):
        H = layer.forward(H)
        if i % 2:
            means.append(H.mean())
            stds.append(H.std())
    assert np.max(np.abs(means)) < 0.15, means
    assert 0.8 < np.min(stds) and np.max(stds) < 1.2, stds
    # and the top layer is as well normalised as the first one
    assert abs(stds[-1] - 1) < 0.15


def test_batch_norm_attributes_reproduce_the_predictions(wine):
    """coefs_, intercepts_ and the bn_*_ attributes are all predict needs."""
    X, y = wine
    # the old defaults: ReLU, and no input scaling before the first kernel
    clf = plain_classifier(
        hidden_layer_sizes=(8, 6),
        batch_norm="before",
        dtype="float64",
        max_iter=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert len(clf.bn_gamma_) == len(clf.bn_moving_variance_) == 2
    assert all(np.all(b == 0) for b in clf.intercepts_[:-1])  # BN's beta instead
    eps = clf.batch_norm_epsilon
    A = X
    for k in range(2):
        Z = A @ clf.coefs_[k]
        scale = clf.bn_gamma_[k] / np.sqrt(clf.bn_moving_variance_[k] + eps)
        A = np.maximum((Z - clf.bn_moving_mean_[k]) * scale + clf.bn_beta_[k], 0)
    Z = A @ clf.coefs_[-1] + clf.intercepts_[-1]
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P / P.sum(axis=1, keepdims=True), clf.predict_proba(X))
    assert DNNClassifier(max_iter=1).fit(X, y).bn_gamma_ == []


def test_input_batch_norm_starts_at_the_datas_statistics_and_works_on_raw_features():
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_wine(return_X_y=True)
    raw = dict(input_scaling=None, numeric_embedding=None, input_batch_norm=True)
    model = DNNClassifier(**raw, max_iter=1).fit(X, y)
    bn = model.network_.layers[0]
    # one step of momentum 0.99 from the data's statistics (not from 0 and 1)
    np.testing.assert_allclose(bn.state["moving_mean"], X.mean(axis=0), rtol=0.05)
    # above the input layers (the default scaling and embeddings), it starts at
    # the statistics of their outputs
    start = DNNClassifier(
        input_batch_norm=True, max_iter=1, learning_rate=1e-12, random_state=0
    )
    with warnings.catch_warnings():
        # one epoch whose steps move nothing: the model is its initialization,
        # which may or may not beat the most frequent class
        warnings.simplefilter("ignore", ConvergenceWarning)
        network = start.fit(X, y).network_
    assert isinstance(network.layers[2], BatchNormalization)
    H = network.forward(X.astype(np.float32), stop=2)  # scaling, embeddings
    moving = network.layers[2].state["moving_mean"]
    np.testing.assert_allclose(moving, H.mean(axis=0), rtol=0.05, atol=0.05)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    raw = DNNClassifier(**raw, random_state=0)
    scaled = make_pipeline(
        StandardScaler(),
        DNNClassifier(input_scaling=None, numeric_embedding=None, random_state=0),
    )
    assert raw.fit(X_tr, y_tr).score(X_te, y_te) >= (
        scaled.fit(X_tr, y_tr).score(X_te, y_te) - 0.01
    )
