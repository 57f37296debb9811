"""The rules of the epoch loop, as small ordered hooks.

The loop (``_training._EpochLoop``) runs the epochs; everything else it does is a
hook, called per epoch (never per batch) in the order the estimator lists them:

``Unfreezer``
    Transfer learning's frozen phase: sets the network's frozen prefix before
    each epoch, and at the unfreeze epoch "compiles again" (a fresh optimizer)
    and slows the reused layers down; holds the stopping rule's patience while
    the reused layers wait to unfreeze.
``GradientFlow``
    Puts the gradient-flow statistics of the epoch's first batch in its record.
``History``
    Converts the losses to the user's units and appends the record to
    ``history_``.
``ScheduleStep``
    Tells the learning-rate schedule the epoch's monitored loss (the
    performance schedule reacts to plateaus).
``ProgressPrinter``
    Prints one line per epoch (``verbose``).
``EarlyStopping``
    Patience on the monitored loss; keeps the best validation epoch's weights
    and puts them back at the end (Keras' ``restore_best_weights``); a 1cycle
    budget runs to its end.
``Callbacks``
    scikit-learn's callbacks (``set_callbacks``), which may stop training.

A hook's ``begin_epoch(loop, epoch)`` and ``end_epoch(loop, epoch, record,
monitored)`` see the loop (its ``state``, ``trainer`` and ``result``);
``end_epoch`` returns True to stop training after this epoch (every hook still
runs). ``end_training(loop)`` runs once, after the last epoch.
"""

import math

from ._diagnostics import GradientFlowMonitor


class Hook:
    """A rule of the epoch loop; every method is optional."""

    def begin_epoch(self, loop, epoch):
        """Before ``epoch`` trains."""

    def end_epoch(self, loop, epoch, record, monitored):
        """After ``epoch``, with its record; True: stop after this epoch."""
        return False

    def end_training(self, loop):
        """Once, after the last epoch (also after an interrupt)."""

    def interrupted(self, loop, epoch):
        """Ctrl-C stopped ``epoch`` midway; the fit still returns a model."""


class Unfreezer(Hook):
    """The reused lowest layers: frozen until ``unfreeze_epoch`` (never if None).

    From that epoch on every layer trains under ``new_optimizer()`` (the
    chapter's "unfreeze, then compile again"), the reused ones at
    ``reused_lr_factor`` times the rate.
    """

    def __init__(self, reused_layers, unfreeze_epoch, new_optimizer, reused_lr_factor):
        self.reused_layers = reused_layers
        self.unfreeze_epoch = unfreeze_epoch
        self.new_optimizer = new_optimizer
        self.reused_lr_factor = reused_lr_factor

    def n_frozen(self, epoch):
        """Number of lowest layers that do not train during ``epoch``."""
        if self.unfreeze_epoch is not None and epoch >= self.unfreeze_epoch:
            return 0
        return self.reused_layers

    def begin_epoch(self, loop, epoch):
        net = loop.state.network
        net.frozen = self.n_frozen(epoch)
        slow = not net.frozen and self.reused_lr_factor != 1.0
        net.slow_layers = (self.reused_layers, self.reused_lr_factor) if slow else None
        if epoch == self.unfreeze_epoch and epoch > 1:
            loop.state.optimizer = self.new_optimizer()
        # a fixed number of frozen epochs, then the unfrozen phase gets its own
        # patience: the stopping rule waits while an unfreeze is planned
        loop.hold_patience = self.unfreeze_epoch is not None and net.frozen > 0

    def end_training(self, loop):
        net = loop.state.network
        net.frozen, net.slow_layers = 0, None


class GradientFlow(Hook):
    """Per-layer gradient statistics of each epoch's first batch, in its record."""

    def begin_epoch(self, loop, epoch):
        if loop.trainer.monitor is None:
            loop.trainer.monitor = GradientFlowMonitor(loop.state.network)

    def end_epoch(self, loop, epoch, record, monitored):
        record.update(loop.trainer.diagnostics)
        return False


class History(Hook):
    """The epoch's record appended to the history, losses times ``loss_unit``."""

    def __init__(self, loss_unit=1.0):
        self.loss_unit = loss_unit

    def end_epoch(self, loop, epoch, record, monitored):
        if self.loss_unit != 1.0:
            for key in ("loss", "val_loss"):
                if key in record:
                    record[key] *= self.loss_unit
        history = loop.state.history
        for key, value in record.items():
            history.setdefault(key, []).append(value)
        return False


class ScheduleStep(Hook):
    """The schedule's end of epoch, with the monitored loss (as trained)."""

    def __init__(self, schedule):
        self.schedule = schedule

    def end_epoch(self, loop, epoch, record, monitored):
        self.schedule.epoch_end(monitored)
        return False


class ProgressPrinter(Hook):
    """One line per epoch: losses, validation score, rate, time; at the end, why
    training stopped early and which weights were kept (as Keras says)."""

    def end_epoch(self, loop, epoch, record, monitored):
        print(progress_line(epoch, record), flush=True)
        return False

    def end_training(self, loop):
        result = loop.result
        early = result.epochs < loop.plan.max_epochs and result.interrupted is None
        if early and result.converged and not result.stopped_by_callback:
            print(
                f"Stopped after epoch {loop.state.epochs}: the monitored loss did "
                "not improve by tol for n_iter_no_change epochs.",
                flush=True,
            )
        if loop.kept is not None:
            print(f"Restored {loop.kept}.", flush=True)


class EarlyStopping(Hook):
    """Patience on the monitored loss; keeps the best weights.

    Without validation data the training loss is monitored; with it, the
    validation loss, and the best epoch's weights are restored at the end.
    A fixed-budget schedule (1cycle) still running carries training on past a
    plateau: stopping mid-cycle would keep weights trained at a high rate.
    """

    def __init__(self, n_iter_no_change, tol, validation, schedule=None):
        self.n_iter_no_change, self.tol = n_iter_no_change, tol
        self.validation, self.schedule = validation, schedule
        self.best, self.best_epoch, self.wait = math.inf, 0, 0
        self.snapshot = None

    def end_epoch(self, loop, epoch, record, monitored):
        if monitored < self.best - self.tol:
            self.best, self.best_epoch, self.wait = monitored, epoch, 0
            if self.validation:
                self.snapshot = loop.state.network.snapshot()
        else:
            self.wait += 1
            if not self.validation:
                self.best = min(self.best, monitored)
        if loop.hold_patience:
            self.wait = 0
        plateau = self.wait >= self.n_iter_no_change
        # a plateau is convergence even when a budget carried training on: no
        # "loss still improving" warning for it
        loop.result.converged = plateau
        return plateau and not self._budget_left(loop.state.steps)

    def _budget_left(self, steps):
        schedule = self.schedule
        return (
            schedule is not None
            and schedule.fixed_budget
            and not schedule.finished(steps)
        )

    def end_training(self, loop):
        loop.result.best_loss = self.best
        # "still improving" (the ConvergenceWarning) needs an improvement in the
        # last quarter of the epochs: a patience as long as the fit never runs
        # out, and then more epochs gave the same model
        recent = max(1, min(self.n_iter_no_change, loop.result.epochs // 4))
        if self.wait >= recent:
            loop.result.converged = True
        if self.snapshot is not None:
            loop.state.network.restore(self.snapshot)
            loop.kept = (
                f"the weights of epoch {self.best_epoch}, the best on validation"
            )


class Callbacks(Hook):
    """scikit-learn's callbacks around each epoch; they may stop training."""

    def __init__(self, callbacks):
        self.callbacks = callbacks

    def begin_epoch(self, loop, epoch):
        self.callbacks.on_epoch_begin(epoch)

    def end_epoch(self, loop, epoch, record, monitored):
        if self.callbacks.on_epoch_end(epoch, record):
            loop.result.converged = loop.result.stopped_by_callback = True
            return True
        return False

    def interrupted(self, loop, epoch):
        # the fit returns a usable model: its last epoch ends too
        self.callbacks.on_epoch_end(epoch, None)


def progress_line(epoch, record):
    parts = [f"Epoch {epoch:>4d}", f"loss: {record['loss']:.4f}"]
    if "val_loss" in record:
        parts.append(f"val_loss: {record['val_loss']:.4f}")
        parts.append(f"val_score: {record['val_score']:.4f}")
    parts.append(f"lr: {record['lr']:.3g}")
    parts.append(f"{record['time']:.2f}s")
    return " - ".join(parts)
