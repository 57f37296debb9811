"""Batch norm (and input scaling without clipping) folded into the adjacent Dense
layers, for inference."""

import copy

import numpy as np

from .layers import Dense
from .network import Sequential
from .normalization import BatchNormalization


def foldable(layer):
    """Whether ``layer`` is a per-feature affine map at inference (foldable)."""
    return isinstance(layer, BatchNormalization) or getattr(layer, "affine", False)


def fold_batch_norm(network, *, keep=lambda layer: True):
    """An inference-only copy of ``network`` with batch norm folded into Dense layers.

    A BN layer directly after a Dense layer (``Dense -> BN``) becomes part of that
    layer: ``W' = W * s``, ``b' = (b - m) * s + beta`` with ``s = gamma / sqrt(v + eps)``.
    A BN layer directly before one (``BN -> Dense``, e.g. BN after an activation or on
    the inputs) folds forward: ``W' = s[:, None] * W``, ``b' = shift @ W + b``. Any
    other BN layer stays, in inference mode. The folds are computed in float64 and
    cast to the network's dtype, so the copy agrees with the original to round-off.

    Parameters
    ----------
    network : Sequential
        A built network; it is not modified.
    keep : callable, default keeps every layer
        ``keep(layer) -> bool``; layers for which it is False are left out before
        folding. Dropout layers, the identity at inference, are dropped this way,
        which lets a BN layer followed by dropout fold into the next Dense layer.

    Returns
    -------
    Sequential
        A new network; its ``forward`` must only be used with ``training=False``
        (or Monte Carlo dropout).
    """
    items = _fold_into_dense_below(network.layers, keep)
    return _build(_fold_into_dense_above(items), network.n_in, network.dtype)


def _fold_into_dense_below(layers, keep):
    """Kept layers as items; a BN layer right after a Dense layer folded into it.

    Items: ``("dense", W, b)``, ``("bn", scale, shift, layer)`` or a layer.
    """
    items = []
    for layer in layers:
        if not keep(layer):
            continue
        if isinstance(layer, Dense):
            W = layer.params["kernel"].astype(np.float64)
            b = (
                layer.params["bias"].astype(np.float64)
                if layer.use_bias
                else np.zeros(layer.units)
            )
            items.append(("dense", W, b))
        elif foldable(layer):
            scale, shift = layer.inference_affine(np.dtype(np.float64))
            if items and isinstance(items[-1], tuple) and items[-1][0] == "dense":
                _, W, b = items.pop()
                items.append(("dense", W * scale, b * scale + shift))
            else:
                items.append(("bn", scale, shift, layer))
        else:
            items.append(layer)
    return items


def _fold_into_dense_above(items):
    """The remaining BN items right before a Dense item folded forward into it.

    Several in a row (input scaling, then a learned feature scale) fold one after
    the other, the nearest first.
    """
    folded = []
    for item in items:
        if isinstance(item, tuple) and item[0] == "dense":
            _, W, b = item
            while folded and isinstance(folded[-1], tuple) and folded[-1][0] == "bn":
                _, scale, shift, _ = folded.pop()
                W, b = scale[:, None] * W, shift @ W + b
            item = ("dense", W, b)
        folded.append(item)
    return folded


def _build(items, n_in, dtype):
    """A built network of the folded Dense layers and copies of the other layers."""
    layers, sources = [], []
    for item in items:
        if isinstance(item, tuple) and item[0] == "dense":
            layers.append(Dense(item[1].shape[1], use_bias=True))
            sources.append(item)
        else:
            source = item[3] if isinstance(item, tuple) else item
            layers.append(copy.deepcopy(source))
            sources.append(source)
    out = Sequential(layers).build(n_in, np.random.RandomState(0), dtype=dtype)
    for layer, source in zip(out.layers, sources):
        if isinstance(source, tuple):
            layer.params["kernel"][...] = source[1]
            layer.params["bias"][...] = source[2]
        else:
            for name, value in source.params.items():
                layer.params[name][...] = value
            layer.state = {name: value.copy() for name, value in source.state.items()}
    return out
