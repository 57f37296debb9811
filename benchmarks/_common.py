"""Shared helpers of the benchmark scripts: data, thread limits, machine info.

Not part of the package and not imported by it; run the scripts from the repository
root (``python benchmarks/bench_epoch.py``) or from this folder.
"""

import os
import platform
import statistics
import sys
import time

import numpy as np

# Measure the checkout these scripts belong to, not a copy of skdnn installed in
# site-packages (which a script run from this folder would otherwise import).
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

N_THREADS = 2

#: What the timed loops leave out, whatever the estimator's defaults: no input
#: layers, dropout, label smoothing or schedule (the plain loop the other
#: contenders run); a script's own parameters override these.
PLAIN = dict(
    input_scaling=None,
    numeric_embedding=None,
    feature_scale=False,
    ensemble_size=1,
    dropout=0.0,
    label_smoothing=0.0,
    lr_schedule=None,
)


def make_blobs32(n_samples, n_features, n_classes=10, *, separation=0.1, seed=0):
    """Gaussian class blobs in float32, generated in chunks to keep the peak low.

    ``X = centers[y] + N(0, 1)`` with centers drawn from ``N(0, separation**2)``:
    roughly standardised features, a learnable but not trivial problem. The memory
    peak while generating is about the size of ``X`` itself.
    """
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, separation, (n_classes, n_features)).astype(np.float32)
    y = rng.integers(n_classes, size=n_samples)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    for start in range(0, n_samples, 4096):
        stop = min(start + 4096, n_samples)
        X[start:stop] += centers[y[start:stop]]
    return X, y


def import_torch(n_threads=N_THREADS):
    """``torch`` if it imports, else ``None`` (torch is optional, never a dependency)."""
    try:
        import torch
    except Exception:  # ImportError, or a broken install
        return None
    torch.set_num_threads(n_threads)
    return torch


def limit_threads(n_threads=N_THREADS):
    """Limit every loaded thread pool (BLAS, OpenMP) to ``n_threads``.

    Call after importing everything that loads a pool (NumPy, SciPy, torch).
    Returns the limiter; keep a reference for the duration of the run.
    """
    # Load every library that brings its own pool first (SciPy's OpenBLAS,
    # scikit-learn's OpenMP): a pool loaded after this call would not be limited.
    import scipy.linalg  # noqa: F401
    import sklearn.neural_network  # noqa: F401
    import sklearn.utils._openmp_helpers  # noqa: F401
    from threadpoolctl import threadpool_limits

    import skdnn  # noqa: F401

    return threadpool_limits(limits=n_threads)


def machine_info(torch=None):
    """A few lines describing the machine, the libraries and their thread pools."""
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    lines = [
        f"- machine: {platform.machine()}, {os.cpu_count()} logical CPUs "
        f"(nproc), {_cpu_model()}",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        + (
            f"torch {torch.__version__}"
            if torch is not None
            else "torch: not installed"
        ),
    ]
    import skdnn

    if skdnn.get_config()["use_numba"]:
        import numba

        lines.append(f"- skdnn's compiled kernels: on (numba {numba.__version__})")
    else:
        lines.append("- skdnn's compiled kernels: off (pure NumPy)")
    for pool in threadpool_info():
        lines.append(
            f"- thread pool: {pool.get('internal_api')} {pool.get('version')} "
            f"({pool.get('architecture', '')}, {pool.get('threading_layer', '')}) "
            f"{os.path.basename(pool['filepath'])}: {pool['num_threads']} threads"
        )
    load = os.getloadavg()
    lines.append(f"- load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return lines


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def median_spread(times):
    """``(median, min, max)`` of a list of seconds."""
    return statistics.median(times), min(times), max(times)


def pause(seconds):
    """Let spinning BLAS/OpenMP threads of the previous contender go idle."""
    if seconds > 0:
        time.sleep(seconds)


class Interference:
    """CPU time that *other* processes used while a block ran, in cores.

    ``with Interference() as probe: ...`` then ``probe.cores``: (machine busy time
    from ``/proc/stat`` minus this process's own CPU time) / wall time. On an idle
    2-core machine it is about 0; another busy single-threaded process makes it
    about 1. ``nan`` where ``/proc/stat`` is unavailable.
    """

    def __enter__(self):
        self._busy0, self._own0 = _machine_busy(), _own_cpu()
        self._wall0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self._wall0
        others = (_machine_busy() - self._busy0) - (_own_cpu() - self._own0)
        self.cores = max(others, 0.0) / wall if wall > 0 else float("nan")
        return False


def _machine_busy():
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:8]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _own_cpu():
    t = os.times()
    return t.user + t.system


def fmt_seconds(t):
    """Seconds with three significant digits."""
    return f"{t:.3g}"
