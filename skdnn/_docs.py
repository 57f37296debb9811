"""Docstring sections shared by the estimators, written once.

Each parameter is described once here; an estimator's docstring lists its
parameters in signature order with the defaults read from the parameter table
(``_parameters``), so the documented defaults are the code's.
"""

#: name -> (type, description); the "default=" part is added from the code.
PARAMETERS = {
    "hidden_layer_sizes": (
        'array-like of int, int or "auto"',
        """\
Units of each new hidden layer, bottom-up. ``()`` fits a linear model (or,
with ``transfer_from``, puts the new output layer directly on the reused
layers). "auto": two hidden layers, of 256 and 128 units in
``DNNClassifier`` and of 64 units per ensemble member in ``DNNRegressor``,
or none on top of the layers reused from ``transfer_from`` (the chapter's
recipe: reuse the hidden layers, replace the output layer).""",
    ),
    "activation": (
        "str",
        """\
Hidden-layer activation: "identity", "logistic", "tanh", "relu",
"leaky_relu" (slope 0.01), "rrelu", "prelu" (learned slope per unit),
"elu", "selu", "gelu" or "swish" ("linear", "sigmoid" and "silu" are
aliases); names are matched in any case. ReLU is the chapter's choice for shallow networks (3rd edition,
Table 11-3) and the fastest; on the digits data it also generalised better
than ELU (see Notes). For deep networks try "selu" (with
``kernel_initializer="auto"``), "elu" or "swish".""",
    ),
    "kernel_initializer": (
        "str or callable",
        """\
"glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
"lecun_uniform", "lecun_normal", "auto", or a callable
``init(shape, rng)``. "auto" follows chapter 11's Table 11-1: Glorot for
identity, logistic and tanh, He for the ReLU family, ELU, GELU and Swish,
LeCun for SELU; use it for deep networks and whenever you change the
activation (SELU self-normalises only with LeCun initialisation). The
default is Keras' and scikit-learn's MLP's: on the default two-layer
network it generalised better than He initialisation (see Notes). Biases
start at zero.""",
    ),
    "batch_norm": (
        '{"before", "after"} or None',
        """\
Batch normalization in every hidden layer, before or after its activation
(Ioffe & Szegedy 2015). Each feature is normalised with the mini-batch mean
and variance, then scaled and shifted by learned ``gamma`` and ``beta``;
prediction uses moving averages of the batch statistics. It fights
unstable gradients, allows larger learning rates and makes deep networks
less sensitive to the initialisation. With "before", the Dense layers drop
their (redundant) bias. For prediction each BN layer is folded into the
adjacent Dense layer (the one before it for "before", the one after it for
"after" and ``input_batch_norm``): same outputs, faster ``predict``.""",
    ),
    "batch_norm_momentum": (
        "float",
        """\
Weight of the old value when the moving mean and variance are updated.""",
    ),
    "batch_norm_epsilon": (
        "float",
        """\
Added to the variance before the square root.""",
    ),
    "input_batch_norm": (
        "bool",
        """\
A batch-normalization layer on the inputs, so features need not be
standardised beforehand. Its moving statistics start at the training
data's mean and variance (dense or sparse X), not at 0 and 1: on small data sets the
moving averages would not reach them in a fit's few steps (wine, 5-fold CV:
0.972 accuracy on raw features, 0.629 with moving statistics from 0 and 1,
0.966 after a StandardScaler). Without it, ``input_scaling`` or a
``StandardScaler``, fit warns once when columns of X are far from unit
scale: a non-constant column with a standard deviation above 100 or below
1e-4, or a mean above 100 in magnitude.""",
    ),
    "categorical_features": (
        '"from_dtype", array-like of str, int or bool, or None',
        """\
The categorical columns of X, which the estimator encodes itself (no
``ColumnTransformer`` needed). "from_dtype": the ``category`` and text
columns of a pandas DataFrame, and its ``object`` columns unless they hold
only numbers (none for an array); or column names, indices, or a boolean
mask. A column with at most ``max_one_hot_categories`` categories is
one-hot encoded; one with more gets a learned embedding of
``category_embedding_size`` values (``skdnn.nn.CategoryEmbedding``).
Categories seen fewer than ``min_category_frequency`` times in fit share
one "other" slot, which categories never seen in fit also take at
prediction (never an error). The categories are fixed by the first
``fit`` (or ``partial_fit``) call. None: every column is numeric.""",
    ),
    "missing_values": (
        '{"error", "impute"}',
        """\
What a missing value (NaN, None, ``pd.NA``) in X does. "error": a
``ValueError`` (naming the column when X is encoded: a table with
categories). "impute": a numeric column's missing values become its
training median, and each column that had missing values in fit gets a 0/1
indicator input (a column with no value in fit is ignored, with a
warning); a missing category is a category of its own when it is seen
``min_category_frequency`` times, else it joins "other".""",
    ),
    "max_one_hot_categories": (
        "int",
        """\
Categorical columns with at most this many categories (after grouping rare
ones) are one-hot encoded; those with more are embedded.""",
    ),
    "category_embedding_size": (
        "int",
        "Values of the learned embedding of each category of a high-cardinality column.",
    ),
    "min_category_frequency": (
        "int",
        """\
Categories seen fewer times in fit share one "other" slot (as
``OneHotEncoder(min_frequency=...)``).""",
    ),
    "input_scaling": (
        '{"auto", "robust", "standard", "quantile"} or None',
        """\
Scale the inputs with statistics of the training data, inside the
network (fitted by the first ``fit``, kept by warm starts and
``partial_fit``). "robust" (RealMLP's): centre each column on its median,
divide by its interquartile range, then clip smoothly to within 3,
``x / sqrt(1 + (x / 3)**2)``, so that outliers cannot dominate the first
layer; "standard": mean and standard deviation, as ``StandardScaler``;
"quantile": each column through its training CDF to a standard normal,
as ``QuantileTransformer(output_distribution="normal")`` (not for ONNX).
None: the inputs are used as given. "auto": "robust" for dense X, None for
sparse X (centring would densify it; scale it with a ``MaxAbsScaler``).""",
    ),
    "numeric_embedding": (
        '{"auto", "periodic"} or None',
        """\
"periodic": learned periodic embeddings of the numeric inputs (Gorishniy
et al. 2022, RealMLP's PBLD): each column with more than two distinct
values in the training data gets ``embedding_frequencies`` features
``cos(2 pi w x + b)``, mapped linearly to ``embedding_size`` values, which
the first hidden layer sees next to the inputs. Binary and one-hot
columns pass through unchanged. None: no embedding. "auto": "periodic" for
dense X, None for sparse X.""",
    ),
    "embedding_frequencies": (
        "int",
        "Periodic features per embedded column (``numeric_embedding``).",
    ),
    "embedding_size": (
        "int",
        "Values each embedded column is mapped to (``numeric_embedding``).",
    ),
    "embedding_sigma": (
        "float",
        """\
Standard deviation of the initial frequencies of the periodic
embeddings, in cycles per unit of the (scaled) input.""",
    ),
    "ensemble_size": (
        "int",
        """\
Train this many networks at once, as one (TabM's packed ensemble, Gorishniy
et al. 2024): the members share the input layers (scaling, embeddings,
feature scale); each has its own hidden layers and output layer, trains on
its own loss (the training loss is their mean) from its own initial
weights, and predictions average the members' outputs (before the output
activation). An average of networks is more accurate than one network;
each batch pays once per layer for the members' matrix products (one
batched product), so a fit costs less than ``ensemble_size`` fits. 1:
one network. Not with ``transfer_from``.""",
    ),
    "feature_scale": (
        'bool or "auto"',
        """\
A learned scale per input of the first hidden layer (after the
embeddings), starting at 1 and trained 6 times faster than the other
parameters (RealMLP's front scale): the network can quickly turn down the
inputs it does not need. Folded into the first Dense layer for
prediction. "auto": on for dense X, off for sparse X, whose every
mini-batch it would densify (a 10,000 x 5,000 CSR at density 0.001: 0.3 s
for 2 epochs without it, 2.4-3.1 s with it).""",
    ),
    "dropout": (
        "float",
        """\
Dropout rate after each hidden layer (Srivastava et al. 2014): in
training, each unit's output is dropped with this probability and the
kept ones are scaled by ``1 / (1 - dropout)``. Typical values: 0.1-0.5;
0.2 measured better than none on small data (see Notes). Off by default,
as in Keras and scikit-learn's MLP, so that training is deterministic
given ``random_state`` and frozen transferred layers can be cached.
Also enables Monte Carlo dropout (``predict_proba(X, mc_samples=...)``,
``predict(X, return_std=True)``).""",
    ),
    "input_dropout": (
        "float",
        """\
Dropout rate on the input features.""",
    ),
    "dropout_type": (
        '{"standard", "alpha", "auto"}',
        """\
"standard" is inverted dropout; "alpha" is alpha dropout (Klambauer et al.
2017), which keeps the mean and variance of self-normalising SELU networks.
"auto" picks "alpha" when ``activation="selu"``, else "standard".""",
    ),
    "l1": (
        "float",
        """\
l1 penalty ``l1 * sum|W|`` over all kernels (not biases, batch-norm or PReLU
parameters) added to each batch loss, as Keras' ``kernel_regularizer``.
Drives weights to exactly zero: sparse models.""",
    ),
    "l2": (
        "float",
        """\
l2 penalty ``l2 * sum(W**2)`` over all kernels, as Keras. Note that
scikit-learn's MLP ``alpha`` is scaled differently
(``alpha / (2 * n_samples) * sum(W**2)`` per sample).""",
    ),
    "max_norm": (
        "float",
        """\
Max-norm constraint: after every optimizer step, each unit's incoming
weight vector (a column of every kernel, the output layer's included) is
rescaled to norm at most ``max_norm``. Reduces overfitting and helps
against unstable gradients; typical values 1-5.""",
    ),
    "optimizer": (
        "str or Optimizer",
        """\
"sgd", "adagrad", "rmsprop", "adam", "adamax", "nadam" or "adamw" (in any
case), or an optimizer instance from ``skdnn`` (e.g. ``Nadam(beta_2=0.99)``; GridSearchCV
reaches its parameters as ``optimizer__beta_2``). Nadam (Adam with Nesterov
momentum) is among the chapter's recommended optimizers and needs little
tuning of the learning rate. With an instance, set its hyperparameters on
it: the estimator's ``momentum``, ``beta_1``, ... are then ignored (with an
``UnusedParameterWarning``).""",
    ),
    "learning_rate": (
        "float",
        """\
Initial step size. None uses the optimizer's Keras default: 0.01 for "sgd",
0.001 for the others. Also used by an optimizer instance whose own
``learning_rate`` is None.""",
    ),
    "momentum": (
        "float",
        """\
Momentum of "sgd" and "rmsprop" (None: their default, 0).""",
    ),
    "nesterov": (
        "bool",
        """\
Nesterov accelerated gradient, for "sgd" with momentum.""",
    ),
    "beta_1": (
        "float",
        """\
Decay of the first-moment estimate of "adam", "adamax", "nadam" and
"adamw". None: the optimizer's own default (0.9). A value set for an
optimizer that does not use it raises an ``UnusedParameterWarning``, as do
``momentum``, ``nesterov``, ``epsilon`` and ``rho``.""",
    ),
    "beta_2": (
        "float",
        """\
Decay of the second-moment estimate of the same optimizers. None: the
optimizer's own default (0.999).""",
    ),
    "epsilon": (
        "float",
        """\
Smoothing term of the adaptive optimizers ("adagrad", "rmsprop" and the
Adam family). None: the optimizer's own default (1e-7).""",
    ),
    "rho": (
        "float",
        """\
Decay of the squared-gradient average of "rmsprop". None: its default
(0.9).""",
    ),
    "weight_decay": (
        "float",
        """\
Decoupled weight decay, ``theta -= learning_rate * weight_decay * theta``
before each step. None uses the optimizer's default (0.004 for "adamw",
none for the others).""",
    ),
    "clipvalue": (
        "float",
        """\
Clip each gradient element to ``[-clipvalue, clipvalue]``.""",
    ),
    "clipnorm": (
        "float",
        """\
Rescale each parameter tensor's gradient so its norm is at most ``clipnorm``.""",
    ),
    "global_clipnorm": (
        "float",
        """\
Rescale all gradients together so their joint norm is at most
``global_clipnorm``. At most one of the three clipping options may be set.""",
    ),
    "lr_schedule": (
        "str, schedule or callable",
        """\
Learning-rate schedule, evaluated at every step (mini-batch). None keeps
the rate constant. "power": ``lr / (1 + t/s)``; "exponential":
``lr * 0.1**(t/s)``; with these strings the rate falls to a tenth by the
end of ``max_iter`` epochs. "piecewise": a tenth of the rate after half and
again after three quarters of ``max_iter`` epochs. "performance": halve the
rate after 5 epochs without improvement of the validation loss (of the
training loss without early stopping). "1cycle": the rate rises from
``lr/10`` to ``lr`` and back over 90% of the steps of ``max_iter`` epochs,
then falls to ``lr/10000``, while the momentum (``beta_1`` of the Adam
family) cycles 0.95 -> 0.85 -> 0.95; it runs all ``max_iter`` epochs,
with or without early stopping (a plateau does not end it mid-cycle;
early stopping then keeps the best validation epoch's weights); set ``learning_rate`` to the peak rate
(e.g. from ``skdnn.find_learning_rate``). ``lr`` is ``learning_rate`` (or
the optimizer's default). For other settings pass an instance:
``PowerDecay``, ``ExponentialDecay``, ``PiecewiseConstant``,
``ReduceLROnPlateau`` or ``OneCycle`` (GridSearchCV reaches their
parameters as ``lr_schedule__decay_steps``), or any callable
``step -> learning rate`` with ``step`` counted from 0. With
``warm_start`` a fit runs a new 1cycle over its ``max_iter`` epochs (the
old one ended at ``lr/10000``); the other schedules continue where the
previous fit stopped (anew from a changed ``learning_rate``), and
``partial_fit`` continues any schedule.""",
    ),
    "batch_size": (
        'int or "auto"',
        """\
Samples per mini-batch; "auto" is a twelfth of the rows trained on
(without the validation rows; in ``partial_fit``, the call's), at least 48
and at most 200 (scikit-learn's MLP takes ``min(200, n_samples)``): a small
table gets about 12 steps an epoch instead of one or two.""",
    ),
    "max_iter": (
        "int",
        """\
Maximum number of epochs.""",
    ),
    "shuffle": (
        "bool",
        """\
Shuffle the samples at every epoch.""",
    ),
    "early_stopping": (
        'bool or "auto"',
        """\
Hold out ``validation_fraction`` of the data (stratified for classifiers),
stop when the validation loss has not improved by ``tol`` for
``n_iter_no_change`` epochs and restore the weights of the best epoch.
Under the 1cycle schedule (the default) training runs the whole cycle and
early stopping only selects the best epoch (RealMLP's best-epoch
selection).
"auto": only when the training set has at least 100 samples, so small data
sets train on all of them. ``DNNRegressor`` defaults to "auto" (with
``validation_fraction=0.2``): a regression network otherwise fits the noise
of small noisy targets (diabetes, median R^2 of 5 splits: 0.17 without it,
0.45 with it, RidgeCV 0.44). ``DNNClassifier`` and ``DNNAutoencoder``
default to off, as scikit-learn's MLP (on digits, early stopping cost
accuracy: see Notes).""",
    ),
    "validation_fraction": (
        "float",
        """\
Share of the training data held out when early stopping is on.""",
    ),
    "n_iter_no_change": (
        "int",
        """\
Epochs without an improvement of at least ``tol`` before training stops
(on the validation loss with early stopping, else on the training loss).
Unused under a 1cycle schedule of ``max_iter`` epochs (the default), which
runs its whole budget.""",
    ),
    "tol": (
        "float",
        """\
Minimum decrease of the monitored loss that counts as an improvement.""",
    ),
    "warm_start": (
        "bool",
        """\
Continue from the weights and optimizer state of the previous fit (see
``lr_schedule`` for what the schedule does). The network is the one the
first fit built: a changed architecture parameter (``hidden_layer_sizes``,
``dropout``, ``ensemble_size``, the input layers) raises a ``ValueError``.""",
    ),
    "transfer_from": (
        "DNNClassifier, DNNRegressor, DNNAutoencoder or None",
        """\
A fitted skdnn estimator whose lower hidden layers start this network
(transfer learning; for an autoencoder, its encoder layers: unsupervised
pretraining). The layers are copied, the source is never modified. X must
have the source's features. By default (``hidden_layer_sizes="auto"``)
only a new output layer goes on the reused layers, the chapter's recipe;
``hidden_layer_sizes`` lists *new* hidden layers to stack in between. The
input and architecture parameters (``input_batch_norm``, ``activation``,
``batch_norm``, ``dropout``, ...) apply to the new layers only. ``clone`` (GridSearchCV, cross_val_score) returns an unfitted
copy of an estimator parameter: pass ``sklearn.frozen.FrozenEstimator(src)``
to keep it fitted.""",
    ),
    "transfer_layers": (
        "int or None",
        """\
How many of the source's lowest hidden layers to reuse (with their
activation, batch norm and dropout layers); None reuses all of them. The
chapter's advice: the more similar the tasks, the more layers to reuse.""",
    ),
    "freeze_epochs": (
        "int or None",
        """\
Epochs during which the reused layers stay frozen (not trained), counted
from the transfer (over warm starts and ``partial_fit`` calls too); after
them every layer trains under a freshly built optimizer (no moments, step
count from 1: the chapter's "unfreeze, then compile again"), the learning-rate
schedule continues, and the stopping criterion gets a fresh
``n_iter_no_change`` patience. The default, 4, is the chapter's recipe
(freeze a few epochs, then fine-tune everything), which in the transfer
claims (docs/claims/transfer.md) did as well as any other reuse and far
better than freezing for good (digits 8 vs 9 from 50 labels: 4.5% test
error against 11.3%). None keeps them frozen for good; 0 never freezes
them. Frozen batch norm runs in inference mode (moving
statistics, not updated), as in Keras. Frozen layers without dropout or
RReLU are computed once per fit and cached (their output for the
``early_stopping`` validation set always is), so frozen epochs only pay for
the new layers.""",
    ),
    "reused_learning_rate_factor": (
        "float in (0, 1]",
        """\
Once unfrozen, the reused layers learn with this fraction of the learning
rate (of the schedule's current rate). The default, 1.0, trains all layers
alike: a lower rate for the reused layers (the chapter's advice, so that
fine-tuning does not wreck their features) measured worse in both transfer
claims (0.1: 0.6-2.3 points more test error, docs/claims/transfer.md and
pretraining.md).""",
    ),
    "random_state": (
        "int, RandomState instance or None",
        """\
Seeds weight initialisation, shuffling, the validation split and random
layers. An int makes fits reproducible.""",
    ),
    "verbose": (
        "int",
        """\
Print one line per epoch (loss, val_loss, val_score, lr, seconds), and at
the end why training stopped early and which epoch's weights early stopping
restored. Any positive value prints the same.""",
    ),
    "diagnostics": (
        "bool",
        """\
Record gradient-flow statistics in ``history_`` once per epoch, on the
epoch's first mini-batch (always a full one), for each hidden layer ``k``: ``grad_rms_k`` (RMS of
the kernel gradient), ``act_mean_k``, ``act_std_k``, ``saturated_k`` (share
of activations with a derivative below 0.01) and ``dead_k`` (share of units
with a zero derivative for the whole batch). Fit warns once
(``skdnn.GradientFlowWarning``) when gradients vanish or explode between the
lowest and the top hidden layer, a layer saturates, or most units of a layer
are dead, and says what to try. Costs one extra pass of reductions per epoch.""",
    ),
    "dtype": (
        '{"float32", "float64"}',
        """\
Precision of the weights and of all computation. float32 halves memory and
is faster; float64 is there for checks and ill-conditioned problems.""",
    ),
}

ATTRIBUTES = """\
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Feature names seen during fit, when X had string column names.
n_iter_ : int
    Number of epochs run (accumulates over warm starts).
n_steps_ : int
    Number of optimizer steps (mini-batches) run (accumulates over warm starts).
t_ : int
    Number of training samples seen, as in scikit-learn's MLP.
n_transferred_layers_ : int
    Hidden layers reused from ``transfer_from`` (0 without it); they are the
    lowest layers of ``network_``.
loss_ : float
    Training loss of the last epoch.
best_loss_ : float
    Lowest monitored loss: the validation loss with early stopping, else the
    training loss (over all epochs in ``history_``).
loss_curve_ : list of float
    Training loss of each epoch.
validation_scores_ : list of float or None
    Validation score of each epoch with early stopping, else None.
best_validation_score_ : float or None
    Best of ``validation_scores_``.
history_ : dict of list
    Per-epoch records: "loss", "lr" (the rate of the epoch's last step),
    "time" (seconds) and, with early stopping, "val_loss" and "val_score".
    With ``ensemble_size > 1``, "loss" and "val_loss" are the mean of the
    members' losses (what training minimises and early stopping selects
    on), "val_score" the averaged prediction's score.
    ``pandas.DataFrame(est.history_)`` gives a table ready to plot.
coefs_ : list of ndarray
    Kernel of each Dense layer, shape ``(n_in, n_out)`` as in MLPClassifier.
intercepts_ : list of ndarray
    Bias of each Dense layer. With ``batch_norm="before"`` the hidden Dense
    layers have no bias (batch norm's ``beta`` plays its part): their entries
    are zeros. The bias that prediction applies, with batch norm folded in,
    is ``beta - moving_mean * gamma / sqrt(moving_variance + epsilon)``
    (``skdnn.nn.fold_batch_norm(est.network_)`` gives the folded network).
bn_gamma_, bn_beta_ : list of ndarray
    Learned scale and shift of each batch-normalization layer, bottom-up (the
    input layer's first with ``input_batch_norm``); empty without batch norm.
bn_moving_mean_, bn_moving_variance_ : list of ndarray
    Moving statistics of the same layers, which prediction uses.
network_ : skdnn.nn.Sequential
    The fitted network (layers, flat parameter vector ``theta``).
optimizer_ : skdnn.nn.optimizers.Optimizer
    The optimizer with its state, used again by ``warm_start``.
lr_schedule_ : LearningRateSchedule or None
    The schedule with the values derived from the fit (attributes ending in
    ``_``, e.g. ``decay_steps_``), or None without ``lr_schedule``.
loss_function_ : skdnn.nn.losses.Loss
    Output activation fused with the training loss, with the parameters it
    trains with (for a regressor, those of the scaled targets: e.g.
    ``Huber(delta=huber_delta / scale)``).
n_layers_ : int
    Number of layers, as scikit-learn's MLP counts them: the input, the hidden
    layers (reused ones included) and the output.
n_outputs_ : int
    Number of outputs of the network.
out_activation_ : str
    The output activation, as scikit-learn's MLP names it: "softmax",
    "logistic", "identity" or "exp" (the Poisson loss's log link).
"""

NOTES = """\
Training minimises the sample-weighted mean loss of each mini-batch; the output
activation is fused with the loss, so the output delta is simple: ``prediction -
target`` for cross-entropy, squared error and Poisson deviance.
When the training or validation loss becomes NaN or infinite, fit raises
``skdnn.DivergenceError`` naming the epoch, and keeps the weights from before
that epoch: the estimator is fitted and predicts.
Ctrl-C (KeyboardInterrupt) during fit lets the current mini-batch finish, then
stops training: fit returns with a ``TrainingInterruptedWarning`` naming the
epoch, keeping the best validation epoch's weights with early stopping and the
current ones otherwise; ``warm_start=True`` continues from there.

The defaults were chosen on 16 real tables (``benchmarks/tabular.py``, results
and protocol in docs/claims/tabular.md, every configuration compared in
docs/tabular.md): each estimator scales its own inputs (robust scaling with
smooth clipping), embeds its numeric inputs periodically and trains under
1cycle for a fixed budget (the classifier 40 epochs, the regressor 60); the
classifier has two ELU layers of 256 and 128 units with He initialisation,
dropout 0.2 and label smoothing 0.1; the regressor two ReLU layers of 100 and
keeps its best validation epoch. He and LeCun
initialisation matter for deep networks, where they keep gradients from
vanishing: ``kernel_initializer="auto"`` pairs each activation with its own.
"""


def _format_default(value):
    return f'"{value}"' if isinstance(value, str) else repr(value)


def render_parameters(params, extra=None):
    """The numpydoc Parameters entries of ``params``, in their order.

    Parameters
    ----------
    params : sequence of (str, object)
        Parameter names and defaults, as the estimator's signature has them.
    extra : dict, optional
        Descriptions of estimator-specific parameters, as in ``PARAMETERS``.

    Returns
    -------
    str
    """
    table = {**PARAMETERS, **(extra or {})}
    lines = []
    for name, default in params:
        kind, text = table[name]
        lines.append(f"{name} : {kind}, default={_format_default(default)}")
        lines.extend(f"    {line}" if line else "" for line in text.splitlines())
    return "\n".join(lines)


def with_docs(cls):
    """Put the sections of ``cls``'s docstring in place of its ``{sections}``.

    Parameters (from the parameter table, in signature order), Attributes (the
    class's own ``_attribute_docs`` first), See Also and Notes.
    """
    sections = [
        ("Parameters", render_parameters(cls._init_params(), cls._param_docs)),
        ("Attributes", cls._attribute_docs + ATTRIBUTES),
        ("See Also", cls._see_also),
        ("Notes", NOTES),
    ]
    text = "\n\n".join(
        f"{title}\n{'-' * len(title)}\n{body.strip()}" for title, body in sections
    )
    cls.__doc__ = cls.__doc__.replace("{sections}", _indent(text))
    return cls


def _indent(text):
    # The placeholder itself sits at the docstring's indentation; indent the rest.
    lines = text.rstrip("\n").splitlines()
    return "\n".join(
        [lines[0]] + ["    " + line if line else line for line in lines[1:]]
    )


#: Method docstring pieces shared by the estimators, filled in by ``fill_doc``.
SECTIONS = {
    "fit_parameters": """\
Parameters
----------
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Training data. Sparse X (scipy CSR or CSC) is never densified as a whole:
    each mini-batch is a sparse product in the first layer, or densified on
    its own (see docs/sparse.md).
y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    Targets: class labels (or a binary indicator matrix for multilabel
    targets) for a classifier, values for a regressor.
sample_weight : array-like of shape (n_samples,), default=None
    Non-negative weights; each batch loss is their weighted mean.""",
    "unsupervised_fit_parameters": """\
Parameters
----------
X : array-like of shape (n_samples, n_features)
    Training data (standardised features work best). Dense: X is also the
    reconstruction target (sparse X raises a TypeError; ``transform`` takes
    it).
y : None
    Ignored.
sample_weight : array-like of shape (n_samples,), default=None
    Non-negative weights; each batch's reconstruction loss is their weighted
    mean.""",
    "X": """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Input data; sparse X is predicted block by block.""",
    "mc_samples": """\
mc_samples : int, default=None
    Monte Carlo dropout (Gal & Ghahramani 2016): average ``mc_samples``
    forward passes with dropout on (batch norm in inference mode). Needs a
    model fitted with ``dropout`` or ``input_dropout``. Each row's dropout
    masks are drawn from the row itself and a seed set at fit time, so a row
    gets the same estimate alone, in any batch and in any order, and repeated
    calls agree. None: one deterministic pass.""",
}


SECTIONS["predict_parameters"] = "\n".join(
    ["Parameters", "----------", SECTIONS["X"], SECTIONS["mc_samples"]]
)


def fill_doc(func):
    """Replace each ``{name}`` line of ``func``'s docstring by ``SECTIONS[name]``."""
    lines = []
    for line in func.__doc__.splitlines():
        name = line.strip()
        if name.startswith("{") and name.endswith("}") and name[1:-1] in SECTIONS:
            indent = line[: len(line) - len(line.lstrip())]
            lines += [
                indent + text if text else text
                for text in SECTIONS[name[1:-1]].splitlines()
            ]
        else:
            lines.append(line)
    func.__doc__ = "\n".join(lines)
    return func
