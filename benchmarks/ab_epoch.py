"""Epoch time of this checkout against another commit, in one process, interleaved.

    python benchmarks/ab_epoch.py                     # against 76e004e
    python benchmarks/ab_epoch.py --ref HEAD~5 --workloads W2,W3 --repeats 21

Separate processes on this machine swing by tens of percent for the same code; an
in-process A/B with alternating epochs decides small differences. The other
commit's ``skdnn`` is exported to a temporary folder as the package ``skdnn_ref``
(its imports are relative), both estimators are fitted once, then each timed epoch
is one more ``fit`` with ``warm_start=True``, alternating the order, 2 BLAS threads.
Workloads as in ``bench_epoch.py``, on fewer rows: W1-b32 (10,000 x 784,
784-300-100-10 ReLU, Adam, batch 32), W2 (5,000 x 3,072, 20 x 100 ELU, Nadam, batch
32) and W3 (W2 with batch norm before each ELU).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from _common import PLAIN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blobs(rng, n, d, k=10):
    centers = rng.normal(0, 0.1, (k, d)).astype(np.float32)
    y = rng.integers(k, size=n)
    return rng.standard_normal((n, d), dtype=np.float32) + centers[y], y


def _workloads():
    rng = np.random.default_rng(0)
    deep = dict(hidden_layer_sizes=(100,) * 20, activation="elu", optimizer="nadam")
    return {
        "W1-b32": (
            _blobs(rng, 10000, 784),
            dict(hidden_layer_sizes=(300, 100), activation="relu", optimizer="adam"),
        ),
        "W2": (_blobs(rng, 5000, 3072), deep),
        "W3": (_blobs(rng, 5000, 3072), dict(deep, batch_norm="before")),
    }


def _export(ref, folder):
    """The commit's ``skdnn`` package as ``folder/skdnn_ref``."""
    archive = subprocess.run(
        ["git", "-C", ROOT, "archive", ref, "skdnn"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    os.rename(os.path.join(folder, "skdnn"), os.path.join(folder, "skdnn_ref"))


def compare(name, data, params, modules, repeats):
    X, y = data
    estimators = {}
    for tag, module in modules.items():
        known = module.DNNClassifier().get_params()
        pins = {k: v for k, v in PLAIN.items() if k in known and k not in params}
        est = module.DNNClassifier(
            kernel_initializer="he_normal", batch_size=32, max_iter=1,
            random_state=0, **pins, **params,
        )  # fmt: skip
        estimators[tag] = est.fit(X, y).set_params(warm_start=True)
    times = {tag: [] for tag in modules}
    for r in range(repeats):
        for tag in list(modules)[:: 1 if r % 2 == 0 else -1]:
            estimators[tag].fit(X, y)
            times[tag].append(estimators[tag].history_["time"][-1])
    ref, new = (statistics.median(times[tag]) for tag in modules)
    print(
        f"{name}: ref {ref:.3f} s, this checkout {new:.3f} s, ratio {new / ref:.3f} "
        f"(ranges {min(times['ref']):.3f}-{max(times['ref']):.3f} and "
        f"{min(times['new']):.3f}-{max(times['new']):.3f}, {repeats} epochs each)",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="76e004e")
    parser.add_argument("--workloads", default="W1-b32,W2,W3")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        _export(args.ref, folder)
        sys.path[:0] = [folder, ROOT]
        import skdnn_ref
        from threadpoolctl import threadpool_limits

        import skdnn

        workloads = _workloads()
        with threadpool_limits(2):
            for name in args.workloads.split(","):
                data, params = workloads[name]
                compare(
                    name, data, params, {"ref": skdnn_ref, "new": skdnn}, args.repeats
                )


if __name__ == "__main__":
    main()
