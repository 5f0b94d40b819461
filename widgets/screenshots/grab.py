"""Screenshots of the five widgets with data, for the README: run
`QT_QPA_PLATFORM=offscreen python widgets/screenshots/grab.py` from the repository root (it writes the PNGs
beside this script). Each widget gets the bundled sample data a class would give it."""

import sys
import time
from pathlib import Path

import pandas as pd
from AnyQt.QtCore import QSize
from AnyQt.QtWidgets import QApplication
from PIL import Image

from fashion_ai.consumer_shop import sample_set
from fashion_ai.datasets import clothing
from fashion_ai.embedding import embed_paths
from fashion_ai_widgets.owclothingdetector import OWClothingDetector
from fashion_ai_widgets.owconsumershopretrieval import OWConsumerShopRetrieval
from fashion_ai_widgets.owconsumershopset import OWConsumerShopSet
from fashion_ai_widgets.owfashionembedder import OWFashionEmbedder, with_embeddings
from fashion_ai_widgets.owpopsignal import OWPopSignal
from fashion_ai_widgets.tables import frame_to_table, set_to_table

HERE = Path(__file__).parent
MAX_BYTES = 150_000


def settle(widget, timeout=600):
    """Let the widget's background task finish and its results reach the screen."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while getattr(widget, "task", None) is not None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(20):
        app.processEvents()


def save(widget, name, size=None):
    """Show the widget at `size` (None: the size it asks for), grab it, and keep the PNG small (a 256-colour
    palette if it must)."""
    widget.show()
    settle(widget)
    if size:
        widget.resize(QSize(*size))
    else:
        widget.adjustSize()
    settle(widget)
    path = HERE / f"{name}.png"
    widget.grab().save(str(path))
    if path.stat().st_size > MAX_BYTES:
        Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
    widget.hide()
    print(f"{path} {path.stat().st_size // 1000} KB")


def small_set():
    """Every fourth item of the bundled consumer-to-shop sample: enough for a readable retrieval."""
    df = sample_set()
    return df[df["item_id"].isin(df["item_id"].unique()[::4])].reset_index(drop=True)


def photo_table(labels=("Dress", "Pants", "Outwear", "T-Shirt")):
    """One real photo of each of a few classes from the bundled clothing sample's test split."""
    photos = clothing.load_split("test", clothing.bundled_sample())
    paths = [photos.loc[photos["label"] == label, "path"].iloc[0] for label in labels]
    return frame_to_table(pd.DataFrame({"image": paths}), image_column="image")


def main():
    app = QApplication.instance() or QApplication(sys.argv)

    widget = OWConsumerShopSet()
    settle(widget)
    save(widget, "consumer-shop-set")

    df = small_set()
    widget = OWFashionEmbedder()
    widget.set_data(set_to_table(df))
    save(widget, "fashion-embedder")

    result = embed_paths(df["path"], "efficientnet-lite0")
    widget = OWConsumerShopRetrieval()
    widget.set_data(with_embeddings(set_to_table(df), result.kept, result.vectors, "efficientnet-lite0"))
    widget.query = 3
    widget.show_preview()
    save(widget, "consumer-to-shop-retrieval", (1000, 340))

    widget = OWClothingDetector()
    widget.set_data(photo_table())
    save(widget, "clothing-detector", (820, 560))

    widget = OWPopSignal()
    save(widget, "pop-signal", (640, 560))
    app.processEvents()


if __name__ == "__main__":
    main()
