"""Bad input, tried systematically with hypothesis.

Every estimator is fed random shapes and dtypes, NaN/inf, huge and tiny magnitudes,
constant features, one class, one sample, empty data, mismatched ``sample_weight``
and invalid hyperparameters. Each case must end in one of:

- a scikit-learn-style ``ValueError``/``TypeError`` (``InvalidParameterError`` is
  both) raised by validation, before any training computation, whose message says
  what is wrong;
- ``skdnn.DivergenceError`` (the data overflow the network's dtype), after which
  the model is fitted and its weights finite;
- a valid fit whose predictions are finite, or a ``ValueError`` from predict
  saying that outputs overflowed (never NaN predictions).

The number of cases tried and their outcomes are printed in the test summary.
"""

import collections
import traceback
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skdnn import DivergenceError, DNNAutoencoder, DNNClassifier, DNNRegressor

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::skdnn.exceptions.GradientFlowWarning",
)

EXAMPLES = 400
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OUTCOMES = collections.Counter()
# Stack frames that compute; a validation error must be raised before any of them.
_COMPUTE_FRAMES = {"train_epoch", "forward", "backward", "gradient", "step"}

SPECIAL = [0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e300, -1e300, 1e-300, 5e-324]
SPECIAL += [3e38, 1e39, 1e30, -1e20, 1e-45, 65504.0]
# float64/float32 weighted up so that a good share of cases can fit
DTYPES = (
    ["float64"] * 4 + ["float32"] * 2 + ["float16", "int64", "int8", "uint8", "bool"]
)
DTYPES += ["complex128", "object"]

INVALID_PARAMS = [
    {"hidden_layer_sizes": (0,)},
    {"hidden_layer_sizes": (3, -1)},
    {"hidden_layer_sizes": "ten"},
    {"dropout": 1.0},
    {"dropout": -0.1},
    {"batch_size": 0},
    {"max_iter": 0},
    {"learning_rate": -1.0},
    {"learning_rate": 0.0},
    {"activation": "relux"},
    {"optimizer": "adamx"},
    {"kernel_initializer": "xavier"},
    {"clipnorm": 1.0, "clipvalue": 1.0},
    {"validation_fraction": 1.0, "early_stopping": True},
    {"batch_norm": "middle"},
    {"dtype": "float16"},
    {"lr_schedule": "cosine"},
    {"momentum": 1.5, "optimizer": "sgd"},
    {"beta_1": 1.0},
    {"n_iter_no_change": 0},
    {"transfer_layers": 1},  # without transfer_from
]
# each estimator's own parameters: valid settings and invalid ones
CLASSIFIER_PARAMS = [{}] * 4 + [{"label_smoothing": 0.1}, {"label_smoothing": 1.5}]
REGRESSOR_PARAMS = [{}] * 4 + [
    {"loss": "absolute_error"},
    {"loss": "huber", "huber_delta": 0.5},
    {"loss": "poisson"},
    {"loss": "poisson", "normalize_y": False},
    {"loss": "hubber"},
    {"loss": "huber", "huber_delta": 0.0},
]


@pytest.fixture(scope="module", autouse=True)
def report_counts(request):
    """Print the number of cases tried, visible without ``-s``."""
    yield
    total = sum(OUTCOMES.values())
    line = f"test_bad_input: {total} cases tried: " + ", ".join(
        f"{n} {outcome}" for outcome, n in sorted(OUTCOMES.items())
    )
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)


def _values(dtype):
    if dtype == "object":
        return st.sampled_from(["a", "1.5", None, 2, 3.0])
    if dtype == "bool":
        return st.booleans()
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        return st.integers(int(info.min), int(info.max))
    if dtype == "complex128":
        return st.complex_numbers(max_magnitude=10, allow_nan=False)
    width = {"float16": 16, "float32": 32}.get(dtype, 64)
    limit = float(np.finfo(dtype).max)
    special = [v for v in SPECIAL if not np.isfinite(v) or abs(v) <= limit]
    return st.one_of(st.floats(-10, 10, width=width), st.sampled_from(special))


@st.composite
def arrays(draw, n_samples=None):
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(0, 8)) if n_samples is None else n_samples
    d = draw(st.integers(0 if draw(st.integers(0, 5)) == 0 else 1, 4))
    values = _values(dtype)
    if draw(st.integers(0, 2)):  # mostly tame data with the odd special value
        values = st.floats(-3, 3) if dtype.startswith("float") else values
    X = draw(
        hnp.arrays(object if dtype == "object" else dtype, (n, d), elements=values)
    )
    if draw(st.integers(0, 4)) == 0 and X.size:  # a constant feature
        X[:, 0] = X.flat[0]
    if draw(st.integers(0, 5)) == 0 and dtype.startswith("float") and X.size:
        X.flat[draw(st.integers(0, X.size - 1))] = draw(_values(dtype))
    return X


@st.composite
def targets(draw, n, kind):
    if kind == "classifier":
        n_classes = draw(st.sampled_from([1, 2, 3]))
        labels = draw(st.sampled_from([[0, 1, 2], ["a", "b", "c"], [0.5, 1.5, 2.5]]))
        y = np.array(
            draw(st.lists(st.sampled_from(labels[:n_classes]), min_size=n, max_size=n))
        )
        if draw(st.integers(0, 6)) == 0:
            y = np.linspace(0, 1, n)  # continuous: not a classification target
        return y
    values = st.one_of(st.floats(-3, 3), st.sampled_from(SPECIAL))
    if draw(st.integers(0, 3)) == 0:  # counts, for loss="poisson"
        values = st.one_of(st.integers(0, 20).map(float), st.sampled_from(SPECIAL))
    shape = (n,) if draw(st.booleans()) else (n, draw(st.integers(1, 2)))
    return draw(hnp.arrays("float64", shape, elements=values))


@st.composite
def sample_weights(draw, n):
    kind = draw(
        st.sampled_from(
            ["none"] * 6 + ["ok", "length", "negative", "nan", "zeros", "huge"]
        )
    )
    if kind == "none":
        return None
    m = n if kind != "length" else n + draw(st.sampled_from([-1, 1, 2]))
    w = np.ones(max(m, 0))
    if w.size and kind in ("negative", "nan", "huge"):
        w[0] = {"negative": -1.0, "nan": np.nan, "huge": 1e300}[kind]
    if kind == "zeros":
        w[:] = 0
    return w


@st.composite
def params(draw):
    p = {
        "hidden_layer_sizes": draw(st.sampled_from([(3,), (4, 2), ()])),
        "max_iter": draw(st.integers(1, 3)),
        "batch_size": draw(st.sampled_from(["auto", 1, 3])),
        "early_stopping": draw(st.booleans()),
        "random_state": 0,
        "dtype": draw(st.sampled_from(["float32", "float64"])),
    }
    extra = draw(
        st.sampled_from(
            [
                {},
                {},
                {"batch_norm": "before", "dropout": 0.3},
                {"activation": "selu", "dropout": 0.2},
            ]
        )
    )
    p.update(extra)
    if draw(st.integers(0, 5)) == 0:
        p.update(draw(st.sampled_from(INVALID_PARAMS)))
    return p


def _numpy_warnings_from_skdnn(caught):
    # scikit-learn's own finiteness check may warn on inf - inf; that is not ours
    return [
        w
        for w in caught
        if issubclass(w.category, RuntimeWarning) and "skdnn" in w.filename
    ]


def _predictions(est, X):
    if isinstance(est, DNNAutoencoder):
        return [est.transform(X), est.inverse_transform(est.transform(X))]
    if isinstance(est, DNNClassifier):  # labels may be strings: check probabilities
        est.predict(X)
        return [est.predict_proba(X)]
    return [est.predict(X)]


def _check_validation_error(exc):
    frames = {frame.name for frame in traceback.extract_tb(exc.__traceback__)}
    assert not frames & _COMPUTE_FRAMES, (
        f"{type(exc).__name__} raised from inside the computation, not by "
        f"validation: {exc}\n" + "".join(traceback.format_exception(exc))
    )
    assert len(str(exc)) > 15, f"uninformative message: {exc!r}"


def _try(est, X, y, sample_weight):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if y is None:
                est.fit(X, sample_weight=sample_weight)
            else:
                est.fit(X, y, sample_weight=sample_weight)
        except DivergenceError:
            outcome = "divergence errors"
            assert np.isfinite(est.network_.theta).all()
        except (ValueError, TypeError) as exc:
            _check_validation_error(exc)
            OUTCOMES["clear errors"] += 1
            return
        else:
            outcome = "valid fits"
        # fitted (also after divergence): predictions are finite or refused
        try:
            for P in _predictions(est, X):
                assert np.isfinite(np.asarray(P, dtype=float)).all(), "NaN predictions"
        except ValueError as exc:
            assert "overflowed" in str(exc), exc
            outcome += " (predict refused overflow)"
    OUTCOMES[outcome] += 1
    noisy = _numpy_warnings_from_skdnn(caught)
    assert not noisy, f"NumPy warning leaked from fit/predict: {noisy[0].message}"


@SETTINGS
@given(data=st.data())
def test_classifier_bad_input(data):
    X = data.draw(arrays())
    y = data.draw(targets(len(X), "classifier"))
    sw = data.draw(sample_weights(len(X)))
    p = {**data.draw(params()), **data.draw(st.sampled_from(CLASSIFIER_PARAMS))}
    _try(DNNClassifier(**p), X, y, sw)


@SETTINGS
@given(data=st.data())
def test_regressor_bad_input(data):
    X = data.draw(arrays())
    y = data.draw(targets(len(X), "regressor"))
    if data.draw(st.integers(0, 6)) == 0:
        y = y[:-1]  # mismatched lengths
    sw = data.draw(sample_weights(len(X)))
    p = {**data.draw(params()), **data.draw(st.sampled_from(REGRESSOR_PARAMS))}
    _try(DNNRegressor(**p), X, y, sw)


@SETTINGS
@given(data=st.data())
def test_autoencoder_bad_input(data):
    X = data.draw(arrays())
    p = data.draw(params())
    p = {k: v for k, v in p.items() if k in DNNAutoencoder().get_params()}
    p["pretraining"] = data.draw(st.sampled_from(["joint", "greedy"]))
    sw = data.draw(sample_weights(len(X)))
    _try(DNNAutoencoder(**p), X, None, sw)


_FITTED = []


@SETTINGS
@given(data=st.data())
def test_predict_bad_input_on_a_fitted_model(data):
    fitted = _FITTED
    if not fitted:  # one small model per run; hypothesis forbids function fixtures
        rng = np.random.RandomState(0)
        X = rng.randn(40, 3)
        fitted.append(
            DNNClassifier((4,), max_iter=5, dropout=0.2, random_state=0).fit(
                X, X[:, 0] > 0
            )
        )
        fitted.append(DNNRegressor((4,), max_iter=5, random_state=0).fit(X, X[:, 0]))
        fitted.append(DNNAutoencoder((2,), max_iter=5, random_state=0).fit(X))
    X = data.draw(arrays())
    est = fitted[data.draw(st.integers(0, 2))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outputs = _predictions(est, X)
            if isinstance(est, DNNClassifier):
                outputs.append(est.predict_proba(X, mc_samples=3))
        except (ValueError, TypeError) as exc:
            frames = {f.name for f in traceback.extract_tb(exc.__traceback__)}
            if "overflowed" not in str(exc):
                assert not frames & _COMPUTE_FRAMES, exc
            OUTCOMES["predict: clear errors"] += 1
        else:
            for P in outputs:
                assert np.isfinite(np.asarray(P, dtype=float)).all(), "NaN predictions"
            OUTCOMES["predict: finite outputs"] += 1
    noisy = _numpy_warnings_from_skdnn(caught)
    assert not noisy, f"NumPy warning leaked from predict: {noisy[0].message}"
