"""Activation layers, each forward next to its derivative: the formulas.

Derivatives are computed from cached outputs where the math allows (logistic, tanh,
ReLU family, ELU, SELU) so ``backward`` never recomputes the forward pass.
Each class names the initializer chapter 11's Table 11-1 pairs it with
(``default_initializer``), which ``kernel_initializer="auto"`` uses.

Faster variants that give the same bits (compiled kernels, the Dense bias added in
the activation's own pass, in-place inference) live in ``_fast_layers``; this module
is their reference.
"""

import numpy as np
from scipy.special import erf, expit

from ._registry import Registry
from .layers import Layer

ACTIVATIONS = Registry("activation")

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class Activation(Layer):
    """Base class of element-wise activations."""

    default_initializer = "glorot_uniform"
    #: Flat on both sides (logistic, tanh): large inputs of either sign pass
    #: almost no gradient, the saturation chapter 11 warns about.
    saturates = False

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

    saved = ("Y",)

    saturates = True

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

    saved = ("Y",)

    saturates = True

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

    saved = ("Y",)

    default_initializer = "he_normal"

    def forward(self, X, *, training=False, rng=None):
        Y = np.maximum(X, 0)
        if training:
            self.cache["Y"] = Y
        return Y

    def backward(self, dY, *, need_dX=True):
        return dY * (self.cache["Y"] > 0)


@ACTIVATIONS.register("leaky_relu")
class LeakyReLU(Activation):
    """``f(z) = max(alpha * z, z)`` with ``alpha = 0.01`` (the chapter's value)."""

    saved = ("positive",)

    default_initializer = "he_normal"
    alpha = 0.01

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

    saved = ("slope",)

    default_initializer = "he_normal"
    deterministic = False
    random = True
    lower, upper = 1 / 8, 1 / 3

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

    saved = ("negative",)

    default_initializer = "he_normal"
    initial_alpha = 0.25

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


def exp_or_expm1(negative):
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

    saved = ("Y", "positive")

    default_initializer = "he_normal"
    scale = 1.0
    alpha = 1.0

    def forward(self, X, *, training=False, rng=None):
        dtype = X.dtype.type
        positive = X > 0
        negative = np.minimum(X, 0)
        if exp_or_expm1(negative):
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

    def backward(self, dY, *, need_dX=True):
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

    saved = ("X", "cdf")

    default_initializer = "he_normal"

    def forward(self, X, *, training=False, rng=None):
        cdf = erf(X * X.dtype.type(1 / np.sqrt(2)))
        cdf += 1
        cdf *= X.dtype.type(0.5)
        if training:
            self.cache.update(X=X, cdf=cdf)
        return X * cdf

    def backward(self, dY, *, need_dX=True):
        X, cdf = self.cache["X"], self.cache["cdf"]
        pdf = np.exp(X * X * X.dtype.type(-0.5))
        pdf *= X.dtype.type(1 / np.sqrt(2 * np.pi))
        return dY * (cdf + X * pdf)


@ACTIVATIONS.register("swish", "silu")
class Swish(Activation):
    """``f(z) = z * sigmoid(z)`` (also called SiLU)."""

    saved = ("Y", "sig")

    default_initializer = "he_normal"

    def forward(self, X, *, training=False, rng=None):
        sig = expit(X)
        Y = X * sig
        if training:
            self.cache.update(Y=Y, sig=sig)
        return Y

    def backward(self, dY, *, need_dX=True):
        Y, sig = self.cache["Y"], self.cache["sig"]
        # f' = sig + z * sig * (1 - sig) = sig + f * (1 - sig)
        return dY * (sig + Y * (1 - sig))


def get_activation(name):
    """A new activation layer from its registered name."""
    return ACTIVATIONS.get(name)()
