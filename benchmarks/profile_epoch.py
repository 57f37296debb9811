"""Where one skdnn epoch spends its time: a per-batch breakdown.

Run by hand from the repository root::

    python benchmarks/profile_epoch.py                 # W1 batch 32 and W2
    python benchmarks/profile_epoch.py --workloads W2,W3 --cprofile
    python benchmarks/profile_epoch.py --workloads W3 --no-numba  # NumPy path only

Wraps the methods of one fitted network's layers, its loss and its optimizer with
``perf_counter`` timers (about 0.1 µs per call, small against the work), runs one
epoch, and prints microseconds per batch by component. The GEMMs inside Dense
layers are separated from the rest of Dense by timing the same products alone
(``X @ W``, ``X.T @ dY``, ``dY @ W.T``) on the shapes of the run. ``--cprofile``
adds a cProfile listing of the same epoch.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
import warnings
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import N_THREADS, limit_threads, make_blobs32  # noqa: E402
from bench_epoch import N_CLASSES, QUICK_N, WORKLOADS, SkdnnTrain  # noqa: E402

import skdnn  # noqa: E402
from skdnn.nn import _fast_layers as fast_layers  # noqa: E402
from skdnn.nn._jit import use_numba  # noqa: E402


def _timed(totals, counts, key, func, busy):
    def wrapper(*args, **kwargs):
        if busy[0]:  # inside a timed dispatcher call: counted there
            return func(*args, **kwargs)
        tic = time.perf_counter()
        out = func(*args, **kwargs)
        totals[key] += time.perf_counter() - tic
        counts[key] += 1
        return out

    return wrapper


def _timed_dispatch(totals, counts, suffix, func, busy):
    """Time ``_fast_layers.forward``/``backward`` under the layer's class name."""

    def wrapper(layer, *args, **kwargs):
        busy[0] += 1
        tic = time.perf_counter()
        try:
            return func(layer, *args, **kwargs)
        finally:
            key = f"{type(layer).__name__}.{suffix}"
            totals[key] += time.perf_counter() - tic
            counts[key] += 1
            busy[0] -= 1

    return wrapper


def _timed_pair(totals, counts, suffix, func, busy, lower_first):
    """Time ``_fast_layers.forward_pair``/``backward_pair`` as "BN+ELU.forward" etc."""

    def wrapper(first, second, *args, **kwargs):
        busy[0] += 1
        tic = time.perf_counter()
        try:
            return func(first, second, *args, **kwargs)
        finally:
            lower, upper = (first, second) if lower_first else (second, first)
            key = f"{type(lower).__name__}+{type(upper).__name__}.{suffix}"
            totals[key] += time.perf_counter() - tic
            counts[key] += 1
            busy[0] -= 1

    return wrapper


def instrument(est):
    """Wrap every layer's forward/backward, the loss and the optimizer step.

    Since the one-fit-path restructuring, activations and batch normalization run
    through the dispatcher ``skdnn.nn._fast_layers.forward``/``backward`` (compiled
    kernels, the bias of the Dense layer below fused in), so it is timed as well,
    under the layer's class name; a layer method it falls back to is counted once.
    Batch normalization and the activation above it run as a pair
    (``forward_pair``/``backward_pair``), timed as "BatchNormalization+ELU" etc.
    Returns the totals, the counts and a function that removes the dispatcher's
    wrappers.
    """
    totals, counts, busy = defaultdict(float), defaultdict(int), [0]
    for layer in est.network_.layers:
        kind = type(layer).__name__
        for name in ("forward", "backward"):
            method = getattr(layer, name)
            setattr(layer, name, _timed(totals, counts, f"{kind}.{name}", method, busy))
    loss = est.loss_function_
    loss.gradient = _timed(totals, counts, "loss.gradient", loss.gradient, busy)
    opt = est.optimizer_
    opt.step = _timed(totals, counts, "optimizer.step", opt.step, busy)
    original = (
        fast_layers.forward,
        fast_layers.backward,
        fast_layers.forward_pair,
        fast_layers.backward_pair,
    )
    fast_layers.forward = _timed_dispatch(totals, counts, "forward", original[0], busy)
    fast_layers.backward = _timed_dispatch(
        totals, counts, "backward", original[1], busy
    )
    fast_layers.forward_pair = _timed_pair(
        totals, counts, "forward", original[2], busy, lower_first=True
    )
    fast_layers.backward_pair = _timed_pair(
        totals, counts, "backward", original[3], busy, lower_first=False
    )

    def undo():
        (
            fast_layers.forward,
            fast_layers.backward,
            fast_layers.forward_pair,
            fast_layers.backward_pair,
        ) = original

    return totals, counts, undo


def gemm_only(est, X, batch, repeats=200):
    """Seconds per batch of the Dense layers' three products alone, on these shapes."""
    rng = np.random.default_rng(0)
    dense = [layer for layer in est.network_.layers if "kernel" in layer.params]
    x = np.ascontiguousarray(X[:batch])
    fwd = bwd_w = bwd_x = 0.0
    for i, layer in enumerate(dense):
        W = layer.params["kernel"]
        dY = rng.standard_normal((batch, W.shape[1]), dtype=np.float32)
        y = x @ W
        for _ in range(10):  # warm-up
            x @ W
        tic = time.perf_counter()
        for _ in range(repeats):
            x @ W
        fwd += (time.perf_counter() - tic) / repeats
        tic = time.perf_counter()
        for _ in range(repeats):
            x.T @ dY
        bwd_w += (time.perf_counter() - tic) / repeats
        if i > 0:
            tic = time.perf_counter()
            for _ in range(repeats):
                dY @ W.T
            bwd_x += (time.perf_counter() - tic) / repeats
        x = np.maximum(y, 0)
    return fwd, bwd_w, bwd_x


def profile(wname, quick, use_cprofile):
    spec = WORKLOADS[wname]
    n = QUICK_N[spec["n"]] if quick else spec["n"]
    X, y = make_blobs32(n, spec["d"], N_CLASSES, seed=0)
    c = SkdnnTrain(spec, X, y)
    c.warmup()
    c.run()  # a second epoch, uninstrumented
    est = c.est
    totals, counts, undo = instrument(est)
    try:
        t_epoch, _ = c.run()
    finally:
        undo()
    n_batches = counts["optimizer.step"]
    us = 1e6 / n_batches
    print(f"\n## {spec['title']}: {n} samples, {n_batches} batches\n")
    print(f"epoch {t_epoch:.3f} s = {t_epoch * us:.0f} µs per batch\n")
    print("| component | µs per batch | share |\n|---|---:|---:|")
    accounted = 0.0
    for key in sorted(totals, key=totals.get, reverse=True):
        accounted += totals[key]
        print(f"| {key} | {totals[key] * us:.0f} | {totals[key] / t_epoch:.0%} |")
    rest = t_epoch - accounted
    print(f"| rest (gather, loop, loss sum) | {rest * us:.0f} | {rest / t_epoch:.0%} |")
    fwd, bwd_w, bwd_x = gemm_only(est, X, spec["batch"])
    print(
        f"\nGEMMs alone on the same shapes: forward {fwd * 1e6:.0f} µs, "
        f"dW {bwd_w * 1e6:.0f} µs, dX {bwd_x * 1e6:.0f} µs, total "
        f"{(fwd + bwd_w + bwd_x) * 1e6:.0f} µs per batch; optimizer step "
        f"{totals['optimizer.step'] * us:.0f} µs for {est.network_.theta.size:,} "
        f"parameters ({totals['optimizer.step'] * us * 1e3 / est.network_.theta.size:.2f}"
        " ns each)"
    )
    if use_cprofile:
        # undo the wrappers' share: profile a fresh epoch
        c2 = SkdnnTrain(spec, X, y)
        c2.warmup()
        prof = cProfile.Profile()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prof.enable()
            c2.est.fit(X, y)
            prof.disable()
        print("\ncProfile, top 20 by total time:\n")
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", default="W1-b32,W2")
    parser.add_argument("--quick", action="store_true", help="smaller data")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument(
        "--no-numba", action="store_true", help="NumPy path: no compiled kernels"
    )
    parser.add_argument(
        "--threads", type=int, default=N_THREADS, help="BLAS threads (2)"
    )
    args = parser.parse_args(argv)
    limiter = limit_threads(args.threads)  # noqa: F841
    if args.no_numba:
        skdnn.set_config(use_numba=False)
    kernels = "on" if use_numba() else "off"
    print(f"{args.threads} BLAS threads, numba kernels {kernels}")
    for wname in args.workloads.split(","):
        profile(wname, args.quick, args.cprofile)


if __name__ == "__main__":
    main()
