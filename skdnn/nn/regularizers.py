"""l1/l2 weight penalties on the kernels (Keras semantics).

The penalty ``l1 * sum|W| + l2 * sum W**2`` over all kernels (never biases, batch
norm or PReLU parameters) is added to each batch loss, and its gradient
``l1 * sign(W) + 2 * l2 * W`` to the kernel gradients after backpropagation.
"""

import numpy as np


class L1L2:
    """Kernel penalty ``l1 * sum|W| + l2 * sum W**2``.

    Parameters
    ----------
    l1 : float, default=0.0
    l2 : float, default=0.0
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = l1
        self.l2 = l2

    def __call__(self, kernels):
        """Add the penalty's gradient to each kernel gradient; return the penalty.

        Parameters
        ----------
        kernels : list of (ndarray, ndarray)
            ``(kernel, kernel_grad)`` pairs, e.g. ``Sequential.kernels``.

        Returns
        -------
        float
            The penalty for the current kernels.
        """
        penalty = 0.0
        if not kernels or not (self.l1 or self.l2):
            return penalty
        # One scratch buffer for |W|, sign(W) and 2 * l2 * W of every kernel.
        tmp = np.empty(max(W.size for W, _ in kernels), dtype=kernels[0][0].dtype)
        for W, G in kernels:
            dtype = W.dtype.type
            buf = tmp[: W.size].reshape(W.shape)
            if self.l1:
                np.abs(W, out=buf)
                penalty += self.l1 * float(np.sum(buf, dtype=np.float64))
                np.sign(W, out=buf)
                buf *= dtype(self.l1)
                G += buf
            if self.l2:
                flat = W.reshape(-1)
                penalty += self.l2 * float(np.dot(flat, flat))
                np.multiply(W, dtype(2 * self.l2), out=buf)
                G += buf
        return penalty

    def __repr__(self):
        return f"L1L2(l1={self.l1}, l2={self.l2})"
