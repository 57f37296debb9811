"""get_params / set_params for the core's configurable objects, and their __init__.

Optimizers and schedules are passed to the estimators as instances; scikit-learn's
``clone``, ``GridSearchCV`` (``optimizer__beta_2``) and ``repr`` only need these two
methods, so the core does not have to import scikit-learn. ``make_init`` writes the
``__init__`` that scikit-learn's conventions ask for (store each parameter as
given) from a table of names and defaults, for these objects (the estimators
write theirs out).
"""

import inspect
import sys


def make_init(qualname, params, *, keyword_only_from=None):
    """An ``__init__`` that stores ``params`` (``(name, default)`` pairs) as given.

    Generated from one table rather than written out per class, so that a
    parameter list is written once; errors about unexpected arguments name
    ``qualname``.

    Parameters
    ----------
    qualname : str
        E.g. ``"Adam.__init__"``.
    params : sequence of (str, object)
        Names and defaults, in signature order.
    keyword_only_from : int, optional
        Index of the first keyword-only parameter.

    Returns
    -------
    function
    """
    args = [f"{name}=_default_{i}" for i, (name, _) in enumerate(params)]
    if keyword_only_from is not None:
        args.insert(keyword_only_from, "*")
    body = "".join(f"    self.{name} = {name}\n" for name, _ in params) or "    pass\n"
    namespace = {f"_default_{i}": default for i, (_, default) in enumerate(params)}
    exec(f"def __init__(self, {', '.join(args)}):\n{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = qualname
    if sys.version_info >= (3, 11):
        init.__code__ = init.__code__.replace(co_qualname=qualname)
    return init


def parameters(**defaults):
    """Class decorator: an ``__init__`` storing these parameters, in this order."""

    def decorator(cls):
        cls.__init__ = make_init(f"{cls.__name__}.__init__", list(defaults.items()))
        return cls

    return decorator


class Configurable:
    """Mixin: constructor arguments are stored as same-named attributes."""

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep=True):
        """Constructor parameters of this object, as a dict."""
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update(
                    (f"{name}__{k}", v) for k, v in value.get_params(deep=True).items()
                )
            out[name] = value
        return out

    def set_params(self, **params):
        """Set constructor parameters; nested ones as ``name__sub``."""
        valid = self._param_names()
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            if sub:
                getattr(self, name).set_params(**{sub: value})
            else:
                setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        shown = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or repr(value) != repr(default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"
