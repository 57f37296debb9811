"""Exceptions raised by skdnn."""


class DivergenceError(RuntimeError):
    """The training loss became NaN or infinite.

    The estimator keeps the weights it had at the start of the epoch in which the
    loss diverged (the last finite ones), so it is fitted and predicts finite values;
    the message names the epoch and what to try.
    """


class GradientFlowWarning(UserWarning):
    """Gradients do not flow well through the network.

    Raised once per fit when the diagnostics recorded in ``history_`` show vanishing
    or exploding gradients (the lowest hidden layer's gradients tiny or huge next to
    the top one's), saturated layers, or mostly dead units. The message says what
    to try; ``diagnostics=False`` turns the recording and the warning off.
    """


class UnusedParameterWarning(UserWarning):
    """A parameter was set to a value that has no effect in this configuration.

    Raised once per fit, naming each such parameter and why it does nothing (e.g.
    ``momentum`` with ``optimizer="adam"``, ``freeze_epochs`` without
    ``transfer_from``, ``batch_norm_momentum`` without batch normalization). Only
    values that differ from the default count. Filter it with
    ``warnings.filterwarnings("ignore", category=UnusedParameterWarning)`` when a
    grid search combines such parameters on purpose.
    """


class TrainingInterruptedWarning(UserWarning):
    """Training was stopped by Ctrl-C (KeyboardInterrupt); the model is usable.

    The first Ctrl-C during ``fit`` or ``partial_fit`` lets the current mini-batch
    finish, then training stops and ``fit`` returns normally with this warning,
    which names the epoch and the weights kept: with early stopping those of the
    best validation epoch so far, otherwise the current ones. A second Ctrl-C
    interrupts at once: the weights go back to the start of that epoch, and after
    this warning the KeyboardInterrupt propagates (stopping, e.g., a grid search).
    ``warm_start=True`` continues training from the kept weights.
    """


class InconsistentVersionWarning(UserWarning):
    """A model saved with one skdnn version was loaded with another.

    skdnn stores its version in every pickled (joblib, skops) estimator and warns
    on load when it differs from the running one: the model may load but behave
    differently, or fail later. Refit the model with the running version, or
    install the version it was saved with.

    Parameters
    ----------
    estimator_name : str
        Class name of the loaded estimator.
    current_skdnn_version : str
        The running skdnn version.
    original_skdnn_version : str
        The version the model was saved with ("unknown" for models saved before
        skdnn recorded it).
    """

    def __init__(
        self, *, estimator_name, current_skdnn_version, original_skdnn_version
    ):
        self.estimator_name = estimator_name
        self.current_skdnn_version = current_skdnn_version
        self.original_skdnn_version = original_skdnn_version

    def __str__(self):
        return (
            f"Trying to load {self.estimator_name} from skdnn version "
            f"{self.original_skdnn_version} with version "
            f"{self.current_skdnn_version}. This might break code or give wrong "
            "results. Use at your own risk; refitting with the running version, or "
            "installing the saved one, is safe."
        )
