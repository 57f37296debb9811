"""The estimators' shared core: one fit pipeline, and prediction from the network.

``_fit`` reads as the algorithm::

    validate the data -> build a new network, or one on reused layers (transfer)
    -> a training plan (optimizer, schedule, frozen prefix, callbacks)
    -> the epoch loop (``_training.train``) -> finish: inference networks, warnings

Greedy autoencoder pretraining runs the same ``_train`` once per stage.
"""

import copy
from abc import ABCMeta, abstractmethod
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from . import _parameters, _sparse, _threads
from ._builder import build_network, lower
from ._callbacks import CallbackSupportMixin, EpochTasks, begin_fit, end_fit
from ._config import get_config
from ._continue import (
    build_parameters,
    check_same_build,
    start_schedule,
    update_optimizer,
)
from ._diagnostics import advice, gradient_flow_problems
from ._docs import fill_doc
from ._fitted import FittedNetworkMixin
from ._hooks import (
    Callbacks,
    EarlyStopping,
    GradientFlow,
    History,
    ProgressPrinter,
    ScheduleStep,
    Unfreezer,
)
from ._tables import check_numeric_inputs_for_transfer, embedded_categories
from ._training import Diverged, TrainingPlan, TrainingState, train
from ._transfer import transfer_network
from ._validation import (
    fit_inputs,
    split_validation,
    to_network_dtype,
    warn_if_far_from_unit_scale,
)
from ._warnings import warn
from .exceptions import (
    DivergenceError,
    GradientFlowWarning,
    TrainingInterruptedWarning,
    UnusedParameterWarning,
)
from .nn.ensemble import members_loss, members_score
from .nn.optimizers import get_optimizer
from .nn.regularizers import REGULARIZERS, make_regularizers
from .nn.schedules import make_schedule

#: Samples from which early_stopping="auto" holds out a validation set (20 of
#: them with the regressor's validation_fraction=0.2).
_AUTO_EARLY_STOPPING = 100
# batch_size="auto": 1/12 of the training rows, at least 48 and at most 200 (the
# MLP's size). Small tables get about 12 steps an epoch instead of a few; on the
# benchmark's validation splits concrete measured 0.277 against 0.306 at 200.
_AUTO_BATCH = (12, 48, 200)


class _BaseDNN(
    FittedNetworkMixin,
    CallbackSupportMixin,
    _parameters.NestedParamsMixin,
    BaseEstimator,
    metaclass=ABCMeta,
):
    """Parameters and the fit pipeline shared by the estimators."""

    _parameter_constraints = dict(_parameters.CONSTRAINTS)
    #: Hidden layers of ``hidden_layer_sizes="auto"`` (without ``transfer_from``).
    _default_hidden = (100, 100)

    #: ``(name, default)`` of every parameter, in signature order: the table the
    #: docstrings render their defaults from. Each estimator writes its
    #: ``__init__`` out; ``tests/test_signatures.py`` checks that signature,
    #: table, constraints and docstring agree.
    _params = _parameters.COMMON

    @classmethod
    def _init_params(cls):
        """``(name, default)`` of every parameter, in signature order."""
        return cls._params

    # -- subclass hooks ---------------------------------------------------------
    @abstractmethod
    def _encode_targets(self, y, first_fit, classes=None, sample_weight=None):
        """Validate ``y``, set target attributes, return the float target matrix.

        ``classes`` (from ``partial_fit``) lists all the labels a classifier will
        see; ``sample_weight`` weighs the samples in statistics of the targets.
        """

    @abstractmethod
    def _make_loss(self):
        """The output activation + loss for the encoded targets."""

    @abstractmethod
    def _score_outputs(self, Z, Y, sample_weight):
        """Validation score (accuracy or R^2) from output pre-activations."""

    def _stratify(self, Y):
        """What the early-stopping split is stratified by (None: nothing)."""
        return None

    def _missing_classes(self, Y_val):
        """Classes absent from a validation set (the split is then too small)."""
        return []

    def _weigh_classes(self, Y, sample_weight, partial):
        """``sample_weight`` times the class weights (classifiers; here unchanged)."""
        return sample_weight

    def _loss_unit(self):
        """Factor taking the training loss to the user's units (target scaling)."""
        return 1.0

    # -- parameters -------------------------------------------------------------
    def _validate_params(self):
        _parameters.check_names(self)
        super()._validate_params()

    def _hidden_sizes(self):
        """Units of the new hidden layers; ``"auto"``: none on top of reused ones."""
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, str):
            return [] if self.transfer_from is not None else list(self._default_hidden)
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if any(not isinstance(s, Integral) or s < 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must contain positive integers, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return sizes

    def _make_optimizer(self):
        """A new, unbuilt optimizer from ``optimizer`` and the estimator's knobs."""
        if isinstance(self.optimizer, str):
            args = _parameters.optimizer_arguments(self)
            return get_optimizer(self.optimizer, **args)
        optimizer = copy.deepcopy(self.optimizer)
        if optimizer.learning_rate is None:
            optimizer.learning_rate = self.learning_rate
        for name in _parameters.CLIP_KNOBS:
            value = getattr(self, name)
            if value is None:
                continue
            if getattr(optimizer, name, None) is not None:
                raise ValueError(
                    f"{name} is set both on the estimator ({value}) and on the "
                    f"optimizer instance ({getattr(optimizer, name)}); set it once."
                )
            setattr(optimizer, name, value)
        return optimizer

    def _new_optimizer(self, network):
        return self._make_optimizer().build(network.theta.size, network.dtype)

    def _early_stopping(self, n_samples):
        """Whether this fit holds out a validation set: ``"auto"``, from 100 samples."""
        if self.early_stopping == "auto":
            return n_samples >= _AUTO_EARLY_STOPPING
        return self.early_stopping

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            parts, low, high = _AUTO_BATCH
            return min(n_samples, max(low, min(high, -(-n_samples // parts))))
        return min(self.batch_size, n_samples)

    def _make_schedule(self, n_train, optimizer):
        # String forms and None arguments get their lengths from this fit:
        # max_iter epochs of ceil(n_train / batch_size) steps.
        return make_schedule(
            self.lr_schedule,
            learning_rate=optimizer.current_learning_rate,
            steps_per_epoch=-(-n_train // self._batch_size(n_train)),
            epochs=self.max_iter,
        )

    # -- fit --------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data.

        {fit_parameters}

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight, *, partial=False, classes=None):
        # partial_fit: one epoch per call, continuing from the previous call
        first = not ((self.warm_start or partial) and hasattr(self, "network_"))
        rate_changed = False
        if not first:
            check_same_build(self, partial)
        X, Y, sample_weight, y = self._fit_data(
            X, y, sample_weight, first=first, classes=classes, partial=partial
        )
        if first or not partial:
            warn_about_parameters(self, X, partial)
        rng = check_random_state(self.random_state)
        epochs = 1 if partial else self.max_iter
        # one subtask per epoch, as scikit-learn's iterative estimators do
        context = begin_fit(self, X, y, sample_weight, max_subtasks=epochs)
        if first:
            self._new_model(X, Y.shape[1], rng, sample_weight)
        elif self.n_outputs_ != Y.shape[1]:
            raise ValueError(
                f"warm_start=True needs targets with {self.n_outputs_} outputs "
                f"as in the previous fit, got {Y.shape[1]}. Set warm_start=False."
            )
        else:  # the loss's and optimizer's parameters may have changed since
            self.loss_function_ = self._make_loss()
            rate_changed = update_optimizer(self)
        first_epoch = self.n_iter_
        data = (X, Y, sample_weight)
        if self._early_stopping(X.shape[0]) and not partial:
            data, validation = self._split(X, Y, sample_weight, rng)
        else:
            validation = None
        start_schedule(self, data[0].shape[0], first or rate_changed, partial)
        state = TrainingState(
            self.network_,
            self.optimizer_,
            self.history_,
            epochs=self.n_iter_,
            steps=self.n_steps_ - self._schedule_start,
            samples=self.t_,
        )
        try:
            result = self._train(
                state,
                *data,
                rng,
                schedule=self.lr_schedule_,
                max_epochs=epochs,
                validation=validation,
                callbacks=EpochTasks.create(self, context, X, y, sample_weight, state),
                reused_layers=self._n_reused_layers,
            )
        except BaseException as exc:
            # a divergence, or an error from user code (a callback, a callable
            # schedule): the estimator stays consistent with the weights kept
            self._finish_fit(rng)
            if isinstance(exc, Diverged):
                raise DivergenceError(_divergence_message(self, exc)) from None
            raise
        self._finish_fit(rng)
        end_fit(self, context, X, y, sample_weight)
        report_fit(self, result, (X, Y, sample_weight), partial, first_epoch)
        return self

    def _fit_data(self, X, y, sample_weight, *, first, classes=None, partial=False):
        """Validated X, encoded float targets and weights, in the network's dtype."""
        dtype = np.dtype(lower(self.dtype))
        X, y, sample_weight = fit_inputs(self, X, y, sample_weight, dtype, first)
        Y = self._encode_targets(y, first, classes=classes, sample_weight=sample_weight)
        sample_weight = self._weigh_classes(Y, sample_weight, partial)
        return X, to_network_dtype(Y, dtype, "y"), sample_weight, y

    def _new_model(self, X, n_outputs, rng, sample_weight=None):
        """A new network (on reused layers with ``transfer_from``), fresh state;
        the input layers take their statistics from ``X`` (weighted)."""
        sizes = self._hidden_sizes()
        n_features = X.shape[1]
        if self.transfer_from is None:
            self.network_ = build_network(
                self,
                sizes,
                n_features,
                n_outputs,
                rng,
                X=X,
                sample_weight=sample_weight,
                categories=embedded_categories(self),
            )
            self._n_reused_layers = self.n_transferred_layers_ = 0
        else:
            check_numeric_inputs_for_transfer(self)

            def new_layers(n_in):
                net = build_network(self, sizes, n_in, n_outputs, rng, inputs=False)
                return net.layers

            self.network_, self._n_reused_layers, self.n_transferred_layers_ = (
                transfer_network(
                    self.transfer_from,
                    self.transfer_layers,
                    n_features,
                    new_layers,
                    rng,
                    lower(self.dtype),
                    feature_names=getattr(self, "feature_names_in_", None),
                )
            )
        self.optimizer_ = self._new_optimizer(self.network_)
        self._start_training_state()

    def _start_training_state(self):
        """The loss, an empty history and zero counts: a fit from scratch."""
        self._built_with = build_parameters(self)
        self.loss_function_ = self._make_loss()
        self.history_ = {}
        self.n_iter_ = self.n_steps_ = self.t_ = 0
        self.lr_schedule_ = None
        self._schedule_start = 0

    def _split(self, X, Y, sample_weight, rng):
        seed = rng.randint(np.iinfo(np.int32).max)
        return split_validation(
            X,
            Y,
            sample_weight,
            fraction=self.validation_fraction,
            seed=seed,
            stratify=self._stratify(Y),
            estimator=self,
        )

    def _train(
        self,
        state,
        X,
        Y,
        sample_weight,
        rng,
        *,
        schedule,
        max_epochs,
        validation=None,
        callbacks=None,
        reused_layers=0,
    ):
        """Train ``state`` for up to ``max_epochs`` epochs under this estimator's plan.

        The one training step of every fit: ``fit``, ``partial_fit``, warm starts,
        and each stage of greedy autoencoder pretraining. On the BLAS threads
        that pay (``_threads``); the state becomes the fitted counts whatever
        happens (``_keep``). ``Diverged`` propagates.
        """
        try:
            threads, probe = training_threads(self, state.network, X)
            with _threads.limited(threads):
                return run_epochs(
                    self,
                    state,
                    X,
                    Y,
                    sample_weight,
                    rng,
                    schedule=schedule,
                    max_epochs=max_epochs,
                    validation=validation,
                    callbacks=callbacks,
                    reused_layers=reused_layers,
                    probe=probe,
                )
        finally:
            self._keep(state)

    def _keep(self, state):
        """The fitted attributes from the training state of a fit."""
        self.optimizer_ = state.optimizer
        self.n_iter_ = state.epochs
        self.n_steps_ = self._schedule_start + state.steps
        self.t_ = state.samples

    def _finish_fit(self, rng):
        """Inference networks and the summary attributes read from ``history_``."""
        self._set_inference_networks(rng)
        history = self.history_
        self.loss_curve_ = history.get("loss", [])
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.validation_scores_ = history.get("val_score")
        self.best_validation_score_ = (
            max(self.validation_scores_) if self.validation_scores_ else None
        )
        monitored = history.get("val_loss", self.loss_curve_)
        self.best_loss_ = min(monitored) if monitored else None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.sparse = True
        # NaN is a missing value the estimator imputes, when asked to
        tags.input_tags.allow_nan = getattr(self, "missing_values", None) == "impute"
        return tags


def warn_about_parameters(estimator, X, partial=False):
    """One warning for parameters that do nothing, one for badly scaled X."""
    n_hidden = len(estimator._hidden_sizes())
    unused = _parameters.ineffective_parameters(estimator, n_hidden)
    if partial and estimator.early_stopping is True:  # "auto" is the default
        unused["early_stopping"] = "partial_fit holds out no validation set"
    if unused:
        listed = "; ".join(
            f"{k}={getattr(estimator, k)!r}: {v}" for k, v in unused.items()
        )
        warn(
            f"{type(estimator).__name__}: these parameters have no effect here and "
            f"are ignored: {listed}.",
            UnusedParameterWarning,
        )
    warn_if_far_from_unit_scale(X, estimator)


def report_fit(estimator, result, data, partial, first_epoch):
    """A fit's closing warnings: gradient flow, interrupted, not converged."""
    name = type(estimator).__name__
    if estimator.diagnostics and (not partial or first_epoch == 0):
        _warn_gradient_flow(estimator, first_epoch)
    if result.interrupted is not None:
        warn(
            f"{name}: training interrupted (KeyboardInterrupt) "
            f"{result.interrupted}. The estimator is fitted and usable; fit "
            "again with warm_start=True to train max_iter more epochs (under 1cycle "
            "a new cycle; partial_fit continues the schedule).",
            TrainingInterruptedWarning,
        )
        if result.abort:
            raise KeyboardInterrupt
        return
    if partial or result.stopped_by_callback:
        return
    # a failed fit says so (with its own advice) rather than "train longer"
    if _warn_if_no_better_than_constant(estimator, *data):
        return
    steps = estimator.n_steps_ - estimator._schedule_start
    if more_epochs_would_help(result, estimator.lr_schedule_, steps):
        warn(
            f"{name}: max_iter={estimator.max_iter} epochs reached and the loss is "
            "still improving; increase max_iter to train longer.",
            ConvergenceWarning,
        )


def more_epochs_would_help(result, schedule, steps):
    """The ConvergenceWarning rule: no stopping rule ended training, and no
    finite schedule (1cycle) ran its course in ``steps`` steps."""
    if result.converged:
        return False
    return schedule is None or not schedule.finished(steps)


def store_parameters(estimator, arguments):
    """scikit-learn's rule for ``__init__``: store each parameter as given.

    ``arguments`` is the ``__init__``'s ``locals()``: its parameters (and ``self``).
    """
    for name, value in arguments.items():
        if name != "self":
            setattr(estimator, name, value)


def run_epochs(
    estimator,
    state,
    X,
    Y,
    sample_weight,
    rng,
    *,
    schedule,
    max_epochs,
    validation,
    callbacks,
    reused_layers,
    probe,
):
    """One training of ``state`` under the estimator's plan and hooks."""
    plan = TrainingPlan(
        loss=members_loss(estimator.loss_function_, estimator._members()),
        batch_size=estimator._batch_size(X.shape[0]),
        max_epochs=max_epochs,
        shuffle=estimator.shuffle,
        regularizers=tuple(
            make_regularizers(
                **{name: getattr(estimator, name) for name in REGULARIZERS.names()}
            )
        ),
        validation=validation,
        score=members_score(estimator._score_outputs, estimator._members()),
    )
    hooks = training_hooks(
        estimator, state, schedule, validation, callbacks, reused_layers
    )
    return train(
        state,
        plan,
        X,
        Y,
        sample_weight,
        rng,
        schedule=schedule,
        hooks=hooks,
        probe=probe,
    )


def training_hooks(estimator, state, schedule, validation, callbacks, reused_layers):
    """The rules of a fit's epoch loop (``_hooks``), in the order they run."""
    hooks = []
    if reused_layers:
        unfreeze = (
            None if estimator.freeze_epochs is None else estimator.freeze_epochs + 1
        )
        hooks.append(
            Unfreezer(
                reused_layers,
                unfreeze,
                lambda: estimator._new_optimizer(state.network),
                estimator.reused_learning_rate_factor,
            )
        )
    if estimator.diagnostics:
        hooks.append(GradientFlow())
    hooks.append(History(estimator._loss_unit()))
    if schedule is not None:
        hooks.append(ScheduleStep(schedule))
    hooks.append(
        EarlyStopping(
            estimator.n_iter_no_change, estimator.tol, validation is not None, schedule
        )
    )
    if estimator.verbose:  # after EarlyStopping: it says which weights were kept
        hooks.append(ProgressPrinter())
    if callbacks is not None:
        hooks.append(Callbacks(callbacks))
    return hooks


def training_threads(estimator, network, X):
    """BLAS threads for training ``network`` on ``X``, and a probe.

    See ``skdnn._threads``: the probe is None unless the fit may gain from more
    threads than one.
    """
    n_train, sparse = X.shape[0], _sparse.issparse(X)
    rows = estimator._batch_size(n_train)
    setting = get_config()["blas_threads"]
    batches = -(-n_train // rows)
    threads, probe = _threads.threads_for(setting, network, rows, batches, sparse)
    if not probe:
        return threads, None
    shape = _threads.largest_shape(network, rows, skip_first=sparse)
    return threads, _threads.Probe(_threads.pool_size(), shape, network.dtype)


def _warn_if_no_better_than_constant(estimator, X, Y, sample_weight):
    """A ConvergenceWarning when the fitted model is no better, on its own training
    data, than a constant: the most frequent class, or the mean target.

    A training that failed (a learning rate far too high, dead units) often ends
    there, and its other warnings may not say so plainly. True if it warned.
    """
    weights = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    if getattr(estimator, "_label_binarizer", None) is not None:
        if estimator._label_binarizer.y_type_ == "multilabel-indicator":
            return
        # float64: a float32 mean may round below the model's (float64) accuracy
        counts = np.average(np.asarray(Y, dtype=np.float64), axis=0, weights=weights)
        constant = float(
            max(counts.max(), 1 - counts.max()) if Y.shape[1] == 1 else counts.max()
        )
        what, measure = "always predicting the most frequent class", "accuracy"
        if constant >= 1 - 1e-12:
            return  # one class (by weight): the constant is already perfect
    else:
        if np.ptp(Y, axis=0).max() == 0:
            return  # constant targets: a constant is the right answer
        constant, what, measure = 0.0, "always predicting the mean", "R^2"
    score = estimator._score_outputs(
        estimator._forward(X, validated=True), Y, sample_weight
    )
    # a margin above rounding: a model within 1e-6 of the constant is one
    if score > constant + 1e-6:
        return False
    warn(
        f"{type(estimator).__name__}: the fitted model is no better than "
        f"{what} on its own training data ({measure} {score:.3f}, against "
        f"{constant:.3f}): training failed. {_failed_training_advice(estimator)}",
        ConvergenceWarning,
    )
    return True


def _failed_training_advice(estimator):
    """What to try after a failed fit, read from its training loss curve.

    A loss that spanned orders of magnitude (a rate so high that the loss
    exploded first), rose or stalled above its lowest asks for a lower rate;
    one that fell and was lowest at the end, for more training; one that barely
    moved, for a faster rate or better scaled inputs.
    """
    lr = estimator.optimizer_.current_learning_rate
    # DNNAutoencoder has no input_scaling: it reconstructs X as given
    scaled = estimator.input_batch_norm or getattr(estimator, "input_scaling", True)
    tip = "" if scaled else ", input_scaling='robust'"
    losses = estimator.history_.get("loss", [])
    if len(losses) < 2:
        return f"Try a lower learning_rate (now {lr:g}){tip} or more epochs (max_iter)."
    first, last, low, high = losses[0], losses[-1], min(losses), max(losses)
    went = f"{first:.3g} in the first epoch, {last:.3g} in the last"
    if high >= 10 * low or last > low * 1.001:
        return (
            f"Its loss went from {went} (lowest {low:.3g}, highest {high:.3g}): "
            f"try a lower learning_rate (now {lr:g}){tip}."
        )
    if last < 0.99 * first:
        return (
            f"Its loss was still falling ({went}): train longer (max_iter, now "
            f"{estimator.max_iter}) or with a higher learning_rate (now {lr:g}){tip}."
        )
    return (
        f"Its loss barely moved ({went}): try a higher learning_rate (now {lr:g})"
        f"{tip}, and see whether another warning names badly scaled inputs."
    )


def _warn_gradient_flow(estimator, first_epoch):
    """One GradientFlowWarning when the history shows a problem at either end."""
    last = len(estimator.history_.get("loss", [])) - 1
    problems = gradient_flow_problems(estimator.history_, sorted({first_epoch, last}))
    if problems:
        kind, problem = problems[0]
        warn(
            f"{type(estimator).__name__}: {problem}. {advice(kind, estimator)} The "
            "per-layer statistics are in history_ (grad_rms_k, saturated_k, "
            "dead_k, ...).",
            GradientFlowWarning,
        )


def _divergence_message(estimator, exc):
    """What a DivergenceError says: where, and what to try."""
    name = type(estimator).__name__
    if estimator.n_steps_ == 0 and exc.batch:
        # Not a training instability: the data overflow the network's dtype.
        return (
            f"{name}: the loss was {exc.loss} on the first batch, before any "
            "training step: X or y are too large in magnitude for computing in "
            f"{estimator.network_.dtype}. Standardise X (StandardScaler), scale y "
            "(normalize_y=True, or TransformedTargetRegressor), or set "
            "dtype='float64'."
        )
    # the rate in force (a schedule's), not the learning_rate parameter
    lr = exc.lr if exc.lr is not None else estimator.optimizer_.current_learning_rate
    where = f"epoch {exc.epoch}" + (
        f", batch {exc.batch}" if exc.batch else " (validation loss)"
    )
    return (
        f"{name}: the loss became {exc.loss} at {where}. Training stopped and "
        f"{exc.kept} were kept. Try a lower learning_rate (the rate in force "
        f"was {lr:g}), gradient clipping (e.g. clipnorm=1.0), "
        "standardised inputs, or a different kernel_initializer."
    )
