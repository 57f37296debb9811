"""Sparse X (scipy CSR/CSC matrices and arrays): the same model as dense X, never
all of X densified, the input-scale warning computed on the stored values."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor, _sparse
from skdnn._validation import far_from_unit_scale
from skdnn.nn.layers import Dense

from .conftest import plain_classifier, plain_regressor, require

SMALL = dict(hidden_layer_sizes=(16,), max_iter=4, random_state=0, batch_size=32)
# Sparse X equals dense X for an explicit configuration: the old defaults
# (plain_classifier, plain_regressor) set no input layer, where the "auto" input
# layers of the new defaults are used for dense X only.


def _tfidf(n_docs=300, seed=0):
    """A TF-IDF matrix of synthetic documents whose topic is the label."""
    rng = np.random.RandomState(seed)
    vocab = np.array([f"w{i}" for i in range(400)])
    y = rng.randint(3, size=n_docs)
    docs = []
    for label in y:
        common = rng.choice(vocab[:300], size=15)
        topical = rng.choice(vocab[300 + 33 * label : 333 + 33 * label], size=5)
        docs.append(" ".join(np.concatenate([common, topical])))
    return TfidfVectorizer().fit_transform(docs), y, docs


@pytest.fixture(autouse=True)
def _quiet():
    # the tests compare fits of a few epochs on sparse and dense X, not their
    # quality: that they have not converged, or are still at chance, is true
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*max_iter=.*")
        warnings.filterwarnings("ignore", message=".*dead units.*")
        warnings.filterwarnings("ignore", message=".*no better than always predict")
        yield


@pytest.fixture
def toarray_rows(monkeypatch):
    """Rows of every sparse -> dense conversion of more than 3 columns (not the
    label binarizer's) made while the test runs."""
    seen = []
    for cls in (sparse.csr_matrix, sparse.csr_array, sparse.csc_matrix):
        original = cls.toarray

        def spy(self, *args, _original=original, **kwargs):
            if self.shape[1] > 3:
                seen.append(self.shape[0])
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "toarray", spy)
    return seen


def _pair(est, X, y, **fit):
    """The estimator fitted on sparse X and a clone fitted on X densified."""
    dense = est.__class__(**est.get_params(deep=False)).fit(X.toarray(), y, **fit)
    return est.fit(X, y, **fit), dense


CONFIGS = {
    "plain": {},
    "input_batch_norm": dict(input_batch_norm=True),
    "input_dropout": dict(input_dropout=0.2),
    "batch_norm_dropout": dict(batch_norm="before", dropout=0.2),
    "early_stopping": dict(early_stopping=True, validation_fraction=0.2),
    "diagnostics_l2_schedule": dict(diagnostics=True, l2=1e-3, lr_schedule="1cycle"),
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.csc_array])
def test_classifier_sparse_equals_dense(config, container):
    X, y, _ = _tfidf()
    X = container(X)
    est = plain_classifier(dtype="float64", **SMALL, **config)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    a, b = _pair(est, X, y, sample_weight=weights)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()),
                               rtol=1e-9, atol=1e-12)  # fmt: skip
    for ca, cb in zip(a.coefs_, b.coefs_):
        np.testing.assert_allclose(ca, cb, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)
    assert a.score(X, y) == b.score(X.toarray(), y)


# 4 epochs compare the two fits, not their quality: with l2 and 1cycle the
# regressor is no better than the mean yet
@pytest.mark.filterwarnings(
    "ignore:.*no better than always predicting:sklearn.exceptions.ConvergenceWarning"
)
@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_regressor_sparse_equals_dense(config):
    X = sparse.random(200, 60, density=0.05, format="csr", random_state=0)
    y = np.asarray(X @ np.arange(60.0)).ravel() + 1.0
    est = plain_regressor(dtype="float64", **SMALL, **config)
    a, b = _pair(est, X, y)
    np.testing.assert_allclose(a.predict(X), b.predict(X.toarray()), rtol=1e-9)
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-9, atol=1e-12)


def test_float32_classifier_class_weight_close_to_dense():
    X, y, _ = _tfidf()
    est = plain_classifier(class_weight="balanced", **SMALL)
    a, b = _pair(est, sparse.csr_array(X), y)
    assert a.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()),
                               rtol=1e-4, atol=1e-5)  # fmt: skip


def test_batches_stay_sparse_and_x_is_never_densified(toarray_rows, monkeypatch):
    X, y, _ = _tfidf()
    inputs = []
    forward = Dense.forward

    def spy(self, X, **kwargs):
        inputs.append(sparse.issparse(X))
        return forward(self, X, **kwargs)

    monkeypatch.setattr(Dense, "forward", spy)
    clf = DNNClassifier(early_stopping=True, **SMALL).fit(X, y)
    clf.predict_proba(X)
    assert toarray_rows == []  # the sparse product: no densified batch at all
    assert any(inputs) and inputs.count(True) >= 4 * 8  # every training batch


@pytest.mark.parametrize(
    "config", [dict(input_dropout=0.1), dict(input_batch_norm=True)]
)
def test_densified_one_batch_at_a_time(config, toarray_rows, monkeypatch):
    X, y, _ = _tfidf()
    # inference blocks (validation, Monte Carlo) of at most 50 rows
    monkeypatch.setattr(_sparse, "DENSE_BLOCK_BYTES", 50 * X.shape[1] * 4)
    clf = DNNClassifier(early_stopping=True, **SMALL, **config).fit(X, y)
    clf.predict_proba(X, mc_samples=3) if "input_dropout" in config else clf.predict(X)
    assert toarray_rows and max(toarray_rows) <= 50  # batches of 32, blocks of 50


def test_the_two_paths_agree(monkeypatch):
    """Sparse products and densified batches: the same fit to round-off."""
    X, y, _ = _tfidf()
    est = DNNClassifier(dtype="float64", **SMALL)
    sparse_path = est.fit(X, y).predict_proba(X)
    monkeypatch.setattr(_sparse, "SPARSE_DENSITY", -1.0)  # always densify
    densified = DNNClassifier(**est.get_params()).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(sparse_path, densified, rtol=1e-10, atol=1e-13)


def test_digits_as_csr_same_accuracy():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, stratify=y, random_state=0)
    params = dict(hidden_layer_sizes=(64,), max_iter=15, random_state=0)
    dense = plain_classifier(**params).fit(Xtr, ytr).score(Xte, yte)
    csr = plain_classifier(**params).fit(sparse.csr_matrix(Xtr), ytr)
    assert dense > 0.9
    assert csr.score(sparse.csr_matrix(Xte), yte) == pytest.approx(dense, abs=0.005)
    assert csr.score(Xte, yte) == pytest.approx(dense, abs=0.005)


def test_partial_fit_chunks_and_tfidf_pipeline():
    X, y, docs = _tfidf()
    a = plain_classifier(dtype="float64", **SMALL)
    b = plain_classifier(dtype="float64", **SMALL)
    for part in np.array_split(np.arange(len(y)), 3):
        a.partial_fit(X[part], y[part], classes=[0, 1, 2])
        b.partial_fit(X[part].toarray(), y[part], classes=[0, 1, 2])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()),
                               rtol=1e-9, atol=1e-12)  # fmt: skip
    pipe = make_pipeline(TfidfVectorizer(), DNNClassifier(max_iter=30, random_state=0))
    Xtr, Xte, ytr, yte = train_test_split(docs, y, random_state=0, stratify=y)
    assert pipe.fit(Xtr, ytr).score(Xte, yte) > 0.8


def test_monte_carlo_dropout_equals_dense():
    X = sparse.random(120, 30, density=0.1, format="csr", random_state=0)
    y = np.asarray(X.sum(axis=1)).ravel()
    reg = DNNRegressor(dropout=0.3, input_dropout=0.1, **SMALL).fit(X, y)
    mean, std = reg.predict(X, return_std=True, mc_samples=5)
    dense_mean, dense_std = reg.predict(X.toarray(), return_std=True, mc_samples=5)
    np.testing.assert_array_equal(mean, dense_mean)
    np.testing.assert_array_equal(std, dense_std)


@pytest.mark.parametrize("source_params", [{}, dict(input_batch_norm=True)])
def test_transfer_with_frozen_cached_layers(source_params):
    X, y, _ = _tfidf()
    # the old defaults: a source without dropout, whose frozen layers are cached
    source = plain_classifier(dtype="float64", **SMALL, **source_params).fit(X, y)
    params = dict(transfer_from=source, freeze_epochs=2, dtype="float64",
                  early_stopping=True, hidden_layer_sizes=(8,), max_iter=4,
                  random_state=0)  # fmt: skip
    a, b = _pair(plain_classifier(**params), X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()),
                               rtol=1e-9, atol=1e-12)  # fmt: skip


# X scaled by 1e-7 cannot be learned from in 4 epochs: that warning is true
@pytest.mark.filterwarnings(
    "ignore:.*no better than always predicting:sklearn.exceptions.ConvergenceWarning"
)
def test_input_scale_warning_on_stored_values(toarray_rows):
    X, y, _ = _tfidf()
    # one value of 0.01 in 100,000 rows: a standard deviation of 3e-5
    rare = sparse.csr_matrix(([0.01], ([5], [0])), shape=(100_000, 3))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        DNNClassifier(**SMALL).fit(X, y)  # TF-IDF: values in [0, 1]
    assert not [w for w in record if "unit scale" in str(w.message)]
    assert far_from_unit_scale(rare).size == 0
    assert far_from_unit_scale(rare.toarray()).size == 1  # the dense rule would
    big = X.copy()
    big.data *= 1e4
    with pytest.warns(UserWarning, match="far from unit scale") as record:
        DNNClassifier(**SMALL).fit(big, y)
    scale = [str(w.message) for w in record if "unit scale" in str(w.message)]
    # input_scaling="auto" leaves sparse X as it is: the advice keeps it sparse
    assert len(scale) == 1 and "MaxAbsScaler" in scale[0]
    assert "input_scaling" not in scale[0] and "StandardScaler" not in scale[0]
    tiny = X.copy()
    tiny.data *= 1e-7
    with pytest.warns(UserWarning, match="far from unit scale"):
        DNNClassifier(**SMALL).fit(tiny, y)
    assert toarray_rows == []


def test_dtypes_and_copies():
    X, _, _ = _tfidf()
    X64 = sparse.csr_matrix(X, dtype=np.float64)
    X32 = _sparse.to_csr(X64, np.dtype(np.float32))
    assert X32.dtype == np.float32 and np.shares_memory(X32.indices, X64.indices)
    assert _sparse.to_csr(X32, np.dtype(np.float32)) is X32
    assert _sparse.to_csr(X32.tocsc(), np.dtype(np.float32)).format == "csr"


def test_clear_errors():
    X, y, _ = _tfidf()
    with pytest.raises(TypeError, match="sparse X in fit"):
        DNNAutoencoder(max_iter=2).fit(X)
    with pytest.raises(TypeError, match="sparse X in fit"):
        DNNAutoencoder(max_iter=2).partial_fit(X)
    huge = sparse.csr_matrix(X, dtype=np.float64, copy=True)
    huge.data[0] = 1e39
    with pytest.raises(ValueError, match="beyond the range of float32"):
        DNNClassifier(**SMALL).fit(huge, y)
    bad = sparse.csr_matrix(X, copy=True)
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DNNClassifier(**SMALL).fit(bad, y)
    clf = DNNClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(bad)
    # a sparse y: scikit-learn's rule (only a multilabel indicator may be sparse)
    for est in (DNNClassifier(**SMALL), DNNRegressor(**SMALL)):
        with pytest.raises(TypeError, match=r"y is a sparse matrix; pass it dense"):
            est.fit(X, sparse.csr_matrix(y[:, None].astype(float)))
    indicator = sparse.csr_matrix(np.eye(3)[y])
    assert DNNClassifier(**SMALL).fit(X, indicator).predict(X).shape == (len(y), 3)


def test_input_batch_norm_above_a_feature_scale_on_sparse_x():
    # a feature scale reads dense X: the input batch norm's starting statistics
    # are computed through it (this crashed); "auto" leaves it out for sparse X
    X, y, _ = _tfidf()
    params = dict(input_batch_norm=True, input_scaling=None, numeric_embedding=None,
                  feature_scale=True, dtype="float64", max_iter=2, random_state=0)  # fmt: skip
    sparse_fit = DNNRegressor(**params).fit(X, y.astype(float))
    dense_fit = DNNRegressor(**params).fit(X.toarray(), y.astype(float))
    np.testing.assert_allclose(
        sparse_fit.predict(X), dense_fit.predict(X.toarray()), rtol=1e-9, atol=1e-12
    )


def test_the_regressors_feature_scale_is_for_dense_x(toarray_rows):
    X, y, _ = _tfidf()
    sparse_fit = DNNRegressor(max_iter=1, random_state=0).fit(X, y.astype(float))
    assert not any(type(layer).__name__ == "FeatureScale"
                   for layer in sparse_fit.network_.layers)  # fmt: skip
    assert toarray_rows == []  # the batches stayed sparse
    dense_fit = DNNRegressor(max_iter=1, random_state=0).fit(X.toarray(), y * 1.0)
    assert any(type(layer).__name__ == "FeatureScale"
               for layer in dense_fit.network_.layers)  # fmt: skip


def test_a_model_that_encodes_a_table_refuses_sparse_x_at_prediction():
    pd = require("pandas")
    X = pd.DataFrame({"a": np.arange(60.0), "b": pd.Categorical(["x", "y"] * 30)})
    clf = DNNClassifier(**SMALL).fit(X, np.arange(60) % 2)
    with pytest.raises(ValueError, match="not a sparse matrix"):
        clf.predict(sparse.csr_matrix(np.ones((2, 2))))


def test_autoencoder_transforms_sparse_x():
    X, _, _ = _tfidf()
    Xd = X.toarray()
    ae = DNNAutoencoder(hidden_layer_sizes=(20, 5), max_iter=3, random_state=0)
    ae.fit(Xd)
    np.testing.assert_allclose(ae.transform(X), ae.transform(Xd), rtol=1e-5,
                               atol=1e-6)  # fmt: skip
