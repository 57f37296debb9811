"""Reusing pretrained layers: per-segment learning rates, freezing, caching,
transfer between estimators, partial_fit and warm start."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import StandardScaler

from skdnn import (
    SGD,
    DNNAutoencoder,
    DNNClassifier,
    DNNRegressor,
    UnusedParameterWarning,
)
from skdnn._training import Trainer, TrainingPlan, TrainingState
from skdnn.nn.dropout import Dropout
from skdnn.nn.optimizers import Adam, Nadam

from .conftest import plain_classifier, task_b

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _reused_params(est, n_dense):
    return [
        layer.params[name].copy()
        for layer in est.network_.layers
        if layer.params
        for name in sorted(layer.params)
    ][: 2 * n_dense]


# -- optimizer: per-segment learning rates (known answers) -----------------------------
THETA0 = np.array([0.5, -1.2, 2.0, 0.0, -0.3, 1.7])
SEGMENTS = [(0, 2, 1.0), (2, 6, 0.1)]


def _grads(n_steps=4):
    rng = np.random.RandomState(0)
    return [rng.normal(size=THETA0.size) for _ in range(n_steps)]


def test_sgd_segment_step_scales_the_learning_rate():
    theta, g = THETA0.copy(), np.arange(1.0, 7.0)
    opt = SGD(learning_rate=0.5).build(theta.size, np.float64)
    opt.step(theta, g.copy(), segments=SEGMENTS)
    factors = np.array([1, 1, 0.1, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(theta, THETA0 - 0.5 * factors * g, rtol=0, atol=1e-15)
    assert opt.iterations == 1


@pytest.mark.parametrize(
    "make", [lambda: Nadam(learning_rate=0.01), lambda: Adam(0.01, weight_decay=0.1)]
)
def test_segmented_step_equals_separate_optimizers(make):
    # Each segment must behave like its own optimizer at factor * lr, with the
    # per-step state (t, Nadam's momentum product) advanced once per step.
    theta = THETA0.copy()
    opt = make().build(theta.size, np.float64)
    parts = []
    for begin, end, factor in SEGMENTS:
        sub = make()
        sub.learning_rate *= factor
        parts.append((slice(begin, end), sub.build(end - begin, np.float64)))
    ref = THETA0.copy()
    for g in _grads():
        opt.step(theta, g.copy(), segments=SEGMENTS)
        for s, sub in parts:
            sub.step(ref[s], g[s].copy())
    np.testing.assert_allclose(theta, ref, rtol=1e-12, atol=1e-15)
    assert opt.iterations == 4
    if isinstance(opt, Nadam):
        assert opt.mu_product == pytest.approx(parts[0][1].mu_product, rel=1e-15)


def test_unit_segments_equal_no_segments_and_clipping_is_global():
    a, b = THETA0.copy(), THETA0.copy()
    opt_a = Nadam(learning_rate=0.01, global_clipnorm=0.5).build(6, np.float64)
    opt_b = Nadam(learning_rate=0.01, global_clipnorm=0.5).build(6, np.float64)
    for g in _grads():
        opt_a.step(a, g.copy(), start=1, segments=[(1, 3, 1.0), (3, 6, 1.0)])
        opt_b.step(b, g.copy(), start=1)
    np.testing.assert_array_equal(a, b)
    assert a[0] == THETA0[0]


def test_segments_must_tile_the_trainable_range():
    opt = SGD().build(6, np.float64)
    with pytest.raises(ValueError, match="tile"):
        opt.step(THETA0.copy(), np.ones(6), segments=[(0, 2, 1.0), (3, 6, 0.1)])
    with pytest.raises(ValueError, match="tile"):
        opt.step(THETA0.copy(), np.ones(6), start=2, segments=[(0, 6, 1.0)])


# -- freezing and unfreezing ------------------------------------------------------------
def test_frozen_layers_do_not_change_then_do_after_unfreezing(
    digits32, digits32_source
):
    X_b, y_b = task_b(digits32, n=40)
    before = _reused_params(digits32_source, 2)
    clf = DNNClassifier(
        hidden_layer_sizes=(),
        transfer_from=digits32_source,
        freeze_epochs=3,
        random_state=0,
    )
    for _ in range(3):
        clf.partial_fit(X_b, y_b, classes=[8, 9])
        for a, b in zip(before, _reused_params(clf, 2)):
            np.testing.assert_array_equal(a, b)
    output_before = clf.coefs_[-1].copy()
    clf.partial_fit(X_b, y_b)
    changed = [not np.array_equal(a, b) for a, b in zip(before, _reused_params(clf, 2))]
    assert all(changed)
    assert not np.array_equal(output_before, clf.coefs_[-1])
    assert clf.n_transferred_layers_ == 2 and clf.n_iter_ == 4


def test_freeze_none_keeps_frozen_and_zero_never_freezes(digits32, digits32_source):
    X_b, y_b = task_b(digits32, n=40)
    before = _reused_params(digits32_source, 2)
    frozen = DNNClassifier(
        hidden_layer_sizes=(8,), transfer_from=digits32_source,
        freeze_epochs=None, max_iter=5, random_state=0,
    ).fit(X_b, y_b)  # fmt: skip
    for a, b in zip(before, _reused_params(frozen, 2)):
        np.testing.assert_array_equal(a, b)
    # warm start keeps counting epochs from the transfer: still frozen
    frozen.set_params(warm_start=True).fit(X_b, y_b)
    assert frozen.n_iter_ == 10
    for a, b in zip(before, _reused_params(frozen, 2)):
        np.testing.assert_array_equal(a, b)
    # new layers on top of the reused ones: 32, 16 (reused), 8 (new), output
    assert [c.shape[1] for c in frozen.coefs_] == [32, 16, 8, 1]

    free = DNNClassifier(
        hidden_layer_sizes=(),
        transfer_from=digits32_source,
        freeze_epochs=0,
        max_iter=1,
        random_state=0,
    ).fit(X_b, y_b)
    assert not np.array_equal(before[0], free.coefs_[0])


def test_reused_rate_factor_scales_the_first_sgd_step(digits32, digits32_source):
    # One full-batch SGD step: same initial weights and gradients whatever the
    # factor, so the reused layers' step is exactly factor times the full one.
    X_b, y_b = task_b(digits32, n=40)
    steps = {}
    for factor in (1.0, 0.25):
        clf = DNNClassifier(
            hidden_layer_sizes=(),
            transfer_from=digits32_source,
            freeze_epochs=0,
            reused_learning_rate_factor=factor,
            optimizer="sgd",
            learning_rate=0.1,
            dtype="float64",
            shuffle=False,
            max_iter=1,
            random_state=0,
        ).fit(X_b, y_b)
        steps[factor] = [c - s for c, s in zip(clf.coefs_, digits32_source.coefs_)][:2]
        steps[factor, "out"] = clf.coefs_[-1]
    for full, slow in zip(steps[1.0][:2], steps[0.25][:2]):
        np.testing.assert_allclose(slow, 0.25 * full, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(steps[1.0, "out"], steps[0.25, "out"], rtol=1e-12)


def test_patience_restarts_when_the_reused_layers_unfreeze(digits32, digits32_source):
    X_b, y_b = task_b(digits32, n=40)
    # tol so large that no epoch after the first counts as an improvement; no
    # schedule (the old default: 1cycle would run its whole budget)
    params = dict(hidden_layer_sizes=(), n_iter_no_change=2, tol=1e9, random_state=0)
    assert plain_classifier(**params).fit(X_b, y_b).n_iter_ == 3
    clf = plain_classifier(
        transfer_from=digits32_source,
        freeze_epochs=5,
        # the source's input layers come along: the same settings, no warning
        input_scaling="auto",
        numeric_embedding="auto",
        **params,
    )
    clf.fit(X_b, y_b)
    assert clf.n_iter_ == 7  # 5 frozen epochs, then its own patience of 2


# -- caching the frozen layers' outputs ---------------------------------------------------
def test_cached_frozen_epoch_equals_uncached(digits32, digits32_source):
    # Only deterministic layers are cached: a source without dropout. (The
    # ``digits32_source`` fixture has the default dropout: its frozen layers are
    # recomputed every batch, and the other tests check they stay frozen all the
    # same.)
    X_b, y_b = task_b(digits32)
    plain = clone(digits32_source).set_params(dropout=0.0, max_iter=5)
    plain.fit(*task_b(digits32))
    clf = DNNClassifier(
        hidden_layer_sizes=(8,), transfer_from=plain, max_iter=1, random_state=0
    ).fit(X_b, y_b)
    Y = clf._label_binarizer.transform(y_b).astype(np.float32)
    results = []
    for cached in (True, False):
        net = copy.deepcopy(clf.network_)
        if not cached:
            for layer in net.layers[:4]:
                layer.deterministic = False  # instance flag: forces the full forward
        trainer = _trainer(net, clf.loss_function_, Nadam(learning_rate=0.01), 32, 4)
        for epoch in (1, 2):
            trainer.train_epoch(X_b, Y, None, epoch)
        assert bool(trainer._cache) == cached
        results.append(net.theta)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
    offset = clf.network_.param_offset(4)
    np.testing.assert_array_equal(results[0][:offset], clf.network_.theta[:offset])
    assert not np.array_equal(results[0][offset:], clf.network_.theta[offset:])


# -- the source is never modified --------------------------------------------------------
def test_source_predictions_are_identical_after_transfer(digits32, digits32_source):
    X_tr, X_te, _, _ = digits32
    X_b, y_b = task_b(digits32, n=40)
    proba = digits32_source.predict_proba(X_te)
    theta = digits32_source.network_.theta.copy()
    DNNClassifier(
        hidden_layer_sizes=(),
        transfer_from=digits32_source,
        freeze_epochs=1,
        reused_learning_rate_factor=1.0,
        max_iter=5,
        random_state=0,
    ).fit(X_b, y_b)
    y_reg = X_tr[:, 10] + X_tr[:, 20]
    DNNRegressor(
        hidden_layer_sizes=(4,), transfer_from=digits32_source, freeze_epochs=0,
        max_iter=3, ensemble_size=1,
    ).fit(X_tr, y_reg)  # fmt: skip
    np.testing.assert_array_equal(digits32_source.predict_proba(X_te), proba)
    np.testing.assert_array_equal(digits32_source.network_.theta, theta)


def test_transfer_layers_reuses_only_the_lowest(digits32, digits32_source):
    X_b, y_b = task_b(digits32, n=40)
    clf = DNNClassifier(
        hidden_layer_sizes=(5,),
        transfer_from=digits32_source,
        transfer_layers=1,
        max_iter=2,
    ).fit(X_b, y_b)
    assert [c.shape[1] for c in clf.coefs_] == [32, 5, 1]
    np.testing.assert_array_equal(clf.coefs_[0], digits32_source.coefs_[0])
    assert clf.n_transferred_layers_ == 1
    none = DNNClassifier(transfer_from=digits32_source, transfer_layers=0, max_iter=1)
    assert none.fit(X_b, y_b).n_transferred_layers_ == 0


def test_frozen_estimator_survives_clone(digits32, digits32_source):
    X_b, y_b = task_b(digits32, n=40)
    clf = DNNClassifier(
        hidden_layer_sizes=(),
        transfer_from=FrozenEstimator(digits32_source),
        max_iter=2,
    )
    fitted = clone(clf).fit(X_b, y_b)
    np.testing.assert_array_equal(fitted.coefs_[0], digits32_source.coefs_[0])
    with pytest.raises(Exception, match="FrozenEstimator"):
        clone(clf.set_params(transfer_from=digits32_source)).fit(X_b, y_b)


def test_transfer_errors_say_what_to_change(digits32, digits32_source):
    X_b, y_b = task_b(digits32, n=40)
    with pytest.raises(ValueError, match="fitted on 64 features but X has 10"):
        DNNClassifier(transfer_from=digits32_source).fit(X_b[:, :10], y_b)
    with pytest.raises(ValueError, match="only 2 reusable hidden layers"):
        DNNClassifier(transfer_from=digits32_source, transfer_layers=3).fit(X_b, y_b)
    with pytest.raises(TypeError, match="DNNClassifier, DNNRegressor or"):
        DNNClassifier(transfer_from=StandardScaler().fit(X_b)).fit(X_b, y_b)
    with pytest.raises(ValueError, match="reused_learning_rate_factor"):
        DNNClassifier(reused_learning_rate_factor=0).fit(X_b, y_b)


def test_transfer_checks_the_column_names_and_names_ignored_input_settings(
    digits32, digits32_source
):
    pd = pytest.importorskip("pandas")
    X_b, y_b = task_b(digits32, n=40)
    frame = pd.DataFrame(X_b, columns=[f"p{j}" for j in range(64)])
    source = DNNClassifier(hidden_layer_sizes=(16,), max_iter=2, random_state=0)
    source.fit(frame, y_b)
    with pytest.raises(ValueError, match="column 0 is 'p0' there and 'p63' in X"):
        DNNClassifier(transfer_from=source, max_iter=1).fit(frame.iloc[:, ::-1], y_b)
    DNNClassifier(transfer_from=source, max_iter=1).fit(frame, y_b)  # same columns
    # the source's input layers come along: other settings of them do nothing
    with pytest.warns(UnusedParameterWarning, match="input_dropout=0.3: with "
                      "transfer_from the input layers are the source's"):  # fmt: skip
        DNNClassifier(transfer_from=source, input_dropout=0.3, max_iter=1).fit(
            frame, y_b
        )


def test_default_freezes_four_epochs_then_trains_every_layer_at_the_full_rate(
    digits32, digits32_source
):
    X_b, y_b = task_b(digits32, n=40)
    before = _reused_params(digits32_source, 2)
    model = DNNClassifier(transfer_from=digits32_source, max_iter=4, random_state=0)
    model.fit(X_b, y_b)  # the chapter's recipe: 4 epochs frozen
    for a, b in zip(before, _reused_params(model, 2)):
        np.testing.assert_array_equal(a, b)
    assert model.get_params()["reused_learning_rate_factor"] == 1.0
    model.set_params(warm_start=True, max_iter=1).fit(X_b, y_b)  # epoch 5: all
    assert all(
        not np.array_equal(a, b) for a, b in zip(before, _reused_params(model, 2))
    )


def test_auxiliary_task_pretraining(digits32):
    # Plenty of samples labelled for an auxiliary task (which half of the digits32),
    # few labelled for the main one: reuse the auxiliary network's hidden layers.
    X_tr, X_te, y_tr, y_te = digits32
    aux = DNNClassifier(hidden_layer_sizes=(64,), max_iter=20, random_state=0)
    aux.fit(X_tr, y_tr >= 5)
    rng = np.random.RandomState(0)
    few = np.concatenate([rng.choice(np.flatnonzero(y_tr == c), 5) for c in range(10)])
    main = DNNClassifier(
        hidden_layer_sizes=(),
        transfer_from=aux,
        freeze_epochs=None,
        learning_rate=0.01,
        max_iter=60,
        random_state=0,
    ).fit(X_tr[few], y_tr[few])
    np.testing.assert_array_equal(main.coefs_[0], aux.coefs_[0])  # still frozen
    assert main.coefs_[-1].shape == (64, 10)
    assert main.score(X_te, y_te) > 0.6


# -- partial_fit --------------------------------------------------------------------------
def test_partial_fit_over_mini_batches_matches_fit(digits32):
    X_tr, X_te, y_tr, y_te = digits32
    params = dict(hidden_layer_sizes=(64,), batch_size=64, random_state=0)
    fitted = DNNClassifier(max_iter=15, **params).fit(X_tr, y_tr)
    # one 1cycle over the 75 calls planned, as the fit's over its 15 epochs
    streamed = DNNClassifier(max_iter=75, **params)
    chunks = np.array_split(np.arange(len(X_tr)), 5)
    for _ in range(15):
        for idx in chunks:
            streamed.partial_fit(X_tr[idx], y_tr[idx], classes=np.arange(10))
    assert streamed.n_iter_ == 75 and len(streamed.loss_curve_) == 75
    assert streamed.score(X_te, y_te) >= fitted.score(X_te, y_te) - 0.02
    assert streamed.score(X_te, y_te) > 0.94


def test_partial_fit_names_early_stopping_as_unused(digits32):
    X_tr, _, y_tr, _ = digits32
    clf = DNNClassifier(hidden_layer_sizes=(8,), early_stopping=True, random_state=0)
    with pytest.warns(UnusedParameterWarning, match="early_stopping=True: "
                      "partial_fit holds out no validation set"):  # fmt: skip
        clf.partial_fit(X_tr, y_tr, classes=np.arange(10))
    assert clf.validation_scores_ is None


def test_partial_fit_classes_are_required_and_checked(digits32):
    X_tr, _, y_tr, _ = digits32
    clf = DNNClassifier(hidden_layer_sizes=(8,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X_tr, y_tr)
    clf.partial_fit(X_tr[y_tr < 3], y_tr[y_tr < 3], classes=[0, 1, 2, 3])
    assert clf.classes_.tolist() == [0, 1, 2, 3]
    clf.partial_fit(X_tr[y_tr == 3], y_tr[y_tr == 3])  # a chunk of one class
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X_tr[:5], y_tr[:5], classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.partial_fit(X_tr[y_tr == 5], y_tr[y_tr == 5])
    assert clf.n_iter_ == 2


def test_regressor_partial_fit_and_warm_start(digits32):
    X_tr, _, _, _ = digits32
    y = X_tr[:, 10] - X_tr[:, 30]
    reg = DNNRegressor(hidden_layer_sizes=(16,), learning_rate=0.01, random_state=0)
    for _ in range(10):
        reg.partial_fit(X_tr, y)
    assert reg.n_iter_ == 10 and reg.score(X_tr, y) > 0.9
    # the warm fit runs a new 1cycle (the default schedule) over its 5 epochs
    warm = DNNRegressor(
        hidden_layer_sizes=(16,), learning_rate=0.01, max_iter=5, random_state=0
    )
    warm.fit(X_tr, y)
    first = warm.loss_
    warm.set_params(warm_start=True).fit(X_tr, y)
    assert warm.n_iter_ == 10 and warm.loss_ < first


def test_frozen_batch_norm_runs_in_inference_mode_and_is_cached(digits32):
    """As in Keras, a frozen BN layer normalises with its moving statistics and
    does not update them; with no dropout below, the frozen output is cached."""
    X_tr, _, y_tr, _ = digits32
    # the old defaults: Dense, BN, ReLU (no input scaling below, no dropout above)
    bn_source = plain_classifier(
        hidden_layer_sizes=(16,), batch_norm="before", max_iter=5, random_state=0
    ).fit(X_tr[y_tr < 8], y_tr[y_tr < 8])
    X_b, y_b = task_b(digits32, n=40)
    clf = plain_classifier(
        hidden_layer_sizes=(), transfer_from=bn_source, max_iter=3, random_state=0
    ).fit(X_b, y_b)
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_array_equal(
            clf.network_.layers[1].state[name], bn_source.network_.layers[1].state[name]
        )
    Y = clf._label_binarizer.transform(y_b).astype(np.float32)
    trainer = _trainer(clf.network_, clf.loss_function_, Nadam(), 16, 3)
    trainer.train_epoch(X_b, Y, None, 1)
    assert trainer._cache


def test_validation_output_of_frozen_layers_is_cached(
    digits32, digits32_source, monkeypatch
):
    # While the reused layers are frozen, early stopping's validation pass runs only
    # the layers above them (after the first epoch), with the same losses.
    X_b, y_b = task_b(digits32)
    params = dict(
        hidden_layer_sizes=(8,),
        transfer_from=digits32_source,
        freeze_epochs=3,
        early_stopping=True,
        max_iter=5,
        random_state=0,
    )
    calls = []
    # the lowest reused layer that trains once unfrozen (input scaling below it
    # is computed once per data set in any case)
    index = next(i for i, layer in enumerate(digits32_source.network_.layers)
                 if layer.params)  # fmt: skip
    bottom = type(digits32_source.network_.layers[index])
    original = bottom.forward

    def counting_forward(self, X, **kwargs):
        if not kwargs.get("training", False):
            calls.append((self, X.shape[0]))
        return original(self, X, **kwargs)

    monkeypatch.setattr(bottom, "forward", counting_forward)
    cached = DNNClassifier(**params).fit(X_b, y_b)
    n_val = int(np.ceil(0.1 * len(y_b)))  # validation_fraction=0.1
    # validation through the reused first layer: once while frozen, then each epoch
    first = cached.network_.layers[index]
    assert [n for layer, n in calls if layer is first].count(n_val) == 1 + (5 - 3)

    monkeypatch.setattr(
        Trainer,
        "predict",
        lambda self, X_val, n_frozen: self.state.network.forward(X_val, training=False),
    )
    plain = DNNClassifier(**params).fit(X_b, y_b)
    np.testing.assert_array_equal(
        cached.history_["val_loss"], plain.history_["val_loss"]
    )
    np.testing.assert_array_equal(cached.network_.theta, plain.network_.theta)


def _trainer(network, loss, optimizer, batch_size, n_frozen):
    """A trainer whose lowest ``n_frozen`` layers stay frozen."""
    state = TrainingState(network, optimizer.build(network.theta.size, network.dtype))
    plan = TrainingPlan(loss=loss, batch_size=batch_size, max_epochs=1)
    network.frozen = n_frozen  # what the Unfreezer hook sets for an epoch
    return Trainer(state, plan, np.random.RandomState(0))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_denoising_autoencoders_input_dropout_comes_along(digits32):
    # Keras' Sequential(model_A.layers[:-1]): the reused block keeps its input
    # dropout, active in training only (docs/transfer.md).
    X, _, y, _ = digits32
    ae = DNNAutoencoder((16, 8), input_dropout=0.4, max_iter=2, random_state=0)
    clf = DNNClassifier(hidden_layer_sizes=(), transfer_from=ae.fit(X), max_iter=2)
    clf.set_params(random_state=0).fit(X[:100], y[:100])
    first = clf.network_.layers[0]
    assert isinstance(first, Dropout) and first.rate == 0.4
    assert np.array_equal(clf.predict_proba(X[:50]), clf.predict_proba(X[:50]))


def test_a_stream_is_told_when_its_1cycle_has_run_its_course(digits32):
    X_tr, X_te, y_tr, y_te = digits32
    chunks = np.array_split(np.arange(len(X_tr)), len(X_tr) // 20)
    cycled = DNNClassifier(max_iter=10, random_state=0)
    constant = DNNClassifier(lr_schedule=None, learning_rate=1e-3, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, idx in enumerate(chunks):
            for est in (cycled, constant):
                est.partial_fit(X_tr[idx], y_tr[idx], classes=np.arange(10))
            if i == 9:
                frozen = cycled.predict_proba(X_te)
    told = [str(w.message) for w in caught if "ran its course" in str(w.message)]
    assert len(told) == 1 and "lr_schedule=None" in told[0]
    assert cycled.history_["lr"][-1] < 1e-6  # lr / 10^4, after 10 calls
    # later calls barely moved it; the constant rate went on learning
    assert np.abs(cycled.predict_proba(X_te) - frozen).max() < 0.05
    assert constant.score(X_te, y_te) > cycled.score(X_te, y_te)
