"""Clothing Detector: find garments in pictures with the kit's SSD; output the boxes and a crop of each
garment as an image table (for Image Viewer, or an embedder to retrieve matching shop photos)."""

import io
from types import SimpleNamespace

from AnyQt.QtCore import Qt
from AnyQt.QtGui import QPixmap
from AnyQt.QtWidgets import QLabel
from Orange.data import Table
from Orange.widgets import gui
from Orange.widgets.settings import Setting
from Orange.widgets.utils.concurrent import TaskState
from Orange.widgets.widget import Input, Msg, Output, OWWidget

from fashion_ai.detection.annotate import detections_frame, draw_detections
from fashion_ai.detection.cache import detect_files
from fashion_ai.images import ImageLoadError, load_image
from fashion_ai_widgets.background import BackgroundTaskMixin, Cancelled
from fashion_ai_widgets.tables import frame_to_table, image_column, image_paths, table_to_frame

LOWEST_SCORE = 0.2   # detections below this are dropped at once; the slider chooses among the rest
PREVIEW_SIDE = 420


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


class OWClothingDetector(BackgroundTaskMixin, OWWidget):
    name = "Clothing Detector"
    description = "Find garments (ModaNet classes) in pictures with an SSD detector; output boxes and crops."
    icon = "icons/clothingdetector.svg"
    priority = 30
    keywords = "detection, ssd, garment, clothing, boxes, crops, modanet"

    class Inputs:
        data = Input("Images", Table)

    class Outputs:
        detections = Output("Detections", Table, default=True)
        crops = Output("Crops", Table)

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
        self.input_columns = None
        self.results = []
        self.preview_index = 0
        box = gui.vBox(self.controlArea, "Confidence")
        gui.hSlider(box, self, "threshold", minValue=LOWEST_SCORE, maxValue=0.95, step=0.05,
                    intOnly=False, labelFormat="%.2f", createLabel=True, callback=self.commit)
        self.summary = gui.widgetLabel(gui.vBox(self.controlArea, "Found"), "No pictures yet.")
        self.preview_combo = gui.comboBox(self.controlArea, self, "preview_index", box="Preview",
                                          callback=self.show_preview)
        self.add_cancel_button(self.controlArea)
        self.preview = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.mainArea.layout().addWidget(self.preview)

    @Inputs.data
    def set_data(self, data):
        self.cancel()
        self.clear_messages()
        self.data, self.results = data, []
        self.preview_combo.clear()
        if data is None:
            self.commit()
            return
        try:
            paths = [(row, p) for row, p in enumerate(image_paths(data)) if p]
        except ValueError:
            self.Error.no_images()
            self.commit()
            return
        columns = table_to_frame(data).drop(columns=[image_column(data).name])
        self.input_columns = columns.astype({c: object for c in columns if columns[c].dtype == "category"})
        self.summary.setText(f"Detecting garments in {len(paths)} picture(s) …")
        self.start(run_detection, paths)

    def on_done(self, result):
        self.results = result.done
        if result.problems:
            self.Warning.skipped(len(result.problems), "; ".join(result.problems[:3]))
        self.preview_combo.addItems([str(path).rsplit("/", 1)[-1] for _, path, _, _ in self.results])
        self.preview_index = 0
        self.commit()

    def on_exception(self, ex):
        self.Error.failed(str(ex))
        self.commit()

    def on_cancelled(self):
        self.summary.setText("Cancelled: the outputs are those of the last finished run.")

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
            self.summary.setText("No pictures yet." if self.data is None else "Nothing detected.")
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
            self.preview.clear()
            return
        _, path, found, _ = kept[self.preview_index]
        try:
            picture = draw_detections(load_image(path), found)
        except ImageLoadError:
            self.preview.clear()
            return
        picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        pixmap = QPixmap()
        pixmap.loadFromData(buffer.getvalue())
        self.preview.setPixmap(pixmap)


if __name__ == "__main__":
    from orangewidget.utils.widgetpreview import WidgetPreview

    WidgetPreview(OWClothingDetector).run()
