"""A continued fit: ``warm_start=True``, or ``partial_fit`` after a fit.

It keeps the network the first fit built, and with it every parameter the
network was built from (a change is an error, not silently ignored); it takes
the optimizer's parameters as they are now, keeping the optimizer's state; and
it continues the learning-rate schedule, except a finite one (1cycle), which
spans one fit, and except after a change of the learning rate or of the
schedule itself.
"""

from numbers import Integral

import numpy as np

from ._builder import lower
from ._parameters import INPUT_LAYERS
from ._warnings import warn

#: The parameters a network is built from, besides its hidden layers.
BUILT_FROM = (
    "activation",
    "batch_norm",
    "batch_norm_momentum",
    "batch_norm_epsilon",
    "input_batch_norm",
    "dropout",
    "input_dropout",
    "dropout_type",
    "dtype",
    *INPUT_LAYERS,
)


def build_parameters(estimator):
    """The values, normalised, of the parameters the network is built from."""
    built = {"hidden_layer_sizes": tuple(estimator._hidden_sizes())}
    for name in BUILT_FROM:
        if hasattr(estimator, name):
            value = getattr(estimator, name)
            if name == "categorical_features":
                value = _columns(estimator, value)
            elif hasattr(value, "__iter__") and not isinstance(value, str):
                value = tuple(np.asarray(value).tolist())  # lists, arrays, Index
            built[name] = lower(value)
    return built


def _columns(estimator, value):
    """``categorical_features`` as the indices of the fitted columns it names.

    A mask, indices (negative ones too) and names of the same columns then
    compare equal; a value that does not resolve stays as written (the fit's
    own validation words its error).
    """
    if value is None or isinstance(value, str):
        return value
    values = np.asarray(value)
    n = getattr(estimator, "n_features_in_", None)
    if n is None:
        return tuple(values.tolist())
    if values.dtype == bool:
        if values.shape != (n,):
            return tuple(values.tolist())
        return tuple(np.flatnonzero(values).tolist())
    names = [str(c) for c in getattr(estimator, "feature_names_in_", ())]
    columns = set()
    for item in values.ravel().tolist():
        if isinstance(item, str) and item in names:
            columns.add(names.index(item))
        elif isinstance(item, Integral) and -n <= item < n:
            columns.add(int(item) % n)
        else:
            return tuple(values.tolist())
    return tuple(sorted(columns))


def check_same_build(estimator, partial):
    """Raise when a parameter the network was built from changed since."""
    built = getattr(estimator, "_built_with", None)
    if built is None:  # a model pickled before this check
        return
    now = build_parameters(estimator)
    for name, old in built.items():
        if now.get(name, old) != old:
            how = "partial_fit" if partial else "A fit with warm_start=True"
            raise ValueError(
                f"{type(estimator).__name__}: {how} continues the network built "
                f"by the first fit, with {name}={old!r}; {name} is now "
                f"{getattr(estimator, name)!r}, which would be ignored. Set it "
                "back, or call fit with warm_start=False to build a new network."
            )


def update_optimizer(estimator):
    """Give the fitted optimizer the optimizer parameters as they are now.

    The same optimizer keeps its state (moments, step count) under the new
    settings, as a Keras optimizer whose attributes are set between fits;
    another optimizer starts from fresh state (Keras' "compile again").

    Returns
    -------
    bool
        Whether the learning rate changed (a schedule then starts anew from it).
    """
    new = estimator._make_optimizer()
    fitted = estimator.optimizer_
    old_rate = fitted.current_learning_rate
    if type(new) is type(fitted):
        fitted.set_params(**new.get_params(deep=False))
        fitted.check_hyperparameters()
    else:
        network = estimator.network_
        estimator.optimizer_ = new.build(network.theta.size, network.dtype)
    return estimator.optimizer_.current_learning_rate != old_rate


def new_schedule_needed(estimator, partial):
    """Whether a continued fit starts a new learning-rate schedule.

    A finite schedule (1cycle) spans one fit's ``max_iter`` epochs, so a warm
    ``fit`` runs a new cycle: continuing the old one would train at its final
    rate (``lr/10000``) and barely move. The open-ended schedules continue
    (Keras' rule: they follow the optimizer's step count), and ``partial_fit``
    continues any schedule; a changed ``lr_schedule`` starts anew.
    """
    schedule = getattr(estimator, "lr_schedule_", None)
    if schedule is None:
        return True
    changed = getattr(estimator, "_schedule_spec", None) != schedule_spec(
        estimator.lr_schedule
    )
    return changed or (not partial and schedule.fixed_budget)


def start_schedule(estimator, n_train, restart, partial):
    """The learning-rate schedule of this fit: a new one when ``restart`` (a
    first fit, a changed rate) or when ``new_schedule_needed``; else the last
    one goes on (``partial_fit`` says once when a 1cycle it continues ended)."""
    if restart or new_schedule_needed(estimator, partial):
        estimator.lr_schedule_ = estimator._make_schedule(n_train, estimator.optimizer_)
        estimator._schedule_start = estimator.n_steps_
        estimator._schedule_spec = schedule_spec(estimator.lr_schedule)
        estimator._told_schedule_end = False
    if partial:
        warn_finished_schedule(estimator)


def warn_finished_schedule(estimator):
    """Once per schedule: ``partial_fit`` goes on after a 1cycle ran its course.

    The cycle spans ``max_iter`` epochs of the first call's chunk (of the fit's
    data after a ``fit``); later calls train at its final rate, where the
    weights barely move, which a stream would otherwise not notice.
    """
    schedule = estimator.lr_schedule_
    steps = estimator.n_steps_ - estimator._schedule_start
    if (
        schedule is None
        or not schedule.fixed_budget
        or not schedule.finished(steps)
        or getattr(estimator, "_told_schedule_end", False)
    ):
        return
    estimator._told_schedule_end = True
    warn(
        f"{type(estimator).__name__}: partial_fit continues a 1cycle schedule that "
        f"ran its course ({steps} steps: max_iter={estimator.max_iter} epochs of "
        "the first call's data): this call and later ones train at its final "
        f"rate, {float(schedule(steps)):.3g}, where the weights barely move. For a "
        "stream, set lr_schedule=None (a constant rate, as "
        "MLPClassifier.partial_fit), or max_iter to the number of calls planned.",
        UserWarning,
    )


def schedule_spec(lr_schedule):
    """What ``lr_schedule`` asks for, comparable between fits: a name, or an
    instance's class and parameters (``lr_schedule__power`` changes them in
    place), or the callable itself."""
    if isinstance(lr_schedule, str):
        return lower(lr_schedule)
    if hasattr(lr_schedule, "get_params"):
        return repr(lr_schedule)
    return lr_schedule
