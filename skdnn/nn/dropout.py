"""Dropout (Srivastava et al. 2014), alpha dropout (Klambauer et al. 2017) and
Monte Carlo dropout (Gal & Ghahramani 2016).

Both layers are the identity at inference. In training they draw a keep-mask with
probability ``1 - rate`` from the ``rng`` passed to ``forward`` (never NumPy's global
random state). ``mc_forward`` runs a network in inference mode with dropout still on:
one Monte Carlo sample.
"""

import numpy as np

from .layers import Layer

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _BaseDropout(Layer):
    deterministic = False

    def __init__(self, rate):
        super().__init__()
        if not 0 <= rate < 1:
            raise ValueError(f"The dropout rate must be in [0, 1), got {rate!r}.")
        self.rate = rate

    def _keep_mask(self, X, rng):
        if rng is None:
            raise ValueError(
                f"{type(self).__name__} needs the rng argument of forward in training."
            )
        return rng.random_sample(X.shape) >= self.rate

    def forward(self, X, *, training=False, rng=None):
        if not training:
            return X
        Y, multiplier = self.sample(X, rng)
        self.cache["multiplier"] = multiplier
        return Y

    def backward(self, dY, *, need_dX=True):
        # Both variants are y = x * multiplier + constant.
        return dY * self.cache["multiplier"] if need_dX else None

    def sample(self, X, rng):
        """One random output for ``X`` and the multiplier ``dY/dX``; caches nothing."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({self.rate})"


class Dropout(_BaseDropout):
    """Inverted dropout: zero each element with probability ``rate``, scale the
    kept ones by ``1 / (1 - rate)`` so the expected activation is unchanged.

    Parameters
    ----------
    rate : float
        Probability of dropping an element, in ``[0, 1)``.
    """

    def sample(self, X, rng):
        multiplier = self._keep_mask(X, rng).astype(X.dtype)
        multiplier *= X.dtype.type(1 / (1 - self.rate))
        return X * multiplier, multiplier


class AlphaDropout(_BaseDropout):
    """Alpha dropout for SELU networks: keeps mean 0 and variance 1.

    Dropped elements are set to SELU's negative saturation value
    ``alpha' = -scale * alpha``, then ``y = a * (x * mask + alpha' * (1 - mask)) + b``
    with ``a = ((1 - p) * (1 + p * alpha'**2)) ** -0.5`` and ``b = -a * alpha' * p``.

    Parameters
    ----------
    rate : float
        Probability of dropping an element, in ``[0, 1)``.
    """

    def sample(self, X, rng):
        p = self.rate
        alpha_p = -_SELU_SCALE * _SELU_ALPHA
        a = ((1 - p) * (1 + p * alpha_p**2)) ** -0.5
        b = -a * alpha_p * p
        keep = self._keep_mask(X, rng)
        dtype = X.dtype.type
        # y = a * mask * x + (b on kept elements, a * alpha' + b on dropped ones)
        multiplier = keep.astype(X.dtype)
        multiplier *= dtype(a)
        Y = np.where(keep, dtype(b), dtype(a * alpha_p + b))
        Y += X * multiplier
        return Y, multiplier


def has_dropout(network):
    """True when ``network`` contains a dropout layer."""
    return any(isinstance(layer, _BaseDropout) for layer in network.layers)


def is_dropout(layer):
    """True for dropout layers (the identity at inference)."""
    return isinstance(layer, _BaseDropout)


def mc_forward(network, X, rng):
    """One Monte Carlo dropout pass: dropout on, every other layer in inference mode.

    Batch normalization therefore uses its moving statistics, as in Keras' MC dropout
    recipe. Nothing is cached, so fitted networks stay usable from several threads.
    """
    for layer in network.layers:
        if isinstance(layer, _BaseDropout):
            X = layer.sample(X, rng)[0]
        else:
            X = layer.forward(X, training=False)
    return X
