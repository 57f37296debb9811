"""scikit-learn's own estimator checks on every estimator.

In float64 every check passes. The float32 default passes all but three checks that
compare floating-point outputs to 1e-7 relative tolerance after reordering, subsetting
or repeating samples; in float32, BLAS then sums in a different order, so outputs
agree only to float32 round-off (measured: 1.1e-7 relative).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor

_FLOAT32_ROUND_OFF = (
    "float32 compute: reordered, subset or repeated samples change the BLAS summation "
    "order, so outputs agree to float32 round-off, not to the check's 1e-7; "
    "the same check passes with dtype='float64'"
)


def _expected_failed_checks(estimator):
    if estimator.dtype == "float64":
        return {}
    return {
        "check_methods_sample_order_invariance": _FLOAT32_ROUND_OFF,
        "check_methods_subset_invariance": _FLOAT32_ROUND_OFF,
        "check_sample_weight_equivalence_on_dense_data": _FLOAT32_ROUND_OFF,
    }


@parametrize_with_checks(
    [
        DNNClassifier(),
        DNNRegressor(),
        # float64 and no dropout: deterministic, exactly reproducible training
        DNNClassifier(dtype="float64", dropout=0.0),
        DNNRegressor(dtype="float64", dropout=0.0),
        DNNAutoencoder(),
        # float64 also shows the float32 failures above are round-off only
        DNNAutoencoder(pretraining="greedy", dtype="float64", dropout=0.0),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
