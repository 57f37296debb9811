"""What a fitted estimator offers besides ``fit``: prediction from its network,
the fitted views (``coefs_``, ``intercepts_``) and versioned pickling."""

import importlib
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _predict, _sparse, _threads
from ._config import get_config
from ._tables import encode
from ._transfer import build_keeping_weights, copy_layer, split_blocks
from ._validation import (
    assert_finite,
    check_finite_outputs,
    missing_values_hint,
    to_network_dtype,
)
from ._version import __version__
from .exceptions import InconsistentVersionWarning
from .nn.dropout import has_dropout, is_dropout
from .nn.ensemble import GroupedDense, MemberMean
from .nn.folding import fold_batch_norm, foldable
from .nn.layers import Dense
from .nn.normalization import BatchNormalization


class FittedNetworkMixin:
    """Prediction from ``network_``, fitted views and pickling with the version.

    The estimator sets ``network_`` in ``fit`` and calls ``_set_inference_networks``
    at its end.
    """

    def _set_inference_networks(self, rng):
        """Derive the prediction-only networks from ``network_`` at the end of fit.

        With batch norm (or input scaling without clipping), predictions use a
        copy with every such layer folded into an adjacent Dense layer (dropout,
        the identity at inference, left out); Monte Carlo passes use a copy that
        keeps the dropout layers, so only the layers that touch a Dense layer
        directly fold. ``network_`` itself is unchanged.
        """
        net = self.network_
        fold = any(foldable(layer) for layer in net.layers)
        k = self._members()
        self._predict_network = _averaged(
            _folded(net, keep=lambda layer: not is_dropout(layer)) if fold else net, k
        )
        self._mc_network = None
        if has_dropout(net):
            self._mc_network = _averaged(_folded(net) if fold else net, k)
        # Monte Carlo dropout masks come from this seed: repeated calls agree.
        self._mc_seed = int(rng.randint(np.iinfo(np.int32).max))

    def _forward(self, X, *, validated=False):
        """Output pre-activations for ``X``, in float64, checked finite.

        ``validated``: X is the fit's own validated (and encoded) input.
        """
        check_is_fitted(self)
        if not validated:
            X = self._validate_predict_input(X)
        net = self._predict_network
        Z = self._predict_by_blocks(net, X, n_out=net.n_out, prepare=self._cast)
        return check_finite_outputs(Z, self)

    def _predict_by_blocks(self, network, X, **kwargs):
        """``forward_blocks`` of ``X`` on the BLAS threads that pay (``_threads``)."""
        return _threads.predict_by_blocks(
            lambda rows: _predict.forward_blocks(network, rows, **kwargs),
            X, network, get_config()["blas_threads"], _predict.BLOCK,
        )  # fmt: skip

    def _cast(self, X):
        """A block of validated ``X`` in the network's dtype."""
        return to_network_dtype(X, self.network_.dtype, "X")

    def _validate_predict_input(self, X):
        """``X`` validated, in its own dtype if float32 or float64 (a raw table:
        encoded as in fit)."""
        encoded = encode(self, X, reset=False, dtype=self.network_.dtype)
        if encoded is not None:
            return check_array(encoded, dtype=self.network_.dtype)
        X = validate_data(
            self,
            X,
            reset=False,
            dtype=[self.network_.dtype, np.float64],
            ensure_all_finite=False,
            accept_sparse=["csr", "csc"],
        )
        if _sparse.issparse(X) and X.format != "csr":
            X = X.tocsr()  # CSC: one copy, for blocks of rows
        with missing_values_hint(self, X, fitting=False):
            assert_finite(X, self)
        return X

    def _mc_outputs(self, X, mc_samples, link):
        """Mean and standard deviation of ``link(outputs)`` over MC dropout passes."""
        check_is_fitted(self)
        if self._mc_network is None:
            raise ValueError(
                f"Monte Carlo dropout needs a model trained with dropout; this "
                f"{type(self).__name__} has dropout=0 and input_dropout=0. Refit with "
                f"e.g. dropout=0.2, or call without mc_samples and return_std."
            )
        if (
            not isinstance(mc_samples, Integral)
            or isinstance(mc_samples, bool)
            or mc_samples < 1
        ):
            raise ValueError(
                f"mc_samples must be a positive integer or None, got {mc_samples!r}."
            )
        X = self._validate_predict_input(X)
        setting = get_config()["blas_threads"]
        with _threads.limited(_threads.fixed_threads(setting)):
            return _predict.mc_moments(
                self._mc_network,
                X,
                mc_samples=mc_samples,
                seed=self._mc_seed,
                link=lambda Z: link(check_finite_outputs(Z, self)),
                prepare=self._cast,
            )

    # -- fitted views -----------------------------------------------------------
    def _members(self):
        """Networks trained side by side (``ensemble_size``; 1 for the autoencoder)."""
        return getattr(self, "ensemble_size", 1)

    def _dense_layers(self):
        check_is_fitted(self)
        kinds = (Dense, GroupedDense)
        return [layer for layer in self.network_.layers if isinstance(layer, kinds)]

    def _reusable_blocks(self):
        """Hidden layers that ``transfer_from`` may reuse, as blocks, bottom-up."""
        return split_blocks(self.network_.layers)[:-1]

    @property
    def coefs_(self):
        """Kernels of the Dense layers, each of shape ``(n_in, n_out)`` (with
        ``ensemble_size=k``, the layers above the first ``(k, n_in, n_out)``)."""
        return [layer.params["kernel"] for layer in self._dense_layers()]

    @property
    def intercepts_(self):
        """Biases of the Dense layers, each of shape ``(n_out,)``."""
        return [
            layer.params.get("bias", np.zeros(layer.units, self.network_.dtype))
            for layer in self._dense_layers()
        ]

    @property
    def n_layers_(self):
        """Layers as scikit-learn's MLP counts them: input, hidden, output."""
        return len(self._dense_layers()) + 1

    @property
    def n_outputs_(self):
        """Number of outputs of the network."""
        check_is_fitted(self)
        return self.network_.n_out // self._members()

    @property
    def out_activation_(self):
        """The output activation, named as in scikit-learn's MLP."""
        check_is_fitted(self)
        name = self.loss_function_.link_name
        return "logistic" if name == "sigmoid" else name

    def _batch_norm_layers(self):
        check_is_fitted(self)
        return [
            layer
            for layer in self.network_.layers
            if isinstance(layer, BatchNormalization)
        ]

    def _batch_norm_arrays(kind, name, doc):
        def arrays(self):
            return [getattr(layer, kind)[name] for layer in self._batch_norm_layers()]

        arrays.__doc__ = f"{doc} of each batch-normalization layer, bottom-up."
        return property(arrays)

    bn_gamma_ = _batch_norm_arrays("params", "gamma", "Scale ``gamma``")
    bn_beta_ = _batch_norm_arrays("params", "beta", "Shift ``beta``")
    bn_moving_mean_ = _batch_norm_arrays("state", "moving_mean", "Moving mean")
    bn_moving_variance_ = _batch_norm_arrays(
        "state", "moving_variance", "Moving variance"
    )
    del _batch_norm_arrays

    def __sklearn_is_fitted__(self):
        # fitted once a fit has ended: during the first one (what a callback
        # sees), network_ exists but cannot predict yet
        return hasattr(self, "_predict_network")

    # skl2onnx's hooks, so that to_onnx needs no import. The optional ONNX module
    # depends on the estimators, not the other way round: it is loaded by name,
    # only when skl2onnx asks.
    def onnx_parser(self):
        """skl2onnx hook: this model's parser (see ``skdnn.onnx``)."""
        return _onnx_hook(self, "parser")

    def onnx_shape_calculator(self):
        """skl2onnx hook: this model's shape calculator (see ``skdnn.onnx``)."""
        return _onnx_hook(self, "shape_calculator")

    def onnx_converter(self):
        """skl2onnx hook: this model's converter (see ``skdnn.onnx``)."""
        return _onnx_hook(self, "converter")

    def __getstate__(self):
        # a copy: object.__getstate__ returns the instance's own __dict__
        state = dict(super().__getstate__())
        state["__skdnn_version__"] = __version__
        return state

    def __setstate__(self, state):
        # scikit-learn's pattern: a model from another version may load yet
        # predict differently, so say so instead of failing later or silently
        saved = state.pop("__skdnn_version__", "unknown")
        if saved != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_skdnn_version=__version__,
                    original_skdnn_version=saved,
                ),
                stacklevel=2,
            )
        super().__setstate__(state)


def _averaged(network, groups):
    """``network`` with the members' outputs averaged (itself for one member).

    A copy: the inference network's layers must not share the fitted network's
    parameter buffer once they are rebuilt with ``MemberMean`` on top.
    """
    if groups == 1:
        return network
    layers = [copy_layer(layer) for layer in network.layers] + [MemberMean(groups)]
    return build_keeping_weights(
        layers, network.n_in, np.random.RandomState(0), network.dtype
    )


def _folded(network, **kwargs):
    """``network`` with its affine layers folded, or as it is if folding overflows.

    Folded weights are products of weights: those of a model that diverged (and
    kept its last finite weights) can overflow the network's dtype, where the
    layers one after another still compute finite outputs.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        folded = fold_batch_norm(network, **kwargs)
    return folded if np.all(np.isfinite(folded.theta)) else network


def _onnx_hook(estimator, kind):
    module = importlib.import_module(f"{__package__}.onnx")
    return module._hook(estimator, kind)
