"""Clothing Detector: find garments in pictures with the kit's SSD; output the boxes and a crop of each
garment as an image table (for Image Viewer, or an embedder to retrieve matching shop photos)."""

import io
from types import SimpleNamespace

from AnyQt.QtCore import QRectF, QSize, Qt
from AnyQt.QtGui import QColor, QPainter, QPen, QPixmap
from AnyQt.QtWidgets import QLabel, QSizePolicy
from Orange.data import Table
from Orange.widgets import gui
from Orange.widgets.settings import Setting
from Orange.widgets.utils.concurrent import TaskState
from Orange.widgets.widget import Input, Msg, Output, OWWidget

from fashion_ai.detection.annotate import PALETTE, detections_frame
from fashion_ai.detection.cache import detect_files
from fashion_ai.images import ImageLoadError, load_image
from fashion_ai_widgets.background import BackgroundTaskMixin, Cancelled
from fashion_ai_widgets.tables import frame_to_table, image_column, image_paths, table_to_frame

LOWEST_SCORE = 0.2   # detections below this are dropped at once; the slider chooses among the rest
PREVIEW_SIDE = 480


def run_detection(paths, state: TaskState):
    """Background task: detect garments in every readable picture and write their crops (both cached by
    picture content, so a workflow opened again shows them at once).
    `paths` is [(input row, path)]; results keep the row, so the outputs can carry the input's columns."""
    def progress(done, total):
        if state.is_interruption_requested():
            raise Cancelled
        state.set_progress_value(100 * done / max(total, 1))

    found, problems = detect_files([path for _, path in paths], LOWEST_SCORE, progress=progress)
    done = [(row, path, result.detections, result.crops)
            for (row, path), result in zip(paths, found) if result is not None]
    return SimpleNamespace(done=done, problems=problems)


class Preview(QLabel):
    """The chosen picture scaled to the label, its boxes and "class score" labels drawn by Qt at the widget's
    font size, so they stay readable however large the photo is."""

    def __init__(self):
        super().__init__(alignment=Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.picture, self.detections = None, []

    def sizeHint(self):
        return QSize(PREVIEW_SIDE, PREVIEW_SIDE)

    def show_picture(self, picture, detections):
        """Show a PIL picture (None: nothing) with the detections in its pixel coordinates."""
        self.picture = None
        if picture is not None:
            buffer = io.BytesIO()
            picture.save(buffer, format="PNG")
            self.picture = QPixmap()
            self.picture.loadFromData(buffer.getvalue())
        self.detections = detections
        self.redraw()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.redraw()

    def redraw(self):
        if self.picture is None:
            self.clear()
            return
        scale = min(self.width() / self.picture.width(), self.height() / self.picture.height())
        pixmap = self.picture.scaled(self.picture.size() * scale, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
        painter = QPainter(pixmap)
        metrics = painter.fontMetrics()
        for d in self.detections:
            colour = QColor(PALETTE[(d["category_id"] - 1) % len(PALETTE)])
            x0, y0, x1, y1 = (v * scale for v in d["box"])
            painter.setPen(QPen(colour, 2))
            painter.drawRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            label = f"{d['class']} {d['score']:.2f}"
            tag = QRectF(metrics.boundingRect(label).adjusted(-3, 0, 3, 0))
            tag.moveTo(x0, max(0.0, y0 - tag.height()))
            painter.fillRect(tag, colour)
            painter.setPen(Qt.GlobalColor.black if colour.lightness() > 150 else Qt.GlobalColor.white)
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)
        painter.end()
        self.setPixmap(pixmap)


class OWClothingDetector(BackgroundTaskMixin, OWWidget):
    name = "Clothing Detector"
    description = "Find garments (ModaNet classes) in pictures with an SSD detector; output boxes and crops."
    icon = "icons/clothingdetector.svg"
    priority = 40
    keywords = "detection, ssd, garment, clothing, boxes, crops, modanet"

    class Inputs:
        data = Input("Images", Table)

    class Outputs:
        # Crops are the default link: an embedder or Image Viewer after the detector works on the garments.
        detections = Output("Detections", Table)
        crops = Output("Crops", Table, default=True)

    class Warning(OWWidget.Warning):
        skipped = Msg("{} picture(s) could not be read and were left out: {}")
        nothing_found = Msg("No garment scored above {:.2f}.")

    class Error(OWWidget.Error):
        no_images = Msg("The input has no image column (connect Import Images or a table of picture paths).")
        failed = Msg("Detection failed: {}")

    threshold = Setting(0.5)
    want_main_area = True

    def __init__(self):
        OWWidget.__init__(self)
        BackgroundTaskMixin.__init__(self)
        self.data = None
        self.paths = []
        self.input_columns = None
        self.results = []
        self.preview_index = 0
        box = gui.vBox(self.controlArea, "Confidence")
        # Live: the slider only filters the detections already found, it never runs the network.
        gui.hSlider(box, self, "threshold", minValue=LOWEST_SCORE, maxValue=0.95, step=0.05,
                    intOnly=False, labelFormat="%.2f", createLabel=True, callback=self.commit)
        self.summary = gui.widgetLabel(gui.vBox(self.controlArea, "Found"), "No pictures yet.")
        self.summary.setWordWrap(True)
        self.summary.setMinimumWidth(220)
        self.preview_combo = gui.comboBox(self.controlArea, self, "preview_index", box="Preview",
                                          callback=self.show_preview, minimumContentsLength=18)
        gui.rubber(self.controlArea)
        self.run_button = gui.button(self.buttonsArea, self, "Run again", callback=self.run,
                                     tooltip="Detect again in the input pictures, e.g. after Cancel or an error.")
        self.run_button.setDisabled(True)
        self.add_cancel_button(self.buttonsArea)
        self.preview = Preview()
        self.mainArea.layout().addWidget(self.preview)

    @Inputs.data
    def set_data(self, data):
        self.data, self.paths = data, []
        self.Error.no_images.clear()
        if data is not None:
            try:
                self.paths = [(row, p) for row, p in enumerate(image_paths(data)) if p]
            except ValueError:
                self.Error.no_images()
            else:
                columns = table_to_frame(data).drop(columns=[image_column(data).name])
                self.input_columns = columns.astype({c: object for c in columns if columns[c].dtype == "category"})
        self.run()

    def run(self):
        """Detect in the input pictures (again); until it is done, nothing is shown or sent."""
        self.cancel()
        self.Warning.clear()
        self.Error.failed.clear()
        self.results = []
        self.preview_combo.clear()
        self.commit()
        self.run_button.setDisabled(not self.paths)
        if self.paths:
            self.summary.setText(f"Detecting garments in {len(self.paths)} picture(s) …")
            self.start(run_detection, self.paths)

    def on_done(self, result):
        self.results = result.done
        if result.problems:
            self.Warning.skipped(len(result.problems), "; ".join(result.problems[:3]))
        self.preview_combo.addItems([str(path).rsplit("/", 1)[-1] for _, path, _, _ in self.results])
        self.preview_index = 0
        self.commit()

    def on_exception(self, ex):
        self.Error.failed(str(ex))
        self.summary.setText("Detection failed: press Run again to retry.")

    def on_cancelled(self):
        self.summary.setText("Cancelled: no output. Press Run again to detect.")

    def kept(self):
        """[(input row, path, detections, crop paths)] with only the detections at or above the threshold."""
        out = []
        for row, path, found, crops in self.results:
            pairs = [(d, c) for d, c in zip(found, crops) if d["score"] >= self.threshold]
            out.append((row, path, [d for d, _ in pairs], [c for _, c in pairs]))
        return out

    def commit(self):
        kept = self.kept()
        self.Warning.nothing_found.clear()
        n = sum(len(dets) for _, _, dets, _ in kept)
        if kept and not n:
            self.Warning.nothing_found(self.threshold)
        if not kept:
            self.Outputs.detections.send(None)
            self.Outputs.crops.send(None)
            self.summary.setText("No pictures yet." if not self.paths else "Nothing detected.")
            self.show_preview()
            return
        frame = self.with_input_columns(detections_frame([p for _, p, _, _ in kept], [d for _, _, d, _ in kept]),
                                        [row for row, _, dets, _ in kept for _ in dets])
        discrete = ("class", *(c for c in ("domain", "category") if c in frame))
        detections = frame_to_table(frame, image_column="image", discrete=discrete, name="Detections")
        self.Outputs.detections.send(detections if n else None)
        crops = frame.assign(source=frame["image"], image=[c for _, _, _, cs in kept for c in cs])
        self.Outputs.crops.send(frame_to_table(crops, image_column="image", discrete=discrete, name="Crops")
                                if n else None)
        self.summary.setText(f"{n} garment(s) in {len(kept)} picture(s) at score ≥ {self.threshold:.2f}")
        self.show_preview()

    def with_input_columns(self, frame, rows):
        """The detections with the other columns of their input row (item_id, domain... pass through)."""
        extra = self.input_columns.iloc[rows].reset_index(drop=True)
        extra = extra[[c for c in extra.columns if c not in frame.columns]]
        return frame.join(extra)

    def show_preview(self):
        kept = self.kept()
        if not kept or self.preview_index >= len(kept):
            self.preview.show_picture(None, [])
            return
        _, path, found, _ = kept[self.preview_index]
        try:
            picture = load_image(path)
        except ImageLoadError:
            picture, found = None, []
        self.preview.show_picture(picture, found)


if __name__ == "__main__":
    from orangewidget.utils.widgetpreview import WidgetPreview

    WidgetPreview(OWClothingDetector).run()
