"""Weight constraints, applied after every optimizer step."""

import numpy as np


class MaxNorm:
    """Max-norm: each unit's incoming weight vector (a kernel column) has norm <= r.

    ``w <- w * min(||w||, r) / (||w|| + 1e-7)`` (Keras' formula; it also shrinks
    columns below ``r`` by the factor ``||w|| / (||w|| + 1e-7)``).

    Parameters
    ----------
    max_value : float
        The largest allowed column norm ``r``.
    """

    def __init__(self, max_value):
        self.max_value = max_value

    def __call__(self, kernels):
        """Rescale the columns of each kernel in place.

        Parameters
        ----------
        kernels : list of (ndarray, ndarray)
            ``(kernel, kernel_grad)`` pairs, e.g. ``Sequential.kernels``; only the
            kernels are used.
        """
        for W, _ in kernels:
            dtype = W.dtype.type
            norms = np.einsum("ij,ij->j", W, W)
            np.sqrt(norms, out=norms)
            factor = np.minimum(norms, dtype(self.max_value))
            norms += dtype(1e-7)
            factor /= norms
            W *= factor

    def __repr__(self):
        return f"MaxNorm({self.max_value})"
