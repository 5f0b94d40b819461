"""The kit installs as an Orange add-on: every package is listed, and the canvas finds the widget category."""

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def _setuptools_config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(_setuptools_config()["packages"])
    found = {"fashion_ai." + name for name in find_packages(ROOT / "fashion_ai")} | {"fashion_ai"}
    found |= {"fashion_ai_widgets." + name for name in find_packages(ROOT / "widgets")} | {"fashion_ai_widgets"}
    assert found - listed == set(), "add these packages to pyproject.toml"


def test_orange_canvas_lists_the_fashion_ai_category():
    from orangecanvas.registry import WidgetRegistry
    from Orange.canvas.config import Config

    config = Config()
    registry = WidgetRegistry()
    config.widget_discovery(registry).run(config.widgets_entry_points())
    names = [category.name for category in registry.categories()]
    assert "Fashion AI" in names
    kit_widgets = registry.widgets("Fashion AI")
    assert kit_widgets, "the Fashion AI category holds no widget"
    assert all(w.qualified_name.startswith("fashion_ai_widgets.") for w in kit_widgets)
    assert {w.name for w in kit_widgets} == {
        "Consumer-Shop Set", "Fashion Embedder", "Consumer-to-Shop Retrieval", "Clothing Detector", "POP Signal"}


def test_the_cli_lists_its_subcommands():
    from fashion_ai.cli import COMMAND_MODULES, build_parser

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    assert {"demo", "c2s"} <= set(subcommands)
    assert len(subcommands) >= len(COMMAND_MODULES)
