"""Name -> class tables, one per family of techniques.

The same names feed the estimators' ``_parameter_constraints``, so documentation,
validation and lookup cannot disagree. Names are matched in any case
(``"Adam"`` finds ``"adam"``).
"""

import difflib


class Registry:
    """A table mapping lower-case names to classes (or factories).

    Parameters
    ----------
    kind : str
        What the table holds, used in error messages (e.g. ``"activation"``).
    """

    def __init__(self, kind):
        self.kind = kind
        self._items = {}

    def register(self, *names):
        """Class decorator registering the class under each of ``names``."""

        def decorator(obj):
            for name in names:
                if name != name.lower() or name in self._items:
                    raise KeyError(f"{self.kind} {name!r} is already registered")
                self._items[name] = obj
            return obj

        return decorator

    def names(self):
        """Sorted list of the registered names."""
        return sorted(self._items)

    def get(self, name):
        """The class registered as ``name`` (any case).

        An unknown name raises a ``ValueError`` that lists the valid names and
        suggests the closest one.
        """
        try:
            return self._items[name.lower()]
        except (KeyError, AttributeError):
            raise ValueError(
                f"Unknown {self.kind} {name!r}.{suggestion(name, self.names())} "
                f"Valid {self.kind}s are: "
                + ", ".join(repr(n) for n in self.names())
                + "."
            ) from None


def suggestion(name, options):
    """`` Did you mean 'x'?`` for the option closest to ``name``, or ``""``."""
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name.lower(), list(options), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""
