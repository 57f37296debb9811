"""Gradient-flow diagnostics: what chapter 11 says goes wrong in deep networks.

Once per epoch, on the epoch's first mini-batch, the trainer records for each hidden
layer ``k`` (counted from 1 at the bottom):

- ``grad_rms_k``: root-mean-square gradient of the layer's kernel (a norm divided by
  the square root of the kernel's size, so that layers of different shapes compare);
- ``act_mean_k``, ``act_std_k``: mean and standard deviation of its activations;
- ``saturated_k``: for an activation that saturates on both sides (logistic,
  tanh), the share of its activations whose derivative is positive but below 0.01:
  a saturated unit passes almost no gradient, whichever way it should move. The
  flat negative side of ReLU, ELU, SELU, GELU or Swish is not saturation in this
  sense (a unit there recovers as soon as its input rises): 0 for those;
- ``dead_k``: share of its units whose derivative is below 0.01 for every sample of
  the batch (zero for ReLU): no gradient reaches them at all, and a dead ReLU
  unit never recovers.

``gradient_flow_problems`` reads those records and names what it sees: vanishing or
exploding gradients (the lowest hidden layer's gradient RMS against the top one's),
and dead units, at the first and the last epoch; exploding activations and
saturated layers at the first epoch only, the initialization's problems (a
logistic layer that saturates late in a fit that converged is a confident model,
not a failure).
"""

import math

import numpy as np

from .nn.activations import ACTIVATIONS, Activation
from .nn.ensemble import GroupedDense
from .nn.layers import Dense

#: Lowest/top hidden-layer gradient-RMS ratio below which gradients are vanishing.
VANISHING_RATIO = 1e-3
#: ... and above which they are exploding.
EXPLODING_RATIO = 1e3
#: Share of saturated activations, or of dead units, that is a problem.
MAX_SATURATED = 0.25
MAX_DEAD = 0.5
#: Derivative below which a (non-zero) derivative counts as saturated.
SATURATION_DERIVATIVE = 0.01
#: Standard deviation of a hidden layer's activations above which the signal is
#: exploding (inputs near unit scale; N(0, 1) weights on 8 layers of 100 ELU
#: units reach 5e5, a healthy network stays near 1).
MAX_ACTIVATION_STD = 1e3


class GradientFlowMonitor:
    """Records per-hidden-layer statistics of one training batch.

    Parameters
    ----------
    network : Sequential
        The network being trained. Hidden layer ``k`` is its ``k``-th Dense layer
        (all but the last) with the first activation layer above it.
    """

    def __init__(self, network):
        layers = network.layers
        kinds = (Dense, GroupedDense)
        dense = [i for i, layer in enumerate(layers) if isinstance(layer, kinds)]
        self.dense = dense[:-1]  # the output layer is not a hidden layer
        self.activations = []
        for i, start in enumerate(self.dense):
            stop = dense[i + 1]
            acts = [j for j in range(start, stop) if isinstance(layers[j], Activation)]
            self.activations.append(acts[0] if acts else None)
        self._act_stats = {}

    def forward(self, network, X, *, rng, start=0):
        """``network.forward(X, training=True)`` that also records activation stats.

        Parameters
        ----------
        network : Sequential
            The network being trained.
        X : ndarray
            Input of layer ``start``.
        rng : numpy.random.RandomState
            Randomness of stochastic layers.
        start : int, default=0
            First layer to run (layers below are frozen and cached).

        Returns
        -------
        ndarray
            The network's output pre-activations.
        """
        self._act_stats = {}
        wanted = {j: k for k, j in enumerate(self.activations, 1) if j is not None}
        for j in range(start, len(network.layers)):
            X = network.layers[j].forward(X, training=True, rng=rng)
            if j in wanted:
                self._act_stats[wanted[j]] = (float(X.mean()), float(X.std()), X)
        return X

    def record(self, network, start=0):
        """Statistics of the batch just run forward and backward.

        Call after ``backward`` and before the optimizer step (clipping would alter
        the gradients). Layers below ``start`` were not run: their entries are NaN.

        Parameters
        ----------
        network : Sequential
            The network being trained.
        start : int, default=0
            First layer run in the last forward pass.

        Returns
        -------
        dict of str to float
            One entry per statistic and hidden layer, e.g. ``grad_rms_1``.
        """
        out = {}
        for k, (d, a) in enumerate(zip(self.dense, self.activations), 1):
            nan = d < start
            g = network.layers[d].grads["kernel"]
            out[f"grad_rms_{k}"] = math.nan if nan else _rms(g)
            mean, std, Y = self._act_stats.get(k, (math.nan, math.nan, None))
            out[f"act_mean_{k}"], out[f"act_std_{k}"] = mean, std
            saturated = dead = math.nan
            if Y is not None:
                saturated, dead = _derivative_stats(network.layers[a], Y)
            out[f"saturated_{k}"], out[f"dead_{k}"] = saturated, dead
        self._act_stats = {}  # drop the references to the batch's activations
        return out


def _rms(a):
    flat = a.reshape(-1)
    return math.sqrt(float(np.dot(flat, flat)) / max(flat.size, 1))


def _derivative_stats(layer, Y):
    """(saturated share, dead-unit share) of an activation layer's last batch."""
    saved = {name: g.copy() for name, g in layer.grads.items()}
    # f'(z) element-wise: back-propagate ones through the cached forward pass
    derivative = np.abs(layer.backward(np.ones_like(Y)))
    for name, g in saved.items():  # PReLU writes its slope gradient: put it back
        layer.grads[name][...] = g
    small = derivative < SATURATION_DERIVATIVE
    saturated = 0.0
    if layer.saturates:
        saturated = float(np.mean((derivative > 0) & small))
    dead = float(np.mean(np.all(small, axis=0)))
    return saturated, dead


def gradient_flow_problems(history, epochs):
    """Describe gradient-flow problems seen in ``history`` at the given epochs.

    Parameters
    ----------
    history : dict of list
        An estimator's ``history_``.
    epochs : iterable of int
        Indices into the history lists to inspect (e.g. first and last epoch of a
        fit); exploding activations and saturation at the first of them only.

    Returns
    -------
    list of (str, str)
        ``(kind, sentence)`` per problem, kind "vanishing", "exploding",
        "saturated" or "dead"; empty when the gradients flow.
    """
    n_hidden = sum(1 for key in history if key.startswith("grad_rms_"))
    epochs = sorted(epochs)
    for e in epochs:

        def get(key, e=e):
            values = history.get(key)
            return values[e] if values is not None and len(values) > e else math.nan

        problems = _ratio_problems(get, n_hidden, e + 1)
        problems += _layer_problems(get, n_hidden, e + 1, first=e == epochs[0])
        if problems:
            return problems
    return []


def _ratio_problems(get, n_hidden, epoch):
    """Vanishing or exploding gradients: the lowest against the top hidden layer."""
    if n_hidden < 2:
        return []
    low, top = get("grad_rms_1"), get(f"grad_rms_{n_hidden}")
    if not (low > 0 and top > 0):
        return []
    ratio = low / top
    if ratio < VANISHING_RATIO:
        return [(
            "vanishing",
            f"vanishing gradients: in epoch {epoch} the lowest hidden layer's "
            f"gradients are {ratio:.1e} times the top hidden layer's, so the lower "
            "layers barely learn",
        )]  # fmt: skip
    if ratio > EXPLODING_RATIO:
        return [(
            "exploding",
            f"exploding gradients: in epoch {epoch} the lowest hidden layer's "
            f"gradients are {ratio:.1e} times the top hidden layer's",
        )]  # fmt: skip
    return []


def _layer_problems(get, n_hidden, epoch, first):
    """Exploding activations and saturation (``first`` epoch only), dead units."""
    problems = []
    for k in range(1, n_hidden + 1):
        std = get(f"act_std_{k}")
        if first and std > MAX_ACTIVATION_STD:
            problems.append((
                "exploding",
                f"exploding activations: in epoch {epoch} hidden layer {k}'s "
                f"activations have a standard deviation of {std:.1e}: the signal "
                "grows layer after layer, as when the initialization does not keep "
                "its scale",
            ))  # fmt: skip
            break
    for k in range(1, n_hidden + 1):
        saturated, dead = get(f"saturated_{k}"), get(f"dead_{k}")
        if first and saturated > MAX_SATURATED:
            problems.append((
                "saturated",
                f"vanishing gradients: in epoch {epoch}, {saturated:.0%} of hidden "
                f"layer {k}'s activations are saturated (derivative below "
                f"{SATURATION_DERIVATIVE}), so little gradient flows back through it",
            ))  # fmt: skip
            break
        if dead > MAX_DEAD:
            problems.append((
                "dead",
                f"dead units: in epoch {epoch}, {dead:.0%} of hidden layer {k}'s "
                "units pass no gradient (derivative below "
                f"{SATURATION_DERIVATIVE}) for any sample of a batch",
            ))  # fmt: skip
            break
    return problems


def advice(kind, params):
    """What to try against a problem of ``kind``, given the configuration.

    Never suggests what is already set.

    Parameters
    ----------
    kind : {"vanishing", "exploding", "saturated", "dead"}
        From :func:`gradient_flow_problems`.
    params : estimator
        Read for ``activation``, ``kernel_initializer``, ``batch_norm``, the
        clipping options and the learning rate in force (``optimizer_``).

    Returns
    -------
    str
        A sentence, "Try ...".
    """
    activation = ACTIVATIONS.get(params.activation)
    init = params.kernel_initializer
    own = ("auto", activation.default_initializer)
    tips = []
    if not (isinstance(init, str) and init.lower() in own):
        named = repr(init) if isinstance(init, str) else "your initializer"
        tips.append(
            f"kernel_initializer='auto' ({activation.default_initializer} for "
            f"{params.activation!r}, instead of {named})"
        )
    if kind in ("vanishing", "saturated") and activation.saturates:
        tips.append("a non-saturating activation ('elu', 'selu', 'leaky_relu')")
    if kind == "dead" and activation.default_initializer == "he_normal":
        if params.activation.lower() == "relu":
            tips.append("an activation with a slope below zero ('leaky_relu', 'elu')")
    if kind != "dead" and params.batch_norm is None:
        tips.append("batch_norm='before'")
    clipping = (params.clipvalue, params.clipnorm, params.global_clipnorm)
    if kind == "exploding" and all(c is None for c in clipping):
        tips.append("gradient clipping (clipnorm=1.0)")
    if kind in ("exploding", "dead"):
        lr = getattr(getattr(params, "optimizer_", None), "current_learning_rate", None)
        now = f" (now {lr:g})" if lr is not None else ""
        tips.append(f"a lower learning_rate{now}")
    if not tips:
        tips.append("fewer hidden layers, or a lower learning_rate")
    return (
        "Try "
        + ", ".join(tips[:-1])
        + (" or " if len(tips) > 1 else "")
        + tips[-1]
        + "."
    )
