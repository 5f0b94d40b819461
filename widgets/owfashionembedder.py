"""Fashion Embedder: CNN features of every image in a table, computed on this computer only.

Like Orange's Image Embedding, but no image ever leaves the machine, and the models include the kit's
fashion-tuned embedding. Images that cannot be read go to "Skipped Images" with the reason.
"""

import numpy as np
from AnyQt.QtCore import QSize
from AnyQt.QtWidgets import QLabel
from Orange.data import ContinuousVariable, Domain, StringVariable, Table
from Orange.data.util import get_unique_names
from Orange.widgets import gui
from Orange.widgets.settings import Setting
from Orange.widgets.utils.concurrent import TaskState
from Orange.widgets.widget import Input, Msg, Output, OWWidget

from fashion_ai.embedding import EMBEDDERS, embed_paths, get_embedder
from fashion_ai_widgets.background import BackgroundTaskMixin, Cancelled
from fashion_ai_widgets.tables import EMBEDDING_MARK, image_column, image_paths

MODEL_NAMES = list(EMBEDDERS)
MODEL_LABELS = {
    "efficientnet-lite0": "EfficientNet-Lite0 (ImageNet, 1280 features)",
    "squeezenet": "SqueezeNet (as Orange's Image Embedding, 1000 features)",
    "fashion": "Fashion (tuned for consumer-to-shop)",
    "fmnist-cnn": "Fashion-MNIST CNN (garment classes)",
}


def run_embedding(paths, model_name, state: TaskState):
    """Background task: embed the files, reporting progress, stopping between batches when asked."""
    model = get_embedder(model_name)

    def progress(done, total):
        state.set_progress_value(100 * done / max(total, 1))

    result = embed_paths(paths, model, batch_size=16, progress=progress,
                         cancel=state.is_interruption_requested)
    if state.is_interruption_requested():
        raise Cancelled
    return result


def with_embeddings(data: Table, rows, vectors, model_name) -> Table:
    """The input rows `rows` with one new feature per embedding dimension appended."""
    subset = data[rows]
    existing = [v.name for v in data.domain.variables + data.domain.metas]
    names = get_unique_names(existing, [f"{model_name} {i}" for i in range(vectors.shape[1])])
    new = [ContinuousVariable(n) for n in names]
    for var in new:
        var.attributes[EMBEDDING_MARK] = model_name  # which columns are the embedding, for the widgets after
    domain = Domain(list(data.domain.attributes) + new, data.domain.class_vars, data.domain.metas)
    x = np.hstack([subset.X.reshape(len(rows), -1), vectors]) if len(rows) else np.empty((0, len(domain.attributes)))
    return Table.from_numpy(domain, x, subset.Y, subset.metas, ids=subset.ids)


def with_reasons(data: Table, skipped) -> Table:
    """The rows that got no vector, with a text column saying why."""
    reason = StringVariable(get_unique_names([v.name for v in data.domain.metas], "reason"))
    domain = Domain(data.domain.attributes, data.domain.class_vars, data.domain.metas + (reason,))
    subset = data[[s.index for s in skipped]]
    metas = np.hstack([subset.metas.reshape(len(skipped), -1),
                       np.array([[s.reason] for s in skipped], dtype=object)])
    return Table.from_numpy(domain, subset.X, subset.Y, metas, ids=subset.ids)


class OWFashionEmbedder(BackgroundTaskMixin, OWWidget):
    name = "Fashion Embedder"
    description = "Local CNN features of images (nothing leaves this computer), incl. a fashion-tuned model."
    icon = "icons/fashionembedder.svg"
    priority = 20
    keywords = "embedding, image, cnn, features, local, fashion"

    class Inputs:
        images = Input("Images", Table)

    class Outputs:
        embeddings = Output("Embeddings", Table, default=True)
        skipped_images = Output("Skipped Images", Table)

    class Warning(OWWidget.Warning):
        skipped = Msg("{} image(s) could not be read; see Skipped Images.")
        unknown_model = Msg("The saved model '{}' is not installed here; using {} instead.")

    class Error(OWWidget.Error):
        no_image_column = Msg("The data has no image column (a text column of image files).")
        failed = Msg("Embedding failed: {}")

    settings_version = 2
    model = Setting(MODEL_NAMES[0])  # stored by name: a new model in the list never changes a saved choice
    auto_apply = Setting(True)

    want_main_area = False

    def __init__(self):
        OWWidget.__init__(self)
        BackgroundTaskMixin.__init__(self)
        self.data = None
        box = gui.vBox(self.controlArea, "Model")
        self.unknown_model = None if self.model in MODEL_NAMES else self.model
        if self.unknown_model:
            self.model = MODEL_NAMES[0]
        self.model_index = MODEL_NAMES.index(self.model)
        gui.comboBox(box, self, "model_index", items=[MODEL_LABELS.get(n, n) for n in MODEL_NAMES],
                     callback=self._on_model_chosen)
        gui.widgetLabel(box, "Runs on this computer: no image is sent anywhere.").setWordWrap(True)
        self.status = QLabel("No images.", wordWrap=True)
        self.status.setMinimumHeight(3 * self.status.fontMetrics().lineSpacing())
        gui.vBox(self.controlArea, "Status").layout().addWidget(self.status)
        gui.rubber(self.controlArea)
        gui.auto_apply(self.buttonsArea, self, "auto_apply")
        self.add_cancel_button(self.buttonsArea)

    def sizeHint(self):
        return QSize(420, 10)  # as wide as the model names, as high as the controls

    @property
    def model_name(self):
        return self.model

    def _on_model_chosen(self):
        self.model, self.unknown_model = MODEL_NAMES[self.model_index], None
        self.commit.deferred()

    @classmethod
    def migrate_settings(cls, settings, version):
        """Version 1 stored the model as its position in the list; keep the same model by name."""
        index = settings.pop("model_index", None)
        if (version or 1) < 2 and isinstance(index, int) and 0 <= index < len(MODEL_NAMES):
            settings["model"] = MODEL_NAMES[index]

    @Inputs.images
    def set_data(self, data):
        self.data = data
        self.commit.now()

    @gui.deferred
    def commit(self):
        """Embed the current images with the current model in the background."""
        self.cancel()
        self.clear_messages()
        if self.unknown_model:
            self.Warning.unknown_model(self.unknown_model, self.model)
        if self.data is None or not len(self.data):
            self.status.setText("No images.")
            self._send(None, None)
            return
        column = image_column(self.data)
        if column is None:
            self.Error.no_image_column()
            self._send(None, None)
            return
        paths = [p or "" for p in image_paths(self.data, column)]
        self.status.setText(f"Embedding {len(paths)} images with {self.model_name} …")
        self.start(run_embedding, paths, self.model_name)

    def on_done(self, result):
        embedded = with_embeddings(self.data, result.kept, result.vectors, self.model_name) if result.kept else None
        skipped = with_reasons(self.data, result.skipped) if result.skipped else None
        if result.skipped:
            self.Warning.skipped(len(result.skipped))
        self.status.setText(f"{len(result.kept)} images embedded ({result.vectors.shape[1]} features), "
                            f"{len(result.skipped)} skipped.")
        self._send(embedded, skipped)

    def on_exception(self, ex):
        self.Error.failed(str(ex))
        self._send(None, None)

    def on_cancelled(self):
        # The last output came from other images or another model than the combo now shows: withdraw it.
        self._send(None, None)
        self.status.setText("Cancelled: no output. Images embedded so far are cached, so choosing the model "
                            "again resumes where it stopped.")

    def _send(self, embedded, skipped):
        self.Outputs.embeddings.send(embedded)
        self.Outputs.skipped_images.send(skipped)


if __name__ == "__main__":
    from orangewidget.utils.widgetpreview import WidgetPreview

    from fashion_ai.consumer_shop import sample_set
    from fashion_ai_widgets.tables import set_to_table

    WidgetPreview(OWFashionEmbedder).run(set_to_table(sample_set()))
