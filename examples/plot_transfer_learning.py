"""
Transfer learning: reusing the layers of a model trained on another task
========================================================================

The chapter's experiment, on the digits data instead of Fashion MNIST. Task A is
to classify the digits 0-7 and has plenty of labelled images (all of them). Task B
is to tell the two remaining digits, 8 and 9, apart, with only 30 labelled images.

For task B we compare, over 10 seeds (each seed draws other labelled images and
other initial weights, and trains its own model A):

* **scratch**: a network of the same shape as model A, trained on the 30 images;
* **frozen**: model A's hidden layers reused (``transfer_from=model_a``) and kept
  frozen; only the new output layer is trained;
* **frozen, lowest layer**: only model A's lowest hidden layer reused and frozen
  (``transfer_layers=1``). This contender was added after seeing the first three:
  the chapter's advice when reusing all layers does not help is to reuse fewer,
  since the upper layers are the most specific to task A;
* **frozen, then unfrozen**: all hidden layers reused, frozen for the first 20
  epochs, then all layers train, the reused ones at a tenth of the learning rate
  (``freeze_epochs=20``, ``reused_learning_rate_factor=0.1``).

Every model trains until its training loss stops improving (at most 500 epochs;
frozen epochs are cheap, as the frozen layers' outputs are computed once).

The error rate is measured on all the other 8s and 9s (about 320 images). The
chapter warns that its own result was obtained by "torturing the data" until it
confessed; here the setup was fixed before looking at the results, and the spread
over seeds is shown next to the mean.
"""

import matplotlib

matplotlib.use("Agg")

import time  # noqa: E402
import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skdnn import DNNClassifier  # noqa: E402

N_SEEDS = 10
N_LABELLED_B = 30
HIDDEN = (100, 100, 50)

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)  # pixel values 0..16 to [0, 1]
is_a = y < 8
X_a, y_a = X[is_a], y[is_a]
X_b, y_b = X[~is_a], y[~is_a]

# No dropout, as in the chapter's experiment; deterministic reused layers are also
# what lets frozen epochs reuse their cached outputs.
common = dict(learning_rate=0.003, batch_size=16, max_iter=500, dropout=0.0)

# %%
# Training the three contenders for each seed
# -------------------------------------------
tic = time.perf_counter()
errors = {name: [] for name in ("scratch", "frozen", "frozen, lowest layer")}
errors["frozen, then unfrozen"] = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for seed in range(N_SEEDS):
        rng = np.random.RandomState(seed)
        # 30 labelled images of task B, 15 per class; the rest is the test set
        labelled = np.concatenate(
            [
                rng.choice(np.flatnonzero(y_b == c), N_LABELLED_B // 2, replace=False)
                for c in (8, 9)
            ]
        )
        test = np.setdiff1d(np.arange(len(y_b)), labelled)
        model_a = DNNClassifier(HIDDEN, random_state=seed, **common).fit(X_a, y_a)

        contenders = {
            "scratch": DNNClassifier(HIDDEN, random_state=seed, **common),
            "frozen": DNNClassifier(
                (), transfer_from=model_a, random_state=seed, **common
            ),
            "frozen, lowest layer": DNNClassifier(
                (),
                transfer_from=model_a,
                transfer_layers=1,
                random_state=seed,
                **common,
            ),
            "frozen, then unfrozen": DNNClassifier(
                (),
                transfer_from=model_a,
                freeze_epochs=20,
                reused_learning_rate_factor=0.1,
                random_state=seed,
                **common,
            ),
        }
        for name, clf in contenders.items():
            clf.fit(X_b[labelled], y_b[labelled])
            errors[name].append(1 - clf.score(X_b[test], y_b[test]))
elapsed = time.perf_counter() - tic

# %%
# Error rates on task B
# ---------------------
print(f"task B: {N_LABELLED_B} labelled images, {N_SEEDS} seeds ({elapsed:.0f} s)")
print(f"{'':24s}{'mean':>8s}{'std':>8s}{'min':>8s}{'max':>8s}")
for name, errs in errors.items():
    e = 100 * np.array(errs)
    print(f"{name:24s}{e.mean():7.2f}%{e.std():7.2f}%{e.min():7.2f}%{e.max():7.2f}%")
scratch = np.array(errors["scratch"])
for name in list(errors)[1:]:
    wins = int(np.sum(np.array(errors[name]) < scratch))
    ties = int(np.sum(np.array(errors[name]) == scratch))
    print(f"{name} beats scratch on {wins} of {N_SEEDS} seeds ({ties} ties)")

fig, ax = plt.subplots(figsize=(7.5, 3.5))
names = list(errors)
for i, name in enumerate(names):
    e = 100 * np.array(errors[name])
    ax.scatter(np.full(e.size, i), e, alpha=0.6)
    ax.errorbar(i + 0.15, e.mean(), yerr=e.std(), fmt="o", color="black", capsize=4)
for seed in range(N_SEEDS):
    ax.plot(range(len(names)), [100 * errors[n][seed] for n in names], c="0.8", lw=0.7)
ax.set_xticks(range(len(names)), names)
ax.set_ylabel("test error on task B (%)")
ax.set_title(f"8 vs 9 from {N_LABELLED_B} labels: one line per seed")
fig.tight_layout()
plt.show()

# %%
# What this shows
# ---------------
# Measured (2 cores, the numbers printed above): from scratch, 4.66% ± 1.38% error;
# all of model A's hidden layers reused and frozen, 13.5% ± 4.5% (worse on every
# seed); only the lowest layer reused and frozen, 5.77% ± 1.84% (better on 3 of
# 10 seeds, within the spread); all layers reused, frozen for 20 epochs then
# fine-tuned at a tenth of the rate, 6.33% ± 1.60% (better on 1 of 10).
#
# So on this small dense network the chapter's headline (error divided by four)
# does not reproduce: 8 vs 9 is easy enough to learn from 30 images, and model A's
# upper layers are too specific to the digits 0-7 to help, which unfreezing
# mostly repairs. Reusing only the general, low-level layer comes closest to
# training from scratch, without beating it. As the chapter says, transfer
# learning pays off most with deep networks (notably convolutional ones) whose low
# layers learn generic features.
