"""
Monte Carlo dropout: are the averaged probabilities better calibrated?
======================================================================

Gal & Ghahramani (2016): keep dropout on at prediction time and average the
probabilities of many forward passes. We train ``DNNClassifier`` with dropout on half
of the digits data (standardised) and compare, on the other half, one deterministic
pass (``predict_proba(X)``) with the mean of 100 Monte Carlo passes
(``predict_proba(X, mc_samples=100)``), by log loss and Brier score (lower is better
for both), for dropout rates 0.1, 0.2 and 0.5. A reliability diagram shows the calibration of
the most confident class.
"""

import matplotlib

matplotlib.use("Agg")

import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import accuracy_score, log_loss  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import DNNClassifier  # noqa: E402

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, random_state=0, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)


def brier(y_true, proba, classes):
    """Multiclass Brier score: mean squared distance to the one-hot labels."""
    onehot = y_true[:, None] == classes[None, :]
    return np.mean(np.sum((proba - onehot) ** 2, axis=1))


# %%
# One pass versus 100 Monte Carlo passes
# --------------------------------------
rows, probas = [], {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for rate in (0.1, 0.2, 0.5):
        clf = DNNClassifier(
            (100, 100), dropout=rate, max_iter=100, n_iter_no_change=100, random_state=0
        ).fit(X_train, y_train)
        single = clf.predict_proba(X_test)
        mc = clf.predict_proba(X_test, mc_samples=100)
        probas[rate] = single, mc
        for name, P in (("1 pass", single), ("MC 100", mc)):
            rows.append(
                (
                    rate,
                    name,
                    log_loss(y_test, P, labels=clf.classes_),
                    brier(y_test, P, clf.classes_),
                    accuracy_score(y_test, clf.classes_[P.argmax(1)]),
                )
            )
print("dropout  predictions  log loss  Brier   accuracy")
for rate, name, ll, bs, acc in rows:
    print(f"{rate:7.1f}  {name:11s}  {ll:8.4f}  {bs:.4f}  {acc:.3f}")

# %%
# Reliability diagram (dropout 0.2)
# ---------------------------------
# For each prediction, the probability of the predicted class against whether it
# was right, in bins of confidence; a calibrated model lies on the diagonal.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
bins = np.linspace(0, 1, 11)
for name, P in zip(("1 pass", "MC 100 passes"), probas[0.2]):
    confidence = P.max(axis=1)
    correct = P.argmax(axis=1) == y_test
    which = np.clip(np.digitize(confidence, bins) - 1, 0, len(bins) - 2)
    used = [b for b in range(len(bins) - 1) if np.any(which == b)]
    axes[0].plot(
        [confidence[which == b].mean() for b in used],
        [correct[which == b].mean() for b in used],
        marker="o",
        label=name,
    )
axes[0].plot([0, 1], [0, 1], "k:", label="perfect calibration")
axes[0].set(
    xlabel="confidence (probability of the predicted class)",
    ylabel="accuracy",
    title="Reliability, dropout 0.2",
)
axes[0].legend()
rates = sorted(probas)
for name, marker in (("1 pass", "o"), ("MC 100", "s")):
    axes[1].plot(
        rates,
        [r[2] for r in rows if r[1] == name],
        marker=marker,
        label=name,
    )
axes[1].set(xlabel="dropout rate", ylabel="test log loss", title="Log loss")
axes[1].legend()
fig.tight_layout()
plt.show()

# %%
# What the numbers say
# --------------------
# On this split (``random_state=0``, 100 epochs), averaging 100 Monte Carlo passes
# lowered the test log loss at dropout rates 0.1 and 0.2 (0.138 -> 0.124 and
# 0.154 -> 0.132) and left the Brier score and the accuracy about unchanged; at a
# rate of 0.5 the Monte Carlo average was *worse* in both (log loss 0.170 -> 0.194).
# After only 40 epochs, when the single pass is not yet overconfident, the Monte
# Carlo average was no better at any rate, and on the breast cancer data it was
# slightly worse at every rate we tried. So MC dropout is no free calibration
# gain: it helps when the single pass is overconfident in its mistakes (which the
# log loss punishes), and it adds the noise of the dropped units at prediction
# time, which hurts when the rate is large. Measure on held-out data before relying
# on it; its other use, the spread of the passes as an uncertainty estimate, is
# ``DNNRegressor.predict(X, return_std=True)``.
