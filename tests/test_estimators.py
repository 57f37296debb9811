"""DNNClassifier / DNNRegressor behaviour through the public scikit-learn API."""

import io
import re
import warnings
from contextlib import redirect_stdout

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skdnn import DivergenceError, DNNClassifier, DNNRegressor, Nadam
from skdnn._builder import kernel_initializer
from skdnn._validation import assert_finite

from .conftest import plain_classifier, require

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_binary_real_data_and_proba_shape():
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        StandardScaler().fit_transform(X), y, stratify=y, random_state=0
    )
    clf = DNNClassifier(random_state=0).fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) > 0.95
    proba = clf.predict_proba(X_te)
    assert proba.shape == (len(X_te), 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    # one sigmoid output unit for two classes
    assert clf.coefs_[-1].shape[1] == 1
    np.testing.assert_array_equal(clf.predict(X_te), clf.classes_[proba.argmax(1)])


def test_string_labels_multiclass(wine):
    X, y = wine
    names = np.array(["barolo", "grignolino", "barbera"])[y]
    clf = DNNClassifier(hidden_layer_sizes=(32,), random_state=0).fit(X, names)
    assert set(clf.predict(X)) <= set(names)
    assert clf.classes_.tolist() == sorted(set(names))
    assert clf.score(X, names) > 0.97
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_multilabel_indicator(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    Y_tr = np.c_[y_tr % 2, y_tr >= 5, y_tr == 0]
    Y_te = np.c_[y_te % 2, y_te >= 5, y_te == 0]
    clf = DNNClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X_tr, Y_tr)
    pred = clf.predict(X_te)
    assert pred.shape == Y_te.shape
    assert set(np.unique(pred)) <= {0, 1}
    assert (pred == Y_te).mean() > 0.95
    proba = clf.predict_proba(X_te)
    assert proba.shape == Y_te.shape and ((proba >= 0) & (proba <= 1)).all()


def test_regression_single_and_multi_output():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    reg = DNNRegressor(
        hidden_layer_sizes=(32,), early_stopping=True, ensemble_size=1, random_state=0
    )
    reg.fit(X_tr, y_tr)
    assert reg.predict(X_te).shape == (len(X_te),)
    # on this split: LinearRegression 0.36, MLPRegressor() 0.22, this model 0.32
    assert reg.score(X_te, y_te) > 0.3
    Y_tr = np.c_[y_tr, -2 * y_tr]
    multi = DNNRegressor(hidden_layer_sizes=(32,), random_state=0).fit(X_tr, Y_tr)
    assert multi.predict(X_te).shape == (len(X_te), 2)
    assert multi.score(X_tr, Y_tr) > 0.5


def test_sample_weight_zero_equals_dropping(wine):
    X, y = wine
    sw = np.ones(len(y))
    sw[::3] = 0
    params = dict(
        hidden_layer_sizes=(16,), max_iter=30, dtype="float64", random_state=0
    )
    # the old defaults: one batch of all samples (batch_size=200) and no
    # dropout, so that the weighted and the dropped fits see the same batches
    weighted = plain_classifier(**params, shuffle=False).fit(X, y, sample_weight=sw)
    dropped = plain_classifier(**params, shuffle=False).fit(X[sw > 0], y[sw > 0])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), rtol=1e-6, atol=1e-9
    )


def test_sample_weight_changes_the_fit(wine):
    X, y = wine
    sw = np.where(y == 0, 10.0, 1.0)
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    plain = DNNClassifier(**params).fit(X, y)
    weighted = DNNClassifier(**params).fit(X, y, sample_weight=sw)
    assert weighted.predict_proba(X)[:, 0].mean() > plain.predict_proba(X)[:, 0].mean()


def test_grid_search_in_pipeline_parallel(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    pipe = make_pipeline(
        StandardScaler(), DNNClassifier(hidden_layer_sizes=(32,), max_iter=15)
    )
    grid = GridSearchCV(
        pipe,
        {
            "dnnclassifier__activation": ["relu", "selu"],
            "dnnclassifier__kernel_initializer": ["auto", "glorot_uniform"],
            "dnnclassifier__optimizer": ["adam", Nadam(beta_2=0.99)],
            "dnnclassifier__learning_rate": [1e-3, 1e-2],
        },
        cv=2,
        n_jobs=2,
    )
    grid.fit(X_tr[:600], y_tr[:600])
    assert len(grid.cv_results_["params"]) == 16
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.score(X_te, y_te) > 0.9


def test_nested_optimizer_params_are_tunable():
    clf = DNNClassifier(optimizer=Nadam(beta_2=0.99))
    assert clf.get_params()["optimizer__beta_2"] == 0.99
    clf.set_params(optimizer__beta_2=0.95)
    assert clf.optimizer.beta_2 == 0.95
    cloned = clone(clf)
    assert cloned.optimizer is not clf.optimizer
    assert cloned.optimizer.beta_2 == 0.95


def test_user_optimizer_instance_is_not_mutated(wine):
    X, y = wine
    opt = Nadam(beta_2=0.99)
    clf = DNNClassifier(hidden_layer_sizes=(8,), optimizer=opt, max_iter=3).fit(X, y)
    assert clf.optimizer_ is not opt
    assert not hasattr(opt, "slots") and clf.optimizer_.iterations > 0


def test_same_random_state_same_weights_and_history(wine):
    X, y = wine
    a = DNNClassifier(hidden_layer_sizes=(16, 8), random_state=42, max_iter=20).fit(
        X, y
    )
    b = DNNClassifier(hidden_layer_sizes=(16, 8), random_state=42, max_iter=20).fit(
        X, y
    )
    c = DNNClassifier(hidden_layer_sizes=(16, 8), random_state=7, max_iter=20).fit(X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)
    assert a.history_["loss"] == b.history_["loss"]
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_joblib_and_clone_round_trips(tmp_path, wine):
    X, y = wine
    clf = DNNClassifier(hidden_layer_sizes=(16,), random_state=0, max_iter=20).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # the flat parameter buffer and the layer views are one memory after loading,
    # so training a loaded model (warm start) really changes its predictions
    loaded.set_params(warm_start=True, max_iter=5).fit(X, y)
    assert np.shares_memory(loaded.coefs_[0], loaded.network_.theta)
    assert not np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    refit = clone(clf).fit(X, y)
    np.testing.assert_array_equal(refit.predict_proba(X), clf.predict_proba(X))


def test_fitted_attributes(wine):
    X, y = wine
    clf = DNNClassifier(
        hidden_layer_sizes=(16, 8), early_stopping=True, random_state=0, max_iter=30
    ).fit(X, y)
    # the first layer reads the periodic embeddings of the 13 numeric columns
    # (3 values each) next to the columns themselves
    assert [w.shape for w in clf.coefs_] == [(13 * 3 + 13, 16), (16, 8), (8, 3)]
    plain = clone(clf).set_params(numeric_embedding=None).fit(X, y)
    assert [w.shape for w in plain.coefs_] == [(13, 16), (16, 8), (8, 3)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (8,), (3,)]
    assert clf.coefs_[0].dtype == np.float32
    assert clf.n_features_in_ == 13 and clf.n_iter_ == len(clf.loss_curve_)
    assert {"loss", "val_loss", "val_score", "lr", "time"} <= set(clf.history_)
    assert all(len(v) == clf.n_iter_ for v in clf.history_.values())
    assert clf.validation_scores_ == clf.history_["val_score"]
    assert clf.best_loss_ == min(clf.history_["val_loss"])
    pd = require("pandas")
    frame = pd.DataFrame(clf.history_)
    assert list(frame.columns)[:4] == ["loss", "lr", "val_loss", "val_score"]
    assert len(frame) == clf.n_iter_


def test_early_stopping_restores_best_weights(digits_split):
    X_tr, _, y_tr, _ = digits_split
    # a constant rate: patience stops it (1cycle, the default, runs its budget)
    clf = plain_classifier(
        hidden_layer_sizes=(64,),
        learning_rate=0.01,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=0,
    ).fit(X_tr, y_tr)
    val_loss = clf.history_["val_loss"]
    best_epoch = int(np.argmin(val_loss))
    assert best_epoch < len(val_loss) - 1, "training should run past the best epoch"
    # the same split the estimator used: recompute the validation loss of the
    # restored weights and compare with the best recorded one
    assert clf.best_loss_ == pytest.approx(min(val_loss))
    assert clf.n_iter_ < 200


def test_feature_names_are_recorded(wine):
    pd = require("pandas")
    X, y = wine
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = DNNClassifier(hidden_layer_sizes=(8,), max_iter=2).fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns)


@pytest.mark.parametrize(
    "rows, batch",
    [(30, 30), (265, 48), (442, 48), (618, 52), (1758, 147), (2400, 200), (5000, 200)],
)
def test_auto_batch_size_is_a_twelfth_of_the_rows_from_48_to_200(rows, batch):
    # diabetes rows, repeated: the rule depends on the row count only (the
    # training rows: none are held out here)
    X, y = load_diabetes(return_X_y=True)
    take = np.arange(rows) % len(y)
    reg = DNNRegressor(
        hidden_layer_sizes=(4,), max_iter=1, early_stopping=False, random_state=0
    )
    reg.fit(X[take], y[take])
    assert reg.batch_size == "auto"
    assert reg.n_steps_ == -(-rows // batch)  # one epoch of ceil(rows / batch)


def test_warm_start_continues(wine):
    X, y = wine
    clf = DNNClassifier(
        hidden_layer_sizes=(8,), max_iter=3, warm_start=True, random_state=0
    )
    clf.fit(X, y)
    first = clf.coefs_[0].copy()
    steps = clf.n_steps_
    assert clf.t_ == 3 * len(X)  # samples seen, as in scikit-learn's MLP
    clf.fit(X, y)
    assert clf.n_iter_ == 6 and len(clf.loss_curve_) == 6 and clf.n_steps_ == 2 * steps
    assert clf.t_ == 6 * len(X)
    assert not np.array_equal(first, clf.coefs_[0])
    with pytest.raises(ValueError, match="warm_start"):
        clf.fit(X, np.where(y == 0, 5, y))


def test_a_continued_fit_refuses_a_changed_architecture(wine):
    """warm_start and partial_fit keep the built network: a new size, dropout or
    ensemble would be ignored without a word."""
    X, y = wine
    clf = DNNClassifier(
        hidden_layer_sizes=(8,), max_iter=2, warm_start=True, random_state=0
    ).fit(X, y)
    for change in ({"hidden_layer_sizes": (4,)}, {"dropout": 0.5}):
        name = next(iter(change))
        with pytest.raises(ValueError, match=f"warm_start=True continues .*{name}="):
            clf.set_params(**change).fit(X, y)
        clone(clf).fit(X, y)  # a new estimator builds its network with it
        clf.set_params(hidden_layer_sizes=[8], dropout=0.2)  # as built: continues
    with pytest.raises(ValueError, match="partial_fit continues.*ensemble_size=1"):
        clf.set_params(ensemble_size=2).partial_fit(X, y)
    clf.set_params(ensemble_size=1, activation="ELU", max_iter=1).fit(X, y)
    assert clf.n_iter_ == 3  # the same names, the same network: it continued


def test_categorical_columns_named_another_way_are_the_same_network():
    pd = require("pandas")
    X, y = load_wine(return_X_y=True, as_frame=True)
    X = X.assign(grade=pd.cut(X["alcohol"], 3, labels=["a", "b", "c"]).astype(str))
    clf = DNNClassifier(
        categorical_features=["grade"], max_iter=1, warm_start=True, random_state=0
    ).fit(X, y)
    last = X.shape[1] - 1
    for same in ([last], [-1], np.arange(X.shape[1]) == last, ("grade",)):
        clf.set_params(categorical_features=same).fit(X, y)  # continues
    assert clf.n_iter_ == 5
    with pytest.raises(ValueError, match=r"categorical_features=\(13,\); .* is now"):
        clf.set_params(categorical_features=["grade", "alcohol"]).fit(X, y)


def test_a_continued_fit_takes_the_optimizer_parameters_as_they_are_now(wine):
    X, y = wine
    clf = DNNClassifier(
        hidden_layer_sizes=(8,),
        max_iter=2,
        lr_schedule=None,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    moments = clf.optimizer_.slots["m"].copy()
    clf.set_params(learning_rate=0.05, beta_2=0.9).fit(X, y)
    assert clf.history_["lr"] == pytest.approx([0.007, 0.007, 0.05, 0.05])
    assert clf.optimizer_.beta_2 == 0.9
    assert clf.optimizer_.iterations == 2 * clf.n_steps_ // 2  # the state went on
    assert not np.array_equal(moments, clf.optimizer_.slots["m"])
    clf.set_params(optimizer="sgd", momentum=0.9, beta_2=None).fit(X, y)
    assert type(clf.optimizer_).__name__ == "SGD"  # another one: fresh state
    assert clf.optimizer_.iterations == clf.n_steps_ // 3
    # a new rate starts an open-ended schedule anew from it (an unchanged one
    # continues: tests/test_schedules.py)
    decay = DNNClassifier(
        hidden_layer_sizes=(8,),
        max_iter=2,
        lr_schedule="exponential",
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    decay.set_params(learning_rate=0.05).fit(X, y)
    first, second = np.split(np.array(decay.history_["lr"]), 2)
    np.testing.assert_allclose(second, first * 0.05 / 0.007, rtol=1e-5)


def test_float64_and_callable_initializer(wine):
    X, y = wine

    def ones_init(shape, rng):
        return np.full(shape, 0.01)

    clf = DNNClassifier(
        hidden_layer_sizes=(4,),
        kernel_initializer=ones_init,
        dtype="float64",
        max_iter=1,
    )
    clf.fit(X, y)
    assert clf.coefs_[0].dtype == np.float64
    assert np.allclose(clf.coefs_[0], 0.01, atol=0.01)


@pytest.mark.parametrize(
    "activation, expected",
    [("selu", "lecun_normal"), ("relu", "he_normal"), ("tanh", "glorot_uniform")],
)
def test_auto_initializer_follows_table_11_1(activation, expected):
    est = DNNClassifier(activation=activation, kernel_initializer="auto")
    assert kernel_initializer(est) == expected


def test_unknown_names_list_the_valid_ones(wine):
    X, y = wine
    with pytest.raises(InvalidParameterError, match=r"activation.*'relux'.*'selu'"):
        DNNClassifier(activation="relux").fit(X, y)
    with pytest.raises(InvalidParameterError, match="optimizer"):
        DNNClassifier(optimizer="adamx").fit(X, y)
    with pytest.raises(InvalidParameterError, match="kernel_initializer"):
        DNNClassifier(kernel_initializer="xavier").fit(X, y)


def test_invalid_combinations_are_clear(wine):
    X, y = wine
    with pytest.raises(ValueError, match="at most one of clipvalue, clipnorm"):
        DNNClassifier(clipnorm=1.0, clipvalue=1.0).fit(X, y)
    with pytest.raises(ValueError, match="set it once"):
        DNNClassifier(optimizer=Nadam(clipnorm=1.0), clipnorm=2.0).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        DNNClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="positive integers"):
        DNNClassifier(hidden_layer_sizes=(10, 0)).fit(X, y)


def test_divergence_stops_with_message_and_finite_model(digits_split):
    X_tr, X_te, y_tr, _ = digits_split
    clf = plain_classifier(
        hidden_layer_sizes=(64, 64),
        activation="relu",
        optimizer="sgd",
        learning_rate=50.0,
        random_state=0,
    )
    with pytest.raises(DivergenceError, match=r"epoch \d+.*learning_rate.*clipnorm"):
        clf.fit(X_tr, y_tr)
    # fitted with the last finite weights, never silently predicting NaN
    assert np.isfinite(clf.network_.theta).all()
    proba = clf.predict_proba(X_te)
    assert np.isfinite(proba).all()


def test_verbose_prints_one_line_per_epoch(wine):
    X, y = wine
    out = io.StringIO()
    with redirect_stdout(out):
        DNNClassifier(
            hidden_layer_sizes=(8,), max_iter=3, verbose=1, early_stopping=True
        ).fit(X, y)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 4
    assert re.match(
        r"Epoch\s+1 - loss: [\d.]+ - val_loss: [\d.]+ - val_score", lines[0]
    )
    assert re.fullmatch(r"Restored the weights of epoch [123], the best on "
                        r"validation\.", lines[3])  # fmt: skip
    # a patience that ran out says so, before the weights it restored
    out = io.StringIO()
    with redirect_stdout(out):
        clf = DNNClassifier(
            hidden_layer_sizes=(8,), lr_schedule=None, learning_rate=0.05,
            early_stopping=True, n_iter_no_change=2, max_iter=200, verbose=2,
            random_state=0,
        ).fit(X, y)  # fmt: skip
    assert clf.n_iter_ < 200
    *_, stopped, restored = out.getvalue().strip().splitlines()
    assert stopped == (
        f"Stopped after epoch {clf.n_iter_}: the monitored loss did not improve by "
        "tol for n_iter_no_change epochs."
    )
    best = int(np.argmin(clf.history_["val_loss"])) + 1
    assert restored == f"Restored the weights of epoch {best}, the best on validation."


def test_convergence_warning_when_max_iter_reached(wine):
    X, y = wine
    # a constant rate (the old default): 1cycle would end its budget, not warn
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        plain_classifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X, y)


def test_no_hidden_layers_is_a_linear_model(wine):
    X, y = wine
    clf = DNNClassifier(hidden_layer_sizes=(), learning_rate=0.05, random_state=0)
    clf.fit(X, y)
    assert len(clf.coefs_) == 1 and clf.score(X, y) > 0.95


def test_prediction_in_blocks_equals_one_pass_and_leaves_x_alone(digits_split):
    # 2.5 blocks of rows, float64 input cast block by block, in-place ReLU
    X_train, _, y_train, _ = digits_split
    X = np.vstack([X_train] * 4)[:5000]
    y = np.concatenate([y_train] * 4)[:5000]
    clf = DNNClassifier(hidden_layer_sizes=(40, 20), max_iter=2, random_state=0)
    clf.fit(X, y)
    X_before = X.copy()
    Z = clf._forward(X)
    np.testing.assert_array_equal(X, X_before)
    net = clf.network_
    A = X.astype(net.dtype)
    for layer in net.layers:  # the plain, allocating path
        A = layer.forward(A, training=False)
    # float32 products differ with the number of rows (BLAS blocking): round-off
    np.testing.assert_allclose(Z, A, rtol=1e-4, atol=1e-5)
    assert np.mean(clf.predict(X) == clf.classes_[np.argmax(A, axis=1)]) > 0.999


def test_finite_check_first_pass_falls_back_to_sklearn():
    clf = DNNRegressor()
    # finite values whose row sums overflow: not an error
    assert_finite(np.full((3, 4), 1e308), clf)
    for bad, word in ((np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")):
        X = np.zeros((3, 4), dtype=np.float32)
        X[1, 2] = bad
        with pytest.raises(ValueError, match=f"Input X contains {word}"):
            assert_finite(X, clf)


@pytest.mark.parametrize("target", ["multiclass", "binary", "regression"])
def test_mlp_style_layer_and_output_attributes(target):
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X, y = load_iris(return_X_y=True)
    params = dict(hidden_layer_sizes=(7, 5), max_iter=3, random_state=0)
    if target == "regression":
        ours, theirs = DNNRegressor(**params), MLPRegressor(**params)
    else:
        y = y if target == "multiclass" else y == 0
        ours, theirs = DNNClassifier(**params), MLPClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y)
        theirs.fit(X, y)
    for name in ("n_layers_", "n_outputs_", "out_activation_"):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_regressor_reads_numbers_stored_as_text_and_refuses_other_text():
    X, y = load_diabetes(return_X_y=True)
    y = y.round(2)
    params = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    as_numbers = DNNRegressor(**params).fit(X, y).predict(X)
    for text in (y.astype(str), y.astype(str).astype(object)):
        np.testing.assert_array_equal(
            DNNRegressor(**params).fit(X, text).predict(X), as_numbers
        )
    bad = y.astype(str).astype(object)
    bad[5] = "n/a"
    with pytest.raises(ValueError, match="y must hold numbers, and holds 'n/a'"):
        DNNRegressor(**params).fit(X, bad)
    bad[5] = "nan"
    with pytest.raises(ValueError, match="y contains NaN"):
        DNNRegressor(**params).fit(X, bad)


def test_nested_parameters_of_a_named_optimizer_say_to_pass_an_instance():
    with pytest.raises(ValueError, match=r"optimizer__beta_2 .*'nadam' here.*Pass "
                       r"optimizer=Nadam\(\).*or set beta_2= on the estimator"):  # fmt: skip
        DNNClassifier().set_params(optimizer__beta_2=0.99)
    # the advice names classes that have the parameter (it named OneCycle, SGD,
    # Nadam, which do not, and following it led to a second error)
    with pytest.raises(ValueError, match=r"'1cycle' here.*a class that has "
                       r"'decay_steps' \(ExponentialDecay, PowerDecay\)"):  # fmt: skip
        DNNRegressor().set_params(lr_schedule__decay_steps=3)
    with pytest.raises(ValueError, match=r"'sgd' here.*'beta_2' \(Adam, AdamW, "
                       r"Adamax, Nadam\)"):  # fmt: skip
        DNNClassifier(optimizer="sgd").set_params(optimizer__beta_2=0.9)
    with pytest.raises(ValueError, match="No skdnn optimizer has a parameter 'foo'"):
        DNNClassifier().set_params(optimizer__foo=1)
    with pytest.raises(ValueError, match="max_iter__x .*no object with parameters"):
        DNNRegressor().set_params(max_iter__x=3)
    # an instance, set in the same call or before, takes them
    est = DNNClassifier().set_params(optimizer=Nadam(), optimizer__beta_2=0.99)
    assert est.optimizer.beta_2 == 0.99
    assert est.set_params(optimizer__beta_2=0.9).optimizer.beta_2 == 0.9


def test_a_class_for_an_instance_is_refused_before_training(wine):
    from sklearn.utils._param_validation import InvalidParameterError

    from skdnn import OneCycle

    X, y = wine
    for params, name in (({"optimizer": Nadam}, "Nadam"), ({"lr_schedule": OneCycle},
                         "OneCycle")):  # fmt: skip
        with pytest.raises(InvalidParameterError, match=f"got the class {name}; "
                           rf"pass an instance, {name}\(\)"):  # fmt: skip
            DNNClassifier(**params).fit(X, y)


def test_a_validation_split_of_zero_weight_is_refused_before_training():
    X, y = load_breast_cancer(return_X_y=True)
    weights = np.zeros(len(y))
    weights[7] = 1.0  # one of the two sets has none: either is refused
    with pytest.raises(ValueError, match="(validation|training) samples all weigh 0"):
        DNNClassifier(
            hidden_layer_sizes=(8,), max_iter=2, early_stopping=True, random_state=0
        ).fit(X, y, sample_weight=weights)
