"""Garment cut-outs from real photos, the real-garment detection scenes made of them, and the photo check set."""

import json

import numpy as np
import pytest
from PIL import Image

from fashion_ai.datasets.clothing import bundled_sample, read_table, sender_groups
from fashion_ai.datasets.coco import MODANET_CATEGORIES
from fashion_ai.datasets.cutouts import CLOTHING_TO_MODANET, build_cutouts, garment_mask, photo_check_set, read_cutouts
from fashion_ai.datasets.real_scenes import SPLIT_GROUPS, build_real_scenes, garment_pool
from fashion_ai.detection.train import DetectionSet


def photo_of(mask, rng, colour=(200, 40, 60)):
    """A grey, noisy 'floor' with a garment-coloured shape where `mask` is True."""
    floor = rng.normal(150, 6, (*mask.shape, 3))
    picture = np.where(mask[..., None], np.array(colour) + rng.normal(0, 6, (*mask.shape, 3)), floor)
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8))


def test_mask_finds_a_garment_on_a_plain_floor():
    rng = np.random.default_rng(0)
    truth = np.zeros((240, 180), bool)
    truth[50:190, 40:140] = True
    truth[50:90, 20:160] = True                                 # sleeves
    mask, reason = garment_mask(photo_of(truth, rng))
    assert reason is None
    iou = (mask & truth).sum() / (mask | truth).sum()
    assert iou > 0.9


@pytest.mark.parametrize("shape, words", [
    ("none", ("stands out",)), ("edge", ("stands out", "touches")), ("tiny", ("covers",)),
])
def test_bad_cutouts_are_dropped_with_a_reason(shape, words):
    rng = np.random.default_rng(1)
    truth = np.zeros((240, 180), bool)
    if shape == "edge":
        truth[:, 30:150] = True      # runs off the top and bottom: its colour is part of the border's
    elif shape == "tiny":
        truth[110:122, 85:95] = True
    mask, reason = garment_mask(photo_of(truth, rng))
    assert mask is None and any(word in reason for word in words)


@pytest.fixture(scope="module")
def cutouts(tmp_path_factory):
    out = tmp_path_factory.mktemp("cutouts")
    build_cutouts(out, bundled_sample(), workers=1, per_class=4)
    return out


def test_cutout_table_lists_every_photo_tried(cutouts):
    table = json.loads(read_cutouts(cutouts).to_json(orient="records"))
    tried = read_table(bundled_sample())
    groups = dict(zip(tried["image"], sender_groups(tried)))
    assert 20 <= len(table) <= 40                               # 4 tried per class of 10, bad ones dropped
    for row in table:
        assert row["category"] == CLOTHING_TO_MODANET[row["label"]]
        assert row["group"] == groups[row["image"]]
        png = Image.open(row["png"])
        assert png.mode == "RGBA" and png.size == (row["x1"] - row["x0"], row["y1"] - row["y0"])


def test_scenes_are_deterministic_with_boxes_on_what_is_visible(cutouts, tmp_path):
    first = build_real_scenes(tmp_path / "a", "train", 6, cutouts)
    again = build_real_scenes(tmp_path / "b", "train", 6, cutouts)
    data = json.loads(first.read_text())
    assert data == json.loads(again.read_text())
    assert data["annotations"], "scenes must hold garments"
    sizes = {im["id"]: (im["width"], im["height"]) for im in data["images"]}
    allowed = {MODANET_CATEGORIES.index(c) + 1 for c in CLOTHING_TO_MODANET.values()}
    for ann in data["annotations"]:
        x, y, w, h = ann["bbox"]
        width, height = sizes[ann["image_id"]]
        assert 0 <= x and 0 <= y and x + w <= width and y + h <= height
        assert ann["category_id"] in allowed
        assert 0 < ann["area"] <= w * h
    pictures = sorted((tmp_path / "a" / "images").glob("*.jpg"))
    assert [Image.open(p).size for p in pictures] == [sizes[i + 1] for i in range(6)]


def test_each_split_draws_only_its_own_contributors(cutouts):
    table = read_cutouts(cutouts)
    for split, group in SPLIT_GROUPS.items():
        pool, _ = garment_pool(str(cutouts), group)
        drawn = {p for paths in pool.values() for p in paths}
        assert drawn == set(table.loc[table["group"] == group, "png"])


def test_photo_check_set_reads_as_a_detection_set(cutouts, tmp_path):
    path, count = photo_check_set(cutouts, tmp_path / "check" / "instances.json", "train")
    dataset = DetectionSet.from_coco(path)
    assert len(dataset) == count == (read_cutouts(cutouts)["group"] == "train").sum()
    assert all(p.is_file() for p in dataset.paths)
    assert all(len(boxes) == 1 for boxes in dataset.boxes)
