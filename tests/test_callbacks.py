"""scikit-learn's callback protocol (``sklearn.callback``): one subtask per epoch."""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor
from skdnn._callbacks import HAS_CALLBACKS

from .conftest import require

pytestmark = pytest.mark.skipif(
    not HAS_CALLBACKS, reason="scikit-learn < 1.9 has no sklearn.callback"
)

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
# the estimators' default 1cycle runs exactly max_iter epochs; the autoencoder
# (constant rate by default) gets a patience high enough for that
SMALL = dict(hidden_layer_sizes=(8,), random_state=0)
PATIENT = dict(SMALL, n_iter_no_change=100)


class Recorder:
    """Records every hook call; ``stop_at`` epochs ends ask to stop training."""

    def __init__(self, stop_at=None):
        self.calls = []
        self.epoch_ends = []  # (context, X, y, fitted_estimator) of each epoch
        self.stop_at = stop_at

    def setup(self, estimator, context):
        self.calls.append(("setup", type(estimator).__name__, context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.calls.append(("begin", type(estimator).__name__, context.task_name))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, fitted_estimator=None
    ):
        self.calls.append(("end", type(estimator).__name__, context.task_name))
        if context.task_name == "epoch":
            self.epoch_ends.append((context, X, y, fitted_estimator))
            return len(self.epoch_ends) == self.stop_at
        return False

    def teardown(self, estimator, context):
        self.calls.append(("teardown", type(estimator).__name__, context.task_name))


class PropagatedRecorder(Recorder):
    """Auto-propagated by meta-estimators to their sub-estimators."""

    max_propagation_depth = None


def test_hooks_called_once_per_epoch_in_order():
    recorder = Recorder()
    clf = DNNClassifier(max_iter=4, **SMALL).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    name = "DNNClassifier"
    epoch = [("begin", name, "epoch"), ("end", name, "epoch")]
    assert recorder.calls == (
        [("setup", name, "fit"), ("begin", name, "fit")]
        + epoch * 4
        + [("end", name, "fit"), ("teardown", name, "fit")]
    )
    contexts = [context for context, *_ in recorder.epoch_ends]
    root = contexts[0].parent
    assert root.task_name == "fit" and root.max_subtasks == clf.max_iter == 4
    assert [context.task_id for context in contexts] == [0, 1, 2, 3]
    assert all(context.parent is root for context in contexts)
    # fit tidied up after itself
    assert not hasattr(clf, "_callback_fit_ctx")


def test_epoch_end_gets_the_data_and_the_model_so_far():
    recorder = Recorder()
    clf = DNNClassifier(max_iter=3, **SMALL).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    fitted = [end[3] for end in recorder.epoch_ends]
    np.testing.assert_array_equal(recorder.epoch_ends[0][1], X.astype(np.float32))
    np.testing.assert_array_equal(recorder.epoch_ends[0][2], y)
    assert [model.n_iter_ for model in fitted] == [1, 2, 3]
    assert [len(model.loss_curve_) for model in fitted] == [1, 2, 3]
    assert fitted[-1].loss_curve_ == clf.loss_curve_
    # each a copy: later epochs do not change an earlier model
    assert fitted[0].network_ is not fitted[1].network_ is not clf.network_
    assert not np.array_equal(fitted[0].network_.theta, fitted[2].network_.theta)
    np.testing.assert_array_equal(fitted[-1].predict_proba(X), clf.predict_proba(X))


def test_the_estimator_being_fitted_is_not_fitted_yet_for_a_callback():
    # the model so far is fitted_estimator; the estimator itself predicts once
    # its first fit has ended (it raised AttributeError from inside predict)
    from sklearn.exceptions import NotFittedError

    seen = []

    class Predicts(Recorder):
        def on_fit_task_end(
            self, estimator, context, *, X=None, y=None, fitted_estimator=None
        ):
            if context.task_name == "epoch":
                try:
                    estimator.predict(X[:2])
                except NotFittedError:
                    seen.append("not fitted")
                seen.append(fitted_estimator.predict(X[:2]).shape)
            return False

    clf = DNNClassifier(max_iter=2, **SMALL).set_callbacks(Predicts()).fit(X, y)
    assert seen == ["not fitted", (2,), "not fitted", (2,)]
    assert clf.predict(X[:2]).shape == (2,)


def test_callbacks_do_not_change_training():
    plain = DNNClassifier(max_iter=3, **SMALL)
    watched = DNNClassifier(max_iter=3, **SMALL).set_callbacks(Recorder())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain.fit(X, y)
        watched.fit(X, y)
    assert plain.history_["loss"] == watched.history_["loss"]
    np.testing.assert_array_equal(plain.network_.theta, watched.network_.theta)


def test_callback_can_stop_training():
    recorder = Recorder(stop_at=2)
    clf = DNNClassifier(max_iter=10, **SMALL).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.history_["loss"]) == 2
    assert recorder.calls[-2:] == [
        ("end", "DNNClassifier", "fit"),
        ("teardown", "DNNClassifier", "fit"),
    ]


def test_partial_fit_is_one_epoch_task():
    recorder = Recorder()
    reg = DNNRegressor(**SMALL).set_callbacks(recorder)
    reg.partial_fit(X, y)
    reg.partial_fit(X, y)
    assert len(recorder.epoch_ends) == 2
    assert all(end[0].parent.max_subtasks == 1 for end in recorder.epoch_ends)
    assert recorder.epoch_ends[1][3].n_iter_ == 2


@pytest.mark.parametrize("pretraining", ["joint", "greedy"])
def test_autoencoder(pretraining):
    recorder = Recorder()
    params = {**PATIENT, "hidden_layer_sizes": (3, 2)}
    ae = DNNAutoencoder(pretraining=pretraining, max_iter=2, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.set_callbacks(recorder).fit(X)
    tasks = [call[2] for call in recorder.calls if call[0] == "begin"]
    if pretraining == "joint":
        assert tasks == ["fit", "epoch", "epoch"]
        assert recorder.epoch_ends[-1][3].n_iter_ == 2
    else:
        # a task per stage (encoder layer), with its epochs
        stage = ["epoch", "epoch"]
        assert tasks == ["fit", "greedy stage 1", *stage, "greedy stage 2", *stage]
        assert recorder.epoch_ends[0][3] is None
    assert len(recorder.epoch_ends) == ae.n_iter_


@pytest.mark.parametrize(
    "make",
    [
        lambda schedule: DNNClassifier(max_iter=10, lr_schedule=schedule, **SMALL),
        lambda schedule: DNNAutoencoder(
            pretraining="greedy",
            max_iter=10,
            lr_schedule=schedule,
            **{**PATIENT, "hidden_layer_sizes": (3, 2)},
        ),
    ],
)
def test_ctrl_c_ends_every_task_it_began(make):
    # Ctrl-C in epoch 2 (batches of 32: 5 steps per epoch): the fit returns a usable
    # model, so the epoch (and greedy stage) it stopped in must end like the others.
    import signal

    from skdnn.exceptions import TrainingInterruptedWarning

    fired = []

    def schedule(step):
        if step == 7 and not fired:
            fired.append(step)
            signal.raise_signal(signal.SIGINT)
        return 1e-2

    recorder = Recorder()
    est = make(schedule).set_params(batch_size=32).set_callbacks(recorder)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.warns(TrainingInterruptedWarning, match="in epoch 2"):
            est.fit(X) if isinstance(est, DNNAutoencoder) else est.fit(X, y)
    finally:
        signal.signal(signal.SIGINT, previous)
    begun = [call[2] for call in recorder.calls if call[0] == "begin"]
    ended = [call[2] for call in recorder.calls if call[0] == "end"]
    assert begun.count("epoch") == ended.count("epoch") == 2
    assert sorted(begun) == sorted(ended)
    assert recorder.calls[-2:] == [
        ("end", type(est).__name__, "fit"),
        ("teardown", type(est).__name__, "fit"),
    ]


def test_propagated_through_grid_search_and_pipeline():
    recorder = PropagatedRecorder()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), DNNClassifier(max_iter=3, **SMALL)),
        {"dnnclassifier__learning_rate": [0.01, 0.1]},
        cv=2,
    ).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    # 2 candidates x 2 folds + the refit, 3 epochs each
    assert len(recorder.epoch_ends) == 5 * 3
    assert ("setup", "DNNClassifier", "fit") not in recorder.calls
    root = recorder.epoch_ends[0][0]
    while root.parent is not None:
        root = root.parent
    assert root.estimator_name == "GridSearchCV"
    assert {end[0].estimator_name for end in recorder.epoch_ends} == {"DNNClassifier"}
    # the clone fitted in the search does not keep the propagated callback
    assert not hasattr(search.best_estimator_[-1], "_skl_callbacks")


def test_scoring_monitor_scores_every_epoch():
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    clf = DNNClassifier(batch_size=16, max_iter=5, **SMALL).set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    scores = [row["accuracy"] for row in rows]
    assert len(scores) == clf.n_iter_ == 5
    assert scores[-1] == clf.score(X, y)
    assert scores[0] < scores[-1]  # it scored the model of each epoch


def test_progress_bar(capsys):
    require("rich")
    from sklearn.callback import ProgressBar

    clf = DNNClassifier(max_iter=3, **SMALL).set_callbacks(ProgressBar())
    search = GridSearchCV(
        DNNClassifier(max_iter=3, **SMALL), {"learning_rate": [0.01, 0.1]}, cv=2
    ).set_callbacks(ProgressBar(max_propagation_depth=None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        search.fit(X, y)
    out = capsys.readouterr().out
    assert "DNNClassifier - fit" in out
    assert "GridSearchCV - fit" in out
    assert "100%" in out
    assert clf.n_iter_ == search.best_estimator_.n_iter_ == 3


def test_no_callbacks_no_epoch_tasks(monkeypatch):
    # without callbacks the loop gets no epoch hook: nothing is done per epoch
    from skdnn import _callbacks

    seen = []
    real = _callbacks.EpochTasks.create
    monkeypatch.setattr(
        _callbacks.EpochTasks,
        "create",
        lambda *args: seen.append(real(*args)) or seen[-1],
    )
    DNNRegressor(max_iter=1, **SMALL).partial_fit(X, y)
    DNNRegressor(max_iter=1, **SMALL).set_callbacks(Recorder()).partial_fit(X, y)
    assert seen[0] is None and seen[1] is not None


@pytest.mark.skipif(sys.platform == "emscripten", reason="no subprocess")
def test_works_without_sklearn_callback():
    # scikit-learn < 1.9: simulated by hiding sklearn.callback from the import of
    # skdnn (scikit-learn's own modules are imported first and keep working)
    code = textwrap.dedent(
        """
        import sys, warnings
        import sklearn.base, sklearn.pipeline, sklearn.model_selection
        sys.modules["sklearn.callback"] = None
        from sklearn.datasets import load_iris
        from sklearn.model_selection import GridSearchCV
        import skdnn
        from skdnn import DNNAutoencoder, DNNClassifier, _callbacks
        assert not _callbacks.HAS_CALLBACKS
        warnings.simplefilter("ignore")
        X, y = load_iris(return_X_y=True)
        clf = DNNClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
        assert not hasattr(clf, "set_callbacks")
        assert clf.fit(X, y).n_iter_ == 3
        GridSearchCV(clf, {"learning_rate": [0.01, 0.1]}, cv=2).fit(X, y)
        DNNAutoencoder((3, 2), pretraining="greedy", max_iter=2).fit(X)
        print("ok")
        """
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
