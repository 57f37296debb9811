"""scikit-learn's callback protocol (``sklearn.callback``, scikit-learn >= 1.9).

A fit is one task with one subtask per epoch, as in scikit-learn's own iterative
estimators: callbacks such as ``ProgressBar`` or ``ScoringMonitor`` set with
``set_callbacks`` (or propagated by ``GridSearchCV`` and ``Pipeline``) are told
when the fit and each epoch begin and end. With an older scikit-learn the
estimators have no ``set_callbacks`` and train exactly as before.
"""

import copy

import numpy as np

try:
    from sklearn.callback import CallbackSupportMixin

    HAS_CALLBACKS = True
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in when scikit-learn has no callback support: adds nothing."""

    HAS_CALLBACKS = False


def _metadata(sample_weight):
    # scikit-learn's convention: ScoringMonitor passes it on to the scorer.
    return None if sample_weight is None else {"sample_weight": sample_weight}


def begin_fit(estimator, X, y, sample_weight, *, max_subtasks):
    """Start the fit task: its context, or None without callback support."""
    if not hasattr(estimator, "_init_callback_context"):
        return None
    context = estimator._init_callback_context(max_subtasks=max_subtasks)
    context.call_on_fit_task_begin(
        estimator=estimator, X=X, y=y, metadata=_metadata(sample_weight)
    )
    return context


def end_fit(estimator, context, X, y, sample_weight):
    """End the fit task started by ``begin_fit`` (the estimator is fitted)."""
    if context is not None:
        context.call_on_fit_task_end(
            estimator=estimator,
            X=X,
            y=y,
            metadata=_metadata(sample_weight),
            reconstruction_attributes={},
        )


class EpochTasks:
    """What ``fit_loop`` calls at each epoch's start and end: one subtask each.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted.
    context : CallbackContext
        The task whose subtasks the epochs are.
    X, y, sample_weight
        The data of the fit, passed on to the callbacks.
    state : TrainingState, optional
        The fit's training state. When given, callbacks asking for
        ``fitted_estimator`` get a copy of the estimator as if fit had stopped at
        that point (made only if asked for).
    """

    def __init__(self, estimator, context, X, y, sample_weight, state=None):
        self.estimator = estimator
        self.context = context
        self._data = {"X": X, "y": y, "metadata": _metadata(sample_weight)}
        self._fitted = None if state is None else _fitted_attributes(estimator, state)
        self._task = None

    @classmethod
    def create(cls, estimator, context, X, y, sample_weight, state=None):
        """An ``EpochTasks``, or None when no callback listens (no per-epoch cost)."""
        if context is None or not getattr(estimator, "_skl_callbacks", None):
            return None
        return cls(estimator, context, X, y, sample_weight, state)

    def on_epoch_begin(self, epoch):
        self._task = self.context.subcontext(task_name="epoch")
        self._task.call_on_fit_task_begin(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted,
            **self._data,
        )

    def on_epoch_end(self, epoch, record):
        """End the epoch's subtask; True if a callback asks to stop training."""
        return self._task.call_on_fit_task_end(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted,
            **self._data,
        )


def _fitted_attributes(estimator, state):
    """A lazy ``reconstruction_attributes``: the fitted state right now.

    The network is copied so that a callback keeping the fitted estimator does
    not see it change as training goes on.
    """

    def attributes():
        fitted = copy.copy(estimator)
        fitted.network_ = copy.deepcopy(state.network)
        fitted.history_ = {key: list(values) for key, values in state.history.items()}
        fitted._keep(state)
        # Its own generator: the training one must not be drawn from, or a
        # callback would change the fit's results.
        fitted._finish_fit(np.random.RandomState(0))
        before = vars(estimator)
        return {
            name: value
            for name, value in vars(fitted).items()
            if name not in before or before[name] is not value
        }

    return attributes
