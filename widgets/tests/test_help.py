"""F1 help: every kit widget has a local help page the Orange canvas finds through the add-on's entry point."""

from importlib.metadata import distribution
from pathlib import Path

from AnyQt.QtCore import QUrl
from orangecanvas.help.manager import get_help_provider_for_distribution
from orangewidget.tests.base import WidgetTest

import fashion_ai_widgets
from fashion_ai_widgets.owclothingdetector import OWClothingDetector
from fashion_ai_widgets.owconsumershopretrieval import OWConsumerShopRetrieval
from fashion_ai_widgets.owconsumershopset import OWConsumerShopSet
from fashion_ai_widgets.owfashionembedder import OWFashionEmbedder
from fashion_ai_widgets.owpopsignal import OWPopSignal

WIDGETS = (OWConsumerShopSet, OWFashionEmbedder, OWConsumerShopRetrieval, OWClothingDetector, OWPopSignal)


class Described:
    """What the help provider reads of a widget's description: its name."""

    def __init__(self, widget):
        self.name = widget.name


class TestHelp(WidgetTest):
    def test_every_widget_has_a_local_page(self):
        provider = get_help_provider_for_distribution(distribution("fashion-ai-kit"))
        self.assertIsNotNone(provider, "no help entry point (orange.canvas.help) is installed")
        self.process_events(until=lambda: provider.items)  # the index is read through Qt: let it arrive
        for widget in WIDGETS:
            url = provider.search(Described(widget))
            self.assertTrue(url.isLocalFile(), widget.name)
            page = Path(url.toLocalFile())
            self.assertTrue(page.is_file(), f"{widget.name}: {page} is missing")
            self.assertIn(f"<h1>{widget.name}</h1>", page.read_text())

    def test_index_lies_inside_the_installed_package(self):
        index = Path(fashion_ai_widgets.WIDGET_HELP_PATH[0][0])
        self.assertEqual(index.parent.parent, Path(fashion_ai_widgets.__file__).parent)
        self.assertTrue(QUrl.fromLocalFile(str(index)).isValid() and index.is_file())
