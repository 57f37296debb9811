"""Raw tables: categorical columns and missing values encoded by the estimator.

The encoding against scikit-learn's own encoders (OneHotEncoder, SimpleImputer),
the fit on a raw frame against the same network on a ColumnTransformer's output,
unseen and rare categories, the errors that say what to change, and the
estimator's contracts (feature names, persistence, partial_fit, search, ONNX).
"""

import datetime
import pickle
import warnings
from decimal import Decimal

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes, load_wine
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import OneHotEncoder

from skdnn import DNNClassifier, DNNRegressor
from skdnn._tables import TableEncoder, categorical_mask
from skdnn.nn.embeddings import CategoryEmbedding

pd = pytest.importorskip("pandas")

SMALL = dict(hidden_layer_sizes=(32,), max_iter=30, random_state=0)

# _frame's 40-level "town" column is mostly rare on purpose (its "other" slot is
# under test); on small frames the warning that says so is true and beside the point
# here. test_a_column_mostly_in_other_says_what_it_may_be checks that warning.
pytestmark = pytest.mark.filterwarnings("ignore:.*share one 'other' input:UserWarning")


def _frame(n=300, seed=0):
    """Two numeric columns (one with NaN), a 3-level category with NaN, a
    40-level text column, and labels that depend on both categories."""
    rng = np.random.RandomState(seed)
    X = pd.DataFrame(
        {
            "num": rng.standard_normal(n),
            "price": rng.uniform(0, 1000, n),
            "color": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
            "town": rng.choice([f"t{i:02d}" for i in range(40)], n),
        }
    )
    X.loc[::11, "num"] = np.nan
    X.loc[::13, "color"] = np.nan
    odd = X["town"].str[1:].astype(int) % 2 == 1
    y = np.where((X["color"] == "red").to_numpy() ^ odd.to_numpy(), "yes", "no")
    return X, y


def _diabetes_frame():
    """Diabetes with its sex column as text, and 10% of BMI missing."""
    data = load_diabetes(as_frame=True)
    X = data.data.copy()
    X["sex"] = np.where(X["sex"] > 0, "M", "F")
    X.loc[X.index[::10], "bmi"] = np.nan
    return X, data.target.to_numpy()


# -- what is categorical ---------------------------------------------------------
def test_from_dtype_takes_category_object_and_string_columns_of_a_frame():
    X, _ = _frame(20)
    X["label"] = X["town"].astype("string")
    mask = categorical_mask(X, "from_dtype", "Est")
    assert mask.tolist() == [False, False, True, True, True]
    assert categorical_mask(X.to_numpy(), "from_dtype", "Est") is None
    assert categorical_mask(X[["num", "price"]], "from_dtype", "Est") is None


def test_columns_by_name_index_or_mask():
    X, _ = _frame(20)
    by_name = categorical_mask(X, ["color"], "Est")
    assert by_name.tolist() == [False, False, True, False]
    assert categorical_mask(X, [2], "Est").tolist() == by_name.tolist()
    assert categorical_mask(X, [-2], "Est").tolist() == by_name.tolist()
    mask = np.array([False, False, True, False])
    assert categorical_mask(X, mask, "Est").tolist() == by_name.tolist()


@pytest.mark.parametrize(
    "features, message",
    [
        (["colour"], "which X does not have"),
        ([7], "not a column of X"),
        ([True, False], "one entry per column"),
    ],
)
def test_wrong_categorical_features_say_what_x_has(features, message):
    X, y = _frame(40)
    with pytest.raises(ValueError, match=message):
        DNNClassifier(categorical_features=features, **SMALL).fit(X, y)


def test_nan_is_allowed_by_the_tags_when_imputed():
    """Tag-driven tools (SequentialFeatureSelector) pass NaN on to the model."""
    from sklearn.feature_selection import SequentialFeatureSelector
    from sklearn.utils import get_tags

    assert not get_tags(DNNClassifier()).input_tags.allow_nan
    model = DNNClassifier(missing_values="impute", **SMALL)
    assert get_tags(model).input_tags.allow_nan
    X, y = load_wine(return_X_y=True)
    X = X[:, :4].copy()
    X[::7, 1] = np.nan
    selector = SequentialFeatureSelector(model, n_features_to_select=2, cv=2)
    assert selector.fit(X, y).get_support().sum() == 2


def test_imputation_needs_dense_x():
    from scipy import sparse

    X = sparse.random(60, 4, density=0.3, format="csr", random_state=0)
    with pytest.raises(ValueError, match="missing_values='impute' needs dense X"):
        DNNClassifier(missing_values="impute", **SMALL).fit(X, np.arange(60) % 2)


def test_names_need_a_frame():
    X, y = _frame(40)
    with pytest.raises(ValueError, match="no column names"):
        DNNClassifier(categorical_features=["color"], **SMALL).fit(X.to_numpy(), y)


# -- the encoding against scikit-learn's encoders ----------------------------------
def test_one_hot_columns_are_one_hot_encoders_with_min_frequency():
    rng = np.random.RandomState(0)
    column = rng.choice(["a", "b", "c", "d"], 200, p=[0.5, 0.4, 0.07, 0.03])
    X = pd.DataFrame({"c": column})
    encoder = TableEncoder(np.array([True]), False, 16, 10, "Est").fit(X)
    reference = OneHotEncoder(
        min_frequency=10, handle_unknown="infrequent_if_exist", sparse_output=False
    ).fit(X)
    new = pd.DataFrame({"c": ["a", "d", "zzz", "c", "b"]})
    np.testing.assert_array_equal(
        encoder.transform(X, np.float64), reference.transform(X)
    )
    np.testing.assert_array_equal(
        encoder.transform(new, np.float64), reference.transform(new)
    )


def test_unseen_categories_without_rare_ones_are_all_zeros():
    X = pd.DataFrame({"c": ["a", "b"] * 20})
    encoder = TableEncoder(np.array([True]), False, 16, 10, "Est").fit(X)
    out = encoder.transform(pd.DataFrame({"c": ["b", "new"]}), np.float64)
    np.testing.assert_array_equal(out, [[0, 1], [0, 0]])


def test_numeric_imputation_is_the_median_with_an_indicator():
    X, _ = _frame(100)
    numeric = X[["num", "price"]]
    encoder = TableEncoder(None, True, 16, 10, "Est").fit(numeric)
    reference = SimpleImputer(strategy="median", add_indicator=True).fit(numeric)
    np.testing.assert_allclose(
        encoder.transform(numeric, np.float64), reference.transform(numeric)
    )
    assert encoder.feature_names() == ["num", "price", "missing(num)"]
    # a value missing at predict in a column complete in fit: its median too
    new = numeric.iloc[:2].copy()
    new["price"] = np.nan
    np.testing.assert_allclose(
        encoder.transform(new, np.float64), reference.transform(new)
    )


def test_high_cardinality_columns_become_codes_with_other_at_zero():
    X, _ = _frame(400)
    encoder = TableEncoder(
        categorical_mask(X, "from_dtype", "Est"), True, 16, 10, "Est"
    ).fit(X)
    assert [levels.column for levels in encoder.embedded] == [3]
    # every town is seen about 10 times: the rare ones share slot 0
    counts = X["town"].value_counts()
    kept = sorted(counts[counts >= 10].index)
    assert list(encoder.embedded[0].categories) == kept
    new = pd.DataFrame(
        {"num": [0.0, 1.0], "price": [1.0, 2.0], "color": ["red", None],
         "town": [kept[1], "nowhere"]}
    )  # fmt: skip
    codes = encoder.transform(new, np.float64)[:, -1]
    np.testing.assert_array_equal(codes, [2, 0])
    # the missing colour is a category of its own
    assert encoder.one_hot[0].labels() == ["blue", "green", "red", "missing"]


def test_category_embedding_reads_the_code_columns():
    layer = CategoryEmbedding([3, 2], size=2)
    from skdnn.nn.network import Sequential

    net = Sequential([layer]).build(3, np.random.RandomState(0), dtype=np.float64)
    table = layer.params["table"]
    np.testing.assert_array_equal(table[[0, 3]], 0)  # "other" starts at zero
    X = np.array([[5.0, 2, 1], [6.0, 0, 0]])
    np.testing.assert_array_equal(
        net.forward(X), [[5.0, *table[2], *table[4]], [6.0, *table[0], *table[3]]]
    )


# -- the estimators on raw frames ---------------------------------------------------
def _column_transformer_output(X_train, X_test, categorical):
    """The encoder's layout from scikit-learn's own transformers."""
    numeric = [c for c in X_train.columns if c not in categorical]
    ct = ColumnTransformer(
        [
            ("num", SimpleImputer(strategy="median", add_indicator=True), numeric),
            (
                "cat",
                OneHotEncoder(
                    min_frequency=10,
                    handle_unknown="infrequent_if_exist",
                    sparse_output=False,
                ),
                categorical,
            ),
        ]  # fmt: skip
    )
    return ct.fit_transform(X_train), ct.transform(X_test)


def test_raw_frame_fit_equals_the_fit_on_scikit_learns_encoding():
    X, y = _diabetes_frame()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    raw = DNNRegressor(missing_values="impute", random_state=0).fit(X_train, y_train)
    A, B = _column_transformer_output(X_train, X_test, ["sex"])
    encoded = DNNRegressor(categorical_features=None, random_state=0).fit(A, y_train)
    np.testing.assert_allclose(raw.predict(X_test), encoded.predict(B), rtol=1e-5)
    assert raw.score(X_test, y_test) > 0.25  # BMI, the best predictor, 10% missing
    assert list(raw.feature_names_in_) == list(X.columns)
    assert raw.n_features_in_ == X.shape[1]


def test_high_cardinality_column_is_learned_through_its_embedding():
    X, y = _frame(1200)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = DNNClassifier(missing_values="impute", min_category_frequency=5,
                        max_iter=60, random_state=0)  # fmt: skip
    clf.fit(X_train, y_train)
    kinds = [type(layer).__name__ for layer in clf.network_.layers]
    assert "CategoryEmbedding" in kinds
    # the label is colour x town parity: no numeric column tells it
    assert clf.score(X_test, y_test) > 0.9
    without_town = clone(clf).fit(X_train.drop(columns="town"), y_train)
    assert without_town.score(X_test.drop(columns="town"), y_test) < 0.7


def test_unseen_categories_and_missing_values_predict_without_error():
    X, y = _frame(300)
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    new = X.iloc[:4].copy()
    new["town"] = "a town never seen"
    new["color"] = pd.Categorical(["purple", None, "red", "blue"])
    new.loc[new.index[0], "num"] = np.nan
    proba = clf.predict_proba(new)
    assert np.isfinite(proba).all() and proba.shape == (4, 2)


def test_a_category_with_one_member_is_other():
    X, y = _frame(400)
    X["town"] = X["town"].astype(object)
    X.loc[0, "town"] = "only once"
    clf = DNNClassifier(missing_values="impute", max_one_hot_categories=4, **SMALL)
    clf.fit(X, y)
    assert "only once" not in clf._table_encoder.embedded[0].categories
    assert np.isfinite(clf.predict_proba(X.iloc[:1])).all()


def test_missing_values_without_impute_name_the_column_and_the_fix():
    X, y = _frame(60)
    with pytest.raises(ValueError, match=r"column 'num' has \d+ missing.*'impute'"):
        DNNClassifier(**SMALL).fit(X, y)
    clf = DNNClassifier(**SMALL).fit(
        X.fillna({"num": 0.0}).dropna(), y[X["color"].notna()]
    )
    with pytest.raises(ValueError, match="column 'num' has 1 missing"):
        clf.predict(X.iloc[[0]])


def test_bad_tables_get_clear_errors():
    X, y = _frame(60)
    mixed = X.assign(town=X["town"].astype(object))
    mixed.loc[3, "town"] = 12
    with pytest.raises(ValueError, match="mixes value types"):
        DNNClassifier(missing_values="impute", **SMALL).fit(mixed, y)
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X[list(reversed(X.columns))])
    with pytest.raises(ValueError, match="dtype"):
        clf.predict(X.assign(price=X["price"].astype(str)))
    with pytest.raises(ValueError, match="holds infinity"):
        clf.predict(X.assign(price=np.inf))
    text = X.assign(price="cheap")
    with pytest.raises(ValueError, match="column 'price' is read as numeric.*'cheap'"):
        DNNClassifier(categorical_features=["color", "town"], missing_values="impute",
                      **SMALL).fit(text, y)  # fmt: skip


def test_dates_and_durations_are_refused_with_the_features_to_make():
    """As numbers they are counts of ticks: the same dates in another unit
    (us from a file, ns from pandas) would give other predictions."""
    X, y = _frame(60)
    when = pd.Series(pd.date_range("2020-01-01", periods=60, freq="D"))
    for table in (X.assign(when=when), X[["num", "price"]].assign(when=when)):
        with pytest.raises(ValueError, match=r"column 'when' holds dates.*"
                           r"X\['when'\]\.dt\.year"):  # fmt: skip
            DNNClassifier(missing_values="impute", **SMALL).fit(table, y)
    with pytest.raises(ValueError, match=r"holds durations.*\.dt\.total_seconds"):
        DNNRegressor(**SMALL).fit(X[["price"]].assign(age=when - when[0]), X["price"])
    with pytest.raises(ValueError, match=r"X holds dates.*np\.timedelta64"):
        DNNRegressor(**SMALL).fit(when.to_numpy()[:, None], X["price"])
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X.assign(when=0.0), y)
    with pytest.raises(ValueError, match="column 'when' holds dates"):
        clf.predict(X.assign(when=when))


def test_nan_in_a_numeric_array_points_to_missing_values_impute():
    X, y = load_wine(return_X_y=True)
    X = X.copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN.*missing_values='impute'"):
        DNNClassifier(**SMALL).fit(X, y)
    clf = DNNClassifier(**SMALL).fit(np.nan_to_num(X), y)
    with pytest.raises(ValueError, match=r"fitted with missing_values='error'.*impute"):
        clf.predict(X)
    assert DNNClassifier(missing_values="impute", **SMALL).fit(X, y).score(X, y) > 0.9


def test_object_arrays_with_columns_named_by_index():
    X, y = _frame(200)
    A = X.to_numpy(dtype=object)
    with pytest.raises(ValueError, match=r"X holds text \('.*'\) in an array.*"
                       r"DataFrame.*categorical_features=\[j, \.\.\.\]"):  # fmt: skip
        DNNClassifier(**SMALL).fit(A, y)
    clf = DNNClassifier(categorical_features=[2, 3], missing_values="impute", **SMALL)
    clf.fit(A, y)
    assert not hasattr(clf, "feature_names_in_")
    assert clf.predict(A[:3]).shape == (3,)
    # a frame read as all numeric
    with pytest.raises(ValueError, match=r"X holds text \('.*'\), and "
                       r"categorical_features=None reads every column as numeric"):  # fmt: skip
        DNNClassifier(categorical_features=None).fit(X.fillna({"num": 0.0}), y)
    # a text column left out of the list: the array's own advice
    with pytest.raises(ValueError, match=r"column 3 is read as numeric but holds "
                       r"'t\d+': list it in categorical_features \(=\[3, \.\.\.\]\)\.$"):  # fmt: skip
        DNNClassifier(categorical_features=[2], missing_values="impute").fit(A, y)


def test_numeric_frames_and_arrays_take_the_usual_path():
    X, y = load_wine(return_X_y=True, as_frame=True)
    clf = DNNClassifier(**SMALL).fit(X, y)
    assert clf._table_encoder is None
    np.testing.assert_array_equal(
        clf.predict_proba(X),
        DNNClassifier(**SMALL).fit(X.to_numpy(), y).predict_proba(X.to_numpy()),
    )


def test_persistence_keeps_the_encoding():
    X, y = _frame(200)
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    sio = pytest.importorskip("skops.io")
    from skdnn.persistence import trusted_types

    restored = sio.loads(sio.dumps(clf), trusted=trusted_types())
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_partial_fit_keeps_the_first_calls_categories():
    X, y = _frame(200)
    clf = DNNClassifier(missing_values="impute", **SMALL)
    clf.partial_fit(X.iloc[:100], y[:100], classes=["no", "yes"])
    first = list(clf._table_encoder.one_hot[0].categories)
    later = X.iloc[100:].copy()
    later["color"] = pd.Categorical(["violet"] * len(later))
    clf.partial_fit(later, y[100:])
    assert list(clf._table_encoder.one_hot[0].categories) == first
    assert clf.predict(later).shape == (len(later),)


def test_search_over_the_encoding_parameters():
    X, y = _frame(200)
    search = GridSearchCV(
        DNNClassifier(missing_values="impute", **SMALL),
        {"max_one_hot_categories": [4, 64], "min_category_frequency": [1, 10]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4


def test_transfer_and_onnx_refuse_an_encoded_table_with_what_to_do():
    X, y = _frame(200)
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="ColumnTransformer"):
        DNNClassifier(transfer_from=clf, missing_values="impute", **SMALL).fit(X, y)
    pytest.importorskip("skl2onnx")
    from skdnn.onnx import _fitted

    with pytest.raises(ValueError, match="ColumnTransformer"):
        _fitted(clf)


def test_the_scale_warning_names_raw_columns_and_ignores_codes():
    X, y = _frame(500)
    # 250 categories seen twice each: codes up to 250, mean 125 (far from unit
    # scale as numbers), which the embedding reads as categories
    X["town"] = [f"id{i % 250:03d}" for i in range(500)]
    clf = DNNClassifier(input_scaling=None, missing_values="impute",
                        min_category_frequency=1, **SMALL)  # fmt: skip
    with pytest.warns(UserWarning, match=r"1 column\(s\).*columns \['price'\]"):
        clf.fit(X, y)
    assert clf._table_encoder.cardinalities == [251]


def test_pandas_nullable_numbers_and_booleans_are_numeric_with_na_missing():
    X, y = _frame(200)
    X["count"] = pd.array(np.arange(200) % 7, dtype="Int64")
    X.loc[::9, "count"] = pd.NA
    X["flag"] = pd.array(np.arange(200) % 2 == 0, dtype="boolean")
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    names = clf._table_encoder.feature_names()
    assert {"count", "flag", "missing(count)"} <= set(names)
    assert np.isfinite(clf.predict_proba(X.iloc[:9])).all()


def test_a_refit_that_fails_on_bad_input_keeps_the_fitted_encoding():
    X, y = _frame(200)
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    expected = clf.predict_proba(X)
    mixed = X.assign(town=X["town"].astype(object))
    mixed.loc[3, "town"] = 12
    with pytest.raises(ValueError, match="mixes value types"):
        clf.fit(mixed, y)
    np.testing.assert_array_equal(clf.predict_proba(X), expected)


# -- tables as they come out of other tools ---------------------------------------
def _wine_with_gaps():
    X, y = load_wine(return_X_y=True, as_frame=True)
    X = X.copy()
    X.loc[X.index[::10], "alcohol"] = np.nan
    return X, y


def test_object_columns_of_numbers_are_numeric_as_scikit_learn_reads_them():
    # X.replace({np.nan: None}) (before a JSON or database export), an imputer's
    # pandas output, Decimal from a database: object columns that hold numbers.
    X, y = _wine_with_gaps()
    as_objects = X.replace({np.nan: None})
    assert set(as_objects.dtypes.map(str)) == {"object"}
    as_objects["ash"] = [Decimal(str(v)) for v in X["ash"]]
    params = dict(missing_values="impute", **SMALL)
    floats = DNNClassifier(**params).fit(X, y)
    objects = DNNClassifier(**params).fit(as_objects, y)
    assert (
        objects._table_encoder.feature_names() == floats._table_encoder.feature_names()
    )
    assert np.array_equal(objects.predict_proba(as_objects), floats.predict_proba(X))
    assert categorical_mask(as_objects, "from_dtype", "m") is None


def test_one_record_with_none_in_a_numeric_field_is_a_missing_value():
    X, y = _wine_with_gaps()
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    record = X.iloc[0].to_dict()
    record["alcohol"] = None  # the column of a one-row frame is then object
    with_none = pd.DataFrame([record])
    assert with_none["alcohol"].dtype == object
    with_nan = X.iloc[[0]].assign(alcohol=np.nan)
    assert np.array_equal(clf.predict_proba(with_none), clf.predict_proba(with_nan))
    with pytest.raises(ValueError, match=r"'alcohol' held numbers in fit .* holds "
                       r"categories now \(dtype str"):  # fmt: skip
        clf.predict(X.iloc[:3].assign(alcohol=["a", "b", "c"]))


def test_a_missing_value_at_prediction_says_to_fit_again():
    X, y = _frame(120)
    clean = X["num"].notna() & X["color"].notna()
    clf = DNNClassifier(**SMALL).fit(X[clean], y[clean.to_numpy()])
    with pytest.raises(ValueError, match="fitted with missing_values='error'.*fit "
                       "again with missing_values='impute'"):  # fmt: skip
        clf.predict(X)


def test_one_row_as_a_series_gets_scikit_learns_advice():
    X, y = _frame(120)
    clf = DNNClassifier(missing_values="impute", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="Pass a DataFrame containing a single row"):
        clf.predict(X.iloc[0])


def test_date_objects_and_periods_are_refused_as_dates_are():
    X, y = _frame(60)
    days = [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(60)]
    with pytest.raises(ValueError, match=r"'visit' holds dates \(object: date "
                       r"values\).*pd.to_datetime\(X\['visit'\]\).dt.year"):  # fmt: skip
        DNNClassifier(missing_values="impute").fit(X.assign(visit=days), y)
    months = pd.period_range("2020-01", periods=60, freq="M")
    with pytest.raises(ValueError, match=r"'month' holds dates \(period\[M\]\)"):
        DNNClassifier(missing_values="impute").fit(X.assign(month=months), y)


@pytest.mark.filterwarnings("default:.*share one 'other' input:UserWarning")
def test_a_column_mostly_in_other_says_what_it_may_be():
    X, y = load_wine(return_X_y=True, as_frame=True)
    cases = {
        "id": ([f"P{i:05d}" for i in range(len(X))], "identifier, drop it"),
        # numbers read from a file with "?" for missing (UCI style)
        "ash_text": (
            [str(v) if i % 7 else "?" for i, v in enumerate(X["ash"])],
            r"numbers written as text.*pd.to_numeric",
        ),
        "grade": (
            [f"g{i % 24}" for i in range(len(X))],
            "Lower min_category_frequency",
        ),
    }
    for name, (values, hint) in cases.items():
        with pytest.warns(UserWarning, match=f"'{name}' has .*'other'.*{hint}"):
            DNNClassifier(max_iter=1).fit(X.assign(**{name: values}), y)
    # a column whose levels are frequent says nothing
    frequent = X.assign(grade=[f"g{i % 3}" for i in range(len(X))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DNNClassifier(max_iter=1).fit(frequent, y)
    assert not [w for w in caught if "'other'" in str(w.message)]


def test_a_numeric_column_without_values_in_fit_is_ignored_with_a_warning():
    # A rarely observed column can be all missing in one cross-validation fold:
    # that fold fits, as with SimpleImputer, which drops the column.
    X, y = _wine_with_gaps()
    empty = X.assign(extra=np.nan)
    with pytest.warns(UserWarning, match="'extra' have no value in the training"):
        clf = DNNClassifier(missing_values="impute", **SMALL).fit(empty, y)
    assert "missing(extra)" not in clf._table_encoder.feature_names()
    filled = empty.assign(extra=1e3)
    assert np.array_equal(clf.predict_proba(filled), clf.predict_proba(empty))
