"""The detection commands: the shipped detector's AP on the bundled held-out scenes, detect's JSON, bad input."""

import json
from dataclasses import asdict
from pathlib import Path

from fashion_ai.cli import main
from fashion_ai.commands.detection import recipe_from_args
from fashion_ai.datasets import clothing
from fashion_ai.datasets.coco import MODANET_CATEGORIES
from fashion_ai.datasets.scenes import bundled_scenes
from fashion_ai.detection.model import load_checkpoint, shipped_checkpoint
from fashion_ai.detection.real_photos import detections_on_photos
from fashion_ai.paths import data_samples_dir

ROOT = data_samples_dir().parent
FOUR_CLASSES = ("top", "outer", "pants", "dress")
#: The kit's target for real photos (mAP@0.5 over top, outer, pants and dress).
REAL_PHOTO_TARGET = 0.25
#: Baselines: the kit's earlier detector, trained on generated scenes only, measured on the same data with
#: `fashion-ai detect-eval --checkpoint OLD --coco data_samples/detection/real_test/instances.json --classes
#: top outer pants dress` and `detections_on_photos` over the bundled sample's 60 test photos.
GENERATED_ONLY_ON_REAL_SCENES = 0.2237
GENERATED_ONLY_RIGHT_ON_PHOTOS = 0.15

SCENES = bundled_scenes("test")


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_shipped_detector_on_held_out_scenes(capsys):
    assert main(["detect-eval", "--json"]) == 0
    result = last_json(capsys)
    assert {"map50", "map", "small_map50", "per_class_ap50", "images"} <= result.keys()
    assert result["images"] == 100
    assert result["map50"] >= REAL_PHOTO_TARGET  # drawn scenes are no harder than the real photos' target
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


def test_shipped_detector_record_is_what_the_readme_commands_make(readme_commands):
    record = load_checkpoint()[1]["record"]
    shipped = [a for a in readme_commands("detect-train") if Path(a.out) == shipped_checkpoint().relative_to(ROOT)]
    assert len(shipped) == 1, "one detect-train command must write the shipped checkpoint"
    args = shipped[0]
    expected = asdict(recipe_from_args(args))
    for key, value in expected.items():
        assert record["recipe"].get(key, value) == value, key   # a field the record lacks is at its default
    made = {str(Path(a.out) / "instances.json"): a for name in ("detect-real-scenes", "detect-scenes")
            for a in readme_commands(name)}
    assert all(path in made for path in [*args.coco, args.val]), "every scene set must be made by a README command"
    assert made[args.val].split == "val"
    assert record["pictures"] == sum(made[path].count for path in args.coco)
    assert record["cached_views"] == record["pictures"] * args.copies
    assert record["val_map50"] == max(row["map50"] for row in record["validation"])
    assert record["chosen_epoch"] in [row["epoch"] for row in record["validation"]]


def test_shipped_detector_on_real_garment_scenes(capsys):
    """Held-out scenes of real garments from contributors the detector never saw, scored on the four classes
    street-photo benchmarks share with ModaNet."""
    real = bundled_scenes("real_test") / "instances.json"
    assert main(["detect-eval", "--coco", str(real), "--classes", *FOUR_CLASSES, "--json"]) == 0
    result = last_json(capsys)
    assert set(k for k, v in result["per_class_ap50"].items() if v is not None) == set(FOUR_CLASSES)
    assert result["map50"] >= max(REAL_PHOTO_TARGET, GENERATED_ONLY_ON_REAL_SCENES)


def test_unknown_class_is_a_clear_error(capsys):
    assert main(["detect-eval", "--classes", "top", "jumper"]) == 2
    assert "unknown class(es) jumper" in capsys.readouterr().err


def test_shipped_detector_names_the_garment_in_real_photos():
    """Whole photos of one garment each: the best detection's class must be the photo's (mapped) label more
    often than not, and far more often than the generated-only detector managed."""
    model, checkpoint = load_checkpoint()
    photos = clothing.load_split("test", clothing.bundled_sample())
    checked, _, _ = detections_on_photos(model, checkpoint["categories"], photos)
    assert len(checked) == len(photos)
    assert checked["right"].mean() >= max(0.5, 2 * GENERATED_ONLY_RIGHT_ON_PHOTOS)


def small_real_set(tmp_path, name, renumber=None, rename=None):
    """The first 20 real test scenes as a COCO file in tmp_path; categories renumbered or renamed if asked."""
    data = json.loads((bundled_scenes("real_test") / "instances.json").read_text())
    images = data["images"][:20]
    kept = {im["id"] for im in images}
    ids = {c["id"]: (renumber(c["id"]) if renumber else c["id"]) for c in data["categories"]}
    data = {**data, "images": images,
            "categories": [{**c, "id": ids[c["id"]], "name": (rename or {}).get(c["name"], c["name"])}
                           for c in data["categories"]],
            "annotations": [{**a, "category_id": ids[a["category_id"]]} for a in data["annotations"]
                            if a["image_id"] in kept]}
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_detect_eval_matches_classes_by_name_not_by_id(tmp_path, capsys):
    images = str(bundled_scenes("real_test") / "images")
    same = small_real_set(tmp_path, "same.json")
    shifted = small_real_set(tmp_path, "renumbered.json", renumber=lambda i: 100 - i)
    scores = []
    for path in (same, shifted):
        assert main(["detect-eval", "--coco", str(path), "--images", images, "--json"]) == 0
        scores.append(last_json(capsys)["map50"])
    assert scores[0] == scores[1] > 0.5


def test_detect_eval_refuses_classes_the_detector_does_not_know(tmp_path, capsys):
    path = small_real_set(tmp_path, "renamed.json", rename={"top": "jumper"})
    images = str(bundled_scenes("real_test") / "images")
    assert main(["detect-eval", "--coco", str(path), "--images", images]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "jumper" in err and "does not know" in err
