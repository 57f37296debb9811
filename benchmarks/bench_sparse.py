"""Sparse X: memory and time of one epoch on a large CSR, and the two first-layer paths.

    python benchmarks/bench_sparse.py             # 200,000 x 50,000 CSR at 0.1 %
    python benchmarks/bench_sparse.py --compare   # densify per batch vs sparse @ dense

The default run builds a random CSR (float32 values in (0, 1], TF-IDF-like, the
same number of stored values in every row), then fits ``DNNClassifier`` for one
epoch (hidden (100,), max_iter=1, early_stopping=False) and reports X's own size
(data + indices + indptr), the process's peak RSS (VmHWM: everything, imports and
X included), the fit's peak above the RSS once X is built, and the epoch time. A
dense float32 copy of that X would take 40 GB.

``--compare`` times one epoch on a smaller CSR at several densities with each
path forced: every batch densified (``toarray`` into a buffer, then the dense
product) and every batch kept sparse (``X @ W`` and ``X.T @ dY`` as sparse
products). ``skdnn._sparse.SPARSE_DENSITY`` chooses between them from these
numbers.
"""

import argparse
import ctypes
import os
import time
import warnings

import numpy as np
from _common import limit_threads, machine_info
from scipy import sparse

from skdnn import DNNClassifier, _sparse


def vm_hwm_mb():
    """The process's peak resident set size so far, in MB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def vm_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def random_csr(n_samples, n_features, density, *, n_classes=10, seed=0):
    """A CSR with ``density * n_features`` values per row, and labels it predicts.

    Built in chunks of rows, so the peak while generating stays near X's size.
    Labels: the argmax of a random linear function of the row, a learnable task.
    """
    rng = np.random.default_rng(seed)
    per_row = max(1, round(density * n_features))
    nnz = n_samples * per_row
    indices = np.empty(nnz, dtype=np.int32)
    data = np.empty(nnz, dtype=np.float32)
    chunk = max(1, (1 << 20) // per_row)
    for lo in range(0, n_samples, chunk):
        hi = min(lo + chunk, n_samples)
        cols = rng.integers(0, n_features, size=(hi - lo, per_row), dtype=np.int32)
        cols.sort(axis=1)
        indices[lo * per_row : hi * per_row] = cols.ravel()
        data[lo * per_row : hi * per_row] = 1.0 - rng.random(
            (hi - lo) * per_row, dtype=np.float32
        )
    indptr = np.arange(
        0, nnz + 1, per_row, dtype=np.int64 if nnz >= 2**31 else np.int32
    )
    X = sparse.csr_matrix((data, indices, indptr), shape=(n_samples, n_features))
    W = rng.standard_normal((n_features, n_classes)).astype(np.float32)
    y = np.asarray(X @ W).argmax(axis=1)
    return X, y


def nbytes(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def one_epoch(X, y, **params):
    clf = DNNClassifier(
        hidden_layer_sizes=(100,), max_iter=1, early_stopping=False, random_state=0,
        **params,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        clf.fit(X, y)
        return time.perf_counter() - tic, clf


def trim():
    """Return freed heap memory to the system (glibc), so RSS shows what is in use."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def big(args):
    # the imports (NumPy, SciPy, scikit-learn, numba, skdnn) are done: the baseline
    before = vm_rss_mb()
    X, y = random_csr(args.n_samples, args.n_features, args.density)
    trim()
    size = nbytes(X) / 2**20
    rss_x = vm_rss_mb()
    resettable = reset_peak()
    seconds, clf = one_epoch(X, y)
    peak = vm_hwm_mb()
    dense_gb = args.n_samples * args.n_features * 4 / 1e9
    print(f"X: {X.shape[0]:,} x {X.shape[1]:,} CSR, density {_sparse.density(X):.4%}, "
          f"{X.nnz:,} stored values, float32; a dense float32 copy: {dense_gb:.0f} GB")  # fmt: skip
    print(f"X's own size (data + indices + indptr): {size:.0f} MB")
    print(f"RSS after the imports, before X is built (baseline): {before:.0f} MB")
    print(f"RSS once X is built: {rss_x:.0f} MB")
    print(f"peak RSS of the process (VmHWM): {peak:.0f} MB; above the baseline "
          f"{peak - before:.0f} MB = X + {peak - before - size:.0f} MB "
          f"(budget X + 300 MB = {size + 300:.0f} MB)")  # fmt: skip
    if resettable:
        print(f"fit's peak above the RSS once X is built: {peak - rss_x:.0f} MB")
    print(f"one epoch (fit, max_iter=1): {seconds:.1f} s; "
          f"training accuracy {clf.score(X[:20000], y[:20000]):.3f} (first 20,000 rows)")  # fmt: skip


def compare(args):
    densities = [float(d) for d in args.densities.split(",")]
    print(f"{args.compare_samples:,} x {args.compare_features:,} CSR, hidden (100,), "
          "batch 200, one epoch, best of 3 (seconds)")  # fmt: skip
    print("| density | densify each batch | sparse @ dense | faster |")
    print("|---|---|---|---|")
    for d in densities:
        X, y = random_csr(args.compare_samples, args.compare_features, d)
        times = {}
        for mode, threshold in (("dense", -1.0), ("sparse", 2.0)):
            _sparse.SPARSE_DENSITY = threshold
            times[mode] = min(one_epoch(X, y)[0] for _ in range(3))
        fast = "sparse" if times["sparse"] < times["dense"] else "densify"
        print(f"| {d:g} | {times['dense']:.2f} | {times['sparse']:.2f} | {fast} "
              f"({max(times.values()) / min(times.values()):.1f}x) |")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200_000)
    parser.add_argument("--n-features", type=int, default=50_000)
    parser.add_argument("--density", type=float, default=0.001)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--compare-samples", type=int, default=10_000)
    parser.add_argument("--compare-features", type=int, default=5_000)
    parser.add_argument("--densities", default="0.001,0.01,0.05,0.1,0.2,0.3,0.5")
    args = parser.parse_args()
    limiter = limit_threads()  # noqa: F841
    print("\n".join(machine_info()))
    print(f"- pid {os.getpid()}")
    (compare if args.compare else big)(args)


if __name__ == "__main__":
    main()
