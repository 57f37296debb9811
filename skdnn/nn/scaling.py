"""Input scaling fitted on the training data, with optional smooth clipping.

Like Keras' ``Normalization`` layer, ``InputScaling`` learns its statistics from
the data once (``adapt``), before training, and keeps them as non-trainable state.
"robust" follows RealMLP (Holzmüller et al. 2024): centre each column on its
median, divide by its interquartile range (half its range where that is 0), then
clip smoothly, ``x / sqrt(1 + (x / c)**2)`` with ``c = 3``, so that outliers
stay below ``c`` in magnitude instead of dominating the first layer. "standard"
centres on the mean and divides by the standard deviation (StandardScaler).

Without clipping the layer is an affine map per feature, which folding merges
into the Dense layer above it for inference (``folding.fold_batch_norm``).
"""

import numpy as np
from scipy import sparse

from .layers import Layer

#: Rows of the training data the statistics are computed from, at most: the
#: median and quartiles of 10,000 rows are as good as those of all of them.
MAX_ROWS = 10_000


def weighted_quantiles(X, quantiles, weights=None):
    """Quantiles of each column, by the inverted CDF (no interpolation).

    The ``q``-quantile is the smallest value whose cumulative weight reaches ``q``
    of the total, so that a sample of weight 2 counts as that sample twice and
    a sample of weight 0 as no sample at all.

    Returns
    -------
    ndarray of shape (len(quantiles), n_features)
    """
    order = np.argsort(X, axis=0, kind="stable")
    S = np.take_along_axis(X, order, axis=0)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, np.float64)
    cumulative = np.cumsum(w[order], axis=0)
    total = cumulative[-1]
    out = np.empty((len(quantiles), X.shape[1]))
    for i, q in enumerate(quantiles):
        # first row whose cumulative weight reaches q of the total (q > 0)
        first = np.argmax(cumulative >= q * total, axis=0)
        out[i] = np.take_along_axis(S, first[None, :], axis=0)[0]
    return out


def robust_statistics(X, weights=None):
    """Median and interquartile range of each column (half the range where it is 0).

    Returns
    -------
    center, spread : ndarray of shape (n_features,), float64
        ``spread`` is 0 only for a constant column.
    """
    X = np.asarray(X, dtype=np.float64)
    q1, median, q3 = weighted_quantiles(X, (0.25, 0.5, 0.75), weights)
    spread = q3 - q1
    flat = spread == 0
    if flat.any():
        kept = X if weights is None else X[np.asarray(weights) > 0]
        half_range = 0.5 * (kept[:, flat].max(axis=0) - kept[:, flat].min(axis=0))
        spread[flat] = half_range
    return median, spread


def standard_statistics(X, weights=None):
    """(Weighted) mean and standard deviation of each column (float64).

    Sparse ``X`` is not densified: the moments come from two sparse products.
    """
    if sparse.issparse(X):
        X = X.astype(np.float64)
        w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, np.float64)
        w = w / w.sum()
        mean = np.asarray(X.T @ w).ravel()
        square = np.asarray(X.multiply(X).T @ w).ravel()
        return mean, np.sqrt(np.maximum(square - mean * mean, 0.0))
    X = np.asarray(X, dtype=np.float64)
    mean = np.average(X, axis=0, weights=weights)
    return mean, np.sqrt(np.average((X - mean) ** 2, axis=0, weights=weights))


STATISTICS = {"robust": robust_statistics, "standard": standard_statistics}


def subsample(X, sample_weight=None, max_rows=MAX_ROWS):
    """At most ``max_rows`` rows of ``X`` (a fixed random subset, in order)."""
    if X.shape[0] <= max_rows:
        return X, sample_weight
    rows = np.sort(np.random.RandomState(0).choice(X.shape[0], max_rows, replace=False))
    return X[rows], None if sample_weight is None else sample_weight[rows]


class InputScaling(Layer):
    """``y = clip((x - center) / spread)`` per feature, statistics from ``adapt``.

    Parameters
    ----------
    method : {"robust", "standard"}, default="robust"
        "robust": median and interquartile range; "standard": mean and standard
        deviation. A constant column becomes 0.
    clip : float or None, default=3.0
        Smooth clipping ``y / sqrt(1 + (y / clip)**2)`` after scaling: close to
        the identity near 0, never beyond ``clip`` in magnitude. None: no clipping.
    """

    def __init__(self, method="robust", clip=3.0):
        super().__init__()
        if method not in STATISTICS:
            raise ValueError(
                f"method must be one of {sorted(STATISTICS)}, got {method!r}."
            )
        self.method = method
        self.clip = clip

    def adapt(self, X, sample_weight=None):
        """Compute the statistics from the training data ``X`` (dense).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The training inputs; at most ``MAX_ROWS`` of them (a fixed random
            subset) are used.
        sample_weight : ndarray of shape (n_samples,), optional
            Weights of the samples in the statistics (0: left out).

        Returns
        -------
        self : InputScaling
        """
        X, sample_weight = subsample(X, sample_weight)
        center, spread = STATISTICS[self.method](X, sample_weight)
        with np.errstate(divide="ignore"):
            factor = np.where(spread > 0, 1.0 / spread, 0.0)
        self.state = {"center": center, "factor": factor}
        return self

    def initialize(self, n_in, rng, dtype):
        if not self.state:
            raise RuntimeError(
                "InputScaling.adapt(X) must run before the network is built."
            )
        if self.state["center"].shape != (n_in,):
            raise ValueError(
                f"InputScaling was adapted to {self.state['center'].size} features, "
                f"the network has {n_in} inputs."
            )
        state = {name: np.asarray(a, np.float64) for name, a in self.state.items()}
        # a spread so small that its inverse nears the dtype's range (a column
        # varying by 1e-45 in float32) is no variation: the column counts as
        # constant, instead of scaling by infinity
        limit = np.finfo(dtype).max * 1e-4
        state["factor"] = np.where(state["factor"] <= limit, state["factor"], 0.0)
        self.state = {name: a.astype(dtype) for name, a in state.items()}

    def inference_affine(self, dtype=None):
        """The scaling without clipping as ``y = x * scale + shift`` (for folding)."""
        factor = self.state["factor"]
        dtype = factor.dtype if dtype is None else np.dtype(dtype)
        factor = factor.astype(dtype)
        return factor, -self.state["center"].astype(dtype) * factor

    @property
    def affine(self):
        """Whether the layer is affine (no clipping), hence foldable."""
        return self.clip is None

    def forward(self, X, *, training=False, rng=None):
        Y = X - self.state["center"]
        Y *= self.state["factor"]
        if self.clip is None:
            return Y
        dtype = Y.dtype.type
        # 1 / sqrt(1 + (y / c)**2), kept: it is the derivative's building block
        inv = np.multiply(Y, dtype(1 / self.clip))
        np.square(inv, out=inv)
        inv += dtype(1)
        np.sqrt(inv, out=inv)
        np.divide(dtype(1), inv, out=inv)
        if training:
            self.cache["inv"] = inv
        Y *= inv
        return Y

    def backward(self, dY, *, need_dX=True):
        if not need_dX:
            return None
        dX = dY * self.state["factor"]
        if self.clip is not None:
            # d/dy [y (1 + y^2/c^2)^(-1/2)] = (1 + y^2/c^2)^(-3/2)
            inv = self.cache["inv"]
            dX *= inv
            dX *= inv
            dX *= inv
        return dX

    def __repr__(self):
        return f"InputScaling(method={self.method!r}, clip={self.clip})"


class FeatureScale(Layer):
    """A learned scale per input feature, ``y = x * s`` (RealMLP's front scale).

    ``s`` starts at 1 and trains ``learning_rate_factor`` times faster than the
    other parameters, so that the network can quickly turn down the features it
    does not need, or turn up those it does, before the first hidden layer.

    Parameters
    ----------
    learning_rate_factor : float, default=6.0
        Multiplies the optimizer's learning rate for ``s`` (RealMLP's value).
    """

    def __init__(self, learning_rate_factor=6.0):
        super().__init__()
        self.learning_rate_factor = learning_rate_factor

    @property
    def learning_rate_factors(self):
        return {"scale": self.learning_rate_factor}

    def param_shapes(self, n_in):
        return {"scale": (n_in,)}

    def initialize(self, n_in, rng, dtype):
        self.params["scale"][...] = 1

    def forward(self, X, *, training=False, rng=None):
        if training:
            self.cache["X"] = X
        return X * self.params["scale"]

    def backward(self, dY, *, need_dX=True):
        X = self.cache["X"]
        # the ufunc method skips np.sum's Python wrapper
        np.add.reduce(dY * X, axis=0, out=self.grads["scale"])
        return dY * self.params["scale"] if need_dX else None

    def inference_affine(self, dtype=None):
        """The layer as ``y = x * scale + shift`` (for folding)."""
        scale = self.params["scale"]
        dtype = scale.dtype if dtype is None else np.dtype(dtype)
        return scale.astype(dtype), np.zeros(scale.size, dtype=dtype)

    affine = True

    def __repr__(self):
        return f"FeatureScale(learning_rate_factor={self.learning_rate_factor})"
