"""An ensemble of ``k`` networks in one: independent members trained side by side.

An average of several networks trained from different initialisations is more
accurate than one of them (Lakshminarayanan et al. 2017); TabM (Gorishniy et al.
2024) trains such members in one network, so that each batch pays for its matrix
products once per layer instead of once per member and network. Here the members
share the input layers (scaling, embeddings); each has its own hidden layers and
output layer:

- the first hidden layer of the ``k`` members is one ``Dense`` layer of ``k``
  times the width, each member's block of columns initialised as its own layer
  (``Blocks``);
- every layer above is a ``GroupedDense``: ``k`` independent products, one
  batched matrix product;
- activations, batch norm and dropout act per unit, so they need no change.

Training minimises the mean of the members' losses (each member its own loss, as
TabM); ``MemberMean`` averages their outputs for prediction.
"""

import numpy as np

from .initializers import get_initializer
from .layers import Layer


class Blocks:
    """Initializer of a layer of ``groups`` members side by side: each block of
    ``shape[1] // groups`` columns drawn as a layer of its own (its own fan-out).

    Parameters
    ----------
    initializer : str or callable
        The members' initializer (a name from ``INITIALIZERS``, or callable).
    groups : int
        Number of members.
    """

    def __init__(self, initializer, groups):
        self.initializer = initializer
        self.groups = groups

    def __call__(self, shape, rng):
        n_in, n_out = shape
        init = get_initializer(self.initializer)
        width = n_out // self.groups
        return np.concatenate(
            [init((n_in, width), rng) for _ in range(self.groups)], axis=1
        )

    def __repr__(self):
        return f"Blocks({self.initializer!r}, groups={self.groups})"


class GroupedDense(Layer):
    """``groups`` independent Dense layers on consecutive blocks of the input.

    Input ``(n, groups * n_in)``, output ``(n, groups * units)``: member ``j``
    maps its block ``X[:, j*n_in:(j+1)*n_in]`` by its own kernel ``W[j]`` (shape
    ``(n_in, units)``) and bias.

    Parameters
    ----------
    units : int
        Output units of each member.
    groups : int
        Number of members.
    kernel_initializer : str or callable, default="glorot_uniform"
        Each member's kernel is drawn as a layer of its own.
    """

    def __init__(self, units, groups, kernel_initializer="glorot_uniform"):
        super().__init__()
        self.units = units
        self.groups = groups
        self.kernel_initializer = kernel_initializer

    def _width(self, n_in):
        if n_in % self.groups:
            raise ValueError(
                f"GroupedDense: {n_in} inputs do not split into {self.groups} members."
            )
        return n_in // self.groups

    def param_shapes(self, n_in):
        return {
            "kernel": (self.groups, self._width(n_in), self.units),
            "bias": (self.groups * self.units,),
        }

    def output_size(self, n_in):
        return self.groups * self.units

    def initialize(self, n_in, rng, dtype):
        init = get_initializer(self.kernel_initializer)
        width = self._width(n_in)
        for j in range(self.groups):
            self.params["kernel"][j] = init((width, self.units), rng)
        self.params["bias"][...] = 0

    def forward(self, X, *, training=False, rng=None):
        n, g = X.shape[0], self.groups
        Xg = X.reshape(n, g, -1).transpose(1, 0, 2)  # (g, n, n_in)
        Y = np.matmul(Xg, self.params["kernel"])  # (g, n, units)
        Y = Y.transpose(1, 0, 2).reshape(n, g * self.units)
        Y += self.params["bias"]
        if training:
            self.cache["Xg"] = Xg
        return Y

    def backward(self, dY, *, need_dX=True):
        n, g = dY.shape[0], self.groups
        Xg = self.cache["Xg"]
        dYg = dY.reshape(n, g, self.units).transpose(1, 0, 2)  # (g, n, units)
        np.matmul(Xg.transpose(0, 2, 1), dYg, out=self.grads["kernel"])
        np.add.reduce(dY, axis=0, out=self.grads["bias"])
        if not need_dX:
            return None
        dX = np.matmul(dYg, self.params["kernel"].transpose(0, 2, 1))
        return dX.transpose(1, 0, 2).reshape(n, -1)

    @property
    def kernels(self):
        """Each member's kernel, for l1/l2 penalties and max-norm."""
        W, dW = self.params["kernel"], self.grads["kernel"]
        return [(W[j], dW[j]) for j in range(self.groups)]

    def __repr__(self):
        return f"GroupedDense({self.units}, groups={self.groups})"


class MemberMean(Layer):
    """The mean of ``groups`` members' outputs: ``(n, groups * m)`` to ``(n, m)``.

    Parameters
    ----------
    groups : int
        Number of members.
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def output_size(self, n_in):
        return n_in // self.groups

    def forward(self, X, *, training=False, rng=None):
        n = X.shape[0]
        return X.reshape(n, self.groups, -1).mean(axis=1)

    def backward(self, dY, *, need_dX=True):
        if not need_dX:
            return None
        share = dY / dY.dtype.type(self.groups)
        return np.tile(share, (1, self.groups))

    def __repr__(self):
        return f"MemberMean({self.groups})"


class MembersLoss:
    """A loss over ``groups`` members' outputs: the mean of their own losses.

    Wraps the output layer's loss (its fused activation included): the outputs
    ``(n, groups * m)`` are read as ``groups`` predictions of the ``(n, m)``
    targets, each member's loss is the wrapped loss of its block, and the result
    is their mean. Everything else (``link``, scaling) is the wrapped loss's.

    Parameters
    ----------
    loss : Loss
        The loss of one member.
    groups : int
        Number of members.
    """

    def __init__(self, loss, groups):
        self.loss = loss
        self.groups = groups

    def _stack(self, Z, Y, sample_weight):
        # member j of row i becomes row i * groups + j: the wrapped loss's
        # (weighted) mean over the rows is the mean over the members
        n, m = Y.shape
        Zs = Z.reshape(n * self.groups, m)
        Ys = np.repeat(Y, self.groups, axis=0)
        ws = None if sample_weight is None else np.repeat(sample_weight, self.groups)
        return Zs, Ys, ws

    def gradient(self, Z, Y, sample_weight=None):
        """The mean member loss and its gradient with respect to ``Z``."""
        loss, delta = self.loss.gradient(*self._stack(Z, Y, sample_weight))
        return loss, delta.reshape(Z.shape)

    def value(self, Z, Y, sample_weight=None):
        """The mean member loss."""
        return self.loss.value(*self._stack(Z, Y, sample_weight))

    def __getattr__(self, name):
        if name == "loss":
            raise AttributeError(name)
        return getattr(self.loss, name)


def member_mean(Z, groups):
    """The members' mean output of ``Z`` (``(n, groups * m)`` to ``(n, m)``)."""
    return Z if groups == 1 else Z.reshape(Z.shape[0], groups, -1).mean(axis=1)


def members_loss(loss, groups):
    """``loss`` for ``groups`` members (itself for one)."""
    return loss if groups == 1 else MembersLoss(loss, groups)


def members_score(score, groups):
    """``score(Z, Y, sample_weight)`` of the members' mean output (itself for one)."""
    if groups == 1:
        return score
    return lambda Z, Y, sample_weight: score(member_mean(Z, groups), Y, sample_weight)
