"""Batch normalization (Ioffe & Szegedy 2015) and its folding for inference.

Training normalises each feature with the statistics of the current mini-batch
(biased variance) and updates the moving statistics, Keras style:
``m <- m * momentum + mu_B * (1 - momentum)``. Inference uses the moving statistics,
which makes the layer an affine map per feature, ``y = x * scale + shift``, that can
be folded into an adjacent Dense layer (``fold_batch_norm``).
"""

import copy

import numpy as np

from .layers import Dense, Layer
from .network import Sequential


class BatchNormalization(Layer):
    """Normalise each feature over the batch, then scale by ``gamma``, shift by ``beta``.

    Parameters
    ----------
    momentum : float, default=0.99
        Weight of the old value in the moving mean and variance.
    epsilon : float, default=1e-3
        Added to the variance before the square root.

    Notes
    -----
    ``gamma`` (init 1) and ``beta`` (init 0) are trainable parameters; the moving
    mean (init 0) and variance (init 1) are non-trainable ``state``, updated by every
    forward pass with ``training=True``.
    """

    # The training-mode output depends on the whole batch.
    deterministic = False

    def __init__(self, momentum=0.99, epsilon=1e-3):
        super().__init__()
        self.momentum = momentum
        self.epsilon = epsilon

    def param_shapes(self, n_in):
        return {"gamma": (n_in,), "beta": (n_in,)}

    def initialize(self, n_in, rng, dtype):
        self.params["gamma"][...] = 1
        self.params["beta"][...] = 0
        self.state = {
            "moving_mean": np.zeros(n_in, dtype=dtype),
            "moving_variance": np.ones(n_in, dtype=dtype),
        }

    def inference_affine(self, dtype=None):
        """The inference-mode layer as a per-feature affine map.

        Parameters
        ----------
        dtype : numpy.dtype, optional
            Dtype of the result (default: the parameters' dtype); folding uses
            float64.

        Returns
        -------
        scale, shift : ndarray of shape (n_features,)
            ``y = x * scale + shift``, from ``gamma``, ``beta`` and the moving
            statistics.
        """
        dtype = self.params["gamma"].dtype if dtype is None else dtype
        gamma = self.params["gamma"].astype(dtype)
        beta = self.params["beta"].astype(dtype)
        mean = self.state["moving_mean"].astype(dtype)
        var = self.state["moving_variance"].astype(dtype)
        scale = gamma / np.sqrt(var + dtype.type(self.epsilon))
        return scale, beta - mean * scale

    def forward(self, X, *, training=False, rng=None):
        if not training:
            scale, shift = self.inference_affine(X.dtype)
            Y = X * scale
            Y += shift
            return Y
        dtype = X.dtype.type
        n = X.shape[0]
        mean = X.mean(axis=0)
        xhat = X - mean
        # Sum of squares without a squared temporary.
        var = np.einsum("ij,ij->j", xhat, xhat)
        var /= dtype(n)
        inv_std = var + dtype(self.epsilon)
        np.sqrt(inv_std, out=inv_std)
        np.divide(dtype(1), inv_std, out=inv_std)
        xhat *= inv_std
        Y = xhat * self.params["gamma"]
        Y += self.params["beta"]
        self.cache["xhat"] = xhat
        self.cache["inv_std"] = inv_std

        momentum = dtype(self.momentum)
        rest = dtype(1 - self.momentum)
        for name, batch_value in (("moving_mean", mean), ("moving_variance", var)):
            moving = self.state[name]
            moving *= momentum
            moving += batch_value * rest
        return Y

    def backward(self, dY, *, need_dX=True):
        xhat, inv_std = self.cache["xhat"], self.cache["inv_std"]
        dgamma = np.einsum("ij,ij->j", dY, xhat, out=self.grads["gamma"])
        dbeta = np.sum(dY, axis=0, out=self.grads["beta"])
        if not need_dX:
            return None
        # dX = gamma * inv_std * (dY - mean(dY) - xhat * mean(dY * xhat))
        n = dY.dtype.type(dY.shape[0])
        dX = xhat * (dgamma / -n)
        dX += dY
        dX -= dbeta / n
        dX *= self.params["gamma"] * inv_std
        return dX

    def __repr__(self):
        return f"BatchNormalization(momentum={self.momentum}, epsilon={self.epsilon})"


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
    items = []  # ("dense", W, b) | ("bn", scale, shift, layer) | layer
    for layer in network.layers:
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
        elif isinstance(layer, BatchNormalization):
            scale, shift = layer.inference_affine(np.dtype(np.float64))
            if items and isinstance(items[-1], tuple) and items[-1][0] == "dense":
                _, W, b = items.pop()
                items.append(("dense", W * scale, b * scale + shift))
            else:
                items.append(("bn", scale, shift, layer))
        else:
            items.append(layer)

    folded = []
    for item in items:
        is_dense = isinstance(item, tuple) and item[0] == "dense"
        prev_bn = folded and isinstance(folded[-1], tuple) and folded[-1][0] == "bn"
        if is_dense and prev_bn:
            _, scale, shift, _ = folded.pop()
            _, W, b = item
            item = ("dense", scale[:, None] * W, shift @ W + b)
        folded.append(item)

    layers, sources = [], []
    for item in folded:
        if isinstance(item, tuple) and item[0] == "dense":
            layers.append(Dense(item[1].shape[1], use_bias=True))
            sources.append(item)
        else:
            source = item[3] if isinstance(item, tuple) else item
            layers.append(copy.deepcopy(source))
            sources.append(source)

    out = Sequential(layers).build(
        network.n_in, np.random.RandomState(0), dtype=network.dtype
    )
    for layer, source in zip(out.layers, sources):
        if isinstance(source, tuple):
            layer.params["kernel"][...] = source[1]
            layer.params["bias"][...] = source[2]
        else:
            for name, value in source.params.items():
                layer.params[name][...] = value
            layer.state = {name: value.copy() for name, value in source.state.items()}
    return out
