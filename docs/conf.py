"""Sphinx configuration: numpydoc API reference, sphinx-gallery from examples/."""

import os
import sys
import warnings

sys.path.insert(0, os.path.abspath(".."))

import skdnn  # noqa: E402

project = "skdnn"
author = "the skdnn developers"
copyright = "2026, the skdnn developers"
release = version = skdnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = {"PR01", "PR02", "RT01"}
myst_heading_anchors = 3
html_theme = "alabaster"
html_static_path = []
templates_path = ["_templates"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}

# Examples run headless while the docs build.
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", category=UserWarning, message=".*non-interactive.*")


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    # scikit-learn adds set_{method}_request to every estimator class; they are
    # documented in scikit-learn's own metadata-routing guide, not here.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
