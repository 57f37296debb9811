"""
Seeing what training does: gradient flow and learning curves
=============================================================

Two networks of the same shape, 10 hidden layers of 100 units, on the digits data
set (standardised), trained for the same number of epochs with a held-out
validation set (``early_stopping=True``):

* the pre-2010 recipe: **logistic** units with weights drawn from **N(0, 1)**;
* **ELU** units with **He** initialization.

Every epoch, skdnn records per-layer statistics in ``history_`` (the gradient RMS
of each kernel, the share of saturated activations, ...); the functions of
:mod:`skdnn.plotting` draw them, together with the learning curves and the
learning rate.
"""

import matplotlib

matplotlib.use("Agg")

import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdnn import DNNClassifier, GradientFlowWarning  # noqa: E402
from skdnn.plotting import (  # noqa: E402
    plot_gradient_flow,
    plot_learning_curves,
    plot_learning_rate,
)

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)


def standard_normal(shape, rng):
    """N(0, 1) weights: the initialization used before Glorot & Bengio (2010)."""
    return rng.standard_normal(shape)


common = dict(
    hidden_layer_sizes=(100,) * 10,
    early_stopping=True,
    n_iter_no_change=100,  # run every epoch: the curves have the same length
    max_iter=25,
    lr_schedule="exponential",
    random_state=0,
)
models = {
    "logistic, N(0, 1)": DNNClassifier(
        activation="logistic", kernel_initializer=standard_normal, **common
    ),
    "ELU, He": DNNClassifier(
        activation="elu", kernel_initializer="he_normal", **common
    ),
}
for name, model in models.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GradientFlowWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # the warning's first sentence, without the estimator's name
    flow = [str(w.message).split(": ", 1)[1].split(". ")[0] for w in caught]
    print(
        f"{name:18s} best validation accuracy {model.best_validation_score_:.3f}; "
        f"GradientFlowWarning: {flow[0] if flow else 'none'}"
    )

# %%
# Gradient flow
# -------------
# One line per hidden layer, layer 1 (the lowest) darkest. In the logistic
# network about half of the activations of every layer stay saturated for the
# whole run, and the lowest layers get a few times less gradient than the top
# ones: it learns slowly (see the learning curves below). With ELU and He
# initialization almost nothing saturates and all ten layers get gradients of
# the same size; they shrink together as training converges.
fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
for column, (name, model) in enumerate(models.items()):
    plot_gradient_flow(model, ax=axes[0, column])
    plot_gradient_flow(model, ax=axes[1, column], statistic="saturated")
    axes[0, column].set_title(name)
    axes[1, column].set_ylim(-0.02, 1)
fig.tight_layout()

# %%
# Learning curves
# ---------------
# Training and validation loss per epoch; the validation accuracy is on the
# right-hand axis.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, (name, model) in zip(axes, models.items()):
    plot_learning_curves(model, ax=ax)
    ax.set_title(name)
fig.tight_layout()

# %%
# Learning rate
# -------------
# ``history_["lr"]`` holds the rate of each epoch's last step; for a schedule that
# does not depend on the losses, :func:`~skdnn.plotting.plot_learning_rate` also
# draws every step's rate from ``lr_schedule_``.
ax = plot_learning_rate(models["ELU, He"])
ax.set_title("exponential decay, ELU, He")
plt.show()
