"""The real-photo garment classifier: training command, shipped checkpoint, its record, and bad input."""

import json

import pytest

from fashion_ai import clothing_classifier as cc
from fashion_ai.cli import main
from fashion_ai.datasets import clothing

#: Anchor on the official 372-photo test split, as the data set's README gives it: a logistic-regression probe
#: on plain EfficientNet-Lite0 features. The shipped, fine-tuned model must at least match it.
PROBE_ANCHOR = 0.895


def test_training_on_the_bundled_sample_writes_a_checkpoint_with_its_record(tmp_path, capsys):
    out = tmp_path / "tiny.pt"
    assert main(["clothing-train", "--data", str(clothing.bundled_sample()), "--input-size", "128",
                 "--eval-size", "144", "--epochs", "2", "--out", str(out)]) == 0
    record = cc.checkpoint_info(out)
    assert record["settings"]["input_size"] == 128 and record["settings"]["eval_size"] == 144
    assert record["settings"]["epochs"] == 2
    assert cc.load_classifier(str(out)).eval_size == 144
    assert record["train_photos"] == 200 and record["val_photos"] == 60
    assert [row["epoch"] for row in record["history"]] == [1, 2]
    chosen = record["history"][record["chosen_epoch"] - 1]
    assert chosen["val_accuracy"] == record["val_accuracy"] == max(r["val_accuracy"] for r in record["history"])
    assert "kept epoch" in capsys.readouterr().out


def test_eval_prints_accuracy_images_and_per_class_as_json(capsys):
    assert main(["clothing-eval", "--data", str(clothing.bundled_sample()), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["images"] == 60 and set(result["per_class"]) == set(clothing.CLASSES)
    # 6 test photos per class: chance is 0.1, and a model that learned garments does far better
    assert result["accuracy"] >= 0.7


@pytest.mark.skipif(clothing.full_set_dir() is None, reason="the full clothing set is absent")
def test_shipped_model_matches_the_probe_anchor_on_the_official_test_split():
    result = cc.evaluate("test", clothing.full_set_dir())
    assert result["images"] == 372
    assert result["accuracy"] >= PROBE_ANCHOR


def test_shipped_record_is_what_the_readme_command_trains(readme_commands):
    [args] = readme_commands("clothing-train")
    record = cc.checkpoint_info()
    assert record["settings"] == {name: getattr(args, name) for name in record["settings"]}
    assert (record["train_photos"], record["val_photos"]) == (3046, 338)  # the full set's official split
    assert record["val_accuracy"] == max(row["val_accuracy"] for row in record["history"])


def test_unreadable_photos_are_named_and_the_rest_classified(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a picture")
    good = clothing.read_table(clothing.bundled_sample())["path"].iloc[0]
    names, failed = cc.predict_paths([good, broken])
    assert names[0] in clothing.CLASSES and names[1] is None
    assert failed[0][0] == str(broken) and failed[0][1]


def test_a_checkpoint_of_another_model_is_refused(tmp_path):
    import torch

    other = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, other)
    with pytest.raises(cc.ClothingCheckpointError, match="not a clothing-classifier checkpoint"):
        cc.load_classifier(str(other))
    assert main(["clothing-eval", "--checkpoint", str(tmp_path / "missing.pt")]) == 1


def test_a_checkpoint_with_other_weights_is_refused(tmp_path):
    import torch

    other = tmp_path / "old.pt"
    record = {"settings": {"dropout": 0.3, "eval_size": 224}}
    torch.save({"state": {"head.6.weight": torch.zeros(10, 1280)}, "record": record,
                "classes": list(clothing.CLASSES)}, other)
    with pytest.raises(cc.ClothingCheckpointError, match="holds another network's weights"):
        cc.load_classifier(str(other))
