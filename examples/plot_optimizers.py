"""
Comparing optimizers
====================

Every optimizer of skdnn trains the same network (2 hidden layers of 100 ELU units,
He initialization) on the standardised digits data for 20 epochs with mini-batches
of 32, each at its Keras default learning rate (0.01 for SGD, 0.001 for the others).
Each configuration runs with 3 seeds; the table and the curves show the median.

Then the learning-rate finder sweeps Nadam's rate from 1e-5 to 10, and 1cycle
scheduling with the rate at the finder's minimum loss as its peak is compared with a
constant rate.
"""

import matplotlib

matplotlib.use("Agg")

import time  # noqa: E402
import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import DNNClassifier, find_learning_rate  # noqa: E402

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

EPOCHS, SEEDS = 20, (0, 1, 2)
base = DNNClassifier(
    hidden_layer_sizes=(100, 100),
    batch_size=32,
    max_iter=EPOCHS,
    n_iter_no_change=EPOCHS,  # run every epoch: compare whole curves
)
defaults = base.get_params()


def run(name, **params):
    """Median training-loss curve, test accuracy and fit time over the seeds."""
    curves, scores, times = [], [], []
    for seed in SEEDS:
        est = base.set_params(random_state=seed, **params)
        tic = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X_train, y_train)
        times.append(time.perf_counter() - tic)
        curves.append(est.loss_curve_)
        scores.append(est.score(X_test, y_test))
    base.set_params(**{key: defaults[key] for key in params})
    return {
        "name": name,
        "curve": np.median(curves, axis=0),
        "accuracy": np.median(scores),
        "time": np.median(times),
    }


# %%
# All optimizers at their default learning rate
# ---------------------------------------------
configs = {
    "sgd": dict(optimizer="sgd"),
    "sgd, momentum=0.9": dict(optimizer="sgd", momentum=0.9),
    "sgd, nesterov": dict(optimizer="sgd", momentum=0.9, nesterov=True),
    "adagrad": dict(optimizer="adagrad"),
    "rmsprop": dict(optimizer="rmsprop"),
    "adam": dict(optimizer="adam"),
    "adamax": dict(optimizer="adamax"),
    "nadam": dict(optimizer="nadam"),
    "adamw": dict(optimizer="adamw"),
}
results = [run(name, **params) for name, params in configs.items()]

# %%
# The learning-rate finder and 1cycle
# -----------------------------------
finder = find_learning_rate(base.set_params(random_state=0), X_train, y_train)
peak = finder.best_learning_rate
print(
    f"find_learning_rate (nadam): minimum loss at {peak:.3g}, "
    f"suggested initial rate {finder.suggested_learning_rate:.3g}"
)
results.append(run(f"nadam, constant {peak:.3g}", learning_rate=peak))
results.append(
    run(f"nadam, 1cycle peak {peak:.3g}", learning_rate=peak, lr_schedule="1cycle")
)

# %%
# Results
# -------
# Median over 3 seeds of the training loss after 5 and after 20 epochs, the test
# accuracy and the fit time. The "nadam" row is the constant rate 0.001.
print(
    f"{'optimizer':<28} {'loss @5':>8} {'final loss':>10} {'test acc':>8} {'s/fit':>6}"
)
for r in results:
    print(
        f"{r['name']:<28} {r['curve'][4]:>8.4f} {r['curve'][-1]:>10.4f} "
        f"{r['accuracy']:>8.4f} {r['time']:>6.2f}"
    )

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
for r in results[:9]:
    ax1.plot(range(1, EPOCHS + 1), r["curve"], label=r["name"])
ax1.set(
    yscale="log", xlabel="epoch", ylabel="training loss", title="Default learning rates"
)
ax1.legend(fontsize=8)
for r in [results[7], *results[9:]]:
    ax2.plot(range(1, EPOCHS + 1), r["curve"], label=r["name"])
ax2.set(yscale="log", xlabel="epoch", title="Constant rate vs 1cycle (Nadam)")
ax2.legend(fontsize=8)
fig.tight_layout()

fig2, ax = plt.subplots(figsize=(6, 4))
finder.plot(ax=ax)
ax.set_title("Learning-rate finder, Nadam")
plt.show()
