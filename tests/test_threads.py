"""BLAS threads inside fit and predict: limited there, restored after, chosen by
timing where more threads may pay (``skdnn._threads``). No timings are asserted:
the probe is driven by a fake clock."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from threadpoolctl import ThreadpoolController, threadpool_limits

import skdnn
from skdnn import DNNClassifier, DNNRegressor, _threads
from skdnn._training import Trainer

SMALL = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)


def _blas_threads():
    return [
        c.num_threads for c in ThreadpoolController().lib_controllers
        if c.user_api == "blas"
    ]  # fmt: skip


@pytest.fixture
def spy(monkeypatch):
    """The BLAS thread counts seen by each training batch and prediction block."""
    seen = {"train": [], "predict": []}
    train_batch = Trainer._train_batch
    forward_blocks = skdnn._fitted._predict.forward_blocks

    def batch(self, *args, **kwargs):
        seen["train"].append(_blas_threads())
        return train_batch(self, *args, **kwargs)

    def blocks(*args, **kwargs):
        seen["predict"].append(_blas_threads())
        return forward_blocks(*args, **kwargs)

    monkeypatch.setattr(Trainer, "_train_batch", batch)
    monkeypatch.setattr(skdnn._fitted._predict, "forward_blocks", blocks)
    return seen


@pytest.fixture
def two_threads():
    """The BLAS pools at 2 threads outside skdnn (the user's setting)."""
    with threadpool_limits(limits=2, user_api="blas"):
        if max(_blas_threads()) < 2:
            pytest.fail("this test needs a BLAS that can run 2 threads")
        yield


def test_fit_and_predict_run_on_one_thread_and_restore_the_callers(spy, two_threads):
    X, y = load_wine(return_X_y=True)
    model = DNNClassifier(**SMALL).fit(X, y)
    assert spy["train"] and all(set(t) == {1} for t in spy["train"])
    assert set(_blas_threads()) == {2}  # the caller's setting, restored
    model.predict_proba(X)
    assert spy["predict"] and all(set(t) == {1} for t in spy["predict"])
    assert set(_blas_threads()) == {2}


def test_a_fit_large_enough_to_gain_from_threads_is_reproducible(spy, two_threads):
    # Digits under the default classifier: products of 3.3e6 multiply-adds, 14
    # batches an epoch, which "fastest" would time on one thread and on two.
    # One product rounds differently on 1 and 2 threads, so "auto" keeps one.
    X, y = load_digits(return_X_y=True)
    fits = [
        DNNClassifier(max_iter=2, random_state=0).fit(X[:1400], y[:1400])
        for _ in range(2)
    ]
    assert all(set(t) == {1} for t in spy["train"])
    np.testing.assert_array_equal(fits[0].network_.theta, fits[1].network_.theta)
    A = np.random.default_rng(0).standard_normal((100, 256), dtype=np.float32)
    B = np.random.default_rng(1).standard_normal((256, 128), dtype=np.float32)
    with threadpool_limits(limits=1, user_api="blas"):
        one = A @ B
    assert not np.array_equal(one, A @ B)  # why: two threads round otherwise


def test_restored_after_a_failed_fit(two_threads):
    X, y = load_wine(return_X_y=True)
    with pytest.raises(skdnn.DivergenceError):
        DNNRegressor(**SMALL, learning_rate=1e30, early_stopping=False).fit(X, y)
    assert set(_blas_threads()) == {2}


@pytest.mark.parametrize("setting, expected", [(None, {2}), (1, {1}), (2, {2})])
def test_an_explicit_setting_is_used_as_is(spy, two_threads, setting, expected):
    X, y = load_wine(return_X_y=True)
    with skdnn.config_context(blas_threads=setting):
        DNNClassifier(**SMALL).fit(X, y)
    assert all(set(t) == expected for t in spy["train"])
    assert set(_blas_threads()) == {2}


def test_config_rejects_what_is_not_a_thread_count():
    for value in (0, -1, "all", 1.5, True):
        with pytest.raises(ValueError, match="blas_threads"):
            skdnn.set_config(blas_threads=value)
    assert skdnn.get_config()["blas_threads"] == "auto"


def test_a_bad_setting_changes_nothing_and_a_bad_environment_falls_back(monkeypatch):
    before = skdnn.get_config()
    with pytest.raises(ValueError, match="blas_threads"):
        with skdnn.config_context(use_numba=False, blas_threads="bad"):
            pass
    for value in ("false", "auto", 0):
        with pytest.raises(ValueError, match="use_numba must be True, False or None"):
            skdnn.set_config(use_numba=value)
    assert skdnn.get_config() == before
    from skdnn import _config

    for value, expected in (
        ("3", 3),
        ("none", None),
        ("auto", "auto"),
        ("Fastest", "fastest"),
    ):
        monkeypatch.setenv("SKDNN_BLAS_THREADS", value)
        assert _config._blas_threads_from_environment() == expected
    for value in ("four", "-3", "0"):
        monkeypatch.setenv("SKDNN_BLAS_THREADS", value)
        with pytest.warns(UserWarning, match="SKDNN_BLAS_THREADS must be"):
            assert _config._blas_threads_from_environment() == "auto"


# 1-epoch fits on raw digits: only their networks' shapes are used
@pytest.mark.filterwarnings(
    "ignore:.*no better than always predicting:sklearn.exceptions.ConvergenceWarning"
)
def test_only_fits_with_products_and_steps_that_may_pay_probe(two_threads):
    X, y = load_digits(return_X_y=True)
    small = DNNClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X[:50], y[:50])
    network = small.network_
    assert _threads.threads_for("fastest", network, 100, batches=18) == (1, False)
    big = DNNClassifier(max_iter=1).fit(X, y).network_  # 64-256-128: 3.3e6 at 100
    assert _threads.threads_for("fastest", big, 100, batches=18) == (1, True)
    assert _threads.threads_for("fastest", big, 100, batches=2) == (1, False)
    # the default never times: one thread, so that a fit is reproducible
    assert _threads.threads_for("auto", big, 100, batches=18) == (1, False)
    assert _threads.threads_for(None, big, 100, batches=18) == (None, False)


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _run_probe(monkeypatch, batch_seconds):
    """Drive a Probe with batch times ``batch_seconds[threads]``; its threads."""
    clock = _Clock()
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    probe = _threads.Probe(2)
    used = []
    while probe.probing:
        probe.before()
        used.append(probe.current)
        clock.now += batch_seconds[probe.current]
        probe.after()
    return probe, used, clock


@pytest.mark.parametrize(
    "seconds, choice",
    [({1: 1.0, 2: 0.6}, 2), ({1: 0.6, 2: 1.0}, 1), ({1: 1.0, 2: 0.95}, 1)],
)
def test_probe_keeps_the_faster_setting(monkeypatch, two_threads, seconds, choice):
    probe, used, _ = _run_probe(monkeypatch, seconds)
    # the epoch's first batch, 3 timed on one thread, 4 on two (the first wakes
    # the pool up and is not counted)
    assert used == [1, 1, 1, 1, 2, 2, 2, 2]
    assert probe.choice == choice
    assert set(_blas_threads()) == {choice}


def test_probe_stops_at_once_on_a_busy_core(monkeypatch, two_threads):
    probe, used, _ = _run_probe(monkeypatch, {1: 1.0, 2: 30.0})
    assert used == [1, 1, 1, 1, 2]  # stops at the first batch on two threads
    assert probe.choice == 1


def test_probe_starts_again_later(monkeypatch, two_threads):
    probe, _, clock = _run_probe(monkeypatch, {1: 0.6, 2: 1.0})
    assert not probe.active
    clock.now += _threads.REPROBE_SECONDS + 1
    assert probe.active and probe.probing


def test_the_kept_pool_is_watched_and_dropped_when_it_slows(monkeypatch, two_threads):
    probe, _, clock = _run_probe(monkeypatch, {1: 1.0, 2: 0.6})
    assert probe.choice == 2 and probe.active  # kept, and watched
    for _ in range(20):  # as fast as in the probe: kept
        probe.before()
        clock.now += 0.6
        probe.after()
    assert probe.choice == 2
    probe.before()
    clock.now += 100.0  # an epoch's first batch (diagnostics): not counted
    probe.after(first=True)
    assert probe.choice == 2
    for _ in range(20):  # the busy core shows: three times slower
        probe.before()
        clock.now += 1.8
        probe.after()
    assert probe.choice == 1 and not probe.active
    assert set(_blas_threads()) == {1}


def _predict(monkeypatch, X, block_seconds, clock=None):
    """``predict_by_blocks`` with a fake clock: per-row seconds by threads
    (a new clock: no earlier choice; a given one: earlier choices kept)."""
    if clock is None:
        clock = _Clock()
        monkeypatch.setattr(_threads, "_predictions", {})
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    used = []

    def run(rows):
        threads = max(_blas_threads())
        used.append(threads)
        clock.now += block_seconds[threads](len(used)) * rows.shape[0]
        return rows * 2.0

    X_digits, y = load_digits(return_X_y=True)
    network = DNNClassifier(max_iter=1).fit(X_digits, y).network_
    out = _threads.predict_by_blocks(run, X, network, "fastest", 100)
    np.testing.assert_array_equal(out, X * 2.0)
    return used


def test_a_large_prediction_keeps_the_faster_setting(monkeypatch, two_threads):
    X = np.arange(1050.0)[:, None]  # 11 blocks of 100 rows, the last of 50
    faster = _predict(monkeypatch, X, {1: lambda k: 1.0, 2: lambda k: 0.5})
    assert faster == [1] + [2] * 10
    slower = _predict(monkeypatch, X, {1: lambda k: 1.0, 2: lambda k: 1.5})
    assert slower == [1, 2] + [1] * 9
    # the pool pays at first, then a busy core shows: back to one thread
    later = {1: lambda k: 1.0, 2: lambda k: 0.5 if k <= 3 else 3.0}
    assert _predict(monkeypatch, X, later) == [1, 2, 2, 2] + [1] * 7
    assert set(_blas_threads()) == {2}  # the caller's setting, restored
    few = _predict(monkeypatch, X[:300], {1: lambda k: 1.0, 2: lambda k: 0.5})
    assert few == [1]  # under 4 blocks: one thread, in one call


def test_a_probing_fit_restores_the_callers_threads(two_threads):
    X, y = load_digits(return_X_y=True)
    model = DNNClassifier(max_iter=3, random_state=0).fit(X, y)
    assert set(_blas_threads()) == {2}
    # the same weights whatever the threads (one and two threads sum alike here)
    with skdnn.config_context(blas_threads=1):
        again = DNNClassifier(max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(
        again.predict_proba(X), model.predict_proba(X), rtol=1e-4, atol=1e-5
    )


def test_a_busy_core_shows_in_one_product_before_any_batch(monkeypatch, two_threads):
    monkeypatch.setattr(_threads, "busy", lambda shape, dtype, size: True)
    clock = _Clock()
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    probe = _threads.Probe(2, shape=(32, 784, 300))
    used = []
    while probe.probing:
        probe.before()
        used.append(probe.current)
        clock.now += 1.0
        probe.after()
    assert used == [1, 1, 1, 1, 1]  # the would-be first pool batch ran on one
    assert probe.choice == 1


def test_the_busy_check_leaves_the_pools_on_one_thread(two_threads):
    _threads.busy((64, 128, 128), np.float32, 2)
    assert set(_blas_threads()) == {1}


def test_a_watched_pool_is_probed_again_when_the_whole_machine_slows(
    monkeypatch, two_threads
):
    probe, _, clock = _run_probe(monkeypatch, {1: 1.0, 2: 0.6})
    assert probe.choice == 2
    slower = {1: 2.0, 2: 1.2}  # both settings slower: the pool still pays
    used = []
    for _ in range(30):
        probe.before()
        threads = probe.current if probe.probing else probe.choice
        used.append(threads)
        clock.now += slower[threads]
        probe.after()
    assert probe.choice == 2 and probe.rechecks == 1  # measured again, kept
    assert 1 in used and used[-10:] == [2] * 10
    # once RECHECKS probes are spent, a pool that loses its lead is dropped
    probe.rechecks = _threads.RECHECKS
    for _ in range(10):  # slower than one thread was (2.0) at the last probe
        probe.before()
        clock.now += 5.0
        probe.after()
        if probe.choice == 1:
            break
    assert probe.choice == 1 and not probe.active and set(_blas_threads()) == {1}


def test_the_next_predictions_reuse_the_choice_for_a_while(monkeypatch, two_threads):
    X = np.arange(1050.0)[:, None]
    clock = _Clock()
    monkeypatch.setattr(_threads, "_predictions", {})
    ms = 1e-3  # per row: a prediction takes a second of the fake clock
    faster = {1: lambda k: ms, 2: lambda k: ms / 2}
    assert _predict(monkeypatch, X, faster, clock) == [1] + [2] * 10
    assert _predict(monkeypatch, X, faster, clock) == [2] * 11  # no probe block
    # the pool, reused, is still watched: a busy core sends it back to one thread
    later = {1: lambda k: ms, 2: lambda k: ms / 2 if k <= 2 else 3 * ms}
    assert _predict(monkeypatch, X, later, clock) == [2, 2, 2] + [1] * 8
    assert _predict(monkeypatch, X, faster, clock) == [1]  # one call, one thread
    clock.now += _threads.REPROBE_SECONDS + 1  # later: probed again
    assert _predict(monkeypatch, X, faster, clock) == [1] + [2] * 10
