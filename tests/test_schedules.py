"""Learning-rate schedules, their wiring into training, clipping in action and the
learning-rate finder.

Known values are computed here from the formulas of docs/reference.md, independently of
``skdnn.nn.schedules``.
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import (
    SGD,
    Adam,
    DivergenceError,
    DNNClassifier,
    DNNRegressor,
    ExponentialDecay,
    OneCycle,
    PiecewiseConstant,
    PowerDecay,
    ReduceLROnPlateau,
    find_learning_rate,
)
from skdnn.nn.optimizers import OPTIMIZERS
from skdnn.nn.schedules import SCHEDULES, make_schedule

from .conftest import plain_classifier, plain_regressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _started(schedule, lr=0.01, steps_per_epoch=10, epochs=20):
    return schedule.start(
        learning_rate=lr, steps_per_epoch=steps_per_epoch, epochs=epochs
    )


# -- schedule values -------------------------------------------------------------
def test_power_decay_values():
    s = _started(PowerDecay(decay_steps=50, power=2.0), lr=0.1)
    for t in [0, 1, 50, 123, 1000]:
        assert s(t) == pytest.approx(0.1 / (1 + t / 50) ** 2, rel=1e-12)


def test_power_decay_default_reaches_a_tenth_at_the_end():
    s = _started(PowerDecay(), lr=0.1, steps_per_epoch=10, epochs=20)
    assert s.decay_steps_ == pytest.approx(200 / 9)
    assert s(0) == 0.1 and s(200) == pytest.approx(0.01, rel=1e-12)
    assert s(20) == pytest.approx(0.1 / (1 + 20 / (200 / 9)), rel=1e-12)


def test_exponential_decay_values():
    s = _started(
        ExponentialDecay(initial_learning_rate=0.5, decay_steps=30, decay_rate=0.5)
    )
    for t in [0, 1, 30, 45, 300]:
        assert s(t) == pytest.approx(0.5 * 0.5 ** (t / 30), rel=1e-12)
    # default: tenth of the rate after all max_iter epochs
    s = _started(ExponentialDecay(), lr=0.02, steps_per_epoch=7, epochs=10)
    assert s(70) == pytest.approx(0.002, rel=1e-12)
    assert s(35) == pytest.approx(0.02 * 0.1**0.5, rel=1e-12)


def test_piecewise_constant_boundaries_in_epochs():
    s = _started(PiecewiseConstant([5, 15], [0.1, 0.01, 0.001]), steps_per_epoch=10)
    # epochs 1-5 are steps 0..49
    assert [s(t) for t in [0, 49, 50, 149, 150, 10**6]] == [
        0.1,
        0.1,
        0.01,
        0.01,
        0.001,
        0.001,
    ]
    default = _started(PiecewiseConstant(), lr=1.0, steps_per_epoch=10, epochs=20)
    assert default.boundaries_ == [10, 15]
    assert default.values_ == pytest.approx([1.0, 0.1, 0.01])


@pytest.mark.parametrize(
    "schedule, match",
    [
        (PiecewiseConstant([5, 15], [0.1, 0.01]), "one more entry"),
        (PiecewiseConstant([15, 5], [0.1, 0.01, 0.001]), "increasing"),
        (PowerDecay(decay_steps=-1), "decay_steps must be a positive"),
        (ReduceLROnPlateau(factor=1.5), "factor must be in"),
        (OneCycle(end_fraction=1.0), "end_fraction"),
    ],
)
def test_invalid_schedule_arguments_say_what_to_change(schedule, match):
    with pytest.raises(ValueError, match=match):
        _started(schedule)


def test_reduce_on_plateau_follows_keras():
    s = _started(ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.02), lr=0.1)
    rates = []
    for loss in [1.0, 0.9, 0.9, 0.9, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]:
        s.epoch_end(loss)
        rates.append(s(0))
    # 2 epochs without a gain of min_delta -> halve; floor at min_lr
    assert rates == pytest.approx(
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02]
    )
    # a gain smaller than min_delta does not count
    s = _started(ReduceLROnPlateau(patience=1, min_delta=0.1), lr=1.0)
    s.epoch_end(1.0)
    s.epoch_end(0.95)
    assert s(0) == 0.5


def _one_cycle_reference(t, total, peak, end_fraction=0.1):
    """docs/reference.md's 1cycle, written as explicit phases."""
    t_end = end_fraction * total
    half = (total - t_end) / 2
    lo = peak / 10
    if t <= half:
        return lo + (peak - lo) * t / half, 0.95 - 0.1 * t / half
    if t <= 2 * half:
        return peak - (peak - lo) * (t - half) / half, 0.85 + 0.1 * (t - half) / half
    t = min(t, total)
    return lo - (lo - lo / 1000) * (t - 2 * half) / t_end, 0.95


def test_one_cycle_values_and_momentum():
    s = _started(OneCycle(), lr=0.2, steps_per_epoch=20, epochs=10)
    assert s.total_steps_ == 200
    for t in [0, 1, 45, 90, 91, 135, 179, 180, 181, 190, 199, 200, 500]:
        lr, mom = _one_cycle_reference(t, 200, 0.2)
        assert s(t) == pytest.approx(lr, rel=1e-12), t
        assert s.momentum(t) == pytest.approx(mom, rel=1e-12), t
    assert s(90) == pytest.approx(0.2) and s.momentum(90) == pytest.approx(0.85)
    assert s(200) == pytest.approx(0.02 / 1000)
    assert _started(OneCycle(cycle_momentum=False)).momentum(5) is None


def test_make_schedule_accepts_names_instances_and_callables():
    for name in SCHEDULES.names():
        s = make_schedule(name, learning_rate=0.01, steps_per_epoch=5, epochs=4)
        assert 0 < s(0) <= 0.01 + 1e-12
    user = ExponentialDecay(decay_steps=10)
    s = make_schedule(user, learning_rate=0.01, steps_per_epoch=5, epochs=4)
    assert s is not user and not hasattr(user, "decay_steps_")  # never mutated
    f = make_schedule(
        lambda t: 1.0 / (t + 1), learning_rate=0.01, steps_per_epoch=1, epochs=1
    )
    assert f(3) == 0.25
    with pytest.raises(ValueError, match="Unknown lr_schedule 'cosine'"):
        make_schedule("cosine", learning_rate=0.01, steps_per_epoch=1, epochs=1)


# -- wiring into training --------------------------------------------------------
def _small_fit(est, X, y, **params):
    return clone(est).set_params(**params).fit(X, y)


def test_history_lr_is_the_last_steps_rate(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    # 400 samples, batch 100: 4 steps per epoch, the last of epoch e is step 4e - 1
    # (the old defaults: no schedule unless one is set)
    est = plain_classifier(
        hidden_layer_sizes=(16,),
        batch_size=100,
        max_iter=6,
        learning_rate=0.01,
        random_state=0,
        n_iter_no_change=100,
    )
    fitted = _small_fit(est, X, y, lr_schedule=ExponentialDecay(decay_steps=8))
    expected = [0.01 * 0.1 ** ((4 * e - 1) / 8) for e in range(1, 7)]
    np.testing.assert_allclose(fitted.history_["lr"], expected, rtol=1e-6)
    assert fitted.lr_schedule_.decay_steps_ == 8
    assert fitted.n_steps_ == 24
    # a callable step -> rate
    fitted = _small_fit(  # the callable sets the rates: no learning_rate
        est, X, y, lr_schedule=lambda t: 0.001 * (t // 4 + 1), learning_rate=None
    )
    np.testing.assert_allclose(
        fitted.history_["lr"], [0.001 * e for e in range(1, 7)], rtol=1e-6
    )
    # no schedule: the constant rate
    assert _small_fit(est, X, y).history_["lr"] == [0.01] * 6


def test_string_schedules_derive_lengths_from_the_fit(digits):
    X, y = digits
    # the old defaults: learning_rate=None, the optimizer's own rate
    est = plain_classifier(
        hidden_layer_sizes=(8,), batch_size=50, max_iter=3, random_state=0
    )
    fitted = _small_fit(est, X[:500], y[:500], lr_schedule="1cycle", learning_rate=0.05)
    assert fitted.lr_schedule_.total_steps_ == 3 * 10
    assert fitted.lr_schedule_.max_learning_rate_ == 0.05
    fitted = _small_fit(est, X[:500], y[:500], lr_schedule="exponential")
    # Nadam's default rate, a tenth of it after max_iter epochs
    assert fitted.lr_schedule_.initial_learning_rate_ == 0.001
    assert fitted.history_["lr"][-1] == pytest.approx(
        0.001 * 0.1 ** (29 / 30), rel=1e-6
    )
    # the parameter itself is untouched
    assert fitted.lr_schedule == "exponential"


def test_scheduled_rate_changes_the_updates(digits):
    # a schedule that is constant at the optimizer's rate gives the same fit as none
    X, y = digits
    # the old defaults: no schedule, Nadam's own rate 0.001
    est = plain_classifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    a = _small_fit(est, X[:300], y[:300])
    b = _small_fit(est, X[:300], y[:300], lr_schedule=lambda t: 0.001)
    c = _small_fit(est, X[:300], y[:300], lr_schedule=lambda t: 0.002)
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)
    assert not np.allclose(a.network_.theta, c.network_.theta)
    assert a.network_.theta.dtype == c.network_.theta.dtype == np.float32


@pytest.mark.parametrize(
    "optimizer, attribute", [("sgd", "momentum"), ("adam", "beta_1")]
)
def test_one_cycle_cycles_the_momentum(digits, optimizer, attribute):
    X, y = digits
    seen = []
    est = DNNClassifier(
        hidden_layer_sizes=(8,),
        optimizer=optimizer,
        batch_size=100,
        max_iter=4,
        random_state=0,
        lr_schedule=OneCycle(total_steps=16),
    ).fit(X[:400], y[:400])
    # the fitted optimizer ends where 1cycle ends its momentum
    assert getattr(est.optimizer_, attribute) == pytest.approx(0.95)
    # watch it per step through a second fit's trainer: 0.95 -> 0.85 -> 0.95
    from skdnn._training import Trainer

    original = Trainer._next_rate

    def spy(self, dtype):
        lr = original(self, dtype)
        seen.append(getattr(self.state.optimizer, attribute))
        return lr

    Trainer._next_rate = spy
    try:
        clone(est).fit(X[:400], y[:400])
    finally:
        Trainer._next_rate = original
    assert len(seen) == 16
    assert seen[0] == pytest.approx(0.95) and min(seen) == pytest.approx(0.85, abs=0.02)
    assert seen[-1] == pytest.approx(0.95, abs=1e-9)
    if optimizer == "sgd":  # momentum=0 at build, so the slot was created on the fly
        assert "m" in est.optimizer_.slots


def test_performance_schedule_monitors_validation_loss(digits):
    X, y = digits
    est = DNNClassifier(
        hidden_layer_sizes=(32,),
        learning_rate=0.05,
        early_stopping=True,
        n_iter_no_change=30,
        max_iter=30,
        random_state=0,
        lr_schedule=ReduceLROnPlateau(patience=2),
    ).fit(X, y)
    lrs, val = est.history_["lr"], est.history_["val_loss"]
    # replay Keras' rule on the recorded validation losses
    lr, best, wait, expected = 0.05, math.inf, 0, []
    for v in val:
        expected.append(lr)
        if v < best - 1e-4:
            best, wait = v, 0
        else:
            wait += 1
            if wait >= 2:
                lr, wait = lr * 0.5, 0
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)
    assert min(lrs) < 0.05  # it did reduce on this run


def test_warm_start_continues_the_schedule(digits):
    X, y = digits
    est = DNNClassifier(
        hidden_layer_sizes=(8,),
        batch_size=100,
        max_iter=2,
        warm_start=True,
        learning_rate=0.01,
        random_state=0,
        lr_schedule=ExponentialDecay(decay_steps=4),
    )
    est.fit(X[:400], y[:400])
    est.fit(X[:400], y[:400])
    np.testing.assert_allclose(
        est.history_["lr"],
        [0.01 * 0.1 ** ((4 * e - 1) / 4) for e in range(1, 5)],
        rtol=1e-6,
    )


def test_warm_fit_runs_a_new_1cycle_and_partial_fit_continues_it(digits):
    """1cycle spans one fit: continued, a warm fit would train at lr/10000."""
    X, y = digits
    est = DNNClassifier(
        hidden_layer_sizes=(8,),
        batch_size=100,
        max_iter=4,
        learning_rate=0.01,
        lr_schedule="1cycle",
        random_state=0,
    ).fit(X[:400], y[:400])
    cycle, first_loss = list(est.history_["lr"]), est.loss_
    assert max(cycle) > 0.009 and cycle[-1] < 0.001
    est.set_params(warm_start=True).fit(X[:400], y[:400])
    np.testing.assert_allclose(est.history_["lr"], cycle * 2, rtol=1e-6)
    assert est.n_steps_ == 32 and est.loss_ < first_loss
    with pytest.warns(UserWarning, match="continues a 1cycle schedule that ran"):
        est.partial_fit(X[:400], y[:400])  # past the cycle's end: its final rate
    np.testing.assert_allclose(est.history_["lr"][-1], 0.01 / 1e4, rtol=1e-3)


def test_a_warm_fit_with_another_schedule_starts_it(digits):
    X, y = digits
    est = DNNClassifier(
        hidden_layer_sizes=(8,),
        batch_size=100,
        max_iter=2,
        learning_rate=0.01,
        lr_schedule="power",
        warm_start=True,
        random_state=0,
    ).fit(X[:400], y[:400])
    est.set_params(lr_schedule="1cycle").fit(X[:400], y[:400])
    assert type(est.lr_schedule_) is OneCycle
    est.set_params(lr_schedule=ExponentialDecay(decay_steps=4)).fit(X[:400], y[:400])
    est.set_params(lr_schedule__decay_steps=8).fit(X[:400], y[:400])  # in place
    assert est.lr_schedule_.decay_steps == 8
    np.testing.assert_allclose(
        est.history_["lr"][-2:],
        [0.01 * 0.1 ** ((4 * e - 1) / 8) for e in (1, 2)],
        rtol=1e-6,
    )


def test_what_the_schedule_overrides_is_named_as_unused(digits):
    from skdnn import UnusedParameterWarning

    X, y = digits[0][:200], digits[1][:200]
    small = dict(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    cases = [
        ({"beta_1": 0.5}, "beta_1=0.5: 1cycle cycles it"),
        ({"optimizer": "sgd", "momentum": 0.0}, "momentum=0.0: 1cycle cycles it"),
        ({"tol": 10.0}, "tol=10.0: 1cycle without early stopping"),
        (
            {"n_iter_no_change": 2, "early_stopping": True},
            "n_iter_no_change=2: 1cycle runs all max_iter epochs; early stopping "
            "keeps the best epoch",
        ),
        (
            {"lr_schedule": ExponentialDecay(initial_learning_rate=0.05),
             "learning_rate": 1e-3},
            "learning_rate=0.001: the lr_schedule sets its own rates",
        ),
    ]  # fmt: skip
    for params, message in cases:
        with pytest.warns(UnusedParameterWarning, match=message):
            DNNClassifier(**small, **params).fit(X, y)
    # an optimizer instance's own settings, which the schedule overrides
    for params, message in (
        ({"optimizer": Adam(beta_1=0.5)}, r"optimizer=Adam\(beta_1=0.5\): 1cycle "
         "cycles its beta_1"),
        ({"optimizer": Adam(learning_rate=0.1),
          "lr_schedule": ExponentialDecay(initial_learning_rate=0.01)},
         "the lr_schedule sets its own rates, not its learning_rate"),
    ):  # fmt: skip
        with pytest.warns(UnusedParameterWarning, match=message):
            DNNClassifier(**small, **params).fit(X, y)
    # where they do act, no warning
    for params in (
        {"beta_1": 0.5, "lr_schedule": OneCycle(cycle_momentum=False)},
        {"beta_1": 0.5, "lr_schedule": None},
        {"tol": 10.0, "lr_schedule": OneCycle(total_steps=4)},
        {"learning_rate": 1e-3, "lr_schedule": ExponentialDecay()},
        # tol decides which epoch early stopping keeps
        {"tol": 0.05, "early_stopping": True},
        {"n_iter_no_change": 2, "early_stopping": True, "lr_schedule": None},
        {"optimizer": Adam()},  # the class's own defaults: nothing set
        {"optimizer": Adam(beta_1=0.5), "lr_schedule": None},
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnusedParameterWarning)
            DNNClassifier(**small, **params).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"min_momentum": 1.5}, r"min_momentum must be in \[0, 1\)"),
        ({"max_momentum": -2.0}, r"max_momentum must be in \[0, 1\)"),
        ({"total_steps": -5}, "total_steps must be a positive int or None"),
        ({"cycle_momentum": "no"}, "cycle_momentum must be True or False"),
    ],
)
def test_one_cycle_arguments_are_checked(params, message):
    # they trained to chance level, total_steps=-5 without any warning
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=message):
        DNNClassifier(lr_schedule=OneCycle(**params), max_iter=2).fit(X, y)


def test_invalid_lr_schedule_string_is_rejected():
    with pytest.raises(ValueError, match="lr_schedule"):
        DNNRegressor(lr_schedule="cosine").fit([[0.0], [1.0]], [0.0, 1.0])


# -- GridSearchCV ---------------------------------------------------------------
def test_every_optimizer_and_schedule_by_name_in_grid_search(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    est = DNNClassifier(
        hidden_layer_sizes=(8,), max_iter=2, batch_size=100, random_state=0
    )
    grid = {
        "optimizer": OPTIMIZERS.names(),
        "lr_schedule": [None, *SCHEDULES.names()],
    }
    search = GridSearchCV(
        est,
        [{"optimizer": grid["optimizer"]}, {"lr_schedule": grid["lr_schedule"]}],
        cv=2,
    )
    search.fit(X, y)
    tried = search.cv_results_["params"]
    assert {p["optimizer"] for p in tried if "optimizer" in p} == set(
        OPTIMIZERS.names()
    )
    assert {p["lr_schedule"] for p in tried if "lr_schedule" in p} == {
        None,
        "power",
        "exponential",
        "piecewise",
        "performance",
        "1cycle",
    }
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_nested_schedule_and_optimizer_params_in_grid_search(digits):
    X, y = digits
    est = DNNClassifier(
        hidden_layer_sizes=(8,),
        max_iter=2,
        batch_size=100,
        random_state=0,
        optimizer=SGD(momentum=0.9),
        lr_schedule=ExponentialDecay(),
    )
    search = GridSearchCV(
        est,
        {"lr_schedule__decay_steps": [5, 50], "optimizer__learning_rate": [0.01, 0.1]},
        cv=2,
    ).fit(X[:300], y[:300])
    best = search.best_estimator_
    assert best.lr_schedule.decay_steps in (5, 50)
    assert best.lr_schedule_.decay_steps_ == best.lr_schedule.decay_steps
    assert est.lr_schedule.decay_steps is None  # the original is untouched
    assert repr(clone(est).lr_schedule) == "ExponentialDecay()"


# -- gradient clipping in action -------------------------------------------------
def test_clipnorm_rescues_an_exploding_deep_tanh_network():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    # the old defaults: a constant rate and no input layers
    est = plain_regressor(
        hidden_layer_sizes=(32,) * 8,
        activation="tanh",
        optimizer="sgd",
        learning_rate=0.3,
        batch_size=32,
        max_iter=40,
        early_stopping=False,
        random_state=0,
    )
    with pytest.raises(DivergenceError, match="clipnorm"):
        clone(est).fit(X, y)
    clipped = clone(est).set_params(clipnorm=1.0).fit(X, y)
    assert np.all(np.isfinite(clipped.loss_curve_))
    assert clipped.loss_ < 0.5 * clipped.loss_curve_[0]
    assert clipped.score(X, y) > 0.5


# -- learning-rate finder --------------------------------------------------------
def test_find_learning_rate_on_digits(digits):
    X, y = digits
    # the old defaults: a constant rate, no dropout or label smoothing
    est = plain_classifier(hidden_layer_sizes=(64, 64), batch_size=32, random_state=0)
    before = est.get_params()
    result = find_learning_rate(est, X, y)
    # estimator untouched: same params, not fitted
    assert est.get_params() == before and not hasattr(est, "network_")
    rates, losses = result.learning_rates, result.losses
    assert rates.shape == losses.shape and rates[0] == pytest.approx(1e-5)
    assert np.all(np.diff(rates) > 0)
    # the sweep stopped once the loss blew up to 4x its minimum, before 10
    assert rates[-1] < 10 and losses[-1] > 4 * losses.min()
    assert np.all(losses[:-1] <= 4 * np.minimum.accumulate(losses)[:-1])
    assert result.suggested_learning_rate == pytest.approx(
        result.best_learning_rate / 10
    )
    # Nadam on standardised digits trains well around 1e-3
    assert 1e-4 < result.suggested_learning_rate < 1e-2
    # and the suggestion does train
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = (
            clone(est)
            .set_params(learning_rate=result.suggested_learning_rate, max_iter=5)
            .fit(X[:1400], y[:1400])
        )
    assert fitted.score(X[1400:], y[1400:]) > 0.9


def test_find_learning_rate_with_a_pipeline_and_sgd():
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        DNNClassifier(
            hidden_layer_sizes=(32,), optimizer="sgd", batch_size=32, random_state=0
        ),
    )
    result = find_learning_rate(pipe, X, y, n_steps=60)
    assert not hasattr(pipe[-1], "network_")
    assert result.losses.size <= 60
    # plain SGD tolerates (and needs) larger rates than Nadam
    assert 3e-3 < result.suggested_learning_rate < 0.3


# that tol and n_iter_no_change do nothing under a 1cycle of max_iter epochs (and
# n_iter_no_change with early stopping) is what this test shows, and what the
# UnusedParameterWarning says
@pytest.mark.filterwarnings("ignore:.*1cycle.*runs all max_iter epochs")
def test_one_cycle_runs_its_budget_despite_a_training_loss_plateau(digits):
    # tol=10: no epoch ever improves the training loss enough, so the plateau stop
    # fires after n_iter_no_change epochs, unless a 1cycle schedule is running;
    # then it is the schedule's budget that ends the fit, at the lowest rate.
    X, y = digits
    params = dict(hidden_layer_sizes=(8,), max_iter=12, n_iter_no_change=3, tol=10.0)
    # the old defaults: no schedule unless one is set
    plain = plain_classifier(**params, random_state=0).fit(X[:300], y[:300])
    assert plain.n_iter_ == 4
    cycled = plain_classifier(**params, lr_schedule="1cycle", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # it ran its course
        cycled.fit(X[:300], y[:300])
    assert cycled.n_iter_ == 12
    assert cycled.history_["lr"][-1] < 0.1 * max(cycled.history_["lr"])  # annealed
    # a cycle shorter than the fit (6 epochs of 6 steps): the plateau, reached at
    # epoch 4, ends the fit as soon as the cycle has ended
    short = plain_classifier(
        **params, lr_schedule=OneCycle(total_steps=6 * 6), batch_size=50,
        random_state=0,
    ).fit(X[:300], y[:300])  # fmt: skip
    assert short.n_iter_ == 6
    # a cycle longer than the fit: all max_iter epochs, and the flat loss is no
    # reason for a "loss still improving" ConvergenceWarning
    long = plain_classifier(
        **params, lr_schedule=OneCycle(total_steps=10**6), random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        long.fit(X[:300], y[:300])
    assert long.n_iter_ == 12
    # with early stopping too, the whole budget runs: the validation loss's
    # patience (which would stop at epoch 4) does not stop it mid-cycle...
    validated = plain_classifier(
        **params, lr_schedule="1cycle", early_stopping=True, random_state=0
    ).fit(X[:300], y[:300])
    assert validated.n_iter_ == 12 and len(validated.history_["val_loss"]) == 12
    assert validated.history_["lr"][-1] < 0.1 * max(validated.history_["lr"])
    # ... and the best validation epoch's weights are restored at the end: with
    # tol=10 no later epoch improves on the first, so the model is the first
    # epoch's, the same as a one-epoch fit on the same cycle (same split, same
    # initial weights, same first epoch)
    first = plain_classifier(
        **{**params, "max_iter": 1}, early_stopping=True, random_state=0,
        lr_schedule=OneCycle(total_steps=validated.lr_schedule_.total_steps_),
    ).fit(X[:300], y[:300])  # fmt: skip
    assert first.history_["val_loss"] == validated.history_["val_loss"][:1]
    np.testing.assert_array_equal(validated.network_.theta, first.network_.theta)
    np.testing.assert_array_equal(
        validated.predict_proba(X[300:]), first.predict_proba(X[300:])
    )
