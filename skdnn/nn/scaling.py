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
from scipy import sparse, special

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
    passthrough : int, default=0
        The last ``passthrough`` inputs pass unchanged (category codes that a
        ``CategoryEmbedding`` above reads).
    """

    def __init__(self, method="robust", clip=3.0, passthrough=0):
        super().__init__()
        if method not in STATISTICS:
            raise ValueError(
                f"method must be one of {sorted(STATISTICS)}, got {method!r}."
            )
        self.method = method
        self.clip = clip
        self.passthrough = passthrough

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
        head = X.shape[1] - self.passthrough
        center, spread = STATISTICS[self.method](X[:, :head], sample_weight)
        with np.errstate(divide="ignore"):
            factor = np.where(spread > 0, 1.0 / spread, 0.0)
        tail = self.passthrough
        self.state = {
            "center": np.concatenate([center, np.zeros(tail)]),
            "factor": np.concatenate([factor, np.ones(tail)]),
        }
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
        head = Y[:, : Y.shape[1] - self.passthrough]
        # 1 / sqrt(1 + (y / c)**2), kept: it is the derivative's building block
        inv = np.multiply(head, dtype(1 / self.clip))
        np.square(inv, out=inv)
        inv += dtype(1)
        np.sqrt(inv, out=inv)
        np.divide(dtype(1), inv, out=inv)
        if training:
            self.cache["inv"] = inv
        head *= inv
        return Y

    def backward(self, dY, *, need_dX=True):
        if not need_dX:
            return None
        dX = dY * self.state["factor"]
        if self.clip is not None:
            # d/dy [y (1 + y^2/c^2)^(-1/2)] = (1 + y^2/c^2)^(-3/2)
            inv = self.cache["inv"]
            head = dX[:, : dX.shape[1] - self.passthrough]
            head *= inv
            head *= inv
            head *= inv
        return dX

    def __repr__(self):
        tail = f", passthrough={self.passthrough}" if self.passthrough else ""
        return f"InputScaling(method={self.method!r}, clip={self.clip}{tail})"


class FeatureScale(Layer):
    """A learned scale per input feature, ``y = x * s`` (RealMLP's front scale).

    ``s`` starts at 1 and trains ``learning_rate_factor`` times faster than the
    other parameters, so that the network can quickly turn down the features it
    does not need, or turn up those it does, before the first hidden layer.

    Parameters
    ----------
    learning_rate_factor : float, default=6.0
        Multiplies the optimizer's learning rate for ``s`` (RealMLP's value).
    passthrough : int, default=0
        The last ``passthrough`` inputs pass unchanged (category codes).
    """

    def __init__(self, learning_rate_factor=6.0, passthrough=0):
        super().__init__()
        self.learning_rate_factor = learning_rate_factor
        self.passthrough = passthrough

    @property
    def learning_rate_factors(self):
        return {"scale": self.learning_rate_factor}

    def param_shapes(self, n_in):
        return {"scale": (n_in - self.passthrough,)}

    def initialize(self, n_in, rng, dtype):
        self.params["scale"][...] = 1

    def forward(self, X, *, training=False, rng=None):
        if training:
            self.cache["X"] = X
        if self.passthrough:
            Y = X.copy()
            Y[:, : self.params["scale"].size] *= self.params["scale"]
            return Y
        return X * self.params["scale"]

    def backward(self, dY, *, need_dX=True):
        X = self.cache["X"]
        head = self.params["scale"].size
        if self.passthrough:
            # the ufunc method skips np.sum's Python wrapper
            np.add.reduce(dY[:, :head] * X[:, :head], axis=0, out=self.grads["scale"])
            if not need_dX:
                return None
            dX = dY.copy()
            dX[:, :head] *= self.params["scale"]
            return dX
        np.add.reduce(dY * X, axis=0, out=self.grads["scale"])
        return dY * self.params["scale"] if need_dX else None

    def inference_affine(self, dtype=None):
        """The layer as ``y = x * scale + shift`` (for folding)."""
        scale = self.params["scale"]
        dtype = scale.dtype if dtype is None else np.dtype(dtype)
        scale = np.concatenate([scale.astype(dtype), np.ones(self.passthrough, dtype)])
        return scale, np.zeros(scale.size, dtype=dtype)

    affine = True

    def __repr__(self):
        return f"FeatureScale(learning_rate_factor={self.learning_rate_factor})"


class QuantileScaling(Layer):
    """Each input mapped through its training distribution to a standard normal.

    ``y = Phi^-1(F(x))``: ``F`` is the column's empirical CDF at (at most)
    ``n_quantiles`` evenly spaced quantiles of the training data, interpolated
    linearly in between, as ``QuantileTransformer(output_distribution="normal")``;
    ``F`` is clipped to ``[1e-7, 1 - 1e-7]`` (scikit-learn's bound), so that
    outputs stay within about 5.2 in magnitude, and values beyond the training
    range map to the extremes. Tied quantiles (a column with few distinct values)
    take the mean of their levels, so that a binary column maps to two values
    symmetric about the middle of its levels (``QuantileTransformer`` maps a
    column's minimum and maximum to about -5.2 and 5.2 even when tied). A
    constant column becomes 0 (``QuantileTransformer``: 5.2). With
    ``sample_weight`` the quantiles are the inverted CDF's (``weighted_quantiles``).

    Every column's map is one piece of a single sorted array, searched at once:
    column ``j``'s values are first brought to ``[2 j, 2 j + 1]`` by its training
    minimum and maximum.

    Parameters
    ----------
    n_quantiles : int, default=1000
        Knots of each column's CDF (scikit-learn's default).
    passthrough : int, default=0
        The last ``passthrough`` inputs pass unchanged (category codes).
    """

    #: The bound on F of scikit-learn's QuantileTransformer.
    BOUND = 1e-7

    def __init__(self, n_quantiles=1000, passthrough=0):
        super().__init__()
        self.n_quantiles = n_quantiles
        self.passthrough = passthrough

    def adapt(self, X, sample_weight=None):
        """Fit each column's quantiles to the training data ``X`` (dense).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The training inputs; at most ``MAX_ROWS`` of them (a fixed random
            subset) are used.
        sample_weight : ndarray of shape (n_samples,), optional
            Weights of the samples in the quantiles (0: left out).

        Returns
        -------
        self : QuantileScaling
        """
        X, sample_weight = subsample(X, sample_weight)
        X = np.asarray(X, dtype=np.float64)[:, : X.shape[1] - self.passthrough]
        levels = np.linspace(0, 1, max(2, min(self.n_quantiles, X.shape[0])))
        if sample_weight is None:  # scikit-learn's: linear interpolation
            knots = np.percentile(X, 100 * levels, axis=0)
        else:  # the inverted CDF, which weights can define
            kept = X[np.asarray(sample_weight) > 0]
            knots = np.vstack(
                [kept.min(axis=0), weighted_quantiles(X, levels[1:], sample_weight)]
            )
        lo, hi = knots[0], knots[-1]
        width = np.where(hi > lo, hi - lo, 1.0)
        pieces, starts, cdf = [], [0], []
        for j in range(X.shape[1]):  # once per fit, one small array per column
            unique, inverse = np.unique(knots[:, j], return_inverse=True)
            mean_level = np.bincount(inverse, levels) / np.bincount(inverse)
            pieces.append((unique - lo[j]) / width[j] + 2 * j)
            cdf.append(mean_level)
            starts.append(starts[-1] + unique.size)
        self.state = {
            "low": lo,
            "width": width,
            "knots": np.concatenate(pieces),
            "cdf": np.concatenate(cdf),
            "starts": np.asarray(starts, dtype=np.intp),
        }
        return self

    def initialize(self, n_in, rng, dtype):
        if not self.state:
            raise RuntimeError(
                "QuantileScaling.adapt(X) must run before the network is built."
            )
        if self.state["low"].size + self.passthrough != n_in:
            raise ValueError(
                f"QuantileScaling was adapted to {self.state['low'].size} features "
                f"(+{self.passthrough} passed through), the network has {n_in} inputs."
            )

    def _map(self, X, slope=True):
        """``(Z, dZ/dX)`` of the head columns (``dZ/dX`` None unless ``slope``)."""
        s = self.state
        m = s["low"].size
        # each column's values within [2 j, 2 j + 1], in float64 for the search
        V = (X[:, :m] - s["low"]) / s["width"]
        np.clip(V, 0.0, 1.0, out=V)
        inside = (V > 0) & (V < 1)
        V += 2 * np.arange(m)
        first, last = s["starts"][:-1], s["starts"][1:] - 1
        k = np.searchsorted(s["knots"], V, side="right") - 1
        # a segment [k, k + 1] within the column (none for a constant column)
        k = np.clip(k, first, np.maximum(last - 1, first))
        knots, cdf = s["knots"], s["cdf"]
        upper = np.minimum(k + 1, last)
        span = knots[upper] - knots[k]
        flat = span <= 0
        rise = (cdf[upper] - cdf[k]) / np.where(flat, 1.0, span)
        F = cdf[k] + rise * (V - knots[k])
        F = np.where(flat, cdf[k], F)
        F = np.clip(F, self.BOUND, 1 - self.BOUND)
        Z = special.ndtri(F)
        constant = (last == first)[None, :]
        Z = np.where(constant, 0.0, Z)
        if not slope:  # inference, and the training set's once-per-fit pass
            return Z, None
        # dZ/dX = rise / width / phi(Z), zero where X lies beyond the training
        # range or F is clipped
        density = np.exp(-0.5 * Z * Z) / np.sqrt(2 * np.pi)
        dZ = np.where(inside & ~flat, rise / s["width"] / density, 0.0)
        dZ[(F <= self.BOUND) | (F >= 1 - self.BOUND)] = 0.0
        return Z, np.where(constant, 0.0, dZ)

    def forward(self, X, *, training=False, rng=None):
        Z, slope = self._map(X, slope=training)
        Y = np.empty_like(X)
        m = Z.shape[1]
        Y[:, :m] = Z
        Y[:, m:] = X[:, m:]
        if training:
            self.cache["slope"] = slope.astype(X.dtype)
        return Y

    def backward(self, dY, *, need_dX=True):
        if not need_dX:
            return None
        dX = dY.copy()
        m = self.cache["slope"].shape[1]
        dX[:, :m] *= self.cache["slope"]
        return dX

    def __repr__(self):
        tail = f", passthrough={self.passthrough}" if self.passthrough else ""
        return f"QuantileScaling(n_quantiles={self.n_quantiles}{tail})"
