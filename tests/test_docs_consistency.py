"""The documentation says what the code does: defaults and option lists.

Defaults are read from ``get_params()`` and options from the registries, and
compared with the docstrings, the README table and the user-guide pages, so the
two cannot drift apart again.
"""

import inspect
import re
from pathlib import Path

import pytest
from numpydoc.docscrape import ClassDoc

from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor
from skdnn.nn.activations import ACTIVATIONS
from skdnn.nn.initializers import INITIALIZERS
from skdnn.nn.losses import regression_losses
from skdnn.nn.optimizers import OPTIMIZERS
from skdnn.nn.schedules import SCHEDULES

ROOT = Path(__file__).resolve().parents[1]
ESTIMATORS = [DNNClassifier, DNNRegressor, DNNAutoencoder]
REGISTRIES = {
    "activation": ACTIVATIONS,
    "kernel_initializer": INITIALIZERS,
    "optimizer": OPTIMIZERS,
    "lr_schedule": SCHEDULES,
}


def _default_text(value):
    return f'"{value}"' if isinstance(value, str) else repr(value)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_docstring_parameters_and_defaults_are_the_codes(cls):
    documented = ClassDoc(cls)["Parameters"]
    signature = inspect.signature(cls.__init__).parameters
    defaults = cls().get_params(deep=False)
    assert [p.name for p in documented] == [n for n in signature if n != "self"]
    for param in documented:
        stated = param.type.rpartition("default=")[2]
        assert stated == _default_text(defaults[param.name]), param.name


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_docstrings_list_every_registered_option(cls):
    descriptions = {p.name: " ".join(p.desc) for p in ClassDoc(cls)["Parameters"]}
    for name, registry in REGISTRIES.items():
        for option in registry.names():
            assert f'"{option}"' in descriptions[name], (name, option)


def test_regressor_docstring_lists_every_regression_loss():
    descriptions = {
        p.name: " ".join(p.desc) for p in ClassDoc(DNNRegressor)["Parameters"]
    }
    types = {p.name: p.type for p in ClassDoc(DNNRegressor)["Parameters"]}
    for option in regression_losses():
        assert f'"{option}"' in descriptions["loss"], option
        assert f'"{option}"' in types["loss"], option


def test_autoencoder_docstring_matches_its_parameters():
    doc = ClassDoc(DNNAutoencoder)
    params = {p.name: p for p in doc["Parameters"]}
    assert "transfer_from" not in params
    assert params["hidden_layer_sizes"].type.endswith("default=(100, 30)")
    assert "``()`` is an error" in " ".join(params["hidden_layer_sizes"].desc)


def _readme_rows():
    text = (ROOT / "README.md").read_text()
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 3 and cells[1].startswith("`"):
            yield cells[1].strip("`").split("`")[0], cells[2]


#: Whose default a statement names: "(default)" is a default of both supervised
#: estimators (those that have the parameter), "(the classifier's default)" or
#: "(the regressor's default)" of one; their defaults differ since the tabular
#: benchmark (e.g. ``activation``: "elu" for the classifier, "relu" for the
#: regressor).
_WHOSE = {
    "": (DNNClassifier, DNNRegressor),
    "the classifier's": (DNNClassifier,),
    "the regressor's": (DNNRegressor,),
}
#: A value stated as a default: `value` (default), `"value"` (the classifier's
#: default), ... (the words may wrap onto the next line).
_STATED = re.compile(
    r'`"?([\w.]+)"?`\s+\(((?:the\s+(?:classifier|regressor)\'s\s+)?)default\)'
)


def _stated_defaults(text):
    """(value, whose) of every default stated in ``text``."""
    for match in _STATED.finditer(text):
        yield match.group(1), " ".join(match.group(2).split())


def _check_stated_default(name, value, whose, where):
    owners = [cls for cls in _WHOSE[whose] if name in cls().get_params()]
    assert owners, (where, name, value)
    for cls in owners:
        assert str(cls().get_params()[name]) == value, (where, cls.__name__, name)


def test_readme_table_names_the_defaults_and_the_options():
    rows = dict(_readme_rows())
    for name, registry in REGISTRIES.items():
        assert name in rows, name
        for option in registry.names():
            assert f"`{option}`" in rows[name] or f'"{option}"' in rows[name], option
    for option in regression_losses():
        assert f"`{option}`" in rows["loss"], option
    for name, cell in rows.items():
        for value, whose in _stated_defaults(cell):
            _check_stated_default(name, value, whose, "README.md")


def test_user_guide_pages_state_the_defaults_of_the_code():
    checked = 0
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text()
        parameter = re.search(r"\*\*Hyperparameter\.\*\* `(\w+)`", text)
        default = re.search(r"\*\*Default\.\*\* (.*?)(?:\n\n|\Z)", text, re.DOTALL)
        if parameter and default:
            name, paragraph = parameter.group(1), default.group(1)
            stated = list(_stated_defaults(paragraph))
            # "**Default.** `value`" with no "(... default)" after it: both's
            leading = re.match(r'`"?([\w.]+)"?`', paragraph)
            assert leading, page.name
            if not _STATED.match(paragraph):
                stated.append((leading.group(1), ""))
            for value, whose in stated:
                _check_stated_default(name, value, whose, page.name)
            checked += 1
    assert checked >= 2


def test_the_declared_license_ships_with_the_package():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "BSD-3-Clause"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
