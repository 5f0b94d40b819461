"""Every Orange workflow in orange_workflows/ opens, resolves all its widgets, and runs headless without an
error in any widget."""

import sys
from pathlib import Path

import numpy as np
import pytest
from AnyQt.QtWidgets import QApplication

from fashion_ai.datasets import clothing
from fashion_ai_widgets.headless import load_workflow, settle, widget_errors, widget_registry

WORKFLOWS = sorted((Path(__file__).resolve().parents[1] / "orange_workflows").glob("*.ows"))
#: Seconds a workflow may take to settle (background tasks included).
TIMEOUT = 240


@pytest.fixture(scope="module")
def registry():
    """Orange's widget registry with every installed add-on, the kit's included."""
    yield widget_registry()
    QApplication.instance().processEvents()


def real_consumer_and_shop_photos(scheme):
    """01: the Image Viewer shows the real-photo set of the bundled clothing sample: every item with one shop
    and one (simulated) consumer photo, each photo a file of that set."""
    from fashion_ai.consumer_shop import load_set
    from fashion_ai.datasets.photo_views import sample_check_set
    from fashion_ai_widgets.tables import image_paths

    viewer = next(scheme.widget_for_node(n) for n in scheme.nodes if n.title == "Image Viewer")
    data = viewer.data
    assert data is not None, "the Image Viewer got no photos"
    expected, _ = load_set(str(sample_check_set()))
    assert len(data) == len(expected)
    domain = data.domain["domain"]
    shown = [domain.values[int(code)] for code in data.get_column(domain)]
    assert sorted(shown) == sorted(expected["domain"]) and set(shown) == {"consumer", "shop"}
    assert sorted(image_paths(data)) == sorted(str(Path(p)) for p in expected["path"])


def clustered_garment_photos(scheme):
    """02: every photo of the bundled clothing sample reaches the Image Viewer with its class and one of the
    ten clusters, ordered and titled by cluster, and only CNN features went into the distances (the class and
    the other columns did not)."""
    viewer = next(scheme.widget_for_node(n) for n in scheme.nodes if n.title == "Image Viewer")
    data = viewer.data
    assert data is not None, "the Image Viewer got no photos"
    assert len(data) == len(clothing.read_table(clothing.bundled_sample()))
    assert data.domain.class_var is not None and data.domain.class_var.name == "label"
    assert set(data.domain.class_var.values) == set(clothing.CLASSES) and not np.isnan(data.Y).any()
    clusters = data.get_column("Cluster")
    assert len(np.unique(clusters)) == 10
    assert (np.diff(clusters) >= 0).all(), "the Image Viewer's photos are not ordered by cluster"
    assert viewer.title_attr is not None and viewer.title_attr.name == "Cluster"
    assert all(v.name.startswith("efficientnet-lite0 ") for v in data.domain.attributes)


def real_photos_find_their_shop_photos(scheme):
    """03: on the real photos of the clothing sample, retrieval ranks the right shop photo first far more
    often than chance (1 / gallery size)."""
    retrieval = next(scheme.widget_for_node(n) for n in scheme.nodes if n.title == "Consumer-to-Shop Retrieval")
    assert retrieval.result is not None, "retrieval got no embeddings"
    assert retrieval.result.accuracy()[1] >= 5 / len(retrieval.result.gallery)
    matches_are_labelled_right_or_wrong(scheme)


def matches_are_labelled_right_or_wrong(scheme):
    """03: the Image Viewer titles each match by its own item and says whether it is right for its query."""
    viewer = next(scheme.widget_for_node(n) for n in scheme.nodes if n.title == "Image Viewer")
    data = viewer.data
    assert data is not None, "the Image Viewer got no matches"
    correct = data.domain["correct"]
    assert correct.is_discrete and set(correct.values) == {"right", "wrong"}
    right = np.array([correct.values[int(c)] == "right" for c in data.get_column(correct)])
    assert (right == (data.get_column("item_id") == data.get_column("query item"))).all()
    assert right.any() and not right.all()
    assert viewer.title_attr is not None and viewer.title_attr.name == "match"
    for title, item, ok in zip(data.get_column("match"), data.get_column("item_id"), right):
        assert item in title and title.endswith("right" if ok else "wrong")


def detected_real_garments_find_their_shop_photos(scheme):
    """04: the detector finds garments in the real consumer photos; retrieval on the crops' embeddings ranks
    the right shop photo first far more often than chance (1 / gallery size), and scores exactly what the
    library scores on the same crops (so no box or score column leaks into the embedding)."""
    from fashion_ai.embedding import embed_paths
    from fashion_ai.retrieval import retrieve

    widgets = {n.title: scheme.widget_for_node(n) for n in scheme.nodes}
    shown = widgets["Data Table"].input  # what the detector sent
    assert shown is not None and len(shown.table) > 0, "the detector found nothing in the real photos"
    retrieval = widgets["Consumer-to-Shop Retrieval"]
    assert retrieval.result is not None, "retrieval got no embeddings"
    chance = 1 / len(retrieval.result.gallery)
    assert retrieval.result.accuracy()[1] >= 5 * chance
    crops = retrieval.set_table
    vectors = embed_paths(list(crops["path"]), widgets["Fashion Embedder"].model_name).full(len(crops))
    library = retrieve(crops, vectors).accuracy()
    assert library == pytest.approx(retrieval.result.accuracy(), abs=1e-9)


def pop_lines_grouped_by_trend(scheme):
    """05: Line Plot draws one line per sample probe, grouped by the probes' trend."""
    plot = next(scheme.widget_for_node(n) for n in scheme.nodes if n.title == "Line Plot")
    assert plot.data is not None and len(plot.data) > 0, "Line Plot got no POP signals"
    assert plot.group_var is not None and plot.group_var.name == "trend"
    assert set(plot.group_var.values) == {"falling", "flat", "rising"}


#: Per workflow, what its outputs must show once it has settled.
OUTPUT_CHECKS = {"01_consumer_shop_set.ows": real_consumer_and_shop_photos,
                 "02_features_clustering.ows": clustered_garment_photos,
                 "03_retrieval.ows": real_photos_find_their_shop_photos,
                 "04_detect_and_retrieve.ows": detected_real_garments_find_their_shop_photos,
                 "05_pop_signal.ows": pop_lines_grouped_by_trend}


def test_there_are_workflows():
    assert any(p.name == "01_consumer_shop_set.ows" for p in WORKFLOWS)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_runs_headless(path, registry, monkeypatch):
    from orangecanvas.scheme.readwrite import parse_ows_stream

    with open(path, "rb") as fh:
        described = parse_ows_stream(fh)
    for node in described.nodes:
        assert registry.has_widget(node.qualified_name), f"{path.name}: widget {node.qualified_name} not found"

    raised = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: raised.append(exc))
    scheme, errors = load_workflow(path, registry)
    try:
        assert not errors, f"{path.name}: {errors}"
        assert len(scheme.nodes) == len(described.nodes) and len(scheme.links) == len(described.links)
        assert settle(scheme, TIMEOUT), f"{path.name}: still busy after {TIMEOUT} s"
        assert not raised, f"{path.name}: a widget raised {raised[0][1]!r}"
        assert not widget_errors(scheme), f"{path.name}: widgets show errors: {widget_errors(scheme)}"
        if path.name in OUTPUT_CHECKS:
            OUTPUT_CHECKS[path.name](scheme)
    finally:
        scheme.clear()
        QApplication.instance().processEvents()
