"""get_params / set_params for the core's configurable objects.

Optimizers and schedules are passed to the estimators as instances; scikit-learn's
``clone``, ``GridSearchCV`` (``optimizer__beta_2``) and ``repr`` only need these two
methods, so the core does not have to import scikit-learn.
"""

import inspect


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
