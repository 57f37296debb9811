"""Output activations fused with their losses.

Each loss takes the output layer's pre-activations ``Z``: the link (softmax, sigmoid,
identity) and the loss are computed together, which is stable (log-sum-exp, no
``log(0)``) and gives the simple delta ``link(Z) - Y`` scaled by the sample weights.
The batch loss is the sample-weighted mean over the batch; ``gradient`` returns the
exact derivative of the value that ``value`` reports.
"""

import numpy as np
from scipy.special import expit

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
        return float(np.sum(per_sample, dtype=np.float64) * scale)
    return float(np.dot(w.ravel().astype(np.float64), per_sample))


class Loss:
    """Base class: ``link`` maps pre-activations to predictions."""

    def link(self, Z):
        """Predictions (probabilities or values) from pre-activations ``Z``."""
        raise NotImplementedError

    def value(self, Z, Y, sample_weight=None):
        """The weighted mean loss of the batch."""
        return self.gradient(Z, Y, sample_weight)[0]

    def gradient(self, Z, Y, sample_weight=None):
        """``(loss, dLoss/dZ)`` for the batch."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


@LOSSES.register("softmax_cross_entropy")
class SoftmaxCrossEntropy(Loss):
    """Softmax output with categorical cross-entropy; ``Y`` is one-hot."""

    def link(self, Z):
        P = Z - Z.max(axis=1, keepdims=True)
        np.exp(P, out=P)
        P /= P.sum(axis=1, keepdims=True)
        return P

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
        shifted = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(shifted)
        norm = P.sum(axis=1, keepdims=True)
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
class SigmoidCrossEntropy(Loss):
    """Sigmoid outputs with binary cross-entropy, averaged over the outputs.

    Used for binary (one output) and multilabel (one output per label) targets.
    """

    def link(self, Z):
        return expit(Z)

    def gradient(self, Z, Y, sample_weight=None):
        w, scale = _weights(Y, sample_weight)
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
class SquaredError(Loss):
    """Identity output with the squared error, averaged over the outputs (MSE)."""

    def link(self, Z):
        return Z

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
