"""Central finite differences, shared by the gradient tests."""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """d f / d x by central differences; ``f`` reads ``x``, which is perturbed in place."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def away_from_zero(rng, shape, low=0.05, high=2.0):
    """Random values with |x| in [low, high]: no kink of ReLU-like functions nearby."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)
