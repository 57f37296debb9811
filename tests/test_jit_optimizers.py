"""The compiled optimizer steps (numba, the ``fast`` extra) equal the formulas.

Each optimizer runs the same steps twice, once through its numba kernel
(``skdnn.nn._fast_optimizers``) and once through its NumPy formula (``_update``),
and the parameters and every state vector must agree bit for bit, in float32 and
float64.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits

import skdnn
from skdnn import DNNClassifier
from skdnn.nn import _jit
from skdnn.nn.optimizers import FUSED_UPDATES, OPTIMIZERS, get_optimizer

from .conftest import require

CONFIGS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("adagrad", {}),
    ("rmsprop", {}),
    ("rmsprop", {"momentum": 0.9}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.9, "centered": True}),
    ("adam", {}),
    ("adam", {"amsgrad": True}),
    ("adamw", {}),
    ("adamw", {"amsgrad": True, "clipnorm": 1.0}),
    ("adamax", {}),
    ("nadam", {}),
    ("nadam", {"weight_decay": 0.01, "clipnorm": 1.0}),
]


@pytest.fixture(autouse=True)
def _numba():
    require("numba")


def _run(name, params, dtype, use_numba, segments=None, start=0):
    rng = np.random.RandomState(0)
    size = 1031  # odd, not a multiple of any vector width
    theta = rng.normal(size=size).astype(dtype)
    # exact zeros, tiny and large gradients: the edge cases of sqrt and division
    grads = [rng.normal(scale=s, size=size).astype(dtype) for s in (1e-6, 1.0, 50.0)]
    for g in grads:
        g[::7] = 0
    opt = get_optimizer(name, learning_rate=0.01, **params).build(size, dtype)
    tensors = [slice(0, 500), slice(500, size)]
    with skdnn.config_context(use_numba=use_numba):
        for g in grads * 3:
            opt.step(
                theta,
                g.copy(),
                tensors=tensors,
                start=start,
                segments=segments,
            )
    return theta, opt.slots


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "params"), CONFIGS)
def test_compiled_step_is_bit_identical(name, params, dtype):
    theta_np, slots_np = _run(name, params, dtype, use_numba=False)
    theta_jit, slots_jit = _run(name, params, dtype, use_numba=True)
    assert theta_jit.dtype == dtype
    np.testing.assert_array_equal(theta_jit, theta_np)
    assert slots_jit.keys() == slots_np.keys()
    for key in slots_np:
        np.testing.assert_array_equal(slots_jit[key], slots_np[key])


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_compiled_centered_rmsprop_clamps_as_the_formula(momentum):
    # large, nearly constant gradients: in float32, v - mg**2 rounds below 0, where
    # both paths clamp it at 0 (without the clamp: NaN)
    g = (50 * (1 + 1e-4 * np.random.RandomState(0).normal(size=1031))).astype(
        np.float32
    )
    results = []
    for use_numba in (False, True):
        opt = get_optimizer("rmsprop", centered=True, momentum=momentum)
        opt.build(g.size, np.float32)
        theta = np.zeros(g.size, np.float32)
        with skdnn.config_context(use_numba=use_numba):
            for _ in range(200):
                opt.step(theta, g.copy())
        results.append((theta, opt.slots))
    (theta_np, slots_np), (theta_jit, slots_jit) = results
    assert (slots_np["v"] - slots_np["mg"] ** 2 < 0).any()
    assert np.isfinite(theta_np).all()
    np.testing.assert_array_equal(theta_jit, theta_np)
    for key in slots_np:
        np.testing.assert_array_equal(slots_jit[key], slots_np[key])


@pytest.mark.parametrize("name", ["sgd", "adam", "nadam"])
def test_compiled_step_with_segments_and_frozen_prefix(name):
    # per-segment learning rates (fine-tuning reused layers) above a frozen prefix
    segments = [(100, 600, 0.1), (600, 1031, 1.0)]
    a, _ = _run(name, {}, np.float32, False, segments=segments, start=100)
    b, _ = _run(name, {}, np.float32, True, segments=segments, start=100)
    np.testing.assert_array_equal(a, b)


def test_every_optimizer_is_covered():
    assert {name for name, _ in CONFIGS} == set(OPTIMIZERS.names())
    assert {OPTIMIZERS.get(name) for name in OPTIMIZERS.names()} <= set(FUSED_UPDATES)


@pytest.mark.parametrize(("name", "params"), CONFIGS)
def test_fast_path_does_not_fall_back(name, params, monkeypatch):
    # With numba, the formula never runs: a kernel that silently fell back to it
    # would raise here.
    cls = type(get_optimizer(name))

    def formula(*args, **kwargs):
        raise AssertionError(f"{cls.__name__}._update ran, not the compiled kernel")

    monkeypatch.setattr(cls, "_update", formula)
    _run(name, params, np.float32, use_numba=True)
    _run(name, params, np.float64, use_numba=True)
    with pytest.raises(AssertionError, match="not the compiled kernel"):
        _run(name, params, np.float32, use_numba=False)


def test_config_switches_kernels_off_and_restores():
    assert _jit.use_numba()
    with skdnn.config_context(use_numba=False):
        assert not skdnn.get_config()["use_numba"]
        assert _jit.dispatcher(object()) is None
    assert skdnn.get_config()["use_numba"]


_WITHOUT_NUMBA = """
import sys
sys.modules["numba"] = None  # as if the fast extra were not installed
import numpy as np
import skdnn
from sklearn.datasets import load_digits
assert not skdnn.get_config()["use_numba"]
X, y = load_digits(return_X_y=True)
clf = skdnn.DNNClassifier(**{params!r}).fit(X / 16, y)
sys.stdout.write(clf.network_.theta.tobytes().hex() + " ")
sys.stdout.write(clf.predict_proba(X[:50]).tobytes().hex())
"""


def test_fit_without_numba_installed_is_identical():
    # A user without the fast extra gets the very same model, bit for bit;
    # float32 ELU inference uses skdnn's own exp there, within a few ulp.
    params = dict(
        hidden_layer_sizes=(20, 20),
        activation="elu",
        batch_norm="before",
        optimizer="nadam",
        max_iter=3,
        random_state=0,
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_NUMBA.format(params=params)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    X, y = load_digits(return_X_y=True)
    with skdnn.config_context(use_numba=True):
        clf = DNNClassifier(**params).fit(X / 16, y)
    theta, proba = out.split()
    assert theta == clf.network_.theta.tobytes().hex()
    expected = clf.predict_proba(X[:50])
    proba = np.frombuffer(bytes.fromhex(proba), dtype=expected.dtype).reshape(50, 10)
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-6)


def _add_one(a):
    return a + 1


def test_kernel_compiles_without_a_writable_cache(monkeypatch):
    # numba refuses cache=True when no cache directory is writable (a read-only
    # install without a home directory): the kernel then compiles per process.
    from numba.core import caching

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])
    k = _jit.jit(_add_one)
    assert k.signatures == []
    assert k(np.float32(1.5)) == np.float32(2.5)
    assert k.signatures


def test_import_does_not_load_numba():
    code = "import sys, skdnn; sys.stdout.write(str('numba' in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "False"
