"""Background tasks: Cancel is enabled exactly while a task runs; a cancelled task sends nothing and reports nothing."""

import threading

from Orange.widgets.widget import Msg, Output, OWWidget
from orangewidget.tests.base import WidgetTest

from fashion_ai_widgets.background import BackgroundTaskMixin, Cancelled


def wait_for(release: threading.Event, value, state):
    """Return `value` once `release` is set, or stop when the widget cancels."""
    while not release.wait(0.01):
        if state.is_interruption_requested():
            raise Cancelled
    if isinstance(value, Exception):
        raise value
    return value


class OWWaiter(BackgroundTaskMixin, OWWidget):
    name = "Waiter"

    class Outputs:
        value = Output("Value", object, auto_summary=False)

    class Error(OWWidget.Error):
        failed = Msg("Failed: {}")

    def __init__(self):
        OWWidget.__init__(self)
        BackgroundTaskMixin.__init__(self)
        self.add_cancel_button(self.controlArea)
        self.failures = []
        self.cancellations = 0

    def run(self, value):
        release = threading.Event()
        self.start(wait_for, release, value)
        return release

    def on_done(self, result):
        self.Outputs.value.send(result)

    def on_exception(self, ex):
        self.failures.append(ex)
        self.Error.failed(str(ex))

    def on_cancelled(self):
        self.cancellations += 1


class TestBackgroundTaskMixin(WidgetTest):
    def setUp(self):
        self.widget = self.create_widget(OWWaiter)
        self.button = self.widget.cancel_button

    def finish(self, release):
        """Let the task return and wait until the widget has handled its end."""
        release.set()
        self.wait_until_finished()

    def test_cancel_is_enabled_only_while_the_task_runs(self):
        self.assertFalse(self.button.isEnabled())
        release = self.widget.run(42)
        self.assertTrue(self.button.isEnabled())
        self.finish(release)
        self.assertFalse(self.button.isEnabled())
        self.assertEqual(self.get_output(self.widget.Outputs.value), 42)

    def test_clicking_cancel_stops_the_task_without_output_or_error(self):
        self.widget.run(42)
        self.button.click()
        self.assertFalse(self.button.isEnabled())
        self.assertIsNone(self.widget.task)
        self.assertEqual(self.widget.cancellations, 1)
        self.process_events()
        self.assertIsNone(self.get_output(self.widget.Outputs.value))
        self.assertEqual(self.widget.failures, [])
        self.assertFalse(self.widget.Error.failed.is_shown())

    def test_a_stopped_task_ending_late_leaves_the_next_ones_cancel_enabled(self):
        first = self.widget.run(1)
        ended = []
        self.widget.task.watcher.done.connect(ended.append)
        self.widget.cancel()
        second = self.widget.run(2)
        first.set()
        self.process_events(until=lambda: ended)
        self.assertTrue(self.button.isEnabled())
        self.finish(second)
        self.assertFalse(self.button.isEnabled())
        self.assertEqual(self.get_output(self.widget.Outputs.value), 2)

    def test_a_failing_task_reports_its_error_and_disables_cancel(self):
        self.finish(self.widget.run(ValueError("no pictures")))
        self.assertFalse(self.button.isEnabled())
        self.assertTrue(self.widget.Error.failed.is_shown())
        self.assertEqual([str(e) for e in self.widget.failures], ["no pictures"])
