"""The interface between techniques and their compiled paths and ONNX translations.

A compiled layer path writes exactly the arrays the layer's ``saved`` names, as
the layer's own ``forward`` does; every registered optimizer has a compiled
update; every public layer is translated to ONNX or refused with what to do.
Adding a technique without its part of the interface fails here, next to it.
"""

import importlib

import numpy as np
import pytest

import skdnn.nn as nn
from skdnn.nn import _fast_layers as fast
from skdnn.nn.activations import ACTIVATIONS
from skdnn.nn.layers import Layer
from skdnn.nn.network import Sequential
from skdnn.nn.optimizers import FUSED_UPDATES, OPTIMIZERS
from skdnn.persistence import trusted_types

from .conftest import require


def _public_layers():
    """The public layer classes of ``skdnn.nn`` (those a saved model may hold)."""
    found = set()
    for name in trusted_types():
        module, _, cls = name.rpartition(".")
        if module.startswith("skdnn.nn."):
            obj = getattr(importlib.import_module(module), cls)
            if issubclass(obj, Layer):
                found.add(obj)
    return found


def _built(cls, n=6):
    layer = cls()
    Sequential([layer]).build(n, np.random.RandomState(0), dtype=np.float64)
    return layer


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_training_forward_caches_exactly_what_saved_names(name):
    layer = _built(ACTIVATIONS.get(name))
    layer.forward(np.random.RandomState(1).standard_normal((5, 6)), training=True,
                  rng=np.random.default_rng(0))  # fmt: skip
    assert set(layer.cache) == set(type(layer).saved)


@pytest.mark.parametrize("cls", sorted(fast._FORWARD, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)  # fmt: skip
def test_compiled_path_writes_the_layers_saved_arrays(cls):
    require("numba")
    X = np.random.RandomState(1).standard_normal((64, 6)).astype(np.float32)
    reference, compiled = _built(cls), _built(cls)
    reference.forward(X.copy(), training=True)
    fast.forward(compiled, X.copy(), training=True)
    assert set(compiled.cache) == set(reference.cache) == set(cls.saved)
    for key in cls.saved:
        np.testing.assert_array_equal(compiled.cache[key], reference.cache[key])
    assert set(fast._BACKWARD) == set(fast._FORWARD)


def test_every_registered_optimizer_has_a_compiled_update():
    require("numba")
    importlib.import_module("skdnn.nn._fast_optimizers")
    registered = {OPTIMIZERS.get(name) for name in OPTIMIZERS.names()}
    assert registered <= set(FUSED_UPDATES)


def test_every_public_layer_is_translated_to_onnx_or_refused():
    onnx = importlib.import_module("skdnn.onnx")
    layers = _public_layers() - {Layer, nn.activations.Activation}
    missing = layers - set(onnx._LAYERS) - set(onnx._REFUSED)
    assert not missing, f"no ONNX translation or refusal for {missing}"
    assert not set(onnx._LAYERS) & set(onnx._REFUSED)
