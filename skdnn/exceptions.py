"""Exceptions raised by skdnn."""


class DivergenceError(RuntimeError):
    """The training loss became NaN or infinite.

    The estimator keeps the weights it had at the start of the epoch in which the
    loss diverged (the last finite ones), so it is fitted and predicts finite values;
    the message names the epoch and what to try.
    """
