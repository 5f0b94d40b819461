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
    head, history = ml.train_head(views, epochs=15, seed=0, out_dim=16, validation_share=0.0, lr=3e-3,
                                  dropout=0.1, feature_noise=0.1)
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


def test_training_photos_are_generated_from_the_train_split_deterministically():
    from fashion_ai.datasets import fashion_mnist

    images, labels = fashion_mnist.load("train", source="subset")
    picks = [0, 5]
    pictures, item, category, is_shop = ml.render_items(images, labels, picks, seed=3, consumer_views=2)
    assert len(pictures) == 6 and list(item) == [0, 0, 0, 5, 5, 5]
    assert list(is_shop) == [True, False, False, True, False, False]
    assert list(category) == [labels[0]] * 3 + [labels[5]] * 3
    again, *_ = ml.render_items(images, labels, picks, seed=3, consumer_views=2)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(pictures, again))
    other, *_ = ml.render_items(images, labels, picks, seed=4, consumer_views=2)
    assert not np.array_equal(np.asarray(pictures[1]), np.asarray(other[1]))


def test_example_triplet_has_anchor_positive_and_five_negatives():
    pictures = ml.example_triplet(per_class=4)
    assert len(pictures) == 7 and all(p.size == (224, 224) for p in pictures)


def test_train_fashion_command_writes_a_loadable_checkpoint(tmp_path, capsys):
    from fashion_ai.cli import main
    from fashion_ai.images import file_digest

    from fashion_ai.datasets import clothing

    out = tmp_path / "head.pt"
    assert main(["train-fashion", "--out", str(out), "--per-class", "6", "--consumer-views", "1",
                 "--real-views", "1", "--clothing", str(clothing.bundled_sample()), "--validation-per-class", "4",
                 "--epochs", "2", "--seed", "3"]) == 0
    assert "wrote" in capsys.readouterr().out
    head, checkpoint = ml.load_head(out)
    real_train = len(ml.clothing_groups(clothing.bundled_sample())["train"])
    # 60 generated garments x (1 shop + 1 consumer), and each real photo with one consumer-style view
    assert checkpoint["settings"]["training_photos"] == {"generated": 120, "real": 2 * real_train}
    history = checkpoint["history"]
    assert len(history["loss"]) == 2 and history["chosen_epoch"] in (1, 2)
    assert history["keep"] in ml.KEEP_GRID and head.config["keep"] == history["keep"]
    embedder = ml.FashionEmbedder(out)
    assert embedder.dim == head.output_dim and embedder.version.endswith(file_digest(out)[:12])


def test_blended_similarity_is_the_weighted_sum_of_backbone_and_head_similarities():
    torch.manual_seed(0)
    x = torch.randn(5, 32)
    head = ml.EmbeddingHead(32, 8, keep=0.3).eval()
    head.center.copy_(torch.randn(32))
    blended = head(x)
    unit = torch.nn.functional.normalize(x - head.center, dim=1)
    learned = torch.nn.functional.normalize(head.net(unit), dim=1)
    expected = 0.3 * unit @ unit.T + 0.7 * learned @ learned.T
    assert blended.shape == (5, head.output_dim) == (5, 40)
    assert torch.allclose(blended @ blended.T, expected, atol=1e-5)


def test_keep_is_chosen_for_generated_photos_without_losing_on_real_ones():
    real, generated = toy_views(seed=1), toy_views(seed=2)
    head, _ = ml.train_head(generated, epochs=10, seed=0, out_dim=16, lr=3e-3, dropout=0.0, feature_noise=0.0,
                            validation={"generated": generated})
    keep, scores = ml.choose_keep(head, real, generated)
    floor = scores["backbone_real_top1"]
    allowed = [k for k, s in scores["by_keep"].items() if s["real_top1"] >= floor]
    if allowed:
        best = max(scores["by_keep"][k]["generated_top1"] for k in allowed)
        assert str(keep) in allowed and scores["by_keep"][str(keep)]["generated_top1"] == best
    else:
        assert scores["by_keep"][str(keep)]["real_top1"] == max(s["real_top1"] for s in scores["by_keep"].values())
    assert head.config["keep"] == keep


def test_real_photo_groups_keep_contributors_and_check_classes_apart():
    from fashion_ai.datasets import clothing

    groups = ml.clothing_groups(clothing.bundled_sample())
    senders = {name: set(table["sender_id"]) for name, table in groups.items()}
    assert not senders["train"] & senders["validation"] and not senders["train"] & senders["check"]
    assert not senders["validation"] & senders["check"]
    for name in ("train", "validation"):
        assert not set(groups[name]["label"]) & set(clothing.UNSEEN_CLASSES)


def test_consumer_and_check_views_are_deterministic_and_differ_from_the_photo():
    from fashion_ai.datasets import clothing, photo_views
    from fashion_ai.images import load_image

    photo = load_image(clothing.read_table(clothing.bundled_sample())["path"].iloc[0])
    for make in (lambda rng: photo_views.consumer_photo(photo, rng, [photo], [photo]),
                 lambda rng: photo_views.check_photo(photo, rng)):
        first, again = make(np.random.default_rng(4)), make(np.random.default_rng(4))
        assert first.size == (photo_views.VIEW_SIDE, photo_views.VIEW_SIDE)
        assert np.array_equal(np.asarray(first), np.asarray(again))
        resized = photo.resize(first.size)
        assert np.abs(np.asarray(first, float) - np.asarray(resized, float)).mean() > 1
