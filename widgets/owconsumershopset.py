"""Consumer-Shop Set: read a consumer-to-shop set (a folder, a CSV manifest, the bundled generated sample or
real photos of the bundled clothing sample), check it, and output it as an image table that Orange's Image
Viewer and Image Embedding accept."""

from types import SimpleNamespace

from AnyQt.QtCore import Qt
from AnyQt.QtWidgets import (QButtonGroup, QFileDialog, QGridLayout, QLabel, QPlainTextEdit, QPushButton,
                             QRadioButton)
from Orange.data import Table
from Orange.widgets import gui
from Orange.widgets.settings import Setting
from Orange.widgets.utils.concurrent import TaskState
from Orange.widgets.widget import Msg, Output, OWWidget

from fashion_ai.consumer_shop import load_set, sample_set_path
from fashion_ai.datasets.photo_views import sample_check_set
from fashion_ai_widgets.background import BackgroundTaskMixin, Cancelled
from fashion_ai_widgets.tables import frame_to_table, set_to_table

SAMPLE, FOLDER, MANIFEST, REAL_PHOTOS = range(4)


def run_load(locate, check_images, state: TaskState):
    """Background task: find the set (building the real-photo one on first use), read and check it,
    reporting progress, stopping when asked."""
    path = locate()

    def progress(done, total):
        if state.is_interruption_requested():
            raise Cancelled
        state.set_progress_value(100 * done / max(total, 1))

    table, report = load_set(path, check_images=check_images, progress=progress)
    return SimpleNamespace(table=table, report=report)


class OWConsumerShopSet(BackgroundTaskMixin, OWWidget):
    name = "Consumer-Shop Set"
    description = "Read and check a consumer-to-shop set: the same items in consumer and shop photos."
    icon = "icons/consumershopset.svg"
    priority = 10
    short_name = "Consumer-\nShop Set"  # the canvas toolbox would cut the full name to "Consumer… Set"
    keywords = "consumer, shop, street, fashion, images, set, import"

    class Outputs:
        data = Output("Data", Table, default=True)
        problems = Output("Problems", Table)

    class Warning(OWWidget.Warning):
        problems = Msg("{} problem(s) found; {} photo(s) left out. See the report.")
        no_path = Msg("Choose a {} first.")

    class Error(OWWidget.Error):
        unusable = Msg("This set cannot be used yet: {}")
        failed = Msg("Reading the set failed: {}")

    source = Setting(SAMPLE)
    folder = Setting("")
    manifest = Setting("")
    check_images = Setting(True)
    auto_apply = Setting(True)

    want_main_area = False

    def __init__(self):
        OWWidget.__init__(self)
        BackgroundTaskMixin.__init__(self)
        self._build_controls()
        self.commit.now()

    def _build_controls(self):
        box = gui.vBox(self.controlArea, "Source")
        grid = QGridLayout()
        box.layout().addLayout(grid)
        self.source_group = QButtonGroup(box)
        self.path_labels = {}
        for row, (key, text) in enumerate([(SAMPLE, "Sample set (generated pictures)"),
                                           (REAL_PHOTOS, "Real photos (clothing sample)"),
                                           (FOLDER, "Folder:"), (MANIFEST, "CSV manifest:")]):
            button = QRadioButton(text)
            self.source_group.addButton(button, key)
            grid.addWidget(button, row, 0)
            if key in (FOLDER, MANIFEST):
                self.path_labels[key] = gui.widgetLabel(None, "")
                grid.addWidget(self.path_labels[key], row, 1)
                browse = QPushButton("…", autoDefault=False, maximumWidth=32)
                browse.clicked.connect(self.browse_folder if key == FOLDER else self.browse_manifest)
                grid.addWidget(browse, row, 2)
        self.source_group.button(self.source).setChecked(True)
        self.source_group.idClicked.connect(self._on_source_clicked)
        self._show_paths()
        gui.checkBox(self.controlArea, self, "check_images", "Open every photo to check it",
                     callback=self.commit.deferred)
        self.summary = QLabel("")
        self.summary.setMinimumHeight(6 * self.summary.fontMetrics().lineSpacing() + 4)
        gui.vBox(self.controlArea, "Set").layout().addWidget(self.summary)
        self.report_view = QPlainTextEdit(readOnly=True)
        self.report_view.setMinimumSize(460, 160)
        gui.vBox(self.controlArea, "Report").layout().addWidget(self.report_view)
        # Apply also reads the set again (after photos were added to the folder).
        gui.auto_apply(self.buttonsArea, self, "auto_apply")
        self.add_cancel_button(self.buttonsArea)

    def _show_paths(self):
        for key, value in ((FOLDER, self.folder), (MANIFEST, self.manifest)):
            label = self.path_labels[key]
            label.setText(label.fontMetrics().elidedText(value, Qt.TextElideMode.ElideLeft, 300)
                          if value else "(none chosen)")
            label.setToolTip(value)

    def _on_source_clicked(self, key):
        self.source = key
        self.commit.deferred()

    def browse_folder(self):
        folder = QFileDialog.getExistingDirectory(self, "Consumer-to-shop set folder", self.folder)
        if folder:
            self.set_folder(folder)

    def browse_manifest(self):
        path, _ = QFileDialog.getOpenFileName(self, "Consumer-to-shop manifest", self.manifest,
                                              "CSV manifest (*.csv)")
        if path:
            self.set_manifest(path)

    def set_folder(self, folder):
        self.folder, self.source = str(folder), FOLDER
        self._select_and_load()

    def set_manifest(self, path):
        self.manifest, self.source = str(path), MANIFEST
        self._select_and_load()

    def use_sample(self):
        self.source = SAMPLE
        self._select_and_load()

    def use_real_photos(self):
        self.source = REAL_PHOTOS
        self._select_and_load()

    def _select_and_load(self):
        self.source_group.button(self.source).setChecked(True)
        self._show_paths()
        self.commit.deferred()

    def locate(self):
        """A function giving the chosen set's path (None when no folder or manifest is chosen yet)."""
        if self.source == REAL_PHOTOS:
            return lambda: str(sample_check_set())
        path = {SAMPLE: str(sample_set_path()), FOLDER: self.folder, MANIFEST: self.manifest}[self.source]
        return (lambda: path) if path else None

    @gui.deferred
    def commit(self):
        """Read and check the chosen set in the background; outputs update when it is done."""
        self.cancel()
        self.clear_messages()
        locate = self.locate()
        if locate is None:
            self.Warning.no_path("folder" if self.source == FOLDER else "CSV manifest")
            self._send(None, None)
            return
        self.summary.setText("Reading the set …")
        self.start(run_load, locate, self.check_images)

    def on_done(self, result):
        report = result.report
        self.report_view.setPlainText(str(report))
        self.summary.setText(
            f"Items with both sides: {report.n_items}\nConsumer photos: {report.n_consumer}\n"
            f"Shop photos: {report.n_shop}\nPhotos left out: {report.n_skipped}\n"
            f"Problems: {len(report.problems)}\nUsable: {'yes' if report.usable else 'no'}")
        if report.problems:
            self.Warning.problems(len(report.problems), report.n_skipped)
        problems = frame_to_table(report.to_frame(), name="Problems") if report.problems else None
        if not report.usable:
            first = next((p for p in report.problems if p.level == "set"), None)
            self.Error.unusable(str(first) if first else
                                f"only {report.n_items} item(s) have both a consumer and a shop photo")
            self._send(None, problems)
            return
        self._send(set_to_table(result.table), problems)

    def on_exception(self, ex):
        self.Error.failed(str(ex))
        self._send(None, None)

    def on_cancelled(self):
        self.summary.setText("Cancelled: the outputs are those of the last finished reading.")

    def _send(self, data, problems):
        self.Outputs.data.send(data)
        self.Outputs.problems.send(problems)
        if data is None:
            self.info.set_output_summary(self.info.NoOutput)
        else:
            self.info.set_output_summary(str(len(data)), f"{len(data)} photos")


if __name__ == "__main__":
    from orangewidget.utils.widgetpreview import WidgetPreview

    WidgetPreview(OWConsumerShopSet).run()
