"""Fashion AI widgets for the Orange canvas (installed as the package `fashion_ai_widgets`)."""

from pathlib import Path

# Category shown in the Orange canvas widget toolbox.
NAME = "Fashion AI"
DESCRIPTION = "Consumer-to-shop sets, local CNN features, clothing detection and POP signals."
BACKGROUND = "#F6D5E5"
ICON = "icons/category.svg"
PRIORITY = 20

# Help pages (F1 on a widget): the canvas reads the index's "widgets" section and matches link texts to
# widget names (entry point "orange.canvas.help" in pyproject.toml).
WIDGET_HELP_PATH = ((str(Path(__file__).parent / "help" / "index.html"), None),)
