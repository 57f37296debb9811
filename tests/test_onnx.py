"""ONNX export (the ``onnx`` extra): onnxruntime runs what predict computes.

Every model is converted with ``skl2onnx.to_onnx`` and run by onnxruntime; labels
must equal ``predict`` exactly, probabilities, predictions and codings must agree
to 1e-5.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor, presets
from skdnn.nn.layers import Layer

from .conftest import require

skl2onnx = require("skl2onnx")
ort = require("onnxruntime")
require("onnx")

from skl2onnx.common.data_types import (  # noqa: E402
    DoubleTensorType,
    FloatTensorType,
    StringTensorType,
)

import skdnn.onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parents[1]
ACTIVATIONS = [
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "rrelu",
    "prelu",
    "elu",
    "selu",
    "gelu",
    "swish",
]
SMALL = dict(hidden_layer_sizes=(16, 16), max_iter=4, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def run(model, X, *, initial=None, **kwargs):
    """Convert ``model`` with an input like ``initial`` (default ``X[:1]``), run
    ``X`` through onnxruntime; the outputs by name."""
    onx = skl2onnx.to_onnx(model, X[:1] if initial is None else initial, **kwargs)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = session.run(None, {session.get_inputs()[0].name: X})
    return {o.name: value for o, value in zip(session.get_outputs(), outputs)}


def assert_classifier_agrees(clf, X, *, atol=1e-5, **kwargs):
    """Both output forms: labels exactly, probabilities to ``atol``."""
    plain = run(clf, X, options={id(clf): {"zipmap": False}}, **kwargs)
    np.testing.assert_array_equal(plain["label"], clf.predict(X))
    np.testing.assert_allclose(plain["probabilities"], clf.predict_proba(X), atol=atol)
    zipped = run(clf, X, **kwargs)
    np.testing.assert_array_equal(zipped["output_label"], clf.predict(X))
    keys = clf.classes_ if clf.classes_.ndim == 1 else range(clf.classes_.size)
    proba = np.array([[row[k] for k in keys] for row in zipped["output_probability"]])
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=atol)
    return plain


# -- every layer --------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_multiclass(digits600, activation):
    X, y = digits600
    clf = DNNClassifier(activation=activation, **SMALL).fit(X, y)
    out = run(clf, X.astype(np.float32), options={"zipmap": False})
    assert out["probabilities"].dtype == np.float32
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_float64_network(digits600, activation):
    # a float64 network gives a double graph for a double input (onnxruntime has
    # no double Elu/Selu/PRelu/Erf kernels: those are built from elementary ops,
    # erf in float32)
    X, y = digits600
    clf = DNNClassifier(activation=activation, dtype="float64", **SMALL).fit(X, y)
    out = run(clf, X, options={"zipmap": False})
    assert out["probabilities"].dtype == np.float64
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    atol = 1e-6 if activation == "gelu" else 1e-12
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=atol)


@pytest.mark.parametrize(
    "params",
    [
        dict(batch_norm="before"),
        dict(batch_norm="after"),
        dict(input_batch_norm=True),
        dict(batch_norm="before", input_batch_norm=True, activation="prelu"),
        dict(batch_norm="after", dropout=0.3, activation="swish"),
        dict(input_dropout=0.1, dropout=0.3),
        dict(activation="selu", dropout=0.2, dropout_type="alpha"),
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_batch_norm_folded_and_dropout_left_out(digits600, params):
    X, y = digits600
    if params.get("batch_norm") or params.get("input_batch_norm"):
        params = dict(params, batch_norm_momentum=0.5)  # moving statistics to fold
    clf = DNNClassifier(**SMALL, **params).fit(X, y)
    assert_classifier_agrees(clf, X.astype(np.float32))


# -- targets --------------------------------------------------------------------------
@pytest.mark.parametrize("labels", [None, np.array(["benign", "malignant"])])
def test_binary(cancer, labels):
    X, y = cancer
    y = y if labels is None else labels[y]
    clf = DNNClassifier(**SMALL).fit(X, y)
    out = assert_classifier_agrees(clf, X.astype(np.float32))
    assert out["label"].dtype == (np.int64 if labels is None else object)
    assert out["probabilities"].shape == (len(X), 2)


def test_multiclass_string_labels():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    names = np.array(["setosa", "versicolor", "virginica"])
    clf = DNNClassifier(hidden_layer_sizes=(8,), batch_size=16, max_iter=20)
    clf.set_params(random_state=0).fit(X, names[y])
    out = assert_classifier_agrees(clf, X)  # float64 input: a double graph
    assert set(out["label"]) == set(names)
    assert out["probabilities"].dtype == np.float64


def test_multilabel(digits600):
    X, y = digits600
    Y = np.c_[y % 2, y < 5, y == 0].astype(int)
    clf = DNNClassifier(**SMALL).fit(X, Y)
    out = assert_classifier_agrees(clf, X.astype(np.float32))
    assert out["label"].shape == Y.shape and out["label"].dtype == np.int64


@pytest.mark.parametrize("dtype", [float, bool])
def test_integer_labels_of_other_dtypes(cancer, dtype):
    # as in skl2onnx, labels that are integers in value become int64
    X, y = cancer
    clf = DNNClassifier(**SMALL).fit(X, y.astype(dtype))
    out = assert_classifier_agrees(clf, X.astype(np.float32))
    assert out["label"].dtype == np.int64


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "params",
    [
        {},  # the regressor's defaults: robust scaling, embeddings, feature scale
        {"input_scaling": "standard", "numeric_embedding": None},  # folded
        {"input_scaling": "standard", "numeric_embedding": "periodic"},  # unfolded
    ],
)
def test_tabular_input_layers(params, dtype):
    X, y = load_diabetes(return_X_y=True)
    X = X * 100 + 3  # raw scale: the network's own input scaling handles it
    reg = DNNRegressor(**SMALL, dtype=dtype, **params).fit(X, y)
    X_in = X.astype(dtype)
    initial = X_in[:1]
    out = run(reg, X_in, initial=initial)["variable"][:, 0]
    np.testing.assert_allclose(out / y.std(), reg.predict(X) / y.std(), atol=1e-5)
    clf = DNNClassifier(**{**presets.tabular(), **SMALL}, dtype=dtype)
    clf.fit(X, y > np.median(y))
    assert_classifier_agrees(clf, X_in)


@pytest.mark.parametrize("multi_output", [False, True])
def test_regression(diabetes, multi_output):
    X, y = diabetes
    y = (y - y.mean()) / y.std()
    Y = np.c_[y, -2 * y + X[:, 0]] if multi_output else y
    reg = DNNRegressor(**SMALL).fit(X, Y)
    out = run(reg, X.astype(np.float32))["variable"]
    # skl2onnx's regressor convention: (n_samples, n_outputs), (n, 1) for a 1-D y
    assert out.shape == (len(X), 2 if multi_output else 1)
    expected = reg.predict(X).reshape(len(X), -1)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_regression_with_target_scaling(diabetes):
    # fitted regressors may store how their targets were scaled:
    # prediction = network output * _y_scale + _y_mean
    X, y = diabetes
    reg = DNNRegressor(**SMALL).fit(X, np.c_[y, y / 2] / y.std())
    reg._y_scale, reg._y_mean = 1.0, np.zeros(2)
    network_output = reg.predict(X)
    reg._y_scale, reg._y_mean = 80.0, np.array([150.0, 75.0])
    out = run(reg, X.astype(np.float32))["variable"]
    expected = network_output * 80.0 + np.array([150.0, 75.0])
    assert np.abs(expected).max() > 100
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-5)


# four epochs of five ReLU members of 16 units on raw counts: about half of the
# second layer's units are dead, a true warning that the export does not care about
@pytest.mark.filterwarnings("ignore::skdnn.GradientFlowWarning")
@pytest.mark.parametrize("normalize_y", [True, False])
@pytest.mark.parametrize("multi_output", [False, True])
def test_poisson_regression(diabetes, normalize_y, multi_output):
    # the log link: exp(offset + slope * output) in the graph
    X, y = diabetes
    Y = np.c_[y, y // 3] if multi_output else y
    reg = DNNRegressor(loss="poisson", normalize_y=normalize_y, **SMALL).fit(X, Y)
    for dtype in (np.float32, np.float64):
        out = run(reg, X.astype(dtype))["variable"]
        expected = reg.predict(X).reshape(len(X), -1)
        assert expected.min() > 0
        np.testing.assert_allclose(out, expected, rtol=1e-5)


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(batch_norm="before", dropout=0.2),
        dict(input_batch_norm=True, batch_norm="after", activation="selu"),
        dict(pretraining="greedy", activation="gelu", input_dropout=0.1),
    ],
    ids=["plain", "bn_before_dropout", "input_bn_bn_after_selu", "greedy_gelu"],
)
def test_autoencoder_transform(digits600, params):
    X, _ = digits600
    ae = DNNAutoencoder((24, 6), max_iter=3, random_state=0, **params).fit(X)
    out = run(ae, X.astype(np.float32))["variable"]
    assert out.shape == (len(X), ae.n_components_)
    np.testing.assert_allclose(out, ae.transform(X), atol=1e-5)


# -- pipelines, dtypes, registration --------------------------------------------------
def test_pipeline_to_onnx():
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), DNNClassifier(**SMALL)).fit(X, y)
    # the one line: X is float64, so the input is double
    assert_classifier_agrees(pipe, X)
    plain = run(pipe, X, options={"zipmap": False})
    np.testing.assert_array_equal(plain["label"], pipe.predict(X))


def test_float64_network_with_float_input(digits600):
    X, y = digits600
    clf = DNNClassifier(dtype="float64", activation="elu", **SMALL).fit(X, y)
    X32 = X.astype(np.float32)
    out = run(clf, X32, options={"zipmap": False})
    assert out["probabilities"].dtype == np.float32
    np.testing.assert_array_equal(out["label"], clf.predict(X32))
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X32), atol=1e-6)


def test_float32_network_with_double_input(diabetes):
    X, y = diabetes
    reg = DNNRegressor(**SMALL).fit(X, y / y.std())
    out = run(reg, X)["variable"]
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.ravel(), reg.predict(X), atol=1e-5)


def test_integer_input():
    # load_digits' pixels are integers: cast to the network's dtype, as predict does
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.int64)
    clf = DNNClassifier(**SMALL).fit(X, y)
    out = run(clf, X, options={"zipmap": False})
    assert out["probabilities"].dtype == np.float32
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-5)


def test_to_onnx_needs_no_import():
    # in a fresh interpreter: import skdnn loads no ONNX package, and to_onnx
    # converts a skdnn model without importing skdnn.onnx first
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import skdnn
        assert not {"onnx", "skl2onnx", "onnxruntime", "skdnn.onnx"} & set(sys.modules)
        from sklearn.datasets import load_iris
        import onnxruntime, skl2onnx
        X, y = load_iris(return_X_y=True)
        clf = skdnn.DNNClassifier(hidden_layer_sizes=(8,), max_iter=20,
                                  random_state=0).fit(X, y)
        assert "skdnn.onnx" not in sys.modules
        onx = skl2onnx.to_onnx(clf, X[:1], options={"zipmap": False})
        s = onnxruntime.InferenceSession(onx.SerializeToString(),
                                         providers=["CPUExecutionProvider"])
        label, proba = s.run(None, {"X": X})
        assert (label == clf.predict(X)).all()
        assert np.abs(proba - clf.predict_proba(X)).max() < 1e-5
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.stdout.strip() == "ok", result.stderr[-3000:]


def test_register_is_idempotent_and_enables_options_by_class(cancer):
    skdnn.onnx.register()
    skdnn.onnx.register()
    assert skl2onnx.get_model_alias(DNNClassifier) == "SkdnnDNNClassifier"
    assert skl2onnx.get_model_alias(DNNRegressor) == "SkdnnDNNRegressor"
    assert skl2onnx.get_model_alias(DNNAutoencoder) == "SkdnnDNNAutoencoder"
    X, y = cancer
    clf = DNNClassifier(**SMALL).fit(X, y)
    onx = skl2onnx.convert_sklearn(
        clf,
        initial_types=[("X", FloatTensorType([None, X.shape[1]]))],
        options={DNNClassifier: {"zipmap": False}},
    )
    assert [o.name for o in onx.graph.output] == ["label", "probabilities"]


@pytest.mark.parametrize("meta", ["voting", "one_vs_rest", "grid_search"])
def test_inside_meta_estimators(meta):
    # skl2onnx's converters of VotingClassifier and OneVsRestClassifier look the
    # sub-models' converters up directly: those need skdnn.onnx imported (it is)
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    clf = DNNClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    model = {
        "voting": VotingClassifier(
            [("dnn", clf), ("lr", LogisticRegression())],
            voting="soft",
            flatten_transform=False,
        ),
        "one_vs_rest": OneVsRestClassifier(clf),
        "grid_search": GridSearchCV(clf, {"l2": [0.0, 1e-3]}, cv=2),
    }[meta].fit(X, y)
    out = run(model, X, options={id(model): {"zipmap": False}})
    np.testing.assert_array_equal(out["label"], model.predict(X))
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_grid_search_converts_with_the_default_zipmap(dtype):
    # GridSearchCV's converter copies its model's outputs with Identity, which
    # takes tensors only: the ZipMap must be an operator of its own after the
    # model's (it was inside it, and onnxruntime refused the graph)
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(dtype)
    clf = DNNClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    for model in (
        GridSearchCV(clf, {"l2": [0.0, 1e-3]}, cv=2).fit(X, y),
        make_pipeline(StandardScaler(), GridSearchCV(clf, {"l2": [0.0]}, cv=2)).fit(
            X, y
        ),
    ):
        out = run(model, X)
        label, proba = out.get("output_label"), out.get("output_probability")
        if label is None:  # the grid search's own outputs, as tensors
            label, proba = out["label"], out["probabilities"]
        else:
            proba = np.array([[row[k] for k in range(3)] for row in proba])
        np.testing.assert_array_equal(label, model.predict(X))
        np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)


def test_subclass(cancer):
    class MyClassifier(DNNClassifier):
        pass

    X, y = cancer
    clf = MyClassifier(**SMALL).fit(X, y)
    assert_classifier_agrees(clf, X.astype(np.float32))


def test_onnx_graph_is_valid(digits600):
    onnx = require("onnx")
    X, y = digits600
    clf = DNNClassifier(batch_norm="before", activation="gelu", **SMALL).fit(X, y)
    onnx.checker.check_model(skl2onnx.to_onnx(clf, X[:1].astype(np.float32)))


# -- bad input -------------------------------------------------------------------------
class Square(Layer):
    """A user layer with no ONNX translation."""

    def forward(self, X, *, training=False, rng=None):
        return X * X


def test_unsupported_layer(digits600):
    X, y = digits600
    clf = DNNClassifier(**SMALL).fit(X, y)
    clf.network_.layers.insert(2, Square())
    with pytest.raises(TypeError, match=r"layer Square\(\).*test_onnx\.Square"):
        skl2onnx.to_onnx(clf, X[:1].astype(np.float32))


def test_unfitted():
    with pytest.raises(NotFittedError):
        skl2onnx.to_onnx(DNNClassifier(), np.zeros((1, 3), np.float32))


def test_wrong_number_of_features(digits600):
    X, y = digits600
    clf = DNNClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 64 features"):
        skl2onnx.to_onnx(clf, X[:1, :5].astype(np.float32))


def test_string_input(digits600):
    X, y = digits600
    reg = DNNRegressor(**SMALL).fit(X, y)
    with pytest.raises(TypeError, match="numeric tensor"):
        skl2onnx.convert_sklearn(
            reg, initial_types=[("X", StringTensorType([None, 64]))]
        )


def test_dataframe_input(digits600):
    pd = require("pandas")
    X, y = digits600
    reg = DNNRegressor(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="DataFrame"):
        columns = [f"x{i}" for i in range(X.shape[1])]
        skl2onnx.to_onnx(reg, pd.DataFrame(X[:1], columns=columns))


def test_unknown_zipmap_value(cancer):
    X, y = cancer
    clf = DNNClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="zipmap"):
        skl2onnx.to_onnx(clf, X[:1], options={"zipmap": "columns"})


def test_labels_neither_integers_nor_strings(cancer):
    X, y = cancer
    clf = DNNClassifier(**SMALL).fit(X, y)
    clf.classes_ = np.array([0.5, 1.5])  # fit refuses such labels; a user may not
    with pytest.raises(ValueError, match="integers or strings"):
        skl2onnx.to_onnx(clf, X[:1])


def test_old_opset(cancer):
    X, y = cancer
    reg = DNNRegressor(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="target_opset >= 9"):
        skl2onnx.convert_sklearn(
            reg, initial_types=[("X", DoubleTensorType([None, 30]))], target_opset=8
        )
