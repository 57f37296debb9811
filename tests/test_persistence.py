"""Saving and loading: joblib round trips, skops with skdnn's trusted types, and
the warning for a model saved by another skdnn version."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import skdnn
from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor, ReduceLROnPlateau
from skdnn.exceptions import InconsistentVersionWarning
from skdnn.persistence import trusted_types

from .conftest import require

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _models(X, y):
    """One fitted model of each kind a file can hold: all estimators, BN + dropout,
    float64, an optimizer instance and schedules, transfer learning."""
    small = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    ae = DNNAutoencoder(
        (6, 3), pretraining="greedy", activation="elu", max_iter=3, random_state=0
    ).fit(X)
    return {
        "classifier": DNNClassifier(**small).fit(X, y),
        "bn_dropout": DNNClassifier(
            **{**small, "hidden_layer_sizes": (8, 8)},
            batch_norm="before",
            dropout=0.3,
            input_batch_norm=True,
            input_dropout=0.1,
            l2=1e-3,
            max_norm=3.0,
            lr_schedule="exponential",
            early_stopping=True,
        ).fit(X, y),
        "regressor": DNNRegressor(
            **small,
            activation="selu",
            dropout=0.2,
            dtype="float64",
            optimizer=skdnn.SGD(momentum=0.9),
            lr_schedule=ReduceLROnPlateau(),
        ).fit(X, X[:, :2]),
        "autoencoder": ae,
        "transfer": DNNClassifier(**small, transfer_from=ae, freeze_epochs=1).fit(X, y),
    }


def _outputs(model, X):
    if isinstance(model, DNNAutoencoder):
        return model.transform(X), model.inverse_transform(model.transform(X))
    out = [model.predict(X)]
    if isinstance(model, DNNClassifier):
        out.append(model.predict_proba(X))
    if skdnn.nn.dropout.has_dropout(model.network_):
        mc = model.predict_proba if isinstance(model, DNNClassifier) else model.predict
        out.append(mc(X, mc_samples=5))
    return out


@pytest.fixture(scope="module")
def models(wine):
    return _models(*wine)


@pytest.mark.parametrize(
    "name", ["classifier", "bn_dropout", "regressor", "autoencoder", "transfer"]
)
def test_joblib_round_trip_predicts_identically(tmp_path, wine, models, name):
    X, y = wine
    model = models[name]
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        loaded = joblib.load(path)
    for a, b in zip(_outputs(loaded, X), _outputs(model, X)):
        np.testing.assert_array_equal(a, b)
    # a loaded model trains on: its layers are views into the loaded theta
    assert np.shares_memory(loaded.coefs_[0], loaded.network_.theta)


@pytest.mark.parametrize(
    "name", ["classifier", "bn_dropout", "regressor", "autoencoder", "transfer"]
)
def test_skops_loads_trusting_only_skdnn_types(tmp_path, wine, models, name):
    sio = require("skops.io")
    X, y = wine
    model = models[name]
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    # everything skops does not trust already is skdnn's own, or numpy's dtype
    assert set(untrusted) <= set(trusted_types())
    assert all(t.startswith("skdnn.") or t == "numpy.dtype" for t in untrusted)
    assert type(model).__module__ + "." + type(model).__name__ in untrusted
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path)
    with warnings.catch_warnings():
        # skops restores through __setstate__: the version check runs, silently
        warnings.simplefilter("error", InconsistentVersionWarning)
        loaded = sio.load(path, trusted=trusted_types())
    assert "__skdnn_version__" not in vars(loaded)
    for a, b in zip(_outputs(loaded, X), _outputs(model, X)):
        np.testing.assert_array_equal(a, b)


def test_skops_still_refuses_a_user_callable(tmp_path, wine):
    """trusted_types() vouches for skdnn only: a function the user passed (here a
    kernel initializer) stays untrusted and must be reviewed and trusted by name."""
    sio = require("skops.io")
    X, y = wine
    model = DNNClassifier(
        hidden_layer_sizes=(4,), kernel_initializer=_small_init, max_iter=2
    ).fit(X, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    extra = set(sio.get_untrusted_types(file=path)) - set(trusted_types())
    assert extra == {f"{__name__}._small_init"}
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path, trusted=trusted_types())
    loaded = sio.load(path, trusted=trusted_types() + sorted(extra))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def _small_init(shape, rng):
    return rng.uniform(-0.1, 0.1, size=shape)


def test_trusted_types_are_skdnn_classes_and_numpy_dtype():
    names = trusted_types()
    assert names == sorted(set(names))
    assert "numpy.dtype" in names
    assert not [n for n in names if not n.startswith("skdnn.") and n != "numpy.dtype"]
    # no exceptions, no training machinery: a model never holds them
    assert not {"skdnn.exceptions.DivergenceError", "skdnn._training.Diverged"} & set(
        names
    )
    assert "skdnn._training.Trainer" not in names
    assert not [n for n in names if n.rsplit(".", 1)[1].startswith("_")]


def test_model_from_another_version_warns_on_load(wine):
    X, y = wine
    model = DNNClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    state = model.__getstate__()
    assert state["__skdnn_version__"] == skdnn.__version__
    assert "__skdnn_version__" not in model.__dict__

    state["__skdnn_version__"] = "0.0.1"
    other = DNNClassifier.__new__(DNNClassifier)
    with pytest.warns(
        InconsistentVersionWarning, match=r"0\.0\.1.*" + skdnn.__version__
    ) as rec:
        other.__setstate__(state)
    warning = rec[0].message
    assert warning.original_skdnn_version == "0.0.1"
    assert warning.current_skdnn_version == skdnn.__version__
    assert warning.estimator_name == "DNNClassifier"
    # the model still loads and predicts as saved
    np.testing.assert_array_equal(other.predict_proba(X), model.predict_proba(X))

    # a model pickled before skdnn stored its version also warns
    state.pop("__skdnn_version__", None)
    with pytest.warns(InconsistentVersionWarning, match="unknown"):
        pickle.loads(pickle.dumps(model)).__setstate__(state)


def test_trusted_types_reachable_after_import_skdnn_alone():
    # the README writes skdnn.persistence.trusted_types() after `import skdnn`
    import subprocess
    import sys

    code = "import skdnn; print(len(skdnn.persistence.trusted_types()) > 10)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"
