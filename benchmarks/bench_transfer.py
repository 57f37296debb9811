"""Epoch time of transfer learning: frozen reused layers, cached or not, vs unfrozen.

Run by hand from the repository root::

    python benchmarks/bench_transfer.py --quick     # ~1 min
    python benchmarks/bench_transfer.py             # ~4 min on 2 cores

Workload (synthetic float32 Gaussian class blobs, fixed seed): a source
``DNNClassifier`` with the chapter's model A shape, hidden layers
(300, 100, 50, 50, 50), ReLU, no dropout, is fitted on 10-class data; a new classifier reuses
all its hidden layers (``transfer_from``) and adds a new output layer on top
(``hidden_layer_sizes=()``), or one new hidden layer of 50 and the output layer.

Three ways to train the new classifier, each for ``--epochs`` epochs:

- ``unfrozen``: ``freeze_epochs=0``, every layer trains (the cost of plain training);
- ``frozen, uncached``: reused layers frozen, but recomputed every batch (forward
  only; backward stops at them): forced by marking the reused layers
  non-deterministic, as dropout would;
- ``frozen, cached``: the default when the reused layers are deterministic: their
  output for the whole training set is computed once, in the first frozen epoch.

The epoch time is ``history_["time"]`` (the training loop only). Each mode keeps one
model and runs ``--repeats`` warm-start rounds of ``--epochs`` epochs, the modes
interleaved round-robin. The first epoch of a round (which, when cached, includes
computing the cache: each warm-start fit has a new training loop) is reported
apart from the later ones, whose minimum is the least disturbed by other processes
on a shared machine. CPU seconds per epoch (``time.process_time`` over a round,
first epoch included, divided by the epochs) are reported too: less sensitive to
other processes than wall time. Every pool is limited to ``--threads`` threads
(default 2; on a machine shared with other jobs, 1 avoids oversubscription).
"""

import argparse
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import limit_threads, machine_info, make_blobs32  # noqa: E402

from skdnn import DNNClassifier  # noqa: E402

SOURCE_HIDDEN = (300, 100, 50, 50, 50)


def build(source, X, y, *, top, batch_size, mode):
    """The new classifier after one (untimed) epoch, ready for warm starts."""
    clf = DNNClassifier(
        top,
        transfer_from=source,
        freeze_epochs=0 if mode == "unfrozen" else None,
        batch_size=batch_size,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    if mode == "frozen, uncached":
        # network layers copied from the source; the instance flag disables caching
        for layer in clf.network_.layers[: clf._n_reused_layers]:
            layer.deterministic = False
    return clf.set_params(warm_start=True)


def run_epochs(clf, X, y, epochs):
    """One warm-start fit: first epoch, later epochs (wall), CPU s per epoch."""
    n_before = len(clf.history_["time"])
    cpu = time.process_time()
    clf.set_params(max_iter=epochs, n_iter_no_change=epochs + 1).fit(X, y)
    cpu = time.process_time() - cpu
    times = clf.history_["time"][n_before:]
    return times[0], times[1:], cpu / epochs


MODES = ("unfrozen", "frozen, uncached", "frozen, cached")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=2, help="BLAS/OpenMP threads (default 2)"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning: epochs are capped on purpose
    n = 5_000 if args.quick else 20_000
    X, y = make_blobs32(n, 784, seed=0)
    limiter = limit_threads(args.threads)  # noqa: F841 (keep the limit in force)
    print("\n".join(machine_info()))
    print(f"- threads per pool for this run: {args.threads}")
    # no dropout in the source: its reused layers are deterministic, hence cacheable
    source = DNNClassifier(SOURCE_HIDDEN, dropout=0.0, max_iter=2, random_state=0)
    source.fit(X, y)
    print(
        f"\n{n} x 784, source hidden layers {SOURCE_HIDDEN}; {args.repeats} rounds of "
        f"{args.epochs} epochs per mode, modes interleaved; seconds per epoch\n"
    )
    print(
        "| new layers | batch | mode | first epoch, median | later epochs, min "
        "| later epochs, median | CPU per epoch, min |"
    )
    print("|---|---|---|---|---|---|---|")
    best = {}
    for top in ((), (50,)):
        for batch_size in (32, 200):
            models = {
                mode: build(source, X, y, top=top, batch_size=batch_size, mode=mode)
                for mode in MODES
            }
            firsts = {mode: [] for mode in MODES}
            laters = {mode: [] for mode in MODES}
            cpus = {mode: [] for mode in MODES}
            for _ in range(args.repeats):
                for mode in MODES:
                    first, later, cpu = run_epochs(models[mode], X, y, args.epochs)
                    firsts[mode].append(first)
                    cpus[mode].append(cpu)
                    laters[mode].extend(later)
            label = "output" if not top else f"{top[0]} + output"
            for mode in MODES:
                best[top, batch_size, mode] = min(laters[mode])
                print(
                    f"| {label} | {batch_size} | {mode} "
                    f"| {statistics.median(firsts[mode]):.3f} "
                    f"| {min(laters[mode]):.3f} "
                    f"| {statistics.median(laters[mode]):.3f} "
                    f"| {min(cpus[mode]):.3f} |",
                    flush=True,
                )
    print(
        "\nLater frozen epochs (min): caching speed-up, and frozen-cached vs unfrozen"
    )
    for top in ((), (50,)):
        for batch_size in (32, 200):
            full, unc, cac = (best[top, batch_size, m] for m in MODES)
            print(
                f"- new layers {top or 'output only'}, batch {batch_size}: "
                f"{unc / cac:.1f}x faster than uncached, "
                f"{full / cac:.1f}x faster than unfrozen"
            )


if __name__ == "__main__":
    main()
