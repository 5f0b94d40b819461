"""Fashion AI widgets for the Orange canvas (installed as the package `fashion_ai_widgets`)."""

# Category shown in the Orange canvas widget toolbox.
NAME = "Fashion AI"
DESCRIPTION = "Consumer-to-shop sets, local CNN features, clothing detection and POP signals."
BACKGROUND = "#F6D5E5"
ICON = "icons/category.svg"
PRIORITY = 20
