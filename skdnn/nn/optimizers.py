"""Optimizers: one small class each, Keras 3 style (Nadam follows Dozat 2016).

The base class owns what every optimizer shares, once: the learning-rate default,
gradient clipping, decoupled weight decay and the step counter. A subclass declares
its per-parameter state in ``_build`` and writes the math in ``_update``.

Optimizers work on the network's flat parameter and gradient vectors. ``start``
skips a leading block of frozen parameters (layers are laid out bottom-up, so frozen
lower layers are a prefix). All arithmetic is in place in the parameters' dtype;
step-dependent scalars are converted to that dtype first, since a NumPy float64
scalar would silently switch a float32 update to a slower float64 loop.

Each ``_update`` is the formula, in NumPy. With numba installed (the ``fast``
extra), ``step`` runs the update as one compiled pass over the parameters instead of
6-12 NumPy passes, when ``_fast_optimizers`` has put a kernel for the exact class in
``FUSED_UPDATES``: the kernel does the same float operations in the same order, so
both paths give identical results.
"""

import inspect
import math
from numbers import Real

import numpy as np

from ._params import Configurable, make_init
from ._registry import Registry

OPTIMIZERS = Registry("optimizer")

#: Optimizer class -> ``update(optimizer, theta, grad, slots, lr, t) -> bool``, a
#: compiled update with the formula's results, filled in by ``_fast_optimizers``;
#: it returns False when it cannot run (numba missing or switched off).
FUSED_UPDATES = {}

# One description per hyperparameter, shared by every optimizer that takes it; each
# class's Parameters section is generated from its signature (order and defaults).
_PARAM_DOCS = {
    "learning_rate": (
        "float or None",
        "Step size. None takes the estimator's ``learning_rate`` or, failing that, "
        "the class's Keras default ``default_learning_rate``.",
    ),
    "momentum": ("float", "Momentum coefficient (0: none)."),
    "nesterov": ("bool", "Nesterov accelerated gradient (needs ``momentum > 0``)."),
    "initial_accumulator_value": (
        "float",
        "Starting value of the squared-gradient sum.",
    ),
    "rho": ("float", "Decay of the moving average of squared gradients."),
    "beta_1": ("float", "Decay of the first-moment (mean) estimate."),
    "beta_2": ("float", "Decay of the second-moment (squared gradient) estimate."),
    "epsilon": ("float", "Smoothing term that keeps the denominators positive."),
    "momentum_decay": ("float", "``psi`` of Dozat's momentum warm-up schedule."),
    "amsgrad": (
        "bool",
        "AMSGrad (Reddi et al. 2018): divide by the running maximum ``v_hat`` of the "
        "second-moment estimate instead of the estimate itself, so that the "
        "effective step size never grows.",
    ),
    "centered": (
        "bool",
        "Centered RMSProp: divide by an estimate of the gradient's variance, "
        "``v - mg**2`` with ``mg`` the moving average of the gradients, instead of "
        "its uncentred second moment ``v``.",
    ),
    "clipvalue": (
        "float or None",
        "Clip each gradient element to ``[-clipvalue, clipvalue]``.",
    ),
    "clipnorm": (
        "float or None",
        "Rescale each parameter tensor's gradient to norm at most ``clipnorm``.",
    ),
    "global_clipnorm": (
        "float or None",
        "Rescale all gradients together to joint norm at most ``global_clipnorm``. "
        "At most one of the three clipping options may be set.",
    ),
    "weight_decay": (
        "float or None",
        "Decoupled weight decay: ``theta -= lr * weight_decay * theta`` before each step.",
    ),
}


#: Valid values of each numeric hyperparameter: (low, low included, high, high
#: included). The one source of the ranges: ``build`` checks an instance's values
#: against them, and the estimators' constraints on the same knobs derive from them.
RANGES = {
    "learning_rate": (0.0, False, math.inf, False),
    "momentum": (0.0, True, 1.0, False),
    "rho": (0.0, True, 1.0, False),
    "beta_1": (0.0, True, 1.0, False),
    "beta_2": (0.0, True, 1.0, False),
    "epsilon": (0.0, False, math.inf, False),
    "momentum_decay": (0.0, True, math.inf, False),
    "initial_accumulator_value": (0.0, True, math.inf, False),
    "clipvalue": (0.0, False, math.inf, False),
    "clipnorm": (0.0, False, math.inf, False),
    "global_clipnorm": (0.0, False, math.inf, False),
    "weight_decay": (0.0, True, math.inf, False),
}


def _check_range(owner, name, value, default):
    """Raise ValueError unless ``value`` is a number in ``RANGES[name]``.

    None is accepted where the class default is None (meaning "not set").
    """
    if value is None and default is None:
        return
    low, low_in, high, high_in = RANGES[name]
    ok = isinstance(value, Real) and not isinstance(value, (bool, np.bool_))
    # written so that NaN fails every comparison
    ok = ok and (low <= value if low_in else low < value)
    ok = ok and (value <= high if high_in else value < high)
    if not ok:
        interval = f"{'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"
        raise ValueError(
            f"{owner}'s {name} must be a number in {interval}"
            + (" or None" if default is None else "")
            + f", got {value!r}."
        )


_SHARED = {
    "clipvalue": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "weight_decay": None,
}


def hyperparameters(**own):
    """Class decorator: the optimizer's ``__init__`` and its Parameters section.

    The signature is ``learning_rate``, then ``own`` in order, then the clipping
    options and ``weight_decay`` (unless ``own`` sets its default), so every
    optimizer takes the same shared options; each is documented from
    ``_PARAM_DOCS``.
    """

    def decorator(cls):
        params = [("learning_rate", None), *own.items()]
        params += [(name, value) for name, value in _SHARED.items() if name not in own]
        cls.__init__ = make_init(f"{cls.__name__}.__init__", params)
        lines = ["", "", "Parameters", "----------"]
        for name, default in params:
            kind, text = _PARAM_DOCS[name]
            lines += [f"{name} : {kind}, default={default!r}", f"    {text}"]
        cls.__doc__ = inspect.cleandoc(cls.__doc__) + "\n".join(lines)
        return cls

    return decorator


@hyperparameters()
class Optimizer(Configurable):
    """Base class of the optimizers.

    Subclasses declare their per-parameter state in ``_slots`` and write the update
    in ``_update``; clipping, weight decay and the step counter live here, once.

    **Kernel interface.** A compiled update (``_fast_optimizers``, registered in
    ``FUSED_UPDATES`` under the exact class) receives the optimizer, the flat
    ``theta`` and ``grad`` of one segment, the ``slots`` (the arrays named by the
    class's ``_slots``, views of the same segment), the segment's rate ``lr`` and
    the step ``t``. It may read the optimizer's public hyperparameters and the
    scalars of its public methods (``step_size``, ``betas``, ``scales`` in the
    Adam family), write ``theta`` and the slots in place, and nothing else; it
    must give the bits of ``_update``. Clipping, weight decay, the step count
    and per-step state (``_advance``) stay here, shared by both paths.
    """

    default_learning_rate = 0.001
    #: Hyperparameter that 1cycle scheduling cycles (None: nothing to cycle).
    momentum_attribute = None
    _slots = ()
    #: Hyperparameters that switch a variant on or off: ``build`` checks they are bool.
    _flags = ()

    def build(self, n_params, dtype):
        """Create zeroed state for ``n_params`` parameters; resets the step count."""
        self.check_hyperparameters()
        self.iterations = 0
        self.slots = {name: np.zeros(n_params, dtype=dtype) for name in self._slots}
        return self

    def check_hyperparameters(self):
        """Raise a ``ValueError`` for a hyperparameter out of its range."""
        clipping = [
            name
            for name in ("clipvalue", "clipnorm", "global_clipnorm")
            if getattr(self, name) is not None
        ]
        if len(clipping) > 1:
            raise ValueError(
                f"Use at most one of clipvalue, clipnorm and global_clipnorm; "
                f"got {', '.join(clipping)}."
            )
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self)).parameters.items()
        }
        for name, default in defaults.items():
            if name in RANGES:
                _check_range(type(self).__name__, name, getattr(self, name), default)
        for name in self._flags:
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(
                    f"{type(self).__name__}'s {name} must be True or False, "
                    f"got {value!r}."
                )

    def _scratch(self, name, like):
        """A scratch vector the size of ``like``, kept between steps (not pickled)."""
        buf = self.__dict__.get(name)
        if buf is None or buf.size < like.size or buf.dtype != like.dtype:
            buf = np.empty(like.size, dtype=like.dtype)
            setattr(self, name, buf)
        return buf[buf.size - like.size :]

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_tmp", None)
        state.pop("_tmp2", None)
        return state

    @property
    def current_learning_rate(self):
        """The configured learning rate, or the class default if None."""
        if self.learning_rate is None:
            return self.default_learning_rate
        return self.learning_rate

    def step(
        self, theta, grad, *, learning_rate=None, tensors=(), start=0, segments=None
    ):
        """One update of ``theta[start:]`` from ``grad[start:]``, in place.

        Parameters
        ----------
        theta, grad : ndarray of shape (n_params,)
            Flat parameters and their gradients (``grad`` may be clipped in place).
        learning_rate : float, optional
            Rate for this step (from a schedule); default ``current_learning_rate``.
        tensors : sequence of slice
            Each parameter tensor's slice of the flat vectors, for ``clipnorm``.
        start : int
            Index of the first trainable parameter.
        segments : sequence of (int, int, float), optional
            Per-segment learning-rate factors ``(begin, end, factor)``: parameters
            ``theta[begin:end]`` move with ``factor * learning_rate`` (e.g. reused
            layers fine-tuned more slowly). Segments must tile ``[start, n_params)``
            in order. Clipping sees all trainable gradients at once, and per-step
            state (the step count, Nadam's momentum product) advances once.
        """
        lr = self.current_learning_rate if learning_rate is None else learning_rate
        if len(self.slots) < len(self._slots):
            # A hyperparameter changed after build needs state, e.g. 1cycle
            # scheduling switches on the momentum of SGD built with momentum=0.
            for name in self._slots:
                if name not in self.slots:
                    self.slots[name] = np.zeros_like(theta)
        segments = self._check_segments(segments, start, theta.size)
        self._clip(grad, tensors, start)
        dtype = theta.dtype.type
        self.iterations += 1
        self._advance(self.iterations)
        for begin, end, factor in segments:
            seg_lr = lr * factor
            if begin == 0 and end == theta.size:
                # the whole vector (the usual step): no views to make
                seg_theta, seg_grad, slots = theta, grad, self.slots
            else:
                seg_theta, seg_grad = theta[begin:end], grad[begin:end]
                slots = {name: value[begin:end] for name, value in self.slots.items()}
            if self.weight_decay:
                seg_theta *= dtype(1.0 - seg_lr * self.weight_decay)
            self._apply(seg_theta, seg_grad, slots, dtype(seg_lr))

    def _apply(self, theta, grad, slots, lr):
        """The update of one segment: compiled if a kernel is available, else NumPy."""
        fused = FUSED_UPDATES.get(type(self))
        if fused is not None and fused(self, theta, grad, slots, lr, self.iterations):
            return
        tmp = self._scratch("_tmp", theta)
        self._update(theta, grad, slots, tmp, lr, self.iterations)

    @staticmethod
    def _check_segments(segments, start, size):
        if segments is None:
            return ((start, size, 1.0),)
        segments = [(int(b), int(e), float(f)) for b, e, f in segments]
        edges = [start] + [e for _, e, _ in segments]
        if [b for b, _, _ in segments] != edges[:-1] or edges[-1] != size:
            raise ValueError(
                f"segments must tile [start, n_params) = [{start}, {size}) in order, "
                f"got {segments}."
            )
        return segments

    def _advance(self, t):
        """Per-step scalar state (once per step, whatever the number of segments)."""

    def _clip(self, grad, tensors, start):
        """Clip the trainable gradients ``grad[start:]`` in place.

        ``tensors`` are the parameter tensors' slices of the whole vector; only
        those from ``start`` on are clipped by ``clipnorm``.
        """
        grad = grad[start:]
        dtype = grad.dtype.type
        if self.clipvalue is not None:
            np.clip(grad, -self.clipvalue, self.clipvalue, out=grad)
        elif self.clipnorm is not None:
            for s in tensors:
                if s.start < start:
                    continue  # frozen
                g = grad[s.start - start : s.stop - start]
                norm = _norm(g)
                if norm > self.clipnorm:
                    g *= dtype(self.clipnorm / norm)
        elif self.global_clipnorm is not None:
            norm = _norm(grad)
            if norm > self.global_clipnorm:
                grad *= dtype(self.global_clipnorm / norm)

    def _update(self, theta, grad, slots, tmp, lr, t):
        raise NotImplementedError


def _norm(x):
    """Euclidean norm of a flat vector, finite even when its square overflows."""
    with np.errstate(over="ignore"):
        squared = float(np.dot(x, x))
    if squared == math.inf:
        # Exploding float32 gradients overflow the sum of squares (beyond ~1.8e19
        # per element), which would turn clipping into zeroing: rescale first.
        scale = float(np.max(np.abs(x)))
        if math.isfinite(scale):
            return scale * math.sqrt(float(np.dot(x / scale, x / scale)))
    return math.sqrt(squared)


@OPTIMIZERS.register("sgd")
@hyperparameters(momentum=0.0, nesterov=False)
class SGD(Optimizer):
    """Gradient descent, with momentum and Nesterov's variant.

    ``m <- momentum * m - lr * g``; ``theta <- theta + m``, or with ``nesterov``
    ``theta <- theta + momentum * m - lr * g`` (with the new ``m``).
    Defaults (Keras 3): ``learning_rate=0.01``, ``momentum=0``.
    """

    default_learning_rate = 0.01
    momentum_attribute = "momentum"

    @property
    def _slots(self):
        return ("m",) if self.momentum else ()

    def _update(self, theta, grad, slots, tmp, lr, t):
        np.multiply(grad, lr, out=tmp)
        if "m" not in slots:
            theta -= tmp
            return
        mu = theta.dtype.type(self.momentum)
        m = slots["m"]
        m *= mu
        m -= tmp
        if self.nesterov:
            theta -= tmp
            np.multiply(m, mu, out=tmp)
            theta += tmp
        else:
            theta += m


@OPTIMIZERS.register("adagrad")
@hyperparameters(initial_accumulator_value=0.1, epsilon=1e-7)
class Adagrad(Optimizer):
    """AdaGrad: ``a <- a + g**2``; ``theta <- theta - lr * g / sqrt(a + epsilon)``.

    The accumulator starts at ``initial_accumulator_value`` (Keras: 0.1).
    """

    _slots = ("accumulator",)

    def build(self, n_params, dtype):
        super().build(n_params, dtype)
        self.slots["accumulator"][...] = self.initial_accumulator_value
        return self

    def _update(self, theta, grad, slots, tmp, lr, t):
        acc = slots["accumulator"]
        np.square(grad, out=tmp)
        acc += tmp
        np.add(acc, theta.dtype.type(self.epsilon), out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grad, tmp, out=tmp)
        tmp *= lr
        theta -= tmp


@OPTIMIZERS.register("rmsprop")
@hyperparameters(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)
class RMSprop(Optimizer):
    """RMSProp: ``v <- rho v + (1 - rho) g**2``; step ``lr * g / sqrt(v + epsilon)``.

    With ``momentum > 0`` the steps accumulate: ``m <- momentum m + step``. With
    ``centered`` (Keras' centered RMSProp), ``mg <- rho mg + (1 - rho) g`` and the
    step is ``lr * g / sqrt(max(v - mg**2, 0) + epsilon)`` (the ``max``, which
    Keras does not take, only acts where rounding made ``v - mg**2`` negative).
    """

    momentum_attribute = "momentum"
    _flags = ("centered",)
    centered = False  # for optimizers pickled before the option existed

    @property
    def _slots(self):
        return (
            ("v",)
            + (("m",) if self.momentum else ())
            + (("mg",) if self.centered else ())
        )

    def _update(self, theta, grad, slots, tmp, lr, t):
        f = theta.dtype.type
        v = slots["v"]
        v *= f(self.rho)
        np.square(grad, out=tmp)
        tmp *= f(1 - self.rho)
        v += tmp
        if "mg" in slots:
            # tmp <- v - mg**2 + epsilon, the centred second moment; v - mg**2 is
            # never negative in exact arithmetic, but float32 rounding makes it so
            # for large, nearly constant gradients (Keras then takes sqrt < 0: NaN)
            mg = slots["mg"]
            mg *= f(self.rho)
            np.multiply(grad, f(1 - self.rho), out=tmp)
            mg += tmp
            np.square(mg, out=tmp)
            np.subtract(v, tmp, out=tmp)
            np.maximum(tmp, f(0), out=tmp)
            tmp += f(self.epsilon)
        else:
            np.add(v, f(self.epsilon), out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grad, tmp, out=tmp)
        tmp *= lr
        if "m" in slots:
            m = slots["m"]
            m *= f(self.momentum)
            m += tmp
            theta -= m
        else:
            theta -= tmp


class _AdamFamily(Optimizer):
    momentum_attribute = "beta_1"
    _slots = ("m", "v")

    def betas(self, f):
        """The moment coefficients in the parameters' dtype (kernel interface).

        Parameters
        ----------
        f : numpy scalar type
            The parameters' dtype, e.g. ``np.float32``.

        Returns
        -------
        tuple of f
            ``beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon``.
        """
        return (
            f(self.beta_1),
            f(1 - self.beta_1),
            f(self.beta_2),
            f(1 - self.beta_2),
            f(self.epsilon),
        )

    def _moments(self, grad, slots, tmp):
        """Update ``m`` and ``v`` (Adam's moment estimates) in place."""
        f = grad.dtype.type
        m, v = slots["m"], slots["v"]
        m *= f(self.beta_1)
        np.multiply(grad, f(1 - self.beta_1), out=tmp)
        m += tmp
        v *= f(self.beta_2)
        np.square(grad, out=tmp)
        tmp *= f(1 - self.beta_2)
        v += tmp
        return m, v


@OPTIMIZERS.register("adam")
@hyperparameters(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)
class Adam(_AdamFamily):
    """Adam (Kingma & Ba 2015).

    ``m, v`` are moving averages of ``g`` and ``g**2``;
    ``theta <- theta - lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + eps)``.
    With ``amsgrad`` (Keras' AMSGrad), ``v_hat <- max(v_hat, v)`` takes the place
    of ``v`` in the step.
    """

    _flags = ("amsgrad",)
    amsgrad = False  # for optimizers pickled before the option existed

    @property
    def _slots(self):
        return ("m", "v", "v_hat") if self.amsgrad else ("m", "v")

    def step_size(self, lr, t):
        """Adam's bias-corrected step size (kernel interface).

        Parameters
        ----------
        lr : float
            The learning rate of the step.
        t : int
            The step number, from 1.

        Returns
        -------
        float
            ``alpha_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``.
        """
        return float(lr) * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def _update(self, theta, grad, slots, tmp, lr, t):
        f = theta.dtype.type
        m, v = self._moments(grad, slots, tmp)
        if "v_hat" in slots:
            v = np.maximum(slots["v_hat"], v, out=slots["v_hat"])
        np.sqrt(v, out=tmp)
        tmp += f(self.epsilon)
        np.divide(m, tmp, out=tmp)
        tmp *= f(self.step_size(lr, t))
        theta -= tmp


@OPTIMIZERS.register("adamw")
@hyperparameters(
    weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False
)
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019); decay 0.004."""


@OPTIMIZERS.register("adamax")
@hyperparameters(beta_1=0.9, beta_2=0.999, epsilon=1e-7)
class Adamax(_AdamFamily):
    """AdaMax: Adam with the infinity norm, ``u <- max(beta_2 u, |g|)``."""

    _slots = ("m", "u")

    def step_size(self, lr, t):
        """AdaMax's bias-corrected step size (kernel interface).

        Parameters
        ----------
        lr : float
            The learning rate of the step.
        t : int
            The step number, from 1.

        Returns
        -------
        float
            ``lr / (1 - beta_1**t)``.
        """
        return float(lr) / (1 - self.beta_1**t)

    def _update(self, theta, grad, slots, tmp, lr, t):
        f = theta.dtype.type
        m, u = slots["m"], slots["u"]
        scale = f(self.step_size(lr, t))
        m *= f(self.beta_1)
        np.multiply(grad, f(1 - self.beta_1), out=tmp)
        m += tmp
        u *= f(self.beta_2)
        np.abs(grad, out=tmp)
        np.maximum(u, tmp, out=u)
        np.add(u, f(self.epsilon), out=tmp)
        np.divide(m, tmp, out=tmp)
        tmp *= scale
        theta -= tmp


@OPTIMIZERS.register("nadam")
@hyperparameters(beta_1=0.9, beta_2=0.999, epsilon=1e-7, momentum_decay=0.004)
class Nadam(_AdamFamily):
    """Nadam: Adam with Nesterov momentum, as in Dozat (2016) and PyTorch.

    The momentum coefficient warms up, ``mu_t = beta_1 (1 - 0.5 * 0.96**(t psi))``
    with ``psi = momentum_decay``, and the step mixes the look-ahead moment and the
    current gradient:
    ``m_hat = mu_{t+1} m / (1 - prod_{i<=t+1} mu_i) + (1 - mu_t) g / (1 - prod_{i<=t} mu_i)``,
    ``theta <- theta - lr * m_hat / (sqrt(v / (1 - beta_2**t)) + eps)``.
    """

    def build(self, n_params, dtype):
        super().build(n_params, dtype)
        self.mu_product = 1.0
        return self

    def _advance(self, t):
        self.mu_product *= self.beta_1 * (1 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def scales(self, lr, t):
        """The three scalars of Nadam's step ``t`` (kernel interface).

        ``v_hat = v * v_scale``; the step is
        ``g_scale * g / (sqrt(v_hat) + eps) + m_scale * m / (sqrt(v_hat) + eps)``.

        Parameters
        ----------
        lr : float
            The learning rate of the step.
        t : int
            The step number, from 1 (``_advance(t)`` has run).

        Returns
        -------
        tuple of float
            ``(v_scale, g_scale, m_scale)``.
        """
        psi = self.momentum_decay
        mu = self.beta_1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = self.beta_1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        return (
            1 / (1 - self.beta_2**t),
            float(lr) * (1 - mu) / (1 - self.mu_product),
            float(lr) * mu_next / (1 - self.mu_product * mu_next),
        )

    def _update(self, theta, grad, slots, tmp, lr, t):
        f = theta.dtype.type
        v_scale, g_scale, m_scale = (f(x) for x in self.scales(lr, t))
        m, v = self._moments(grad, slots, tmp)
        # tmp <- sqrt(v_hat) + eps, the shared denominator
        np.multiply(v, v_scale, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += f(self.epsilon)
        tmp2 = self._scratch("_tmp2", theta)
        np.divide(grad, tmp, out=tmp2)
        tmp2 *= g_scale
        theta -= tmp2
        np.divide(m, tmp, out=tmp2)
        tmp2 *= m_scale
        theta -= tmp2


def get_optimizer(name, **params):
    """A new optimizer from its registered name; ``params`` it does not take are ignored."""
    cls = OPTIMIZERS.get(name)
    accepted = set(cls._param_names())
    return cls(**{k: v for k, v in params.items() if k in accepted})
