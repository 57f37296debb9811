"""scikit-learn's own estimator checks on every estimator.

In float64 every check passes. In float32 (the default), four checks compare
outputs to 1e-7 relative tolerance after reordering, subsetting or repeating
samples (the last on dense and on sparse X); BLAS or the sparse product then sums
in a different order, so outputs agree to float32 round-off only (measured up to
1.1e-7 relative dense, 1.9e-6 sparse), and whether a given case stays under 1e-7
depends on the CPU's kernels. Those four are run for the float64 estimators here,
and for float32 by ``test_float32_outputs_agree_to_round_off`` below, with
float32's tolerance: the same properties, no expected failures.
"""

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    _get_check_estimator_ids,
    estimator_checks_generator,
)

from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor

#: Checks that do not apply, which scikit-learn would only report as skipped: the
#: estimators have no decision_function, and do not claim array API support.
_NOT_APPLICABLE = {
    "check_classifiers_multilabel_output_format_decision_function",
    "check_array_api_input",
}
_ROUND_OFF_CHECKS = {
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
}
ESTIMATORS = [
    DNNClassifier(),
    DNNRegressor(),
    # float64 and no dropout: deterministic, exactly reproducible training
    DNNClassifier(dtype="float64", dropout=0.0),
    DNNRegressor(dtype="float64", dropout=0.0),
    DNNAutoencoder(),
    DNNAutoencoder(pretraining="greedy", dtype="float64", dropout=0.0),
]


def _checks():
    for estimator in ESTIMATORS:
        for est, check in estimator_checks_generator(estimator, legacy=True):
            name = getattr(check, "func", check).__name__
            if name in _NOT_APPLICABLE:
                continue
            if estimator.dtype == "float32" and name in _ROUND_OFF_CHECKS:
                continue  # float32's own tolerance: the test below
            yield est, check


# scikit-learn's checks fit on tiny or adversarial data (a handful of samples,
# columns in the hundreds, extreme class weights, an autoencoder with the
# default 200 epochs, n_iter_no_change=20 under the classifier's 1cycle, which
# does not use it): skdnn's advice about such fits is expected there
@pytest.mark.filterwarnings("ignore:.*1cycle.*runs all max_iter epochs")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::skdnn.GradientFlowWarning")
@pytest.mark.filterwarnings("ignore:.*far from unit scale:UserWarning")
@pytest.mark.parametrize(
    "estimator, check", list(_checks()), ids=_get_check_estimator_ids
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _outputs(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    if hasattr(est, "transform"):
        return est.transform(X)
    return est.predict(X)


# 20 epochs are enough to compare outputs, not to converge
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", [e for e in ESTIMATORS if e.dtype == "float32"])
def test_float32_outputs_agree_to_round_off(estimator):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    rng = np.random.RandomState(0)
    est = clone(estimator).set_params(max_iter=20, random_state=0)
    fit = est.fit if isinstance(est, DNNAutoencoder) else lambda X: est.fit(X, y)
    fit(X)
    order = rng.permutation(len(X))
    full = _outputs(est, X)
    tol = dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_outputs(est, X[order]), full[order], **tol)
    for part in np.array_split(np.arange(len(X)), 7):
        np.testing.assert_allclose(_outputs(est, X[part]), full[part], **tol)
    # a weight of 2 equals a repeated sample (no shuffling: same batches' sums)
    weights = rng.randint(0, 3, size=len(X)).astype(float)
    repeated = np.repeat(np.arange(len(X)), weights.astype(int))
    # (no early stopping: its split of 150 samples and of the repeated ones differ;
    # no dropout: its masks are drawn per row of the batch, so a sample weighted 2
    # gets one mask where its two copies get two, and the fits cannot agree)
    params = dict(
        shuffle=False, batch_size=len(X) * 3, early_stopping=False, dropout=0.0
    )
    a = clone(est).set_params(**params)
    b = clone(est).set_params(**params)
    if isinstance(est, DNNAutoencoder):
        a.fit(X, sample_weight=weights)
        b.fit(X[repeated])
    else:
        a.fit(X, y, sample_weight=weights)
        b.fit(X[repeated], y[repeated])
    np.testing.assert_allclose(_outputs(a, X), _outputs(b, X), rtol=1e-4, atol=1e-5)
    if get_tags(est).input_tags.sparse:  # the same on sparse X (the sparse product)
        X_sparse = sparse.csr_array(np.where(np.abs(X) < 0.5, 0.0, X))
        a.fit(X_sparse, y, sample_weight=weights)
        b.fit(X_sparse[repeated], y[repeated])
        np.testing.assert_allclose(
            _outputs(a, X_sparse), _outputs(b, X_sparse), rtol=1e-4, atol=1e-5
        )
