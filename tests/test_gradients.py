"""Every layer, activation and loss: backward pass against finite differences (float64)."""

import numpy as np
import pytest

from skdnn.nn.activations import ACTIVATIONS
from skdnn.nn.layers import Dense
from skdnn.nn.losses import LOSSES
from skdnn.nn.network import Sequential

from ._gradcheck import away_from_zero, numerical_gradient


def _check_layer(layer, n_in=5, n_samples=4, seed=0, rtol=1e-5, atol=1e-7):
    """Input and parameter gradients of ``sum(G * layer(X))`` against finite diffs."""
    rng = np.random.RandomState(seed)
    net = Sequential([layer]).build(n_in, rng, dtype=np.float64)
    if "alpha" in layer.params:  # PReLU: spread the slopes so each unit differs
        layer.params["alpha"][...] = rng.uniform(0.05, 0.5, size=n_in)
    X = away_from_zero(rng, (n_samples, n_in))
    G = rng.standard_normal((n_samples, net.n_out))

    def objective():
        # stochastic layers (RReLU) draw the same noise at every evaluation
        return float(
            np.sum(G * net.forward(X, training=True, rng=np.random.RandomState(1)))
        )

    net.forward(X, training=True, rng=np.random.RandomState(1))
    dX = layer.backward(G.copy(), need_dX=True)
    np.testing.assert_allclose(
        dX, numerical_gradient(objective, X), rtol=rtol, atol=atol
    )
    if net.theta.size:
        analytic = net.grad.copy()
        np.testing.assert_allclose(
            analytic, numerical_gradient(objective, net.theta), rtol=rtol, atol=atol
        )


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_activation_gradient(name):
    _check_layer(ACTIVATIONS.get(name)())


@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_gradient(use_bias):
    _check_layer(Dense(3, kernel_initializer="glorot_normal", use_bias=use_bias))


@pytest.mark.parametrize("name", LOSSES.names())
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_gradient(name, weighted):
    rng = np.random.RandomState(0)
    Z = rng.standard_normal((6, 3)) * 3
    if name == "softmax_cross_entropy":
        Y = np.eye(3)[rng.randint(0, 3, 6)]
    elif name == "sigmoid_cross_entropy":
        Y = rng.randint(0, 2, (6, 3)).astype(float)
    elif name == "poisson":  # counts, zeros among them
        Y = rng.poisson(2.0, (6, 3)).astype(float)
    else:
        Y = rng.standard_normal((6, 3))
    sw = rng.uniform(0, 2, 6) if weighted else None
    _check_loss(LOSSES.get(name)(), Z, Y, sw)


def _check_loss(loss, Z, Y, sw):
    value, delta = loss.gradient(Z.copy(), Y, sw)
    assert value == pytest.approx(loss.value(Z, Y, sw))
    numeric = numerical_gradient(lambda: loss.value(Z, Y, sw), Z)
    np.testing.assert_allclose(delta, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    "loss",
    [
        LOSSES.get("softmax_cross_entropy")(label_smoothing=0.2),
        LOSSES.get("sigmoid_cross_entropy")(label_smoothing=0.1),
        LOSSES.get("huber")(delta=0.3),  # most residuals in the linear part
        LOSSES.get("huber")(delta=5.0),  # most in the quadratic part
        LOSSES.get("huber")(delta=2.0).scaled(4.0),  # as under target scaling
        LOSSES.get("poisson")(offset=np.array([0.5, -1.0, 2.0]), slope=0.3),
    ],
    ids=repr,
)
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_gradient_with_hyperparameters(loss, weighted):
    rng = np.random.RandomState(1)
    Z = rng.standard_normal((8, 3)) * 3
    if loss.link_name == "softmax":
        Y = np.eye(3)[rng.randint(0, 3, 8)]
    elif loss.link_name == "sigmoid":
        Y = rng.randint(0, 2, (8, 3)).astype(float)
    elif loss.link_name == "exp":
        Y = rng.poisson(3.0, (8, 3)).astype(float)
    else:
        Y = rng.standard_normal((8, 3))
        # residuals well away from the kinks at +-delta
        r = Z - Y
        near = np.abs(np.abs(r) - loss.delta) < 1e-3
        Z[near] += 0.01
    sw = rng.uniform(0, 2, 8) if weighted else None
    _check_loss(loss, Z, Y, sw)


def test_whole_network_gradient():
    """Dense -> activation stacks backpropagate through every layer."""
    rng = np.random.RandomState(0)
    layers = []
    for name in ("tanh", "elu", "prelu", "swish"):
        layers += [
            Dense(4, kernel_initializer="glorot_normal"),
            ACTIVATIONS.get(name)(),
        ]
    layers.append(Dense(3, kernel_initializer="glorot_normal"))
    net = Sequential(layers).build(5, rng, dtype=np.float64)
    X = rng.standard_normal((7, 5))
    Y = np.eye(3)[rng.randint(0, 3, 7)]
    loss = LOSSES.get("softmax_cross_entropy")()

    def objective():
        return loss.value(net.forward(X, training=True), Y)

    _, delta = loss.gradient(net.forward(X, training=True), Y)
    net.backward(delta)
    analytic = net.grad.copy()
    np.testing.assert_allclose(
        analytic, numerical_gradient(objective, net.theta), rtol=1e-5, atol=1e-8
    )


def test_inference_overwrites_only_arrays_the_network_created():
    from skdnn.nn.activations import ReLU
    from skdnn.nn.layers import Dense
    from skdnn.nn.network import Sequential

    rng = np.random.RandomState(0)
    X = rng.normal(size=(7, 5)).astype(np.float32)
    # an activation first: the caller's X must not be overwritten
    net = Sequential([ReLU(), Dense(4), ReLU(), Dense(3), ReLU()])
    net.build(5, rng)
    X_before = X.copy()
    out = net.forward(X, training=False)
    np.testing.assert_array_equal(X, X_before)
    expected = np.maximum(X, 0)
    for layer in net.layers[1:]:
        expected = layer.forward(expected, training=False)
    np.testing.assert_array_equal(out, expected)
