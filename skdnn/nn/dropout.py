"""Dropout (Srivastava et al. 2014), alpha dropout (Klambauer et al. 2017) and
Monte Carlo dropout (Gal & Ghahramani 2016).

Both layers are the identity at inference. In training they draw a keep-mask with
probability ``1 - rate`` from the ``rng`` passed to ``forward`` (never NumPy's global
random state) and ``apply`` it. Monte Carlo dropout (in ``skdnn._predict``) applies
masks of its own at inference.
"""

import numpy as np

from .activations import SELU
from .layers import Layer


class _BaseDropout(Layer):
    deterministic = False
    random = True

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
        if isinstance(rng, np.random.Generator):
            # 32 random bits an element, compared with rate * 2**32: 3.3x faster
            # than RandomState's float64 uniforms (a fifth of a default
            # classifier's fit went to its masks), and the rate exact to 2**-32
            n = X.size
            bits = rng.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n]
            threshold = np.uint32(min(round(self.rate * 2**32), 2**32 - 1))
            return (bits >= threshold).reshape(X.shape)
        return rng.random_sample(X.shape) >= self.rate

    def forward(self, X, *, training=False, rng=None):
        if not training:
            return X
        Y, multiplier = self.apply(X, self._keep_mask(X, rng))
        self.cache["multiplier"] = multiplier
        return Y

    def backward(self, dY, *, need_dX=True):
        # Both variants are y = x * multiplier + constant.
        return dY * self.cache["multiplier"] if need_dX else None

    def apply(self, X, keep):
        """The output for ``X`` with the elements where ``keep`` is False dropped.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Input batch.
        keep : ndarray of bool, same shape
            The mask: True keeps an element.

        Returns
        -------
        Y : ndarray
            The output.
        multiplier : ndarray
            ``dY/dX``, element-wise. Nothing is cached.
        """
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

    def apply(self, X, keep):
        multiplier = keep.astype(X.dtype)
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

    def apply(self, X, keep):
        p = self.rate
        alpha_p = -SELU.scale * SELU.alpha
        a = ((1 - p) * (1 + p * alpha_p**2)) ** -0.5
        b = -a * alpha_p * p
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
