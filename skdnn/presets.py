"""Named presets: the chapter's default configurations in one line.

Chapter 11 of Géron's *Hands-On Machine Learning* ends with two tables of default
configurations: Table 11-3 for a general deep network and Table 11-4 for a
self-normalizing one. Each function here returns those choices as a plain ``dict``
of ``DNNClassifier`` / ``DNNRegressor`` parameters:

>>> from skdnn import DNNClassifier, presets
>>> clf = DNNClassifier(**presets.general())
>>> clf.get_params()["activation"]
'elu'

A preset is only a starting point: the dict can be updated before use
(``DNNClassifier(**{**presets.general(), "max_iter": 50})``) or overridden with
``set_params``. Since the estimator receives ordinary parameters, ``clone``,
``GridSearchCV`` and persistence see nothing special; :func:`param_grid` turns
presets into a grid that compares them. For ``DNNAutoencoder``, which has no
input layers, pass ``estimator=DNNAutoencoder`` (``presets.general((100, 30),
estimator=DNNAutoencoder)``):

>>> from sklearn.model_selection import GridSearchCV
>>> grid = presets.param_grid("general", "self_normalizing")
>>> len(grid), grid[1]["activation"]
(2, ['selu'])
>>> search = GridSearchCV(DNNClassifier(), grid, cv=3)

Every value is justified in the docstring of its preset, and was measured on the
digits data (see ``docs/claims/presets.md``, written by
``benchmarks/claims_presets.py``).

**The chapter's presets are for classification.** ``DNNRegressor`` accepts them,
but its own defaults do better on regression: median R² over 5 splits on diabetes
and ``make_friedman1`` (1,000 samples), with a ``StandardScaler``: defaults 0.415
and 0.992, ``general()`` 0.434 and 0.965, ``self_normalizing()`` 0.320 and 0.919
(with 0.2.0's alpha dropout of 0.3 on (256, 128) at a peak rate of 0.01: -0.83
and -0.58). ``tabular()`` suits both estimators.
Alpha dropout scales the mean of a layer's output by ``a * (1 - rate)`` during
training only (0.83 at rate 0.1, 0.60 at 0.3) unless that mean is exactly zero,
so the linear output of a regressor learns on features that are larger at
prediction time: the predictions are biased. A classifier's ``argmax`` hides much
of that shift.
"""

from numbers import Integral

import numpy as np

__all__ = [
    "DEEP_THRESHOLD",
    "available",
    "general",
    "get",
    "param_grid",
    "self_normalizing",
    "tabular",
]

#: Networks with at least this many hidden layers count as "deep" (Table 11-3:
#: batch normalization "if deep"). The chapter gives no number; five is where its
#: own examples stop calling a network shallow (model A has five hidden layers).
DEEP_THRESHOLD = 5


def _hidden(hidden_layer_sizes):
    if isinstance(hidden_layer_sizes, Integral):
        return (int(hidden_layer_sizes),)
    sizes = tuple(int(s) for s in hidden_layer_sizes)
    if not sizes or min(sizes) < 1:
        raise ValueError(
            "hidden_layer_sizes must list at least one positive layer size, got "
            f"{hidden_layer_sizes!r}."
        )
    return sizes


def _dropout_type(rate, kind):
    """``kind`` when there is dropout; else the default, which no fit warns about."""
    return kind if rate else "auto"


def _one_cycle(learning_rate, batch_size, max_iter):
    """Both tables' training: Nadam under 1cycle over a fixed budget of epochs."""
    return {
        "optimizer": "nadam",
        "learning_rate": learning_rate,
        "lr_schedule": "1cycle",
        "batch_size": batch_size,
        "max_iter": max_iter,
        "early_stopping": False,
    }


def _for_estimator(params, estimator, preset):
    """``params`` without the switches ``estimator`` has no parameter for.

    The chapter's presets turn the numeric embedding off; an estimator without
    input layers (``DNNAutoencoder``) reads its inputs as given anyway, so leaving
    that switch out is the same network. A preset that asks for an input layer
    the estimator lacks is refused rather than silently changed.
    """
    if estimator is None:
        return params
    instance = estimator() if isinstance(estimator, type) else estimator
    names = instance.get_params(deep=False)
    lacking = {k: v for k, v in params.items() if k not in names}
    asked = sorted(k for k, v in lacking.items() if v not in (None, False))
    if asked:
        raise ValueError(
            f"presets.{preset}() sets {', '.join(asked)}, which "
            f"{type(instance).__name__} does not have: it reads X as given. "
            "Scale X first (StandardScaler) and use presets.general() or "
            "presets.self_normalizing() with this estimator."
        )
    return {k: v for k, v in params.items() if k in names}


def _regularization(regularization, rate, l2):
    if regularization == "dropout":
        return {"dropout": rate, "l2": 0.0}
    if regularization == "l2":
        return {"dropout": 0.0, "l2": l2}
    if regularization is None:
        return {"dropout": 0.0, "l2": 0.0}
    raise ValueError(
        f"regularization must be 'dropout', 'l2' or None, got {regularization!r}."
    )


def general(
    hidden_layer_sizes=(256, 128),
    *,
    regularization="dropout",
    dropout=0.4,
    l2=1e-4,
    batch_norm="auto",
    learning_rate=0.007,
    batch_size=100,
    max_iter=60,
    estimator=None,
):
    """Table 11-3: the chapter's default configuration for a deep network.

    Each row of the table, and the parameter that follows it:

    - kernel initializer: He → ``kernel_initializer="he_normal"``;
    - activation function: ELU → ``activation="elu"``;
    - normalization: none if shallow, batch norm if deep →
      ``batch_norm="before"`` from :data:`DEEP_THRESHOLD` hidden layers on;
    - regularization: early stopping, ℓ2 if needed → ``dropout`` (default) or
      ``l2``, with a fixed 1cycle budget in place of early stopping (below);
    - optimizer: momentum, RMSProp or Nadam → ``optimizer="nadam"``;
    - learning-rate schedule: 1cycle → ``lr_schedule="1cycle"``.

    Standardize the inputs (``StandardScaler`` in a ``Pipeline``), as the chapter
    does for every network. 1cycle runs over a fixed budget of ``max_iter``
    epochs, so training stops on the budget, not on early stopping (Table 11-3's
    "early stopping"): the rate ends four orders of magnitude below its peak, so
    the last epochs hardly move the weights, and no data are held out, which
    matters on small data sets. Set ``early_stopping=True`` on the estimator to
    hold out a validation set anyway: the whole cycle still runs, and the best
    validation epoch's weights are kept (best-epoch selection; no plateau ends a
    1cycle fit before its budget).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Units per hidden layer. Two layers of 256 and 128 units measured best on
        the digits data, against two of 100 (see Notes).
    regularization : {"dropout", "l2"} or None, default="dropout"
        Table 11-3's "ℓ2 regularization if needed"; dropout is the chapter's other
        main regularizer and measured better on the digits data.
    dropout : float, default=0.4
        Dropout rate after each hidden layer when ``regularization="dropout"``;
        0.4 measured best among 0.2-0.5 on the digits data (see Notes).
    l2 : float, default=1e-4
        l2 penalty on the kernels when ``regularization="l2"``.
    batch_norm : {"auto", "before", "after"} or None, default="auto"
        "auto": batch normalization before each activation when the network has
        at least :data:`DEEP_THRESHOLD` hidden layers ("if deep"), none otherwise.
    learning_rate : float, default=0.007
        Peak rate of the 1cycle schedule (Nadam); about ten times Nadam's default
        rate, as 1cycle's peak should be (``skdnn.find_learning_rate`` finds one
        for other data). 0.007 with ``batch_size=100`` was chosen on the digits
        data (validation; see ``docs/claims/presets.md``).
    batch_size : int or "auto", default=100
        Samples per mini-batch ("auto": the estimator's twelfth of the
        training rows, from 48 to 200). 100, with the peak rate 0.007, was chosen on
        validation over "auto" with 0.01.
    max_iter : int, default=60
        Epochs, the length of the 1cycle schedule.
    estimator : estimator class or instance, default=None
        The estimator the parameters are for. None: ``DNNClassifier`` or
        ``DNNRegressor``, which take them all; ``DNNAutoencoder``: the
        parameters without the numeric-embedding switch (it has no input
        layers and reads X as given, so the network is the same).

    Returns
    -------
    params : dict
        Parameters for ``DNNClassifier`` (for ``DNNRegressor``, see the module's
        note on regression), or for ``estimator``.

    See Also
    --------
    self_normalizing : Table 11-4, the self-normalizing variant.

    Examples
    --------
    >>> from skdnn import DNNClassifier, presets
    >>> params = presets.general((100,) * 20)
    >>> params["batch_norm"], params["kernel_initializer"]
    ('before', 'he_normal')
    >>> clf = DNNClassifier(**params)
    """
    hidden = _hidden(hidden_layer_sizes)
    if batch_norm == "auto":
        batch_norm = "before" if len(hidden) >= DEEP_THRESHOLD else None
    regularizers = _regularization(regularization, dropout, l2)
    params = {
        "hidden_layer_sizes": hidden,
        "activation": "elu",
        "kernel_initializer": "he_normal",
        # the chapter's network reads its inputs as given (standardised), without
        # the estimators' default periodic embeddings (tabular() has them)
        "numeric_embedding": None,
        "batch_norm": batch_norm,
        **regularizers,
        "dropout_type": _dropout_type(regularizers["dropout"], "standard"),
        **_one_cycle(learning_rate, batch_size, max_iter),
    }
    return _for_estimator(params, estimator, "general")


def self_normalizing(
    hidden_layer_sizes=(100, 100),
    *,
    alpha_dropout=0.1,
    learning_rate=0.007,
    batch_size=100,
    max_iter=60,
    estimator=None,
):
    """Table 11-4: the chapter's configuration for a self-normalizing network.

    Each row of the table, and the parameter that follows it:

    - kernel initializer: LeCun initialization →
      ``kernel_initializer="lecun_normal"``;
    - activation function: SELU → ``activation="selu"``;
    - normalization: none (self-normalization) → ``batch_norm=None``;
    - regularization: alpha dropout if needed → ``dropout`` with
      ``dropout_type="alpha"``;
    - optimizer: momentum, RMSProp or Nadam → ``optimizer="nadam"``;
    - learning-rate schedule: 1cycle → ``lr_schedule="1cycle"``.

    Self-normalization (Klambauer et al. 2017) needs standardized inputs (mean 0,
    standard deviation 1: put a ``StandardScaler`` before the network), a plain
    stack of dense layers, LeCun normal initialization, and no other
    regularization than alpha dropout, which keeps the mean and variance that
    SELU preserves. The chapter advises alpha dropout only "if needed"; on the
    digits data a rate of 0.1 on two layers of 100 units, with a peak rate of
    0.007 and batches of 100, was chosen on validation, in an exact tie with 0.3
    on (256, 128) at 0.01 and batches of 200 (the grid's first listed candidate
    wins ties; see ``docs/claims/presets.md``). As in :func:`general`, 1cycle
    runs the whole budget of ``max_iter`` epochs.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100, 100)
        Units per hidden layer.
    alpha_dropout : float, default=0.1
        Alpha-dropout rate after each hidden layer; 0 for none. On the digits
        data 0.1, 0.2 and 0.3 measured alike on two hidden layers (see above);
        deep networks need less (0.05 on 20 layers, where 0.1 already hurt).
    learning_rate : float, default=0.007
        Peak rate of the 1cycle schedule (Nadam).
    batch_size : int or "auto", default=100
        Samples per mini-batch ("auto": the estimator's twelfth of the
        training rows, from 48 to 200).
    max_iter : int, default=60
        Epochs, the length of the 1cycle schedule.
    estimator : estimator class or instance, default=None
        The estimator the parameters are for. None: ``DNNClassifier`` or
        ``DNNRegressor``, which take them all; ``DNNAutoencoder``: the
        parameters without the numeric-embedding switch (it has no input
        layers and reads X as given, so the network is the same).

    Returns
    -------
    params : dict
        Parameters for ``DNNClassifier`` (for ``DNNRegressor``, see the module's
        note on regression), or for ``estimator``.

    See Also
    --------
    general : Table 11-3, the general deep network.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdnn import DNNClassifier, presets
    >>> model = make_pipeline(
    ...     StandardScaler(), DNNClassifier(**presets.self_normalizing())
    ... )
    """
    params = {
        "hidden_layer_sizes": _hidden(hidden_layer_sizes),
        "activation": "selu",
        "kernel_initializer": "lecun_normal",
        # the chapter's network reads its inputs as given (standardised), without
        # the estimators' default periodic embeddings (tabular() has them)
        "numeric_embedding": None,
        "batch_norm": None,
        "dropout": alpha_dropout,
        "dropout_type": _dropout_type(alpha_dropout, "alpha"),
        "l2": 0.0,
        **_one_cycle(learning_rate, batch_size, max_iter),
    }
    return _for_estimator(params, estimator, "self_normalizing")


def tabular(
    *, embedding_frequencies=None, feature_scale=None, max_iter=60, estimator=None
):
    """The estimator's defaults with RealMLP's numeric embeddings and a longer budget.

    On top of each estimator's own defaults (robust input scaling with smooth
    clipping, periodic numeric embeddings; for ``DNNClassifier`` ELU, dropout 0.2,
    label smoothing 0.1, Nadam under 1cycle; for ``DNNRegressor`` a learned scale
    per input and the best validation epoch of a 1cycle budget), this preset
    asks for the periodic embeddings explicitly (so that they are used on every
    dense input, Holzmüller et al. 2024) and, for ``DNNClassifier``, trains 60
    epochs instead of 40: half again the default's time, for the lowest error
    measured on the tabular benchmark (``docs/claims/tabular.md``). For
    ``DNNRegressor`` it is its defaults.

    The embeddings help most on data whose targets depend sharply or
    periodically on a few numeric columns (on the tabular benchmark: phoneme,
    satimage, concrete); they cost a pass of ``cos`` over
    ``embedding_frequencies`` values per numeric column and sample, which on
    data with many numeric columns is most of a fit's time.

    Parameters
    ----------
    embedding_frequencies : int or None, default=None
        Periodic features per numeric column. None: the estimator's default
        (8 for ``DNNClassifier``, 16 for ``DNNRegressor``, RealMLP's value).
    feature_scale : bool or None, default=None
        The learned per-input scale (RealMLP's front scale). None: the
        estimator's default (on for ``DNNRegressor``, off for ``DNNClassifier``).
    max_iter : int, default=60
        Epochs, the length of the estimators' default 1cycle schedule.
    estimator : estimator class or instance, default=None
        The estimator the parameters are for. ``DNNAutoencoder`` is refused:
        it has none of the input layers this preset sets.

    Returns
    -------
    params : dict
        Parameters for ``DNNClassifier`` or ``DNNRegressor``.

    See Also
    --------
    general : Table 11-3, the chapter's default configuration.

    Examples
    --------
    >>> from skdnn import DNNClassifier, presets
    >>> presets.tabular()["numeric_embedding"]
    'periodic'
    >>> clf = DNNClassifier(**presets.tabular())
    """
    params = {
        "input_scaling": "robust",
        "numeric_embedding": "periodic",
        "max_iter": max_iter,
    }
    # None: the estimator's own default, which differs between the two
    if embedding_frequencies is not None:
        params["embedding_frequencies"] = embedding_frequencies
    if feature_scale is not None:
        params["feature_scale"] = feature_scale
    return _for_estimator(params, estimator, "tabular")


_PRESETS = {
    "general": general,
    "self_normalizing": self_normalizing,
    "tabular": tabular,
}


def available():
    """Names of the presets, for :func:`get` and :func:`param_grid`.

    Returns
    -------
    names : list of str
        Sorted preset names.
    """
    return sorted(_PRESETS)


def get(name, **options):
    """The parameters of the preset called ``name``.

    Parameters
    ----------
    name : str
        One of :func:`available`.
    **options
        Keyword arguments of that preset's function (e.g.
        ``hidden_layer_sizes``, ``estimator``).

    Returns
    -------
    params : dict
        Parameters for ``DNNClassifier`` (for ``DNNRegressor``, see the module's
        note on regression).
    """
    try:
        factory = _PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown preset {name!r}. Valid presets are: "
            + ", ".join(repr(n) for n in available())
            + "."
        ) from None
    return factory(**options)


def param_grid(*presets, estimator=None, **overrides):
    """A ``GridSearchCV`` parameter grid with one point per preset.

    Parameters
    ----------
    *presets : str or dict
        Preset names (see :func:`available`) or parameter dicts (e.g. from
        :func:`general` with options). Default: every preset that applies to
        ``estimator`` (for ``DNNAutoencoder``, all but :func:`tabular`).
    estimator : estimator class or instance, default=None
        The estimator the grid is for, whose defaults fill the parameters a
        preset does not set (``DNNRegressor`` for a regression search). None:
        ``DNNClassifier``.
    **overrides
        Values added to every point of the grid: a list, range or 1-D array
        searches its values (``learning_rate=[0.001, 0.003]`` or
        ``np.logspace(-3, -2, 3)``: peak rates per preset); any other value (a
        number, a string, a tuple) is one value.

    Returns
    -------
    grid : list of dict
        ``param_grid`` for ``GridSearchCV``: each preset's values wrapped in
        one-element lists. Parameters that one preset sets and another does not
        are reset to the estimator's default in the others, so the points do not
        leak settings into each other.

    Examples
    --------
    >>> from skdnn import presets
    >>> grid = presets.param_grid("general", learning_rate=[0.001, 0.003])
    >>> grid[0]["learning_rate"], grid[0]["lr_schedule"]
    ([0.001, 0.003], ['1cycle'])
    """
    from ._estimators import DNNClassifier

    if estimator is None:
        estimator = DNNClassifier
    dicts = []
    for preset in presets or available():
        if not isinstance(preset, str):
            dicts.append(dict(preset))
            continue
        try:
            dicts.append(get(preset, estimator=estimator))
        except ValueError:
            if presets:  # named, so wanted: say why it does not apply
                raise
    keys = set().union(*dicts)
    defaults = (estimator() if isinstance(estimator, type) else estimator).get_params()
    grid = []
    for params in dicts:
        point = {k: [params.get(k, defaults[k])] for k in sorted(keys)}
        for k, values in overrides.items():
            searched = isinstance(values, (list, range)) or (
                isinstance(values, np.ndarray) and values.ndim == 1
            )
            point[k] = list(values) if searched else [values]
        grid.append(point)
    return grid
