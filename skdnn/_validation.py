"""Checks of the data: dtype range, finiteness, scale, and the validation split.

Each failure is an error (or a warning) that says what to change, raised before
NumPy could produce NaN or a traceback from deep inside the network.
"""

from contextlib import contextmanager

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing, assert_all_finite
from sklearn.utils.validation import _check_sample_weight, check_X_y, validate_data

from . import _sparse
from ._tables import encode
from ._warnings import warn

_SCALE_HINTS = {
    "X": "standardise X (StandardScaler)",
    "y": "scale y (normalize_y=True, or TransformedTargetRegressor)",
    "sample_weight": "divide sample_weight by its maximum (only ratios matter)",
}

#: A non-constant column is far from unit scale when its standard deviation is
#: above LARGE or below SMALL, or its mean is above LARGE in magnitude.
LARGE, SMALL = 100.0, 1e-4
# float64 bytes per chunk of the column statistics: no copy of X, and no
# chunk-sized float64 copy that grows with the number of columns either
_CHUNK_BYTES = 8 * 2**20


def fit_inputs(estimator, X, y, sample_weight, dtype, reset):
    """Validated ``X`` (dense, or sparse as CSR) and ``sample_weight`` in ``dtype``.

    ``y`` comes back as scikit-learn validated it, for the estimator to encode.
    A raw table with categorical columns or missing values to impute is encoded
    first (``_tables``); its column names and count are those of the table.
    """
    encoded = encode(estimator, X, reset=reset, dtype=dtype)
    if encoded is None:
        with missing_values_hint(estimator, X, fitting=True):
            X, y = validate_data(
                estimator,
                X,
                y,
                reset=reset,
                dtype=[dtype, np.float64],
                multi_output=True,
                accept_sparse=["csr", "csc"],
            )
    else:
        X, y = check_X_y(
            encoded,
            y,
            dtype=[dtype, np.float64],
            multi_output=True,
            estimator=estimator,
        )
    multilabel = getattr(y, "ndim", 1) == 2 and y.shape[1] > 1
    if _sparse.issparse(y) and not (is_classifier(estimator) and multilabel):
        # only a multilabel indicator matrix is a sparse target, as in scikit-learn
        raise TypeError(
            f"{type(estimator).__name__}: y is a sparse matrix; pass it dense "
            "(y.toarray(), and .ravel() for one column)."
        )
    X = to_network_dtype(X, dtype, "X")
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        sample_weight = to_network_dtype(sample_weight, dtype, "sample_weight")
    return X, y, sample_weight


@contextmanager
def missing_values_hint(estimator, X, *, fitting):
    """scikit-learn's errors for NaN or text in ``X``, with this estimator's fix.

    For NaN its own words point to other estimators; these estimators impute
    when asked (``missing_values="impute"``). Sparse X keeps scikit-learn's
    error: the imputation is for dense tables. Text in an array (object dtype)
    is a categorical column the estimator cannot find without names or dtypes.
    """
    try:
        yield
    except ValueError as exc:
        text = str(exc).partition("could not convert string to float: ")[2]
        frame = hasattr(X, "columns") and hasattr(X, "dtypes")
        if text and fitting and frame and estimator.categorical_features is None:
            raise ValueError(
                f"{type(estimator).__name__}: X holds text ({text}), and "
                "categorical_features=None reads every column as numeric. Leave "
                "categorical_features='from_dtype' (the default: text and category "
                "columns are categorical), or list them by name."
            ) from None
        if text and fitting and hasattr(estimator, "categorical_features"):
            raise ValueError(
                f"{type(estimator).__name__}: X holds text ({text}) in an array, "
                "whose columns have no dtypes to tell the categorical ones. Pass a "
                "pandas DataFrame (its text and category columns are categorical), "
                "or list them: categorical_features=[j, ...]."
            ) from None
        if (
            "Input X contains NaN" not in str(exc)
            or not hasattr(estimator, "missing_values")
            or _sparse.issparse(X)
        ):
            raise
        if fitting:
            fix = (
                "Set missing_values='impute' (each column's median, plus a column "
                "that marks the missing ones), or impute X yourself (e.g. "
                "SimpleImputer in a Pipeline)."
            )
        else:
            fix = (
                "This model was fitted with missing_values='error', without "
                "missing values: impute X as for training, or fit again with "
                "missing_values='impute'."
            )
        raise ValueError(
            f"{type(estimator).__name__}: X contains NaN (missing values). {fix}"
        ) from None


def to_network_dtype(A, dtype, name):
    """``A`` in the network's dtype; values beyond that dtype's range are an error.

    A plain cast would turn float64 values above float32's maximum (~3.4e38) into
    inf, and NaN losses or predictions would follow.
    """
    dtype = np.dtype(dtype)
    if _sparse.issparse(A):
        _check_range(A.data, dtype, name)
        return _sparse.to_csr(A, dtype)
    if A.dtype == dtype:
        return A
    _check_range(A, dtype, name)
    return A.astype(dtype)


def _check_range(A, dtype, name):
    """Raise when ``A`` holds values beyond the range of ``dtype``."""
    if A.dtype != dtype and A.size and np.issubdtype(A.dtype, np.floating):
        limit = float(np.finfo(dtype).max)
        largest = float(np.max(np.abs(A)))
        if largest > limit:
            raise ValueError(
                f"{name} contains values up to {largest:.3g} in magnitude, beyond "
                f"the range of {dtype} (about {limit:.2g}) in which the network "
                f"computes: {_SCALE_HINTS[name]}, or set dtype='float64'."
            )


def assert_finite(X, estimator):
    """scikit-learn's check that ``X`` has no NaN or infinity, with a faster first pass.

    scikit-learn first tests whether ``np.sum(X)`` is finite; the row sums from a
    matrix-vector product answer the same question (any NaN or infinity makes them
    non-finite) in about half the time, which matters for prediction, where the
    check is otherwise ~8% of the work. When the sums are not finite, scikit-learn's
    own check decides (finite values can overflow a sum) and words the error.
    Sparse ``X``: its stored values are checked.
    """
    if _sparse.issparse(X):
        X = X.data[:, None]
    if X.size:
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(np.sum(X @ np.ones(X.shape[1], dtype=X.dtype))):
                return
    assert_all_finite(X, estimator_name=type(estimator).__name__, input_name="X")


def check_finite_outputs(Z, estimator):
    """Raise instead of returning NaN or inf predictions."""
    finite = np.isfinite(Z)
    if not finite.all():
        rows = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(
            f"{type(estimator).__name__}: the network's outputs overflowed "
            f"{estimator.network_.dtype} for {rows.size} sample(s) (rows "
            f"{rows[:5].tolist()}{', ...' if rows.size > 5 else ''}): their "
            "features are far outside the range seen in fit. Scale X as for "
            "training (e.g. the same StandardScaler), or fit with dtype='float64'."
        )
    return Z


def column_statistics(X):
    """Mean and standard deviation of each column, in float64, without copying X."""
    total = np.zeros(X.shape[1])
    squares = np.zeros(X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):  # huge values: inf is right
        rows = max(1, _CHUNK_BYTES // (8 * max(X.shape[1], 1)))
        for lo in range(0, X.shape[0], rows):
            block = X[lo : lo + rows].astype(np.float64)
            total += block.sum(axis=0)
            squares += np.einsum("ij,ij->j", block, block)
        n = max(X.shape[0], 1)
        mean = total / n
        return mean, np.sqrt(np.maximum(squares / n - mean * mean, 0.0))


def far_from_unit_scale(X):
    """Indices of the columns of ``X`` that are far from unit scale.

    A column counts when it is not constant and its standard deviation is above
    ``LARGE`` (100) or below ``SMALL`` (1e-4), or its mean is above ``LARGE`` in
    magnitude. Standardised, min-max scaled and one-hot columns never count.

    Sparse ``X``: the scale is that of the stored values (their root mean square
    above ``LARGE`` or below ``SMALL``), computed without densifying. A column
    with few non-zero values has a tiny standard deviation whatever their size,
    so the dense rule would flag every rare word of a TF-IDF matrix; values in
    [0, 1] (TF-IDF, counts normalised per row, binary indicators) never count.
    """
    if _sparse.issparse(X):
        mean, std, stored_rms, count = _sparse.column_moments(X)
        far = (count > 0) & ((stored_rms > LARGE) | (stored_rms < SMALL))
    else:
        mean, std = column_statistics(X)
        with np.errstate(invalid="ignore"):
            far = (std > LARGE) | (std < SMALL) | (np.abs(mean) > LARGE)
    with np.errstate(invalid="ignore"):
        varying = std > 1e-12 * np.maximum(np.abs(mean), 1.0)
    return np.flatnonzero(varying & far)


def warn_if_far_from_unit_scale(X, estimator):
    """One warning when columns of X are far from unit scale (see the rule above).

    Not when the network scales its own inputs: ``input_scaling`` (for dense X,
    "auto" does) or ``input_batch_norm``.
    """
    scaling = getattr(estimator, "input_scaling", None)
    if isinstance(scaling, str) and scaling.lower() == "auto":
        scaling = None if _sparse.issparse(X) else scaling
    if estimator.input_batch_norm or scaling is not None:
        return
    encoder = getattr(estimator, "_table_encoder", None)
    if encoder is not None:  # the encoded table: its columns by name, no codes
        X = X[:, : X.shape[1] - encoder.n_embedded]
    columns = far_from_unit_scale(X)
    if columns.size:
        shown = columns[:5].tolist() + (["..."] if columns.size > 5 else [])
        if encoder is not None:
            names = encoder.feature_names()
            shown = [names[c] for c in columns[:5]] + shown[5:]
        warn(
            f"{type(estimator).__name__}: {columns.size} column(s) of X are far "
            f"from unit scale (columns {shown}: standard deviation above {LARGE:g} "
            f"or below {SMALL:g}, or mean above {LARGE:g} in magnitude). Neural "
            "networks train poorly on such inputs: "
            + (
                "put a MaxAbsScaler before the estimator, which keeps X sparse "
                "(make_pipeline(MaxAbsScaler(), ...))."
                if _sparse.issparse(X)
                else "set input_scaling='robust' (or 'standard'), or put a "
                "StandardScaler before the estimator (make_pipeline("
                "StandardScaler(), ...))."
            ),
            UserWarning,
        )


def split_validation(X, Y, sample_weight, *, fraction, seed, stratify, estimator):
    """Hold out ``fraction`` of the samples for early stopping.

    Stratified by ``stratify`` (the rows of the one-hot classes) when given.
    Samples of a class with a single sample stay in the training set, and the rest
    is split stratified if it can be, at random (with a warning) if not. A
    classifier's validation set that misses classes warns: early stopping then
    scores the classes it has, as MLPClassifier does, so that small or
    imbalanced cross-validation folds still fit. A validation set under 2
    samples, or whose samples (or the training samples) all weigh 0, is an error,
    raised before any training.

    Returns
    -------
    (X_train, Y_train, sw_train), (X_val, Y_val, sw_val)
    """
    name = type(estimator).__name__
    index = np.arange(X.shape[0])
    single = np.zeros(X.shape[0], dtype=bool)
    if stratify is not None:
        _, inverse, counts = np.unique(
            stratify, axis=0, return_inverse=True, return_counts=True
        )
        single = counts[inverse.ravel()] < 2
    train, val = _split_indices(
        index[~single],
        None if stratify is None else stratify[~single],
        fraction=fraction, seed=seed, name=name, n_samples=X.shape[0],
    )  # fmt: skip
    if single.any():
        train = np.concatenate([train, index[single]])

    def take(idx):  # as train_test_split indexes (dense, sparse, ...)
        w = None if sample_weight is None else sample_weight[idx]
        return _safe_indexing(X, idx), Y[idx], w

    train, val = take(train), take(val)
    if val[0].shape[0] < 2:
        raise _too_small(name, fraction, X.shape[0], f"{val[0].shape[0]} sample")
    missing = estimator._missing_classes(val[1])
    if missing:
        n_single = 0 if stratify is None else int(np.sum(counts < 2))
        warn(
            f"{name}: the early-stopping validation set has no sample of class(es) "
            f"{missing} (validation_fraction={fraction} of {X.shape[0]} samples"
            + ("; a class with a single sample stays in the training set"
               if n_single else "")
            + "): early stopping scores the other classes."
            + (" Raise validation_fraction for a validation set with more of them."
               if len(missing) > n_single else ""),
            UserWarning,
        )  # fmt: skip
    for part, what in ((val, "validation"), (train, "training")):
        if part[2] is not None and not np.any(part[2]):
            raise _too_small(
                name, fraction, X.shape[0], f"the {what} samples all weigh 0"
            )
    return train, val


def _split_indices(index, stratify, *, fraction, seed, name, n_samples):
    """``train_test_split`` of ``index``, stratified if possible (else warns)."""
    try:
        return train_test_split(
            index, test_size=fraction, random_state=seed, stratify=stratify
        )
    except ValueError as exc:
        if stratify is None:
            raise _too_small(name, fraction, n_samples, str(exc)) from None
        warn(
            f"{name}: the early-stopping validation split cannot be stratified "
            f"({exc}); it is drawn at random instead, so the training and "
            "validation sets may miss some classes.",
            UserWarning,
        )
        return _split_indices(
            index, None, fraction=fraction, seed=seed, name=name,
            n_samples=n_samples,
        )  # fmt: skip


def _too_small(name, fraction, n_samples, detail):
    return ValueError(
        f"{name}: the validation set is too small to score early stopping "
        f"({detail}; validation_fraction={fraction} of {n_samples} samples). "
        "Increase validation_fraction, use more samples, or set "
        "early_stopping=False."
    )
