"""Gradient-flow diagnostics in history_ and the warning they raise."""

import warnings

import numpy as np
import pytest

from skdnn import DNNClassifier, GradientFlowWarning
from skdnn._diagnostics import gradient_flow_problems

from .conftest import plain_classifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def normal_01(shape, rng):
    """The pre-2010 initialisation the chapter starts from: N(0, 1) weights."""
    return rng.standard_normal(shape)


def _fit_recording_warnings(X, y, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = plain_classifier(
            hidden_layer_sizes=(100,) * 10, max_iter=2, random_state=0, **params
        ).fit(X, y)
    flow = [w for w in caught if issubclass(w.category, GradientFlowWarning)]
    return clf, flow


def test_logistic_with_normal_init_warns_of_vanishing_gradients(digits):
    X, y = digits
    clf, flow = _fit_recording_warnings(
        X, y, activation="logistic", kernel_initializer=normal_01
    )
    assert len(flow) == 1, "warns exactly once per fit"
    message = str(flow[0].message)
    assert "vanishing gradients" in message and "kernel_initializer='auto'" in message
    # about half of each layer's logistic units are saturated at N(0, 1)
    assert clf.history_["saturated_1"][0] > 0.3


def test_he_elu_network_of_the_same_shape_does_not_warn(digits):
    X, y = digits
    clf, flow = _fit_recording_warnings(
        X, y, activation="elu", kernel_initializer="he_normal"
    )
    assert flow == []
    h = clf.history_
    assert 0.1 < h["grad_rms_1"][0] / h["grad_rms_10"][0] < 10
    assert max(h[f"saturated_{k}"][0] for k in range(1, 11)) < 0.05


def test_logistic_with_glorot_warns_from_the_gradient_ratio(digits):
    """Glorot keeps logistic units out of saturation, but their derivative is at
    most 1/4, so gradients still shrink layer after layer (measured ratio ~1e-5)."""
    X, y = digits
    clf, flow = _fit_recording_warnings(
        X, y, activation="logistic", kernel_initializer="glorot_uniform"
    )
    assert len(flow) == 1 and "times the top hidden layer's" in str(flow[0].message)
    assert clf.history_["grad_rms_1"][0] < 1e-3 * clf.history_["grad_rms_10"][0]


def test_history_has_one_value_per_epoch_and_layer(digits):
    X, y = digits
    clf = plain_classifier(hidden_layer_sizes=(32, 16), max_iter=4, random_state=0)
    clf.fit(X, y)
    for key in ("grad_rms", "act_mean", "act_std", "saturated", "dead"):
        for k in (1, 2):
            values = clf.history_[f"{key}_{k}"]
            assert len(values) == clf.n_iter_ and np.isfinite(values).all()
    assert "grad_rms_3" not in clf.history_  # the output layer is not hidden
    # ReLU activations are non-negative; their std is positive while units live
    assert min(clf.history_["act_mean_1"]) >= 0 and min(clf.history_["act_std_1"]) > 0


def test_dead_relu_units_are_counted_and_reported():
    history = {"loss": [1.0], "grad_rms_1": [1.0], "grad_rms_2": [1.0]}
    history.update({"saturated_1": [0.0], "dead_1": [0.8]})
    history.update({"saturated_2": [0.0], "dead_2": [0.0]})
    ((kind, problem),) = gradient_flow_problems(history, [0])
    assert kind == "dead"
    assert (
        "80% of hidden layer 1's units pass no gradient (derivative below 0.01) "
        "for any sample of a batch"
    ) in problem


def test_exploding_ratio_is_reported():
    history = {"grad_rms_1": [5e3], "grad_rms_2": [1.0]}
    ((kind, problem),) = gradient_flow_problems(history, [0])
    assert kind == "exploding"
    assert problem.startswith("exploding gradients")


def test_exploding_activations_are_reported(digits):
    # N(0, 1) weights under ELU: each layer of 100 units multiplies the scale by
    # about 10; the gradient ratio stays near 1, as every layer's is huge.
    X, y = digits
    clf, flow = _fit_recording_warnings(
        X, y, activation="elu", kernel_initializer=normal_01
    )
    assert len(flow) == 1
    assert str(flow[0].message).startswith(
        "DNNClassifier: exploding activations: in epoch 1 hidden layer"
    )
    assert clf.history_["act_std_10"][0] > 1e3
    assert clf.score(X, y) < 0.5  # a failed fit, which nothing else reported


def test_saturation_late_in_a_fit_that_converged_is_not_reported():
    history = {"grad_rms_1": [1.0, 1.0], "grad_rms_2": [1.0, 1.0]}
    history.update({"saturated_1": [0.0, 0.4], "dead_1": [0.0, 0.0]})
    history.update({"saturated_2": [0.0, 0.0], "dead_2": [0.0, 0.0]})
    assert gradient_flow_problems(history, [0, 1]) == []
    history["saturated_1"][0] = 0.4  # at the start: the initialization's problem
    ((kind, _),) = gradient_flow_problems(history, [0, 1])
    assert kind == "saturated"


def test_diagnostics_off_records_and_warns_nothing(digits):
    X, y = digits
    clf, flow = _fit_recording_warnings(
        X, y, activation="logistic", kernel_initializer=normal_01, diagnostics=False
    )
    assert flow == []
    assert not any(key.startswith("grad_rms") for key in clf.history_)


def test_diagnostics_do_not_change_training(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(32,), max_iter=3, random_state=0)
    on = DNNClassifier(**params).fit(X, y)
    off = DNNClassifier(diagnostics=False, **params).fit(X, y)
    np.testing.assert_array_equal(on.network_.theta, off.network_.theta)
