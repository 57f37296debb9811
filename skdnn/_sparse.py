"""Sparse ``X`` (scipy CSR or CSC, matrices or arrays) without densifying all of it.

The network sees sparse rows in exactly one place: the input of its lowest layer.
When that layer is a ``Dense`` layer and ``X`` is sparse enough, a mini-batch (or a
block of rows at prediction) stays sparse and the layer computes ``X @ W`` as a
sparse product, its kernel gradient as ``X.T @ dY``; otherwise (input batch norm
or input dropout below it, or dense-ish data) each batch or block is densified on
its own, in a buffer of at most ``DENSE_BLOCK_BYTES`` at prediction. Either way
the largest dense array is one batch or block of rows, never all of ``X``.

``X`` is kept as CSR: the user's CSR in the network's dtype is used as is, a CSR
in another dtype gets a converted copy of its values only (the index arrays are
shared), and CSC (or any other format scikit-learn converts) is converted to CSR
once.
"""

import numpy as np
import scipy.sparse as sp

from .nn.layers import Dense

#: Density (stored values / all values) up to which batches stay sparse for the
#: first Dense layer. Measured (benchmarks/bench_sparse.py --compare, 10,000 x
#: 5,000, batches of 200 into 100 units): the sparse product takes 1/14 of the
#: densified batch's time at density 0.001, 1/2.4 at 0.05, the same at 0.2, and
#: 1.5x at 0.3; above 0.2 each batch is densified.
SPARSE_DENSITY = 0.2

#: Largest densified block at prediction, validation and Monte Carlo dropout.
DENSE_BLOCK_BYTES = 32 * 2**20

issparse = sp.issparse


def to_csr(X, dtype):
    """``X`` as CSR in ``dtype``, copying only what must change (see the module)."""
    if X.format != "csr":
        X = X.tocsr()
    if X.dtype != dtype:
        X = type(X)((X.data.astype(dtype), X.indices, X.indptr), shape=X.shape)
    return X


def density(X):
    """The fraction of ``X``'s values that are stored."""
    return X.nnz / max(X.shape[0] * X.shape[1], 1)


def keeps_sparse(layer, X):
    """Whether rows of sparse ``X`` go into ``layer`` sparse (else densified)."""
    return isinstance(layer, Dense) and density(X) <= SPARSE_DENSITY


def rows(X, idx, out, keep_sparse):
    """Rows ``idx`` of CSR ``X``: CSR, or densified into ``out`` (zeroed here)."""
    batch = X[idx]
    if keep_sparse:
        return batch
    out = out[: batch.shape[0]]
    out.fill(0)
    return batch.toarray(out=out)


def dense_block_rows(X, most):
    """Rows per densified block of ``X``: ``most``, fewer above DENSE_BLOCK_BYTES."""
    row_bytes = max(X.shape[1], 1) * X.dtype.itemsize
    return int(max(1, min(most, DENSE_BLOCK_BYTES // row_bytes)))


def densify(X):
    """A block of rows as a dense array (a no-op for a dense one)."""
    return X.toarray() if issparse(X) else X


def column_moments(X):
    """Mean, standard deviation and root mean square of the stored values, per
    column of sparse ``X``, in float64, without densifying (chunks of values)."""
    X = X.tocsr() if X.format != "csr" else X
    n_rows, n_cols = X.shape
    total, squares = np.zeros(n_cols), np.zeros(n_cols)
    count = np.bincount(X.indices, minlength=n_cols)
    chunk = 1 << 20
    with np.errstate(over="ignore", invalid="ignore"):
        for lo in range(0, X.nnz, chunk):
            values = X.data[lo : lo + chunk].astype(np.float64)
            columns = X.indices[lo : lo + chunk]
            total += np.bincount(columns, weights=values, minlength=n_cols)
            squares += np.bincount(columns, weights=values * values, minlength=n_cols)
        n = max(n_rows, 1)
        mean = total / n
        std = np.sqrt(np.maximum(squares / n - mean * mean, 0.0))
        stored_rms = np.sqrt(squares / np.maximum(count, 1))
    return mean, std, stored_rms, count
