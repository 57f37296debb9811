"""W3 (and W2): skdnn against minimal hand-written loops over the same kernels.

W3 is 20 hidden layers of 100 units (Dense without bias, batch normalization, ELU),
a softmax output, Nadam, batch 32, on 10,000 x 3,072 float32 blobs. The minimal
loops call skdnn's compiled kernels directly, into buffers allocated once, with
no dispatcher, no cache dictionaries, no loss value and no checks:

- ``minimal``: the kernels skdnn uses now (batch norm fused with ELU's split,
  NumPy's ``exp``, the combine kernel; ELU's backward fused into batch norm's);
- ``minimal, own exp``: batch norm alone, then ELU in one compiled pass with
  skdnn's own float32 ``exp`` (the inference kernel's algorithm, here also
  writing the mask for backward);
- ``skdnn``: ``DNNClassifier`` with the bench_epoch settings (``diagnostics=False``);
- ``GEMM floor``: the matrix products alone, into preallocated buffers.

A loop's ratio to the floor is what one kernel or BLAS call per layer and
operation costs on top of the products: the least a per-layer design can reach.
``--no-bn`` runs W2 (Dense with bias, ELU, no batch normalization).

Needs numba (the ``fast`` extra). Usage::

    python benchmarks/bench_minimal_w3.py [--repeats 5] [--threads 2] [--no-bn]
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

from skdnn.nn import _fast_layers as fast  # noqa: E402
from skdnn.nn._jit import jit  # noqa: E402
from skdnn.nn.optimizers import Nadam  # noqa: E402

N, D, WIDTH, DEPTH, CLASSES, BATCH = 10000, 3072, 100, 20, 10, 32
f32 = np.float32


@jit
def _elu_own_exp_train(X, scale, scale_alpha, reduced, bits, powers, Y, positive):
    # _fast_layers._elu_inference_kernel's algorithm, writing Y and the mask
    rows, cols = X.shape
    f = X.dtype.type
    scale, scale_alpha = f(scale), f(scale_alpha)
    log2e, hi, lo = f(fast._LOG2E), f(fast._LN2_HI), f(fast._LN2_LO)
    p0, p1, p2 = f(fast._P0), f(fast._P1), f(fast._P2)
    p3, p4, p5 = f(fast._P3), f(fast._P4), f(fast._P5)
    one, half, low = f(1.0), f(0.5), f(-87.0)
    for i in range(rows):
        for j in range(cols):
            t = max(min(X[i, j], f(0.0)), low)
            k = np.floor(t * log2e + half)
            reduced[j] = (t - k * hi) - k * lo
            bits[j] = (np.int32(k) + np.int32(127)) << np.int32(23)
        for j in range(cols):
            r = reduced[j]
            poly = ((((p0 * r + p1) * r + p2) * r + p3) * r + p4) * r + p5
            e = (poly * r * r + r + one) * powers[j]
            v = X[i, j]
            pos = v > 0
            positive[i, j] = pos
            Y[i, j] = v * scale if pos or v != v else (e - one) * scale_alpha


class Minimal:
    """A hand-written W3/W2 loop over skdnn's kernels, buffers allocated once."""

    def __init__(self, X, y, own_exp, bn):
        self.X, self.own_exp, self.bn = X, own_exp, bn
        self.Y = np.eye(CLASSES, dtype=f32)[y]
        rng = np.random.RandomState(0)
        sizes = (D,) + (WIDTH,) * DEPTH + (CLASSES,)
        shapes = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            shapes.append((a, b))
            hidden = i < DEPTH
            if hidden and bn:
                shapes += [(b,), (b,)]  # gamma, beta
            else:
                shapes.append((b,))  # bias
        n = sum(int(np.prod(s)) for s in shapes)
        self.theta, self.grad = np.zeros(n, f32), np.zeros(n, f32)
        views, gviews, offset = [], [], 0
        for s in shapes:
            stop = offset + int(np.prod(s))
            views.append(self.theta[offset:stop].reshape(s))
            gviews.append(self.grad[offset:stop].reshape(s))
            offset = stop
        per = 3 if bn else 2
        self.layers = []
        for i in range(DEPTH + 1):
            j = i * per if i < DEPTH else DEPTH * per
            W, gW = views[j], gviews[j]
            W[...] = rng.normal(0, np.sqrt(2 / W.shape[0]), W.shape)
            if i < DEPTH and bn:
                views[j + 1][...] = 1
                self.layers.append((W, gW, views[j + 1], views[j + 2],
                                    gviews[j + 1], gviews[j + 2]))  # fmt: skip
            else:
                self.layers.append((W, gW, views[j + 1], None, gviews[j + 1], None))
        self.opt = Nadam().build(n, f32)
        self.moving = [
            (np.zeros(WIDTH, f32), np.ones(WIDTH, f32)) for _ in range(DEPTH)
        ]
        b = BATCH
        self.xb, self.yb = np.empty((b, D), f32), np.empty((b, CLASSES), f32)
        self.Z = [np.empty((b, WIDTH), f32) for _ in range(DEPTH)]
        self.B = [np.empty((b, WIDTH), f32) for _ in range(DEPTH)]  # BN output
        self.xhat = [np.empty((b, WIDTH), f32) for _ in range(DEPTH)]
        self.inv = [np.empty(WIDTH, f32) for _ in range(DEPTH)]
        self.A = [np.empty((b, WIDTH), f32) for _ in range(DEPTH)]
        self.pos = [np.empty((b, WIDTH), bool) for _ in range(DEPTH)]
        self.neg = np.empty((b, WIDTH), f32)
        self.dA = [np.empty((b, WIDTH), f32) for _ in range(DEPTH + 1)]
        self.dZ = np.empty((b, WIDTH), f32)
        self.out = np.empty((b, CLASSES), f32)
        self.row = (np.empty(WIDTH, f32), np.empty(WIDTH, np.int32))
        self.none = np.empty(0, f32)
        self.no_mask = np.empty((0, 0), bool)
        self.k = {
            "bn": fast._bn_train_kernel.compiled(),
            "bn_back": fast._bn_backward_kernel.compiled(),
            "split": fast._elu_split_kernel.compiled(),
            "combine": fast._elu_combine_kernel.compiled(),
            "elu_back": fast._elu_backward_kernel.compiled(),
            "own": _elu_own_exp_train.compiled(),
        }
        self.rng = rng

    def _elu(self, X, bias, Y, pos):
        k = self.k
        if self.own_exp:
            if bias.size:
                X += bias
            reduced, bits = self.row
            k["own"](X, 1.0, 1.0, reduced, bits, bits.view(f32), Y, pos)
        else:
            k["split"](X, bias, self.neg, pos)
            np.exp(self.neg, out=self.neg)
            k["combine"](X, self.neg, pos, 1, 1.0, 1.0, Y)

    def epoch(self):
        tic = time.perf_counter()
        k, L = self.k, self.layers
        order = self.rng.permutation(N)
        for start in range(0, N - BATCH + 1, BATCH):
            idx = order[start : start + BATCH]
            a = np.take(self.X, idx, axis=0, out=self.xb, mode="clip")
            np.take(self.Y, idx, axis=0, out=self.yb, mode="clip")
            inputs = [a]
            for i in range(DEPTH):
                W, _, g, b, _, _ = L[i]
                np.matmul(a, W, out=self.Z[i])
                if self.bn and self.own_exp:
                    mm, mv = self.moving[i]
                    k["bn"](self.Z[i], g, b, 1e-3, 0.99, 0.01, mm, mv, self.B[i],
                            self.xhat[i], self.inv[i], fast._ALONE, self.neg,
                            self.no_mask)  # fmt: skip
                    self._elu(self.B[i], self.none, self.A[i], self.pos[i])
                elif self.bn:  # batch norm and ELU's split in one kernel, as skdnn
                    mm, mv = self.moving[i]
                    k["bn"](self.Z[i], g, b, 1e-3, 0.99, 0.01, mm, mv, self.B[i],
                            self.xhat[i], self.inv[i], fast._ELU_SPLIT, self.neg,
                            self.pos[i])  # fmt: skip
                    np.exp(self.neg, out=self.neg)
                    k["combine"](
                        self.B[i], self.neg, self.pos[i], 1, 1.0, 1.0, self.A[i]
                    )
                else:
                    self._elu(self.Z[i], g, self.A[i], self.pos[i])
                a = self.A[i]
                inputs.append(a)
            W, gW, bias, _, gb, _ = L[DEPTH]
            z = np.matmul(a, W, out=self.out)
            z += bias
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            z -= self.yb
            z *= f32(1 / BATCH)
            np.matmul(a.T, z, out=gW)
            np.add.reduce(z, axis=0, out=gb)
            d = np.matmul(z, W.T, out=self.dA[DEPTH])
            for i in range(DEPTH - 1, -1, -1):
                W, gW, g, _, dg, db = L[i]
                if self.bn:  # ELU's and batch norm's backward in one kernel
                    k["bn_back"](d, self.xhat[i], self.inv[i], g, dg, db, self.dZ,
                                 fast._ELU_SPLIT, self.A[i], self.pos[i], 1.0,
                                 1.0)  # fmt: skip
                else:
                    k["elu_back"](d, self.A[i], self.pos[i], 1.0, 1.0, self.dZ, dg)
                np.matmul(inputs[i].T, self.dZ, out=gW)
                if i:
                    d = np.matmul(self.dZ, W.T, out=self.dA[i])
            self.opt.step(self.theta, self.grad)
        return time.perf_counter() - tic


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-bn", action="store_true", help="W2: no batch norm")
    args = parser.parse_args(argv)
    bn = not args.no_bn
    X, y = make_blobs32(N, D)
    limiter = limit_threads(args.threads)  # noqa: F841 (keep the limits)
    skdnn = dict(hidden_layer_sizes=(WIDTH,) * DEPTH, activation="elu",
                 kernel_initializer="he_normal", optimizer="nadam", batch_size=BATCH,
                 batch_norm="before" if bn else None)  # fmt: skip
    contenders = {
        "minimal": Minimal(X, y, own_exp=False, bn=bn),
        "minimal, own exp": Minimal(X, y, own_exp=True, bn=bn),
        "skdnn": SkdnnEpochs(X, y, **skdnn),
        "GEMM floor": FloorLoop(X, (D,) + (WIDTH,) * DEPTH + (CLASSES,), BATCH),
    }
    title = f"{'W3' if bn else 'W2'}, {args.threads} threads"
    interleaved_floor_table(contenders, args.repeats, title)


if __name__ == "__main__":
    main()
