"""DNNAutoencoder: reconstruction, greedy vs joint training, pandas output, and
unsupervised pretraining of a classifier through ``transfer_from``."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNAutoencoder, DNNClassifier, presets

from .conftest import PLAIN_CLASSIFIER, require

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def X():
    return StandardScaler().fit_transform(load_digits().data).astype(np.float32)


@pytest.fixture(scope="module")
def joint(X):
    # no dropout: the reconstruction quality is what is tested here
    return DNNAutoencoder(
        hidden_layer_sizes=(64, 16),
        dropout=0.0,
        learning_rate=0.003,
        max_iter=60,
        random_state=0,
    ).fit(X)


def _mse(a, b):
    return float(np.mean((a - b) ** 2))


def test_round_trip_reconstructs_digits(X, joint):
    codings = joint.transform(X)
    assert codings.shape == (len(X), 16) and codings.dtype == np.float64
    error = _mse(joint.inverse_transform(codings), X)
    # Features are standardised (variance 1): 16 codings keep most of it, about as
    # well as PCA with 16 components.
    pca = PCA(16).fit(X)
    pca_error = _mse(pca.inverse_transform(pca.transform(X)), X)
    assert error < 0.35
    assert error < 1.5 * pca_error
    assert joint.n_components_ == 16
    assert [c.shape[1] for c in joint.coefs_] == [64, 16, 64, 64]


def test_greedy_pretraining_then_joint_fine_tuning(X):
    greedy = DNNAutoencoder(
        hidden_layer_sizes=(64, 16),
        pretraining="greedy",
        dropout=0.0,
        learning_rate=0.003,
        max_iter=20,
        random_state=0,
    ).fit(X)
    assert greedy.n_iter_ == 40  # two stages of max_iter epochs (or fewer)
    error = _mse(greedy.inverse_transform(greedy.transform(X)), X)
    assert error < 0.6
    assert greedy.best_loss_ == pytest.approx(error, rel=1e-3)
    greedy.set_params(pretraining="joint", warm_start=True, max_iter=10).fit(X)
    assert _mse(greedy.inverse_transform(greedy.transform(X)), X) < error
    assert greedy.n_iter_ == 50


def test_greedy_stages_use_penalties_max_norm_and_the_schedule(X):
    params = dict(
        hidden_layer_sizes=(32, 8),
        pretraining="greedy",
        dropout=0.0,
        learning_rate=0.01,
        max_iter=4,
        n_iter_no_change=10,
        random_state=0,
    )
    plain = DNNAutoencoder(**params).fit(X)
    # max-norm: every kernel column of every stage, hence of the stack
    capped = DNNAutoencoder(max_norm=0.5, **params).fit(X)
    assert max(np.linalg.norm(W, axis=0).max() for W in plain.coefs_) > 0.6
    for W in capped.coefs_:
        assert np.linalg.norm(W, axis=0).max() <= 0.5 * (1 + 1e-6)
    # l2 shrinks the weights of every stage
    shrunk = DNNAutoencoder(l2=0.05, **params).fit(X)
    for W_l2, W in zip(shrunk.coefs_, plain.coefs_):
        assert np.sum(W_l2**2) < 0.9 * np.sum(W**2)
    # the schedule starts afresh in each stage: 4 epochs of decay, twice
    decayed = DNNAutoencoder(lr_schedule="exponential", **params).fit(X)
    lr = decayed.history_["lr"]  # the rate at the end of each epoch
    assert len(lr) == 8 and lr[:4] == lr[4:]
    assert 0.01 > lr[0] > lr[1] > lr[2] > lr[3]
    assert plain.history_["lr"] == [pytest.approx(0.01)] * 8
    # joint fine-tuning afterwards runs a schedule of its own, even when an earlier
    # joint fit of the same estimator left one
    again = DNNAutoencoder(
        lr_schedule="exponential", **dict(params, pretraining="joint")
    )
    again.fit(X).set_params(pretraining="greedy").fit(X)
    for est in (decayed, again):
        est.set_params(pretraining="joint", warm_start=True, max_iter=2).fit(X)
    assert again.history_["lr"] == decayed.history_["lr"]
    assert decayed.history_["lr"][8] > lr[7]


def test_partial_fit_learns_from_chunks(X):
    params = dict(hidden_layer_sizes=(64, 16), dropout=0.0, learning_rate=0.003)
    streamed = DNNAutoencoder(pretraining="greedy", random_state=0, **params)
    chunks = np.array_split(np.arange(len(X)), 4)
    errors = []
    for _ in range(15):
        for idx in chunks:
            streamed.partial_fit(X[idx])
        errors.append(_mse(streamed.inverse_transform(streamed.transform(X)), X))
    assert streamed.n_iter_ == 60 and len(streamed.history_["loss"]) == 60
    assert errors[-1] < 0.7 * errors[0]
    fitted = DNNAutoencoder(max_iter=15, random_state=0, **params).fit(X)
    assert errors[-1] < 1.2 * _mse(fitted.inverse_transform(fitted.transform(X)), X)
    with pytest.raises(ValueError, match="features"):
        streamed.partial_fit(X[:10, :5])


def test_pandas_output_and_feature_names(X, joint):
    pd = require("pandas")
    df = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    ae = DNNAutoencoder(hidden_layer_sizes=(8, 3), max_iter=3, random_state=0)
    out = ae.set_output(transform="pandas").fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == [f"dnnautoencoder{i}" for i in range(3)]
    np.testing.assert_array_equal(out.columns, ae.get_feature_names_out())
    assert out.index.equals(df.index)
    assert joint.get_feature_names_out().shape == (16,)


def test_in_a_pipeline(X):
    y = load_digits().target
    pipe = make_pipeline(
        DNNAutoencoder(hidden_layer_sizes=(32,), max_iter=60, random_state=0),
        LogisticRegression(max_iter=200),
    )
    assert pipe.fit(X[:600], y[:600]).score(X[600:], y[600:]) > 0.8


def test_unsupervised_pretraining_reuses_the_encoder(X, joint):
    y = load_digits().target
    codings = joint.transform(X)
    clf = DNNClassifier(
        hidden_layer_sizes=(), transfer_from=joint, freeze_epochs=None, max_iter=5,
        random_state=0,
    )  # fmt: skip
    clf.fit(X[:100], y[:100])
    assert [c.shape for c in clf.coefs_] == [(64, 64), (64, 16), (16, 10)]
    np.testing.assert_array_equal(clf.coefs_[0], joint.coefs_[0])
    np.testing.assert_array_equal(clf.coefs_[1], joint.coefs_[1])
    np.testing.assert_array_equal(joint.transform(X), codings)  # source unchanged
    with pytest.raises(ValueError, match="at most 2"):
        DNNClassifier(transfer_from=joint, transfer_layers=3).fit(X[:50], y[:50])


def test_transform_runs_in_blocks_like_one_pass(X, joint):
    # three blocks of rows, float64 input cast block by block
    X_big = np.vstack([X] * 3).astype(np.float64)  # 5391 rows
    X_before = X_big.copy()
    codings = joint.transform(X_big)
    np.testing.assert_array_equal(X_big, X_before)
    net = joint.network_
    n_encoder = joint._n_encoder_layers()
    H = net.forward(X_big.astype(net.dtype), training=False, stop=n_encoder)
    # float32 products differ with the number of rows (BLAS blocking): round-off
    np.testing.assert_allclose(codings, H, rtol=1e-4, atol=1e-5)
    decoded = joint.inverse_transform(codings)
    assert decoded.dtype == np.float64 and decoded.shape == X_big.shape
    Y = net.forward(codings.astype(net.dtype), training=False, start=n_encoder)
    np.testing.assert_allclose(decoded, Y, rtol=1e-4, atol=1e-5)
    # a value beyond float32 in the last block: the per-block cast still says so
    X_big[-1, 0] = 1e39
    with pytest.raises(ValueError, match="beyond the range of float32"):
        joint.transform(X_big)


def test_errors_say_what_to_change(X, joint):
    with pytest.raises(ValueError, match="16 columns"):
        joint.inverse_transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="at least one hidden layer"):
        DNNAutoencoder(hidden_layer_sizes=()).fit(X)
    with pytest.raises(TypeError, match=r"DNNAutoencoder.__init__\(\).*transfer_from"):
        DNNAutoencoder(transfer_from=joint)


def test_score_is_the_explained_variance_and_tunes_without_a_scoring(X, joint):
    from scipy import sparse
    from sklearn.metrics import r2_score
    from sklearn.model_selection import GridSearchCV

    decoded = joint.inverse_transform(joint.transform(X))
    expected = r2_score(X, decoded, multioutput="variance_weighted")
    assert joint.score(X) == pytest.approx(expected, rel=1e-6)
    assert joint.score(X) > 0.8  # (64, 16) units, 60 epochs: a good reconstruction
    search = GridSearchCV(
        DNNAutoencoder(hidden_layer_sizes=(16, 4), max_iter=3, random_state=0),
        {"hidden_layer_sizes": [(16, 2), (16, 8)]},
        cv=2,
    ).fit(X[:600])
    assert search.best_params_["hidden_layer_sizes"] == (16, 8)  # more codings
    with pytest.raises(TypeError, match="sparse X in score"):
        joint.score(sparse.csr_matrix(X))


def test_greedy_pretraining_names_early_stopping_as_unused(X):
    from skdnn import UnusedParameterWarning

    with pytest.warns(UnusedParameterWarning, match="early_stopping=True: greedy "
                      "stages train without a validation set"):  # fmt: skip
        DNNAutoencoder(
            hidden_layer_sizes=(16, 8),
            pretraining="greedy",
            early_stopping=True,
            max_iter=1,
            random_state=0,
        ).fit(X[:200])


def test_parameters_are_the_shared_ones_plus_pretraining():
    params = DNNAutoencoder().get_params()
    shared = set(DNNClassifier().get_params()) - {"class_weight", "label_smoothing"}
    transfer = {
        "transfer_from",
        "transfer_layers",
        "freeze_epochs",
        "reused_learning_rate_factor",
    }
    # the input layers fitted to the training data are the supervised
    # estimators' own: the autoencoder reconstructs X as given
    input_layers = {
        "input_scaling",
        "numeric_embedding",
        "embedding_frequencies",
        "embedding_size",
        "embedding_sigma",
        "feature_scale",
        "ensemble_size",  # an autoencoder is one network
        # it reconstructs numbers: no categories to encode, no values to impute
        "categorical_features",
        "missing_values",
        "max_one_hot_categories",
        "category_embedding_size",
        "min_category_frequency",
    }
    assert input_layers <= shared
    assert set(params) == (shared - transfer - input_layers) | {"pretraining"}
    assert params["hidden_layer_sizes"] == (100, 30)
    # the classifier's new defaults are its own: the autoencoder keeps the old ones
    old = {k: v for k, v in PLAIN_CLASSIFIER.items() if k in params}
    del old["hidden_layer_sizes"]
    assert {k: params[k] for k in old} == old
    assert DNNAutoencoder(hidden_layer_sizes=(5,)).hidden_layer_sizes == (5,)


def test_failed_fit_advice_names_only_parameters_the_autoencoder_has():
    # 3 epochs of the chapter's network with dropout 0.4 on 150 digits: the
    # reconstruction is worse than the mean. The advice must not send the user
    # to input_scaling, which the autoencoder does not have.
    X = StandardScaler().fit_transform(load_digits().data[:150])
    params = presets.general(estimator=DNNAutoencoder, max_iter=3)
    with pytest.warns(ConvergenceWarning, match="no better than") as record:
        DNNAutoencoder(**params, random_state=0).fit(X)
    message = str(record[0].message)
    assert "train longer (max_iter, now 3)" in message
    assert "input_scaling" not in message
