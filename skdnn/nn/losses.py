"""Output activations fused with their losses.

Each loss takes the output layer's pre-activations ``Z``: the link (softmax, sigmoid,
identity, exponential) and the loss are computed together, which is stable
(log-sum-exp, no ``log(0)``) and gives a simple delta: ``link(Z) - Y`` for
cross-entropy, squared error and Poisson, its sign for the absolute error, and its
clipped value for Huber, scaled by the sample weights. The batch loss is the
sample-weighted mean over the batch; ``gradient`` returns the exact derivative of
the value that ``value`` reports.

The regression losses also tell the estimator how they behave under its target
scaling (``unit_power``, ``shift_invariant``, ``scaled``) and which targets they
accept (``check_targets``), so the estimator needs no case for each loss.
"""

import numpy as np
from scipy.special import expit, xlogy

from ._params import Configurable, parameters
from ._registry import Registry

LOSSES = Registry("loss")


def _weights(Y, sample_weight):
    """Per-sample weights normalised so that they sum to one over the batch."""
    n = Y.shape[0]
    if sample_weight is None:
        return None, Y.dtype.type(1.0 / max(n, 1))
    total = float(np.sum(sample_weight))
    if total <= 0:
        return np.zeros((n, 1), dtype=Y.dtype), Y.dtype.type(0.0)
    return (sample_weight / total).astype(Y.dtype, copy=False).reshape(-1, 1), None


def _weighted_mean(per_sample, w, scale):
    if w is None:
        # the ufunc's reduce is np.sum without its Python wrapper (~1.5 us a batch)
        return float(np.add.reduce(per_sample, dtype=np.float64) * scale)
    return float(np.dot(w.ravel().astype(np.float64), per_sample))


def _weigh(delta, w, scale, factor):
    """``delta`` times ``factor`` and each sample's weight (or the batch's ``1/n``)."""
    if w is None:
        delta *= delta.dtype.type(scale * factor)
    else:
        delta *= w * delta.dtype.type(factor)
    return delta


def _smooth(Y, amount, n_classes):
    """Keras' label smoothing: ``Y * (1 - amount) + amount / n_classes``."""
    if not amount:
        return Y
    f = Y.dtype.type
    return Y * f(1 - amount) + f(amount / n_classes)


@parameters()
class Loss(Configurable):
    """Base class: ``link`` maps pre-activations to predictions."""

    #: Regression losses: the loss of targets and predictions divided by ``s`` is
    #: the loss divided by ``s**unit_power`` (None: not a regression loss).
    unit_power = None
    #: Whether shifting targets and outputs together leaves the loss unchanged, so
    #: that the estimator may centre the targets for training (identity links).
    shift_invariant = False
    #: The output activation ``link`` computes, by name (for exporters).
    link_name = None

    def link(self, Z):
        """Predictions (probabilities or values) from pre-activations ``Z``."""
        raise NotImplementedError

    def value(self, Z, Y, sample_weight=None):
        """The weighted mean loss of the batch."""
        return self.gradient(Z, Y, sample_weight)[0]

    def gradient(self, Z, Y, sample_weight=None):
        """``(loss, dLoss/dZ)`` for the batch."""
        raise NotImplementedError

    def check_targets(self, Y, first=True):
        """Raise a ``ValueError`` for targets outside the loss's domain.

        ``first``: the targets of a first fit, which the whole fit starts from
        (later ``partial_fit`` chunks may be less representative).
        """

    def scaled(self, scale):
        """The same loss for targets divided by ``scale`` (its parameters follow)."""
        return self

    def output_normalization(self, Y, sample_weight=None):
        """Parameters that fit this loss's output to the targets ``Y``.

        For ``normalize_y``: they put the untrained network's outputs (around 0,
        of unit scale) at the level and spread of ``Y``. Empty for the losses
        whose targets the estimator centres and scales instead
        (``shift_invariant``).
        """
        return {}


class _IdentityLink(Loss):
    """A regression loss on a linear output: predictions are the outputs."""

    shift_invariant = True
    link_name = "identity"

    def link(self, Z):
        return Z


@LOSSES.register("softmax_cross_entropy")
@parameters(label_smoothing=0.0)
class SoftmaxCrossEntropy(Loss):
    """Softmax output with categorical cross-entropy; ``Y`` is one-hot.

    With ``label_smoothing`` ``a`` (Keras' ``CategoricalCrossentropy``), the targets
    are ``Y * (1 - a) + a / n_classes``.
    """

    link_name = "softmax"

    def link(self, Z):
        P = Z - Z.max(axis=1, keepdims=True)
        np.exp(P, out=P)
        P /= P.sum(axis=1, keepdims=True)
        return P

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
        Y = _smooth(Y, self.label_smoothing, Z.shape[1])
        # ufunc reductions: Z.max and P.sum without their Python wrappers
        shifted = Z - np.maximum.reduce(Z, axis=1, keepdims=True)
        P = np.exp(shifted)
        norm = np.add.reduce(P, axis=1, keepdims=True)
        # -log p_true = log(sum exp) - z_true, from the shifted logits
        per_sample = np.log(norm[:, 0]) - np.einsum("ij,ij->i", shifted, Y)
        P /= norm
        P -= Y
        if w is None:
            P *= scale
        else:
            P *= w
        return _weighted_mean(per_sample, w, scale), P


@LOSSES.register("sigmoid_cross_entropy")
@parameters(label_smoothing=0.0)
class SigmoidCrossEntropy(Loss):
    """Sigmoid outputs with binary cross-entropy, averaged over the outputs.

    Used for binary (one output) and multilabel (one output per label) targets.
    With ``label_smoothing`` ``a`` (Keras' ``BinaryCrossentropy``), the targets are
    ``Y * (1 - a) + a / 2``: the same as a two-class softmax's.
    """

    link_name = "sigmoid"

    def link(self, Z):
        return expit(Z)

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
        Y = _smooth(Y, self.label_smoothing, 2)
        k = Z.shape[1]
        # log(1 + exp(-|z|)) + max(z, 0) - z*y is the stable form of BCE on logits
        per_element = np.log1p(np.exp(-np.abs(Z)))
        per_element += np.maximum(Z, 0)
        per_element -= Z * Y
        per_sample = per_element.sum(axis=1) / k
        delta = expit(Z)
        delta -= Y
        if w is None:
            delta *= Z.dtype.type(scale / k)
        else:
            delta *= w / Z.dtype.type(k)
        return _weighted_mean(per_sample, w, scale), delta


@LOSSES.register("squared_error")
@parameters()
class SquaredError(_IdentityLink):
    """Identity output with the squared error, averaged over the outputs (MSE)."""

    unit_power = 2

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
        k = Z.shape[1]
        diff = Z - Y
        per_sample = np.einsum("ij,ij->i", diff, diff) / k
        if w is None:
            diff *= Z.dtype.type(2 * scale / k)
        else:
            diff *= w * Z.dtype.type(2 / k)
        return _weighted_mean(per_sample, w, scale), diff


@LOSSES.register("absolute_error")
@parameters()
class AbsoluteError(_IdentityLink):
    """Identity output with the absolute error, averaged over the outputs (MAE).

    The derivative is ``sign(prediction - target)``, 0 where they are equal.
    """

    unit_power = 1

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
        k = Z.shape[1]
        diff = Z - Y
        per_sample = np.abs(diff).sum(axis=1) / k
        delta = _weigh(np.sign(diff, out=diff), w, scale, 1 / k)
        return _weighted_mean(per_sample, w, scale), delta


@LOSSES.register("huber")
@parameters(delta=1.0)
class Huber(_IdentityLink):
    """Identity output with the Huber loss (Keras' ``Huber``), averaged over outputs.

    Per element, with ``r = prediction - target``: ``r**2 / 2`` where
    ``|r| <= delta``, else ``delta * |r| - delta**2 / 2``; the derivative is
    ``clip(r, -delta, delta)``. Quadratic for small residuals and linear for large
    ones, so outliers pull with a bounded force.
    """

    unit_power = 2

    def scaled(self, scale):
        # r**2/2 and delta*|r| - delta**2/2 both scale by 1/scale**2 when r and
        # delta do: delta stays in the units of the targets.
        return type(self)(delta=self.delta / scale)

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
        k = Z.shape[1]
        f = Z.dtype.type
        delta, half = f(self.delta), f(0.5)
        r = Z - Y
        abs_r = np.abs(r)
        per_element = np.where(
            abs_r <= delta, half * np.square(r), delta * abs_r - half * (delta * delta)
        )
        per_sample = per_element.sum(axis=1) / k
        grad = _weigh(np.clip(r, -delta, delta, out=r), w, scale, 1 / k)
        return _weighted_mean(per_sample, w, scale), grad


@LOSSES.register("poisson")
@parameters(offset=0.0, slope=1.0)
class Poisson(Loss):
    """Exponential output (log link) with the half Poisson deviance, averaged over
    the outputs: scikit-learn's ``MLPRegressor(loss="poisson")`` loss.

    Per element, with ``mu = exp(offset + slope * z)``: ``y * log(y / mu) - y + mu``
    (0 where ``y = mu``; ``y log y = 0`` at ``y = 0``), half of the deviance that
    ``sklearn.metrics.mean_poisson_deviance`` averages. The derivative is
    ``slope * (mu - y)``. Targets must be non-negative (counts, rates,
    frequencies). ``offset`` (per output) and ``slope`` normalise the output in
    the link's space, where centring and scaling the targets would not do:
    ``output_normalization`` sets them from the targets.
    """

    unit_power = 1
    link_name = "exp"

    def _log_mu(self, Z):
        """``offset + slope * Z`` in ``Z``'s dtype."""
        if self.slope == 1 and np.all(np.asarray(self.offset) == 0):
            return Z
        return Z * Z.dtype.type(self.slope) + np.asarray(self.offset, dtype=Z.dtype)

    def link(self, Z):
        return np.exp(self._log_mu(Z))

    def check_targets(self, Y, first=True):
        if np.any(Y < 0):
            raise ValueError(
                f'loss="poisson" needs non-negative targets (counts, rates); y has '
                f"{int(np.sum(Y < 0))} negative value(s), the smallest "
                f"{float(np.min(Y)):g}. Use another loss, or shift y if it is a "
                "count measured from an offset."
            )
        if first and not np.all(np.any(Y > 0, axis=0)):
            raise ValueError(
                'loss="poisson" needs some positive targets in each output: y is 0 '
                "everywhere, and the best prediction of all-zero counts, "
                "exp(z) = 0, is out of reach (z would go to minus infinity)."
            )

    def output_normalization(self, Y, sample_weight=None):
        """``offset``: the log of each output's mean target, so that the untrained
        network (outputs around 0) predicts the means; ``slope``: the targets'
        coefficient of variation (root mean over the outputs), at most 1, so that
        outputs of unit scale span their relative spread."""
        Y = Y.astype(np.float64)
        largest = float(np.max(Y))  # > 0 (check_targets); no overflow below
        Y = Y / largest
        w = (
            None
            if sample_weight is None or not np.sum(sample_weight)
            else sample_weight
        )
        mean = np.average(Y, axis=0, weights=w)
        if np.any(mean <= 0):  # the positive targets all weigh 0
            mean, w = Y.mean(axis=0), None
        var = np.average((Y - mean) ** 2, axis=0, weights=w)
        cv = float(np.sqrt(np.mean(var / mean**2)))
        return {
            "offset": np.log(mean) + np.log(largest),
            "slope": min(1.0, cv) if cv > 0 else 1.0,
        }

    def scaled(self, scale):
        return type(self)(
            offset=np.asarray(self.offset) - np.log(scale), slope=self.slope
        )

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
        k = Z.shape[1]
        log_mu = self._log_mu(Z)
        mu = np.exp(log_mu)
        # the value in float64: y log y and y log(mu) nearly cancel at a good fit
        y, eta, mu64 = (a.astype(np.float64) for a in (Y, log_mu, mu))
        per_sample = (xlogy(y, y) - y * eta - y + mu64).sum(axis=1) / k
        mu -= Y
        delta = _weigh(mu, w, scale, self.slope / k)
        return _weighted_mean(per_sample, w, scale), delta


def get_loss(name, **params):
    """A new loss from its registered name; ``params`` it does not take are ignored."""
    cls = LOSSES.get(name)
    accepted = set(cls._param_names())
    return cls(**{k: v for k, v in params.items() if k in accepted})


def regression_losses():
    """The registered names of the regression losses, sorted."""
    return [name for name in LOSSES.names() if LOSSES.get(name).unit_power]
