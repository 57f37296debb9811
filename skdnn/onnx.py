"""ONNX export of fitted skdnn estimators, through skl2onnx (the ``onnx`` extra).

With ``pip install "skdnn[onnx]"``, ``skl2onnx.to_onnx(model, X[:1])`` converts a
fitted ``DNNClassifier`` (labels and probabilities), ``DNNRegressor`` (predictions)
or ``DNNAutoencoder`` (``transform``: the codings), alone or as a step of a
scikit-learn ``Pipeline``, and onnxruntime then runs the graph. Nothing needs to be
imported first: the estimators carry skl2onnx's ``onnx_parser``,
``onnx_shape_calculator`` and ``onnx_converter`` hooks, which load this module and
register its converters the first time skl2onnx meets a skdnn model. Importing this
module registers them too, and :func:`register` does it explicitly: that is needed
only for a skdnn model inside a ``VotingClassifier`` or ``OneVsRestClassifier``,
whose skl2onnx converters look their sub-models up in skl2onnx's registry.

The graph is the network as ``predict`` runs it: batch normalization folded into the
Dense layers (a BN layer that cannot fold becomes a per-feature ``Mul`` and ``Add``),
dropout left out (the identity at inference), RReLU with its inference slope. It
computes in the network's dtype (``dtype="float32"`` by default, or ``"float64"``),
casting the input to it first, as ``predict`` does; outputs have the input's type,
double for a ``DoubleTensorType`` input and float otherwise.

Classifiers follow skl2onnx's conventions: two outputs, the labels (int64, or
strings for string classes) and the probabilities, which by default go through a
``ZipMap`` (``output_label``, ``output_probability``: a list of ``{class:
probability}`` dicts, in float32 since ``ZipMap`` only takes float). The option
``{"zipmap": False}`` gives ``label`` and a ``probabilities`` tensor of shape
``(n_samples, n_classes)`` instead. Multilabel models return the indicator matrix
``(n_samples, n_labels)`` as labels. Regressors and autoencoders have one output,
``variable``, of shape ``(n_samples, n_outputs)`` (``(n_samples, 1)`` for a model
fitted on a 1-D ``y``, as for scikit-learn's regressors) or
``(n_samples, n_components_)``.
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import DNNAutoencoder
from ._estimators import DNNClassifier, DNNRegressor
from .nn import activations as act
from .nn.dropout import AlphaDropout, Dropout, is_dropout
from .nn.embeddings import CategoryEmbedding, PeriodicEmbedding
from .nn.ensemble import GroupedDense, MemberMean
from .nn.layers import Dense
from .nn.normalization import BatchNormalization
from .nn.scaling import FeatureScale, InputScaling, QuantileScaling

__all__ = ["register"]

# skl2onnx's name for each estimator's operator: "<library><class>", its convention
_ALIASES = {
    DNNClassifier: "SkdnnDNNClassifier",
    DNNRegressor: "SkdnnDNNRegressor",
    DNNAutoencoder: "SkdnnDNNAutoencoder",
}
_CLASSIFIER_OPTIONS = {"zipmap": [True, False]}
# Where, Erf and ai.onnx.ml's ZipMap need opset 9
_MIN_OPSET = 9
_registered = {}  # class -> alias


def register():
    """Register skdnn's converters with skl2onnx.

    Registers ``DNNClassifier``, ``DNNRegressor`` and ``DNNAutoencoder`` with
    ``skl2onnx.update_registered_converter``; calling it again does nothing.
    ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn`` do not need it for a
    skdnn model alone or in a ``Pipeline``: the estimator registers them itself
    when skl2onnx first meets it. Inside a ``VotingClassifier`` or a
    ``OneVsRestClassifier``, whose converters look their sub-models up in
    skl2onnx's registry (a ``KeyError`` naming the class otherwise), register
    first, with this function or ``import skdnn.onnx``, which calls it.

    Returns
    -------
    None

    Raises
    ------
    ImportError
        If skl2onnx is not installed (``pip install "skdnn[onnx]"``).
    """
    for cls in _ALIASES:
        _register_class(cls)


def _register_class(cls):
    if cls in _registered:
        return
    try:
        from skl2onnx import update_registered_converter
    except ImportError as exc:
        raise ImportError(
            "Exporting skdnn models to ONNX needs skl2onnx, onnx and onnxruntime: "
            'pip install "skdnn[onnx]".'
        ) from exc
    base = next(b for b in cls.__mro__ if b in _ALIASES)
    alias = _ALIASES[base]
    if cls is not base:  # a user's subclass gets an operator name of its own
        alias = f"{alias}_{cls.__module__}.{cls.__qualname__}".replace(".", "_")
    update_registered_converter(
        cls,
        alias,
        _calculate_shapes,
        _convert,
        parser=_parse,
        options=_CLASSIFIER_OPTIONS if issubclass(cls, DNNClassifier) else None,
        overwrite=True,
    )
    _registered[cls] = alias


def _hook(estimator, kind):
    """What the estimators' ``onnx_*`` methods return (skl2onnx calls them)."""
    _register_class(type(estimator))
    if kind == "parser":

        def parser(scope, inputs):
            return _declare_outputs(scope, estimator, inputs)

        return parser
    if kind == "shape_calculator":
        return _calculate_shapes
    if kind == "converter":
        return _convert
    raise ValueError(f"Unknown skl2onnx hook {kind!r}.")


# -- the fitted estimator ---------------------------------------------------------
class _Fitted(NamedTuple):
    """What the conversion needs from a fitted estimator."""

    kind: str  # "classifier", "regressor" or "transformer"
    layers: list  # inference layers, bottom-up
    n_features: int
    n_outputs: int  # width of the network output (classifiers: before the link)
    dtype: np.dtype  # the network's dtype
    target: str = None  # classifiers: "binary", "multiclass", "multilabel-indicator"
    classes: np.ndarray = None
    y_scale: float = None  # regressors: prediction = output * y_scale + y_mean
    y_mean: np.ndarray = None
    # regressors with the log link: output = exp(link_offset + link_slope * z)
    link_offset: np.ndarray = None
    link_slope: float = None


def _fitted(estimator):
    """Read a fitted estimator: the one place that knows skdnn's fitted attributes.

    Classifiers and regressors: the network as ``predict`` runs it, batch norm
    folded and dropout left out. Autoencoders: the encoder layers, as ``transform``
    runs them (dropout left out; batch norm stays, in inference mode).
    """
    if not isinstance(estimator, tuple(_ALIASES)):
        raise TypeError(
            f"skdnn.onnx converts DNNClassifier, DNNRegressor and DNNAutoencoder, "
            f"not {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    if getattr(estimator, "_table_encoder", None) is not None:
        raise ValueError(
            f"skdnn.onnx cannot convert a {type(estimator).__name__} that encodes "
            "categorical columns or imputes missing values itself (fitted with "
            "categorical_features on a table with categories, or missing_values="
            "'impute'). For ONNX, encode the table in a ColumnTransformer "
            "(OneHotEncoder, SimpleImputer) before the estimator, fit it with "
            "categorical_features=None, and convert the whole pipeline."
        )
    net = estimator.network_
    common = {"n_features": net.n_in, "dtype": np.dtype(net.dtype)}
    if isinstance(estimator, DNNAutoencoder):
        encoder = net.layers[: estimator._n_encoder_layers()]
        return _Fitted(
            "transformer",
            [layer for layer in encoder if not is_dropout(layer)],
            n_outputs=estimator.n_components_,
            **common,
        )
    # the network as predict runs it: folded, members averaged
    net = estimator._predict_network
    layers = [layer for layer in net.layers if not is_dropout(layer)]
    if isinstance(estimator, DNNClassifier):
        return _Fitted(
            "classifier",
            layers,
            n_outputs=net.n_out,
            target=estimator._label_binarizer.y_type_,
            classes=np.asarray(estimator.classes_),
            **common,
        )
    loss = estimator.loss_function_
    exp_link = getattr(loss, "link_name", "identity") == "exp"
    return _Fitted(
        "regressor",
        layers,
        n_outputs=net.n_out,
        y_scale=getattr(estimator, "_y_scale", None),
        y_mean=getattr(estimator, "_y_mean", None),
        link_offset=np.broadcast_to(loss.offset, (net.n_out,)) if exp_link else None,
        link_slope=float(loss.slope) if exp_link else None,
        **common,
    )


def _labels(fitted, estimator):
    """The class labels as ONNX stores them: int64 or str, as skl2onnx does."""
    classes = fitted.classes
    if all(isinstance(c, str) for c in classes.tolist()):
        return classes.astype(str)
    try:
        as_int = classes.astype(np.int64)
    except (TypeError, ValueError):
        as_int = None
    if as_int is not None and np.array_equal(as_int, classes):
        return as_int
    raise ValueError(
        f"{type(estimator).__name__} has classes {classes.tolist()[:5]} "
        f"({classes.dtype}): ONNX labels must be integers or strings. Encode y "
        "as integers (e.g. LabelEncoder) or strings and refit."
    )


def _zipmap(scope, estimator, fitted):
    if fitted.kind != "classifier":
        return False
    return bool(scope.get_options(estimator, {"zipmap": True})["zipmap"])


# -- skl2onnx: parser and shape calculator ------------------------------------------
def _parse(scope, model, inputs, custom_parsers=None):
    """skl2onnx parser: the model's operator and its output variables.

    A classifier's ZipMap is an operator of its own after the model's, as
    skl2onnx's classifiers have it: a meta-estimator's converter (GridSearchCV)
    copies the model's outputs with Identity, which takes tensors only.
    """
    operator = scope.declare_local_operator(_registered[type(model)], model)
    operator.inputs = inputs
    for variable in _declare_outputs(scope, model, inputs):
        operator.outputs.append(variable)
    fitted = _fitted(model)
    if _zipmap(scope, model, fitted):
        return _declare_zipmap(scope, model, fitted, operator.outputs)
    return operator.outputs


def _declare_zipmap(scope, model, fitted, outputs):
    """skl2onnx's ZipMap operator on (label, float probabilities)."""
    from skl2onnx.common.data_types import (
        DictionaryType,
        FloatTensorType,
        Int64TensorType,
        SequenceType,
        StringTensorType,
    )

    zipmap = scope.declare_local_operator("SklearnZipMap")
    zipmap.inputs = list(outputs)
    labels = _labels(fitted, model)
    if labels.dtype.kind == "U":
        zipmap.classlabels_strings = np.array([s.encode("utf-8") for s in labels])
        label_type = StringTensorType([None])
    else:
        zipmap.classlabels_int64s = [int(c) for c in labels]
        label_type = Int64TensorType([None])
    zipmap.outputs.append(scope.declare_local_variable("output_label", label_type))
    probability = SequenceType(DictionaryType(label_type, FloatTensorType([])))
    zipmap.outputs.append(
        scope.declare_local_variable("output_probability", probability)
    )
    zipmap.init_status(is_evaluated=True)
    return zipmap.outputs


def _declare_outputs(scope, model, inputs):
    from skl2onnx.common.data_types import (
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
        guess_tensor_type,
    )

    fitted = _fitted(model)
    value_type = guess_tensor_type(inputs[0].type)
    if fitted.kind != "classifier":
        return [scope.declare_local_variable("variable", value_type)]
    is_str = _labels(fitted, model).dtype.kind == "U"
    label_type = StringTensorType if is_str else Int64TensorType
    # ZipMap (a separate operator) takes float probabilities only
    zipmap = _zipmap(scope, model, fitted)
    return [
        scope.declare_local_variable("label", label_type()),
        scope.declare_local_variable(
            "probabilities", FloatTensorType() if zipmap else value_type
        ),
    ]


def _calculate_shapes(operator):
    """skl2onnx shape calculator: checks the input, sets the output shapes."""
    from skl2onnx.common.data_types import StringTensorType, TensorType

    model = operator.raw_operator
    fitted = _fitted(model)
    name = type(model).__name__
    if len(operator.inputs) != 1:
        raise ValueError(
            f"{name} takes one input tensor of shape (n_samples, "
            f"{fitted.n_features}), got {len(operator.inputs)} inputs (a DataFrame "
            "gives one per column): convert with a NumPy array, e.g. "
            "to_onnx(model, X[:1].to_numpy())."
        )
    input_type = operator.inputs[0].type
    if not isinstance(input_type, TensorType) or isinstance(
        input_type, StringTensorType
    ):
        raise TypeError(
            f"{name} takes a numeric tensor (e.g. FloatTensorType or "
            f"DoubleTensorType), got {type(input_type).__name__}."
        )
    shape = list(input_type.shape)
    if len(shape) != 2 or shape[1] not in (None, fitted.n_features):
        raise ValueError(
            f"{name} was fitted on {fitted.n_features} features; its ONNX input "
            f"must have shape (n_samples, {fitted.n_features}), got {shape}."
        )
    n = shape[0]
    if fitted.kind != "classifier":
        operator.outputs[0].type.shape = [n, fitted.n_outputs]
        return
    label_shape = [n, fitted.n_outputs] if _multilabel(fitted) else [n]
    operator.outputs[0].type.shape = label_shape
    # a tensor always: the ZipMap, when asked for, is an operator of its own
    operator.outputs[1].type.shape = [n, len(fitted.classes)]


def _multilabel(fitted):
    return fitted.target == "multilabel-indicator"


# -- skl2onnx: converter --------------------------------------------------------------
class _Graph:
    """Adds nodes and constants to skl2onnx's container, in the network's dtype."""

    def __init__(self, scope, container, dtype):
        from onnx import TensorProto

        self.scope, self.container = scope, container
        self.dtype = np.dtype(dtype)
        self.proto = {
            np.dtype(np.float32): TensorProto.FLOAT,
            np.dtype(np.float64): TensorProto.DOUBLE,
        }[self.dtype]

    def const(self, value, dtype=None, hint="c"):
        from onnx import TensorProto, numpy_helper

        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        name = self.scope.get_unique_variable_name(hint)
        if array.dtype.kind == "U":
            content = [s.encode("utf-8") for s in array.ravel().tolist()]
            self.container.add_initializer(
                name, TensorProto.STRING, list(array.shape), content
            )
        else:
            tensor = numpy_helper.from_array(array, name)
            self.container.add_initializer(name, None, None, tensor)
        return name

    def node(self, op_type, inputs, *, output=None, domain="", **attrs):
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            list(inputs),
            [output],
            op_domain=domain,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return output

    def cast(self, name, to):
        return self.node("Cast", [name], to=to)


def _convert(scope, operator, container):
    """skl2onnx converter: the graph of ``predict``/``predict_proba``/``transform``."""
    from onnx import TensorProto
    from skl2onnx.common.data_types import guess_proto_type

    model = operator.raw_operator
    fitted = _fitted(model)
    opset = container.target_opset
    if opset is not None and opset < _MIN_OPSET:
        raise ValueError(
            f"Converting {type(model).__name__} needs target_opset >= {_MIN_OPSET}, "
            f"got {opset}."
        )
    g = _Graph(scope, container, fitted.dtype)
    x = operator.inputs[0].full_name
    input_proto = guess_proto_type(operator.inputs[0].type)
    if input_proto != g.proto:
        x = g.cast(x, g.proto)
    z = _network(g, fitted.layers, x, model)
    # outputs in the input's type: double for double, float otherwise
    double_out = input_proto == TensorProto.DOUBLE
    vg = _Graph(scope, container, np.float64 if double_out else np.float32)
    values = z if vg.proto == g.proto else g.cast(z, vg.proto)
    outputs = operator.outputs
    if fitted.kind == "transformer":
        g.node("Identity", [values], output=outputs[0].full_name)
    elif fitted.kind == "regressor":
        if fitted.link_slope is not None:
            values = vg.node("Mul", [values, vg.const(fitted.link_slope)])
            values = vg.node("Add", [values, vg.const(fitted.link_offset)])
            values = vg.node("Exp", [values])
        if fitted.y_scale is not None:
            values = vg.node("Mul", [values, vg.const(fitted.y_scale)])
        if fitted.y_mean is not None:
            values = vg.node("Add", [values, vg.const(fitted.y_mean)])
        g.node("Identity", [values], output=outputs[0].full_name)
    else:
        _classifier_outputs(g, vg, fitted, model, z, values, outputs)


def _classifier_outputs(g, vg, fitted, model, z, values, outputs):
    """Labels from the network outputs ``z``, as ``predict``; probabilities from
    ``values`` (``z`` in the output type), as ``predict_proba``."""
    from onnx import TensorProto
    from skl2onnx.common.data_types import guess_proto_type

    label, probabilities = outputs
    labels = _labels(fitted, model)
    if fitted.target == "multiclass":
        index = g.node("ArgMax", [z], axis=1, keepdims=0)
        proba = vg.node("Softmax", [values], axis=1)
    else:
        positive = g.cast(g.node("Greater", [z, g.const(0)]), TensorProto.INT64)
        if _multilabel(fitted):
            index = None
            g.node("Identity", [positive], output=label.full_name)
            proba = vg.node("Sigmoid", [values])
        else:
            index = g.node("Reshape", [positive, g.const([-1], np.int64)])
            p = vg.node("Sigmoid", [values])
            q = vg.node("Sub", [vg.const(1), p])
            proba = vg.node("Concat", [q, p], axis=1)
    if index is not None:
        classes = g.const(labels, labels.dtype, hint="classes")
        g.node("Gather", [classes, index], axis=0, output=label.full_name)
    declared = guess_proto_type(probabilities.type)
    if declared != vg.proto:  # float for the ZipMap that follows
        proba = vg.cast(proba, declared)
    g.node("Identity", [proba], output=probabilities.full_name)


# -- layers -----------------------------------------------------------------------------
def _network(g, layers, x, model):
    for layer in layers:
        emit = _LAYERS.get(type(layer))
        if type(layer) in _REFUSED:
            raise TypeError(
                f"Cannot convert {type(model).__name__} to ONNX: "
                f"{_REFUSED[type(layer)]}"
            )
        if emit is None:
            cls = type(layer)
            raise TypeError(
                f"Cannot convert {type(model).__name__} to ONNX: its network has a "
                f"layer {layer!r} ({cls.__module__}.{cls.__qualname__}) with no ONNX "
                f"translation. Supported layers: {_supported_names()}."
            )
        x = emit(g, layer, x)
    return x


def _dense(g, layer, x):
    y = g.node("MatMul", [x, g.const(layer.params["kernel"], hint="kernel")])
    if layer.use_bias:
        y = g.node("Add", [y, g.const(layer.params["bias"], hint="bias")])
    return y


def _batch_norm(g, layer, x):
    # predict's inference mode: y = x * scale + shift, in the network's dtype
    scale, shift = layer.inference_affine()
    y = g.node("Mul", [x, g.const(scale, hint="bn_scale")])
    return g.node("Add", [y, g.const(shift, hint="bn_shift")])


def _input_scaling(g, layer, x):
    y = g.node("Sub", [x, g.const(layer.state["center"], hint="center")])
    y = g.node("Mul", [y, g.const(layer.state["factor"], hint="factor")])
    if layer.clip is None:
        return y
    # y / sqrt(1 + (y / c)**2), in skdnn's order of operations
    u = g.node("Mul", [y, g.const(1 / layer.clip)])
    inv = g.node("Add", [g.node("Mul", [u, u]), g.const(1)])
    inv = g.node("Reciprocal", [g.node("Sqrt", [inv])])
    return g.node("Mul", [y, inv])


def _grouped_dense(g, layer, x):
    # (n, k * a) -> (k, n, a) @ (k, a, u) -> (n, k * u), as the layer computes it
    k, a, u = layer.params["kernel"].shape
    x = g.node("Reshape", [x, g.const([-1, k, a], np.int64, "shape")])
    x = g.node("Transpose", [x], perm=[1, 0, 2])
    y = g.node("MatMul", [x, g.const(layer.params["kernel"], hint="kernel")])
    y = g.node("Transpose", [y], perm=[1, 0, 2])
    y = g.node("Reshape", [y, g.const([-1, k * u], np.int64, "shape")])
    return g.node("Add", [y, g.const(layer.params["bias"], hint="bias")])


def _member_mean(g, layer, x):
    # (n, k * m) -> (n, m, k) -> mean over the members: a product with 1/k's,
    # which any opset has (ReduceMean's axes moved to an input in opset 18)
    k = layer.groups
    x = g.node("Reshape", [x, g.const([0, k, -1], np.int64, "shape")])
    x = g.node("Transpose", [x], perm=[0, 2, 1])
    mean = g.node("MatMul", [x, g.const(np.full((k, 1), 1.0 / k), hint="mean")])
    return g.node("Reshape", [mean, g.const([0, -1], np.int64, "shape")])


def _feature_scale(g, layer, x):
    return g.node("Mul", [x, g.const(layer.params["scale"], hint="scale")])


def _periodic_embedding(g, layer, x):
    # feature-major (m, n, k) as the layer computes it: columns, transposed, as
    # (m, n, 1) times 2 pi w (m, 1, k), plus the phases, cos, a batched MatMul
    m, d = layer.columns.size, layer.size
    if m == 0:
        return x
    p = layer.params
    cols = g.node("Gather", [x, g.const(layer.columns, np.int64, "columns")], axis=1)
    shape = g.const([m, -1, 1], np.int64, "shape")
    v = g.node("Reshape", [g.node("Transpose", [cols], perm=[1, 0]), shape])
    frequency = (p["frequency"] * p["frequency"].dtype.type(2 * np.pi))[:, None, :]
    v = g.node("Mul", [v, g.const(frequency, hint="frequency")])
    v = g.node("Add", [v, g.const(p["phase"][:, None, :], hint="phase")])
    z = g.node("MatMul", [g.node("Cos", [v]), g.const(p["kernel"], hint="kernel")])
    z = g.node("Add", [z, g.const(p["bias"][:, None, :], hint="bias")])
    z = g.node("Transpose", [z], perm=[1, 0, 2])
    z = g.node("Reshape", [z, g.const([-1, m * d], np.int64, "shape")])
    return g.node("Concat", [z, x], axis=1)


def _identity(g, layer, x):
    return x


def _unary(op_type):
    return lambda g, layer, x: g.node(op_type, [x])


def _negative_slope(slope):
    def emit(g, layer, x):
        # x for x >= 0, x * slope below; onnxruntime's PRelu has no double kernel
        slope_value = g.const(np.reshape(slope(layer), -1), hint="slope")
        if g.dtype == np.float32:
            return g.node("PRelu", [x, slope_value])
        below = g.node("Less", [x, g.const(0)])
        return g.node("Where", [below, g.node("Mul", [x, slope_value]), x])

    return emit


def _elu(g, layer, x):
    # ELU (scale 1) and SELU: scale * x for x > 0, scale * alpha * (exp(x) - 1) below
    if g.dtype == np.float32:
        if layer.scale == 1.0:
            return g.node("Elu", [x], alpha=float(layer.alpha))
        return g.node("Selu", [x], alpha=float(layer.alpha), gamma=float(layer.scale))
    # onnxruntime has no double Elu/Selu kernel: the formula, as skdnn computes it
    negative = g.node("Exp", [g.node("Min", [x, g.const(0)])])
    negative = g.node("Sub", [negative, g.const(1)])
    if layer.scale * layer.alpha != 1.0:
        negative = g.node("Mul", [negative, g.const(layer.scale * layer.alpha)])
    positive = x if layer.scale == 1.0 else g.node("Mul", [x, g.const(layer.scale)])
    return g.node("Where", [g.node("Greater", [x, g.const(0)]), positive, negative])


def _gelu(g, layer, x):
    from onnx import TensorProto

    # x * 0.5 * (1 + erf(x / sqrt(2))), in skdnn's order of operations
    u = g.node("Mul", [x, g.const(1 / np.sqrt(2))])
    if g.dtype == np.float32:
        erf = g.node("Erf", [u])
    else:  # onnxruntime has no double Erf kernel: erf in float32
        erf = g.cast(g.node("Erf", [g.cast(u, TensorProto.FLOAT)]), g.proto)
    cdf = g.node("Mul", [g.node("Add", [erf, g.const(1)]), g.const(0.5)])
    return g.node("Mul", [x, cdf])


def _swish(g, layer, x):
    if g.dtype == np.float32:
        return g.node("Mul", [x, g.node("Sigmoid", [x])])
    # onnxruntime up to 1.23 at least fuses x * Sigmoid(x) into a QuickGelu kernel
    # that exists for float only, and then cannot load a double graph: x / (1 + e^-x)
    exp = g.node("Exp", [g.node("Neg", [x])])
    return g.node("Div", [x, g.node("Add", [exp, g.const(1)])])


# exact classes: a subclass may compute something else, so it is refused
_LAYERS = {
    InputScaling: _input_scaling,
    PeriodicEmbedding: _periodic_embedding,
    FeatureScale: _feature_scale,
    GroupedDense: _grouped_dense,
    MemberMean: _member_mean,
    Dense: _dense,
    BatchNormalization: _batch_norm,
    Dropout: _identity,
    AlphaDropout: _identity,
    act.Identity: _identity,
    act.Logistic: _unary("Sigmoid"),
    act.Tanh: _unary("Tanh"),
    act.ReLU: _unary("Relu"),
    act.LeakyReLU: _negative_slope(lambda layer: layer.alpha),
    act.RReLU: _negative_slope(lambda layer: (layer.lower + layer.upper) / 2),
    act.PReLU: _negative_slope(lambda layer: layer.params["alpha"]),
    act.ELU: _elu,
    act.SELU: _elu,
    act.GELU: _gelu,
    act.Swish: _swish,
}


#: Layers with no ONNX translation, and what to do instead (every public layer
#: is either here or in _LAYERS: tests/test_kernel_interface.py).
_REFUSED = {
    QuantileScaling: (
        "input_scaling='quantile' has no ONNX translation. Put "
        "QuantileTransformer(output_distribution='normal') before the estimator "
        "in a Pipeline (skl2onnx converts it) and fit with input_scaling=None, or "
        "use input_scaling='robust'."
    ),
    CategoryEmbedding: (
        "its category embedding reads codes that the estimator's own table "
        "encoding makes. Encode the table in a ColumnTransformer before the "
        "estimator and fit it with categorical_features=None."
    ),
}


def _supported_names():
    return ", ".join(cls.__name__ for cls in _LAYERS)


# ``import skdnn.onnx`` registers the converters when skl2onnx is installed; without
# it the module still imports (for the docs), and register() says what to install.
try:
    register()
except ImportError:
    pass
