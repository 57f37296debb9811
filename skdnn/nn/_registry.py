"""Name -> class tables, one per family of techniques.

The same names feed the estimators' ``_parameter_constraints``, so documentation,
validation and lookup cannot disagree.
"""


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
                if name in self._items:
                    raise KeyError(f"{self.kind} {name!r} is already registered")
                self._items[name] = obj
            return obj

        return decorator

    def names(self):
        """Sorted list of the registered names."""
        return sorted(self._items)

    def get(self, name):
        """The class registered as ``name``; a ``ValueError`` lists valid names."""
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"Unknown {self.kind} {name!r}. Valid {self.kind}s are: "
                + ", ".join(repr(n) for n in self.names())
                + "."
            ) from None

    def __contains__(self, name):
        return name in self._items

    def __iter__(self):
        return iter(self.names())
