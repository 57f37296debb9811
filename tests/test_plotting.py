"""skdnn.plotting: what the returned Axes hold is what history_ recorded."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import (
    DNNClassifier,
    DNNRegressor,
    GradientFlowWarning,
    ReduceLROnPlateau,
    find_learning_rate,
)
from skdnn.plotting import (
    plot_gradient_flow,
    plot_learning_curves,
    plot_learning_rate,
    plot_lr_finder,
)

from .conftest import require

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)


@pytest.fixture(autouse=True)
def agg():
    mpl = require("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def _fit(est, X=X, y=y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", GradientFlowWarning)
        return est.fit(X, y)


@pytest.fixture(scope="module")
def early_stopped():
    clf = DNNClassifier(
        hidden_layer_sizes=(8, 8, 8),
        early_stopping=True,
        max_iter=6,
        random_state=0,
    )
    return _fit(clf)


def _ydata(line):
    return np.asarray(line.get_ydata(), dtype=float)


def test_learning_curves(early_stopped):
    history = early_stopped.history_
    ax = plot_learning_curves(early_stopped)
    train, val = ax.get_lines()
    np.testing.assert_allclose(_ydata(train), history["loss"])
    np.testing.assert_allclose(_ydata(val), history["val_loss"])
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, 7))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    # the validation score on a twin axis sharing the epochs
    twin = ax.figure.axes[-1]
    assert twin is not ax and twin.get_ylabel() == "validation score"
    np.testing.assert_allclose(_ydata(twin.get_lines()[0]), history["val_score"])
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["training loss", "validation loss", "validation score"]


def test_learning_curves_without_validation_draws_on_given_axes():
    import matplotlib.pyplot as plt

    reg = DNNRegressor(
        hidden_layer_sizes=(8,), early_stopping=False, max_iter=4, random_state=0
    )
    pipe = _fit(make_pipeline(StandardScaler(), reg))
    fig, axes = plt.subplots(1, 2)
    ax = plot_learning_curves(pipe, axes[1])
    assert ax is axes[1] and len(fig.axes) == 2  # no twin axis
    (line,) = ax.get_lines()
    np.testing.assert_allclose(_ydata(line), reg.history_["loss"])


def test_learning_rate_per_epoch_and_per_step():
    clf = DNNClassifier(
        hidden_layer_sizes=(8,),
        lr_schedule="exponential",
        batch_size=32,
        max_iter=5,
        random_state=0,
    )
    _fit(clf)
    ax = plot_learning_rate(clf)
    steps, epochs = ax.get_lines()
    np.testing.assert_allclose(_ydata(epochs), clf.history_["lr"])
    expected = [clf.lr_schedule_(s) for s in range(clf.n_steps_)]
    np.testing.assert_allclose(_ydata(steps), expected)
    assert len(expected) == clf.n_steps_ > clf.n_iter_
    # the last step of each epoch is drawn at that epoch, where history_ has it
    x = np.asarray(steps.get_xdata())
    last = np.isin(x, np.arange(1, 6))
    np.testing.assert_allclose(_ydata(steps)[last], clf.history_["lr"], rtol=1e-6)
    assert ax.get_ylabel() == "learning rate"


def test_learning_rate_after_a_warm_fit_draws_the_new_cycle_where_it_ran():
    clf = DNNClassifier(
        hidden_layer_sizes=(8,),
        batch_size=32,
        max_iter=4,
        warm_start=True,
        random_state=0,
    )
    _fit(_fit(clf))  # two 1cycles, the second from step n_steps_ / 2
    steps, epochs = plot_learning_rate(clf).get_lines()
    x = np.asarray(steps.get_xdata())
    assert x.min() > 4 and x.max() == 8  # epochs 5-8: the second cycle
    last = np.isin(x, np.arange(5, 9))
    np.testing.assert_allclose(_ydata(steps)[last], clf.history_["lr"][4:], rtol=1e-6)


def test_learning_rate_without_known_steps():
    # no schedule: only history_; a loss-driven schedule: its past is unknown
    for schedule in [None, ReduceLROnPlateau(patience=1)]:
        clf = _fit(
            DNNClassifier(
                hidden_layer_sizes=(8,),
                lr_schedule=schedule,
                max_iter=4,
                random_state=0,
            )
        )
        (line,) = plot_learning_rate(clf).get_lines()
        np.testing.assert_allclose(_ydata(line), clf.history_["lr"])


def test_gradient_flow(early_stopped):
    history = early_stopped.history_
    ax = plot_gradient_flow(early_stopped)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["layer 1", "layer 2", "layer 3"]
    for k, line in enumerate(lines, start=1):
        np.testing.assert_allclose(_ydata(line), history[f"grad_rms_{k}"])
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch"

    ax = plot_gradient_flow(early_stopped, statistic="saturated")
    assert ax.get_yscale() == "linear"
    np.testing.assert_allclose(_ydata(ax.get_lines()[2]), history["saturated_3"])


def test_gradient_flow_errors(early_stopped):
    with pytest.raises(ValueError, match="statistic must be one of"):
        plot_gradient_flow(early_stopped, statistic="grad")
    clf = _fit(DNNClassifier(hidden_layer_sizes=(8,), max_iter=2, diagnostics=False))
    with pytest.raises(ValueError, match="diagnostics=True"):
        plot_gradient_flow(clf)


def test_lr_finder_delegates_to_result_plot():
    import matplotlib.pyplot as plt

    result = find_learning_rate(
        DNNClassifier(hidden_layer_sizes=(8,), random_state=0), X, y, n_steps=50
    )
    ax = plot_lr_finder(result)
    _, expected = plt.subplots()
    result.plot(ax=expected)
    assert [_ydata(line).tolist() for line in ax.get_lines()] == [
        _ydata(line).tolist() for line in expected.get_lines()
    ]
    np.testing.assert_allclose(_ydata(ax.get_lines()[0]), result.losses)
    assert ax.get_xscale() == "log"
    with pytest.raises(TypeError, match="find_learning_rate"):
        plot_lr_finder(DNNClassifier())


def test_unfitted_estimator():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        plot_learning_curves(DNNClassifier())


def test_an_empty_history_or_another_library_says_so():
    from sklearn.neural_network import MLPClassifier

    # an error (or a divergence, a Ctrl-C) in the first epoch: fitted and usable,
    # but no epoch to draw
    def failing(step):
        raise ZeroDivisionError

    stopped = DNNClassifier(lr_schedule=failing, random_state=0)
    with pytest.raises(ZeroDivisionError):
        stopped.fit(X, y)
    for plot in (plot_learning_curves, plot_learning_rate, plot_gradient_flow):
        with pytest.raises(ValueError, match="history_ is empty: no epoch"):
            plot(stopped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="skdnn estimator's history_; MLPClassifier"):
        plot_learning_curves(mlp)
    shallow = _fit(DNNClassifier(hidden_layer_sizes=(), max_iter=2))
    with pytest.raises(ValueError, match="the network has no hidden layer"):
        plot_gradient_flow(shallow)


def test_clear_error_without_matplotlib(monkeypatch, early_stopped):
    for name in [m for m in sys.modules if m.split(".")[0] == "matplotlib"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    for plot in [plot_learning_curves, plot_learning_rate, plot_gradient_flow]:
        with pytest.raises(ImportError, match=r'pip install "skdnn\[plot\]"'):
            plot(early_stopped)
