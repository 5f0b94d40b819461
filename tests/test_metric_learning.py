"""Triplet metric learning: how triplets are drawn, that training learns, and the checkpoint format."""

import numpy as np
import pytest
import torch

from fashion_ai import metric_learning as ml


def toy_views(n_items=24, n_categories=3, consumer_views=2, dim=32, seed=0):
    """Features where a consumer photo = its item's shop photo + one of a few strong 'backgrounds' + noise:
    a head can learn to look past the backgrounds."""
    rng = np.random.default_rng(seed)
    item_vec = rng.standard_normal((n_items, dim))
    backgrounds = 4 * rng.standard_normal((4, dim))
    rows, features = [], []
    for item in range(n_items):
        category = item % n_categories
        rows.append((item, category, True))
        features.append(item_vec[item])
        for _ in range(consumer_views):
            rows.append((item, category, False))
            features.append(item_vec[item] + backgrounds[rng.integers(4)] + 0.3 * rng.standard_normal(dim))
    item, category, is_shop = (np.array(c) for c in zip(*rows))
    return ml.TrainingViews(np.array(features, np.float32), item, category, is_shop.astype(bool))


def test_triplets_follow_the_sampling_rules():
    views = toy_views()
    anchors, positives, negatives = ml.sample_triplets(views.item, views.category, views.is_shop,
                                                       np.random.default_rng(0))
    assert len(anchors) == (~views.is_shop).sum()
    assert negatives.shape == (len(anchors), 5)
    assert not views.is_shop[anchors].any()
    assert views.is_shop[positives].all() and views.is_shop[negatives].all()
    assert (views.item[positives] == views.item[anchors]).all()
    same, other = negatives[:, :3], negatives[:, 3:]
    assert (views.category[same] == views.category[anchors][:, None]).all()
    assert (views.category[other] != views.category[anchors][:, None]).all()
    assert (views.item[negatives] != views.item[anchors][:, None]).all()
    assert all(len(set(row)) == 5 for row in negatives)


def test_triplets_need_enough_items_per_category():
    views = toy_views(n_items=6, n_categories=3)  # 2 items per category: only 1 same-category negative
    with pytest.raises(ValueError, match="too few items"):
        ml.sample_triplets(views.item, views.category, views.is_shop, np.random.default_rng(0))


def test_triplet_loss_is_zero_only_when_negatives_are_far_enough():
    a = torch.tensor([[1.0, 0.0]])
    p = torch.tensor([[1.0, 0.0]])
    far = torch.tensor([[[0.0, 1.0], [-1.0, 0.0]]])
    near = torch.tensor([[[1.0, 0.1], [0.9, 0.0]]])
    assert ml.triplet_loss(a, p, far, margin=0.2).item() == 0.0
    assert ml.triplet_loss(a, p, near, margin=0.2).item() > 0.0


def fixed_triplet_loss(head, views):
    anchors, positives, negatives = ml.sample_triplets(views.item, views.category, views.is_shop,
                                                       np.random.default_rng(123))
    with torch.no_grad():
        emb = head.eval()(torch.from_numpy(views.features))
    return ml.triplet_loss(emb[anchors], emb[positives], emb[negatives]).item()


def test_training_lowers_the_loss_and_improves_retrieval():
    views = toy_views(n_items=60, n_categories=4, seed=1)
    torch.manual_seed(0)
    untrained = ml.EmbeddingHead(32, 16)
    head, history = ml.train_head(views, epochs=15, seed=0, out_dim=16, validation_share=0.0, lr=3e-3)
    assert fixed_triplet_loss(head, views) < 0.5 * fixed_triplet_loss(untrained, views)
    assert history["loss"][-1] < history["loss"][0]
    assert ml.top1(head, views) > ml.top1(untrained, views) + 0.2


def test_training_is_deterministic():
    views = toy_views(n_items=30, seed=2)
    runs = [ml.train_head(views, epochs=3, seed=5, out_dim=8)[1]["loss"] for _ in range(2)]
    assert runs[0] == runs[1]


def test_checkpoint_round_trip(tmp_path):
    views = toy_views()
    head, history = ml.train_head(views, epochs=2, seed=0, out_dim=8, hidden=16)
    path = tmp_path / "head.pt"
    ml.save_head(path, head, history, {"seed": 0})
    loaded, checkpoint = ml.load_head(path)
    x = torch.from_numpy(views.features)
    with torch.no_grad():
        assert torch.allclose(head.eval()(x), loaded(x), atol=2e-3)  # weights are stored as float16
    assert checkpoint["history"] == history and checkpoint["settings"] == {"seed": 0}
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_missing_checkpoint_names_the_file_and_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-fashion"):
        ml.load_head(tmp_path / "nope.pt")
