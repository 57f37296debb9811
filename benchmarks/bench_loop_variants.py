"""W1: skdnn against the minimal hand-written NumPy loop and the GEMM floor.

The reference W1-b32's epoch time is judged against (issue 26): skdnn's ratio to
the GEMM floor is compared with this loop's ratio, measured in the same run.
Three contenders, interleaved, one epoch each over the W1 data (60000 x 784,
784-300-100-10 ReLU, Adam, batch 32 or ``--batch``):

- ``minimal loop``: batch gather into a buffer, ``X @ W + b``, ReLU, the
  softmax-minus-target delta, back-propagation, then skdnn's fused Adam kernel once
  over all parameters. No loss value, no checks: the least work such a loop can do.
- ``skdnn``: ``bench_epoch.py``'s skdnn contender (same settings, same pins).
- ``GEMM floor``: ``bench_epoch.py``'s floor, the matrix products alone.

The ratio of the minimal loop to the floor is what any NumPy loop that calls one
BLAS product per layer and direction pays on top of its products: a bound below
which a target on skdnn's ratio cannot be met without fusing work across layers.
(Other loop variants were measured and dropped: see the README.)

Needs numba (the ``fast`` extra). Usage::

    python benchmarks/bench_loop_variants.py [--repeats 7] [--threads 2] [--batch 200]
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import limit_threads, machine_info, make_blobs32  # noqa: E402
from bench_epoch import (  # noqa: E402
    WORKLOADS,
    Contender,
    GemmFloor,
    SkdnnTrain,
    interleave,
    layer_sizes,
)

SIZES = tuple(layer_sizes(WORKLOADS["W1-b32"]))  # 784-300-100-10; ReLU, Adam


class MinimalLoop(Contender):
    """A hand-written float32 MLP loop sharing skdnn's flat-buffer Adam kernel."""

    name = "minimal loop"

    def __init__(self, X, y, batch):
        from skdnn.nn._fast_optimizers import _adam_kernel

        self.kernel = _adam_kernel.compiled()
        if self.kernel is None:
            raise SystemExit("needs numba: pip install '.[fast]'")
        self.batch = batch
        self.X = X
        self.Y = np.eye(SIZES[-1], dtype=np.float32)[y]
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
                )
            )
            offset = stop
        self.rng = rng
        self.t = 0

    def _step(self):
        f = np.float32
        t = self.t
        alpha = 1e-3 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        self.kernel(
            self.theta,
            self.grad,
            self.m,
            self.v,
            self.theta[:0],  # no AMSGrad maximum
            f(0.9),
            f(0.1),
            f(0.999),
            f(0.001),
            f(1e-7),
            f(alpha),
            False,
        )

    def run(self):
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
            for i, (W, b, _, _) in enumerate(self.layers):
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
                W, _, gW, gb = self.layers[i]
                np.matmul(acts[i].T, delta, out=gW)
                np.add.reduce(delta, axis=0, out=gb)
                if i > 0:
                    delta = delta @ W.T
                    delta *= acts[i] > 0
            self._step()
        t = time.perf_counter() - tic
        return t, t


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32, help="32 (W1-b32) or 200")
    parser.add_argument("--pause", type=float, default=1.0, help="s between runs")
    parser.add_argument(
        "--max-load", type=float, default=0.3, help="as bench_epoch.py's (0.3)"
    )
    args = parser.parse_args(argv)
    spec = dict(WORKLOADS["W1-b32"], batch=args.batch)
    X, y = make_blobs32(spec["n"], spec["d"])
    limiter = limit_threads(args.threads)  # noqa: F841 (keep the limits)
    print("\n".join(machine_info()))
    contenders = [
        MinimalLoop(X, y, args.batch),
        SkdnnTrain(spec, X, y),
        GemmFloor(layer_sizes(spec), X, args.batch),
    ]
    runs, _ = interleave(contenders, args.repeats, args.pause, log, args.max_load)
    times = {name: [t for t, _, _ in r] for name, r in runs.items()}
    loads = {name: [load for _, _, load in r] for name, r in runs.items()}
    floor = statistics.median(times["GEMM floor"])
    print(
        f"\nW1 batch {args.batch}, {args.threads} threads, median of {args.repeats}\n"
    )
    print("| loop | median s | min–max s | × floor | others' load |")
    print("|---|---:|---:|---:|---:|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(
            f"| {name} | {med:.3f} | {min(ts):.3f}–{max(ts):.3f} "
            f"| {med / floor:.2f} | {statistics.median(loads[name]):.2f} |"
        )


if __name__ == "__main__":
    main()
