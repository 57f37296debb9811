"""Weight initializers: one ``VarianceScaling`` and its presets (Keras 3 semantics).

A kernel of shape ``(fan_in, fan_out)`` is drawn with variance ``scale / n`` where ``n``
is ``fan_in``, ``fan_out`` or their average. Biases always start at zero.
"""

import numpy as np

from ._registry import Registry

INITIALIZERS = Registry("kernel_initializer")

# std of a unit normal truncated at +-2 std; dividing by it restores the wanted std
_TRUNCATED_STD = 0.87962566103423978


class VarianceScaling:
    """Draw weights with variance ``scale / n``.

    Parameters
    ----------
    scale : float
        Variance numerator (1 for Glorot and LeCun, 2 for He).
    mode : {"fan_in", "fan_out", "fan_avg"}
        What ``n`` is.
    distribution : {"uniform", "normal"}
        ``"uniform"`` draws from ``U(-L, L)`` with ``L = sqrt(3 * scale / n)``;
        ``"normal"`` from a normal truncated at two standard deviations (values beyond
        are redrawn), rescaled so that the final std is ``sqrt(scale / n)``.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal"):
        self.scale = scale
        self.mode = mode
        self.distribution = distribution

    def __call__(self, shape, rng):
        fan_in, fan_out = shape[0], shape[-1]
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[
            self.mode
        ]
        n = max(1.0, n)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * self.scale / n)
            return rng.uniform(-limit, limit, size=shape)
        std = np.sqrt(self.scale / n) / _TRUNCATED_STD
        return std * truncated_normal(shape, rng)


def truncated_normal(shape, rng):
    """Standard normal samples with every value beyond +-2 redrawn."""
    out = rng.standard_normal(size=shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(size=int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out


def _preset(name, scale, mode, distribution):
    def factory():
        return VarianceScaling(scale, mode, distribution)

    factory.__name__ = name
    factory.__doc__ = f"``VarianceScaling({scale}, {mode!r}, {distribution!r})``."
    INITIALIZERS.register(name)(factory)


for _dist in ("uniform", "normal"):
    _preset(f"glorot_{_dist}", 1.0, "fan_avg", _dist)
    _preset(f"he_{_dist}", 2.0, "fan_in", _dist)
    _preset(f"lecun_{_dist}", 1.0, "fan_in", _dist)


def get_initializer(spec):
    """A callable ``init(shape, rng) -> array`` from a registered name or a callable."""
    if callable(spec):
        return spec
    return INITIALIZERS.get(spec)()
