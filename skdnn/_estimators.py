"""``DNNClassifier`` and ``DNNRegressor``: targets, losses and predictions.

Everything else (parameters, the fit pipeline, prediction from the network) is
shared, in ``_base``.
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Literal

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import assert_all_finite
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseDNN, store_parameters
from ._docs import fill_doc, with_docs
from ._parameters import COMMON, Names, with_defaults
from ._validation import check_finite_outputs
from ._warnings import warn
from .nn.losses import (
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
    get_loss,
    regression_losses,
)

if TYPE_CHECKING:  # names of the annotations only
    from collections.abc import Callable, Sequence

    from numpy.typing import ArrayLike
    from sklearn.base import BaseEstimator

    from .nn.optimizers import Optimizer

# Monte Carlo passes behind DNNRegressor.predict(return_std=True) by default.
_DEFAULT_MC_SAMPLES = 100


#: The classifier's defaults, chosen on the tabular benchmark (docs/claims/
#: tabular.md): the chapter's Table 11-3 recipe (ELU with He initialization,
#: dropout, Nadam under 1cycle for a fixed budget) with RealMLP's label smoothing,
#: robust input scaling and periodic numeric embeddings.
_CLASSIFIER_DEFAULTS = {
    "activation": "elu",
    "kernel_initializer": "auto",
    "input_scaling": "auto",
    "numeric_embedding": "auto",
    "embedding_frequencies": 8,
    "dropout": 0.2,
    "learning_rate": 0.007,
    "lr_schedule": "1cycle",
    "batch_size": 100,
    "max_iter": 40,
}
_CLASSIFIER_PARAMS = with_defaults(COMMON, **_CLASSIFIER_DEFAULTS) + (
    ("class_weight", None),
    ("label_smoothing", 0.1),
)
_CLASSIFIER_DOCS = {
    "class_weight": (
        'dict, "balanced" or None',
        """\
Weights of the classes, multiplying ``sample_weight``: ``{label: weight}``
(labels left out weigh 1), or "balanced": ``n_samples / (n_classes *
count)`` for each class, from the ``y`` of the fit, so that every class
carries the same total weight (scikit-learn's ``compute_class_weight``).
Raises the minority classes' recall on imbalanced data (see the training
guide). Not for multilabel targets; "balanced" not with ``partial_fit``,
whose chunks do not show the class frequencies.""",
    ),
    "label_smoothing": (
        "float in [0, 1]",
        """\
Label smoothing, as Keras' cross-entropy losses: train on the targets
``y * (1 - label_smoothing) + label_smoothing / n_classes`` instead of
one-hot labels (for one sigmoid output, binary or per label, ``n_classes``
is 2). The network is then not pushed toward ever larger logits, which
tempers overconfident probabilities. ``loss_curve_`` and the validation
loss are the cross-entropy with the smoothed targets, as in Keras; the
validation score is the accuracy on the true labels.""",
    ),
}


@with_docs
class DNNClassifier(ClassifierMixin, _BaseDNN):
    """Deep neural network classifier trained with mini-batch gradient descent.

    Binary and multiclass targets get a softmax (or one sigmoid) output with
    cross-entropy; a multilabel indicator matrix gets one sigmoid per label.

    {sections}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdnn import DNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = make_pipeline(StandardScaler(), DNNClassifier(random_state=0))
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.95
    True
    """

    _param_docs = _CLASSIFIER_DOCS
    _parameter_constraints = {
        **_BaseDNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
    }
    _attribute_docs = """\
classes_ : ndarray of shape (n_classes,)
    Class labels (for multilabel targets, the label indices).
"""
    _see_also = """\
DNNRegressor : The same network for regression.
sklearn.neural_network.MLPClassifier : scikit-learn's multilayer perceptron.
"""
    _params = _CLASSIFIER_PARAMS

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] | Literal["auto"] = "auto",
        activation: str = "elu",
        kernel_initializer: str | Callable = "auto",
        batch_norm: Literal["before", "after"] | None = None,
        batch_norm_momentum: float = 0.99,
        batch_norm_epsilon: float = 0.001,
        input_batch_norm: bool = False,
        categorical_features: ArrayLike | Literal["from_dtype"] | None = "from_dtype",
        missing_values: Literal["error", "impute"] = "error",
        max_one_hot_categories: int = 16,
        category_embedding_size: int = 8,
        min_category_frequency: int = 10,
        input_scaling: Literal["auto", "robust", "standard", "quantile"]
        | None = "auto",
        numeric_embedding: Literal["auto", "periodic"] | None = "auto",
        embedding_frequencies: int = 8,
        embedding_size: int = 3,
        embedding_sigma: float = 0.1,
        feature_scale: bool | Literal["auto"] = False,
        ensemble_size: int = 1,
        dropout: float = 0.2,
        input_dropout: float = 0.0,
        dropout_type: Literal["standard", "alpha", "auto"] = "auto",
        l1: float = 0.0,
        l2: float = 0.0,
        max_norm: float | None = None,
        optimizer: str | Optimizer = "nadam",
        learning_rate: float | None = 0.007,
        momentum: float | None = None,
        nesterov: bool = False,
        beta_1: float | None = None,
        beta_2: float | None = None,
        epsilon: float | None = None,
        rho: float | None = None,
        weight_decay: float | None = None,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
        lr_schedule: str | Callable | None = "1cycle",
        batch_size: int | Literal["auto"] = 100,
        max_iter: int = 40,
        shuffle: bool = True,
        early_stopping: bool | Literal["auto"] = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 0.0001,
        warm_start: bool = False,
        transfer_from: BaseEstimator | None = None,
        transfer_layers: int | None = None,
        freeze_epochs: int | None = 4,
        reused_learning_rate_factor: float = 1.0,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        diagnostics: bool = True,
        dtype: Literal["float32", "float64"] = "float32",
        class_weight: dict | Literal["balanced"] | None = None,
        label_smoothing: float = 0.1,
    ) -> None:
        store_parameters(self, locals())

    _default_hidden = (256, 128)

    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the previous call.

        The first call builds the network (after a ``fit``, training continues
        from it). Each call runs one epoch of mini-batches over the data given,
        without early stopping, so a stream of chunks can be learned one at a time.

        {fit_parameters}
        classes : array-like of shape (n_classes,), default=None
            All the class labels any call will see. Required on the first call
            (unless ``y`` is a multilabel indicator matrix); later calls may omit
            it or must pass the same classes.

        Returns
        -------
        self : DNNClassifier
            The partially fitted estimator.
        """
        if classes is None and not hasattr(self, "classes_"):
            if type_of_target(y) != "multilabel-indicator":
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: the "
                    "list of all class labels, e.g. classes=np.unique(y_all)."
                )
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _encode_targets(self, y, first_fit, classes=None, sample_weight=None):
        if y.ndim == 2 and y.shape[1] == 1:
            warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example "
                "using ravel().",
                DataConversionWarning,
            )
            y = y.ravel()
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if first_fit:
            labels = y if classes is None or multilabel else np.asarray(classes)
            self._label_binarizer = LabelBinarizer().fit(labels)
            self.classes_ = self._label_binarizer.classes_
            if self.classes_.size < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes, "
                    f"but the data contains only one class: {self.classes_[0]!r}."
                )
        elif classes is not None and not np.array_equal(
            np.unique(classes), self.classes_
        ):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differs from the classes of "
                f"the first fit ({self.classes_.tolist()}); pass the same classes "
                "on every partial_fit call, or None after the first."
            )
        if not first_fit or classes is not None:
            # A later chunk may lack some classes; it may not bring new ones.
            was_multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
            if multilabel != was_multilabel or not (
                multilabel or set(np.unique(y).tolist()) <= set(self.classes_.tolist())
            ):
                raise ValueError(
                    f"y has labels or a target type not seen in the first fit "
                    f"(classes {self.classes_.tolist()}). With partial_fit, pass all "
                    "labels in classes on the first call; with warm_start=True, fit "
                    "with warm_start=False to build a network for the new labels."
                )
        return self._label_binarizer.transform(y)

    def _weigh_classes(self, Y, sample_weight, partial):
        if self.class_weight is None:
            return sample_weight
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            raise ValueError(
                "class_weight does not apply to multilabel targets: give each "
                "sample its weight with sample_weight instead."
            )
        if partial and self.class_weight == "balanced":
            raise ValueError(
                'class_weight="balanced" needs the class frequencies of all the '
                "data, which partial_fit's chunks do not show: pass a dict of "
                "weights, e.g. from sklearn.utils.class_weight.compute_class_weight."
            )
        index = Y.argmax(axis=1) if self._is_softmax() else (Y[:, 0] > 0.5).astype(int)
        present = np.unique(index)
        weights = np.ones(self.classes_.size)
        weights[present] = compute_class_weight(
            self.class_weight, classes=self.classes_[present], y=self.classes_[index]
        )
        if isinstance(self.class_weight, dict) and (
            not np.all(np.isfinite(weights)) or weights.min() < 0
        ):
            raise ValueError(
                "class_weight values must be finite and non-negative (they "
                f"multiply sample_weight), got {self.class_weight!r}."
            )
        per_sample = weights[index]
        if sample_weight is not None:
            per_sample = per_sample * sample_weight
        if not per_sample.any():
            raise ValueError(
                "class_weight (times sample_weight) gives every sample a weight of "
                f"0: nothing to learn from. Got class_weight={self.class_weight!r}."
            )
        return per_sample.astype(Y.dtype if Y.dtype.kind == "f" else np.float64)

    def _is_softmax(self):
        return self._label_binarizer.y_type_ == "multiclass"

    def _make_loss(self):
        loss = SoftmaxCrossEntropy if self._is_softmax() else SigmoidCrossEntropy
        return loss(label_smoothing=self.label_smoothing)

    def _stratify(self, Y):
        return Y if self._label_binarizer.y_type_ != "multilabel-indicator" else None

    def _missing_classes(self, Y_val):
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return []
        if self._is_softmax():
            present = Y_val.max(axis=0) > 0
        else:  # one sigmoid output: class 1 where it is 1
            present = np.array([(Y_val[:, 0] < 0.5).any(), (Y_val[:, 0] > 0.5).any()])
        return self.classes_[~present].tolist()

    def _score_outputs(self, Z, Y, sample_weight):
        if self._is_softmax():
            return accuracy_score(Y.argmax(1), Z.argmax(1), sample_weight=sample_weight)
        return accuracy_score(Y > 0.5, Z > 0, sample_weight=sample_weight)

    @fill_doc
    def predict_proba(self, X, mc_samples=None):
        """Class probabilities (averaged over passes with ``mc_samples``).

        {predict_parameters}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class (for multilabel targets: of each label,
            independently).
        """
        check_is_fitted(self)
        if mc_samples is None:
            P = self.loss_function_.link(self._forward(X))
        else:
            P = self._mc_outputs(X, mc_samples, self.loss_function_.link)[0]
        if self._label_binarizer.y_type_ == "binary":
            P = np.hstack([1 - P, P])
        return P

    @fill_doc
    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        {X}

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @fill_doc
    def predict(self, X, mc_samples=None):
        """Predicted class labels (of the Monte Carlo estimate with ``mc_samples``).

        {predict_parameters}

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels, or an indicator matrix for multilabel targets.
        """
        check_is_fitted(self)
        y_type = self._label_binarizer.y_type_
        if mc_samples is None:
            Z = self._forward(X)
            positive = Z > 0
        else:
            Z = self._mc_outputs(X, mc_samples, self.loss_function_.link)[0]
            positive = Z > 0.5
        if y_type == "multiclass":
            return self.classes_[np.argmax(Z, axis=1)]
        if y_type == "binary":
            return self.classes_[positive[:, 0].astype(int)]
        return positive.astype(int)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


#: The regressor's defaults, chosen on the tabular benchmark (docs/claims/
#: tabular.md): early stopping that keeps the best validation epoch of a 1cycle
#: budget, with RealMLP's robust input scaling, periodic numeric embeddings and
#: learned feature scale, and five networks of (64, 64) units trained as one
#: (TabM's packed ensemble; five narrow members measured better than three of
#: (100, 100) for the same fit time).
_REGRESSOR_DEFAULTS = {
    "input_scaling": "auto",
    "numeric_embedding": "auto",
    "feature_scale": "auto",
    "ensemble_size": 5,
    "learning_rate": 0.01,
    "lr_schedule": "1cycle",
    "max_iter": 60,
    "early_stopping": "auto",
    "validation_fraction": 0.2,
}
_REGRESSOR_PARAMS = with_defaults(COMMON, **_REGRESSOR_DEFAULTS) + (
    ("normalize_y", True),
    ("loss", "squared_error"),
    ("huber_delta", 1.0),
)
_REGRESSOR_DOCS = {
    "normalize_y": (
        "bool",
        """\
Train on targets centred per output and divided by one common scale (the
root mean variance of the outputs), as scikit-learn's
``GaussianProcessRegressor(normalize_y=True)``: the network then sees
targets of unit scale whatever their units, which the default learning
rate and ``tol`` suit. Predictions, ``loss_curve_``, ``history_``
losses, ``best_loss_`` and ``score`` are in the targets' own units;
``tol`` and the learning-rate schedules see the loss of the scaled
targets. With ``loss="poisson"`` the targets stay as they are (centring
would make counts negative): the output is normalised instead, ``mu =
exp(c + s * z)`` with ``c`` the log of each output's mean target and
``s`` the targets' coefficient of variation, at most 1, so that the
untrained network predicts the mean and its outputs of unit scale span
the targets' relative spread; the loss is then in the targets' units
throughout. The scale is set by the first ``fit`` (or ``partial_fit``)
and kept by warm starts. False: the targets are used as given (for
"poisson", the plain ``exp(z)`` output).""",
    ),
    "loss": (
        '{"squared_error", "absolute_error", "huber", "poisson"}',
        """\
The training loss, averaged over the outputs and (sample-weighted) over
the samples. "squared_error": the mean squared error, for the
conditional mean. "absolute_error": the mean absolute error, for the
conditional median; robust to outliers in y, but its gradient does not
shrink near the optimum. "huber": Keras' Huber loss, ``r**2 / 2`` for
residuals ``|r| <= huber_delta`` and ``huber_delta * (|r| -
huber_delta / 2)`` beyond: squared error near the fit, absolute error
for outliers. "poisson": an exponential output (log link) with the half
Poisson deviance ``y log(y / mu) - y + mu``, as ``MLPRegressor(loss=
"poisson")``, for non-negative targets such as counts; ``2 * loss_`` is
``mean_poisson_deviance`` on the training data. ``loss_curve_`` reports
the chosen loss; ``score`` is R^2 for every loss, as in scikit-learn.""",
    ),
    "huber_delta": (
        "float",
        """\
Residual size, in the units of y, where the Huber loss turns from
quadratic to linear (Keras' ``delta``). Used only with ``loss="huber"``.
Choose it about the size of a typical residual of the clean data:
residuals far beyond it count linearly, as outliers.""",
    ),
}


@with_docs
class DNNRegressor(RegressorMixin, _BaseDNN):
    """Deep neural network regressor trained with mini-batch gradient descent.

    The output layer is linear and training minimises the mean squared error
    (or the absolute error, the Huber loss, or the Poisson deviance with an
    exponential output: ``loss``), averaged over the outputs for multi-output
    targets. Targets are scaled for training (``normalize_y``), predictions come
    back in their units.

    {sections}

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skdnn import DNNRegressor
    >>> X, y = make_regression(n_samples=300, n_features=5, noise=1, random_state=0)
    >>> reg = DNNRegressor(random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.95
    True
    """

    _param_docs = _REGRESSOR_DOCS
    _attribute_docs = ""
    _see_also = """\
DNNClassifier : The same network for classification.
sklearn.neural_network.MLPRegressor : scikit-learn's multilayer perceptron.
"""
    _parameter_constraints = {
        **_BaseDNN._parameter_constraints,
        "normalize_y": ["boolean"],
        "loss": [Names(set(regression_losses()))],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
    }
    _params = _REGRESSOR_PARAMS
    _default_hidden = (64, 64)  # per member: five of them by default

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] | Literal["auto"] = "auto",
        activation: str = "relu",
        kernel_initializer: str | Callable = "glorot_uniform",
        batch_norm: Literal["before", "after"] | None = None,
        batch_norm_momentum: float = 0.99,
        batch_norm_epsilon: float = 0.001,
        input_batch_norm: bool = False,
        categorical_features: ArrayLike | Literal["from_dtype"] | None = "from_dtype",
        missing_values: Literal["error", "impute"] = "error",
        max_one_hot_categories: int = 16,
        category_embedding_size: int = 8,
        min_category_frequency: int = 10,
        input_scaling: Literal["auto", "robust", "standard", "quantile"]
        | None = "auto",
        numeric_embedding: Literal["auto", "periodic"] | None = "auto",
        embedding_frequencies: int = 16,
        embedding_size: int = 3,
        embedding_sigma: float = 0.1,
        feature_scale: bool | Literal["auto"] = "auto",
        ensemble_size: int = 5,
        dropout: float = 0.0,
        input_dropout: float = 0.0,
        dropout_type: Literal["standard", "alpha", "auto"] = "auto",
        l1: float = 0.0,
        l2: float = 0.0,
        max_norm: float | None = None,
        optimizer: str | Optimizer = "nadam",
        learning_rate: float | None = 0.01,
        momentum: float | None = None,
        nesterov: bool = False,
        beta_1: float | None = None,
        beta_2: float | None = None,
        epsilon: float | None = None,
        rho: float | None = None,
        weight_decay: float | None = None,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
        lr_schedule: str | Callable | None = "1cycle",
        batch_size: int | Literal["auto"] = "auto",
        max_iter: int = 60,
        shuffle: bool = True,
        early_stopping: bool | Literal["auto"] = "auto",
        validation_fraction: float = 0.2,
        n_iter_no_change: int = 10,
        tol: float = 0.0001,
        warm_start: bool = False,
        transfer_from: BaseEstimator | None = None,
        transfer_layers: int | None = None,
        freeze_epochs: int | None = 4,
        reused_learning_rate_factor: float = 1.0,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        diagnostics: bool = True,
        dtype: Literal["float32", "float64"] = "float32",
        normalize_y: bool = True,
        loss: Literal[
            "squared_error", "absolute_error", "huber", "poisson"
        ] = "squared_error",
        huber_delta: float = 1.0,
    ) -> None:
        store_parameters(self, locals())

    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the previous call.

        For a stream of chunks: the first call builds the network (or, after
        ``fit``, continues it); early stopping does not apply.

        {fit_parameters}

        Returns
        -------
        self : DNNRegressor
            The partially fitted estimator.
        """
        return self._fit(X, y, sample_weight, partial=True)

    def _encode_targets(self, y, first_fit, classes=None, sample_weight=None):
        y = _numeric_targets(np.asarray(y), type(self).__name__)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        loss = get_loss(self.loss)
        loss.check_targets(Y, first=first_fit)
        if first_fit:
            self._y_ndim = y.ndim
            self._y_loss = self.loss.lower()
            # identity links: centre and scale the targets; others (the log link)
            # are normalised in the link's space instead, by the loss's parameters
            normalize = self.normalize_y
            self._y_mean, self._y_scale = _target_scaling(
                Y, normalize and loss.shift_invariant, sample_weight
            )
            self._output_params = (
                loss.output_normalization(Y, sample_weight) if normalize else {}
            )
        else:
            self._check_same_link(loss)
        if self._y_scale is not None:
            Y = (Y - self._y_mean) / self._y_scale
        return Y

    def _check_same_link(self, loss):
        """A warm start or later partial_fit keeps the first fit's output layer."""
        first = getattr(self, "_y_loss", "squared_error")
        if get_loss(first).link_name != loss.link_name:
            raise ValueError(
                f'loss="{self.loss}" cannot continue a model fitted with '
                f'loss="{first}": the two have different output links, and '
                "warm_start and partial_fit keep the first fit's output layer and "
                "target scaling. Fit anew: warm_start=False, or a new estimator "
                "for partial_fit."
            )

    def _loss_unit(self):
        scale = getattr(self, "_y_scale", None)
        if scale is None:
            return 1.0
        with np.errstate(over="ignore"):  # inf for targets near float64's limit
            return float(np.float64(scale) ** self.loss_function_.unit_power)

    def _make_loss(self):
        params = getattr(self, "_output_params", {})
        loss = get_loss(self.loss, delta=self.huber_delta, **params)
        scale = getattr(self, "_y_scale", None)
        return loss if scale is None else loss.scaled(scale)

    def _score_outputs(self, Z, Y, sample_weight):
        return r2_score(Y, self.loss_function_.link(Z), sample_weight=sample_weight)

    def _to_user_units(self, P):
        """Predictions (``link`` of the outputs) in the units of the targets.

        Targets near float64's limit (1e300) can overflow it from finite
        outputs: such predictions are the largest finite float64, never inf.
        """
        if getattr(self, "_y_scale", None) is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                P = np.asarray(P, dtype=np.float64) * self._y_scale + self._y_mean
            big = np.finfo(np.float64).max
            np.clip(P, -big, big, out=P)
        return P.ravel() if self._y_ndim == 1 else P

    def _link(self, Z):
        with np.errstate(over="ignore"):
            return check_finite_outputs(self.loss_function_.link(Z), self)

    @fill_doc
    def predict(self, X, return_std=False, mc_samples=None):
        """Predicted target values, optionally with Monte Carlo dropout uncertainty.

        Parameters
        ----------
        {X}
        return_std : bool, default=False
            Also return the standard deviation of the ``mc_samples`` Monte Carlo
            dropout passes: the model's uncertainty about its prediction (it does
            not include the noise in the targets). Needs a model fitted with
            dropout. With ``mc_samples=None``, 100 passes are used.
        {mc_samples}

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, with the shape of the targets seen in fit.
        y_std : ndarray of the same shape as ``y``
            Standard deviation over the Monte Carlo passes; only with
            ``return_std=True``.
        """
        if mc_samples is None and not return_std:
            return self._to_user_units(self._link(self._forward(X)))
        mc_samples = _DEFAULT_MC_SAMPLES if mc_samples is None else mc_samples
        mean, std = self._mc_outputs(X, mc_samples, self._link)
        mean = self._to_user_units(mean)
        if getattr(self, "_y_scale", None) is not None:
            std = std * self._y_scale
        std = std.ravel() if self._y_ndim == 1 else std
        return (mean, std) if return_std else mean

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def _target_scaling(Y, normalize, sample_weight=None):
    """Per-output (weighted) means and one common scale; (None, None): no scaling.

    Weighted by ``sample_weight``, so that a weight of 2 equals a repeated sample
    and a weight of 0 a dropped one, as everywhere else in the fit. Computed on
    ``Y`` divided by its largest magnitude, so that huge targets cannot overflow.
    """
    if not normalize:
        return None, None
    Y = Y.astype(np.float64)
    w = None if sample_weight is None or not np.sum(sample_weight) else sample_weight
    largest = float(np.max(np.abs(Y))) if Y.size else 0.0
    if largest == 0.0:
        return np.zeros(Y.shape[1]), 1.0
    Y = Y / largest
    mean = np.average(Y, axis=0, weights=w)
    spread = float(np.sqrt(np.mean(np.average((Y - mean) ** 2, axis=0, weights=w))))
    if spread < 10 * np.finfo(np.float64).eps * max(1.0, float(np.max(np.abs(mean)))):
        spread = 1.0 / largest  # constant targets: centring is all there is to do
    return mean * largest, spread * largest


def _numeric_targets(y, estimator_name):
    """Regression targets as numbers: text that holds numbers is read as them
    (as scikit-learn's regressors do), other text is refused."""
    if y.dtype.kind not in "OUS":
        return y
    try:
        numbers = y.astype(np.float64)
    except (TypeError, ValueError):
        pass
    else:  # the text may spell out NaN or infinity, which the checks did not see
        assert_all_finite(numbers, input_name="y")
        return numbers
    for value in y.ravel():  # only to name the first bad value
        try:
            float(value)
        except (TypeError, ValueError):
            break
    raise ValueError(
        f"{estimator_name}: y must hold numbers, and holds {value!r}. For class "
        "labels use DNNClassifier; otherwise convert y (e.g. pd.to_numeric(y))."
    )
