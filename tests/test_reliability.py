"""Training that goes wrong: divergence, Ctrl-C, and predictions from many threads."""

import signal
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from skdnn import DivergenceError, DNNAutoencoder, DNNClassifier, DNNRegressor
from skdnn.exceptions import TrainingInterruptedWarning
from skdnn.nn.losses import SquaredError

from .conftest import plain_regressor, require

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::skdnn.exceptions.GradientFlowWarning",
)

# 120 samples (digits120_own_scale) in batches of 10: 12 steps per epoch
N, BATCH = 120, 10


@pytest.fixture(autouse=True)
def interactive_sigint():
    """Ctrl-C as in an interactive session, even under a runner that ignores SIGINT
    (then Python starts without its KeyboardInterrupt handler, and fit leaves the
    runner's choice alone)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupting_schedule(at_step, how):
    """A constant-rate schedule that, at optimizer step ``at_step`` (before that
    step's update), either sends this process SIGINT (a real Ctrl-C) or raises
    KeyboardInterrupt itself (a second Ctrl-C, or one outside the main thread)."""
    fired = []

    def schedule(step):
        if step == at_step and not fired:
            fired.append(step)
            if how == "sigint":
                signal.raise_signal(signal.SIGINT)
            else:
                raise KeyboardInterrupt
        return 1e-2

    return schedule


def _clf(**params):
    return DNNClassifier(
        hidden_layer_sizes=(16,), batch_size=BATCH, random_state=0, **params
    )


def test_ctrl_c_stops_after_the_current_batch_and_keeps_the_model(digits120_own_scale):
    X, y = digits120_own_scale
    # step 26 is batch 3 of epoch 3 (steps 0-11 epoch 1, 12-23 epoch 2)
    clf = _clf(lr_schedule=_interrupting_schedule(26, "sigint"), max_iter=50)
    with pytest.warns(TrainingInterruptedWarning, match=r"in epoch 3 after 3 batch"):
        clf.fit(X, y)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # the batch in progress finished its step, then training stopped
    assert clf.n_steps_ == 27
    assert clf.n_iter_ == 2 == len(clf.loss_curve_)
    assert np.isfinite(clf.predict_proba(X)).all()
    assert clf.score(X, y) > 0.5
    # warm start continues from there
    clf.set_params(warm_start=True, max_iter=2, lr_schedule=None).fit(X, y)
    assert clf.n_iter_ == 4 and clf.n_steps_ == 27 + 2 * N // BATCH


def test_second_interrupt_goes_back_to_the_epoch_start_and_propagates(
    digits120_own_scale,
):
    X, y = digits120_own_scale
    clf = _clf(lr_schedule=_interrupting_schedule(26, "raise"), max_iter=50)
    # a second Ctrl-C propagates (stopping a whole search), the model left usable
    with pytest.raises(KeyboardInterrupt):
        with pytest.warns(TrainingInterruptedWarning, match="from before that epoch"):
            clf.fit(X, y)
    reference = _clf(lr_schedule=lambda step: 1e-2, max_iter=2).fit(X, y)
    np.testing.assert_array_equal(clf.network_.theta, reference.network_.theta)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    assert clf.n_iter_ == 2


def test_interrupt_with_early_stopping_keeps_the_best_validation_epoch(
    digits120_own_scale,
):
    X, y = digits120_own_scale
    params = dict(early_stopping=True, batch_norm="before", dropout=0.2)
    # 108 training samples: 11 steps per epoch; step 60 is in epoch 6
    clf = _clf(lr_schedule=_interrupting_schedule(60, "sigint"), max_iter=50, **params)
    with pytest.warns(TrainingInterruptedWarning, match=r"epoch 6.*best on validation"):
        clf.fit(X, y)
    # the same as training 5 epochs and restoring the best of them
    reference = _clf(lr_schedule=lambda step: 1e-2, max_iter=5, **params).fit(X, y)
    np.testing.assert_array_equal(clf.network_.theta, reference.network_.theta)
    for a, b in zip(clf.network_.state_arrays(), reference.network_.state_arrays()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    assert clf.best_loss_ == reference.best_loss_ == min(clf.history_["val_loss"])


def test_interrupted_partial_fit_and_autoencoder(digits120_own_scale, monkeypatch):
    X, y = digits120_own_scale
    reg = DNNRegressor(
        hidden_layer_sizes=(8,),
        batch_size=BATCH,
        lr_schedule=_interrupting_schedule(3, "sigint"),
        random_state=0,
    )
    with pytest.warns(TrainingInterruptedWarning, match="epoch 1 after 4 batch"):
        reg.partial_fit(X, y.astype(float))
    assert reg.n_steps_ == 4 and np.isfinite(reg.predict(X)).all()

    # a greedy fit: Ctrl-C from the 5th batch's loss, in stage 1
    ae = DNNAutoencoder((8, 4), pretraining="greedy", batch_size=BATCH, max_iter=5)
    original = SquaredError.gradient
    calls = []

    def gradient(self, Z, Y, sample_weight=None):
        calls.append(1)
        if len(calls) == 5:
            signal.raise_signal(signal.SIGINT)
        return original(self, Z, Y, sample_weight)

    monkeypatch.setattr(SquaredError, "gradient", gradient)
    with pytest.warns(TrainingInterruptedWarning, match="greedy stage 1, in epoch 1"):
        ae.fit(X)
    assert ae.n_steps_ == 5
    assert ae.transform(X).shape == (N, 4)
    assert np.isfinite(ae.inverse_transform(ae.transform(X))).all()


def test_regressor_divergence_keeps_finite_weights():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    reg = DNNRegressor(
        hidden_layer_sizes=(32,), optimizer="sgd", learning_rate=5.0, random_state=0
    )
    with pytest.raises(DivergenceError, match=r"epoch \d+.*learning_rate.*clipnorm"):
        reg.fit(X, y / y.std())
    # Ctrl-C handling is undone however fit ends
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert np.isfinite(reg.network_.theta).all()
    assert np.isfinite(reg.predict(X)).all()
    assert reg.n_iter_ == len(reg.loss_curve_)


def test_divergence_with_early_stopping_keeps_finite_weights(digits120_own_scale):
    X, y = digits120_own_scale
    clf = DNNClassifier(
        hidden_layer_sizes=(64, 64),
        optimizer="sgd",
        learning_rate=50.0,
        early_stopping=True,
        random_state=0,
    )
    with pytest.raises(DivergenceError, match=r"epoch \d+"):
        clf.fit(X, y)
    assert np.isfinite(clf.network_.theta).all()
    assert np.isfinite(clf.predict_proba(X)).all()


def test_divergence_under_early_stopping_keeps_the_best_validation_epoch(
    digits120_own_scale,
):
    X, y = digits120_own_scale
    params = dict(early_stopping=True, max_iter=50, optimizer="sgd")

    def rising(step):  # trains, then diverges: the schedule's own rate is named
        return 5e-2 if step < 60 else 1e6

    clf = _clf(lr_schedule=rising, **params)
    with pytest.raises(
        DivergenceError,
        match=r"the weights of epoch \d+, the best on validation.*"
        r"the rate in force was 1e\+06",
    ):
        clf.fit(X, y)
    best = int(np.argmin(clf.history_["val_loss"])) + 1
    reference = _clf(lr_schedule=lambda step: 5e-2, **{**params, "max_iter": best})
    reference.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


class _Raises:
    """A scikit-learn callback that raises ``error`` at the end of epoch ``at``."""

    def __init__(self, at, error):
        self.at, self.error = at, error

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "epoch" and len(estimator.history_["loss"]) == self.at:
            raise self.error


def test_an_error_from_user_code_leaves_a_consistent_estimator(digits120_own_scale):
    require("sklearn.callback")  # scikit-learn >= 1.9
    X, y = digits120_own_scale
    clf = _clf(max_iter=10, lr_schedule=None)
    clf.set_callbacks(_Raises(3, RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(X, y)
    # fitted with the weights of epoch 3, every attribute from that fit
    reference = _clf(max_iter=3, lr_schedule=None).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    assert clf.loss_curve_ == reference.loss_curve_ and clf.n_iter_ == 3

    def broken(step):  # a callable schedule failing mid-epoch
        if step == 15:
            raise ValueError("bad schedule")
        return 1e-2

    clf = _clf(max_iter=10, lr_schedule=broken)
    with pytest.raises(ValueError, match="bad schedule"):
        clf.fit(X, y)
    reference = _clf(max_iter=1, lr_schedule=lambda step: 1e-2).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


def test_a_keyboard_interrupt_from_a_callback_is_a_second_ctrl_c(digits120_own_scale):
    require("sklearn.callback")
    X, y = digits120_own_scale
    clf = _clf(max_iter=10, lr_schedule=None, early_stopping=True)
    clf.set_callbacks(_Raises(4, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        with pytest.warns(TrainingInterruptedWarning, match="after epoch 4.*best on"):
            clf.fit(X, y)
    assert clf.n_iter_ == 4 and np.isfinite(clf.predict_proba(X)).all()


def test_data_too_large_for_float32_is_not_blamed_on_the_learning_rate(
    digits120_own_scale,
):
    X, y = digits120_own_scale
    # no input scaling (the old default), which would bring X back to unit scale:
    # the scale warning comes first, then the error
    with (
        pytest.warns(UserWarning, match="far from unit scale"),
        pytest.raises(DivergenceError, match="before any training step.*float64"),
    ):
        plain_regressor(hidden_layer_sizes=(8,), max_iter=2).fit(X * 1e30, y)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"batch_norm": "before", "dropout": 0.3},
        {"batch_norm": "after", "input_dropout": 0.2, "activation": "selu"},
    ],
)
def test_predictions_from_many_threads_are_identical(digits120_own_scale, params):
    X, y = digits120_own_scale
    clf = _clf(max_iter=5, **params).fit(X, y)
    reg = DNNRegressor(hidden_layer_sizes=(16,), max_iter=5, random_state=0, **params)
    reg.fit(X, y.astype(float))
    calls = [
        lambda: clf.predict(X),
        lambda: clf.predict_proba(X),
        lambda: reg.predict(X),
    ]
    if params:  # with dropout: Monte Carlo predictions too
        calls += [
            lambda: clf.predict_proba(X, mc_samples=10),
            lambda: reg.predict(X, return_std=True, mc_samples=10),
        ]
    expected = [call() for call in calls]
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [
            (i, pool.submit(calls[i])) for _ in range(8) for i in range(len(calls))
        ]
        for i, future in futures:
            np.testing.assert_array_equal(
                np.asarray(future.result()), np.asarray(expected[i])
            )
