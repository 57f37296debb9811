"""The fast layer paths (``skdnn.nn._fast_layers``) equal the formulas.

Each layer runs forward (training) and backward twice on the same inputs, once
through its fast path (numba kernels, the fused Dense bias, in-place inference)
and once through its formula (``forward``/``backward`` in ``activations`` and
``normalization``), and outputs, parameter gradients, input gradients and moving
statistics must agree bit for bit (compared as integers, so even the sign of a
zero counts), in float32 and float64.
"""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

import skdnn
from skdnn.nn import _fast_layers as fast
from skdnn.nn.activations import ELU, SELU, ReLU
from skdnn.nn.network import Sequential
from skdnn.nn.normalization import BatchNormalization

from .conftest import plain_classifier, require

SHAPES = [(1, 1), (1, 7), (2, 3), (5, 13), (32, 100), (33, 101)]
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def _numba():
    require("numba")


def _own_exp(layer, dtype, use_numba):
    """Whether the compiled path's inference uses skdnn's own exp (not bit for bit)."""
    return use_numba and np.dtype(dtype) == np.float32 and type(layer) in (ELU, SELU)


def _assert_own_exp_close(a, b):
    """The own exp's inference against the formula's: within a few float32 ulp."""
    assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_array_equal(a[np.isinf(b)], b[np.isinf(b)])
    ok = np.isfinite(b)
    tol = 4 * np.finfo(np.float32).eps * np.maximum(1.0, np.abs(b[ok]))
    assert np.all(np.abs(a[ok] - b[ok]) <= tol)


def _assert_identical(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    bits = np.uint32 if a.dtype == np.float32 else np.uint64
    np.testing.assert_array_equal(a.view(bits), b.view(bits))


def _inputs(shape, dtype, seed):
    rng = np.random.RandomState(seed)
    # magnitudes over several decades, exact zeros of both signs, negatives
    X = rng.normal(size=shape) * 10.0 ** rng.uniform(-2, 2, size=shape)
    X[rng.uniform(size=shape) < 0.1] = 0.0
    X[rng.uniform(size=shape) < 0.05] = -0.0
    dY = rng.normal(size=shape)
    dY[rng.uniform(size=shape) < 0.1] = 0.0
    return X.astype(dtype), dY.astype(dtype)


def _run_layer(make_layer, X, dY, use_numba):
    net = Sequential([make_layer()]).build(
        X.shape[1], np.random.RandomState(0), X.dtype
    )
    layer = net.layers[0]
    rng = np.random.RandomState(1)
    for value in layer.params.values():
        value[...] = rng.normal(size=value.shape)
    out = []
    # the fast paths with kernels on; the formulas themselves as the reference
    forward = fast.forward if use_numba else _formula_forward
    backward = fast.backward if use_numba else _formula_backward
    with skdnn.config_context(use_numba=use_numba):
        for step in range(2):  # twice: the moving statistics update on themselves
            out.append(forward(layer, X * X.dtype.type(step + 1), training=True))
            out.append(backward(layer, dY))
            out.extend(g.copy() for g in layer.grads.values())
        backward(layer, dY, need_dX=False)
        out.extend(g.copy() for g in layer.grads.values())
        out.append(forward(layer, X, training=False))  # inference
        # inference over a scratch copy, which may be overwritten
        inplace = forward(layer, X.copy(), training=False, overwrite=True)
        if _own_exp(layer, X.dtype, use_numba):
            _assert_own_exp_close(inplace, out[-1])
        else:
            _assert_identical(inplace, out[-1])
    out.extend(layer.state.values())
    return out


def _formula_forward(layer, X, *, training, bias=None, overwrite=False):
    return layer.forward(X if bias is None else X + bias, training=training)


def _formula_backward(layer, dY, *, need_dX=True, bias_grad=None):
    dX = layer.backward(dY, need_dX=need_dX or bias_grad is not None)
    if bias_grad is not None:
        bias_grad[...] = np.add.reduce(dX, axis=0)
    return dX


LAYERS = {
    "batch_norm": lambda: BatchNormalization(momentum=0.9),
    "elu": ELU,
    "selu": SELU,
    "relu": ReLU,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", LAYERS)
def test_compiled_layer_is_bit_identical(name, shape, dtype):
    X, dY = _inputs(shape, dtype, seed=sum(shape))
    reference = _run_layer(LAYERS[name], X, dY, use_numba=False)
    compiled = _run_layer(LAYERS[name], X, dY, use_numba=True)
    assert len(compiled) == len(reference)
    for a, b in zip(compiled, reference):
        _assert_identical(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_elu_special_values(dtype):
    X = np.array([[0.0, -0.0, 1.0, -1.0, -30.0, np.inf, -np.inf, np.nan]], dtype)
    dY = np.ones_like(X)
    for make_layer in (ELU, SELU, ReLU):
        reference = _run_layer(make_layer, X, dY, use_numba=False)
        compiled = _run_layer(make_layer, X, dY, use_numba=True)
        for a, b in zip(compiled, reference):
            _assert_identical(a, b)


def test_kernels_ran():
    # guards the tests above against comparing the NumPy path with itself
    X, dY = _inputs((4, 3), np.float32, seed=0)
    for make_layer in LAYERS.values():
        _run_layer(make_layer, X, dY, use_numba=True)
    for kernel in (
        fast._bn_train_kernel,
        fast._bn_backward_kernel,
        fast._elu_split_kernel,
        fast._elu_combine_kernel,
        fast._elu_backward_kernel,
        fast._relu_backward_kernel,
    ):
        assert kernel.signatures


@pytest.mark.parametrize("name", LAYERS)
def test_fast_path_does_not_fall_back(name, monkeypatch):
    # With numba, a C-contiguous batch never reaches the formula: a fast path that
    # silently fell back would raise here.
    X, dY = _inputs((8, 5), np.float32, seed=1)
    layer = Sequential([LAYERS[name]()]).build(5, np.random.RandomState(0)).layers[0]
    cls = type(layer)

    def formula(*args, **kwargs):
        raise AssertionError(f"{cls.__name__}: the formula ran, not the fast path")

    monkeypatch.setattr(cls, "backward", formula)
    with skdnn.config_context(use_numba=True):
        if name == "batch_norm":
            fast.forward(layer, X, training=True)
        else:
            bias = np.zeros(5, np.float32)
            fast.forward(layer, X.copy(), training=True, bias=bias)
            monkeypatch.setattr(cls, "forward", formula)
            fast.forward(layer, X.copy(), training=False, bias=bias)
            fast.forward(layer, X.copy(), training=False, overwrite=True)
        monkeypatch.setattr(cls, "forward", formula)
        fast.backward(layer, dY)
        if name != "batch_norm":
            fast.backward(layer, dY, bias_grad=np.zeros(5, np.float32))


def test_non_contiguous_input_falls_back():
    X, dY = _inputs((6, 5), np.float64, seed=3)
    X, dY = np.asfortranarray(X), np.asfortranarray(dY)
    for make_layer in LAYERS.values():
        reference = _run_layer(make_layer, X, dY, use_numba=False)
        compiled = _run_layer(make_layer, X, dY, use_numba=True)
        for a, b in zip(compiled, reference):
            _assert_identical(a, b)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    ("activation", "batch_norm"), [("elu", "before"), ("relu", None), ("selu", None)]
)
def test_whole_fit_is_identical_with_and_without_numba(activation, batch_norm):
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    results = []
    for use_numba in (False, True):
        with skdnn.config_context(use_numba=use_numba):
            # the old defaults: no input scaling, whose statistics would be state
            # arrays too
            clf = plain_classifier(
                hidden_layer_sizes=(20, 20),
                activation=activation,
                batch_norm=batch_norm,
                max_iter=3,
                random_state=0,
            ).fit(X, y)
            results.append(
                [clf.network_.theta.copy()]
                + [a.copy() for a in clf.network_.state_arrays()]
                + [clf.predict_proba(X)]
            )
    has_bn = any(isinstance(layer, BatchNormalization) for layer in clf.network_.layers)
    assert has_bn == (batch_norm is not None)
    assert (len(results[1]) > 2) == has_bn  # theta, BN statistics, then proba
    # training is identical bit for bit; inference with ELU/SELU differs by the
    # own exp's few ulp, propagated through the network
    for a, b in zip(results[0][:-1], results[1][:-1]):
        _assert_identical(a, b)
    if activation == "relu":
        _assert_identical(results[0][-1], results[1][-1])
    else:
        np.testing.assert_allclose(results[0][-1], results[1][-1], atol=1e-6)


# -- the Dense bias fused into the activation above it ------------------------------
FUSING = {"elu": ELU, "selu": SELU, "relu": ReLU}


@pytest.mark.parametrize("use_numba", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 13), (33, 101)])
@pytest.mark.parametrize("name", FUSING)
def test_fused_bias_equals_separate_layers(name, shape, dtype, use_numba):
    Z, dY = _inputs(shape, dtype, seed=7)
    rng = np.random.RandomState(8)
    bias = (rng.normal(size=shape[1]) * 3).astype(dtype)
    bias[::3] = 0.0
    bias[1::5] = -0.0
    with skdnn.config_context(use_numba=use_numba):
        separate, fused = FUSING[name](), FUSING[name]()
        for training in (True, False):
            expected = separate.forward(Z + bias, training=training)
            got = fast.forward(fused, Z.copy(), training=training, bias=bias)
            if not training and _own_exp(fused, dtype, use_numba):
                _assert_own_exp_close(got, expected)
            else:
                _assert_identical(got, expected)
        separate.forward(Z + bias, training=True)
        fast.forward(fused, Z.copy(), training=True, bias=bias)
        expected_dZ = separate.backward(dY)
        expected_grad = np.add.reduce(expected_dZ, axis=0)
        grad = np.full_like(bias, np.nan)
        _assert_identical(fast.backward(fused, dY, bias_grad=grad), expected_dZ)
        _assert_identical(grad, expected_grad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_bias_special_values(dtype):
    Z = np.array([[0.0, -0.0, 1.0, -1.0, -30.0, np.inf, -np.inf, np.nan]], dtype)
    bias = np.array([-0.0, -0.0, 0.0, 1.0, 0.0, -1.0, 0.0, 0.0], dtype)
    for make_layer in FUSING.values():
        results = []
        for use_numba in (False, True):
            with skdnn.config_context(use_numba=use_numba):
                layer = make_layer()
                Y = fast.forward(layer, Z.copy(), training=True, bias=bias)
                grad = np.empty_like(bias)
                dZ = fast.backward(layer, np.ones_like(Z), bias_grad=grad)
                results.append((Y, dZ, grad))
        for a, b in zip(*results):
            _assert_identical(a, b)


def _layer_by_layer(net, X, dY):
    """Each layer's formula forward, then backward (as the diagnostics monitor runs
    them); returns the output, leaves the gradients in ``net.grad``."""
    A = X
    for layer in net.layers:
        A = layer.forward(A, training=True)
    delta = dY
    for i in range(len(net.layers) - 1, -1, -1):
        delta = net.layers[i].backward(delta, need_dX=i > 0)
    return A


@pytest.mark.parametrize("use_numba", [True, False])
def test_network_fuses_dense_and_activation_exactly(use_numba):
    # Sequential pairs Dense + ELU/SELU/ReLU; the result must be that of running the
    # layers one by one (the diagnostics monitor does that).
    from skdnn.nn.layers import Dense

    rng = np.random.RandomState(0)
    X = rng.normal(size=(17, 9)).astype(np.float32)
    dY = rng.normal(size=(17, 4)).astype(np.float32)
    layers = [Dense(12), ELU(), Dense(8), ReLU(), Dense(6), SELU(), Dense(4)]
    net = Sequential(layers).build(9, rng)
    net.theta[:] = rng.normal(size=net.theta.size) * 0.5
    with skdnn.config_context(use_numba=use_numba):
        out = net.forward(X, training=True)
        net.backward(dY)
        fused_grad = net.grad.copy()
        A = _layer_by_layer(net, X, dY)
        inference = net.forward(X)
    _assert_identical(out, A)
    _assert_identical(net.grad, fused_grad)
    if use_numba:  # inference with the own exp: a few ulp per ELU/SELU layer
        np.testing.assert_allclose(inference, A, rtol=1e-5, atol=1e-6)
        # the fused kernels ran (not only their NumPy fallbacks)
        assert fast._relu_bias_kernel.signatures
        assert fast._elu_split_kernel.signatures
        assert fast._elu_inference_kernel.signatures
    else:
        _assert_identical(inference, A)


@pytest.mark.slow  # 21 million float32 values per activation: 5-17 s each
@pytest.mark.parametrize("make_layer", [ELU, SELU])
def test_own_exp_is_accurate_over_the_whole_float32_range(make_layer):
    # every 7th float32 from -100 to 0 (about 150 million exist there) and
    # special values: the compiled inference against float64 ELU/SELU
    bits = np.arange(0, np.float32(100).view(np.int32), 7, dtype=np.int32)
    x = -bits.view(np.float32)
    layer = make_layer()
    got = np.concatenate(
        [
            fast._elu_inference_own_exp(layer, x[lo : lo + 2**20][None].copy(), None)[0]
            for lo in range(0, x.size, 2**20)
        ]
    )
    exact = layer.scale * layer.alpha * np.expm1(x.astype(np.float64))
    # within 1.2e-7 (2 ulp of the output near -1): at least as close as the
    # NumPy path's exp(x) - 1, whose error reaches 1.4e-7
    assert np.abs(got - exact).max() <= 1.2e-7 * layer.scale * layer.alpha
    special = np.array([[0.0, -0.0, 1.0, -1e-30, np.inf, -np.inf, np.nan]], np.float32)
    out = fast._elu_inference_own_exp(layer, special.copy(), None)[0]
    np.testing.assert_array_equal(
        out[:5], np.float32([0.0, 0.0, layer.scale, 0.0, np.inf])
    )
    assert out[5] == pytest.approx(-layer.scale * layer.alpha) and np.isnan(out[6])


# -- batch norm fused with the activation right above it ----------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 13), (33, 101)])
@pytest.mark.parametrize("name", FUSING)
def test_batch_norm_and_activation_pair_equals_the_layers(name, shape, dtype):
    # forward_pair/backward_pair against the two formulas one after the other:
    # outputs, both layers' caches, gradients and moving statistics, bit for bit
    X, dY = _inputs(shape, dtype, seed=11)
    if shape[1] > 1:
        X[0, 0] = np.nan  # a NaN column stays NaN, the others are untouched
    results = []
    # the layers' formulas; the fused pair; the formulas forward (as the
    # diagnostics monitor runs them) and the fused backward from their caches
    for fused in (False, True, "backward"):
        net = Sequential([BatchNormalization(momentum=0.9), FUSING[name]()]).build(
            shape[1], np.random.RandomState(0), dtype
        )
        bn, act = net.layers
        rng = np.random.RandomState(1)
        for value in bn.params.values():
            value[...] = rng.normal(size=value.shape)
        out = []
        with skdnn.config_context(use_numba=True):
            for need_dX in (True, False):
                if fused is True:
                    Y = fast.forward_pair(bn, act, X)
                else:
                    Y = act.forward(bn.forward(X, training=True), training=True)
                if fused:
                    dX = fast.backward_pair(act, bn, dY, need_dX=need_dX)
                else:
                    dX = bn.backward(act.backward(dY), need_dX=need_dX)
                out += [Y, *act.cache.values(), *bn.cache.values()]
                out += [g.copy() for g in bn.grads.values()] + list(bn.state.values())
                assert (dX is None) == (not need_dX)
                if need_dX:
                    out.append(dX)
        results.append(out)
    for other in results[1:]:
        assert len(other) == len(results[0])
        for a, b in zip(other, results[0]):
            if a.dtype == bool:  # ELU's mask
                np.testing.assert_array_equal(a, b)
            else:
                _assert_identical(a, b)


def test_pair_falls_back_where_it_does_not_apply():
    from skdnn.nn.activations import Tanh

    X, _ = _inputs((4, 3), np.float32, seed=0)
    net = Sequential([BatchNormalization(), Tanh()]).build(3, np.random.RandomState(0))
    with skdnn.config_context(use_numba=True):
        assert fast.forward_pair(*net.layers, X) is fast.FALLBACK
    net = Sequential([BatchNormalization(), ELU()]).build(3, np.random.RandomState(0))
    with skdnn.config_context(use_numba=False):
        assert fast.forward_pair(*net.layers, X) is fast.FALLBACK
    with skdnn.config_context(use_numba=True):
        assert fast.forward_pair(*net.layers, X[:0]) is fast.FALLBACK  # empty batch


@pytest.mark.parametrize("name", FUSING)
def test_network_runs_batch_norm_and_activation_as_a_pair(name, monkeypatch):
    # A Dense -> BN -> activation stack (batch_norm="before") takes the fused path,
    # and its forward, gradients and moving statistics are those of the layers run
    # one by one.
    from skdnn.nn.layers import Dense

    rng = np.random.RandomState(0)
    X = rng.normal(size=(17, 9)).astype(np.float32)
    dY = rng.normal(size=(17, 4)).astype(np.float32)

    def build():
        layers = [Dense(12, use_bias=False), BatchNormalization(), FUSING[name]()]
        layers += [
            Dense(8, use_bias=False),
            BatchNormalization(),
            FUSING[name](),
            Dense(4),
        ]
        net = Sequential(layers).build(9, np.random.RandomState(0))
        net.theta[:] = np.random.RandomState(1).normal(size=net.theta.size) * 0.5
        return net

    calls = []
    for fn in ("forward_pair", "backward_pair"):
        original = getattr(fast, fn)
        monkeypatch.setattr(
            fast,
            fn,
            lambda *a, _f=original, _n=fn, **k: calls.append(_n) or _f(*a, **k),
        )
    net, alone = build(), build()
    with skdnn.config_context(use_numba=True):
        out = net.forward(X, training=True)
        net.backward(dY)
        A = _layer_by_layer(alone, X, dY)
    assert calls.count("forward_pair") == 2 and calls.count("backward_pair") == 2
    _assert_identical(out, A)
    for a, b in zip(net.layers, alone.layers):
        for name_ in a.grads:
            _assert_identical(a.grads[name_], b.grads[name_])
        for name_ in a.state:
            _assert_identical(a.state[name_], b.state[name_])
