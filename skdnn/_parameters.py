"""The estimators' parameters: defaults, constraints, ``__init__``, and what each does.

One table (``COMMON``, plus each estimator's own) gives every parameter's name and
default in signature order; each estimator writes its ``__init__`` out (it only
stores the parameters, as scikit-learn requires), the docstrings render their
defaults from the table, and ``tests/test_signatures.py`` checks that signature,
table, constraints and docstring agree.
Names from the technique registries are accepted in any case (``"Adam"``).
"""

import inspect
import math
from numbers import Integral, Real

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
)

from ._transfer import unwrap
from .nn._registry import suggestion
from .nn.activations import ACTIVATIONS
from .nn.initializers import INITIALIZERS
from .nn.optimizers import OPTIMIZERS, RANGES
from .nn.schedules import SCHEDULES, LearningRateSchedule, OneCycle

#: Every estimator's parameters and defaults, in signature order.
COMMON = (
    ("hidden_layer_sizes", "auto"),
    ("activation", "relu"),
    ("kernel_initializer", "glorot_uniform"),
    ("batch_norm", None),
    ("batch_norm_momentum", 0.99),
    ("batch_norm_epsilon", 1e-3),
    ("input_batch_norm", False),
    ("categorical_features", "from_dtype"),
    ("missing_values", "error"),
    ("max_one_hot_categories", 16),
    ("category_embedding_size", 8),
    ("min_category_frequency", 10),
    ("input_scaling", None),
    ("numeric_embedding", None),
    ("embedding_frequencies", 16),
    ("embedding_size", 3),
    ("embedding_sigma", 0.1),
    ("feature_scale", False),
    ("ensemble_size", 1),
    ("dropout", 0.0),
    ("input_dropout", 0.0),
    ("dropout_type", "auto"),
    ("l1", 0.0),
    ("l2", 0.0),
    ("max_norm", None),
    ("optimizer", "nadam"),
    ("learning_rate", None),
    ("momentum", None),
    ("nesterov", False),
    ("beta_1", None),
    ("beta_2", None),
    ("epsilon", None),
    ("rho", None),
    ("weight_decay", None),
    ("clipvalue", None),
    ("clipnorm", None),
    ("global_clipnorm", None),
    ("lr_schedule", None),
    ("batch_size", "auto"),
    ("max_iter", 200),
    ("shuffle", True),
    ("early_stopping", False),
    ("validation_fraction", 0.1),
    ("n_iter_no_change", 10),
    ("tol", 1e-4),
    ("warm_start", False),
    ("transfer_from", None),
    ("transfer_layers", None),
    ("freeze_epochs", 4),
    ("reused_learning_rate_factor", 1.0),
    ("random_state", None),
    ("verbose", 0),
    ("diagnostics", True),
    ("dtype", "float32"),
)

#: The numeric input layers fitted to the training data.
NUMERIC_INPUTS = (
    "input_scaling",
    "numeric_embedding",
    "embedding_frequencies",
    "embedding_size",
    "embedding_sigma",
    "feature_scale",
)
#: Parameters of the input layers fitted to the training data (not for the
#: autoencoder, which reconstructs X as given).
INPUT_LAYERS = (
    "categorical_features",
    "missing_values",
    "max_one_hot_categories",
    "category_embedding_size",
    "min_category_frequency",
    *NUMERIC_INPUTS,
    "ensemble_size",
)


def with_defaults(params, **defaults):
    """``params`` (name, default) pairs with some defaults replaced, same order."""
    unknown = set(defaults) - {name for name, _ in params}
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}")
    return tuple((name, defaults.get(name, default)) for name, default in params)


#: Estimator parameters that an optimizer given by name receives.
OPTIMIZER_KNOBS = (
    "learning_rate",
    "momentum",
    "nesterov",
    "beta_1",
    "beta_2",
    "epsilon",
    "rho",
    "weight_decay",
)
CLIP_KNOBS = ("clipvalue", "clipnorm", "global_clipnorm")


class Names(StrOptions):
    """``StrOptions`` that accepts the names in any case, as the registries do."""

    def is_satisfied_by(self, val):
        return isinstance(val, str) and val.lower() in self.options

    def __str__(self):
        return f"{super().__str__()} (in any case)"


_POSITIVE_OR_NONE = [Interval(Real, 0, None, closed="neither"), None]
_CLOSED = {
    (True, True): "both",
    (True, False): "left",
    (False, True): "right",
    (False, False): "neither",
}


def _optimizer_knob(name):
    """The optimizer's own range for ``name`` (``RANGES``), or None: its default."""
    low, low_in, high, high_in = RANGES[name]
    high = None if math.isinf(high) else high
    return [Interval(Real, low, high, closed=_CLOSED[low_in, high_in]), None]


CONSTRAINTS = {
    "hidden_layer_sizes": [
        "array-like",
        Interval(Integral, 1, None, closed="left"),
        StrOptions({"auto"}),
    ],
    "activation": [Names(set(ACTIVATIONS.names()))],
    "kernel_initializer": [Names(set(INITIALIZERS.names()) | {"auto"}), callable],
    "batch_norm": [Names({"before", "after"}), None],
    "batch_norm_momentum": [Interval(Real, 0, 1, closed="both")],
    "batch_norm_epsilon": [Interval(Real, 0, None, closed="neither")],
    "input_batch_norm": ["boolean"],
    "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
    "missing_values": [StrOptions({"error", "impute"})],
    "max_one_hot_categories": [Interval(Integral, 0, None, closed="left")],
    "category_embedding_size": [Interval(Integral, 1, None, closed="left")],
    "min_category_frequency": [Interval(Integral, 1, None, closed="left")],
    "input_scaling": [Names({"auto", "standard", "robust", "quantile"}), None],
    "numeric_embedding": [Names({"auto", "periodic"}), None],
    "embedding_frequencies": [Interval(Integral, 1, None, closed="left")],
    "embedding_size": [Interval(Integral, 1, None, closed="left")],
    "embedding_sigma": [Interval(Real, 0, None, closed="neither")],
    "feature_scale": ["boolean", StrOptions({"auto"})],
    "ensemble_size": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "input_dropout": [Interval(Real, 0, 1, closed="left")],
    "dropout_type": [Names({"standard", "alpha", "auto"})],
    "l1": [Interval(Real, 0, None, closed="left")],
    "l2": [Interval(Real, 0, None, closed="left")],
    "max_norm": _POSITIVE_OR_NONE,
    "optimizer": [
        Names(set(OPTIMIZERS.names())),
        HasMethods(["build", "step", "get_params"]),
    ],
    "learning_rate": _optimizer_knob("learning_rate"),
    "momentum": _optimizer_knob("momentum"),
    "nesterov": ["boolean"],
    "beta_1": _optimizer_knob("beta_1"),
    "beta_2": _optimizer_knob("beta_2"),
    "epsilon": _optimizer_knob("epsilon"),
    "rho": _optimizer_knob("rho"),
    "weight_decay": _optimizer_knob("weight_decay"),
    "clipvalue": _optimizer_knob("clipvalue"),
    "clipnorm": _optimizer_knob("clipnorm"),
    "global_clipnorm": _optimizer_knob("global_clipnorm"),
    "lr_schedule": [Names(set(SCHEDULES.names())), callable, None],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "early_stopping": ["boolean", StrOptions({"auto"})],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "warm_start": ["boolean"],
    "transfer_from": [HasMethods(["fit", "get_params"]), None],
    "transfer_layers": [Interval(Integral, 0, None, closed="left"), None],
    "freeze_epochs": [Interval(Integral, 0, None, closed="left"), None],
    "reused_learning_rate_factor": [Interval(Real, 0, 1, closed="right")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "diagnostics": ["boolean"],
    "dtype": [Names({"float32", "float64"})],
}


def check_names(estimator):
    """Reject an unknown technique name with the closest valid one suggested.

    scikit-learn's own validation (which runs next) lists the valid names; this
    adds "did you mean" for a misspelled one.
    """
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name, None)
        if isinstance(value, type):  # Nadam for Nadam(): a class is callable too
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} got the "
                f"class {value.__name__}; pass an instance, {value.__name__}(), or "
                "a name."
            )
        names = [c for c in constraints if isinstance(c, StrOptions)]
        if not isinstance(value, str) or not names:
            continue
        if any(c.is_satisfied_by(value) for c in names):
            continue
        options = sorted(set().union(*(c.options for c in names)))
        hint = suggestion(value, options)
        if hint:
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} got "
                f"{value!r}.{hint} Valid values are: "
                + ", ".join(repr(o) for o in options)
                + "."
            )


#: The input layers' parameters, which transfer learning takes from the source.
_TRANSFERRED_INPUTS = (*NUMERIC_INPUTS, "input_batch_norm", "input_dropout")


def ineffective_parameters(estimator, n_new_hidden):
    """Parameters set to a value that does nothing in this configuration.

    Parameters
    ----------
    estimator : _BaseDNN
        The estimator about to be fitted (parameters validated).
    n_new_hidden : int
        Number of hidden layers the fit builds (not reused from ``transfer_from``).

    Returns
    -------
    dict of str to str
        Parameter name -> why it has no effect, in signature order.
    """
    defaults = dict(estimator._init_params())
    why = dict(_optimizer_notes(estimator, defaults))

    def changed(name):
        """Set to something other than its default and other than "off"."""
        if name not in defaults:  # not a parameter of this estimator
            return False
        value = getattr(estimator, name)
        # None, False and 0 switch a technique off: no effect to warn about
        off = value is None or value is False or (_is_number(value) and value == 0)
        return not off and value != defaults[name]

    why.update(_transfer_notes(estimator, defaults, changed))
    why.update(_schedule_notes(estimator, changed))
    if estimator.batch_norm is None and not estimator.input_batch_norm:
        for name in ("batch_norm_momentum", "batch_norm_epsilon"):
            if changed(name):
                why[name] = "no batch normalization: batch_norm=None"
    if changed("dropout_type") and not (estimator.dropout or estimator.input_dropout):
        why["dropout_type"] = "dropout=0 and input_dropout=0"
    if getattr(estimator, "numeric_embedding", None) is None:
        for name in ("embedding_frequencies", "embedding_size", "embedding_sigma"):
            if changed(name):
                why[name] = "numeric_embedding=None"
    if getattr(estimator, "categorical_features", None) is None:
        for name in (
            "max_one_hot_categories",
            "category_embedding_size",
            "min_category_frequency",
        ):
            if changed(name):
                why[name] = "categorical_features=None"
    if changed("huber_delta") and estimator.loss.lower() != "huber":
        why["huber_delta"] = 'used only with loss="huber"'
    if changed("validation_fraction") and estimator.early_stopping is False:
        why["validation_fraction"] = "used only with early_stopping=True"
    if getattr(estimator, "pretraining", None) == "greedy" and changed(
        "early_stopping"
    ):
        why["early_stopping"] = "greedy stages train without a validation set"
    if n_new_hidden == 0:
        for name in ("activation", "batch_norm", "dropout", "dropout_type"):
            if changed(name):
                why.setdefault(name, "no new hidden layer to apply it to")
        if changed("kernel_initializer") and isinstance(
            estimator.kernel_initializer, str
        ):
            why["kernel_initializer"] = (
                "no new hidden layer; the output layer is Glorot-uniform"
            )
    return {name: why[name] for name in defaults if name in why}


def _transfer_notes(estimator, defaults, changed):
    """``(name, why)`` of the transfer parameters that do nothing here."""
    if estimator.transfer_from is None:
        for name in ("transfer_layers", "freeze_epochs", "reused_learning_rate_factor"):
            if changed(name):
                yield name, "used only with transfer_from"
        return
    # the reused first block brings the source's input layers (a network built
    # on top gets none of its own): a value set unlike the source's is ignored
    source = unwrap(estimator.transfer_from)
    for name in _TRANSFERRED_INPUTS:
        value = getattr(estimator, name, None)
        if name in defaults and value != defaults[name]:
            if value != getattr(source, name, defaults[name]):
                yield name, "with transfer_from the input layers are the source's"
    if estimator.freeze_epochs is None and changed("reused_learning_rate_factor"):
        yield "reused_learning_rate_factor", "freeze_epochs=None never unfreezes"


def _schedule_notes(estimator, changed):
    """``(name, why)`` of the parameters that the learning-rate schedule overrides."""
    schedule = estimator.lr_schedule
    if schedule is None:
        return
    if isinstance(schedule, str):
        cycles = finite = schedule.lower() == "1cycle"
        own_rate = False
    elif isinstance(schedule, LearningRateSchedule):
        cycles = isinstance(schedule, OneCycle) and schedule.cycle_momentum
        # a cycle of its own length ends before or after max_iter epochs
        finite = schedule.fixed_budget and schedule.total_steps is None
        own_rate = any(
            getattr(schedule, name, None) is not None
            for name in ("initial_learning_rate", "max_learning_rate", "values")
        )
    else:  # a callable: step -> rate
        cycles = finite = False
        own_rate = True
    if own_rate and changed("learning_rate"):
        yield "learning_rate", "the lr_schedule sets its own rates"
    if not isinstance(estimator.optimizer, str):
        notes = list(_instance_notes(estimator.optimizer, own_rate, cycles))
        if notes:
            yield "optimizer", "; ".join(notes)
    if cycles and isinstance(estimator.optimizer, str):
        knob = OPTIMIZERS.get(estimator.optimizer).momentum_attribute
        if knob and getattr(estimator, knob, None) is not None:
            yield (
                knob,
                (
                    "1cycle cycles it 0.95 -> 0.85 -> 0.95 (pass "
                    "OneCycle(cycle_momentum=False) to keep it)"
                ),
            )
    if finite and estimator.early_stopping is False:
        for name in ("tol", "n_iter_no_change"):
            if changed(name):
                yield name, "1cycle without early stopping runs all max_iter epochs"
    elif finite and changed("n_iter_no_change"):
        yield (
            "n_iter_no_change",
            "1cycle runs all max_iter epochs; early stopping keeps the best epoch",
        )


def _instance_notes(optimizer, own_rate, cycles):
    """What the schedule overrides of an optimizer instance's own settings."""
    signature = inspect.signature(type(optimizer).__init__).parameters
    params = optimizer.get_params(deep=False)

    def set_(name):  # given a value other than the class's default
        default = signature[name].default if name in signature else None
        return name in params and params[name] is not None and params[name] != default

    if own_rate and set_("learning_rate"):
        yield "the lr_schedule sets its own rates, not its learning_rate"
    knob = getattr(type(optimizer), "momentum_attribute", None)
    if cycles and knob and set_(knob):
        yield (
            f"1cycle cycles its {knob} 0.95 -> 0.85 -> 0.95 (pass "
            "OneCycle(cycle_momentum=False) to keep it)"
        )


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _optimizer_notes(estimator, defaults):
    """(name, why) for optimizer knobs the chosen optimizer does not take."""
    optimizer = estimator.optimizer
    if not isinstance(optimizer, str):
        for name in OPTIMIZER_KNOBS:
            value = getattr(estimator, name)
            if name == "learning_rate":
                changed = value is not None and value != defaults.get(name)
                if changed and optimizer.learning_rate is not None:
                    yield name, "the optimizer instance sets its own learning_rate"
            elif value is not None and value is not False:
                yield name, "an optimizer instance is used: set it on the instance"
        return
    accepted = set(OPTIMIZERS.get(optimizer)._param_names())
    for name in OPTIMIZER_KNOBS:
        value = getattr(estimator, name)
        if value is not None and value is not False and name not in accepted:
            yield name, f"optimizer={optimizer!r} does not use it"
    if "nesterov" in accepted and estimator.nesterov and not estimator.momentum:
        yield "nesterov", "Nesterov momentum needs momentum > 0"


def optimizer_arguments(estimator):
    """The estimator's optimizer knobs that are set, for an optimizer given by name."""
    values = {name: getattr(estimator, name) for name in OPTIMIZER_KNOBS + CLIP_KNOBS}
    return {name: value for name, value in values.items() if value is not None}


class NestedParamsMixin:
    """``set_params`` whose nested keys on a name say what to pass instead."""

    def set_params(self, **params):
        """Set the parameters of this estimator (scikit-learn's ``set_params``).

        Nested keys such as ``optimizer__beta_2`` reach the parameters of an
        object-valued parameter (an optimizer or schedule instance); on a name
        such as ``optimizer="nadam"`` they raise a ``ValueError`` that says
        what to pass instead.

        Parameters
        ----------
        **params : dict
            Estimator parameters, and ``<parameter>__<name>`` for those of an
            object-valued parameter.

        Returns
        -------
        self : object
            The estimator.
        """
        names = {name for name, _ in self._init_params()}
        for key in params:
            name, nested, inner = key.partition("__")
            if not nested:
                continue
            value = params.get(name, getattr(self, name, None))
            if name in names and not hasattr(value, "set_params"):
                raise ValueError(_nested_on_a_name(self, name, inner, value))
        return super().set_params(**params)


def _nested_on_a_name(estimator, name, inner, value):
    """The error for ``<name>__<inner>`` while ``name`` holds no object with
    parameters (a string, a number or None)."""
    said = (
        f"{type(estimator).__name__}: {name}__{inner} sets {inner!r} of {name}, "
        f"which is {value!r} here: no object with parameters of its own."
    )
    registries = {"optimizer": OPTIMIZERS, "lr_schedule": SCHEDULES}
    if name not in registries:
        return said
    registry = registries[name]
    named = None
    if isinstance(value, str):
        try:
            named = registry.get(value)
        except ValueError:
            pass
    # the classes that have the parameter: the named one if it does
    having = [n for n in registry.names() if inner in _names_of(registry.get(n))]
    if named is not None and inner in _names_of(named):
        example = f"{name}={named.__name__}()"
    elif having:
        which = ", ".join(sorted({registry.get(n).__name__ for n in having}))
        example = f"an instance of a class that has {inner!r} ({which})"
    else:
        return f"{said} No skdnn {name} has a parameter {inner!r}."
    flat = (
        f", or set {inner}= on the estimator itself"
        if inner in estimator.get_params(deep=False) and named is not None
        and inner in _names_of(named)
        else ""
    )  # fmt: skip
    return f"{said} Pass {example} (from skdnn) to tune {name}__{inner}{flat}."


def _names_of(cls):
    """The constructor parameters of a registered class."""
    names = getattr(cls, "_param_names", None)
    return set(names()) if callable(names) else set()
