"""Learning-rate schedules: each one a callable of the optimizer step.

A schedule maps the number of optimizer steps already taken (0 for the first
mini-batch, as Keras counts) to the learning rate of the next step. Arguments left
at ``None`` are derived from the fit by ``start``: the initial (or peak) rate from
the optimizer, and the lengths from the number of epochs and batches per epoch.
``start`` records the resolved values in attributes ending in ``_`` and leaves the
constructor parameters as given, so a schedule clones and grid-searches like an
estimator (``lr_schedule__decay_steps``).

Performance scheduling also needs the monitored loss once per epoch
(``epoch_end``); 1cycle also drives the optimizer's momentum (``momentum``).
"""

import copy
import math
from bisect import bisect_right
from numbers import Integral, Real

from ._params import Configurable, parameters
from ._registry import Registry

SCHEDULES = Registry("lr_schedule")


class LearningRateSchedule(Configurable):
    """Base class: ``schedule(step) -> learning rate``.

    Subclasses implement ``_resolve`` (defaults derived from the fit) and
    ``__call__``.
    """

    def start(self, *, learning_rate, steps_per_epoch, epochs):
        """Resolve defaults for a fit; returns ``self``.

        Parameters
        ----------
        learning_rate : float
            The optimizer's learning rate: the initial rate of the decays, the
            peak rate of 1cycle, unless the schedule sets its own.
        steps_per_epoch : int
            Mini-batches per epoch.
        epochs : int
            Epochs the fit may run (the estimator's ``max_iter``).

        Returns
        -------
        self : LearningRateSchedule
            The schedule, ready to be called.
        """
        self.steps_per_epoch_ = int(steps_per_epoch)
        self.total_steps_ = int(steps_per_epoch) * int(epochs)
        self._resolve(float(learning_rate))
        return self

    def _resolve(self, learning_rate):
        raise NotImplementedError

    def _initial_rate(self, learning_rate):
        """The schedule's own ``initial_learning_rate``, else the optimizer's rate."""
        own = getattr(self, "initial_learning_rate", None)
        return _positive("initial_learning_rate", learning_rate if own is None else own)

    def __call__(self, step):
        raise NotImplementedError

    def momentum(self, step):
        """Momentum (or Adam's ``beta_1``) for a step.

        Parameters
        ----------
        step : int
            Optimizer steps already taken.

        Returns
        -------
        float or None
            The value to use, or None to leave the optimizer's own.
        """
        return None

    #: Built for a fixed number of steps (1cycle): without validation data, a
    #: plateau of the training loss does not end a fit before ``finished``.
    fixed_budget = False

    def finished(self, step):
        """Whether the schedule has run its course by ``step``.

        A finite schedule (1cycle) ends training at its lowest rate: more epochs
        would not help, so reaching ``max_iter`` is no sign of non-convergence.

        Parameters
        ----------
        step : int
            Optimizer steps taken.

        Returns
        -------
        bool
        """
        return False

    def batch_end(self, loss):
        """Called after every step.

        Parameters
        ----------
        loss : float
            The batch loss.
        """

    def epoch_end(self, loss):
        """Called once per epoch.

        Parameters
        ----------
        loss : float
            The monitored loss: the validation loss with early stopping, else the
            training loss.
        """


def _positive(name, value):
    if not (isinstance(value, Real) and value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


class _Decay(LearningRateSchedule):
    """A decay from ``initial_learning_rate`` with a ``decay_steps`` scale."""

    def _resolve(self, learning_rate):
        self._check()
        self.initial_learning_rate_ = self._initial_rate(learning_rate)
        if self.decay_steps is None:
            self.decay_steps_ = self._default_decay_steps(max(self.total_steps_, 1))
        else:
            self.decay_steps_ = _positive("decay_steps", self.decay_steps)


@SCHEDULES.register("power")
@parameters(initial_learning_rate=None, decay_steps=None, power=1.0)
class PowerDecay(_Decay):
    """Power scheduling: ``lr = initial_learning_rate / (1 + step / decay_steps)**power``.

    After ``decay_steps`` steps the rate (with ``power=1``) is halved, after
    ``2 * decay_steps`` a third, and so on: it falls quickly, then ever more slowly.

    Parameters
    ----------
    initial_learning_rate : float, default=None
        Rate at step 0; None uses the optimizer's learning rate.
    decay_steps : float, default=None
        ``s``, in optimizer steps. None chooses it so the rate has fallen to a
        tenth by the end of ``max_iter`` epochs: ``s = T / (10**(1/power) - 1)``
        for ``T`` total steps.
    power : float, default=1.0
        ``c``, the exponent.

    Examples
    --------
    >>> from skdnn import PowerDecay
    >>> schedule = PowerDecay(decay_steps=100).start(
    ...     learning_rate=0.01, steps_per_epoch=10, epochs=30
    ... )
    >>> [round(schedule(step), 6) for step in (0, 100, 300)]
    [0.01, 0.005, 0.0025]
    """

    def _check(self):
        _positive("power", self.power)

    def _default_decay_steps(self, total_steps):
        return total_steps / (10 ** (1 / self.power) - 1)

    def __call__(self, step):
        return self.initial_learning_rate_ / (1 + step / self.decay_steps_) ** float(
            self.power
        )


@SCHEDULES.register("exponential")
@parameters(initial_learning_rate=None, decay_steps=None, decay_rate=0.1)
class ExponentialDecay(_Decay):
    """Exponential scheduling: ``lr = initial_learning_rate * decay_rate**(step / decay_steps)``.

    The rate is divided by ``1 / decay_rate`` every ``decay_steps`` steps.

    Parameters
    ----------
    initial_learning_rate : float, default=None
        The rate at step 0 (None: the optimizer's).
    decay_steps : float, default=None
        ``s``, in optimizer steps. None uses the total number of steps of
        ``max_iter`` epochs, so the rate ends at ``initial_learning_rate * decay_rate``.
    decay_rate : float, default=0.1
        ``r``, the factor applied every ``decay_steps`` steps.

    Examples
    --------
    >>> from skdnn import ExponentialDecay
    >>> ExponentialDecay(decay_steps=100).start(
    ...     learning_rate=0.01, steps_per_epoch=10, epochs=30
    ... )(200)  # doctest: +ELLIPSIS
    0.0001...
    """

    def _check(self):
        _positive("decay_rate", self.decay_rate)

    def _default_decay_steps(self, total_steps):
        return float(total_steps)

    def __call__(self, step):
        return self.initial_learning_rate_ * float(self.decay_rate) ** (
            step / self.decay_steps_
        )


@SCHEDULES.register("piecewise")
@parameters(boundaries=None, values=None)
class PiecewiseConstant(LearningRateSchedule):
    """Piecewise constant scheduling, with boundaries in epochs.

    ``values[0]`` is used for the first ``boundaries[0]`` epochs, ``values[1]``
    until epoch ``boundaries[1]``, ..., and ``values[-1]`` after the last boundary.

    Parameters
    ----------
    boundaries : sequence of int, default=None
        Increasing epoch counts. None: half and three quarters of ``max_iter``.
    values : sequence of float, default=None
        ``len(boundaries) + 1`` learning rates. None: the optimizer's learning
        rate, then a tenth of it after each boundary.

    Examples
    --------
    >>> from skdnn import PiecewiseConstant
    >>> schedule = PiecewiseConstant([5, 15], [0.01, 0.005, 0.001])
    >>> schedule = schedule.start(learning_rate=0.01, steps_per_epoch=10, epochs=20)
    >>> print(schedule(49), schedule(50), schedule(149), schedule(150))
    0.01 0.005 0.005 0.001
    """

    def _resolve(self, learning_rate):
        epochs = self.total_steps_ // max(self.steps_per_epoch_, 1)
        if self.boundaries is None:
            boundaries = sorted({max(1, epochs // 2), max(1, (3 * epochs) // 4)})
        else:
            boundaries = [int(b) for b in self.boundaries]
        if any(b <= a for a, b in zip(boundaries, boundaries[1:])) or (
            boundaries and boundaries[0] < 0
        ):
            raise ValueError(
                f"boundaries must be increasing non-negative epoch counts, got "
                f"{self.boundaries!r}."
            )
        if self.values is None:
            lr = _positive("learning_rate", learning_rate)
            values = [lr * 0.1**i for i in range(len(boundaries) + 1)]
        else:
            values = [_positive("values", float(v)) for v in self.values]
            if len(values) != len(boundaries) + 1:
                raise ValueError(
                    f"values needs one more entry than boundaries: got "
                    f"{len(values)} values for {len(boundaries)} boundaries."
                )
        self.boundaries_ = boundaries
        self.values_ = values
        self._step_boundaries = [b * self.steps_per_epoch_ for b in boundaries]

    def __call__(self, step):
        return self.values_[bisect_right(self._step_boundaries, step)]


@SCHEDULES.register("performance")
@parameters(
    factor=0.5,
    patience=5,
    min_delta=1e-4,
    cooldown=0,
    min_lr=0.0,
    initial_learning_rate=None,
)
class ReduceLROnPlateau(LearningRateSchedule):
    """Performance scheduling: reduce the rate when the monitored loss plateaus.

    After ``patience`` epochs without a decrease of at least ``min_delta`` of the
    validation loss (the training loss without early stopping), the rate becomes
    ``max(lr * factor, min_lr)``; then ``cooldown`` epochs pass before counting
    again. Keras's ``ReduceLROnPlateau``, with the chapter's factor and patience.

    Parameters
    ----------
    factor : float, default=0.5
        Multiplier applied at each reduction, in (0, 1).
    patience : int, default=5
        Epochs without improvement before a reduction.
    min_delta : float, default=1e-4
        Smallest decrease of the loss that counts as an improvement.
    cooldown : int, default=0
        Epochs after a reduction before the patience counter restarts.
    min_lr : float, default=0.0
        Lower bound of the rate.
    initial_learning_rate : float, default=None
        Starting rate; None uses the optimizer's learning rate.

    Examples
    --------
    >>> from skdnn import ReduceLROnPlateau
    >>> schedule = ReduceLROnPlateau(patience=2)
    >>> schedule = schedule.start(learning_rate=0.1, steps_per_epoch=1, epochs=10)
    >>> for loss in [1.0, 0.5, 0.5, 0.5, 0.5]:
    ...     schedule.epoch_end(loss)
    >>> schedule(5)
    0.05
    """

    def _resolve(self, learning_rate):
        if not 0 < self.factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {self.factor!r}.")
        if int(self.patience) < 1:
            raise ValueError(f"patience must be at least 1, got {self.patience!r}.")
        self.learning_rate_ = self._initial_rate(learning_rate)
        self.best_ = math.inf
        self.wait_ = 0
        self.cooldown_counter_ = 0

    def __call__(self, step):
        return self.learning_rate_

    def epoch_end(self, loss):
        if self.cooldown_counter_ > 0:
            self.cooldown_counter_ -= 1
            self.wait_ = 0
        if loss < self.best_ - self.min_delta:
            self.best_ = loss
            self.wait_ = 0
        elif self.cooldown_counter_ <= 0:
            self.wait_ += 1
            if self.wait_ >= self.patience and self.learning_rate_ > self.min_lr:
                self.learning_rate_ = max(
                    self.learning_rate_ * self.factor, self.min_lr
                )
                self.cooldown_counter_ = self.cooldown
                self.wait_ = 0


@SCHEDULES.register("1cycle")
@parameters(
    max_learning_rate=None,
    total_steps=None,
    end_fraction=0.1,
    div_factor=10.0,
    final_div_factor=1000.0,
    max_momentum=0.95,
    min_momentum=0.85,
    cycle_momentum=True,
)
class OneCycle(LearningRateSchedule):
    """1cycle scheduling (Smith 2018), as in the chapter.

    Over ``T`` total steps the rate rises linearly from
    ``max_learning_rate / div_factor`` to ``max_learning_rate`` during the first
    half of ``T - T_end``, falls back linearly during the second half, then over
    the last ``T_end = end_fraction * T`` steps falls linearly to
    ``max_learning_rate / div_factor / final_div_factor``. The momentum (``beta_1``
    for the Adam family) moves the opposite way, ``max_momentum -> min_momentum ->
    max_momentum``, and stays at ``max_momentum`` at the end.

    Parameters
    ----------
    max_learning_rate : float, default=None
        Peak rate; None uses the optimizer's learning rate.
    total_steps : int, default=None
        ``T``; None: every step of ``max_iter`` epochs. Later steps keep the final
        rate.
    end_fraction : float, default=0.1
        Share of ``T`` spent on the final annihilation phase.
    div_factor : float, default=10.0
        Starting rate is ``max_learning_rate / div_factor``.
    final_div_factor : float, default=1000.0
        Final rate is the starting rate divided by this.
    max_momentum, min_momentum : float, default=0.95, 0.85
        Momentum range; ``cycle_momentum=False`` leaves the optimizer's own.
    cycle_momentum : bool, default=True
        Cycle the optimizer's momentum (``momentum`` of "sgd" and "rmsprop",
        ``beta_1`` of the Adam family).

    Examples
    --------
    >>> from skdnn import OneCycle
    >>> schedule = OneCycle(total_steps=100)
    >>> schedule = schedule.start(learning_rate=0.1, steps_per_epoch=10, epochs=10)
    >>> print(round(schedule(0), 6), round(schedule(45), 6), round(schedule(90), 6))
    0.01 0.1 0.01
    >>> print(round(schedule.momentum(45), 6), round(schedule(100), 8))
    0.85 1e-05
    """

    def _resolve(self, learning_rate):
        peak = _positive(
            "max_learning_rate",
            learning_rate if self.max_learning_rate is None else self.max_learning_rate,
        )
        if self.total_steps is not None and not (
            isinstance(self.total_steps, Integral) and self.total_steps >= 1
        ):
            raise ValueError(
                f"total_steps must be a positive int or None, got {self.total_steps!r}."
            )
        total = self.total_steps_ if self.total_steps is None else self.total_steps
        total = max(int(total), 1)
        for name in ("max_momentum", "min_momentum"):
            value = getattr(self, name)
            if not (isinstance(value, Real) and 0 <= value < 1):
                raise ValueError(f"{name} must be in [0, 1), got {value!r}.")
        if not isinstance(self.cycle_momentum, bool):
            raise ValueError(
                f"cycle_momentum must be True or False, got {self.cycle_momentum!r}."
            )
        if not 0 <= self.end_fraction < 1:
            raise ValueError(
                f"end_fraction must be in [0, 1), got {self.end_fraction!r}."
            )
        start = peak / _positive("div_factor", self.div_factor)
        end = start / _positive("final_div_factor", self.final_div_factor)
        half = total * (1 - self.end_fraction) / 2
        # knots of the piecewise-linear rate and momentum curves
        self._steps = [0.0, half, 2 * half, float(total)]
        self._rates = [start, peak, start, end]
        self._momenta = [
            self.max_momentum,
            self.min_momentum,
            self.max_momentum,
            self.max_momentum,
        ]
        self.max_learning_rate_ = peak
        self.total_steps_ = total

    def _interpolate(self, values, step):
        knots = self._steps
        if step >= knots[-1]:
            return values[-1]
        i = bisect_right(knots, step) - 1
        width = knots[i + 1] - knots[i]
        frac = (step - knots[i]) / width if width > 0 else 1.0
        return values[i] + (values[i + 1] - values[i]) * frac

    def __call__(self, step):
        return self._interpolate(self._rates, step)

    def momentum(self, step):
        if not self.cycle_momentum:
            return None
        return self._interpolate(self._momenta, step)

    fixed_budget = True

    def finished(self, step):
        return step >= self.total_steps_


class FunctionSchedule(LearningRateSchedule):
    """Wraps a user's ``fn(step) -> learning rate``."""

    def __init__(self, function):
        self.function = function

    def _resolve(self, learning_rate):
        pass

    def __call__(self, step):
        return float(self.function(step))


def make_schedule(spec, *, learning_rate, steps_per_epoch, epochs):
    """A started schedule from a registered name, a schedule instance or a callable.

    Instances are deep-copied (the caller's object is never changed); ``None``
    gives ``None``.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        schedule = SCHEDULES.get(spec)()
    elif isinstance(spec, LearningRateSchedule):
        schedule = copy.deepcopy(spec)
    elif callable(spec):
        schedule = FunctionSchedule(spec)
    else:
        raise ValueError(
            f"lr_schedule must be None, one of {SCHEDULES.names()}, a schedule "
            f"instance or a callable step -> learning rate; got {spec!r}."
        )
    return schedule.start(
        learning_rate=learning_rate, steps_per_epoch=steps_per_epoch, epochs=epochs
    )
