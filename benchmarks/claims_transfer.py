"""The chapter's transfer-learning experiment on digits, over many seeds.

Run by hand from the repository root (one BLAS thread; on a shared machine, nice)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 15 \\
        python benchmarks/claims_transfer.py            # 30 seeds, ~35 min on 2 shared cores
    python benchmarks/claims_transfer.py --quick        # 3 other seeds, 20 labels, 30 epochs, ~15 s

It writes ``docs/claims/transfer.md`` (tables), ``docs/claims/transfer.png`` (test
error against training epochs) and ``docs/claims/transfer.json`` (every error
measured); ``--quick`` writes them to the temp folder instead.

**Tasks.** Task A: the digits 0-7 of ``load_digits``, all 1,439 images with labels.
Task B: 8 vs 9 from ``n_labels`` labelled images (20, 50 and 100, half of each
class). The features are standardised with statistics of task A's images only.
The 354 images of 8s and 9s are split once (stratified, ``random_state=0``) into a
*pool* of 177 and a *test set* of 177. For each seed, the labelled images are drawn
from the pool; the rest of the pool is the **validation set**, on which conditions
are compared and the best reuse condition is selected; the test set is only used
for the numbers reported, never for a choice.

**Models.** Model A per seed: the chapter's shape, three hidden layers of 100 ReLU
units with He initialisation (3rd edition), Nadam, trained on task A until its
training loss stops improving. Task B models, for each seed and number of labels:

- ``scratch``: the same shape, new weights;
- reuse conditions: model A's lowest ``transfer_layers`` hidden layers (copied) with
  a new output layer on top (``hidden_layer_sizes=()``), frozen for
  ``freeze_epochs`` epochs (None: for good), then trained with
  ``reused_learning_rate_factor`` times the learning rate;
- yardsticks, scikit-learn's ``LogisticRegression()`` (converged, l2-regularised)
  on fixed features: the standardised pixels; the outputs of model A's three
  hidden layers (what "all layers, frozen for good" reaches once its output layer
  is fully trained, which takes more than 200 epochs at this rate); the outputs of
  its lowest layer.

Each task B network trains for a fixed budget of 200 epochs with batches of 32
(``partial_fit``, one epoch per call; the error is measured after 1, 2, 3, 5, ...,
200 epochs) with two optimizers: Nadam at 0.001 (skdnn's and Keras' default) and
plain SGD at 0.001, the chapter's setting. Each network gets its own
``np.random.RandomState(seed)``, so every seed sees the same labelled images, the
same model A and the same shuffling stream in all conditions: differences are
paired by seed.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _claims import (  # noqa: E402
    chapter,
    figure_path,
    fmt_paired_pct,
    fmt_summary_pct,
    load_results,
    markdown_table,
    paired,
    pct,
    run_info,
    save_results,
    start,
    summary,
    write_page,
)
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import DNNClassifier  # noqa: E402

HIDDEN_A = (100, 100, 100)
CHECKPOINTS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200]
OPTIMIZERS = {
    "Nadam 0.001": dict(optimizer="nadam", learning_rate=0.001),
    "SGD 0.001 (chapter)": dict(optimizer="sgd", learning_rate=0.001),
}
# name: (transfer_layers, freeze_epochs, reused_learning_rate_factor); fixed before
# looking at any test error. None layers = all three hidden layers of model A.
CONDITIONS = {
    "all layers, frozen for good": (None, None, 0.1),
    "all layers, frozen 4 epochs, then 0.1x rate": (None, 4, 0.1),
    "all layers, frozen 4 epochs, then full rate (chapter)": (None, 4, 1.0),
    "all layers, frozen 20 epochs, then full rate": (None, 20, 1.0),
    "all layers, never frozen, full rate": (None, 0, 1.0),
    "lowest layer, frozen for good": (1, None, 0.1),
    "lowest layer, frozen 4 epochs, then full rate": (1, 4, 1.0),
    "lowest 2 layers, frozen 4 epochs, then full rate": (2, 4, 1.0),
}
BATCH = 32
# Converged linear models on fixed features (l2-regularised, standardised
# features): what a frozen representation gives once its output layer is fully
# trained, however slowly a network's output layer learns. 0: the pixels.
YARDSTICKS = {
    "logistic regression on pixels": 0,
    "all layers frozen: logistic regression on model A's top features": 3,
    "lowest layer frozen: logistic regression on its features": 1,
}


def hidden_features(model, X, n_layers):
    """Output of the lowest ``n_layers`` hidden layers of a ReLU network (no BN)."""
    H = X
    for W, b in zip(model.coefs_[:n_layers], model.intercepts_[:n_layers]):
        H = np.maximum(H @ W + b, 0)
    return H


def load_tasks():
    X, y = load_digits(return_X_y=True)
    is_a = y < 8
    X = StandardScaler().fit(X[is_a]).transform(X).astype(np.float32)
    idx_b = np.flatnonzero(~is_a)
    pool, test = train_test_split(
        idx_b, test_size=0.5, stratify=y[idx_b], random_state=0
    )
    return X, y, is_a, pool, test


def labelled_subset(y, pool, n, seed):
    """``n`` labelled images of the pool (half 8s, half 9s) and the rest of it."""
    rng = np.random.RandomState(seed)
    labelled = np.concatenate(
        [rng.choice(pool[y[pool] == c], n // 2, replace=False) for c in (8, 9)]
    )
    return labelled, np.setdiff1d(pool, labelled)


def run(seeds, n_labels, epochs, log):
    X, y, is_a, pool, test = load_tasks()
    checkpoints = [e for e in CHECKPOINTS if e <= epochs]
    # errors[opt][n][contender] = {"val": [[per checkpoint] per seed], "test": ...}
    errors = {o: {n: {} for n in n_labels} for o in OPTIMIZERS}
    yardsticks = {n: {} for n in n_labels}
    a_scores = []
    tic = time.perf_counter()
    for seed in seeds:
        model_a = DNNClassifier(
            **chapter(hidden_layer_sizes=HIDDEN_A, kernel_initializer="he_normal"),
            random_state=seed,
        ).fit(X[is_a], y[is_a])
        a_scores.append(model_a.score(X[is_a], y[is_a]))
        for n in n_labels:
            lab, val = labelled_subset(y, pool, n, seed)
            for name, layers in YARDSTICKS.items():
                F = X if layers == 0 else hidden_features(model_a, X, layers)
                scaler = StandardScaler().fit(F[lab])
                lr = LogisticRegression(max_iter=5000)
                lr.fit(scaler.transform(F[lab]), y[lab])
                rec = yardsticks[n].setdefault(name, {"val": [], "test": []})
                rec["val"].append(1 - lr.score(scaler.transform(F[val]), y[val]))
                rec["test"].append(1 - lr.score(scaler.transform(F[test]), y[test]))
            for opt, okw in OPTIMIZERS.items():
                contenders = {
                    "scratch": DNNClassifier(
                        **chapter(
                            hidden_layer_sizes=HIDDEN_A,
                            kernel_initializer="he_normal",
                            **okw,
                        )
                    )
                }
                for name, (layers, freeze, factor) in CONDITIONS.items():
                    contenders[name] = DNNClassifier(
                        **chapter(
                            hidden_layer_sizes=(),
                            transfer_from=model_a,
                            transfer_layers=layers,
                            freeze_epochs=freeze,
                            reused_learning_rate_factor=factor,
                            **okw,
                        )
                    )
                for name, clf in contenders.items():
                    clf.set_params(
                        batch_size=BATCH,
                        random_state=np.random.RandomState(seed),
                        diagnostics=False,
                    )
                    curve_val, curve_test = [], []
                    for epoch in range(1, epochs + 1):
                        clf.partial_fit(X[lab], y[lab], classes=[8, 9])
                        if epoch in checkpoints:
                            curve_val.append(1 - clf.score(X[val], y[val]))
                            curve_test.append(1 - clf.score(X[test], y[test]))
                    rec = errors[opt][n].setdefault(name, {"val": [], "test": []})
                    rec["val"].append(curve_val)
                    rec["test"].append(curve_test)
        log(f"seed {seed} done, {time.perf_counter() - tic:.0f} s")
    return {
        "seeds": list(seeds),
        "n_labels": list(n_labels),
        "checkpoints": checkpoints,
        "pool_size": int(pool.size),
        "test_size": int(test.size),
        "model_a_train_accuracy": a_scores,
        "errors": errors,
        "yardsticks": yardsticks,
    }


def select(res, opt, n, at=-1):
    """The reuse condition with the lowest median paired validation difference."""
    ref = np.array(res["errors"][opt][n]["scratch"]["val"])[:, at]
    best, key = None, None
    for name in CONDITIONS:
        v = np.array(res["errors"][opt][n][name]["val"])[:, at]
        d = v - ref
        k = (np.median(d), d.mean())
        if key is None or k < key:
            best, key = name, k
    return best


def tables(res, at_epochs):
    checkpoints = res["checkpoints"]
    out = []
    for opt in OPTIMIZERS:
        for at_epoch in at_epochs:
            at = checkpoints.index(at_epoch)
            rows = []
            for n in res["n_labels"]:
                errs = res["errors"][opt][n]
                ref = np.array(errs["scratch"]["test"])[:, at]
                chosen = select(res, opt, n, at)
                s = summary(ref)
                rows.append(
                    [n, "scratch (same shape as model A)", fmt_summary_pct(s), "", ""]
                )
                for name in CONDITIONS:
                    v = np.array(errs[name]["test"])[:, at]
                    p = paired(v, ref)
                    vd = np.median(
                        np.array(errs[name]["val"])[:, at]
                        - np.array(errs["scratch"]["val"])[:, at]
                    )
                    label = name + (
                        " **← chosen on validation**" if name == chosen else ""
                    )
                    rows.append(
                        [
                            n,
                            label,
                            fmt_summary_pct(summary(v)),
                            fmt_paired_pct(p) + f" (val {100 * vd:+.1f})",
                            f"{p['lower']}/{p['equal']}/{p['higher']}",
                        ]
                    )
                for name, rec in res["yardsticks"][n].items():
                    p = paired(rec["test"], ref)
                    rows.append(
                        [
                            n,
                            f"*{name}*",
                            fmt_summary_pct(summary(rec["test"])),
                            fmt_paired_pct(p),
                            f"{p['lower']}/{p['equal']}/{p['higher']}",
                        ]
                    )
            header = [
                "labels",
                "task B model",
                "test error %: median [IQR] (min–max)",
                "minus scratch, points: median [95% CI] (validation median)",
                "seeds better/equal/worse",
            ]
            out.append((opt, at_epoch, markdown_table(header, rows)))
    return out


def plot(res, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checkpoints = res["checkpoints"]
    n_labels = res["n_labels"]
    fig, axes = plt.subplots(
        len(OPTIMIZERS),
        len(n_labels),
        figsize=(4.2 * len(n_labels), 3.4 * len(OPTIMIZERS)),
        squeeze=False,
        sharex=True,
    )
    shown = {
        "scratch": ("black", "-"),
        "all layers, frozen for good": ("tab:red", ":"),
        "all layers, frozen 4 epochs, then 0.1x rate": ("tab:orange", "--"),
        "all layers, frozen 4 epochs, then full rate (chapter)": ("tab:blue", "-"),
        "lowest layer, frozen 4 epochs, then full rate": ("tab:green", "-."),
    }
    for i, opt in enumerate(OPTIMIZERS):
        for j, n in enumerate(n_labels):
            ax = axes[i, j]
            for name, (color, style) in shown.items():
                e = 100 * np.array(res["errors"][opt][n][name]["test"])
                med = np.median(e, axis=0)
                q1, q3 = np.quantile(e, [0.25, 0.75], axis=0)
                ax.plot(checkpoints, med, style, color=color, label=name)
                ax.fill_between(checkpoints, q1, q3, color=color, alpha=0.12, lw=0)
            lr = 100 * np.median(
                res["yardsticks"][n]["logistic regression on pixels"]["test"]
            )
            ax.axhline(lr, color="0.5", lw=0.8, ls="--", label="logistic regression")
            ax.set_xscale("log")
            ax.set_ylim(0, 52)
            ax.set_title(f"{opt}, {n} labels", fontsize=10)
            if j == 0:
                ax.set_ylabel("test error on 8 vs 9 (%)")
            if i == len(OPTIMIZERS) - 1:
                ax.set_xlabel("epochs of task B training")
    axes[0, 0].legend(fontsize=7, loc="upper right")
    fig.suptitle(
        f"Reusing a digits 0-7 model for 8 vs 9: median and IQR over "
        f"{len(res['seeds'])} seeds",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _rounded(obj):
    """Errors rounded to 5 decimals (they are multiples of 1/177): a smaller file."""
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 5)
    return obj


def _int_keys(res):
    """JSON turned the numbers of labels into strings: turn them back."""
    for per_opt in res["errors"].values():
        for key in list(per_opt):
            per_opt[int(key)] = per_opt.pop(key)
    for key in list(res["yardsticks"]):
        res["yardsticks"][int(key)] = res["yardsticks"].pop(key)
    return res


def plot_paired(res, path):
    """Per-seed test-error differences to scratch after the full budget (Nadam)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    opt = next(iter(OPTIMIZERS))
    n_labels = res["n_labels"]
    names = list(CONDITIONS)
    fig, axes = plt.subplots(
        1,
        len(n_labels),
        figsize=(3.4 * len(n_labels) + 3, 4.6),
        squeeze=False,
        sharey=True,
    )
    rng = np.random.default_rng(0)
    for j, n in enumerate(n_labels):
        ax = axes[0, j]
        ref = 100 * np.array(res["errors"][opt][n]["scratch"]["test"])[:, -1]
        for i, name in enumerate(names):
            d = 100 * np.array(res["errors"][opt][n][name]["test"])[:, -1] - ref
            p = paired(d / 100, np.zeros_like(d))
            ax.scatter(
                d, i + rng.uniform(-0.15, 0.15, d.size), s=8, alpha=0.45, color="0.3"
            )
            lo, hi = p["ci"]
            ax.plot([100 * lo, 100 * hi], [i, i], color="tab:blue", lw=3)
            ax.plot(100 * p["median"], i, "o", color="tab:blue")
        ax.axvline(0, color="black", lw=0.8)
        if j == 0:
            ax.set_yticks(range(len(names)), names, fontsize=8)
            ax.invert_yaxis()
        ax.set_xlim(-12, 25)
        ax.set_title(f"{n} labels", fontsize=10)
        ax.set_xlabel("test error minus scratch (points)")
    fig.suptitle(
        f"{opt}, after {res['checkpoints'][-1]} epochs: one dot per seed, median "
        "and bootstrap 95% CI (left of 0: reuse better)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def page(res, command, seconds, figure_name):
    checkpoints = res["checkpoints"]
    final = checkpoints[-1]
    at_epochs = [final] + ([20] if 20 in checkpoints and final != 20 else [])
    parts = [
        "# Transfer learning on digits, measured",
        "",
        "Written by `benchmarks/claims_transfer.py` (the protocol is in its "
        "docstring); do not edit by hand, re-run the script.",
        "",
        *res.get("info", run_info(command, seconds)),
        f"- seeds: {res['seeds'][0]}–{res['seeds'][-1]} ({len(res['seeds'])}); "
        f"pool of {res['pool_size']} images of 8s and 9s (labelled images and "
        f"validation set), test set of {res['test_size']}",
        f"- model A (3 × 100 ReLU, He) training accuracy on task A: median "
        f"{pct(np.median(res['model_a_train_accuracy']), 2)}%",
        "",
        "Each cell: test error in percent, median over seeds, interquartile range "
        "in brackets, min–max in parentheses. The paired column is the per-seed "
        "difference to training from scratch (negative: reuse is better), its "
        "median with a bootstrap 95% confidence interval, and in parentheses the "
        "same median on the validation set, on which the condition marked "
        "*chosen on validation* was selected (lowest median, then mean, "
        "difference). One test image is 0.56 points.",
        "",
        f"![Test error against training epochs]({figure_name})",
        "",
        f"![Paired differences to scratch]({figure_name.replace('.png', '_paired.png')})",
        "",
    ]
    for opt, at_epoch, table in tables(res, at_epochs):
        parts += [f"## {opt}, after {at_epoch} epochs", "", table, ""]
    return "\n".join(parts)


def main(argv=None):
    def configure(parser):
        parser.add_argument("--seeds", type=int, default=30)

    args, fig, saved, _limits = start(
        "transfer", argv, __doc__.split("\n")[0], configure
    )
    if args.quick:
        seeds, n_labels, epochs = range(1000, 1003), (20,), 30
        command = "python benchmarks/claims_transfer.py --quick"
    else:
        seeds, n_labels, epochs = range(args.seeds), (20, 50, 100), 200
        command = "python benchmarks/claims_transfer.py" + (
            f" --seeds {args.seeds}" if args.seeds != 30 else ""
        )
    if args.replot:
        res = _int_keys(load_results(saved))
        command, seconds = res["command"], res["seconds"]
    else:
        tic = time.perf_counter()
        res = run(seeds, n_labels, epochs, log=lambda m: print(m, flush=True))
        seconds = time.perf_counter() - tic
        res.update(command=command, seconds=seconds, info=run_info(command, seconds))
        save_results(saved, _rounded(res), compact=True)
    plot(res, fig)
    plot_paired(res, figure_path("transfer_paired", quick=args.quick))
    path = write_page(
        "transfer",
        page(res, command, seconds, os.path.basename(fig)),
        quick=args.quick,
    )
    print(f"wrote {path} and {fig} ({seconds / 60:.1f} min)")


if __name__ == "__main__":
    main()
