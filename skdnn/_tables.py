"""Tables as they come: categorical columns and missing values, encoded for the network.

``TableEncoder`` is fitted on the raw training table once (the first ``fit`` or
``partial_fit`` call) and turns any later table of the same columns into the float
matrix the network reads::

    [numeric columns | missing indicators | one-hot columns | category codes]

- Numeric columns pass as they are (the network's own ``input_scaling`` scales
  them); with ``missing_values="impute"`` a missing value becomes the column's
  training median, and each column that had missing values in fit gets a 0/1
  indicator column.
- A categorical column with at most ``max_one_hot`` categories becomes one 0/1
  column per category; a column with more becomes one integer code that the
  network's ``CategoryEmbedding`` layer maps to a learned vector.
- Categories seen fewer than ``min_frequency`` times in fit share one "other"
  slot, and so do categories never seen in fit, at prediction. Under one-hot,
  when fit had no rare category there is no "other" column: an unseen category
  is all zeros (``OneHotEncoder(handle_unknown="ignore")``). Under embeddings,
  slot 0 is "other" and starts at the zero vector.
- With ``missing_values="impute"`` a missing category (None, NaN) is a category
  of its own when seen ``min_frequency`` times, else "other"; a numeric column
  with no value in fit is ignored (read as 0), with a warning.

Only pandas DataFrames carry column dtypes, so ``categorical_features="from_dtype"``
finds categorical columns (pandas ``category`` and text columns, and ``object``
columns unless they hold only numbers) in them alone; for arrays, name the
columns by index or boolean mask.
"""

from numbers import Integral

import numpy as np
from scipy.sparse import issparse
from sklearn.utils import check_array
from sklearn.utils.validation import _check_feature_names, _check_n_features

from ._warnings import warn

#: Values of ``categorical_features`` other than a list of columns.
FROM_DTYPE = "from_dtype"

#: What pandas infers for an object column that holds numbers only (missing
#: values aside): ``X.replace({np.nan: None})``, an imputer's pandas output, or
#: ``Decimal`` from a database. Such a column is numeric, as scikit-learn reads it.
_NUMBERS = frozenset({"integer", "floating", "mixed-integer-float", "decimal", "empty"})
#: ... and for an object column of dates, times or periods.
_DATES = frozenset({"date", "datetime", "datetime64", "period", "time"})
_DURATIONS = frozenset({"timedelta", "timedelta64"})


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "iloc") and hasattr(X, "dtypes")


def _is_categorical_dtype(dtype):
    kind = getattr(dtype, "kind", None)
    name = str(dtype)
    return name in ("category", "str") or name.startswith("string") or kind == "O"


def _inferred(column):
    """pandas' reading of a column's values ("string", "floating", "date", ...)."""
    from pandas.api.types import infer_dtype

    return infer_dtype(column, skipna=True)


def _reads_as_categories(column):
    """Whether ``"from_dtype"`` takes this DataFrame column as categorical.

    Category and text dtypes are; an ``object`` column is unless it holds only
    numbers (or only missing values), which scikit-learn reads as floats.
    """
    if not _is_categorical_dtype(column.dtype):
        return False
    if getattr(column.dtype, "kind", None) != "O":  # category, str, string
        return True
    return _inferred(column) not in _NUMBERS


def categorical_mask(X, categorical_features, estimator_name):
    """Boolean mask of the categorical columns of ``X`` (raw, before validation).

    Raises ``ValueError`` with what to change for names without a DataFrame,
    indices out of range, or a mask of the wrong length.
    """
    n_features = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else None
    if categorical_features is None:
        return None
    if isinstance(categorical_features, str):  # "from_dtype" (validated)
        if not _is_frame(X):
            return None
        mask = np.array(
            [_reads_as_categories(X.iloc[:, j]) for j in range(X.shape[1])],
            dtype=bool,
        )
        return mask if mask.any() else None
    values = np.asarray(categorical_features)
    if n_features is None:
        raise ValueError(
            f"{estimator_name}: categorical_features needs 2-D X with columns, "
            f"got {type(X).__name__}."
        )
    if values.dtype == bool:
        if values.shape != (n_features,):
            raise ValueError(
                f"{estimator_name}: categorical_features as a boolean mask needs "
                f"one entry per column of X ({n_features}), got {values.size}."
            )
        mask = values.copy()
    else:
        mask = np.zeros(n_features, dtype=bool)
        for item in values.ravel().tolist():
            mask[_column_index(X, item, n_features, estimator_name)] = True
    return mask if mask.any() else None


def _column_index(X, item, n_features, estimator_name):
    if isinstance(item, str):
        if not _is_frame(X):
            raise ValueError(
                f"{estimator_name}: categorical_features names column {item!r}, but "
                "X has no column names: pass a pandas DataFrame, or name the "
                "columns by index."
            )
        names = [str(c) for c in X.columns]
        if item not in names:
            raise ValueError(
                f"{estimator_name}: categorical_features names column {item!r}, "
                f"which X does not have (its columns: {names[:10]}"
                f"{', ...' if len(names) > 10 else ''})."
            )
        return names.index(item)
    if isinstance(item, Integral) and -n_features <= item < n_features:
        return int(item) % n_features
    raise ValueError(
        f"{estimator_name}: categorical_features has {item!r}, which is not a "
        f"column of X (it has {n_features} columns: indices 0 to {n_features - 1})."
    )


def _column(X, j):
    """Column ``j`` of a DataFrame or 2-D array, as a 1-D NumPy array."""
    if _is_frame(X):
        column = X.iloc[:, j]
        if _is_categorical_dtype(column.dtype):
            return column.astype(object).to_numpy()
        return column.to_numpy()
    return np.asarray(X)[:, j]


def _missing(values):
    """Where a column holds None, NaN or pandas' NA/NaT."""
    if values.dtype.kind in "fc":
        return np.isnan(values)
    if values.dtype.kind != "O":
        return np.zeros(values.shape, dtype=bool)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - only object arrays without pandas
        return np.array([v is None or v != v for v in values], dtype=bool)
    return np.asarray(pd.isna(values), dtype=bool)


class TableEncoder:
    """The fitted map from a raw table to the network's float inputs.

    Parameters
    ----------
    categorical : ndarray of bool, shape (n_features,) or None
        The categorical columns (None: none).
    impute : bool
        Whether missing values are imputed (``missing_values="impute"``) or an
        error.
    max_one_hot : int
        Categorical columns with at most this many categories are one-hot encoded.
    min_frequency : int
        Categories seen fewer times in fit share the "other" slot.
    estimator_name : str
        For error messages.
    """

    def __init__(self, categorical, impute, max_one_hot, min_frequency, estimator_name):
        self.categorical = categorical
        self.impute = impute
        self.max_one_hot = max_one_hot
        self.min_frequency = min_frequency
        self.estimator_name = estimator_name

    # -- fit ------------------------------------------------------------------
    def fit(self, X):
        """Learn the medians, categories and layout from the training table ``X``."""
        n_features = X.shape[1]
        self.names = (
            [str(c) for c in X.columns]
            if _is_frame(X)
            else [str(j) for j in range(n_features)]
        )
        # dtype names (str: the file formats of skops store no pandas dtype),
        # and which of them are categorical
        frame = _is_frame(X)
        self.kinds = [str(t) for t in X.dtypes] if frame else None
        self.categorical_kinds = (
            [_reads_as_categories(X.iloc[:, j]) for j in range(n_features)]
            if frame
            else None
        )
        categorical = (
            np.zeros(n_features, dtype=bool)
            if self.categorical is None
            else self.categorical
        )
        self.numeric = np.flatnonzero(~categorical)
        self._fit_numeric(self._numeric(X, fit=True))
        self.one_hot, self.embedded = [], []
        for j in np.flatnonzero(categorical):
            levels = self._levels(_column(X, j), j)
            (self.one_hot if levels.size <= self.max_one_hot else self.embedded).append(
                levels
            )
        return self

    def _fit_numeric(self, numeric):
        """Medians, indicated and empty columns of the numeric columns in fit."""
        missing = np.isnan(numeric)
        if missing.any() and not self.impute:
            column = int(np.flatnonzero(missing.any(axis=0))[0])
            raise self._missing_error(self.numeric[column], missing[:, column])
        empty = missing.all(axis=0) if len(numeric) else np.zeros(0, dtype=bool)
        self.indicated = np.flatnonzero(missing.any(axis=0) & ~empty)
        self.empty = np.flatnonzero(empty)
        if self.empty.size:
            names = ", ".join(self._name(self.numeric[i]) for i in self.empty[:5])
            warn(
                f"{self.estimator_name}: column(s) {names} have no value in the "
                "training data (all missing): they are read as 0 here and at "
                "prediction, i.e. ignored, as SimpleImputer drops them. Drop them "
                "from X to silence this.",
                UserWarning,
            )
        # every column's: a value missing at predict only is imputed too
        self.medians = np.zeros(numeric.shape[1])
        full = np.flatnonzero(~empty)
        if len(numeric) and full.size:
            self.medians[full] = np.nanmedian(numeric[:, full], axis=0)

    def _levels(self, values, j):
        """A ``Levels`` record of column ``j``'s categories in fit."""
        missing = _missing(values)
        if missing.any() and not self.impute:
            raise self._missing_error(j, missing)
        present = values[~missing]
        try:  # sorting str against numbers raises
            categories, counts = np.unique(present, return_counts=True)
        except TypeError:
            raise _mixed_types_error(
                present, self._name(j), self.estimator_name
            ) from None
        kept = counts >= self.min_frequency
        # half the rows or more in "other" (a mostly missing column is not)
        if counts[~kept].sum() > values.shape[0] / 2:
            self._warn_collapsed(present, categories.size, counts[~kept].sum(), j)
        return Levels(
            column=j,
            categories=categories[kept],
            missing_kept=int(missing.sum()) >= self.min_frequency,
            has_other=bool((~kept).any())
            or (missing.any() and int(missing.sum()) < self.min_frequency),
        )

    # -- transform ------------------------------------------------------------
    @property
    def n_embedded(self):
        return len(self.embedded)

    @property
    def cardinalities(self):
        """Slots of each embedded column (slot 0: "other")."""
        return [levels.size + 1 for levels in self.embedded]

    def feature_names(self):
        """Names of the encoded columns, in order."""
        names = [self.names[j] for j in self.numeric]
        names += [f"missing({self.names[self.numeric[i]]})" for i in self.indicated]
        for levels in self.one_hot:
            names += [f"{self.names[levels.column]}={c}" for c in levels.labels()]
        names += [f"code({self.names[levels.column]})" for levels in self.embedded]
        return names

    def transform(self, X, dtype):
        """The float matrix the network reads, from a table with the fit's columns."""
        self._check_columns(X)
        numeric = self._numeric(X, fit=False)
        missing = np.isnan(numeric)
        if missing.any():
            if not self.impute:
                column = int(np.flatnonzero(missing.any(axis=0))[0])
                raise self._missing_error(
                    self.numeric[column], missing[:, column], predicting=True
                )
            rows, cols = np.nonzero(missing)
            numeric[rows, cols] = self.medians[cols]
        numeric[:, getattr(self, "empty", [])] = 0.0  # empty in fit: ignored
        parts = [numeric, missing[:, self.indicated]]
        for levels in self.one_hot:
            parts.append(self._one_hot(X, levels))
        for levels in self.embedded:
            parts.append(self._slots(X, levels)[:, None])
        return np.hstack([p.astype(dtype, copy=False) for p in parts])

    def _numeric(self, X, *, fit):
        if not self.numeric.size:
            return np.zeros((X.shape[0], 0))
        columns = []
        for j in self.numeric:
            try:
                if _is_frame(X):  # pandas' nullable dtypes: NA becomes NaN
                    column = X.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan)
                else:
                    column = np.asarray(X)[:, j].astype(np.float64)
                columns.append(column)
            except (TypeError, ValueError):
                values = _column(X, j)
                example = next((v for v in values if isinstance(v, str)), values[0])
                fix = (
                    "give it a category dtype (X[col].astype('category')) or list "
                    "it in categorical_features"
                    if _is_frame(X)
                    else f"list it in categorical_features (=[{j}, ...])"
                )
                raise ValueError(
                    f"{self.estimator_name}: column {self._name(j)} is read as "
                    f"numeric but holds {example!r}: {fix}"
                    + ("." if fit else ", and fit again.")
                ) from None
        numeric = np.column_stack(columns)
        if np.isinf(numeric).any():
            column = int(np.flatnonzero(np.isinf(numeric).any(axis=0))[0])
            raise ValueError(
                f"{self.estimator_name}: column {self._name(self.numeric[column])} "
                "holds infinity; replace it by a finite value or NaN."
            )
        return numeric

    def _slots(self, X, levels):
        """Each row's slot in ``levels``: 0 "other", then the categories, then
        the missing slot (if any)."""
        j = levels.column
        values = _column(X, j)
        missing = _missing(values)
        if missing.any() and not self.impute:
            raise self._missing_error(j, missing, predicting=True)
        slots = np.zeros(values.shape[0], dtype=np.intp)
        present = np.flatnonzero(~missing)
        if present.size and levels.categories.size:
            found = values[present]
            try:
                where = np.searchsorted(levels.categories, found)
            except TypeError:
                raise ValueError(
                    f"{self.estimator_name}: column {self._name(j)} had categories "
                    f"of type {type(levels.categories[0]).__name__} in fit, and now "
                    f"holds {type(found[0]).__name__} values. Pass the column with "
                    "the type it had in fit."
                ) from None
            where = np.minimum(where, levels.categories.size - 1)
            hit = levels.categories[where] == found
            slots[present[hit]] = where[hit] + 1
        if levels.missing_kept:
            slots[missing] = levels.categories.size + 1
        return slots

    def _one_hot(self, X, levels):
        slots = self._slots(X, levels)
        # column i is slot i + 1, and "other" (slot 0) is the last column if kept
        out = np.zeros((slots.size, levels.size + levels.has_other), dtype=bool)
        known = slots > 0
        out[np.flatnonzero(known), slots[known] - 1] = True
        if levels.has_other:
            out[~known, -1] = True
        return out

    # -- checks ---------------------------------------------------------------
    def _check_columns(self, X):
        if self.kinds is None or not _is_frame(X):
            return
        for j, (was_categories, dtype) in enumerate(
            zip(self.categorical_kinds, X.dtypes)
        ):
            if getattr(dtype, "kind", None) != "O":  # the dtype tells, fast
                if _is_categorical_dtype(dtype) == was_categories:
                    continue
            column = X.iloc[:, j]
            if _reads_as_categories(column) == was_categories:
                continue
            if column.isna().all():  # a record with None there: missing either way
                continue
            read = ("categories", "numbers")
            raise ValueError(
                f"{self.estimator_name}: column {self._name(j)} held "
                f"{read[not was_categories]} in fit (dtype {self.kinds[j]}) and "
                f"holds {read[was_categories]} now (dtype {column.dtype}). Pass it "
                "as it was in fit (X[col].astype(...))."
            )

    def _warn_collapsed(self, present, n_categories, n_rare, j):
        """Most rows of a categorical column fall in "other": say what it may be."""
        if _numbers_as_text(present):
            hint = (
                "Its values are numbers written as text: if the column is numeric, "
                "convert it first (pd.to_numeric(X[col], errors='coerce'), with "
                "missing_values='impute')"
            )
        elif n_categories >= 0.9 * present.size:
            hint = "If it is an identifier, drop it"
        else:
            hint = "Lower min_category_frequency to keep more of its values"
        warn(
            f"{self.estimator_name}: categorical column {self._name(j)} has "
            f"{n_categories} distinct values, and {n_rare} of its {present.size} "
            "non-missing values are seen fewer than min_category_frequency="
            f"{self.min_frequency} times: they all share one 'other' input, so the "
            f"column tells the network little. {hint}.",
            UserWarning,
        )

    def _name(self, j):
        name = self.names[j]
        return repr(name) if self.kinds is not None else f"{j}"

    def _missing_error(self, j, missing, *, predicting=False):
        rows = np.flatnonzero(missing)
        fix = (
            "This model was fitted with missing_values='error': impute them before "
            "predicting (SimpleImputer), or fit again with missing_values='impute'."
            if predicting
            else "Set missing_values='impute' (numbers: the training median and "
            "a missing indicator; categories: a category of their own when "
            "frequent enough), or impute them before the estimator (SimpleImputer)."
        )
        return ValueError(
            f"{self.estimator_name}: column {self._name(j)} has {rows.size} missing "
            f"value(s) (rows {rows[:5].tolist()}{', ...' if rows.size > 5 else ''}). "
            + fix
        )


class Levels:
    """The categories of one categorical column, as fitted."""

    def __init__(self, column, categories, missing_kept, has_other):
        self.column = column
        self.categories = categories
        self.missing_kept = missing_kept
        self.has_other = has_other

    @property
    def size(self):
        """Kept categories, the missing one included."""
        return self.categories.size + self.missing_kept

    def labels(self):
        labels = [str(c) for c in self.categories]
        if self.missing_kept:
            labels.append("missing")
        if self.has_other:
            labels.append("other")
        return labels


def _numbers_as_text(values):
    """Whether most of the (non-missing) text values of a column read as numbers."""
    text = [v for v in values[:1000].tolist() if isinstance(v, str)]
    if not text:
        return False
    numbers = 0
    for v in text:
        try:
            float(v)
            numbers += 1
        except ValueError:
            pass
    return numbers >= 0.75 * len(text)  # a missing marker ("?") may be common


def _mixed_types_error(values, name, estimator_name):
    kinds = sorted({type(v).__name__ for v in values})
    return ValueError(
        f"{estimator_name}: categorical column {name} mixes value types "
        f"({', '.join(kinds)}). Convert it to one type first, e.g. "
        "X[col].astype(str)."
    )


# -- the estimators' side --------------------------------------------------------
def new_encoder(estimator, X):
    """A ``TableEncoder`` for the training table ``X``, or None: nothing to encode.

    None keeps X on scikit-learn's own validation path: an array or a numeric
    DataFrame without ``missing_values="impute"``, and sparse X.
    """
    if not hasattr(estimator, "categorical_features"):  # the autoencoder
        return None
    name = type(estimator).__name__
    impute = estimator.missing_values == "impute"
    if issparse(X):
        if estimator.categorical_features is not None and not isinstance(
            estimator.categorical_features, str
        ):
            raise ValueError(
                f"{name}: categorical_features needs dense X (a DataFrame or an "
                "array); a sparse matrix has no categories. Encode them before "
                "(OneHotEncoder) and set categorical_features=None."
            )
        if impute:
            raise ValueError(
                f"{name}: missing_values='impute' needs dense X (a DataFrame or an "
                "array): a sparse matrix's implicit zeros are values, not missing "
                "ones. Impute before (SimpleImputer) and keep "
                "missing_values='error', or pass X.toarray()."
            )
        return None
    if not hasattr(X, "shape"):
        X = np.asarray(X, dtype=object)
    if len(X.shape) != 2:
        return None  # scikit-learn's validation words the error
    mask = categorical_mask(X, estimator.categorical_features, name)
    if mask is None and not impute:
        return None
    return TableEncoder(
        mask,
        impute,
        estimator.max_one_hot_categories,
        estimator.min_category_frequency,
        name,
    )


def encode(estimator, X, *, reset, dtype):
    """``X`` encoded by the estimator's ``TableEncoder`` (fitted if ``reset``).

    Returns None when the estimator has no encoder: X then takes scikit-learn's
    usual validation. Feature names and counts are checked on the raw table,
    so that ``feature_names_in_`` holds the user's columns.
    """
    check_no_dates(X, type(estimator).__name__)
    encoder = (
        new_encoder(estimator, X)
        if reset
        else getattr(estimator, "_table_encoder", None)
    )
    if encoder is None:
        if reset:
            estimator._table_encoder = None
        return None
    if issparse(X):  # fitted on a table it encodes: categories, missing values
        raise ValueError(
            f"{type(estimator).__name__} was fitted on a table whose categorical "
            "columns or missing values it encodes itself; pass X as such a table "
            "(a DataFrame, or a dense array), not a sparse matrix."
        )
    if not hasattr(X, "shape"):
        X = np.asarray(X, dtype=object)
    if len(X.shape) != 2:  # scikit-learn's words: one row is a DataFrame of one row
        check_array(X, dtype=None, ensure_all_finite=False)
    _check_feature_names(estimator, X, reset=reset)
    _check_n_features(estimator, X, reset=reset)
    if reset:
        # kept only once fitted: a refit that fails on bad input leaves no
        # half-fitted encoder behind
        estimator._table_encoder = encoder.fit(X)
    return encoder.transform(X, dtype)


def check_no_dates(X, estimator_name):
    """Raise for date and duration columns: as numbers, their scale is the unit's.

    A date read as a number is a count of ticks, whose unit (ns, us, s) depends
    on how the table was loaded; the same dates would give other predictions.
    """
    if _is_frame(X):
        columns = [(c, X, j) for j, c in enumerate(X.columns)]
    elif getattr(getattr(X, "dtype", None), "kind", None) in ("M", "m"):
        columns = [(None, X, None)]
    else:
        return
    for name, frame, j in columns:
        dtype = frame.dtype if j is None else frame.dtypes.iloc[j]
        kind = _time_kind(dtype, frame, j)
        if kind is None:
            continue
        what = "dates" if kind == "M" else "durations"
        if str(dtype) == "object":  # datetime.date, time, timedelta objects
            value = frame.iloc[:, j].dropna().iloc[0]
            dtype = f"object: {type(value).__name__} values"
        if name is None:
            where = "X"
            hint = (
                "(X - start) / np.timedelta64(1, 'D')"
                if kind == "M"
                else "X / np.timedelta64(1, 's')"
            )
        else:
            where, col = f"column {name!r}", f"X[{name!r}]"
            if str(dtype).startswith("object"):
                col = (
                    f"pd.to_datetime({col})"
                    if kind == "M"
                    else f"pd.to_timedelta({col})"
                )
            hint = (
                f"{col}.dt.year, {col}.dt.dayofweek or ({col} - start).dt.days"
                if kind == "M"
                else f"{col}.dt.total_seconds()"
            )
        raise ValueError(
            f"{estimator_name}: {where} holds {what} ({dtype}). A network needs "
            "numbers, and as a number a date or duration is a count of ticks "
            "whose unit depends on how the data was loaded. Replace it by "
            f"numeric features first, e.g. {hint}."
        )


def _time_kind(dtype, frame, j):
    """``"M"`` for dates and times, ``"m"`` for durations, else None.

    Also for the date and time objects pandas keeps in ``object`` columns
    (``datetime.date`` from a database) and for periods, not only datetime64.
    """
    kind = getattr(dtype, "kind", None)
    if kind in ("M", "m"):
        return kind
    if str(dtype).startswith("period"):
        return "M"
    if kind != "O" or j is None:
        return None
    inferred = _inferred(frame.iloc[:, j])
    if inferred in _DATES:
        return "M"
    return "m" if inferred in _DURATIONS else None


def embedded_categories(estimator):
    """Slots of each embedded column of the estimator's encoder (() for none)."""
    encoder = getattr(estimator, "_table_encoder", None)
    return () if encoder is None else encoder.cardinalities


def check_numeric_inputs_for_transfer(estimator):
    """``transfer_from`` reuses layers that read numbers: no encoder with it."""
    if getattr(estimator, "_table_encoder", None) is not None:
        raise ValueError(
            f"{type(estimator).__name__}: transfer_from reuses layers that read "
            "numeric inputs, but this fit encodes categorical columns or imputes "
            "missing values itself. Encode X before the estimator (a "
            "ColumnTransformer), as for the model you transfer from, and set "
            "categorical_features=None and missing_values='error'."
        )
