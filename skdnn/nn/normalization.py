"""Batch normalization (Ioffe & Szegedy 2015) and its folding for inference.

Training normalises each feature with the statistics of the current mini-batch
(biased variance) and updates the moving statistics, Keras style:
``m <- m * momentum + mu_B * (1 - momentum)``. Inference uses the moving statistics,
which makes the layer an affine map per feature, ``y = x * scale + shift``, that can
be folded into an adjacent Dense layer (``fold_batch_norm``).
"""

import copy

import numpy as np

from ._jit import jit, kernel, kernel_ready
from .layers import Dense, Layer
from .network import Sequential


# The kernels repeat the NumPy code's float operations in its order: a column sum
# of a C-contiguous array starts from +0.0 (so a column of -0.0 sums to +0.0) and
# adds the rows one after the other; a mean is that sum divided by n. Python
# scalars are converted to the arrays' dtype first, as the NumPy code does (in the
# kernel, because np.float32() costs ~0.4 µs a call).
@jit
def _bn_train_kernel(
    X, gamma, beta, epsilon, momentum, rest, moving_mean, moving_var, Y, xhat, inv_std
):
    rows, cols = X.shape
    to = X.dtype.type
    n, one, eps = to(rows), to(1), to(epsilon)
    keep, add = to(momentum), to(rest)
    mean = np.zeros(cols, X.dtype)
    for i in range(rows):
        for j in range(cols):
            mean[j] += X[i, j]
    for j in range(cols):
        mean[j] /= n
    var = np.zeros_like(mean)
    for i in range(rows):
        for j in range(cols):
            centred = X[i, j] - mean[j]
            xhat[i, j] = centred
            var[j] += centred * centred
    for j in range(cols):
        var[j] /= n
        inv_std[j] = one / np.sqrt(var[j] + eps)
        moving_mean[j] = moving_mean[j] * keep + mean[j] * add
        moving_var[j] = moving_var[j] * keep + var[j] * add
    for i in range(rows):
        for j in range(cols):
            scaled = xhat[i, j] * inv_std[j]
            xhat[i, j] = scaled
            Y[i, j] = scaled * gamma[j] + beta[j]


@jit
def _bn_backward_kernel(dY, xhat, inv_std, gamma, dgamma, dbeta, dX):
    rows, cols = dY.shape
    n = dY.dtype.type(rows)
    dgamma[:] = 0
    dbeta[:] = 0
    for i in range(rows):
        for j in range(cols):
            dgamma[j] += dY[i, j] * xhat[i, j]
            dbeta[j] += dY[i, j]
    if dX.shape[0] == 0:
        return
    slope = np.empty_like(dgamma)
    offset = np.empty_like(dgamma)
    factor = np.empty_like(dgamma)
    for j in range(cols):
        slope[j] = dgamma[j] / -n
        offset[j] = dbeta[j] / n
        factor[j] = gamma[j] * inv_std[j]
    for i in range(rows):
        for j in range(cols):
            dX[i, j] = (xhat[i, j] * slope[j] + dY[i, j] - offset[j]) * factor[j]


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
        gamma, beta = self.params["gamma"], self.params["beta"]
        moving_mean = self.state["moving_mean"]
        moving_var = self.state["moving_variance"]
        k = kernel(_bn_train_kernel)
        vectors = (gamma, beta, moving_mean, moving_var)
        # an empty batch takes the NumPy path (its mean is NaN, with a warning)
        if k is not None and X.shape[0] and kernel_ready(X, vectors=vectors):
            Y = np.empty_like(X)
            xhat = np.empty_like(X)
            inv_std = np.empty_like(gamma)
            k(
                X, gamma, beta, self.epsilon, self.momentum, 1 - self.momentum,
                moving_mean, moving_var, Y, xhat, inv_std,
            )  # fmt: skip
            self.cache["xhat"] = xhat
            self.cache["inv_std"] = inv_std
            return Y
        dtype = X.dtype.type
        n = X.shape[0]
        mean = X.mean(axis=0)
        xhat = X - mean
        # Not einsum: its SIMD partial sums would not add the rows in order.
        Y = np.multiply(xhat, xhat)
        var = Y.sum(axis=0)
        var /= dtype(n)
        inv_std = var + dtype(self.epsilon)
        np.sqrt(inv_std, out=inv_std)
        np.divide(dtype(1), inv_std, out=inv_std)
        xhat *= inv_std
        np.multiply(xhat, gamma, out=Y)
        Y += beta
        self.cache["xhat"] = xhat
        self.cache["inv_std"] = inv_std
        momentum = dtype(self.momentum)
        rest = dtype(1 - self.momentum)
        for moving, batch_value in ((moving_mean, mean), (moving_var, var)):
            moving *= momentum
            moving += batch_value * rest
        return Y

    def backward(self, dY, *, need_dX=True):
        xhat, inv_std = self.cache["xhat"], self.cache["inv_std"]
        gamma = self.params["gamma"]
        dgamma, dbeta = self.grads["gamma"], self.grads["beta"]
        k = kernel(_bn_backward_kernel)
        vectors = (inv_std, gamma, dgamma, dbeta)
        if k is not None and dY.shape[0] and kernel_ready(dY, xhat, vectors=vectors):
            # An empty dX tells the kernel to skip it.
            dX = np.empty_like(dY) if need_dX else np.empty((0, 0), dY.dtype)
            k(dY, xhat, inv_std, gamma, dgamma, dbeta, dX)
            return dX if need_dX else None
        n = dY.dtype.type(dY.shape[0])
        # Not einsum, as in forward.
        dX = np.multiply(dY, xhat)
        dX.sum(axis=0, out=dgamma)
        np.sum(dY, axis=0, out=dbeta)
        if not need_dX:
            return None
        # dX = gamma * inv_std * (dY - mean(dY) - xhat * mean(dY * xhat))
        np.multiply(xhat, dgamma / -n, out=dX)
        dX += dY
        dX -= dbeta / n
        dX *= gamma * inv_std
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
