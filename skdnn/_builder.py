"""New networks from an estimator's parameters.

Each hidden layer is a block: ``Dense`` (without bias when batch norm follows it),
then batch norm if ``batch_norm="before"``, the activation, batch norm if
``"after"``, dropout if ``dropout > 0``. ``input_batch_norm`` and ``input_dropout``
put a layer below the first block; the output layer is a ``Dense`` whose activation
is fused with the loss.
"""

import numpy as np

from . import _sparse
from .nn.activations import ACTIVATIONS
from .nn.dropout import AlphaDropout, Dropout
from .nn.embeddings import CategoryEmbedding, PeriodicEmbedding
from .nn.ensemble import Blocks, GroupedDense
from .nn.layers import Dense
from .nn.network import Sequential
from .nn.normalization import BatchNormalization
from .nn.scaling import FeatureScale, InputScaling, QuantileScaling, subsample


def lower(value):
    """A name as the registries store it (users may type ``"Adam"`` or ``"ELU"``)."""
    return value.lower() if isinstance(value, str) else value


def kernel_initializer(params):
    """The initializer of the hidden layers: ``"auto"`` follows Table 11-1."""
    if lower(params.kernel_initializer) == "auto":
        return ACTIVATIONS.get(params.activation).default_initializer
    return params.kernel_initializer


def build_network(
    params, hidden_sizes, n_features, n_outputs, rng, *, inputs=True, X=None,
    sample_weight=None, categories=(),
):  # fmt: skip
    """A built network of new layers.

    Parameters
    ----------
    params : estimator
        Read for the architecture parameters (activation, batch norm, dropout,
        initializer, dtype).
    hidden_sizes : sequence of int
        Units of each hidden layer, bottom-up.
    n_features, n_outputs : int
        Input and output widths.
    rng : numpy.random.RandomState
        Initialises the weights.
    inputs : bool, default=True
        Add the input batch norm and input dropout layers, if the parameters ask
        for them (not on top of reused layers).
    X, sample_weight : arrays, optional
        The (encoded) training inputs the input layers adapt to.
    categories : sequence of int, default=()
        Slots of each category-code column, the last columns of ``X``: a
        ``CategoryEmbedding`` maps them to learned vectors above the input
        layers, which pass them through.

    Returns
    -------
    Sequential
    """
    init = kernel_initializer(params)
    layers = (
        _adapted_inputs(params, X, sample_weight, len(categories)) if inputs else []
    )
    if categories:
        size = params.category_embedding_size
        layers.append(CategoryEmbedding(categories, size))
    input_bn = None
    if inputs and params.input_batch_norm:
        input_bn = len(layers)
        layers.append(_batch_norm(params))
    if inputs and params.input_dropout:
        layers.append(_dropout(params, params.input_dropout))
    k = getattr(params, "ensemble_size", 1)
    if k > 1 and not inputs:
        raise ValueError(
            f"ensemble_size={k} cannot be combined with transfer_from: the reused "
            "layers are one network. Set ensemble_size=1."
        )
    for i, units in enumerate(hidden_sizes):
        layers.extend(_hidden_block(params, units, init, k, first=i == 0))
    # The output layer feeds a softmax/sigmoid/identity: Glorot suits those.
    output_init = init if callable(init) else "glorot_uniform"
    layers.append(_dense(n_outputs, output_init, k, first=not hidden_sizes))
    network = Sequential(layers).build(n_features, rng, dtype=lower(params.dtype))
    if input_bn is not None and X is not None:
        _start_input_batch_norm(network, input_bn, X, sample_weight)
    return network


def _start_input_batch_norm(network, index, X, sample_weight):
    """Start the input batch norm's moving statistics at those of its inputs.

    Its inputs are X after the input layers below it (scaling, embeddings), run
    in inference mode on (a subsample of) the training data; on a small data set
    the moving averages would not reach them from 0 and 1 within a fit (see
    ``BatchNormalization.adapt``).
    """
    X, sample_weight = subsample(X, sample_weight)
    if index:  # the layers below (scaling, embeddings, feature scale) read dense X
        X = X.toarray() if _sparse.issparse(X) else X
        X = network.forward(np.asarray(X, dtype=network.dtype), stop=index)
    network.layers[index].adapt(X, sample_weight)


def _dense(units, init, k, *, first, use_bias=True):
    """A Dense layer; with ``k`` members, ``k`` of them side by side."""
    if k == 1:
        return Dense(units, kernel_initializer=init, use_bias=use_bias)
    if first:  # the members' first layers read the same inputs: one product
        return Dense(k * units, kernel_initializer=Blocks(init, k), use_bias=use_bias)
    return GroupedDense(units, k, kernel_initializer=init)


def _adapted_inputs(params, X, sample_weight=None, passthrough=0):
    """The input layers whose statistics come from the training data ``X``.

    ``"auto"`` takes the layer for dense ``X`` and leaves it out for sparse ``X``
    (centring would densify it; its columns are mostly zero).
    """
    sparse = _sparse.issparse(X)
    scaling = _resolve(params, "input_scaling", "robust", sparse)
    embedding = _resolve(params, "numeric_embedding", "periodic", sparse)
    layers = []
    if scaling is not None:
        if scaling == "quantile":
            scale = QuantileScaling(passthrough=passthrough)
        else:  # "standard" is StandardScaler's map: affine, folded for inference
            clip = 3.0 if scaling == "robust" else None
            scale = InputScaling(scaling, clip=clip, passthrough=passthrough)
        layers.append(scale.adapt(X, sample_weight))
    if embedding == "periodic":
        layers.append(
            PeriodicEmbedding(
                params.embedding_frequencies,
                params.embedding_size,
                params.embedding_sigma,
                passthrough=passthrough,
            ).adapt(X, sample_weight)
        )
    feature_scale = lower(getattr(params, "feature_scale", False))
    if feature_scale == "auto":  # on sparse X it would densify every batch
        feature_scale = not sparse
    if feature_scale:
        layers.append(FeatureScale(passthrough=passthrough))
    return layers


def _resolve(params, name, auto, sparse):
    """An input layer's setting for this ``X``; an explicit one needs dense X."""
    value = lower(getattr(params, name, None))
    if value == "auto":
        return None if sparse else auto
    if value is not None and sparse:
        raise ValueError(
            f"{name}={value!r} needs dense X: it centres or embeds each column, "
            f"which a sparse matrix cannot hold without densifying. Set {name}=None "
            "(or 'auto', which leaves it out for sparse X), or pass X.toarray()."
        )
    return value


def _hidden_block(params, units, init, k=1, *, first=True):
    where = lower(params.batch_norm)
    # BN's beta makes the bias of a Dense layer right before it redundant.
    block = [_dense(units, init, k, first=first, use_bias=where != "before")]
    if where == "before":
        block.append(_batch_norm(params))
    block.append(ACTIVATIONS.get(params.activation)())
    if where == "after":
        block.append(_batch_norm(params))
    if params.dropout:
        block.append(_dropout(params, params.dropout))
    return block


def _batch_norm(params):
    return BatchNormalization(params.batch_norm_momentum, params.batch_norm_epsilon)


def _dropout(params, rate):
    kind = lower(params.dropout_type)
    alpha = kind == "alpha" or (kind == "auto" and lower(params.activation) == "selu")
    return (AlphaDropout if alpha else Dropout)(rate)
