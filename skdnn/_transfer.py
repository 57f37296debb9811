"""Transfer learning as a network builder: copies of a fitted estimator's lower
layers, with new layers on top.

A network is read as blocks: each block starts at a ``Dense`` layer and runs up to
the next one (its activation, batch norm, dropout); layers below the first Dense
layer (input batch norm or dropout) belong to the first block. The output block is
never reused. Reused layers are copies: the source estimator is never modified.
"""

import copy

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

from .nn.layers import Dense
from .nn.network import Sequential


def split_blocks(layers):
    """Layers grouped into blocks that each start at a ``Dense`` layer, bottom-up."""
    blocks, prefix = [], []
    for layer in layers:
        if isinstance(layer, Dense) or not blocks:
            if isinstance(layer, Dense):
                blocks.append(prefix + [layer])
                prefix = []
            else:
                prefix.append(layer)
        else:
            blocks[-1].append(layer)
    if prefix:  # no Dense layer at all: keep whatever is there as one block
        blocks.append(prefix)
    return blocks


def copy_layer(layer):
    """An independent copy of ``layer`` with its parameter and state values.

    Layers pickle without their parameter views (the network rebinds them), so the
    values are copied explicitly; ``build_keeping_weights`` writes them back.
    """
    new = copy.deepcopy(layer)
    new.params = {name: np.array(value) for name, value in layer.params.items()}
    new.state = {name: np.array(value) for name, value in layer.state.items()}
    return new


def build_keeping_weights(layers, n_in, rng, dtype):
    """A built ``Sequential`` of ``layers`` that keeps their current weights.

    ``Sequential.build`` initialises every layer; the values each layer held before
    (reused copies, or a freshly built upper part) are written back afterwards.
    """
    saved = [
        (
            {name: np.array(value) for name, value in layer.params.items()},
            {name: np.array(value) for name, value in layer.state.items()},
        )
        for layer in layers
    ]
    net = Sequential(layers).build(n_in, rng, dtype=dtype)
    for layer, (params, state) in zip(layers, saved):
        for name, value in params.items():
            layer.params[name][...] = value
        for name, value in state.items():
            # the dtype the built layer keeps it in: the network's for moving
            # statistics and scalings, its own for a quantile map's float64
            # knots and integer offsets
            built = layer.state.get(name)
            dtype = net.dtype if built is None else built.dtype
            layer.state[name] = np.asarray(value, dtype=dtype)
    return net


def transfer_network(
    source, n_blocks, n_features, build_upper, rng, dtype, feature_names=None
):
    """A network on copies of ``source``'s lowest hidden layers, and its frozen prefix.

    Parameters
    ----------
    source : DNNClassifier, DNNRegressor, DNNAutoencoder or FrozenEstimator
        A fitted skdnn estimator (a ``FrozenEstimator`` wrapping one is unwrapped).
    n_blocks : int or None
        Number of hidden layers to reuse; None reuses all of them.
    n_features : int
        Number of input features of the new estimator's data.
    build_upper : callable
        ``build_upper(n_in) -> list of Layer``: the new layers on top (at least
        the output layer), built for ``n_in`` inputs.
    rng : numpy.random.RandomState
        Initialises the new layers.
    dtype : str or numpy.dtype
        The network's dtype.
    feature_names : array-like of str, optional
        The new data's column names: with the source's, they must be the same,
        in the same order (the reused layers read columns by position).

    Returns
    -------
    network : Sequential
        The built network, reused layers first.
    n_reused_layers : int
        Number of its lowest layers that are reused (the prefix to freeze).
    n_blocks : int
        Number of hidden layers reused.
    """
    reused, n_blocks = _reused_layers(source, n_blocks, n_features)
    _check_feature_names(source, feature_names)
    n = n_features
    for layer in reused:
        n = layer.output_size(n)
    upper = build_upper(n)
    network = build_keeping_weights(reused + upper, n_features, rng, dtype)
    return network, len(reused), n_blocks


def unwrap(source):
    """The skdnn estimator of a ``transfer_from`` (a ``FrozenEstimator``'s own)."""
    return source.estimator if isinstance(source, FrozenEstimator) else source


def _check_feature_names(source, feature_names):
    source = unwrap(source)
    names = getattr(source, "feature_names_in_", None)
    if names is None or feature_names is None:
        return
    names, feature_names = list(names), list(feature_names)
    if names != feature_names:
        j = next(
            (j for j, (a, b) in enumerate(zip(names, feature_names)) if a != b),
            min(len(names), len(feature_names)),
        )
        theirs = repr(names[j]) if j < len(names) else "no column"
        ours = repr(feature_names[j]) if j < len(feature_names) else "no column"
        raise ValueError(
            f"transfer_from was fitted on other columns than X's: column {j} is "
            f"{theirs} there and {ours} in X. The reused layers read the columns "
            "by position, so they must be the same, in the same order: pass "
            "X[source.feature_names_in_]."
        )


def _reused_layers(source, n_blocks, n_features):
    """Copies of the lowest ``n_blocks`` reusable blocks of a fitted ``source``."""
    source = unwrap(source)
    if not hasattr(source, "_reusable_blocks"):
        raise TypeError(
            "transfer_from must be a fitted DNNClassifier, DNNRegressor or "
            f"DNNAutoencoder, got {type(source).__name__}."
        )
    check_is_fitted(
        source,
        msg=(
            "transfer_from is a %(name)s that is not fitted: fit it first. If it "
            "went through clone (GridSearchCV, cross_val_score), wrap the fitted "
            "estimator in sklearn.frozen.FrozenEstimator so it stays fitted."
        ),
    )
    if getattr(source, "ensemble_size", 1) > 1:
        raise ValueError(
            f"transfer_from is a {type(source).__name__} with ensemble_size="
            f"{source.ensemble_size}: its hidden layers are {source.ensemble_size} "
            "networks side by side, which a single network cannot reuse. Reuse "
            "the layers of a model fitted with ensemble_size=1."
        )
    if source.n_features_in_ != n_features:
        raise ValueError(
            f"transfer_from was fitted on {source.n_features_in_} features but X has "
            f"{n_features}; reused layers need the same input features (in the same "
            "order and preprocessing)."
        )
    blocks = source._reusable_blocks()
    if n_blocks is None:
        n_blocks = len(blocks)
    if n_blocks > len(blocks):
        raise ValueError(
            f"transfer_layers={n_blocks} but transfer_from "
            f"({type(source).__name__}) has only {len(blocks)} reusable hidden "
            f"layers; use at most {len(blocks)} or None for all of them."
        )
    layers = [copy_layer(layer) for block in blocks[:n_blocks] for layer in block]
    return layers, n_blocks
