"""Layers of the network core: the ``Layer`` protocol and ``Dense``.

A layer declares the shapes of its trainable parameters; the network owns one flat
buffer for all parameters (and one for their gradients) and gives each layer views
into it, so an optimizer step is a handful of vectorised calls on the whole model.
Non-trainable state (e.g. batch-norm moving statistics) lives in ``layer.state``.

``forward(X, training=True)`` caches what ``backward`` needs; inference
(``training=False``) caches nothing, so a fitted network can predict from several
threads at once.
"""

import numpy as np

from .initializers import get_initializer


class Layer:
    """Base class: a layer with no parameters that passes its input through."""

    #: False when the training-mode output depends on the batch or on randomness
    #: (dropout, RReLU, batch-norm statistics): such layers cannot be cached.
    deterministic = True
    #: True when training-mode ``forward`` draws from its ``rng`` (dropout, RReLU).
    random = False
    #: Parameter name -> factor on the optimizer's learning rate (default 1).
    learning_rate_factors = {}
    #: The kernel interface: the arrays a training-mode ``forward`` leaves in
    #: ``cache`` for ``backward``, by name; declared by the activations and by
    #: every layer with a compiled path (``_fast_layers``), which writes exactly
    #: these, with the same meaning, and reads nothing else of the layer's
    #: state (``tests/test_kernel_interface.py`` runs both paths and compares
    #: the caches).
    saved = ()

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.state = {}
        self.cache = {}

    def param_shapes(self, n_in):
        """Shapes of the trainable parameters.

        Parameters
        ----------
        n_in : int
            Width of the layer's input (its number of features).

        Returns
        -------
        dict of str to tuple
            Parameter name to shape; the network allocates views of these shapes.
        """
        return {}

    def output_size(self, n_in):
        """The width of the layer's output.

        Parameters
        ----------
        n_in : int
            The width of its input.

        Returns
        -------
        int
        """
        return n_in

    def initialize(self, n_in, rng, dtype):
        """Fill ``self.params`` (views already bound) and create ``self.state``.

        Parameters
        ----------
        n_in : int
            Input width.
        rng : numpy.random.RandomState
            Draws the initial weights.
        dtype : numpy.dtype
            Of the parameters and of any state.
        """

    def forward(self, X, *, training=False, rng=None):
        """Output of the layer.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_in)
            Input batch.
        training : bool, default=False
            Training mode: cache what ``backward`` needs and use batch statistics
            or randomness where the layer has them. Inference caches nothing.
        rng : numpy.random.RandomState, optional
            Source of randomness of stochastic layers in training mode.

        Returns
        -------
        ndarray of shape (n_samples, n_out)
            The layer's output.
        """
        return X

    def backward(self, dY, *, need_dX=True):
        """Back-propagate through the last training-mode ``forward``.

        Parameter gradients are written in place into ``self.grads``.

        Parameters
        ----------
        dY : ndarray of shape (n_samples, n_out)
            Gradient of the loss with respect to the layer's output.
        need_dX : bool, default=True
            Whether the gradient with respect to the input is needed (not for
            the lowest trainable layer).

        Returns
        -------
        ndarray of shape (n_samples, n_in) or None
            Gradient of the loss with respect to the layer's input.
        """
        return dY

    @property
    def kernels(self):
        """Weight matrices subject to l1/l2 penalties and max-norm (none here)."""
        return []

    def __getstate__(self):
        # Parameter views are rebound by the network after unpickling, and caches
        # are training scratch: neither belongs in a saved model.
        state = self.__dict__.copy()
        state["params"] = {}
        state["grads"] = {}
        state["cache"] = {}
        return state

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected layer ``Y = X @ W + b``.

    Parameters
    ----------
    units : int
        Number of output units.
    kernel_initializer : str or callable, default="glorot_uniform"
        Name from ``skdnn.nn.initializers.INITIALIZERS`` or ``init(shape, rng)``.
    use_bias : bool, default=True
        A Dense layer followed by batch normalization needs no bias.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", use_bias=True):
        super().__init__()
        self.units = units
        self.kernel_initializer = kernel_initializer
        self.use_bias = use_bias

    def param_shapes(self, n_in):
        shapes = {"kernel": (n_in, self.units)}
        if self.use_bias:
            shapes["bias"] = (self.units,)
        return shapes

    def output_size(self, n_in):
        return self.units

    def initialize(self, n_in, rng, dtype):
        init = get_initializer(self.kernel_initializer)
        kernel = np.asarray(init((n_in, self.units), rng))
        if kernel.shape != (n_in, self.units):
            raise ValueError(
                f"kernel_initializer returned shape {kernel.shape}, "
                f"expected {(n_in, self.units)}."
            )
        self.params["kernel"][...] = kernel
        if self.use_bias:
            self.params["bias"][...] = 0

    def forward(self, X, *, training=False, rng=None, add_bias=True):
        """Output ``X @ W + b``.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_in)
            Input batch. A sparse one (scipy CSR, only ever the input of the
            network's lowest layer) gives a sparse product.
        training : bool, default=False
            Cache ``X`` for ``backward``.
        rng : numpy.random.RandomState, optional
            Unused (the layer is deterministic).
        add_bias : bool, default=True
            False leaves the bias out, for an activation above that adds it in
            its own pass (``Activation.forward_biased``).

        Returns
        -------
        ndarray of shape (n_samples, units)
            The layer's output.
        """
        Y = X @ self.params["kernel"]
        if self.use_bias and add_bias:
            Y += self.params["bias"]
        if training:
            self.cache["X"] = X
        return Y

    def backward(self, dY, *, need_dX=True, bias_grad=True):
        """Write the kernel and bias gradients; return the input gradient.

        Parameters
        ----------
        dY : ndarray of shape (n_samples, units)
            Gradient of the loss with respect to the layer's output.
        need_dX : bool, default=True
            Whether to compute the gradient with respect to the input.
        bias_grad : bool, default=True
            False when an activation above has already written the bias gradient
            (``Activation.backward_biased``).

        Returns
        -------
        ndarray of shape (n_samples, n_in) or None
            Gradient of the loss with respect to the layer's input.
        """
        X = self.cache["X"]
        if isinstance(X, np.ndarray):
            np.matmul(X.T, dY, out=self.grads["kernel"])
        else:
            _sparse_kernel_grad(X, dY, self.grads["kernel"])
        if self.use_bias and bias_grad:
            # the ufunc method skips np.sum's Python wrapper (~2 us per call)
            np.add.reduce(dY, axis=0, out=self.grads["bias"])
        if need_dX:
            return dY @ self.params["kernel"].T
        return None

    @property
    def kernels(self):
        return [(self.params["kernel"], self.grads["kernel"])]

    def __repr__(self):
        return f"Dense({self.units})"


def _sparse_kernel_grad(X, dY, out):
    """``out = X.T @ dY`` for a CSR batch ``X``, with no array of ``out``'s size.

    Only the rows of the features present in the batch are non-zero: the product
    runs on those columns alone (the same additions, in the same order, as the
    full sparse product) and is scattered into ``out``, zeroed first.
    """
    columns, position = np.unique(X.indices, return_inverse=True)
    present = type(X)((X.data, position, X.indptr), shape=(X.shape[0], columns.size))
    out.fill(0)
    out[columns] = present.T @ dY
