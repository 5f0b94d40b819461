"""The clothing-dataset reader: the bundled subset, the full set when present, and broken tables."""

import shutil

import pytest

from fashion_ai.datasets import clothing

FULL = clothing.full_set_dir()
needs_full_set = pytest.mark.skipif(FULL is None, reason="the full clothing set (../shared/data/clothing) is absent")


@pytest.fixture
def sample_copy(tmp_path):
    """A writable copy of the bundled subset."""
    root = tmp_path / "clothing"
    shutil.copytree(clothing.bundled_sample(), root)
    return root


def write_table(root, text):
    (root / clothing.TABLE).write_text(text)
    return root


def test_bundled_sample_keeps_the_official_split_for_every_class():
    table = clothing.read_table(clothing.bundled_sample())
    counts = table.groupby(["split_small", "label"]).size()
    for split, per_class in clothing.SAMPLE_PER_CLASS.items():
        assert all(counts[split][name] == per_class for name in clothing.CLASSES)
    assert (clothing.bundled_sample() / "LICENSE").read_text().startswith("Creative Commons")


@needs_full_set
def test_full_set_has_the_official_split_sizes():
    table = clothing.read_table(FULL)
    assert len(table) == 5398
    assert table["split_small"].value_counts().to_dict() == {"": 1642, "train": 3046, "validation": 338,
                                                            "test": 372}
    assert len(clothing.load_split("test", FULL)) == 372


@needs_full_set
def test_extra_photos_are_the_ten_classes_outside_the_official_split_from_other_contributors_than_test():
    table = clothing.read_table(FULL)
    extra = clothing.load_extra(FULL)
    assert len(extra) == 287 and set(extra["label"]) == set(clothing.CLASSES)
    assert (extra["split_small"] == "").all()
    assert not set(extra["sender_id"]) & set(table.loc[table["split_small"] == "test", "sender_id"])
    assert clothing.load_extra(clothing.bundled_sample()).empty


@needs_full_set
def test_bundled_sample_is_a_byte_for_byte_subset_of_the_full_set():
    full = clothing.read_table(FULL).set_index("image")
    sample = clothing.read_table(clothing.bundled_sample())
    for image, label, split, path in sample[["image", "label", "split_small", "path"]].itertuples(index=False):
        assert full.loc[image, "label"] == label and full.loc[image, "split_small"] == split
        with open(path, "rb") as ours, open(full.loc[image, "path"], "rb") as theirs:
            assert ours.read() == theirs.read()


def test_environment_variable_points_to_a_copy(sample_copy, monkeypatch):
    monkeypatch.setenv("FASHION_AI_CLOTHING", str(sample_copy))
    assert clothing.dataset_dir() == sample_copy


def test_a_folder_without_the_table_is_named(tmp_path):
    with pytest.raises(clothing.ClothingFormatError, match="images.csv: no such file"):
        clothing.read_table(tmp_path)


@pytest.mark.parametrize("text, message", [
    ("image,label\nabc,Dress\n", "missing column\\(s\\) kids, sender_id, split_small"),
    ("image,label,kids,sender_id,split_small\n", "no rows"),
    ("image,label,kids,sender_id,split_small\na,Dress,False,1,train\na,Dress,False,1,train\n",
     "row 3: image 'a' is listed twice"),
    ("image,label,kids,sender_id,split_small\na,Dress,maybe,1,train\n", "row 2: kids must be True or False"),
    ("image,label,kids,sender_id,split_small\na,Dress,False,1,holdout\n", "row 2: split_small must be blank"),
    ("image,label,kids,sender_id,split_small\na,Blouse,False,1,test\n", "row 2: a photo in split 'test'"),
    ("image,label,kids,sender_id,split_small\n,Dress,False,1,test\n", "row 2: blank image or label"),
])
def test_broken_tables_name_the_file_row_and_problem(sample_copy, text, message):
    write_table(sample_copy, text)
    with pytest.raises(clothing.ClothingFormatError, match=message) as caught:
        clothing.read_table(sample_copy)
    assert str(sample_copy / clothing.TABLE) in str(caught.value)


def test_a_missing_photo_is_named(sample_copy):
    first = clothing.read_table(sample_copy).iloc[0]
    (sample_copy / clothing.IMAGE_DIR / f"{first['image']}.jpg").unlink()
    with pytest.raises(clothing.ClothingFormatError, match=f"row 2: the photo .*{first['image']}.jpg is missing"):
        clothing.read_table(sample_copy)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown split 'val'"):
        clothing.load_split("val")
