"""The detection commands: the shipped detector's AP on the bundled held-out scenes, detect's JSON, bad input."""

import json

from fashion_ai.cli import main
from fashion_ai.datasets.coco import MODANET_CATEGORIES
from fashion_ai.datasets.scenes import bundled_scenes

SCENES = bundled_scenes("test")
#: The kit's target for the shipped detector on the bundled held-out scenes (it measures mAP@0.5 = 0.741 there).
MAP50_TARGET = 0.70


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_shipped_detector_on_held_out_scenes(capsys):
    assert main(["detect-eval", "--json"]) == 0
    result = last_json(capsys)
    assert {"map50", "map", "small_map50", "per_class_ap50", "images"} <= result.keys()
    assert result["images"] == 100
    assert result["map50"] >= MAP50_TARGET
    assert 0 < result["map"] < result["map50"]
    assert result["small_map50"] is not None
    assert set(result["per_class_ap50"]) == set(MODANET_CATEGORIES)
    assert result["per_class_ap50"]["belt"] is None          # no Fashion-MNIST garment maps to a belt


def test_detect_prints_class_score_box_and_skips_bad_files(tmp_path, capsys):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    scene = str(SCENES / "images" / "test_000001.jpg")
    assert main(["detect", scene, str(broken), "--threshold", "0.5", "--json"]) == 0
    result = last_json(capsys)
    found = result["detections"][scene]
    assert found and {"class", "score", "box"} <= found[0].keys()
    assert all(d["score"] >= 0.5 and len(d["box"]) == 4 for d in found)
    assert str(broken) in result["errors"]


def test_detect_eval_names_a_corrupt_annotation_file(tmp_path, capsys):
    bad = tmp_path / "instances.json"
    bad.write_text('{"images": [], "annotations": [')
    assert main(["detect-eval", "--coco", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "not valid JSON" in err
