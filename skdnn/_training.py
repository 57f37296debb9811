"""The training loop, as the algorithm reads::

    for each epoch:
        hooks: begin the epoch (unfreeze, callbacks)
        for each mini-batch: forward -> loss -> backward -> penalties -> step
        the validation loss
        hooks: end the epoch (history, schedule, progress, stopping rule,
        callbacks); stop when one of them says so
    hooks: end training (the best weights back)

Knows nothing about scikit-learn: an estimator hands ``train`` a ``TrainingState``
(what training changes, and a warm start continues), a ``TrainingPlan`` (how to
train: immutable data), the learning-rate schedule and the hooks (``_hooks``),
the rules of the loop in their order.
"""

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import _sparse
from ._predict import forward_blocks
from .nn.normalization import BatchNormalization


class Diverged(Exception):
    """Internal signal: a loss was not finite (``batch`` 0: the validation loss).

    ``lr``: the rate in force then (set by the epoch loop); ``kept``: which
    weights training ends with.
    """

    def __init__(self, epoch, batch, loss):
        super().__init__(epoch, batch, loss)
        self.epoch, self.batch, self.loss = epoch, batch, loss
        self.lr = None
        self.kept = "the weights from before that epoch"


@dataclass
class TrainingState:
    """What training changes: an estimator's fitted state.

    Attributes
    ----------
    network : Sequential
        The built network.
    optimizer : Optimizer
        A built optimizer (replaced by a fresh one when reused layers unfreeze).
    history : dict of list
        Per-epoch records, appended to.
    epochs : int
        Epochs completed (the reused layers' freezing counts them).
    steps : int
        Optimizer steps since the learning-rate schedule started.
    samples : int
        Training samples seen (scikit-learn's ``t_``).
    """

    network: object
    optimizer: object
    history: dict = field(default_factory=dict)
    epochs: int = 0
    steps: int = 0
    samples: int = 0


@dataclass(frozen=True)
class TrainingPlan:
    """How to train: the data of the loop besides the state, fixed for the fit.

    ``validation`` is ``(X_val, Y_val, sample_weight_val)`` or None;
    ``score(Z_val, Y_val, sample_weight_val)`` gives ``val_score``.
    """

    loss: object
    batch_size: int
    max_epochs: int
    shuffle: bool = True
    regularizers: tuple = ()
    validation: object = None
    score: object = None


@dataclass
class TrainingResult:
    """What one call of ``train`` did.

    ``converged``: a callback ended training (then also ``stopped_by_callback``),
    or the monitored loss had stopped improving: the stopping rule's patience ran
    out (whether training stopped there or a fixed-budget schedule carried it on
    to its end), or no improvement came in the last quarter of the epochs.
    ``interrupted``:
    None, or where Ctrl-C stopped it and which weights were kept; ``abort``: the
    interrupt came mid-batch, so the caller re-raises it once the model is usable.
    """

    epochs: int = 0
    converged: bool = False
    stopped_by_callback: bool = False
    best_loss: float = math.inf
    interrupted: object = None
    abort: bool = False


class Trainer:
    """Mini-batch epochs over the trainable layers of a network.

    The ``n_frozen`` lowest layers run in inference mode (batch norm uses its
    moving statistics, as in Keras); when they are deterministic their output for
    ``X`` is computed once and cached, so a frozen epoch only pays for the layers
    above. Dropout among them stays active, batch by batch.

    The network's ``frozen`` lowest layers do not train, and its ``slow_layers``
    (``(n, factor)`` or None) train at ``factor`` times the rate: what the
    ``Unfreezer`` hook sets for transfer learning.

    Parameters
    ----------
    state : TrainingState
        Network and optimizer to train; ``state.steps`` counts the steps.
    plan : TrainingPlan
        Loss, batch size, shuffling, regularizers.
    rng : numpy.random.RandomState
        Source of all randomness: shuffling, and the seed of the generator that
        stochastic layers (dropout, RReLU) draw from.
    schedule : LearningRateSchedule, optional
        The rate of each step (None: the optimizer's own).
    probe : skdnn._threads.Probe, optional
        Times mini-batches to choose the BLAS threads; only while it is active,
        so the other batches pay nothing for it.
    """

    def __init__(self, state, plan, rng, schedule=None, probe=None):
        self.state, self.plan, self.rng = state, plan, rng
        self.schedule = schedule
        #: What stochastic layers draw from: a PCG64 generator seeded from ``rng``
        #: (faster draws than RandomState's), and only when there are such layers,
        #: so a deterministic network's shuffling stream is ``rng``'s alone.
        self.layer_rng = None
        if any(layer.random for layer in state.network.layers):
            seed = rng.randint(np.iinfo(np.int64).max, dtype=np.int64)
            self.layer_rng = np.random.Generator(np.random.PCG64(seed))
        self.probe = probe
        #: Records the gradient flow of each epoch's first batch (``GradientFlow``).
        self.monitor = None
        #: Set by a deferred Ctrl-C: stop once the current batch is done.
        self.stop_requested = False
        #: Batches completed in the current epoch.
        self.batch = 0
        #: What the monitor recorded in the last epoch.
        self.diagnostics = {}
        self.last_lr = None
        self._cache = {}

    def n_fixed(self):
        """Lowest layers that do not train: the frozen prefix (transfer), or the
        input layers without parameters (input scaling), whichever is longer;
        their output is computed once per data set where it can be."""
        net = self.state.network
        return max(net.frozen, net.fixed_prefix())

    def frozen_output(self, X, n_frozen):
        """The inference output of the lowest ``n_frozen`` layers for ``X``, cached."""
        key = (id(X), n_frozen)
        if key not in self._cache:
            H = self._forward(X, stop=n_frozen)
            self._cache[key] = (X, H)  # X kept alive: its id stays unique
        return self._cache[key][1]

    def predict(self, X, n_frozen):
        """The network's inference output for ``X`` (validation), frozen part cached."""
        if not n_frozen:
            self._cache.clear()  # unfrozen for good: free the cached outputs
            return self._forward(X)
        H = self.frozen_output(X, n_frozen)
        return self.state.network.forward(H, training=False, start=n_frozen)

    def _forward(self, X, stop=None):
        """Inference output of the lowest layers; sparse ``X`` block by block."""
        if _sparse.issparse(X):
            net = self.state.network
            return forward_blocks(net, X, stop=stop, dtype=net.dtype)
        return self.state.network.forward(X, training=False, stop=stop)

    def learning_rate(self):
        """The rate in force: the last step's (before any step, the next one's)."""
        if self.last_lr is not None:
            return float(self.last_lr)
        if self.schedule is not None:
            return float(self.schedule(self.state.steps))
        return self.state.optimizer.current_learning_rate

    def _next_rate(self, dtype):
        """The next step's rate from the schedule (None: the optimizer's own)."""
        schedule, opt = self.schedule, self.state.optimizer
        if schedule is None:
            return None
        momentum = schedule.momentum(self.state.steps)
        if momentum is not None and opt.momentum_attribute is not None:
            setattr(opt, opt.momentum_attribute, momentum)
        # a float32 scalar: a float64 one would make a float32 update run a
        # float64 loop, several times slower
        self.last_lr = dtype(schedule(self.state.steps))
        return self.last_lr

    def train_epoch(self, X, Y, sample_weight, epoch):
        """One pass over ``(X, Y)``; returns the sample-weighted mean batch loss.

        Raises ``Diverged`` (after which the caller restores a snapshot) when a
        batch loss is NaN or infinite.
        """
        net, plan = self.state.network, self.plan
        n_frozen = self.n_fixed()
        per_batch = n_frozen and not all(
            layer.deterministic or isinstance(layer, BatchNormalization)
            for layer in net.layers[:n_frozen]
        )
        if n_frozen and not per_batch:
            X = self.frozen_output(X, n_frozen)
        step = _StepArgs(net, n_frozen)
        n = X.shape[0]
        bs = min(plan.batch_size, n)
        order = self.rng.permutation(n) if plan.shuffle else np.arange(n)
        take = _batch_taker(X, net.layers[0], bs)
        y_buf = np.empty((bs, Y.shape[1]), dtype=Y.dtype)
        total = float(n) if sample_weight is None else float(np.sum(sample_weight))
        weighted_loss = 0.0
        self.batch = 0
        probe = self.probe if self.probe is not None and self.probe.active else None
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            Xb = take(idx)
            Yb = np.take(Y, idx, axis=0, out=y_buf[: idx.size], mode="clip")
            swb = None if sample_weight is None else sample_weight[idx]
            if per_batch:
                Xb = self._frozen_forward(Xb, n_frozen)
            if probe is not None:
                probe.before()
            loss = self._train_batch(Xb, Yb, swb, epoch, step)
            if probe is not None:
                probe.after(first=self.batch == 0)
                probe = probe if probe.active else None
            weighted_loss += loss * (idx.size if swb is None else float(np.sum(swb)))
            self.batch += 1
            self.state.samples += idx.size
            if self.stop_requested:
                raise KeyboardInterrupt
        return weighted_loss / total if total > 0 else 0.0

    def _train_batch(self, X, Y, sample_weight, epoch, step):
        """Forward, loss, backward, penalties, optimizer step, constraints."""
        net, plan = self.state.network, self.plan
        # gradient-flow statistics from the epoch's first batch: always full-size
        monitored = self.monitor is not None and self.batch == 0
        if monitored:
            Z = self.monitor.forward(net, X, rng=self.layer_rng, start=step.n_frozen)
        else:
            Z = net.forward(X, training=True, rng=self.layer_rng, start=step.n_frozen)
        loss, delta = plan.loss.gradient(Z, Y, sample_weight)
        if not math.isfinite(loss):
            raise Diverged(epoch, self.batch + 1, loss)
        net.backward(delta, stop=step.n_frozen)
        if monitored:
            self.diagnostics = self.monitor.record(net, start=step.n_frozen)
        for regularizer in plan.regularizers:
            loss += regularizer.penalty(step.kernels)
        self.state.optimizer.step(
            net.theta,
            net.grad,
            learning_rate=self._next_rate(net.theta.dtype.type),
            tensors=net.tensors,
            start=step.param_start,
            segments=step.segments,
        )
        for regularizer in plan.regularizers:
            regularizer.constrain(step.kernels)
        self.state.steps += 1
        if self.schedule is not None:
            self.schedule.batch_end(loss)
        return loss

    def _frozen_forward(self, X, n_frozen):
        """A batch through the frozen layers: dropout on, batch norm in inference."""
        for layer in self.state.network.layers[:n_frozen]:
            training = not isinstance(layer, BatchNormalization)
            X = layer.forward(X, training=training, rng=self.layer_rng)
        return X


def _batch_taker(X, first_layer, batch_size):
    """``take(idx)``: the mini-batch of rows ``idx`` of ``X``.

    Batches are gathered into a preallocated buffer: no per-epoch shuffled copy of
    X, no per-batch allocation. Rows of sparse X stay sparse for a first Dense
    layer (a sparse product), or are densified into the buffer one batch at a
    time (``skdnn._sparse``); all of X is never densified.

    ``mode="clip"``: with the default ``"raise"``, NumPy gathers into a temporary
    and copies it into ``out`` (twice the time: 54 against 25 us for 32 rows of
    3,072 floats); the indices come from a permutation of ``range(n)``, so clipping
    never changes one.
    """
    keep = _sparse.issparse(X) and _sparse.keeps_sparse(first_layer, X)
    buf = None if keep else np.empty((batch_size, X.shape[1]), dtype=X.dtype)
    if _sparse.issparse(X):
        return lambda idx: _sparse.rows(X, idx, buf, keep)
    return lambda idx: np.take(X, idx, axis=0, out=buf[: idx.size], mode="clip")


class _StepArgs:
    """What every step of an epoch passes along: fixed for the epoch."""

    def __init__(self, net, n_frozen):
        self.n_frozen = n_frozen
        self.param_start = net.param_offset(n_frozen) if n_frozen else 0
        # trainable kernels, for the regularizers (views: fixed for the epoch)
        self.kernels = [
            pair for layer in net.layers[n_frozen:] for pair in layer.kernels
        ]
        self.segments = net.rate_segments(self.param_start, net.slow_layers)


def train(
    state, plan, X, Y, sample_weight, rng, *, schedule=None, hooks=(), probe=None
):
    """Train ``state`` on ``(X, Y)`` following ``plan``, Ctrl-C deferred.

    Parameters
    ----------
    state : TrainingState
        Updated in place: network, optimizer, history, epoch and step counts.
    plan : TrainingPlan
        How to train.
    X, Y : ndarray
        Training inputs and encoded targets, in the network's dtype.
    sample_weight : ndarray or None
        Per-sample weights.
    rng : numpy.random.RandomState
        Source of all randomness.
    schedule : LearningRateSchedule, optional
        The learning rate of each step.
    hooks : sequence of skdnn._hooks.Hook
        The loop's rules, in the order they run.
    probe : skdnn._threads.Probe, optional
        Chooses the BLAS threads by timing mini-batches (see ``skdnn._threads``).

    Returns
    -------
    TrainingResult
    """
    loop = _EpochLoop(state, plan, rng, schedule, hooks, probe)
    with _deferred_interrupt(loop.trainer):
        return loop.run(X, Y, sample_weight)


class _EpochLoop:
    """The epochs; what happens around each one is up to the hooks."""

    def __init__(self, state, plan, rng, schedule, hooks, probe=None):
        self.state, self.plan, self.hooks = state, plan, tuple(hooks)
        self.trainer = Trainer(state, plan, rng, schedule, probe)
        self.result = TrainingResult()
        #: Set by a hook: the stopping rule holds its patience this epoch.
        self.hold_patience = False
        #: Set by a hook at the end: which weights training ends with.
        self.kept = None
        self._interrupt = None  # (where, weights kept) after a Ctrl-C

    def run(self, X, Y, sample_weight):
        net, plan = self.state.network, self.plan
        for _ in range(plan.max_epochs):
            epoch = self.state.epochs + 1
            for hook in self.hooks:
                hook.begin_epoch(self, epoch)
            start = net.snapshot()
            tic = time.perf_counter()
            try:
                # Overflow is detected from the loss and reported with advice;
                # NumPy's warnings from deep inside a diverging step are noise.
                with np.errstate(over="ignore", invalid="ignore"):
                    loss = self.trainer.train_epoch(X, Y, sample_weight, epoch)
                    record = self._evaluate(epoch, loss)
            except Diverged as exc:
                net.restore(start)
                exc.lr = self.trainer.learning_rate()
                self._end_diverged(exc)
                raise
            except KeyboardInterrupt:
                self._interrupted(epoch, start)
                break
            except BaseException:
                # from user code inside a step (a callable schedule): the step
                # may be half applied; the estimator keeps the epoch's start
                net.restore(start)
                raise
            record["time"] = time.perf_counter() - tic
            try:
                stop = self._end_epoch(epoch, record)
            except KeyboardInterrupt:
                # from user code at the epoch's end (a callback), as a second
                # Ctrl-C: a usable model first, then the caller re-raises it
                self._interrupt = (f"after epoch {epoch}", "its weights")
                self.result.abort = True
                break
            if stop:
                break
        for hook in self.hooks:
            hook.end_training(self)
        if self._interrupt is not None:
            where, kept = self._interrupt
            self.result.interrupted = f"{where}; kept {self.kept or kept}"
        return self.result

    def _evaluate(self, epoch, loss):
        """The epoch's record: training loss, rate and the validation pass."""
        record = {"loss": loss, "lr": self.trainer.learning_rate()}
        if self.plan.validation is not None:
            X_val, Y_val, sw_val = self.plan.validation
            Z_val = self.trainer.predict(X_val, self.trainer.n_fixed())
            val_loss = self.plan.loss.value(Z_val, Y_val, sw_val)
            # before scoring: a metric would choke on non-finite outputs
            if not math.isfinite(val_loss):
                raise Diverged(epoch, 0, val_loss)
            record["val_loss"] = val_loss
            record["val_score"] = (
                self.plan.score(Z_val, Y_val, sw_val)
                if self.plan.score is not None
                else math.nan
            )
        return record

    def _end_epoch(self, epoch, record):
        """The hooks' end of the epoch; True: stop."""
        # the stopping rule and the schedule see the loss as trained
        monitored = record.get("val_loss", record["loss"])
        self.state.epochs = epoch
        self.result.epochs += 1
        stop = False
        for hook in self.hooks:
            stop = hook.end_epoch(self, epoch, record, monitored) or stop
        if self.result.stopped_by_callback:
            return True
        if self.trainer.stop_requested:
            self._interrupt = (f"after epoch {epoch}", "its weights")
            return True
        return stop

    def _end_diverged(self, exc):
        """After a divergence, training ends as after an interrupt: the best
        validation epoch's weights if early stopping kept them."""
        for hook in self.hooks:
            hook.end_training(self)
        if self.kept is not None:
            exc.kept = self.kept

    def _interrupted(self, epoch, start):
        """Ctrl-C during an epoch: keep a usable model, say where it stopped."""
        where = f"in epoch {epoch}"
        if self.trainer.stop_requested:
            where += f" after {self.trainer.batch} batch(es) of it"
            kept = "the weights reached then"
        else:
            # Raised mid-batch (a second Ctrl-C, or from user code): the step may
            # be half applied, so go back to the epoch's start. The caller
            # re-raises once the model is usable: a second Ctrl-C means stop
            # everything, e.g. a whole grid search.
            self.state.network.restore(start)
            kept = "the weights from before that epoch"
            self.result.abort = True
        self._interrupt = (where, kept)
        for hook in self.hooks:
            hook.interrupted(self, epoch)


@contextmanager
def _deferred_interrupt(trainer):
    """Turn the first Ctrl-C into ``trainer.stop_requested``; a second one interrupts.

    A KeyboardInterrupt raised in the middle of an optimizer step could leave the
    weights half-updated, so the first SIGINT only asks the trainer to stop after
    the current batch. Only the main thread can set signal handlers, and a handler
    the user installed is left alone.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return

    def request_stop(signum, frame):
        trainer.stop_requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, request_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
