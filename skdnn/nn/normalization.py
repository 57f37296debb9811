"""Batch normalization (Ioffe & Szegedy 2015): the formulas.

Training normalises each feature with the statistics of the current mini-batch
(biased variance) and updates the moving statistics, Keras style:
``m <- m * momentum + mu_B * (1 - momentum)``. Inference uses the moving statistics,
which makes the layer an affine map per feature, ``y = x * scale + shift``, that can
be folded into an adjacent Dense layer (``folding.fold_batch_norm``). The compiled
variants, with the same results, are in ``_fast_layers``.
"""

import numpy as np

from .layers import Layer


class BatchNormalization(Layer):
    """Normalise each feature over the batch, then scale by ``gamma``, shift by ``beta``.

    Parameters
    ----------
    momentum : float, default=0.99
        Weight of the old value in the moving mean and variance.
    epsilon : float, default=1e-3
        Added to the variance before the square root.

    Notes
    -----
    ``gamma`` (init 1) and ``beta`` (init 0) are trainable parameters; the moving
    mean (init 0) and variance (init 1) are non-trainable ``state``, updated by every
    forward pass with ``training=True``.
    """

    saved = ("xhat", "inv_std")

    # The training-mode output depends on the whole batch.
    deterministic = False

    def __init__(self, momentum=0.99, epsilon=1e-3):
        super().__init__()
        self.momentum = momentum
        self.epsilon = epsilon

    def param_shapes(self, n_in):
        return {"gamma": (n_in,), "beta": (n_in,)}

    def adapt(self, X, sample_weight=None):
        """Start the moving statistics at those of the training data ``X``.

        For batch norm on the inputs, whose statistics are known before
        training: the moving averages otherwise start at mean 0 and variance 1
        and need hundreds of steps to reach the data's (``1 - momentum**t`` of
        the way after ``t`` steps: 70% after the 120 steps of 60 epochs of two
        batches), so that a small data set's model predicts with statistics far
        from its inputs'.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
            The layer's training inputs; at most ``MAX_ROWS`` of them (a fixed
            random subset) are used. Sparse ``X`` is not densified.
        sample_weight : ndarray of shape (n_samples,), optional
            Weights of the samples in the statistics.

        Returns
        -------
        self : BatchNormalization
        """
        from .scaling import standard_statistics, subsample

        X, sample_weight = subsample(X, sample_weight)
        mean, std = standard_statistics(X, sample_weight)
        return self.start_at(mean, std**2)

    def start_at(self, mean, variance):
        """Start the moving statistics at ``mean`` and ``variance``.

        Parameters
        ----------
        mean, variance : array-like of shape (n_features,)
            The starting moving mean and moving variance, per feature. Before
            the layer is built they are kept for ``initialize``; after, they
            overwrite the current moving statistics.

        Returns
        -------
        self : BatchNormalization
        """
        self._initial = (np.asarray(mean, np.float64), np.asarray(variance, np.float64))
        if self.state:  # built already: start from here
            self.state["moving_mean"][...] = self._initial[0]
            self.state["moving_variance"][...] = self._initial[1]
        return self

    def initialize(self, n_in, rng, dtype):
        self.params["gamma"][...] = 1
        self.params["beta"][...] = 0
        mean, var = getattr(self, "_initial", (np.zeros(n_in), np.ones(n_in)))
        self.state = {
            "moving_mean": np.asarray(mean, dtype=dtype).copy(),
            "moving_variance": np.asarray(var, dtype=dtype).copy(),
        }

    def inference_affine(self, dtype=None):
        """The inference-mode layer as a per-feature affine map.

        Parameters
        ----------
        dtype : numpy.dtype, optional
            Dtype of the result (default: the parameters' dtype); folding uses
            float64.

        Returns
        -------
        scale, shift : ndarray of shape (n_features,)
            ``y = x * scale + shift``, from ``gamma``, ``beta`` and the moving
            statistics.
        """
        dtype = self.params["gamma"].dtype if dtype is None else dtype
        gamma = self.params["gamma"].astype(dtype)
        beta = self.params["beta"].astype(dtype)
        mean = self.state["moving_mean"].astype(dtype)
        var = self.state["moving_variance"].astype(dtype)
        scale = gamma / np.sqrt(var + dtype.type(self.epsilon))
        return scale, beta - mean * scale

    def forward(self, X, *, training=False, rng=None):
        if not training:
            scale, shift = self.inference_affine(X.dtype)
            Y = X * scale
            Y += shift
            return Y
        gamma, beta = self.params["gamma"], self.params["beta"]
        moving_mean = self.state["moving_mean"]
        moving_var = self.state["moving_variance"]
        dtype = X.dtype.type
        n = X.shape[0]
        mean = X.mean(axis=0)
        xhat = X - mean
        # Not einsum: its SIMD partial sums would not add the rows in order.
        Y = np.multiply(xhat, xhat)
        var = Y.sum(axis=0)
        var /= dtype(n)
        inv_std = var + dtype(self.epsilon)
        np.sqrt(inv_std, out=inv_std)
        np.divide(dtype(1), inv_std, out=inv_std)
        xhat *= inv_std
        np.multiply(xhat, gamma, out=Y)
        Y += beta
        self.cache["xhat"] = xhat
        self.cache["inv_std"] = inv_std
        momentum = dtype(self.momentum)
        rest = dtype(1 - self.momentum)
        for moving, batch_value in ((moving_mean, mean), (moving_var, var)):
            moving *= momentum
            moving += batch_value * rest
        return Y

    def backward(self, dY, *, need_dX=True):
        xhat, inv_std = self.cache["xhat"], self.cache["inv_std"]
        gamma = self.params["gamma"]
        dgamma, dbeta = self.grads["gamma"], self.grads["beta"]
        n = dY.dtype.type(dY.shape[0])
        # Not einsum, as in forward.
        dX = np.multiply(dY, xhat)
        dX.sum(axis=0, out=dgamma)
        np.sum(dY, axis=0, out=dbeta)
        if not need_dX:
            return None
        # dX = gamma * inv_std * (dY - mean(dY) - xhat * mean(dY * xhat))
        np.multiply(xhat, dgamma / -n, out=dX)
        dX += dY
        dX -= dbeta / n
        dX *= gamma * inv_std
        return dX

    def __repr__(self):
        return f"BatchNormalization(momentum={self.momentum}, epsilon={self.epsilon})"
