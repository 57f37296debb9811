"""W1: skdnn against a minimal hand-written loop, where to step, and the GEMM floor.

Four contenders, interleaved, one epoch each over the W1 data (60000 x 784,
784-300-100-10 ReLU, Adam, batch 200 or ``--batch``):

- ``minimal, step at end``: batch gather into a buffer, ``X @ W + b``, ReLU, the
  softmax-minus-target delta, back-propagation, then skdnn's fused Adam kernel once
  over all parameters. No loss value, no checks: the least work such a loop can do.
- ``minimal, step per layer``: the same, but each layer's parameters are updated
  right after its backward pass, while its gradient is still in cache.
- ``skdnn``: ``DNNClassifier`` with the same settings (``diagnostics=False``).
- ``GEMM floor``: the minimal loop's matrix products alone, into preallocated
  buffers, on contiguous batches (as in ``bench_epoch.py``).

The ratio of the minimal loop to the floor is what any NumPy loop that calls one
BLAS product per layer and direction pays on top of its products: a bound below
which a target on skdnn's ratio cannot be met without fusing work across layers.

Needs numba (the ``fast`` extra). Usage::

    python benchmarks/bench_loop_variants.py [--repeats 5] [--threads 2] [--batch 32]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    FloorLoop,
    SkdnnEpochs,
    interleaved_floor_table,
    limit_threads,
    make_blobs32,
)

SIZES = (784, 300, 100, 10)


class MinimalLoop:
    """A hand-written float32 MLP loop sharing skdnn's flat-buffer Adam kernel."""

    def __init__(self, X, y, per_layer, batch):
        from skdnn.nn._fast_optimizers import _adam_kernel

        self.kernel = _adam_kernel.compiled()
        self.batch = batch
        self.X = X
        self.Y = np.eye(SIZES[-1], dtype=np.float32)[y]
        self.per_layer = per_layer
        rng = np.random.RandomState(0)
        n = sum(a * b + b for a, b in zip(SIZES[:-1], SIZES[1:]))
        self.theta = np.zeros(n, np.float32)
        self.grad, self.m, self.v = (np.zeros_like(self.theta) for _ in range(3))
        self.layers, offset = [], 0
        for a, b in zip(SIZES[:-1], SIZES[1:]):
            stop = offset + a * b + b
            W = self.theta[offset : offset + a * b].reshape(a, b)
            W[...] = rng.normal(0, np.sqrt(2 / a), (a, b))
            self.layers.append(
                (
                    W,
                    self.theta[offset + a * b : stop],
                    self.grad[offset : offset + a * b].reshape(a, b),
                    self.grad[offset + a * b : stop],
                    slice(offset, stop),
                )
            )
            offset = stop
        self.rng = rng
        self.t = 0

    def _step(self, part):
        f = np.float32
        t = self.t
        alpha = 1e-3 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        self.kernel(
            self.theta[part],
            self.grad[part],
            self.m[part],
            self.v[part],
            self.theta[:0],  # no AMSGrad maximum
            f(0.9),
            f(0.1),
            f(0.999),
            f(0.001),
            f(1e-7),
            f(alpha),
            False,
        )

    def epoch(self):
        tic = time.perf_counter()
        n = self.X.shape[0]
        order = self.rng.permutation(n)
        batch = self.batch
        xb = np.empty((batch, SIZES[0]), np.float32)
        yb = np.empty((batch, SIZES[-1]), np.float32)
        last = len(self.layers) - 1
        for start in range(0, n - batch + 1, batch):
            idx = order[start : start + batch]
            acts = [np.take(self.X, idx, axis=0, out=xb)]
            np.take(self.Y, idx, axis=0, out=yb)
            for i, (W, b, _, _, _) in enumerate(self.layers):
                z = acts[-1] @ W
                z += b
                acts.append(np.maximum(z, 0, out=z) if i < last else z)
            z = acts[-1]
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            delta = (z - yb) * np.float32(1 / batch)
            self.t += 1
            for i in range(last, -1, -1):
                W, _, gW, gb, part = self.layers[i]
                np.matmul(acts[i].T, delta, out=gW)
                np.add.reduce(delta, axis=0, out=gb)
                if i > 0:
                    delta = delta @ W.T
                    delta *= acts[i] > 0
                if self.per_layer:
                    self._step(part)
            if not self.per_layer:
                self._step(slice(None))
        return time.perf_counter() - tic


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args(argv)
    X, y = make_blobs32(60000, SIZES[0])
    limiter = limit_threads(args.threads)  # noqa: F841 (keep the limits)
    skdnn = dict(hidden_layer_sizes=SIZES[1:-1], kernel_initializer="he_normal",
                 optimizer="adam", batch_size=args.batch)  # fmt: skip
    contenders = {
        "minimal, step at end": MinimalLoop(X, y, False, args.batch),
        "minimal, step per layer": MinimalLoop(X, y, True, args.batch),
        "skdnn": SkdnnEpochs(X, y, **skdnn),
        "GEMM floor": FloorLoop(X, SIZES, args.batch),
    }
    title = f"W1 batch {args.batch}, {args.threads} threads"
    interleaved_floor_table(contenders, args.repeats, title)


if __name__ == "__main__":
    main()
