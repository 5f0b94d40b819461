"""Running an Orange workflow without the canvas: load the .ows with every installed add-on's widgets and
let its signals and background tasks settle. The workflow tests and bench/workflows.py use it."""

import time
from pathlib import Path

from AnyQt.QtWidgets import QApplication

_app = None


def widget_registry():
    """Orange's widget registry with every installed add-on, the kit's included."""
    from Orange.canvas import config
    from orangecanvas.registry import WidgetRegistry

    global _app
    _app = QApplication.instance() or QApplication([])  # kept alive: widgets need it as long as they live
    registry = WidgetRegistry()
    cfg = config.Config()
    cfg.widget_discovery(registry).run(cfg.widgets_entry_points())
    return registry


def load_workflow(path, registry):
    """(scheme, load errors); widgets are created at once and relative paths resolve as in the canvas."""
    from orangecanvas.scheme.readwrite import scheme_load
    from orangecanvas.scheme.widgetmanager import WidgetManager
    from orangewidget.workflow.widgetsscheme import WidgetsScheme

    scheme = WidgetsScheme()
    scheme.widget_manager.set_creation_policy(WidgetManager.Immediate)
    scheme.set_runtime_env("basedir", str(Path(path).resolve().parent))
    errors = []
    with open(path, "rb") as fh:
        scheme_load(scheme, fh, registry=registry, error_handler=errors.append)
    return scheme, errors


def busy(scheme):
    """True while signals are pending or a widget is still working in the background."""
    manager = scheme.signal_manager
    if manager.has_pending() or manager.blocking_nodes():
        return True
    widgets = [scheme.widget_for_node(node) for node in scheme.nodes]
    return any(getattr(w, "task", None) is not None or w.isBlocking() for w in widgets)


def settle(scheme, timeout):
    """Process events until nothing has moved for half a second; False if `timeout` seconds pass first."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        app.processEvents()
        if busy(scheme):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            return True
        time.sleep(0.02)
    return False


def widget_errors(scheme):
    """{node title: error text} for every widget showing an error."""
    errors = {}
    for node in scheme.nodes:
        widget = scheme.widget_for_node(node)
        shown = [msg.formatted for msg in widget.Error.active] if hasattr(widget, "Error") else []
        if shown:
            errors[node.title] = "; ".join(shown)
    return errors
