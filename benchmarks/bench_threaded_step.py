"""Experiment: the optimizer step split over two threads (not in the package).

For issue 18's W1-b32 target, which a single-threaded step cannot reach (see
``bench_loop_variants.py --batch 32``): how much of an epoch would a step that
runs the compiled update on two halves of the parameter vector at once save?
The kernels release the GIL (numba ``nogil``), so a second Python thread runs
its half in parallel; the update is element-wise, so the results are the same
bits. This script patches ``Optimizer._apply`` for the "threaded" contender only
and times epochs of both, interleaved, with 2 BLAS threads:

    python benchmarks/bench_threaded_step.py [--repeats 7] [--workloads W1-b32,W3]

Needs numba (the ``fast`` extra).
"""

import argparse
import contextlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from _common import SkdnnEpochs, limit_threads, make_blobs32  # noqa: E402

from skdnn.nn import optimizers  # noqa: E402

WORKLOADS = {
    "W1-b32": dict(
        data=(60000, 784),
        params=dict(hidden_layer_sizes=(300, 100), optimizer="adam", batch_size=32),
    ),
    "W3": dict(
        data=(10000, 3072),
        params=dict(
            hidden_layer_sizes=(100,) * 20,
            activation="elu",
            batch_norm="before",
            optimizer="nadam",
            batch_size=32,
        ),  # fmt: skip
    ),
}

_pool = ThreadPoolExecutor(max_workers=1)
_original_apply = optimizers.Optimizer._apply


def _threaded_apply(self, theta, grad, slots, lr):
    """The fused update on the upper half in a worker thread, the lower half here."""
    fused = optimizers.FUSED_UPDATES.get(type(self))
    half = theta.size // 2
    if fused is None or half < 4096:
        return _original_apply(self, theta, grad, slots, lr)
    upper = {k: v[half:] for k, v in slots.items()}
    lower = {k: v[:half] for k, v in slots.items()}
    job = _pool.submit(
        fused, self, theta[half:], grad[half:], upper, lr, self.iterations
    )
    fused(self, theta[:half], grad[:half], lower, lr, self.iterations)
    job.result()


@contextlib.contextmanager
def _step(threaded):
    """``Optimizer._apply`` threaded (or plain) for the duration of the block."""
    optimizers.Optimizer._apply = _threaded_apply if threaded else _original_apply
    try:
        yield
    finally:
        optimizers.Optimizer._apply = _original_apply


class Epochs:
    """One more warm-started epoch per call, with the plain or the threaded step."""

    def __init__(self, X, y, params, threaded):
        self.threaded = threaded
        with _step(threaded):
            self.inner = SkdnnEpochs(X, y, kernel_initializer="he_normal", **params)

    def epoch(self):
        with _step(self.threaded):
            return self.inner.epoch()


def main(argv=None):
    import statistics
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workloads", default="W1-b32,W3")
    args = parser.parse_args(argv)
    for name in args.workloads.split(","):
        spec = WORKLOADS[name]
        X, y = make_blobs32(*spec["data"])
        limiter = limit_threads(2)  # noqa: F841 (keep the limits)
        plain = Epochs(X, y, spec["params"], threaded=False)
        threaded = Epochs(X, y, spec["params"], threaded=True)
        same = np.array_equal(plain.inner.est.network_.theta,
                              threaded.inner.est.network_.theta)  # fmt: skip
        times = {"plain step": [], "threaded step": []}
        for _ in range(args.repeats):
            for label, c in (("plain step", plain), ("threaded step", threaded)):
                time.sleep(0.5)
                times[label].append(c.epoch())
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name}: same weights after the first epoch: {same}")
        for label, ts in times.items():
            print(f"  {label}: median {med[label]:.3f} s ({min(ts):.3f}-{max(ts):.3f})")
        print(f"  ratio threaded/plain {med['threaded step'] / med['plain step']:.3f}")


if __name__ == "__main__":
    main()
