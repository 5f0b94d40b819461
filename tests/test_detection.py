"""SSD clothing detection: scenes, COCO/ModaNet files, default boxes, a training step, AP scoring."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from fashion_ai.datasets import fashion_mnist
from fashion_ai.datasets.coco import (MODANET_CATEGORIES, CocoFormatError, boxes_by_image, load_coco,
                                      save_coco)
from fashion_ai.datasets.garments import garment_box
from fashion_ai.datasets.scenes import (FASHION_MNIST_TO_MODANET, build_scenes, bundled_scenes, garment_pool,
                                        render_scene)
from fashion_ai.detection.anchors import CLASSIC_SCALES, boxes_per_location, classic_default_boxes, default_boxes
from fashion_ai.detection.evaluate import ap_table, coco_scores
from fashion_ai.detection.model import DetectorCheckpointError, build_model, load_checkpoint, save_checkpoint
from fashion_ai.detection.train import DetectionSet, cache_trunk_maps, train_detector

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "modanet" / "modanet2018_instances_val.json"


def test_scenes_are_deterministic_and_boxes_exact():
    images, labels = garment_pool("test", source="subset")
    first = render_scene(np.random.default_rng(7), images, labels)
    again = render_scene(np.random.default_rng(7), images, labels)
    assert np.array_equal(np.asarray(first[0]), np.asarray(again[0]))
    assert [o["bbox"] for o in first[1]] == [o["bbox"] for o in again[1]]
    assert first[1], "a scene holds garments"
    for obj in first[1]:
        x0, y0, x1, y1 = garment_box(obj["mask"].astype(np.float32))
        assert obj["bbox"] == [x0, y0, x1 - x0, y1 - y0]
        x, y, w, h = obj["bbox"]
        inside = obj["mask"][y:y + h, x:x + w]
        assert inside.sum() == obj["mask"].sum()           # nothing visible outside the box
        assert inside[:, 0].any() and inside[:, -1].any()  # and the box is tight on every side
        assert inside[0].any() and inside[-1].any()


def test_splits_draw_from_the_right_garments():
    train_images, _ = garment_pool("train", source="subset")
    val_images, _ = garment_pool("val", source="subset")
    test_images, _ = garment_pool("test", source="subset")
    full_test, _ = fashion_mnist.load("test", source="subset")
    assert len(val_images) + len(test_images) == len(full_test)
    assert not {im.tobytes() for im in val_images} & {im.tobytes() for im in test_images}
    assert len(train_images) == len(fashion_mnist.load("train", source="subset")[0])


def test_every_fashion_mnist_class_has_a_modanet_category():
    assert set(FASHION_MNIST_TO_MODANET) == set(fashion_mnist.CLASSES)
    assert set(FASHION_MNIST_TO_MODANET.values()) <= set(MODANET_CATEGORIES)


def test_built_scenes_round_trip_as_modanet_json(tmp_path):
    path = build_scenes(tmp_path / "scenes", "val", 3, source="subset")
    data = load_coco(path)
    assert [c["name"] for c in data["categories"]] == MODANET_CATEGORIES
    assert {"info", "licenses", "images", "annotations", "categories", "type"} <= data.keys()
    ann = data["annotations"][0]
    assert {"id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation"} <= ann.keys()
    assert all(len(poly) >= 6 for poly in ann["segmentation"])
    save_coco(data, tmp_path / "copy.json")
    assert load_coco(tmp_path / "copy.json") == data
    again = build_scenes(tmp_path / "again", "val", 3, source="subset", workers=2)
    assert load_coco(again)["annotations"] == data["annotations"]
    dataset = DetectionSet.from_coco(path)
    assert len(dataset) == 3 and all(p.exists() for p in dataset.paths)


def test_modanet_fixture_reads():
    data = load_coco(FIXTURE)
    assert len(data["categories"]) == 13 and data["categories"][12]["name"] == "scarf & tie"
    boxes, labels = boxes_by_image(data)[1]
    assert boxes[0] == [120, 150, 280, 290] and labels == [9, 8, 4, 2]
    dataset = DetectionSet.from_coco(FIXTURE)
    assert dataset.categories == MODANET_CATEGORIES and len(dataset) == 2


@pytest.mark.parametrize("damage, message", [
    (lambda text: text[:len(text) // 2], "not valid JSON"),
    (lambda text: json.dumps({"images": [], "categories": []}), "missing the 'annotations' list"),
    (lambda text: text.replace('"category_id": 9', '"category_id": 42', 1), "category 42, which is not in"),
    (lambda text: text.replace('"image_id": 2', '"image_id": 99', 1), "points at image 99"),
    (lambda text: text.replace('"bbox": [\n    120', '"bbox": [\n    "x"', 1), r"bbox must be \[x, y, width"),
])
def test_corrupt_coco_files_say_what_is_wrong(tmp_path, damage, message):
    bad = tmp_path / "bad.json"
    bad.write_text(damage(FIXTURE.read_text()))
    with pytest.raises(CocoFormatError, match=message) as info:
        load_coco(bad)
    assert str(bad) in str(info.value)


def test_classic_ssd300_default_boxes():
    assert CLASSIC_SCALES == [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05]
    assert boxes_per_location() == [4, 6, 6, 6, 4, 4]
    grids = [(38, 38), (19, 19), (10, 10), (5, 5), (3, 3), (1, 1)]
    boxes = default_boxes((300, 300), grids, classic_default_boxes(steps=[8, 16, 32, 64, 100, 300]))
    assert sum(len(b) for b in boxes) == 8732    # the famous SSD300 count
    smallest = boxes[0][0]
    assert torch.allclose(smallest[2:] - smallest[:2], torch.tensor([21.0, 21.0]))  # 0.07 x 300


def test_top_down_path_starts_at_zero_then_brings_stride16_features_to_stride8():
    top = build_model(pretrained=False).backbone.top.eval()
    trunk_maps = [torch.rand(1, 40, 40, 40), torch.rand(1, 112, 20, 20)]
    changed = [trunk_maps[0], trunk_maps[1] + 1.0]
    with torch.no_grad():
        assert torch.equal(top(trunk_maps)["0"], top(changed)["0"])    # at zero: a plain SSD
        torch.nn.init.normal_(top.top_down.weight)
        assert not torch.allclose(top(trunk_maps)["0"], top(changed)["0"])
        assert top(trunk_maps)["0"].shape == (1, 64, 40, 40)


def test_checkpoint_without_top_down_layer_loads_as_a_plain_ssd(tmp_path):
    model = build_model(pretrained=False)
    torch.nn.init.normal_(model.backbone.top.top_down.weight)
    path = tmp_path / "plain.pt"
    save_checkpoint(path, model, "ssdlite-effnet", MODANET_CATEGORIES)
    payload = torch.load(path, weights_only=True)
    payload["state_dict"] = {k: v for k, v in payload["state_dict"].items() if ".top_down." not in k}
    torch.save(payload, path)
    loaded, _ = load_checkpoint(path)
    assert not loaded.backbone.top.top_down.weight.any() and not loaded.backbone.top.top_down.bias.any()
    kept = loaded.state_dict()
    assert all(torch.equal(kept[k], v) for k, v in model.state_dict().items() if ".top_down." not in k)


def test_a_short_training_run_lowers_the_loss_and_resumes(tmp_path):
    torch.manual_seed(0)
    model = build_model()
    dataset = DetectionSet.from_coco(bundled_scenes("train_tiny") / "instances.json").subset(range(4))
    cache = cache_trunk_maps(model, dataset, seed=0)
    assert len(cache) == 4 and cache.maps[0].shape[1:] == (40, 40, 40)
    checkpoint = tmp_path / "state.pt"
    history = train_detector(model, cache, epochs=6, batch_size=2, lr=0.01, checkpoint=checkpoint,
                             checkpoint_every=4)
    total = [h["classification"] + h["bbox_regression"] for h in history]
    assert len(history) == 12 and np.mean(total[-3:]) < np.mean(total[:3])
    more = train_detector(model, cache, epochs=7, batch_size=2, lr=0.01, checkpoint=checkpoint, resume=True)
    assert len(more) == 14 and more[:12] == history


def test_perfect_and_empty_predictions_score_one_and_zero():
    data = load_coco(FIXTURE)
    perfect = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 0.9}
               for a in data["annotations"]]
    scores = coco_scores(data, perfect)
    assert scores["map50"] == 1.0 and scores["map"] == 1.0
    assert scores["per_class_ap50"]["top"] == 1.0 and scores["per_class_ap50"]["shorts"] is None
    shifted = [{**p, "bbox": [p["bbox"][0] + p["bbox"][2], *p["bbox"][1:]]} for p in perfect]
    assert coco_scores(data, shifted)["map50"] == 0.0
    empty = coco_scores(data, [])
    assert empty["map50"] == 0.0 and empty["per_class_ap50"]["skirt"] is None
    table = ap_table(scores, data)
    assert table.loc["pants", "objects"] == 1 and table.loc["mean (mAP)", "AP@0.5"] == 1.0


def test_precision_recall_curve_drops_after_a_false_positive_and_averages_to_ap():
    data = load_coco(FIXTURE)
    truth = [a for a in data["annotations"] if a["category_id"] == data["annotations"][0]["category_id"]]
    right = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 0.9}
             for a in truth]
    x, y, w, h = truth[0]["bbox"]
    wrong = {**right[0], "bbox": [x + w, y + h, w, h], "score": 0.95}   # no overlap, scored above the right ones
    scores = coco_scores(data, right + [wrong])
    name = next(c["name"] for c in data["categories"] if c["id"] == truth[0]["category_id"])
    recall, precision = scores["pr50"][name]
    assert precision[-1] == pytest.approx(len(truth) / (len(truth) + 1))   # all found, after one mistake
    assert np.mean(precision) == pytest.approx(scores["per_class_ap50"][name], abs=1e-4)
    assert set(scores["pr50"]) == {n for n, ap in scores["per_class_ap50"].items() if ap is not None}
    json.dumps(scores)   # detect-eval --json prints the scores as they are


def test_damaged_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "detector.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(DetectorCheckpointError, match="not a readable detector checkpoint"):
        load_checkpoint(bad)
    with pytest.raises(DetectorCheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")
