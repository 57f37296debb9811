"""Activation layers, each forward next to its derivative.

Derivatives are computed from cached outputs where the math allows (logistic, tanh,
ReLU family, ELU, SELU) so ``backward`` never recomputes the forward pass.
Each class names the initializer chapter 11's Table 11-1 pairs it with
(``default_initializer``), which ``kernel_initializer="auto"`` uses.
"""

import numpy as np
from scipy.special import erf, expit

from ._jit import jit, kernel, kernel_ready
from ._registry import Registry
from .layers import Layer

ACTIVATIONS = Registry("activation")

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


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
    # first, row by row while the row is in cache.
    rows, cols = X.shape
    zero = X.dtype.type(0)
    for i in range(rows):
        if bias.size:
            for j in range(cols):
                X[i, j] += bias[j]
        for j in range(cols):
            x = X[i, j]
            positive[i, j] = x > 0
            negative[i, j] = zero if x >= 0 else x


@jit
def _elu_combine_kernel(X, E, positive, offset, scale_alpha, scale, Y):
    # E = exp(negative) with offset 1, or expm1(negative) with offset 0. Multiplying
    # by a scale of 1.0 is exact, as skipping it is. Y must not be E: the aliasing
    # would keep LLVM from vectorising the loop.
    rows, cols = X.shape
    to = X.dtype.type
    offset, scale_alpha, scale = to(offset), to(scale_alpha), to(scale)
    for i in range(rows):
        for j in range(cols):
            x = X[i, j]
            Y[i, j] = x * scale if positive[i, j] else (E[i, j] - offset) * scale_alpha


@jit
def _elu_negative_kernel(X, bias, negative):
    # _elu_split_kernel without the mask, which inference does not keep
    rows, cols = X.shape
    zero = X.dtype.type(0)
    for i in range(rows):
        if bias.size:
            for j in range(cols):
                X[i, j] += bias[j]
        for j in range(cols):
            x = X[i, j]
            negative[i, j] = zero if x >= 0 else x


@jit
def _elu_combine_inplace_kernel(X, E, offset, scale_alpha, scale):
    # _elu_combine_kernel writing over X, with the mask recomputed from X. A kernel
    # of its own: passing X twice to _elu_combine_kernel (as X and as Y) makes LLVM's
    # runtime alias check fail and the loop run unvectorised, 20x slower (1.2 ms
    # instead of 56 us on 2048 x 100 float32).
    rows, cols = X.shape
    to = X.dtype.type
    offset, scale_alpha, scale = to(offset), to(scale_alpha), to(scale)
    for i in range(rows):
        for j in range(cols):
            x = X[i, j]
            X[i, j] = x * scale if x > 0 else (E[i, j] - offset) * scale_alpha


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


class Activation(Layer):
    """Base class of element-wise activations.

    An activation with ``fuses_bias = True`` can take over the bias of the Dense
    layer below it: ``Sequential`` then calls ``forward_biased`` with the bare
    product ``X @ W`` and ``backward_biased`` to get the bias gradient in the same
    pass as the activation's derivative (one pass over the batch less in each
    direction). The results are those of the two layers run one after the other.
    """

    default_initializer = "glorot_uniform"
    fuses_bias = False

    def forward_biased(self, Z, bias, *, training=False):
        """``forward(Z + bias)``, overwriting ``Z`` (which the caller gives up).

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_units)
            Product ``X @ W`` of the Dense layer below, without its bias.
        bias : ndarray of shape (n_units,)
            That layer's bias.
        training : bool, default=False
            As in ``forward``.

        Returns
        -------
        ndarray of shape (n_samples, n_units)
            The activations, equal to ``forward(Z + bias)`` bit for bit.
        """
        Z += bias
        if not training and hasattr(self, "forward_inplace"):
            return self.forward_inplace(Z)
        return self.forward(Z, training=training)

    def backward_biased(self, dY, bias_grad):
        """``backward(dY)``, also writing the Dense layer's bias gradient.

        Parameters
        ----------
        dY : ndarray of shape (n_samples, n_units)
            Gradient with respect to the activations.
        bias_grad : ndarray of shape (n_units,)
            Receives the column sums of the returned gradient.

        Returns
        -------
        ndarray of shape (n_samples, n_units)
            Gradient with respect to ``Z + bias``.
        """
        dZ = self.backward(dY)
        np.add.reduce(dZ, axis=0, out=bias_grad)
        return dZ

    def __repr__(self):
        return type(self).__name__


@ACTIVATIONS.register("identity", "linear")
class Identity(Activation):
    """``f(z) = z``."""

    def forward(self, X, *, training=False, rng=None):
        return X

    def backward(self, dY, *, need_dX=True):
        return dY


@ACTIVATIONS.register("logistic", "sigmoid")
class Logistic(Activation):
    """``f(z) = 1 / (1 + exp(-z))``, computed without overflow on either side."""

    def forward(self, X, *, training=False, rng=None):
        Y = expit(X)
        if training:
            self.cache["Y"] = Y
        return Y

    def backward(self, dY, *, need_dX=True):
        Y = self.cache["Y"]
        return dY * Y * (1 - Y)


@ACTIVATIONS.register("tanh")
class Tanh(Activation):
    """``f(z) = tanh(z)``."""

    def forward(self, X, *, training=False, rng=None):
        Y = np.tanh(X)
        if training:
            self.cache["Y"] = Y
        return Y

    def backward(self, dY, *, need_dX=True):
        Y = self.cache["Y"]
        return dY * (1 - Y * Y)


@ACTIVATIONS.register("relu")
class ReLU(Activation):
    """``f(z) = max(0, z)``."""

    default_initializer = "he_normal"

    def forward(self, X, *, training=False, rng=None):
        Y = np.maximum(X, 0)
        if training:
            self.cache["Y"] = Y
        return Y

    def forward_inplace(self, X):
        """Inference output written over ``X``, which the caller no longer needs.

        ``Sequential`` calls it instead of ``forward`` at inference for arrays that
        an earlier layer created.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Input batch, overwritten.

        Returns
        -------
        ndarray
            ``X`` itself, now ``max(X, 0)``.
        """
        return np.maximum(X, 0, out=X)

    fuses_bias = True

    def forward_biased(self, Z, bias, *, training=False):
        k = kernel(_relu_bias_kernel)
        if k is None or not kernel_ready(Z, vectors=(bias,)):
            return super().forward_biased(Z, bias, training=training)
        k(Z, bias)
        if training:
            self.cache["Y"] = Z
        return Z

    def backward(self, dY, *, need_dX=True):
        return self._backward(dY, None)

    def backward_biased(self, dY, bias_grad):
        return self._backward(dY, bias_grad)

    def _backward(self, dY, bias_grad):
        Y = self.cache["Y"]
        k = kernel(_relu_backward_kernel)
        vectors = () if bias_grad is None else (bias_grad,)
        if k is None or not kernel_ready(dY, Y, vectors=vectors):
            if bias_grad is None:
                return dY * (Y > 0)
            return super().backward_biased(dY, bias_grad)
        dX = np.empty_like(dY)
        k(dY, Y, dX, _no_vector(dY) if bias_grad is None else bias_grad)
        return dX


@ACTIVATIONS.register("leaky_relu")
class LeakyReLU(Activation):
    """``f(z) = max(alpha * z, z)`` with ``alpha = 0.01`` (the chapter's value)."""

    default_initializer = "he_normal"

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, X, *, training=False, rng=None):
        Y = np.where(X > 0, X, X * X.dtype.type(self.alpha))
        if training:
            self.cache["positive"] = X > 0
        return Y

    def backward(self, dY, *, need_dX=True):
        return np.where(self.cache["positive"], dY, dY * dY.dtype.type(self.alpha))


@ACTIVATIONS.register("rrelu")
class RReLU(Activation):
    """Randomized leaky ReLU.

    In training the negative slope is drawn per element and per step from
    ``U(lower, upper)``; at inference it is fixed to ``(lower + upper) / 2``.
    """

    default_initializer = "he_normal"
    deterministic = False

    def __init__(self, lower=1 / 8, upper=1 / 3):
        super().__init__()
        self.lower = lower
        self.upper = upper

    def forward(self, X, *, training=False, rng=None):
        if not training:
            slope = X.dtype.type((self.lower + self.upper) / 2)
            return np.where(X >= 0, X, X * slope)
        slope = rng.uniform(self.lower, self.upper, size=X.shape).astype(
            X.dtype, copy=False
        )
        slope[X >= 0] = 1
        self.cache["slope"] = slope
        return X * slope

    def backward(self, dY, *, need_dX=True):
        return dY * self.cache["slope"]


@ACTIVATIONS.register("prelu")
class PReLU(Activation):
    """Parametric leaky ReLU: one learned negative slope per unit, initialised at 0.25."""

    default_initializer = "he_normal"

    def __init__(self, initial_alpha=0.25):
        super().__init__()
        self.initial_alpha = initial_alpha

    def param_shapes(self, n_in):
        return {"alpha": (n_in,)}

    def initialize(self, n_in, rng, dtype):
        self.params["alpha"][...] = self.initial_alpha

    def forward(self, X, *, training=False, rng=None):
        negative = np.minimum(X, 0)
        Y = np.maximum(X, 0)
        Y += negative * self.params["alpha"]
        if training:
            self.cache["negative"] = negative
        return Y

    def backward(self, dY, *, need_dX=True):
        negative = self.cache["negative"]
        np.sum(dY * negative, axis=0, out=self.grads["alpha"])
        if not need_dX:
            return None
        return np.where(negative < 0, dY * self.params["alpha"], dY)


def _exp_or_expm1(negative):
    """``exp`` (float32) or ``expm1`` in place; returns the 1 left to subtract, or 0."""
    if negative.dtype == np.float32:
        # NumPy's float32 expm1 is scalar code (~10 ns per element) while exp
        # is vectorised (~1.5 ns); for z <= 0, exp(z) - 1 loses at most ~1e-7 in
        # absolute terms, below float32's resolution of the activations.
        np.exp(negative, out=negative)
        return 1
    np.expm1(negative, out=negative)
    return 0


@ACTIVATIONS.register("elu")
class ELU(Activation):
    """``f(z) = z`` for ``z > 0``, else ``alpha * (exp(z) - 1)``; ``alpha = 1``."""

    default_initializer = "he_normal"
    scale = 1.0
    alpha = 1.0

    fuses_bias = True

    def forward(self, X, *, training=False, rng=None):
        split = kernel(_elu_split_kernel)
        if split is not None and kernel_ready(X):
            return self._forward_compiled(split, X, _no_vector(X), training)
        return self._forward_numpy(X, training)

    def forward_biased(self, Z, bias, *, training=False):
        k = kernel(_elu_negative_kernel if not training else _elu_split_kernel)
        if k is None or not kernel_ready(Z, vectors=(bias,)):
            return super().forward_biased(Z, bias, training=training)
        if training:
            return self._forward_compiled(k, Z, bias, training)
        return self._inplace_compiled(k, Z, bias)

    def _forward_compiled(self, split, X, bias, training):
        # with a bias, X is the caller's scratch: the split kernel adds it in place
        negative = np.empty_like(X)
        positive = np.empty(X.shape, dtype=bool)
        split(X, bias, negative, positive)
        offset = _exp_or_expm1(negative)
        Y = np.empty_like(X)
        sa = self.scale * self.alpha
        _elu_combine_kernel(X, negative, positive, offset, sa, self.scale, Y)
        if training:
            self.cache["Y"] = Y
            self.cache["positive"] = positive
        return Y

    def _inplace_compiled(self, negative_kernel, X, bias):
        negative = np.empty_like(X)
        negative_kernel(X, bias, negative)
        offset = _exp_or_expm1(negative)
        _elu_combine_inplace_kernel(
            X, negative, offset, self.scale * self.alpha, self.scale
        )
        return X

    def _forward_numpy(self, X, training):
        dtype = X.dtype.type
        positive = X > 0
        negative = np.minimum(X, 0)
        if _exp_or_expm1(negative):
            negative -= 1
        # Multiplying by 1.0 is exact: ELU skips those passes, SELU scales.
        if self.scale * self.alpha != 1.0:
            negative *= dtype(self.scale * self.alpha)
        scaled = X if self.scale == 1.0 else X * dtype(self.scale)
        Y = np.where(positive, scaled, negative)
        if training:
            self.cache["Y"] = Y
            self.cache["positive"] = positive
        return Y

    def forward_inplace(self, X):
        """Inference output written over ``X``, which the caller no longer needs.

        Saves the output and mask allocations of ``forward`` (with numba; without
        it this is ``forward``).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Input batch, overwritten when the kernels apply.

        Returns
        -------
        ndarray
            The activations, equal to ``forward(X)`` bit for bit.
        """
        negative_kernel = kernel(_elu_negative_kernel)
        if negative_kernel is None or not kernel_ready(X):
            return self.forward(X)
        return self._inplace_compiled(negative_kernel, X, _no_vector(X))

    def backward(self, dY, *, need_dX=True):
        return self._backward(dY, None)

    def backward_biased(self, dY, bias_grad):
        return self._backward(dY, bias_grad)

    def _backward(self, dY, bias_grad):
        Y, positive = self.cache["Y"], self.cache["positive"]
        k = kernel(_elu_backward_kernel)
        vectors = () if bias_grad is None else (bias_grad,)
        if (
            k is None
            or not kernel_ready(dY, Y, vectors=vectors)
            or not positive.flags.c_contiguous
        ):
            if bias_grad is None:
                return self._backward_numpy(dY)
            return super().backward_biased(dY, bias_grad)
        dX = np.empty_like(dY)
        sa = self.scale * self.alpha
        grad = _no_vector(dY) if bias_grad is None else bias_grad
        k(dY, Y, positive, self.scale, sa, dX, grad)
        return dX

    def _backward_numpy(self, dY):
        Y, positive = self.cache["Y"], self.cache["positive"]
        dtype = dY.dtype.type
        # For z <= 0, f'(z) = scale * alpha * exp(z) = f(z) + scale * alpha.
        slope = Y + dtype(self.scale * self.alpha)
        return dY * np.where(positive, dtype(self.scale), slope)


@ACTIVATIONS.register("selu")
class SELU(ELU):
    """``f(z) = scale * elu_alpha(z)`` with Klambauer et al.'s constants.

    Stacks of Dense + SELU layers with LeCun-normal weights self-normalise.
    """

    default_initializer = "lecun_normal"
    scale = _SELU_SCALE
    alpha = _SELU_ALPHA


@ACTIVATIONS.register("gelu")
class GELU(Activation):
    """``f(z) = z * Phi(z)``, the exact form with the normal CDF ``Phi``."""

    default_initializer = "he_normal"

    def forward(self, X, *, training=False, rng=None):
        cdf = erf(X * X.dtype.type(1 / np.sqrt(2)))
        cdf += 1
        cdf *= X.dtype.type(0.5)
        if training:
            self.cache["X"] = X
            self.cache["cdf"] = cdf
        return X * cdf

    def backward(self, dY, *, need_dX=True):
        X, cdf = self.cache["X"], self.cache["cdf"]
        pdf = np.exp(X * X * X.dtype.type(-0.5))
        pdf *= X.dtype.type(1 / np.sqrt(2 * np.pi))
        return dY * (cdf + X * pdf)


@ACTIVATIONS.register("swish", "silu")
class Swish(Activation):
    """``f(z) = z * sigmoid(z)`` (also called SiLU)."""

    default_initializer = "he_normal"

    def forward(self, X, *, training=False, rng=None):
        sig = expit(X)
        Y = X * sig
        if training:
            self.cache["Y"] = Y
            self.cache["sig"] = sig
        return Y

    def backward(self, dY, *, need_dX=True):
        Y, sig = self.cache["Y"], self.cache["sig"]
        # f' = sig + z * sig * (1 - sig) = sig + f * (1 - sig)
        return dY * (sig + Y * (1 - sig))


def get_activation(name):
    """A new activation layer from its registered name."""
    return ACTIVATIONS.get(name)()
