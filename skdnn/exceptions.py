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
