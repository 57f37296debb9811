"""Regularizers of the kernels: penalties added to the loss, constraints after a step.

Each is one small class in the ``REGULARIZERS`` registry, named as the estimator
parameter that sets its strength (``l1``, ``l2``, ``max_norm``). The trainer calls
``penalty`` on every batch, after backpropagation: it adds the penalty's gradient to
the kernel gradients and returns the penalty, which is added to the batch loss; it
calls ``constrain`` after every optimizer step. Both act on kernels only, never on
biases, batch-norm or PReLU parameters (Keras' ``kernel_regularizer`` and
``kernel_constraint``).
"""

import numpy as np

from ._registry import Registry

REGULARIZERS = Registry("regularizer")


class Regularizer:
    """Base class: a penalty, a constraint, or both.

    Parameters
    ----------
    value : float
        The strength: the penalty's factor or the constraint's bound.
    """

    def __init__(self, value):
        self.value = value

    def penalty(self, kernels):
        """Add the penalty's gradient to each kernel gradient; return the penalty.

        Parameters
        ----------
        kernels : list of (ndarray, ndarray)
            ``(kernel, kernel_grad)`` pairs, e.g. ``Sequential.kernels``.

        Returns
        -------
        float
            The penalty for the current kernels (0 for a pure constraint).
        """
        return 0.0

    def constrain(self, kernels):
        """Project the kernels back into the allowed set, in place (after a step).

        Parameters
        ----------
        kernels : list of (ndarray, ndarray)
            ``(kernel, kernel_grad)`` pairs; only the kernels are used.
        """

    def __repr__(self):
        return f"{type(self).__name__}({self.value})"


class _Penalty(Regularizer):
    """A penalty summed over the kernels; ``_add(W, G, buf)`` is one kernel's."""

    def penalty(self, kernels):
        total = 0.0
        if not kernels or not self.value:
            return total
        # one scratch buffer, reused for every kernel
        tmp = np.empty(max(W.size for W, _ in kernels), dtype=kernels[0][0].dtype)
        for W, G in kernels:
            total += self._add(W, G, tmp[: W.size].reshape(W.shape))
        return total


@REGULARIZERS.register("l1")
class L1(_Penalty):
    """``l1 * sum|W|``, gradient ``l1 * sign(W)``: drives weights to exactly zero.

    Parameters
    ----------
    value : float
        ``l1``.
    """

    def _add(self, W, G, buf):
        np.abs(W, out=buf)
        value = self.value * float(np.sum(buf, dtype=np.float64))
        np.sign(W, out=buf)
        buf *= W.dtype.type(self.value)
        G += buf
        return value


@REGULARIZERS.register("l2")
class L2(_Penalty):
    """``l2 * sum W**2``, gradient ``2 * l2 * W``.

    Keras' scale, not scikit-learn's (whose ``alpha`` is divided by twice the
    number of samples).

    Parameters
    ----------
    value : float
        The factor ``l2``.
    """

    def _add(self, W, G, buf):
        flat = W.reshape(-1)
        value = self.value * float(np.dot(flat, flat))
        np.multiply(W, W.dtype.type(2 * self.value), out=buf)
        G += buf
        return value


@REGULARIZERS.register("max_norm")
class MaxNorm(Regularizer):
    """Max-norm: each unit's incoming weight vector (a kernel column) has norm <= r.

    ``w <- w * min(||w||, r) / (||w|| + 1e-7)`` (Keras' formula; it also shrinks
    columns below ``r`` by the factor ``||w|| / (||w|| + 1e-7)``).

    Parameters
    ----------
    value : float
        The largest column norm, ``r``.
    """

    def constrain(self, kernels):
        for W, _ in kernels:
            dtype = W.dtype.type
            norms = np.einsum("ij,ij->j", W, W)
            np.sqrt(norms, out=norms)
            factor = np.minimum(norms, dtype(self.value))
            norms += dtype(1e-7)
            factor /= norms
            W *= factor


def make_regularizers(**values):
    """The regularizers whose value is set, in registry order (l1, l2, max_norm).

    Parameters
    ----------
    **values : float or None
        Strength per registered name; 0 or None leaves that regularizer out.

    Returns
    -------
    list of Regularizer
    """
    return [
        REGULARIZERS.get(name)(values[name])
        for name in REGULARIZERS.names()
        if values.get(name)
    ]
