"""Shared helpers of the ``claims_*.py`` scripts: statistics, tables, output paths.

Every claims script measures a distribution over seeds and writes what it measured
into ``docs/claims/`` (a markdown page and a PNG figure), so that each number in
the documentation comes from a script that can simply be re-run. The statistics
are deliberately plain:

- the **median** over seeds and a **spread**: the interquartile range (IQR, 25th
  to 75th percentile) and the minimum and maximum;
- a **bootstrap 95% confidence interval** of a median (percentile bootstrap,
  10,000 resamples of the seeds, fixed generator seed);
- for two contenders run on the same seeds, the **paired difference** per seed
  (same seed: same labelled subset, same split), its median with a bootstrap CI,
  and the number of seeds on which one is better, equal or worse.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Measure the checkout these scripts belong to, not an installed copy of skdnn.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

DOCS_CLAIMS = os.path.join(ROOT, "docs", "claims")
N_BOOT = 10_000

#: The classifier's defaults before 0.3.0, which the chapter's experiments were
#: written and run against: the scripts put their own settings on top of these,
#: so that a change of the estimator's defaults does not change what they measure.
CHAPTER = dict(
    hidden_layer_sizes=(100, 100),
    activation="relu",
    kernel_initializer="glorot_uniform",
    input_scaling=None,
    numeric_embedding=None,
    dropout=0.0,
    learning_rate=None,
    lr_schedule=None,
    batch_size=200,  # min(200, n_samples), the 0.2 "auto"
    max_iter=200,
    label_smoothing=0.0,
)


def chapter(**params):
    """``DNNClassifier`` parameters: ``params`` on top of :data:`CHAPTER`.

    On reused layers with no new hidden layer (``transfer_from`` with
    ``hidden_layer_sizes=()``), the hidden layers' activation, initializer and
    dropout would do nothing: they are left out.
    """
    base = dict(CHAPTER)
    if params.get("transfer_from") is not None:
        base.pop("hidden_layer_sizes")
        if not params.get("hidden_layer_sizes"):
            for name in ("activation", "kernel_initializer", "dropout"):
                base.pop(name)
    return {**base, **params}


def single_thread():
    """Limit BLAS and OpenMP pools to one thread (the claims runs are small)."""
    from threadpoolctl import threadpool_limits

    import skdnn  # noqa: F401  (load every pool before limiting it)

    return threadpool_limits(limits=1)


def start(name, argv, description, configure=None):
    """What every claims script does first: its command line, warnings, threads.

    Parses ``--quick`` and ``--replot`` (plus what ``configure(parser)`` adds),
    silences ConvergenceWarning (fixed epoch budgets are the protocol), limits
    the thread pools to one thread, and returns ``(args, figure, saved, limits)``:
    the figure's path, the path of the saved results (JSON beside it) and the
    thread limits (keep them referenced while the script runs).
    """
    from sklearn.exceptions import ConvergenceWarning

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few seeds, a check that the script runs; writes to the temp folder",
    )
    parser.add_argument(
        "--replot",
        action="store_true",
        help="rewrite the page and figures from the saved JSON, without training",
    )
    if configure is not None:
        configure(parser)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    limits = single_thread()
    figure = figure_path(name, quick=args.quick)
    return args, figure, os.path.splitext(figure)[0] + ".json", limits


def load_results(path):
    """The results a script saved with :func:`save_results`."""
    with open(path) as f:
        return json.load(f)


def save_results(path, res, *, compact=False):
    """Save a script's results as JSON (``compact``: no spaces after separators)."""
    with open(path, "w") as f:
        json.dump(res, f, separators=(",", ":") if compact else None)


def bootstrap_median_ci(values, *, n_boot=N_BOOT, level=0.95, seed=0):
    """Percentile-bootstrap confidence interval of the median of ``values``.

    Parameters
    ----------
    values : array-like of shape (n_seeds,)
        One value per seed (or one paired difference per seed).
    n_boot : int, default=10000
        Bootstrap resamples.
    level : float, default=0.95
        Coverage of the interval.
    seed : int, default=0
        Seed of the resampling generator, so that the interval is reproducible.

    Returns
    -------
    low, high : float
        The interval's bounds.
    """
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(n_boot, values.size))
    medians = np.median(values[idx], axis=1)
    alpha = (1 - level) / 2
    return float(np.quantile(medians, alpha)), float(np.quantile(medians, 1 - alpha))


def summary(values):
    """Median, quartiles, extremes and bootstrap CI of the median, as a dict."""
    v = np.asarray(values, dtype=float)
    low, high = bootstrap_median_ci(v)
    return {
        "n": v.size,
        "median": float(np.median(v)),
        "q1": float(np.quantile(v, 0.25)),
        "q3": float(np.quantile(v, 0.75)),
        "min": float(v.min()),
        "max": float(v.max()),
        "mean": float(v.mean()),
        "ci": (low, high),
    }


def paired(values, reference):
    """Paired comparison of ``values`` against ``reference`` (same seeds, same order).

    Returns the summary of the differences ``values - reference`` plus the counts
    of seeds where ``values`` is lower ("better" for an error), equal and higher.
    """
    d = np.asarray(values, dtype=float) - np.asarray(reference, dtype=float)
    out = summary(d)
    # errors are multiples of 1/n_test: compare with a tolerance for round-off
    out["lower"] = int(np.sum(d < -1e-12))
    out["equal"] = int(np.sum(np.abs(d) <= 1e-12))
    out["higher"] = int(np.sum(d > 1e-12))
    return out


def pct(x, digits=1):
    """A fraction as a percentage string."""
    return f"{100 * x:.{digits}f}"


def signed_pct(x, digits=1):
    """A signed fraction as a signed percentage string (``+0.6``, ``-1.3``)."""
    return f"{100 * x:+.{digits}f}"


def fmt_summary_pct(s, digits=1):
    """``median [IQR q1-q3] (min-max)`` of a summary, in percent."""
    return (
        f"{pct(s['median'], digits)} [{pct(s['q1'], digits)}–{pct(s['q3'], digits)}]"
        f" ({pct(s['min'], digits)}–{pct(s['max'], digits)})"
    )


def fmt_paired_pct(p, digits=1):
    """``median difference [CI] w/t/l`` of a paired comparison, in points."""
    lo, hi = p["ci"]
    return (
        f"{signed_pct(p['median'], digits)} [{signed_pct(lo, digits)}, "
        f"{signed_pct(hi, digits)}]"
    )


def markdown_table(header, rows):
    """A GitHub/MyST markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def run_info(command, seconds):
    """Lines saying how, where and how long a claims run ran."""
    import scipy
    import sklearn

    import skdnn

    git = _git_head()
    return [
        f"- command: `{command}`",
        f"- run time: {seconds / 60:.1f} min wall clock, one BLAS thread, "
        f"`nice -n 15`, on a 2-core machine shared with other jobs",
        f"- skdnn {skdnn.__version__} at commit {git}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SciPy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, compiled kernels "
        f"{'on' if skdnn.get_config()['use_numba'] else 'off'}",
        f"- finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]


def _git_head():
    import subprocess

    def git(*args):
        return subprocess.run(
            ["git", "-C", ROOT, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return head + ("+local changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_page(name, text, *, quick):
    """Write ``docs/claims/<name>.md`` (``--quick`` runs go to the temp folder)."""
    path = _out_path(name + ".md", quick)
    with open(path, "w") as f:
        f.write(text.rstrip() + "\n")
    return path


def figure_path(name, *, quick):
    """Where a script saves its figure: ``docs/claims/<name>.png`` (or temp)."""
    return _out_path(name + ".png", quick)


def _out_path(filename, quick):
    if quick:
        import tempfile

        folder = os.path.join(tempfile.gettempdir(), "skdnn_claims_quick")
    else:
        folder = DOCS_CLAIMS
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, filename)
