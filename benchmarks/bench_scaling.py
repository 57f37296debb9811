"""How skdnn's epoch time scales with samples, width and depth.

Run by hand from the repository root::

    python benchmarks/bench_scaling.py                       # ~10 min on 2 cores
    python benchmarks/bench_scaling.py --quick --out /tmp/s.png
    python benchmarks/bench_scaling.py --widths "" --depths "" --memory

Three small sweeps at batch 32 (the regime where per-batch overheads show), each
point timed for skdnn and for the GEMM floor of ``bench_epoch.py`` (only the
matrix products, same shapes and number of batches), warm-up epoch + median (and
range) of ``--repeats`` epochs (5), 2 threads:

- samples: 784-300-100-10, ReLU, Adam, n from 10,000 to 200,000
- width: 784-w-w-10, ReLU, Adam, n = 10,000, w from 32 to 2,048
- depth: 784-(100 x k)-10, ELU, Nadam, n = 10,000, k from 1 to 32

``--memory`` adds, for each n of the samples sweep, the peak memory of one fit
(``max_iter=1``) in a fresh process above the data: peak RSS (VmHWM) after the
fit minus peak RSS once X is built.

Prints seconds per epoch, microseconds per sample and the ratio to the floor, and
saves a plot to ``--out`` (default: a file in the system's temp directory, never
inside the repository).
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    N_THREADS,
    limit_threads,
    make_blobs32,
    median_spread,
    pause,
)
from bench_epoch import N_CLASSES, GemmFloor, SkdnnTrain, _vm_hwm  # noqa: E402

BATCH = 32


def sweeps(quick, samples=None, widths=None, depths=None):
    n_fixed = 2000 if quick else 10000
    if samples is None:
        samples = [1000, 4000] if quick else [10000, 25000, 50000, 100000, 200000]
    if widths is None:
        widths = [32, 512] if quick else [32, 128, 512, 2048]
    if depths is None:
        depths = [1, 8] if quick else [1, 2, 4, 8, 16, 32]
    relu = dict(activation="relu", optimizer="adam", batch_norm=False, batch=BATCH)
    elu = dict(activation="elu", optimizer="nadam", batch_norm=False, batch=BATCH)
    return {
        "samples": [(n, dict(relu, n=n, d=784, hidden=(300, 100))) for n in samples],
        "width": [(w, dict(relu, n=n_fixed, d=784, hidden=(w, w))) for w in widths],
        "depth": [(k, dict(elu, n=n_fixed, d=784, hidden=(100,) * k)) for k in depths],
    }


def time_point(spec, X, y, repeats, pause_s):
    sizes = [spec["d"], *spec["hidden"], N_CLASSES]
    contenders = [SkdnnTrain(spec, X[: spec["n"]], y[: spec["n"]])]
    contenders.append(GemmFloor(sizes, X[: spec["n"]], spec["batch"]))
    for c in contenders:
        c.warmup()
    times = [[], []]
    for _ in range(repeats):
        for i, c in enumerate(contenders):
            pause(pause_s)
            times[i].append(c.run()[0])
    n_params = contenders[0].est.network_.theta.size
    return median_spread(times[0]), median_spread(times[1])[0], n_params


def memory_probe(n):
    """In a fresh process: peak memory of one fit on ``n`` samples, as JSON."""
    spec = sweeps(False)["samples"][0][1]
    # imports and compiled kernels before the fit, not in it: a small fit first
    X, y = make_blobs32(200, 784, N_CLASSES, seed=1)
    SkdnnTrain(dict(spec, n=200), X, y)._fit()
    X, y = make_blobs32(n, 784, N_CLASSES, seed=0)
    gc.collect()
    before = _vm_hwm()
    SkdnnTrain(dict(spec, n=n), X, y)._fit()
    print(json.dumps(dict(n=n, data=X.nbytes, before=before, after=_vm_hwm())))


def print_memory(ns):
    mib = 2**20
    print("\n| n | X (MiB) | peak RSS with X (MiB) | fit's peak above it (MiB) |")
    print("|---:|---:|---:|---:|")
    for n in ns:
        cmd = [sys.executable, os.path.abspath(__file__), "--memory-probe", str(n)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        m = json.loads(out.strip().splitlines()[-1])
        print(
            f"| {n:,} | {m['data'] / mib:.0f} | {m['before'] / mib:.0f} | "
            f"{(m['after'] - m['before']) / mib:.0f} |",
            flush=True,
        )


def plot(results, out, threads):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {
        "samples": "samples (784-300-100-10, ReLU, Adam)",
        "width": "width w (784-w-w-10, ReLU, Adam)",
        "depth": "hidden layers of 100 (ELU, Nadam)",
    }
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex="col")
    for j, (name, points) in enumerate(results.items()):
        x = [p["x"] for p in points]
        ax = axes[0, j]
        ax.loglog(x, [p["skdnn"] for p in points], "o-", label="skdnn")
        ax.loglog(x, [p["floor"] for p in points], "s--", label="GEMM floor")
        ax.set_ylabel("seconds per epoch")
        ax.set_title(f"batch {BATCH}, {threads} threads")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend()
        ax = axes[1, j]
        ax.semilogx(x, [p["skdnn"] / p["floor"] for p in points], "o-")
        ax.set_xlabel(labels[name])
        ax.set_ylabel("skdnn / GEMM floor")
        ax.set_ylim(bottom=0)
        ax.grid(True, which="major", alpha=0.3)
        for a in axes[:, j]:  # label the measured points only
            a.set_xticks(x, [str(v) for v in x])
            a.minorticks_off()
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny grid")
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (quick 1)")
    parser.add_argument("--pause", type=float, default=0.3)
    parser.add_argument(
        "--out",
        default=os.path.join(tempfile.gettempdir(), "skdnn_scaling.png"),
        help="where to save the plot (default: in the temp directory)",
    )
    for name in ("samples", "widths", "depths"):
        parser.add_argument(
            f"--{name}",
            type=lambda text: [int(v) for v in text.split(",") if v],
            default=None,
            help=f"comma-separated {name} (overrides the default grid; '' skips)",
        )
    parser.add_argument(
        "--threads", type=int, default=N_THREADS, help="BLAS threads (2)"
    )
    parser.add_argument("--memory", action="store_true", help="fit memory vs n")
    parser.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        return memory_probe(args.memory_probe)
    limiter = limit_threads(args.threads)  # noqa: F841
    repeats = args.repeats or (1 if args.quick else 5)

    grid = sweeps(args.quick, args.samples, args.widths, args.depths)
    n_max = max(spec["n"] for points in grid.values() for _, spec in points)
    X, y = make_blobs32(n_max, 784, N_CLASSES, seed=0)
    results = {}
    tic = time.perf_counter()
    print(
        f"batch {BATCH}, {args.threads} threads, warm-up + median of {repeats} epochs\n"
    )
    print(
        "| sweep | value | parameters | skdnn s/epoch (range) | floor s/epoch "
        "| skdnn µs/sample | × floor |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    for name, points in grid.items():
        results[name] = []
        for x, spec in points:
            (t, lo, hi), floor, n_params = time_point(spec, X, y, repeats, args.pause)
            results[name].append(dict(x=x, skdnn=t, floor=floor, n_params=n_params))
            print(
                f"| {name} | {x} | {n_params:,} | {t:.3g} ({lo:.3g}–{hi:.3g}) | "
                f"{floor:.3g} | {t / spec['n'] * 1e6:.1f} | {t / floor:.2f} |",
                flush=True,
            )
    if args.memory:
        del X, y
        print_memory([x for x, _ in grid["samples"]])
    plot(results, args.out, args.threads)
    print(f"\n{time.perf_counter() - tic:.0f}s; plot saved to {args.out}")


if __name__ == "__main__":
    main()
