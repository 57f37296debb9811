"""The training loop: epochs -> mini-batches -> forward -> loss -> backward -> step.

Knows nothing about scikit-learn: the estimators hand it a built network, a loss,
an optimizer and encoded float arrays.
"""

import math
import signal
import threading
import time
from contextlib import contextmanager

import numpy as np

from .nn.normalization import BatchNormalization


class Diverged(Exception):
    """Internal signal: the batch loss was not finite."""

    def __init__(self, epoch, batch, loss):
        super().__init__(epoch, batch, loss)
        self.epoch, self.batch, self.loss = epoch, batch, loss


class Trainer:
    """Mini-batch training of a ``Sequential`` network.

    Parameters
    ----------
    network : Sequential
        A built network.
    loss : Loss
        Output activation fused with its loss.
    optimizer : Optimizer
        A built optimizer.
    batch_size : int
    shuffle : bool
        Draw a new permutation of the samples every epoch.
    rng : numpy.random.RandomState
        Source of all randomness: shuffling and stochastic layers.
    regularizer : callable, optional
        ``regularizer(kernels) -> penalty`` (e.g. ``L1L2``): adds its gradient to
        the kernel gradients; the penalty is added to each batch loss.
    constraint : callable, optional
        ``constraint(kernels)`` (e.g. ``MaxNorm``), applied after every step.
    schedule : LearningRateSchedule, optional
        A started schedule: ``schedule(step)`` gives each step's learning rate
        (``step`` = optimizer steps already taken), ``schedule.momentum(step)``
        the optimizer's momentum if it cycles it; ``schedule.batch_end(loss)``
        sees each batch loss and ``schedule.epoch_end(loss)`` the monitored loss
        of each epoch.
    """

    def __init__(
        self,
        network,
        loss,
        optimizer,
        *,
        batch_size,
        shuffle,
        rng,
        regularizer=None,
        constraint=None,
        schedule=None,
    ):
        self.network = network
        self.loss = loss
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = rng
        self.regularizer = regularizer
        self.constraint = constraint
        self.schedule = schedule
        self._last_lr = None
        #: Set by a deferred Ctrl-C: stop once the current batch is done.
        self.stop_requested = False
        #: Batches completed in the current epoch.
        self.batch = 0
        self.epoch = 0
        #: A ``GradientFlowMonitor`` run on each epoch's last batch (None: off).
        self.monitor = None
        #: What the monitor recorded in the last epoch.
        self.diagnostics = {}

    #: Transfer learning, set by ``reuse_lower_layers``: no reused layers by default.
    reused_layers = 0
    freeze_epochs = None
    reused_lr_factor = 1.0

    def reuse_lower_layers(self, n_layers, *, freeze_epochs=None, lr_factor=1.0):
        """Treat the lowest ``n_layers`` layers as reused from another model.

        They stay frozen while ``epoch <= freeze_epochs`` (always if None), then
        train with ``lr_factor`` times the learning rate. While frozen and
        deterministic, their output for the training set is computed once and
        cached, so a frozen epoch only pays for the layers above.
        """
        self.reused_layers = n_layers
        self.freeze_epochs = freeze_epochs
        self.reused_lr_factor = lr_factor
        self._frozen_cache = self._frozen_val_cache = None
        return self

    def frozen_layers(self, epoch=None):
        """Number of frozen lowest layers during ``epoch`` (default: the next one)."""
        epoch = self.epoch + 1 if epoch is None else epoch
        if self.freeze_epochs is not None and epoch > self.freeze_epochs:
            return 0
        return self.reused_layers

    def unfreezes_later(self):
        """True while the epoch just run was frozen and an unfreeze is scheduled."""
        return (
            self.freeze_epochs is not None
            and self.frozen_layers(self.epoch) > 0
            and self.epoch <= self.freeze_epochs
        )

    def _frozen_output(self, X, n_layers, slot="_frozen_cache"):
        """The inference output of the lowest ``n_layers`` layers for ``X``, cached
        in attribute ``slot`` (one for the training data, one for validation)."""
        cache = getattr(self, slot, None)
        if cache is None or cache[0] is not X or cache[1] != n_layers:
            H = self.network.forward(X, training=False, stop=n_layers)
            cache = (X, n_layers, H)
            setattr(self, slot, cache)
        return cache[2]

    def predict_validation(self, X_val):
        """The network's inference output for ``X_val`` after the epoch just run.

        While the lowest layers are frozen, their output for ``X_val`` cannot change
        (at inference every layer is deterministic, and frozen batch norm keeps its
        moving statistics), so it is computed once and only the layers above run in
        the following epochs.
        """
        frozen = self.frozen_layers(self.epoch) if self.epoch else 0
        if not frozen:
            self._frozen_val_cache = None
            return self.network.forward(X_val, training=False)
        H = self._frozen_output(X_val, frozen, slot="_frozen_val_cache")
        return self.network.forward(H, training=False, start=frozen)

    def _frozen_forward(self, X, n_layers):
        """A batch through the frozen layers: dropout on, batch norm in inference."""
        for layer in self.network.layers[:n_layers]:
            training = not isinstance(layer, BatchNormalization)
            X = layer.forward(X, training=training, rng=self.rng)
        return X

    def _lr_segments(self, frozen):
        if frozen or not self.reused_layers or self.reused_lr_factor == 1.0:
            return None
        stop = self.network.param_offset(self.reused_layers)
        return [
            (0, stop, self.reused_lr_factor),
            (stop, self.network.theta.size, 1.0),
        ]

    def learning_rate(self):
        """The rate in force: the last step's (before any step, the next one's)."""
        if self._last_lr is not None:
            return float(self._last_lr)
        if self.schedule is not None:
            return float(self.schedule(self.optimizer.iterations))
        return self.optimizer.current_learning_rate

    def _scheduled_rate(self, dtype):
        """The next step's rate from the schedule (None: the optimizer's own)."""
        if self.schedule is None:
            return None
        opt = self.optimizer
        momentum = self.schedule.momentum(opt.iterations)
        if momentum is not None and opt.momentum_attribute is not None:
            setattr(opt, opt.momentum_attribute, momentum)
        # float32 scalar: a Python/NumPy float64 one would make the update run a
        # float64 loop (PERF-NOTES item 3)
        self._last_lr = dtype(self.schedule(opt.iterations))
        return self._last_lr

    def end_epoch(self, monitored_loss):
        """Let the schedule see the epoch's monitored loss (performance scheduling)."""
        if self.schedule is not None:
            self.schedule.epoch_end(monitored_loss)

    def train_epoch(self, X, Y, sample_weight=None):
        """One pass over ``(X, Y)``; returns the sample-weighted mean batch loss.

        Raises ``Diverged`` (after which the caller restores a snapshot) when a
        batch loss is NaN or infinite.
        """
        net, opt = self.network, self.optimizer
        frozen = self.frozen_layers()
        self.epoch += 1
        self.batch = 0
        # Frozen layers run in inference mode, as in Keras: batch norm uses (and no
        # longer updates) its moving statistics. Without dropout or RReLU among them
        # they give the same output every epoch: feed the trainable layers their
        # cached output instead of recomputing it. Otherwise each batch goes through
        # them, with their dropout still active.
        first = frozen
        per_batch_frozen = frozen and not all(
            layer.deterministic or isinstance(layer, BatchNormalization)
            for layer in net.layers[:frozen]
        )
        if frozen and not per_batch_frozen:
            X = self._frozen_output(X, frozen)
        param_start = net.param_offset(frozen) if frozen else 0
        segments = self._lr_segments(frozen)
        # the trainable kernels, for l1/l2 and max-norm (views: fixed for the epoch)
        kernels = [pair for layer in net.layers[frozen:] for pair in layer.kernels]
        n = X.shape[0]
        bs = min(self.batch_size, n)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        # Batches are gathered into preallocated buffers: no per-epoch shuffled copy
        # of X, no per-batch allocation.
        x_buf = np.empty((bs, X.shape[1]), dtype=X.dtype)
        y_buf = np.empty((bs, Y.shape[1]), dtype=Y.dtype)
        total_w = float(n) if sample_weight is None else float(np.sum(sample_weight))
        weighted_loss = 0.0
        last = (n - 1) // bs
        for b, start in enumerate(range(0, n, bs)):
            idx = order[start : start + bs]
            m = idx.size
            Xb = np.take(X, idx, axis=0, out=x_buf[:m])
            Yb = np.take(Y, idx, axis=0, out=y_buf[:m])
            swb = None if sample_weight is None else sample_weight[idx]
            if per_batch_frozen:
                Xb = self._frozen_forward(Xb, frozen)
            monitored = self.monitor is not None and b == last
            if monitored:
                Z = self.monitor.forward(net, Xb, rng=self.rng, start=first)
            else:
                Z = net.forward(Xb, training=True, rng=self.rng, start=first)
            loss, delta = self.loss.gradient(Z, Yb, swb)
            if not math.isfinite(loss):
                raise Diverged(self.epoch, b + 1, loss)
            net.backward(delta, stop=frozen)
            if monitored:
                self.diagnostics = self.monitor.record(net, start=first)
            if self.regularizer is not None:
                loss += self.regularizer(kernels)
            opt.step(
                net.theta,
                net.grad,
                learning_rate=self._scheduled_rate(net.theta.dtype.type),
                tensors=net.tensors,
                start=param_start,
                segments=segments,
            )
            if self.constraint is not None:
                self.constraint(kernels)
            if self.schedule is not None:
                self.schedule.batch_end(loss)
            weighted_loss += loss * (m if swb is None else float(np.sum(swb)))
            self.batch = b + 1
            if self.stop_requested:
                raise KeyboardInterrupt
        return weighted_loss / total_w if total_w > 0 else 0.0


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


def fit_loop(trainer, X, Y, sample_weight, **kwargs):
    """``_run_epochs`` with Ctrl-C deferred to the end of the current batch.

    Returns ``_run_epochs``' dict, whose ``interrupted`` is None or says where
    a KeyboardInterrupt stopped training and which weights were kept.
    """
    trainer.stop_requested = False
    with _deferred_interrupt(trainer):
        return _run_epochs(trainer, X, Y, sample_weight, **kwargs)


def _run_epochs(
    trainer,
    X,
    Y,
    sample_weight,
    *,
    max_epochs,
    validation=None,
    score=None,
    n_iter_no_change=10,
    tol=1e-4,
    history,
    verbose=0,
    epoch_callback=None,
):
    """Train for up to ``max_epochs`` epochs with Keras-like stopping.

    Without ``validation``, training stops when the training loss has not improved
    by at least ``tol`` for ``n_iter_no_change`` epochs. With
    ``validation=(X_val, Y_val, sw_val)`` the validation loss is monitored instead
    and the weights of the best epoch are restored at the end.

    Parameters
    ----------
    score : callable, optional
        ``score(Z_val) -> float`` (accuracy, R^2) recorded as ``val_score``.
    history : dict of list
        Appended to, one entry per epoch, under ``loss``, ``lr``, ``time`` and,
        with validation, ``val_loss`` and ``val_score``.
    epoch_callback : object, optional
        ``epoch_callback.on_epoch_begin(epoch)`` is called before each epoch and
        ``epoch_callback.on_epoch_end(epoch, record)`` after it (``history``
        already updated; ``record`` is None for an epoch cut short by Ctrl-C); a
        true return value stops training like convergence.

    Returns
    -------
    dict
        ``epochs`` run, ``converged`` (a stopping criterion or the
        ``epoch_callback`` stopped training), ``best_loss``
        and ``best_epoch`` of the monitored loss, ``interrupted``: None, or where
        a KeyboardInterrupt stopped training and which weights were kept (the
        best validation epoch's with ``validation``, else the current ones), and
        ``abort``: the interrupt came mid-batch, so the caller should re-raise it.
    """
    net = trainer.network
    best, best_epoch, best_snapshot, wait = math.inf, 0, None, 0
    converged = False
    interrupted, abort = None, False
    epochs = 0
    for _ in range(max_epochs):
        if epoch_callback is not None:
            epoch_callback.on_epoch_begin(trainer.epoch + 1)
        start_snapshot = net.snapshot()
        tic = time.perf_counter()
        try:
            # Overflow is detected from the loss and reported with advice; NumPy's
            # own warnings from deep inside a diverging step would only be noise.
            with np.errstate(over="ignore", invalid="ignore"):
                loss = trainer.train_epoch(X, Y, sample_weight)
        except Diverged:
            net.restore(start_snapshot)
            raise
        except KeyboardInterrupt:
            interrupted = f"in epoch {trainer.epoch}"
            if trainer.stop_requested:
                interrupted += f" after {trainer.batch} batch(es) of it"
                kept = "the weights reached then"
            else:
                # Raised mid-batch (a second Ctrl-C, or from user code): the step
                # may be half applied, so go back to the epoch's start. The caller
                # re-raises once the model is usable: a second Ctrl-C means stop
                # everything, e.g. a whole grid search.
                net.restore(start_snapshot)
                kept = "the weights from before that epoch"
                abort = True
            if epoch_callback is not None:
                # the fit returns a usable model: its last epoch ends too
                epoch_callback.on_epoch_end(trainer.epoch, None)
            break
        epochs += 1
        record = {"loss": loss, "lr": trainer.learning_rate()}
        monitored = loss
        if validation is not None:
            X_val, Y_val, sw_val = validation
            Z_val = trainer.predict_validation(X_val)
            record["val_loss"] = trainer.loss.value(Z_val, Y_val, sw_val)
            record["val_score"] = score(Z_val) if score is not None else math.nan
            monitored = record["val_loss"]
            if not math.isfinite(monitored):
                net.restore(start_snapshot)
                raise Diverged(trainer.epoch, 0, monitored)
        record["time"] = time.perf_counter() - tic
        record.update(trainer.diagnostics)
        for key, value in record.items():
            history.setdefault(key, []).append(value)
        trainer.end_epoch(monitored)
        if verbose:
            print(_progress_line(trainer.epoch, record), flush=True)

        if monitored < best - tol:
            best, best_epoch, wait = monitored, trainer.epoch, 0
            if validation is not None:
                best_snapshot = net.snapshot()
        else:
            wait += 1
            best = min(best, monitored) if validation is None else best
        if trainer.unfreezes_later():
            # The chapter's recipe: a fixed number of frozen epochs, then the
            # unfrozen phase gets its own patience.
            wait = 0
        if epoch_callback is not None and epoch_callback.on_epoch_end(
            trainer.epoch, record
        ):
            converged = True
            break
        if trainer.stop_requested:
            interrupted, kept = f"after epoch {trainer.epoch}", "its weights"
            break
        if wait >= n_iter_no_change:
            converged = True
            break
    if best_snapshot is not None:
        net.restore(best_snapshot)
    if interrupted is not None:
        if best_snapshot is not None:
            kept = f"the weights of epoch {best_epoch}, the best on validation"
        interrupted += f"; kept {kept}"
    return {
        "epochs": epochs,
        "converged": converged,
        "best_loss": best,
        "best_epoch": best_epoch,
        "interrupted": interrupted,
        "abort": abort,
    }


def _progress_line(epoch, record):
    parts = [f"Epoch {epoch:>4d}", f"loss: {record['loss']:.4f}"]
    if "val_loss" in record:
        parts.append(f"val_loss: {record['val_loss']:.4f}")
        parts.append(f"val_score: {record['val_score']:.4f}")
    parts.append(f"lr: {record['lr']:.3g}")
    parts.append(f"{record['time']:.2f}s")
    return " - ".join(parts)
