"""Plots of what training did, from a fitted estimator's ``history_``.

Every function takes a fitted ``DNNClassifier``, ``DNNRegressor`` or
``DNNAutoencoder`` (or a ``Pipeline`` ending in one), draws on ``ax`` (a new
figure by default) and returns the matplotlib Axes. They need matplotlib:
``pip install "skdnn[plot]"``.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._lr_finder import LearningRateFinderResult
from .nn.schedules import LearningRateSchedule

__all__ = [
    "plot_gradient_flow",
    "plot_learning_curves",
    "plot_learning_rate",
    "plot_lr_finder",
]

_STATISTICS = {
    "grad_rms": "gradient RMS of the kernel",
    "saturated": "share of saturated activations",
    "dead": "share of dead units",
    "act_mean": "mean activation",
    "act_std": "activation standard deviation",
}


def _axes(ax):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            'skdnn.plotting needs matplotlib: pip install "skdnn[plot]"'
        ) from exc
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _history(estimator):
    if hasattr(estimator, "steps"):  # a Pipeline: its final step was trained
        estimator = estimator.steps[-1][1]
    if not hasattr(estimator, "network_") and getattr(estimator, "n_iter_", None):
        # fitted, but not by skdnn (MLPClassifier has loss_curve_, not history_)
        raise TypeError(
            f"The plots read a skdnn estimator's history_; "
            f"{type(estimator).__name__} has none."
        )
    check_is_fitted(estimator, "history_")
    if not estimator.history_.get("loss"):
        # fitted and usable, but no epoch completed (a divergence or Ctrl-C in
        # the first one)
        raise ValueError(
            f"{type(estimator).__name__}.history_ is empty: no epoch of its last "
            "fit completed, so there is nothing to plot."
        )
    return estimator, estimator.history_


def _epochs(values):
    return np.arange(1, len(values) + 1)


_ESTIMATOR_AND_AX = """\
Parameters
    ----------
    estimator : fitted estimator or Pipeline
        A fitted skdnn estimator, or a Pipeline whose last step is one.
    ax : matplotlib Axes, default=None
        Where to draw; by default a new figure."""


_EXAMPLE_SETUP = """\
>>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris"""


def _shared_docs(func):
    """The parameters every plot takes, and its example's setup, written once."""
    func.__doc__ = func.__doc__.replace("{estimator_and_ax}", _ESTIMATOR_AND_AX)
    func.__doc__ = func.__doc__.replace("{example_setup}", _EXAMPLE_SETUP)
    return func


@_shared_docs
def plot_learning_curves(estimator, ax=None):
    """Training and validation loss per epoch, and the validation score.

    {estimator_and_ax}

    Returns
    -------
    ax : matplotlib Axes
        The axes with the losses. With ``early_stopping=True`` the validation
        score (accuracy or R^2) is drawn on a twin axis on the right
        (``ax.figure.axes[-1]``).

    Examples
    --------
    {example_setup}
    >>> from skdnn import DNNClassifier, plotting
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DNNClassifier(early_stopping=True, max_iter=20, random_state=0)
    >>> ax = plotting.plot_learning_curves(clf.fit(X, y))
    >>> [line.get_label() for line in ax.get_lines()]
    ['training loss', 'validation loss']
    """
    _, history = _history(estimator)
    ax = _axes(ax)
    lines = ax.plot(_epochs(history["loss"]), history["loss"], label="training loss")
    if "val_loss" in history:
        val_loss = history["val_loss"]
        lines += ax.plot(_epochs(val_loss), val_loss, label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    val_score = history.get("val_score")
    if val_score is not None and np.isfinite(val_score).any():
        twin = ax.twinx()
        lines += twin.plot(
            _epochs(val_score), val_score, "k:", label="validation score"
        )
        twin.set_ylabel("validation score")
    ax.legend(lines, [line.get_label() for line in lines])
    return ax


def _per_step_rates(estimator):
    """``(first step, rates)`` of the steps of ``lr_schedule_``, or None if they
    cannot be known.

    A schedule that reacts to the losses (``ReduceLROnPlateau``) only knows its
    final state, not the past rates.
    """
    schedule = getattr(estimator, "lr_schedule_", None)
    steps = getattr(estimator, "n_steps_", 0)
    if schedule is None or not steps:
        return None
    if isinstance(schedule, LearningRateSchedule) and (
        type(schedule).epoch_end is not LearningRateSchedule.epoch_end
        or type(schedule).batch_end is not LearningRateSchedule.batch_end
    ):
        return None
    # a warm fit may have started this schedule: its steps count from there
    start = getattr(estimator, "_schedule_start", 0)
    return start, np.array([schedule(s) for s in range(steps - start)], dtype=float)


@_shared_docs
def plot_learning_rate(estimator, ax=None):
    """The learning rate per epoch and, for a schedule, per step.

    {estimator_and_ax}

    Returns
    -------
    ax : matplotlib Axes
        Markers: ``history_["lr"]``, the rate of each epoch's last step. Line
        (with an ``lr_schedule`` that does not depend on the losses):
        ``lr_schedule_(step)`` for every step taken under it (all ``n_steps_``
        of them, or those since a warm fit started it), with step ``s`` drawn
        at epoch ``(s + 1) * n_epochs / n_steps_``, so the last step of an
        epoch lands on that epoch. The y axis is logarithmic when the rate
        spans more than a factor of 10.

    Examples
    --------
    {example_setup}
    >>> from skdnn import DNNClassifier, plotting
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DNNClassifier(lr_schedule="1cycle", max_iter=5, random_state=0)
    >>> ax = plotting.plot_learning_rate(clf.fit(X, y))
    >>> [line.get_label() for line in ax.get_lines()]
    ['per step (lr_schedule_)', 'per epoch (history_)']
    """
    estimator, history = _history(estimator)
    ax = _axes(ax)
    lr = np.asarray(history["lr"], dtype=float)
    per_step = _per_step_rates(estimator)
    shown = lr
    if per_step is not None and lr.size:
        start, rates = per_step
        steps = np.arange(start + 1, start + rates.size + 1)
        steps = steps * lr.size / estimator.n_steps_
        ax.plot(steps, rates, label="per step (lr_schedule_)")
        shown = np.concatenate([lr, rates])
    ax.plot(_epochs(lr), lr, "o", label="per epoch (history_)")
    positive = shown[shown > 0]
    if positive.size and positive.max() > 10 * positive.min():
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.legend()
    return ax


@_shared_docs
def plot_lr_finder(result, ax=None):
    """Loss against learning rate from ``find_learning_rate``.

    The plot of :meth:`skdnn.LearningRateFinderResult.plot`: batch and smoothed losses
    on a logarithmic rate axis, with the suggested rate marked.

    Parameters
    ----------
    result : LearningRateFinderResult
        What :func:`~skdnn.find_learning_rate` returned.
    ax : matplotlib Axes, default=None
        Where to draw; by default a new figure.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    {example_setup}
    >>> from skdnn import DNNClassifier, find_learning_rate
    >>> from skdnn.plotting import plot_lr_finder
    >>> X, y = load_iris(return_X_y=True)
    >>> result = find_learning_rate(DNNClassifier(random_state=0), X, y)
    >>> ax = plot_lr_finder(result)
    >>> ax.get_xscale()
    'log'
    """
    if not isinstance(result, LearningRateFinderResult):
        raise TypeError(
            "plot_lr_finder takes what skdnn.find_learning_rate returns, got "
            f"{type(result).__name__}; for a fitted estimator see "
            "plot_learning_rate."
        )
    return result.plot(ax=_axes(ax))


@_shared_docs
def plot_gradient_flow(estimator, ax=None, statistic="grad_rms"):
    """A per-layer diagnostic over the epochs: one line per hidden layer.

    Needs an estimator fitted with ``diagnostics=True`` (the default); the
    values are those of ``history_`` (see the diagnostics guide).

    {estimator_and_ax}
    statistic : {"grad_rms", "saturated", "dead", "act_mean", "act_std"}, \
            default="grad_rms"
        What to draw, from ``history_["<statistic>_<k>"]``: the gradient RMS of
        each layer's kernel (on a logarithmic axis: vanishing gradients shrink
        by a factor per layer), the share of saturated activations or of dead
        units, or the mean or standard deviation of the activations.

    Returns
    -------
    ax : matplotlib Axes
        One line per hidden layer, labelled ``layer k`` (1 = lowest).

    Examples
    --------
    {example_setup}
    >>> from skdnn import DNNClassifier
    >>> from skdnn.plotting import plot_gradient_flow
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DNNClassifier(hidden_layer_sizes=(8, 8, 8), max_iter=5, random_state=0)
    >>> ax = plot_gradient_flow(clf.fit(X, y))
    >>> [line.get_label() for line in ax.get_lines()]
    ['layer 1', 'layer 2', 'layer 3']
    """
    layers = _per_layer(estimator, statistic)
    ax = _axes(ax)
    import matplotlib as mpl

    # lowest layer dark, top layer light: the order of the layers reads at a glance
    colors = mpl.colormaps["viridis"](np.linspace(0, 0.9, len(layers)))
    for k, (values, color) in enumerate(zip(layers, colors), start=1):
        ax.plot(_epochs(values), values, color=color, label=f"layer {k}")
    if statistic == "grad_rms":
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(_STATISTICS[statistic])
    ax.legend(fontsize="small", ncol=1 + len(layers) // 6)
    return ax


def _per_layer(estimator, statistic):
    """The per-epoch values of ``statistic`` for each hidden layer, bottom-up."""
    if statistic not in _STATISTICS:
        raise ValueError(
            f"statistic must be one of {sorted(_STATISTICS)}, got {statistic!r}."
        )
    estimator, history = _history(estimator)
    layers = []
    while f"{statistic}_{len(layers) + 1}" in history:
        layers.append(history[f"{statistic}_{len(layers) + 1}"])
    if not layers:
        why = (
            "the network has no hidden layer"
            if getattr(estimator, "diagnostics", False)
            else "fit with diagnostics=True to record the per-layer statistics"
        )
        raise ValueError(f"history_ has no {statistic}_k entries: {why}.")
    return layers
