"""Consumer-to-Shop Retrieval: every consumer photo looks for its item among the shop photos.

Input: embeddings of a consumer-to-shop set (e.g. Consumer-Shop Set -> Fashion Embedder): the columns the
Fashion Embedder marked are the embedding (other numeric columns, such as a detector's score and box, are
not; without marked columns every feature counts); the metas item_id and domain say which photo is which. Output:
each query's top matches and the top-k accuracy (DeepFashion's consumer-to-shop protocol); the preview
shows one query and its matches, the right item framed green.
"""

import numpy as np
import pandas as pd
from AnyQt.QtCore import Qt
from AnyQt.QtGui import QImage, QPixmap
from AnyQt.QtWidgets import QGridLayout, QLabel, QWidget
from Orange.data import Table
from Orange.widgets import gui
from Orange.widgets.settings import Setting
from Orange.widgets.widget import Input, Msg, Output, OWWidget

from fashion_ai.images import ImageLoadError
from fashion_ai.plotting import thumbnail
from fashion_ai.retrieval import KS, retrieve, self_and_matches
from fashion_ai_widgets.tables import embedding_matrix, frame_to_table, table_to_set

SIDE = 120


def pixmap(path):
    """A thumbnail QPixmap of an image file (a grey square if it cannot be read)."""
    try:
        rgb = np.ascontiguousarray(thumbnail(path, SIDE))
    except ImageLoadError:
        rgb = np.full((SIDE, SIDE, 3), 200, np.uint8)
    h, w, _ = rgb.shape
    return QPixmap.fromImage(QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())


def matches_frame(result, set_table, k) -> pd.DataFrame:
    """Each query's top k matches, shaped for Image Viewer: its title column `match` names the match's own
    item and says whether it is the query's item; `item_id` is the match's item, `correct` right/wrong."""
    found = result.matches(set_table, k)
    correct = np.where(found["correct"], "right", "wrong")
    return pd.DataFrame({
        "match": [f"#{r} {item}: {c}" for r, item, c in zip(found["rank"], found["match_item"], correct)],
        "item_id": found["match_item"], "query item": found["query_item"], "correct": correct,
        "rank": found["rank"], "similarity": found["similarity"], "query": found["query"],
        "query_path": found["query_path"], "match_path": found["match_path"]})


class OWConsumerShopRetrieval(OWWidget):
    name = "Consumer-to-Shop Retrieval"
    description = "Consumer photos query the shop photos: top-k matches and accuracy."
    icon = "icons/consumershopretrieval.svg"
    priority = 30
    short_name = "Shop\nRetrieval"  # the full name cannot fit the canvas toolbox's two short lines
    keywords = "retrieval, consumer, shop, street2shop, top-k, search"

    class Inputs:
        embeddings = Input("Embeddings", Table)

    class Outputs:
        matches = Output("Matches", Table, default=True)
        accuracy = Output("Accuracy", Table)

    class Error(OWWidget.Error):
        not_a_set = Msg("{}")
        no_features = Msg("The data has no numeric features: connect the output of Fashion Embedder.")

    k = Setting(5)
    query = Setting(0)
    auto_apply = Setting(True)

    def __init__(self):
        super().__init__()
        self.set_table = None
        self.result = None
        box = gui.vBox(self.controlArea, "Matches")
        gui.spin(box, self, "k", 1, 20, label="Matches per query:", callback=self.commit.deferred)
        self.accuracy_label = QLabel("No data.")
        gui.vBox(self.controlArea, "Top-k accuracy").layout().addWidget(self.accuracy_label)
        preview = gui.vBox(self.controlArea, "Preview")
        self.query_spin = gui.spin(preview, self, "query", 0, 0, label="Query:", callback=self.show_preview)
        gui.rubber(self.controlArea)
        gui.auto_apply(self.buttonsArea, self, "auto_apply")
        self.gallery = QWidget()
        self.grid = QGridLayout(self.gallery)
        self.mainArea.layout().addWidget(self.gallery)
        gui.rubber(self.mainArea)

    @Inputs.embeddings
    def set_data(self, data):
        self.clear_messages()
        self.set_table, self.result = None, None
        if data is not None:
            self._run(data)
        self.commit.now()

    def _run(self, data):
        if not data.domain.attributes:
            self.Error.no_features()
            return
        try:
            table = table_to_set(data)
            self.result = retrieve(table, embedding_matrix(data))
        except ValueError as exc:
            self.Error.not_a_set(str(exc))
            return
        self.set_table = table
        self.query_spin.setMaximum(len(self.result.queries) - 1)
        self.query = min(self.query, len(self.result.queries) - 1)

    @gui.deferred
    def commit(self):
        if self.result is None:
            self.accuracy_label.setText("No data.")
            self.Outputs.matches.send(None)
            self.Outputs.accuracy.send(None)
            self.show_preview()
            return
        acc = self.result.accuracy()
        self.accuracy_label.setText(
            f"{len(self.result.queries)} consumer queries, {len(self.result.gallery)} shop photos\n"
            + "\n".join(f"top-{k}: {100 * acc[k]:.1f}%" for k in KS))
        matches = matches_frame(self.result, self.set_table, self.k)
        self.Outputs.matches.send(frame_to_table(matches, image_column="match_path", discrete=["correct"],
                                                 name="Matches"))
        accuracy = pd.DataFrame({"k": list(KS), "accuracy": [acc[k] for k in KS]})
        self.Outputs.accuracy.send(frame_to_table(accuracy, name="Top-k accuracy"))
        self.show_preview()

    def show_preview(self):
        """The chosen query (orange frame) and its top k shop photos (green: its own item)."""
        while self.grid.count():
            old = self.grid.takeAt(0).widget()
            old.hide()
            old.deleteLater()
        if self.result is None:
            return
        q, gallery, sims = self_and_matches(self.result, self.query, self.k)
        items, paths = self.set_table["item_id"].to_numpy(), self.set_table["path"].to_numpy()
        cells = [(paths[q], f"query: {items[q]}", "orange")]
        cells += [(paths[g], f"#{r + 1} {items[g]}\n{s:.2f}", "green" if items[g] == items[q] else "red")
                  for r, (g, s) in enumerate(zip(gallery, sims))]
        for col, (path, text, colour) in enumerate(cells):
            image = QLabel()
            image.setPixmap(pixmap(path))
            image.setStyleSheet(f"border: 4px solid {colour};")
            caption = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(image, 2 * (col // 6), col % 6)
            self.grid.addWidget(caption, 2 * (col // 6) + 1, col % 6)


if __name__ == "__main__":
    from orangewidget.utils.widgetpreview import WidgetPreview

    from fashion_ai.consumer_shop import sample_set
    from fashion_ai.embedding import embed_paths
    from fashion_ai_widgets.owfashionembedder import with_embeddings
    from fashion_ai_widgets.tables import set_to_table

    df = sample_set()
    result = embed_paths(df["path"], "efficientnet-lite0")
    WidgetPreview(OWConsumerShopRetrieval).run(with_embeddings(set_to_table(df), result.kept, result.vectors,
                                                               "efficientnet-lite0"))
