"""The kit's figure helpers that do more than draw: the t-SNE map behind notebook 03's before/after figure and
the live-class slider of notebooks 02-05."""

import matplotlib
import numpy as np

matplotlib.use("Agg")

from fashion_ai.plotting import live_slider, plot_embedding_maps, tsne_map  # noqa: E402


def _two_groups():
    rng = np.random.default_rng(0)
    centres = np.eye(16)[:2] * 5
    vectors = np.vstack([centres[g] + rng.normal(0, 0.3, (20, 16)) for g in (0, 1)])
    return vectors, np.repeat(["a", "b"], 20)


def test_tsne_map_is_repeatable_and_keeps_separate_groups_apart():
    vectors, labels = _two_groups()
    xy = tsne_map(vectors)
    assert xy.shape == (40, 2) and np.allclose(xy, tsne_map(vectors))
    a, b = xy[labels == "a"], xy[labels == "b"]
    spread = max(np.linalg.norm(a - a.mean(0), axis=1).max(), np.linalg.norm(b - b.mean(0), axis=1).max())
    assert np.linalg.norm(a.mean(0) - b.mean(0)) > spread


def test_embedding_maps_draw_one_panel_per_embedding_with_every_class():
    vectors, labels = _two_groups()
    fig = plot_embedding_maps({"before": vectors, "after": vectors * 2}, labels)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["before", "after"]
    assert [t.get_text() for t in axes[-1].get_legend().get_texts()] == ["a", "b"]


def test_live_slider_draws_only_when_moved():
    from ipywidgets import IntSlider

    drawn = []
    slider = IntSlider(3, min=1, max=9)
    live_slider(drawn.append, slider)
    assert drawn == []            # a headless run draws nothing here: the cell before shows the default
    slider.value = 5
    assert drawn == [5]
