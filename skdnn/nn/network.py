"""``Sequential``: a stack of layers sharing one flat parameter buffer."""

import numpy as np

from . import _fast_layers as fast
from .activations import Activation
from .layers import Dense
from .normalization import BatchNormalization


def _bias_moves_up(layer, above):
    """Whether Dense ``layer``'s bias is added in the pass of the activation above.

    The activation's fast path then adds it while the product is in cache, and sums
    its gradient with the activation's derivative; the results are those of the two
    layers run one after the other.
    """
    return isinstance(layer, Dense) and layer.use_bias and isinstance(above, Activation)


class Sequential:
    """A stack of layers trained end to end.

    After ``build``, ``theta`` holds every trainable parameter and ``grad`` their
    gradients, both flat; each layer's ``params``/``grads`` are views into them, laid
    out bottom-up so that the parameters of the lowest ``k`` layers form a prefix.

    Parameters
    ----------
    layers : list of Layer
    """

    #: Lowest layers that do not train (transfer learning's frozen prefix),
    #: and ``(n, factor)``: lowest layers training at ``factor`` times the rate
    #: (None: all at the rate). Set for each epoch by the training loop's
    #: ``Unfreezer`` hook.
    frozen = 0
    slow_layers = None

    def __init__(self, layers):
        self.layers = list(layers)

    def build(self, n_in, rng, dtype=np.float32):
        """Allocate the buffers and initialise every layer.

        Parameters
        ----------
        n_in : int
            Number of input features.
        rng : numpy.random.RandomState
            Source of randomness for the initial weights.
        dtype : numpy.dtype, default=np.float32
            Dtype of the parameters and of all computation.

        Returns
        -------
        self : Sequential
            The built network.
        """
        self.n_in = n_in
        self.dtype = np.dtype(dtype)
        self._layout = []  # per layer: {name: (offset, shape)}
        size = 0
        n = n_in
        for layer in self.layers:
            entry = {}
            for name, shape in layer.param_shapes(n).items():
                entry[name] = (size, tuple(shape))
                size += int(np.prod(shape))
            self._layout.append(entry)
            n = layer.output_size(n)
        self.n_out = n
        self.theta = np.zeros(size, dtype=self.dtype)
        self._bind()
        n = n_in
        for layer in self.layers:
            layer.initialize(n, rng, self.dtype)
            n = layer.output_size(n)
        return self

    def _bind(self):
        self.grad = np.zeros_like(self.theta)
        self.tensors = []
        for layer, entry in zip(self.layers, self._layout):
            layer.params, layer.grads = {}, {}
            for name, (offset, shape) in entry.items():
                stop = offset + int(np.prod(shape))
                layer.params[name] = self.theta[offset:stop].reshape(shape)
                layer.grads[name] = self.grad[offset:stop].reshape(shape)
                self.tensors.append(slice(offset, stop))

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("grad", None)
        state.pop("tensors", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "theta" in state:
            self._bind()

    def fixed_prefix(self):
        """Number of lowest layers whose output depends on the input alone.

        Layers without parameters that are deterministic (input scaling): a
        trainer computes their output for a data set once, not every batch.

        Returns
        -------
        int
        """
        n = 0
        for layer in self.layers:
            if layer.params or not layer.deterministic or layer.random:
                break
            n += 1
        return n

    def param_offset(self, n_layers):
        """Index in ``theta`` of the first parameter above the lowest layers.

        Parameters
        ----------
        n_layers : int
            Number of layers, counted from the bottom.

        Returns
        -------
        int
            Offset of the first parameter of layer ``n_layers`` or above
            (``theta.size`` if there is none).
        """
        for entry in self._layout[n_layers:]:
            if entry:
                return min(offset for offset, _ in entry.values())
        return self.theta.size

    def rate_segments(self, start=0, factor_below=None):
        """Learning-rate factors over ``theta[start:]``, as optimizer segments.

        Parameters
        ----------
        start : int, default=0
            Index of the first trainable parameter.
        factor_below : (int, float), optional
            ``(n_layers, factor)``: the parameters of the lowest ``n_layers``
            layers also move at ``factor`` times the rate (reused layers).

        Returns
        -------
        list of (int, int, float) or None
            ``(begin, end, factor)`` tiling ``[start, theta.size)`` in order, from
            each layer's ``learning_rate_factors``; None when every factor is 1.
        """
        ranges = []
        for i, (layer, entry) in enumerate(zip(self.layers, self._layout)):
            below = factor_below is not None and i < factor_below[0]
            for name, (offset, shape) in entry.items():
                factor = layer.learning_rate_factors.get(name, 1.0)
                factor *= factor_below[1] if below else 1.0
                stop = offset + int(np.prod(shape))
                if stop <= start:
                    continue
                begin = max(offset, start)
                if ranges and ranges[-1][2] == factor and ranges[-1][1] == begin:
                    ranges[-1] = (ranges[-1][0], stop, factor)
                else:
                    ranges.append((begin, stop, factor))
        if all(factor == 1.0 for _, _, factor in ranges):
            return None
        return ranges

    def forward(self, X, *, training=False, rng=None, start=0, stop=None):
        """Output of the layers ``start:stop``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Input of layer ``start``.
        training : bool, default=False
            Training mode (caches for ``backward``; stochastic layers active).
        rng : numpy.random.RandomState, optional
            Source of randomness of stochastic layers.
        start, stop : int, optional
            The slice of layers to run.

        Returns
        -------
        ndarray
            Output of the last layer run.
        """
        given = X
        layers = self.layers[start:stop]
        i = 0
        while i < len(layers):
            layer, bias = layers[i], None
            above = layers[i + 1] if i + 1 < len(layers) else None
            if training and above is not None and type(layer) is BatchNormalization:
                # batch norm and the activation above it in one pass, if fused
                Y = fast.forward_pair(layer, above, X)
                if Y is not fast.FALLBACK:
                    X = Y
                    i += 2
                    continue
            if above is not None and _bias_moves_up(layer, above):
                X = layer.forward(X, training=training, add_bias=False)
                layer, bias = above, layer.params["bias"]
                i += 1
            # at inference, an array a layer here made may be overwritten
            X = fast.forward(
                layer,
                X,
                training=training,
                rng=rng,
                bias=bias,
                overwrite=not training and X is not given,
            )
            i += 1
        return X

    def backward(self, delta, *, stop=0):
        """Back-propagate through the last training-mode ``forward``, filling ``grad``.

        Parameters
        ----------
        delta : ndarray of shape (n_samples, n_out)
            Gradient of the loss with respect to the network's output.
        stop : int, default=0
            Lowest layer to back-propagate into; layers below keep their gradients.

        Returns
        -------
        None
            The gradient with respect to the input of layer ``stop`` is not needed.
        """
        i = len(self.layers) - 1
        while i >= stop:
            layer = self.layers[i]
            below = self.layers[i - 1] if i - 1 >= stop else None
            if below is not None and type(below) is BatchNormalization:
                dX = fast.backward_pair(layer, below, delta, need_dX=i - 1 > stop)
                if dX is not fast.FALLBACK:
                    delta = dX
                    i -= 2
                    continue
            if below is not None and _bias_moves_up(below, layer):
                delta = fast.backward(layer, delta, bias_grad=below.grads["bias"])
                delta = below.backward(delta, need_dX=i - 1 > stop, bias_grad=False)
                i -= 2
            else:
                delta = fast.backward(layer, delta, need_dX=i > stop)
                i -= 1
        return delta

    @property
    def kernels(self):
        """``(kernel, kernel_grad)`` pairs of the Dense layers, bottom-up."""
        return [pair for layer in self.layers for pair in layer.kernels]

    def state_arrays(self):
        """Non-trainable state of all layers (e.g. moving statistics).

        Returns
        -------
        list of ndarray
            The state arrays themselves (not copies), bottom-up.
        """
        return [a for layer in self.layers for a in layer.state.values()]

    def snapshot(self):
        """A copy of everything that defines the network's outputs.

        Returns
        -------
        tuple
            Copies of ``theta`` and of the state arrays, for ``restore``.
        """
        return self.theta.copy(), [a.copy() for a in self.state_arrays()]

    def restore(self, snapshot):
        """Put back the weights and state saved by ``snapshot``.

        Parameters
        ----------
        snapshot : tuple
            What ``snapshot`` returned.
        """
        theta, states = snapshot
        self.theta[...] = theta
        for dst, src in zip(self.state_arrays(), states):
            dst[...] = src

    def __repr__(self):
        return f"Sequential({self.layers!r})"
