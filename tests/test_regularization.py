"""l1/l2 penalties and the max-norm constraint."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning

from skdnn import DNNClassifier
from skdnn._training import Trainer, TrainingPlan, TrainingState
from skdnn.nn.activations import get_activation
from skdnn.nn.layers import Dense
from skdnn.nn.losses import SoftmaxCrossEntropy
from skdnn.nn.network import Sequential
from skdnn.nn.normalization import BatchNormalization
from skdnn.nn.optimizers import SGD
from skdnn.nn.regularizers import L1, L2, REGULARIZERS, MaxNorm, make_regularizers

from ._gradcheck import away_from_zero, numerical_gradient


def _net(rng, dtype=np.float64):
    layers = [
        Dense(4, kernel_initializer="glorot_normal", use_bias=False),
        BatchNormalization(),
        get_activation("prelu"),
        Dense(3, kernel_initializer="glorot_normal"),
    ]
    return Sequential(layers).build(5, rng, dtype=dtype)


def _penalty(regularizers, kernels):
    return sum(r.penalty(kernels) for r in regularizers)


def test_penalty_value_is_keras():
    W1 = np.array([[1.0, -2.0], [0.5, 0.0]])
    W2 = np.array([[-3.0], [1.0]])
    pairs = [(W1, np.zeros_like(W1)), (W2, np.zeros_like(W2))]
    value = _penalty([L1(0.1), L2(0.01)], pairs)
    assert value == pytest.approx(0.1 * 7.5 + 0.01 * 15.25)
    np.testing.assert_allclose(pairs[0][1], 0.1 * np.sign(W1) + 0.02 * W1)
    np.testing.assert_allclose(pairs[1][1], 0.1 * np.sign(W2) + 0.02 * W2)
    assert _penalty([L1(0.0), L2(0.0), MaxNorm(1.0)], pairs) == 0


def test_registry_names_are_the_estimator_parameters():
    assert REGULARIZERS.names() == ["l1", "l2", "max_norm"]
    assert set(REGULARIZERS.names()) <= set(DNNClassifier().get_params())
    made = make_regularizers(l1=0.1, l2=0.0, max_norm=None)
    assert [type(r) for r in made] == [L1]
    assert [type(r) for r in make_regularizers(l1=1, l2=1, max_norm=1)] == [
        L1,
        L2,
        MaxNorm,
    ]


@pytest.mark.parametrize("l1, l2", [(0.1, 0.0), (0.0, 0.3), (0.05, 0.2)])
def test_penalty_gradient_only_on_kernels(l1, l2):
    rng = np.random.RandomState(0)
    net = _net(rng)
    # |W| has a kink at 0: keep the kernel entries away from it
    for W, _ in net.kernels:
        W[...] = away_from_zero(rng, W.shape)
    regs = [L1(l1), L2(l2)]
    net.grad[...] = 0
    _penalty(regs, net.kernels)
    numeric = numerical_gradient(
        lambda: _penalty(regs, [(W, W * 0) for W, _ in net.kernels]), net.theta
    )
    np.testing.assert_allclose(net.grad, numeric, rtol=1e-6, atol=1e-9)
    # biases, gamma/beta and PReLU slopes get nothing
    analytic = net.grad.copy()
    net.grad[...] = 0
    for _, G in net.kernels:
        G[...] = 1
    kernel_mask = net.grad == 1
    assert 0 < kernel_mask.sum() < net.theta.size
    assert np.all(analytic[~kernel_mask] == 0)
    assert np.all(analytic[kernel_mask] != 0)


def test_trainer_adds_penalty_to_loss_and_gradients():
    """One SGD step with l2 equals one step on the data loss plus 2*l2*W."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((8, 5))
    Y = np.eye(3)[rng.randint(0, 3, 8)]
    loss = SoftmaxCrossEntropy()
    results = {}
    for l2 in (0.0, 0.5):
        net = _net(np.random.RandomState(1))
        state = TrainingState(
            net, SGD(learning_rate=0.1).build(net.theta.size, net.dtype)
        )
        plan = TrainingPlan(
            loss=loss,
            batch_size=8,
            max_epochs=1,
            shuffle=False,
            regularizers=tuple(make_regularizers(l2=l2)),
        )
        trainer = Trainer(state, plan, np.random.RandomState(2))
        theta0 = net.theta.copy()
        kernels0 = [W.copy() for W, _ in net.kernels]
        results[l2] = (trainer.train_epoch(X, Y, None, 1), theta0, kernels0, net)
    plain, reg = results[0.0], results[0.5]
    penalty = 0.5 * sum(float(np.sum(W * W)) for W in reg[2])
    assert reg[0] == pytest.approx(plain[0] + penalty)
    for (W_plain, _), (W_reg, _), W0 in zip(plain[3].kernels, reg[3].kernels, reg[2]):
        np.testing.assert_allclose(W_reg, W_plain - 0.1 * 2 * 0.5 * W0, rtol=1e-10)


def test_l1_l2_shrink_kernels_in_fit():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    norms = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, params in {
            "none": {},
            "l2": {"l2": 1e-3},
            "l1": {"l1": 1e-3},
        }.items():
            clf = DNNClassifier(
                (32,), learning_rate=0.01, max_iter=20, random_state=0, **params
            ).fit(X, y)
            W = clf.coefs_[0]
            norms[name] = (float(np.sum(W * W)), float(np.mean(np.abs(W) < 1e-3)))
            assert clf.score(X, y) > 0.95
    assert norms["l2"][0] < 0.5 * norms["none"][0]
    assert norms["l1"][1] > 2 * norms["none"][1]  # l1 drives many weights to ~0


def test_max_norm_formula():
    rng = np.random.RandomState(0)
    W = rng.standard_normal((6, 4)).astype(np.float32)
    W[:, 0] *= 0.01  # a column well below the limit
    W0 = W.copy()
    MaxNorm(1.5).constrain([(W, None)])
    norms = np.linalg.norm(W0, axis=0)
    expected = W0 * np.minimum(norms, 1.5) / (norms + 1e-7)
    np.testing.assert_allclose(W, expected, rtol=1e-6)
    assert W.dtype == np.float32
    assert np.all(np.linalg.norm(W, axis=0) <= 1.5 + 1e-6)
    # applying it again changes nothing but the formula's 1e-7 shrink
    W1 = W.copy()
    MaxNorm(1.5).constrain([(W, None)])
    n1 = np.linalg.norm(W1, axis=0)
    np.testing.assert_allclose(W, W1 * n1 / (n1 + 1e-7), rtol=1e-6)


def test_max_norm_holds_after_fit():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        free = DNNClassifier((64, 64), learning_rate=0.01, max_iter=10, random_state=0)
        free.fit(X, y)
        clf = DNNClassifier(
            (64, 64), max_norm=0.8, learning_rate=0.01, max_iter=10, random_state=0
        ).fit(X, y)
    assert max(np.linalg.norm(W, axis=0).max() for W in free.coefs_) > 0.8
    for W in clf.coefs_:
        assert np.linalg.norm(W, axis=0).max() <= 0.8 * (1 + 1e-6)
    assert clf.score(X, y) > 0.95
