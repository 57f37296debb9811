"""Periodic embeddings of numeric features (Gorishniy et al. 2022; RealMLP's PBLD).

A network on raw numbers must build every sharp or periodic dependence on a
feature out of its first layer's hyperplanes; a learned periodic expansion of
each feature gives it such functions directly. For each embedded feature ``x_j``
the layer computes ``k`` periodic features ``cos(2 pi w_j x_j + b_j)`` (learned
frequencies ``w_j ~ N(0, sigma**2)`` and phases ``b_j ~ U(-pi, pi)``), maps them
linearly to ``d`` values (its own ``k x d`` matrix and bias per feature), and
passes them on next to the unchanged inputs: the output is
``[e_1(x_1), ..., e_m(x_m), x]`` (RealMLP's "PBLD": periodic, bias, linear,
DenseNet-style concatenation).

Only columns with more than two distinct values in the training data are
embedded (``adapt``): binary columns, one-hot columns among them, pass through.
"""

import math

import numpy as np

from .layers import Layer
from .scaling import subsample


def numeric_columns(X):
    """Indices of the columns of ``X`` with more than two distinct values."""
    S = np.sort(np.asarray(X), axis=0)
    changes = np.count_nonzero(np.diff(S, axis=0) != 0, axis=0)
    return np.flatnonzero(changes >= 2)


class PeriodicEmbedding(Layer):
    """Learned periodic features of each numeric input, next to the inputs.

    Parameters
    ----------
    n_frequencies : int, default=16
        Periodic features ``cos(2 pi w x + b)`` per embedded input (``k``).
    size : int, default=3
        Values each embedded input is mapped to (``d``), besides the input itself.
    sigma : float, default=0.1
        Standard deviation of the initial frequencies ``w``, in cycles per unit of
        the (scaled) input.
    learning_rate_factor : float, default=1.0
        Multiplies the optimizer's learning rate for the layer's parameters
        (RealMLP uses 0.1; on the tabular benchmark 1.0 measured better for
        classification, the same for regression).
    passthrough : int, default=0
        The last ``passthrough`` inputs are never embedded (category codes).
    """

    def __init__(
        self, n_frequencies=16, size=3, sigma=0.1, learning_rate_factor=1.0,
        passthrough=0,
    ):  # fmt: skip
        super().__init__()
        self.passthrough = passthrough
        self.n_frequencies = n_frequencies
        self.size = size
        self.sigma = sigma
        self.learning_rate_factor = learning_rate_factor
        self.columns = None

    @property
    def learning_rate_factors(self):
        factor = self.learning_rate_factor
        return dict.fromkeys(("frequency", "phase", "kernel", "bias"), factor)

    def adapt(self, X, sample_weight=None):
        """Choose the embedded columns: those with more than two values in ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training inputs (as they reach this layer); at most ``MAX_ROWS`` of
            them (a fixed random subset) are looked at.
        sample_weight : ndarray of shape (n_samples,), optional
            Samples of weight 0 are left out.

        Returns
        -------
        self : PeriodicEmbedding
        """
        X, sample_weight = subsample(X, sample_weight)
        if sample_weight is not None:
            X = X[np.asarray(sample_weight) > 0]
        self.columns = numeric_columns(X[:, : X.shape[1] - self.passthrough])
        return self

    def _m(self):
        if self.columns is None:
            raise RuntimeError("PeriodicEmbedding.adapt(X) must run before building.")
        return self.columns.size

    def param_shapes(self, n_in):
        m, k, d = self._m(), self.n_frequencies, self.size
        return {
            "frequency": (m, k),
            "phase": (m, k),
            "kernel": (m, k, d),
            "bias": (m, d),
        }

    def output_size(self, n_in):
        return self._m() * self.size + n_in

    def initialize(self, n_in, rng, dtype):
        if self.columns.size and self.columns.max() >= n_in:
            raise ValueError(
                f"PeriodicEmbedding was adapted to more inputs than the {n_in} it has."
            )
        m, k, d = self._m(), self.n_frequencies, self.size
        p = self.params
        p["frequency"][...] = self.sigma * rng.standard_normal((m, k))
        p["phase"][...] = rng.uniform(-math.pi, math.pi, (m, k))
        # torch's Linear initialisation, as RealMLP: U(-1/sqrt(k), 1/sqrt(k))
        bound = 1 / math.sqrt(k)
        p["kernel"][...] = rng.uniform(-bound, bound, (m, k, d))
        p["bias"][...] = rng.uniform(-bound, bound, (m, d))

    def _angles(self, X):
        """``2 pi w x + b`` as an ``(m, n_samples, k)`` array (feature-major)."""
        dtype = X.dtype.type
        Xm = np.take(X, self.columns, axis=1).T  # (m, n)
        V = Xm[:, :, None] * (dtype(2 * math.pi) * self.params["frequency"])[:, None, :]
        V += self.params["phase"][:, None, :]
        return Xm, V

    def forward(self, X, *, training=False, rng=None):
        n, m, d = X.shape[0], self._m(), self.size
        Y = np.empty((n, m * d + X.shape[1]), dtype=X.dtype)
        Y[:, m * d :] = X
        if m == 0:
            return Y
        Xm, V = self._angles(X)
        C = np.cos(V)
        Z = np.matmul(C, self.params["kernel"])  # (m, n, d)
        Z += self.params["bias"][:, None, :]
        Y[:, : m * d] = Z.transpose(1, 0, 2).reshape(n, m * d)
        if training:
            self.cache.update(Xm=Xm, V=V, C=C)
        return Y

    def backward(self, dY, *, need_dX=True):
        n, m, d = dY.shape[0], self._m(), self.size
        dX = dY[:, m * d :].copy() if need_dX else None
        if m == 0:
            return dX
        g = self.grads
        Xm, V, C = self.cache["Xm"], self.cache["V"], self.cache["C"]
        dZ = dY[:, : m * d].reshape(n, m, d).transpose(1, 0, 2)  # (m, n, d)
        np.matmul(C.transpose(0, 2, 1), dZ, out=g["kernel"])
        np.add.reduce(dZ, axis=1, out=g["bias"])
        dV = np.matmul(dZ, self.params["kernel"].transpose(0, 2, 1))  # (m, n, k)
        dV *= np.sin(V)
        np.negative(dV, out=dV)  # d cos(v) = -sin(v) dv
        np.add.reduce(dV, axis=1, out=g["phase"])
        two_pi = dY.dtype.type(2 * math.pi)
        np.matmul(Xm[:, None, :], dV, out=g["frequency"][:, None, :])
        g["frequency"] *= two_pi
        if need_dX:
            # d(2 pi w x)/dx = 2 pi w, summed over the k frequencies
            dXm = np.matmul(dV, (two_pi * self.params["frequency"])[:, :, None])
            dX[:, self.columns] += dXm[:, :, 0].T
        return dX

    def __repr__(self):
        return (
            f"PeriodicEmbedding(n_frequencies={self.n_frequencies}, "
            f"size={self.size}, sigma={self.sigma})"
        )


class CategoryEmbedding(Layer):
    """A learned vector for each category of the last input columns (codes).

    The last ``len(cardinalities)`` input columns hold integer category codes
    (``0 .. cardinality - 1``, as floats); each is replaced by its category's
    row of a learned table of ``size`` values, and the other inputs pass
    unchanged: the output is ``[x_head, E_1[c_1], ..., E_m[c_m]]``. Code 0 is the
    "other" slot (rare and unseen categories); its row starts at 0, so that a
    category never trained on adds nothing. The other rows start at ``N(0, 1)``
    (``torch.nn.Embedding``'s initialisation, as RealMLP).

    Parameters
    ----------
    cardinalities : sequence of int
        Number of slots of each code column, "other" included.
    size : int, default=8
        Values per category.
    """

    def __init__(self, cardinalities, size=8):
        super().__init__()
        self.cardinalities = [int(c) for c in cardinalities]
        self.size = size
        self.offsets = np.cumsum([0] + self.cardinalities[:-1]).astype(np.intp)

    def param_shapes(self, n_in):
        return {"table": (sum(self.cardinalities), self.size)}

    def output_size(self, n_in):
        return n_in - len(self.cardinalities) * (1 - self.size)

    def initialize(self, n_in, rng, dtype):
        if n_in < len(self.cardinalities):
            raise ValueError(
                f"CategoryEmbedding has {len(self.cardinalities)} code columns, "
                f"the network only {n_in} inputs."
            )
        table = self.params["table"]
        table[...] = rng.standard_normal(table.shape)
        table[self.offsets] = 0

    def _rows(self, X):
        """Row of the table of each code, ``(n_samples, m)``."""
        m = len(self.cardinalities)
        # rounded, not truncated: a code of 2 - 1e-7 is category 2
        codes = np.rint(X[:, X.shape[1] - m :]).astype(np.intp)
        limit = np.asarray(self.cardinalities) - 1
        # codes beyond a column's table (a corrupted input) read "other"
        codes[(codes < 0) | (codes > limit)] = 0
        return codes + self.offsets

    def forward(self, X, *, training=False, rng=None):
        m, d = len(self.cardinalities), self.size
        head = X.shape[1] - m
        rows = self._rows(X)
        Y = np.empty((X.shape[0], head + m * d), dtype=X.dtype)
        Y[:, :head] = X[:, :head]
        Y[:, head:] = self.params["table"][rows].reshape(X.shape[0], m * d)
        if training:
            self.cache["rows"] = rows
        return Y

    def backward(self, dY, *, need_dX=True):
        m, d = len(self.cardinalities), self.size
        head = dY.shape[1] - m * d
        rows = self.cache["rows"].ravel()
        grad = self.grads["table"]
        grad[...] = 0
        np.add.at(grad, rows, dY[:, head:].reshape(-1, d))
        if not need_dX:
            return None
        dX = np.zeros((dY.shape[0], head + m), dtype=dY.dtype)
        dX[:, :head] = dY[:, :head]  # codes are not differentiable: 0
        return dX

    def __repr__(self):
        return (
            f"CategoryEmbedding(cardinalities={self.cardinalities}, size={self.size})"
        )
