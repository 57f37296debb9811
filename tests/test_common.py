"""scikit-learn's own estimator checks, on both estimators, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdnn import DNNClassifier, DNNRegressor


@parametrize_with_checks([DNNClassifier(), DNNRegressor()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
