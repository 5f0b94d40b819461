"""Background work for the kit's widgets: Orange's ConcurrentWidgetMixin plus a Cancel button that is enabled
exactly while a task runs, so each widget only says what its task computes and what to show when it is done."""

from concurrent.futures import Future

from Orange.widgets import gui
from Orange.widgets.utils.concurrent import ConcurrentWidgetMixin


class Cancelled(Exception):
    """Raised inside a task to stop early once `state.is_interruption_requested()`.

    By then Orange has already let go of the task, so no widget ever receives this exception."""


class BackgroundTaskMixin(ConcurrentWidgetMixin):
    """Run one task at a time in a thread, with a Cancel button.

    A widget lists this class before OWWidget, calls `add_cancel_button` in `__init__`, and implements
    Orange's `on_done` and `on_exception` (a cancelled task calls neither; `on_cancelled` runs instead)."""

    def add_cancel_button(self, parent):
        """The Cancel button, disabled until `start`."""
        self.cancel_button = gui.button(parent, self, "Cancel", callback=self.cancel_clicked)
        self.cancel_button.setDisabled(True)

    def start(self, task, *args):
        super().start(task, *args)
        self.cancel_button.setDisabled(False)
        self.task.watcher.done.connect(self._task_ended)

    def _task_ended(self, future: Future):
        """Disable Cancel unless a newer task already runs (a stopped task may end after the next one started)."""
        if self.task is None or self.task.future is future:
            self.cancel_button.setDisabled(True)

    def cancel(self):
        """Stop the running task, if any; it reports nothing afterwards."""
        super().cancel()
        self.cancel_button.setDisabled(True)

    def cancel_clicked(self):
        self.cancel()
        self.on_cancelled()

    def on_cancelled(self):
        """Called after the user stopped the task with Cancel; the outputs stay as they were."""

    def on_partial_result(self, _):
        """The kit's tasks report progress only, never partial results."""

    def onDeleteWidget(self):
        self.shutdown()
        super().onDeleteWidget()
