"""Unsupervised pretraining with ``DNNAutoencoder`` on digits, over many seeds.

Run by hand from the repository root (one BLAS thread; on a shared machine, nice)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 15 \\
        python benchmarks/claims_pretraining.py         # 30 seeds, ~35 min on 2 shared cores
    python benchmarks/claims_pretraining.py --quick     # 2 other seeds, 50 labels, ~30 s
    python benchmarks/claims_pretraining.py --replot    # page and figures from the JSON

It writes ``docs/claims/pretraining.md``, ``docs/claims/pretraining.png`` and
``docs/claims/pretraining.json``; ``--quick`` writes them to the temp folder.

**Data.** ``load_digits``: 450 test images set aside once (stratified,
``random_state=0``); the other 1,347 form the *pool*. The features are standardised
with the pool's statistics. Everything in the pool is available without labels;
for each seed, ``n_labels`` of its images (50, 100, 200; as many per class) have
labels, the rest of the pool is the **validation set** (selection only), the 450
test images give the numbers reported.

**Autoencoders**, trained per seed on the whole pool without labels
(``DNNAutoencoder``, ReLU, Glorot, Nadam at 0.001, at most 200 epochs, stopping when
the reconstruction loss stops improving), for two encoder shapes, (100, 30) and
(256, 64):

- ``joint``: the whole stack at once (``pretraining="joint"``);
- ``greedy``: one shallow autoencoder per layer, then stacked
  (``pretraining="greedy"``);
- ``denoising joint`` and ``denoising greedy``: the same with
  ``input_dropout=0.4``, i.e. a denoising autoencoder that reconstructs each image
  from a copy with 40% of its pixels zeroed (the chapter's stacked denoising
  autoencoders, Vincent et al. 2008). The rate was chosen on the validation set of
  other seeds (100-107) among 0, 0.2 and 0.4, before this script was written.

**Classifiers** on the labelled images, same hidden shape as the encoder:

- ``scratch``: new weights;
- ``pretrained, fine-tuned``: ``transfer_from=autoencoder``,
  ``hidden_layer_sizes=()`` (a new softmax layer on the codings), frozen for 5
  epochs, then all layers train at the full rate
  (``reused_learning_rate_factor=1.0``);
- for the denoising joint autoencoder also the package's default factor, 0.1;
- ``logistic regression on the codings``: the encoder kept frozen with a
  (converged, l2-regularised) softmax layer on its standardised codings, i.e.
  scikit-learn's ``LogisticRegression()``: what "frozen for good" reaches once
  fully trained;
- ``logistic regression on pixels``, as a yardstick.

The networks train for 200 epochs, batches of 32, Nadam at 0.001, one epoch per
``partial_fit`` call (errors after 10, 20, 50, 100 and 200 epochs), each with its own
``np.random.RandomState(seed)``: all contenders of a seed see the same labelled
images and are paired by seed.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _claims import (  # noqa: E402
    chapter,
    fmt_paired_pct,
    fmt_summary_pct,
    load_results,
    markdown_table,
    paired,
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

from skdnn import DNNAutoencoder, DNNClassifier  # noqa: E402

SHAPES = {"(100, 30)": (100, 30), "(256, 64)": (256, 64)}
AUTOENCODERS = {
    "joint": dict(pretraining="joint"),
    "greedy": dict(pretraining="greedy"),
    "denoising joint": dict(pretraining="joint", input_dropout=0.4),
    "denoising greedy": dict(pretraining="greedy", input_dropout=0.4),
}
CHECKPOINTS = [10, 20, 50, 100, 200]
TRAIN = dict(optimizer="nadam", learning_rate=0.001, batch_size=32)


def fine_tuned(ae, factor=1.0):
    return DNNClassifier(
        **chapter(
            hidden_layer_sizes=(),
            transfer_from=ae,
            freeze_epochs=5,
            reused_learning_rate_factor=factor,
            **TRAIN,
        )
    )


def load():
    X, y = load_digits(return_X_y=True)
    pool, test = train_test_split(
        np.arange(len(y)), test_size=450, stratify=y, random_state=0
    )
    X = StandardScaler().fit(X[pool]).transform(X).astype(np.float32)
    return X, y, pool, test


def labelled_subset(y, pool, n, seed):
    rng = np.random.RandomState(seed)
    labelled = np.concatenate(
        [rng.choice(pool[y[pool] == c], n // 10, replace=False) for c in range(10)]
    )
    return labelled, np.setdiff1d(pool, labelled)


def run(seeds, n_labels, epochs, shapes, log):
    X, y, pool, test = load()
    checkpoints = [e for e in CHECKPOINTS if e <= epochs]
    errors = {s: {n: {} for n in n_labels} for s in shapes}  # curves
    single = {s: {n: {} for n in n_labels} for s in shapes}  # one value per seed
    pixels = {n: {"val": [], "test": []} for n in n_labels}
    recon = {s: {a: [] for a in AUTOENCODERS} for s in shapes}
    tic = time.perf_counter()
    for seed in seeds:
        aes = {}
        for s in shapes:
            for a, akw in AUTOENCODERS.items():
                ae = DNNAutoencoder(
                    SHAPES[s], max_iter=200, random_state=seed, diagnostics=False, **akw
                ).fit(X[pool])
                aes[s, a] = ae
                rec = ae.inverse_transform(ae.transform(X[test]))
                recon[s][a].append(float(np.mean((rec - X[test]) ** 2)))
        for n in n_labels:
            lab, val = labelled_subset(y, pool, n, seed)
            lr = LogisticRegression(max_iter=5000).fit(X[lab], y[lab])
            pixels[n]["val"].append(1 - lr.score(X[val], y[val]))
            pixels[n]["test"].append(1 - lr.score(X[test], y[test]))
            for s in shapes:
                contenders = {
                    "scratch": DNNClassifier(
                        **chapter(hidden_layer_sizes=SHAPES[s], **TRAIN)
                    )
                }
                for a in AUTOENCODERS:
                    ae = aes[s, a]
                    contenders[f"{a}, fine-tuned"] = fine_tuned(ae)
                    if a == "denoising joint":
                        contenders[f"{a}, fine-tuned at 0.1x rate"] = fine_tuned(
                            ae, 0.1
                        )
                    codes = ae.transform(X)
                    sc = StandardScaler().fit(codes[lab])
                    probe = LogisticRegression(max_iter=5000)
                    probe.fit(sc.transform(codes[lab]), y[lab])
                    rec = single[s][n].setdefault(
                        f"{a}, frozen: logistic regression on the codings",
                        {"val": [], "test": []},
                    )
                    rec["val"].append(1 - probe.score(sc.transform(codes[val]), y[val]))
                    rec["test"].append(
                        1 - probe.score(sc.transform(codes[test]), y[test])
                    )
                for name, clf in contenders.items():
                    clf.set_params(
                        random_state=np.random.RandomState(seed), diagnostics=False
                    )
                    cv, ct = [], []
                    for epoch in range(1, epochs + 1):
                        clf.partial_fit(X[lab], y[lab], classes=np.arange(10))
                        if epoch in checkpoints:
                            cv.append(1 - clf.score(X[val], y[val]))
                            ct.append(1 - clf.score(X[test], y[test]))
                    rec = errors[s][n].setdefault(name, {"val": [], "test": []})
                    rec["val"].append(cv)
                    rec["test"].append(ct)
        log(f"seed {seed} done, {time.perf_counter() - tic:.0f} s")
    return {
        "seeds": list(seeds),
        "n_labels": list(n_labels),
        "shapes": list(shapes),
        "checkpoints": checkpoints,
        "errors": errors,
        "single": single,
        "pixels": pixels,
        "reconstruction_mse": recon,
    }


def _int_keys(res):
    for part in ("errors", "single"):
        for per_shape in res[part].values():
            for key in list(per_shape):
                per_shape[int(key)] = per_shape.pop(key)
    for key in list(res["pixels"]):
        res["pixels"][int(key)] = res["pixels"].pop(key)
    return res


def _rounded(obj):
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 5)
    return obj


def chosen(res, s, n):
    """The pretrained contender with the lowest median paired validation difference."""
    ref = np.array(res["errors"][s][n]["scratch"]["val"])[:, -1]
    cands = {
        name: np.array(v["val"])[:, -1]
        for name, v in res["errors"][s][n].items()
        if name != "scratch"
    }
    cands.update({name: np.array(v["val"]) for name, v in res["single"][s][n].items()})
    return min(
        cands, key=lambda k: (np.median(cands[k] - ref), np.mean(cands[k] - ref))
    )


def table(res, s):
    rows = []
    for n in res["n_labels"]:
        errs = res["errors"][s][n]
        ref = np.array(errs["scratch"]["test"])[:, -1]
        ref_val = np.array(errs["scratch"]["val"])[:, -1]
        best = chosen(res, s, n)
        rows.append([n, "scratch", fmt_summary_pct(summary(ref)), "", ""])
        items = [
            (name, np.array(v["test"])[:, -1], np.array(v["val"])[:, -1])
            for name, v in errs.items()
            if name != "scratch"
        ] + [
            (name, np.array(v["test"]), np.array(v["val"]))
            for name, v in res["single"][s][n].items()
        ]
        for name, t, v in items:
            p = paired(t, ref)
            label = name + (" **← chosen on validation**" if name == best else "")
            rows.append(
                [
                    n,
                    label,
                    fmt_summary_pct(summary(t)),
                    fmt_paired_pct(p) + f" (val {100 * np.median(v - ref_val):+.1f})",
                    f"{p['lower']}/{p['equal']}/{p['higher']}",
                ]
            )
        t = np.array(res["pixels"][n]["test"])
        p = paired(t, ref)
        rows.append(
            [
                n,
                "*logistic regression on pixels*",
                fmt_summary_pct(summary(t)),
                fmt_paired_pct(p),
                f"{p['lower']}/{p['equal']}/{p['higher']}",
            ]
        )
    header = [
        "labels",
        "classifier",
        "test error %: median [IQR] (min–max)",
        "minus scratch, points: median [95% CI] (validation median)",
        "seeds better/equal/worse",
    ]
    return markdown_table(header, rows)


def plot(res, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shapes, n_labels = res["shapes"], res["n_labels"]
    fig, axes = plt.subplots(
        len(shapes),
        len(n_labels),
        figsize=(3.0 * len(n_labels) + 3.4, 0.4 + 3.3 * len(shapes)),
        squeeze=False,
        sharey=True,
    )
    rng = np.random.default_rng(0)
    for i, s in enumerate(shapes):
        for j, n in enumerate(n_labels):
            ax = axes[i, j]
            ref = 100 * np.array(res["errors"][s][n]["scratch"]["test"])[:, -1]
            items = [
                (name, 100 * np.array(v["test"])[:, -1])
                for name, v in res["errors"][s][n].items()
                if name != "scratch"
            ] + [
                (
                    name.replace(
                        "frozen: logistic regression on the codings", "frozen (LR)"
                    ),
                    100 * np.array(v["test"]),
                )
                for name, v in res["single"][s][n].items()
            ]
            names = [name for name, _ in items]
            for k, (_name, t) in enumerate(items):
                d = t - ref
                ax.scatter(
                    d, k + rng.uniform(-0.15, 0.15, d.size), s=7, alpha=0.4, color="0.3"
                )
                p = paired(d, np.zeros_like(d))
                ax.plot(p["ci"], [k, k], color="tab:blue", lw=3)
                ax.plot(p["median"], k, "o", color="tab:blue")
            ax.axvline(0, color="black", lw=0.8)
            if j == 0:
                ax.set_yticks(range(len(names)), names, fontsize=7)
                if i == 0:  # the axes share y: invert once
                    ax.invert_yaxis()
                ax.set_ylabel(f"encoder {s}", fontsize=9)
            ax.set_title(
                f"{n} labels (scratch: {np.median(ref):.1f}% error)", fontsize=9
            )
            if i == len(shapes) - 1:
                ax.set_xlabel("test error minus scratch (points)")
    fig.suptitle(
        f"Autoencoder pretraining on digits, {len(res['seeds'])} seeds, after "
        f"{res['checkpoints'][-1]} epochs: one dot per seed, median and 95% CI "
        "(left of 0: pretraining better)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def page(res, figure_name):
    mse = {
        s: ", ".join(
            f"{a} {np.median(v):.3f}" for a, v in res["reconstruction_mse"][s].items()
        )
        for s in res["shapes"]
    }
    parts = [
        "# Unsupervised pretraining on digits, measured",
        "",
        "Written by `benchmarks/claims_pretraining.py` (protocol in its docstring); "
        "re-run the script rather than editing by hand.",
        "",
        *res["info"],
        f"- seeds {res['seeds'][0]}–{res['seeds'][-1]} ({len(res['seeds'])}); "
        "450 test images; the autoencoders train on the 1,347 others without labels",
        *(
            f"- median test reconstruction MSE (standardised pixels), encoder {s}: "
            f"{mse[s]}"
            for s in res["shapes"]
        ),
        "",
        "Test error in percent after "
        f"{res['checkpoints'][-1]} epochs: median over seeds, IQR in brackets, "
        "min–max in parentheses; the paired column is the per-seed difference to "
        "scratch (negative: pretraining is better), median and bootstrap 95% CI, "
        "and in parentheses the validation median on which the marked contender "
        "was chosen. One test image is 0.22 points.",
        "",
        f"![Paired differences to scratch]({figure_name})",
        "",
    ]
    for s in res["shapes"]:
        parts += [f"## Encoder and classifier {s}", "", table(res, s), ""]
    return "\n".join(parts)


def main(argv=None):
    def configure(parser):
        parser.add_argument("--seeds", type=int, default=30)

    args, fig, saved, _limits = start(
        "pretraining", argv, __doc__.split("\n")[0], configure
    )
    if args.replot:
        res = _int_keys(load_results(saved))
    else:
        if args.quick:
            seeds, n_labels, epochs = range(1000, 1002), (50,), 20
            shapes, command = (
                ["(100, 30)"],
                "python benchmarks/claims_pretraining.py --quick",
            )
        else:
            seeds, n_labels, epochs = range(args.seeds), (50, 100, 200), 200
            shapes = list(SHAPES)
            command = "python benchmarks/claims_pretraining.py" + (
                f" --seeds {args.seeds}" if args.seeds != 30 else ""
            )
        tic = time.perf_counter()
        res = run(seeds, n_labels, epochs, shapes, log=lambda m: print(m, flush=True))
        res["info"] = run_info(command, time.perf_counter() - tic)
        save_results(saved, _rounded(res), compact=True)
    plot(res, fig)
    path = write_page("pretraining", page(res, os.path.basename(fig)), quick=args.quick)
    print(f"wrote {path} and {fig}")


if __name__ == "__main__":
    main()
