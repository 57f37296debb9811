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
  of its own.

Only pandas DataFrames carry column dtypes, so ``categorical_features="from_dtype"``
finds categorical columns (pandas ``category``, ``object`` and ``string``
columns) in them alone; for arrays, name the columns by index or boolean mask.
"""

from numbers import Integral

import numpy as np
from scipy.sparse import issparse
from sklearn.utils.validation import _check_feature_names, _check_n_features

#: Values of ``categorical_features`` other than a list of columns.
FROM_DTYPE = "from_dtype"


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "iloc") and hasattr(X, "dtypes")


def _is_categorical_dtype(dtype):
    kind = getattr(dtype, "kind", None)
    name = str(dtype)
    return name in ("category", "str") or name.startswith("string") or kind == "O"


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
        mask = np.array([_is_categorical_dtype(t) for t in X.dtypes], dtype=bool)
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
            [_is_categorical_dtype(t) for t in X.dtypes] if frame else None
        )
        categorical = (
            np.zeros(n_features, dtype=bool)
            if self.categorical is None
            else self.categorical
        )
        self.numeric = np.flatnonzero(~categorical)
        numeric = self._numeric(X, fit=True)
        missing = np.isnan(numeric)
        if missing.any() and not self.impute:
            column = int(np.flatnonzero(missing.any(axis=0))[0])
            raise self._missing_error(self.numeric[column], missing[:, column])
        self.indicated = np.flatnonzero(missing.any(axis=0))
        empty = np.flatnonzero(missing.all(axis=0)) if len(numeric) else []
        if len(empty):
            raise ValueError(
                f"{self.estimator_name}: column {self._name(self.numeric[empty[0]])} "
                "has no value in the training data (all missing). Drop it."
            )
        # every column's: a value missing at predict only is imputed too
        self.medians = (
            np.nanmedian(numeric, axis=0)
            if numeric.size
            else np.zeros(numeric.shape[1])
        )
        self.one_hot, self.embedded = [], []
        for j in np.flatnonzero(categorical):
            levels = self._levels(_column(X, j), j)
            (self.one_hot if levels.size <= self.max_one_hot else self.embedded).append(
                levels
            )
        return self

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
                raise self._missing_error(self.numeric[column], missing[:, column])
            rows, cols = np.nonzero(missing)
            numeric[rows, cols] = self.medians[cols]
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
                raise ValueError(
                    f"{self.estimator_name}: column {self._name(j)} is numeric in "
                    f"this model but holds {example!r}. Give it a category dtype "
                    "(X[col].astype('category')) or list it in categorical_features"
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
            raise self._missing_error(j, missing)
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
        for j, new in enumerate(X.dtypes):
            if self.categorical_kinds[j] != _is_categorical_dtype(new):
                old = self.kinds[j]
                raise ValueError(
                    f"{self.estimator_name}: column {self._name(j)} had dtype {old} "
                    f"in fit and has {new} now. Pass it with the dtype it had in "
                    "fit (X[col].astype(...))."
                )

    def _name(self, j):
        name = self.names[j]
        return repr(name) if self.kinds is not None else f"{j}"

    def _missing_error(self, j, missing):
        rows = np.flatnonzero(missing)
        return ValueError(
            f"{self.estimator_name}: column {self._name(j)} has {rows.size} missing "
            f"value(s) (rows {rows[:5].tolist()}{', ...' if rows.size > 5 else ''}). "
            "Set missing_values='impute' (numbers: the training median and a "
            "missing indicator; categories: a category of its own), or impute them "
            "before the estimator (SimpleImputer)."
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
    if not hasattr(X, "shape"):
        X = np.asarray(X, dtype=object)
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
        columns = zip(X.columns, X.dtypes)
    elif getattr(getattr(X, "dtype", None), "kind", None) in ("M", "m"):
        columns = [(None, X.dtype)]
    else:
        return
    for name, dtype in columns:
        kind = getattr(dtype, "kind", None)
        if kind not in ("M", "m"):
            continue
        what = "dates" if kind == "M" else "durations"
        if name is None:
            where = "X"
            hint = (
                "(X - start) / np.timedelta64(1, 'D')"
                if kind == "M"
                else "X / np.timedelta64(1, 's')"
            )
        else:
            where, col = f"column {name!r}", f"X[{name!r}]"
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
