"""
Comparing many techniques cheaply: successive halving over epochs
=================================================================

Every technique of the chapter is a hyperparameter, so a grid over them grows fast:
here 3 initializers x 3 activations x batch norm or not x 3 optimizers x 1cycle or
not x dropout or not = 216 combinations. Training each for its whole budget, as
``GridSearchCV`` does, wastes most of the time on combinations that are bad from the
start.

``HalvingGridSearchCV`` with ``resource="max_iter"`` (successive halving; Jamieson &
Talwalkar 2016, Li et al. 2017) trains every combination for 1 epoch, keeps the best
third, trains those for 3 epochs, and so on up to 81 epochs for the last 3. The
number of epochs is the resource, so the estimator needs nothing special: each round
fits a clone with a larger ``max_iter``. Schedules given by name, such as ``"1cycle"``,
stretch over each round's ``max_iter``.

Measured on 2 cores (``python benchmarks/bench_search.py halving``, both searches with
``n_jobs=2`` and 3-fold CV): 38 s for the halving search against 276 s for
``GridSearchCV`` training all 216 combinations for 81 epochs; both winners reached
0.984 test accuracy. They are different combinations (the grid search's has batch
norm, the halving search's not): a few epochs can rank slow starters too low, so
compare the survivors with a full budget.
"""

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402

# the search's worker processes: silence the ConvergenceWarning of short trainings
os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")

import time  # noqa: E402
import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.model_selection import HalvingGridSearchCV, train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import DNNClassifier  # noqa: E402

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

techniques = {
    "kernel_initializer": ["glorot_uniform", "he_normal", "lecun_normal"],
    "activation": ["relu", "elu", "selu"],
    "batch_norm": [None, "before"],
    "optimizer": ["adam", "nadam", "rmsprop"],
    "lr_schedule": [None, "1cycle"],
    "dropout": [0.0, 0.2],
}
n_combinations = int(np.prod([len(v) for v in techniques.values()]))
search = HalvingGridSearchCV(
    DNNClassifier(hidden_layer_sizes=(64, 64), random_state=0),
    techniques,
    resource="max_iter",
    min_resources=1,
    max_resources=81,
    factor=3,
    cv=3,
    n_jobs=2,
    random_state=0,
)
tic = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    search.fit(X_train, y_train)
seconds = time.perf_counter() - tic

print(f"{n_combinations} combinations, searched in {seconds:.0f} s")
print("epochs per round:", list(search.n_resources_))
print("candidates per round:", list(search.n_candidates_))
print("best:", search.best_params_)
print(f"test accuracy of the refitted best: {search.score(X_test, y_test):.4f}")

# %%
# Each round's candidates: their mean validation accuracy, at that round's epochs.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(7, 4))
for i, epochs in enumerate(search.n_resources_):
    scores = results["mean_test_score"][results["iter"] == i]
    ax.scatter(np.full(scores.size, epochs), scores, s=12, alpha=0.5)
ax.set_xscale("log")
ax.set_xlabel("epochs (the halving resource)")
ax.set_ylabel("mean validation accuracy")
ax.set_title(f"{n_combinations} technique combinations, best third kept per round")
fig.tight_layout()
