"""Faster paths of the layer computations, with the formulas' exact results.

``forward`` and ``backward`` run one layer the fastest way that gives the same bits
as its ``forward``/``backward`` in ``activations`` and ``normalization`` (the
reference, always used when nothing here applies):

- compiled kernels (numba, the ``fast`` extra) for ReLU, ELU/SELU and batch norm,
  each doing the formula's float operations in the formula's order;
- the bias of a Dense layer added inside the activation's own pass above it, and
  its gradient summed in the same pass as the activation's derivative;
- at inference, activations written over an intermediate array nobody else holds.

``Sequential`` is the only caller. Tests compare every path here with the formula.
"""

import numpy as np

from ._jit import dispatcher, jit, kernel_ready
from .activations import ELU, SELU, ReLU, exp_or_expm1
from .normalization import BatchNormalization

#: Returned by a fast path that does not apply: run the formula instead.
FALLBACK = object()


# Kernels fuse the element-wise passes around NumPy's exp/expm1, which stay in NumPy
# (their SIMD algorithms cannot be reproduced), with the same float operations.
# Python scalars are converted to the arrays' dtype first, as the NumPy code does.
@jit
def _relu_bias_kernel(Z, bias):
    # np.maximum(Z + bias, 0) written over Z: NaN stays NaN, negatives and -0.0 give
    # +0.0, as NumPy's maximum does
    rows, cols = Z.shape
    zero = Z.dtype.type(0)
    for i in range(rows):
        for j in range(cols):
            v = Z[i, j] + bias[j]
            Z[i, j] = v if v > 0 or v != v else zero


@jit
def _relu_backward_kernel(dY, Y, dX, bias_grad):
    # A non-empty bias_grad (the preceding Dense layer's, fused) receives the column
    # sums of dX, from +0.0 and row after row, as np.add.reduce adds them.
    rows, cols = dY.shape
    one, zero = dY.dtype.type(1), dY.dtype.type(0)
    bias_grad[:] = zero
    for i in range(rows):
        for j in range(cols):
            dX[i, j] = dY[i, j] * (one if Y[i, j] > 0 else zero)
        if bias_grad.size:
            for j in range(cols):
                bias_grad[j] += dX[i, j]


@jit
def _elu_split_kernel(X, bias, negative, positive):
    # np.minimum(x, 0) is +0.0 at x = -0.0 (expm1 keeps the sign) and NaN at NaN.
    # A non-empty bias (the preceding Dense layer's, fused) is added to X in place
    # first, row by row while the row is in cache. An empty ``positive`` skips the
    # mask, which inference does not keep (measured: 2 us of 45 us per 2048 x 100
    # block for the branch, against a second kernel of the same loops).
    rows, cols = X.shape
    zero = X.dtype.type(0)
    for i in range(rows):
        if bias.size:
            for j in range(cols):
                X[i, j] += bias[j]
        if positive.size:
            for j in range(cols):
                x = X[i, j]
                positive[i, j] = x > 0
                negative[i, j] = zero if x >= 0 else x
        else:
            for j in range(cols):
                negative[i, j] = zero if X[i, j] >= 0 else X[i, j]


@jit
def _elu_combine_kernel(X, E, positive, offset, scale_alpha, scale, Y):
    # E = exp(negative) with offset 1, or expm1(negative) with offset 0. Multiplying
    # by a scale of 1.0 is exact, as skipping it is. An empty ``Y`` writes over X,
    # with the mask recomputed from X: Y must never be X itself, whose aliasing
    # keeps LLVM from vectorising the loop (20x slower: 1.2 ms instead of 56 us on
    # 2048 x 100 float32), nor E.
    rows, cols = X.shape
    to = X.dtype.type
    offset, scale_alpha, scale = to(offset), to(scale_alpha), to(scale)
    if Y.size:
        for i in range(rows):
            for j in range(cols):
                x = X[i, j]
                Y[i, j] = (
                    x * scale if positive[i, j] else (E[i, j] - offset) * scale_alpha
                )
    else:
        for i in range(rows):
            for j in range(cols):
                x = X[i, j]
                X[i, j] = x * scale if x > 0 else (E[i, j] - offset) * scale_alpha


# Own float32 exp for ELU/SELU at inference, in the compiled path only: Cody-Waite
# range reduction exp(t) = 2**k * exp(r), |r| <= ln(2)/2, and the Cephes minimax
# polynomial for exp(r) (within 2 ulp of the exact value; NumPy's AVX2 float32 exp
# is within about 2 ulp too, so the two paths differ by a few ulp, not bit for
# bit). 2**k is built from its exponent bits in a row buffer, so that both passes
# over a row vectorise. Inputs below -87 give exp = 0 up to float32's resolution.
_LOG2E, _LN2_HI, _LN2_LO = 1.44269504088896341, 0.693359375, -2.12194440e-4
_P0, _P1, _P2 = 1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3
_P3, _P4, _P5 = 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1


@jit
def _elu_inference_kernel(X, bias, scale, scale_alpha, reduced, bits, powers):
    # X (float32) gets X + bias, then ELU/SELU, in place. ``powers`` is ``bits``
    # viewed as float32.
    rows, cols = X.shape
    f = X.dtype.type
    scale, scale_alpha = f(scale), f(scale_alpha)
    log2e, hi, lo = f(_LOG2E), f(_LN2_HI), f(_LN2_LO)
    p0, p1, p2, p3, p4, p5 = f(_P0), f(_P1), f(_P2), f(_P3), f(_P4), f(_P5)
    one, half, low = f(1.0), f(0.5), f(-87.0)
    for i in range(rows):
        for j in range(cols):
            v = X[i, j] + bias[j] if bias.size else X[i, j]
            X[i, j] = v
            t = max(min(v, f(0.0)), low)
            k = np.floor(t * log2e + half)
            reduced[j] = (t - k * hi) - k * lo
            bits[j] = (np.int32(k) + np.int32(127)) << np.int32(23)
        for j in range(cols):
            r = reduced[j]
            poly = ((((p0 * r + p1) * r + p2) * r + p3) * r + p4) * r + p5
            e = (poly * r * r + r + one) * powers[j]
            v = X[i, j]
            # NaN stays NaN, as in the formula (t clamped it to a number)
            X[i, j] = v * scale if v > 0 or v != v else (e - one) * scale_alpha


def _elu_inference_own_exp(layer, X, bias):
    """ELU/SELU of ``X + bias`` written over float32 ``X`` with the own exp."""
    k = dispatcher(_elu_inference_kernel)
    if k is None or X.dtype != np.float32:
        return FALLBACK
    bits = np.empty(X.shape[1], dtype=np.int32)
    bias = _no_vector(X) if bias is None else bias
    sa = layer.scale * layer.alpha
    k(X, bias, layer.scale, sa, np.empty(X.shape[1], X.dtype), bits, bits.view(X.dtype))
    return X


@jit
def _elu_backward_kernel(dY, Y, positive, scale, scale_alpha, dX, bias_grad):
    # bias_grad as in _relu_backward_kernel
    rows, cols = dY.shape
    scale, scale_alpha = dY.dtype.type(scale), dY.dtype.type(scale_alpha)
    bias_grad[:] = 0
    for i in range(rows):
        for j in range(cols):
            slope = scale if positive[i, j] else Y[i, j] + scale_alpha
            dX[i, j] = dY[i, j] * slope
        if bias_grad.size:
            for j in range(cols):
                bias_grad[j] += dX[i, j]


def _no_vector(X):
    """The empty vector that tells a kernel "no bias" (a fused bias is optional)."""
    return np.empty(0, dtype=X.dtype)


_NO_MASK = np.empty((0, 0), dtype=bool)

#: What a batch-norm kernel also does for the activation right above it.
_ALONE, _ELU_SPLIT, _RELU = 0, 1, 2


# The kernels repeat the NumPy code's float operations in its order: a column sum
# of a C-contiguous array starts from +0.0 (so a column of -0.0 sums to +0.0) and
# adds the rows one after the other; a mean is that sum divided by n. Python
# scalars are converted to the arrays' dtype first, as the NumPy code does (in the
# kernel, because np.float32() costs ~0.4 µs a call).
@jit
def _bn_train_kernel(
    X, gamma, beta, epsilon, momentum, rest, moving_mean, moving_var, Y, xhat,
    inv_std, above, negative, positive,
):  # fmt: skip
    # ``above`` fuses the activation's first pass into the output loop:
    # _ELU_SPLIT writes _elu_split_kernel's negative part and mask of Y;
    # _RELU writes max(Y, 0) as _relu_bias_kernel does, over Y.
    rows, cols = X.shape
    to = X.dtype.type
    n, one, eps = to(rows), to(1), to(epsilon)
    keep, add = to(momentum), to(rest)
    zero = to(0)
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
        if above == _ELU_SPLIT:
            for j in range(cols):
                y = Y[i, j]
                positive[i, j] = y > 0
                negative[i, j] = zero if y >= 0 else y
        elif above == _RELU:
            for j in range(cols):
                y = Y[i, j]
                Y[i, j] = y if y > 0 or y != y else zero


@jit
def _bn_backward_kernel(
    dY, xhat, inv_std, gamma, dgamma, dbeta, dX, above, act_Y, positive, scale,
    scale_alpha,
):  # fmt: skip
    # ``above`` first back-propagates dY through the activation right above,
    # as its own kernel does: _ELU_SPLIT (_elu_backward_kernel, with act_Y,
    # positive and the scales) or _RELU (_relu_backward_kernel, with act_Y). The
    # activation's gradient is kept in dX until dX's own loop replaces it.
    rows, cols = dY.shape
    to = dY.dtype.type
    n, one, zero = to(rows), to(1), to(0)
    scale, scale_alpha = to(scale), to(scale_alpha)
    keep = dX.shape[0] != 0
    dgamma[:] = 0
    dbeta[:] = 0
    for i in range(rows):
        for j in range(cols):
            d = dY[i, j]
            if above == _ELU_SPLIT:
                d = d * (scale if positive[i, j] else act_Y[i, j] + scale_alpha)
            elif above == _RELU:
                d = d * (one if act_Y[i, j] > 0 else zero)
            if keep and above != _ALONE:
                dX[i, j] = d
            dgamma[j] += d * xhat[i, j]
            dbeta[j] += d
    if not keep:
        return
    slope = np.empty_like(dgamma)
    offset = np.empty_like(dgamma)
    factor = np.empty_like(dgamma)
    for j in range(cols):
        slope[j] = dgamma[j] / -n
        offset[j] = dbeta[j] / n
        factor[j] = gamma[j] * inv_std[j]
    if above == _ALONE:
        for i in range(rows):
            for j in range(cols):
                dX[i, j] = (xhat[i, j] * slope[j] + dY[i, j] - offset[j]) * factor[j]
    else:
        for i in range(rows):
            for j in range(cols):
                dX[i, j] = (xhat[i, j] * slope[j] + dX[i, j] - offset[j]) * factor[j]


# -- the fast paths, one per layer type ------------------------------------------------
def _relu_forward(layer, X, bias, training, overwrite):
    k = None if bias is None else dispatcher(_relu_bias_kernel)
    if k is not None and kernel_ready(X, vectors=(bias,)):
        k(X, bias)  # X is the Dense layer's product, scratch
        if training:
            layer.cache["Y"] = X
        return X
    if overwrite and not training:
        if bias is not None:
            X += bias
        return np.maximum(X, 0, out=X)
    return FALLBACK


def _relu_backward(layer, dY, bias_grad, need_dX):
    Y = layer.cache["Y"]
    k = dispatcher(_relu_backward_kernel)
    vectors = () if bias_grad is None else (bias_grad,)
    if k is None or not kernel_ready(dY, Y, vectors=vectors):
        return FALLBACK
    dX = np.empty_like(dY)
    k(dY, Y, dX, _no_vector(dY) if bias_grad is None else bias_grad)
    return dX


def _elu_forward(layer, X, bias, training, overwrite):
    inplace = overwrite and not training
    k = dispatcher(_elu_split_kernel)
    vectors = () if bias is None else (bias,)
    if k is None or not kernel_ready(X, vectors=vectors):
        return FALLBACK
    if inplace and X.dtype == np.float32:
        return _elu_inference_own_exp(layer, X, bias)
    bias = _no_vector(X) if bias is None else bias
    sa = layer.scale * layer.alpha
    negative = np.empty_like(X)
    # numba's dispatcher itself: the Kernel wrapper's call costs a frame per layer
    combine = dispatcher(_elu_combine_kernel)
    if inplace:
        k(X, bias, negative, _NO_MASK)
        offset = exp_or_expm1(negative)
        no_out = np.empty((0, 0), dtype=X.dtype)  # write over X
        combine(X, negative, _NO_MASK, offset, sa, layer.scale, no_out)
        return X
    # with a bias, X is the Dense layer's product: the kernel adds it in place
    positive = np.empty(X.shape, dtype=bool)
    k(X, bias, negative, positive)
    offset = exp_or_expm1(negative)
    Y = np.empty_like(X)
    combine(X, negative, positive, offset, sa, layer.scale, Y)
    if training:
        layer.cache["Y"] = Y
        layer.cache["positive"] = positive
    return Y


def _elu_backward(layer, dY, bias_grad, need_dX):
    Y, positive = layer.cache["Y"], layer.cache["positive"]
    k = dispatcher(_elu_backward_kernel)
    vectors = () if bias_grad is None else (bias_grad,)
    if (
        k is None
        or not kernel_ready(dY, Y, vectors=vectors)
        or not positive.flags.c_contiguous
    ):
        return FALLBACK
    dX = np.empty_like(dY)
    sa = layer.scale * layer.alpha
    grad = _no_vector(dY) if bias_grad is None else bias_grad
    k(dY, Y, positive, layer.scale, sa, dX, grad)
    return dX


def _bn_train(layer, X, above=_ALONE, negative=None, positive=_NO_MASK):
    """Batch norm's training pass by its kernel, or FALLBACK if that does not apply.

    ``above``, ``negative`` and ``positive`` as in ``_bn_train_kernel``.
    """
    gamma, beta = layer.params["gamma"], layer.params["beta"]
    moving_mean = layer.state["moving_mean"]
    moving_var = layer.state["moving_variance"]
    k = dispatcher(_bn_train_kernel)
    vectors = (gamma, beta, moving_mean, moving_var)
    # an empty batch takes the NumPy path (its mean is NaN, with a warning)
    if k is None or not X.shape[0] or not kernel_ready(X, vectors=vectors):
        return FALLBACK
    Y = np.empty_like(X)
    xhat = np.empty_like(X)
    inv_std = np.empty_like(gamma)
    # without an activation, xhat stands in for ``negative`` (not written)
    k(
        X, gamma, beta, layer.epsilon, layer.momentum, 1 - layer.momentum,
        moving_mean, moving_var, Y, xhat, inv_std, above,
        xhat if negative is None else negative, positive,
    )  # fmt: skip
    layer.cache["xhat"] = xhat
    layer.cache["inv_std"] = inv_std
    return Y


def _bn_forward(layer, X, bias, training, overwrite):
    return _bn_train(layer, X) if training else FALLBACK


def _bn_backward(layer, dY, bias_grad, need_dX):
    return _bn_back(layer, dY, need_dX, _ALONE, dY, _NO_MASK, 1.0, 1.0)


def _bn_back(layer, dY, need_dX, above, act_Y, positive, scale, scale_alpha):
    """Batch norm's backward by its kernel (after the activation above, if any)."""
    xhat, inv_std = layer.cache["xhat"], layer.cache["inv_std"]
    gamma = layer.params["gamma"]
    dgamma, dbeta = layer.grads["gamma"], layer.grads["beta"]
    k = dispatcher(_bn_backward_kernel)
    vectors = (inv_std, gamma, dgamma, dbeta)
    if (
        k is None
        or not dY.shape[0]
        or not kernel_ready(dY, xhat, act_Y, vectors=vectors)
        or not (positive is _NO_MASK or _mask_ready(positive, dY.shape))
    ):
        return FALLBACK
    # An empty dX tells the kernel to skip it.
    dX = np.empty_like(dY) if need_dX else np.empty((0, 0), dY.dtype)
    k(
        dY, xhat, inv_std, gamma, dgamma, dbeta, dX, above, act_Y, positive, scale,
        scale_alpha,
    )  # fmt: skip
    return dX if need_dX else None


def _mask_ready(mask, shape):
    """Whether a cached boolean mask can go to a kernel with arrays of ``shape``."""
    return mask.dtype == np.bool_ and mask.shape == shape and mask.flags.c_contiguous


def forward_pair(bn, act, X):
    """Training forward of batch norm and the activation right above it, fused.

    For ReLU, ELU and SELU above a ``BatchNormalization`` (the chapter's "batch
    norm before the activation"): the activation's first pass runs inside batch
    norm's output loop, and both layers' caches are those of running them one
    after the other, with the same bits.

    Parameters
    ----------
    bn : BatchNormalization
        The lower layer.
    act : Layer
        The layer right above it.
    X : ndarray of shape (n_samples, n_features)
        Input of ``bn``.

    Returns
    -------
    ndarray or FALLBACK
        The activation's output; FALLBACK when the pair has no fused path (another
        activation, no kernels, an empty batch): run the layers one by one.
    """
    kind = type(act)
    if kind is ReLU:
        Y = _bn_train(bn, X, _RELU)
        if Y is not FALLBACK:
            act.cache["Y"] = Y
        return Y
    if kind is not ELU and kind is not SELU:
        return FALLBACK
    combine = dispatcher(_elu_combine_kernel)
    if combine is None:
        return FALLBACK
    negative = np.empty_like(X)
    positive = np.empty(X.shape, dtype=bool)
    Z = _bn_train(bn, X, _ELU_SPLIT, negative, positive)
    if Z is FALLBACK:
        return FALLBACK
    offset = exp_or_expm1(negative)
    Y = np.empty_like(Z)
    combine(Z, negative, positive, offset, act.scale * act.alpha, act.scale, Y)
    act.cache["Y"] = Y
    act.cache["positive"] = positive
    return Y


def backward_pair(act, bn, dY, *, need_dX=True):
    """Backward of ``forward_pair``'s two layers in one kernel.

    Works from the layers' caches, so also after they ran one by one.

    Parameters
    ----------
    act : Layer
        The activation (upper layer).
    bn : BatchNormalization
        The batch-norm layer below it.
    dY : ndarray of shape (n_samples, n_features)
        Gradient with respect to the activation's output.
    need_dX : bool, default=True
        Whether to return the gradient with respect to ``bn``'s input.

    Returns
    -------
    ndarray, None or FALLBACK
        The input gradient (None if not needed); FALLBACK as in ``forward_pair``.
    """
    kind = type(act)
    if kind is ReLU:
        return _bn_back(bn, dY, need_dX, _RELU, act.cache["Y"], _NO_MASK, 1.0, 1.0)
    if kind is not ELU and kind is not SELU:
        return FALLBACK
    Y, positive = act.cache["Y"], act.cache["positive"]
    sa = act.scale * act.alpha
    return _bn_back(bn, dY, need_dX, _ELU_SPLIT, Y, positive, act.scale, sa)


_FORWARD = {
    ReLU: _relu_forward,
    ELU: _elu_forward,
    SELU: _elu_forward,
    BatchNormalization: _bn_forward,
}
_BACKWARD = {
    ReLU: _relu_backward,
    ELU: _elu_backward,
    SELU: _elu_backward,
    BatchNormalization: _bn_backward,
}


def forward(layer, X, *, training, rng=None, bias=None, overwrite=False):
    """``layer.forward(X + bias)`` by the fastest path with the formula's bits.

    Parameters
    ----------
    layer : Layer
        The layer to run.
    X : ndarray of shape (n_samples, n_features)
        Its input; with ``bias``, the product ``X @ W`` of the Dense layer below,
        which the caller gives up (it is overwritten).
    training : bool
        As in ``Layer.forward``.
    rng : numpy.random.RandomState, optional
        As in ``Layer.forward``.
    bias : ndarray of shape (n_features,), optional
        The Dense layer's bias, left out of ``X``.
    overwrite : bool, default=False
        ``X`` is an intermediate array nobody else holds: inference may write the
        output over it instead of allocating another.

    Returns
    -------
    ndarray
        The layer's output.
    """
    fast = _FORWARD.get(type(layer))
    if fast is not None:
        Y = fast(layer, X, bias, training, overwrite or bias is not None)
        if Y is not FALLBACK:
            return Y
    if bias is not None:
        X += bias
    return layer.forward(X, training=training, rng=rng)


def backward(layer, dY, *, need_dX=True, bias_grad=None):
    """``layer.backward(dY)``, also summing the Dense bias gradient below if given.

    Parameters
    ----------
    layer : Layer
        The layer to back-propagate through (its last training-mode forward).
    dY : ndarray of shape (n_samples, n_features)
        Gradient with respect to its output.
    need_dX : bool, default=True
        As in ``Layer.backward``.
    bias_grad : ndarray of shape (n_features,), optional
        Receives the column sums of the returned gradient: the gradient of the
        bias of the Dense layer below, whose bias ``forward`` added here.

    Returns
    -------
    ndarray or None
        Gradient with respect to the layer's input.
    """
    fast = _BACKWARD.get(type(layer))
    if fast is not None:
        dX = fast(layer, dY, bias_grad, need_dX)
        if dX is not FALLBACK:
            return dX
    dX = layer.backward(dY, need_dX=need_dX or bias_grad is not None)
    if bias_grad is not None:
        # the ufunc method skips np.sum's Python wrapper (~2 us per call)
        np.add.reduce(dX, axis=0, out=bias_grad)
    return dX
