"""DeepFashion consumer-to-shop list files and DeepFashion2 per-image JSON, on fixtures in the official shapes."""

import json
import shutil
from pathlib import Path

import pytest

from fashion_ai.consumer_shop import COLUMNS, check_set
from fashion_ai.datasets import deepfashion, deepfashion2
from fashion_ai.datasets.coco import check_coco

FIXTURES = Path(__file__).parent / "fixtures"
DF = FIXTURES / "deepfashion"
DF2 = FIXTURES / "deepfashion2" / "validation"


@pytest.fixture
def df_copy(tmp_path):
    """A writable copy of the DeepFashion fixture (list files only; images stay in the fixture)."""
    root = tmp_path / "deepfashion"
    shutil.copytree(DF, root, ignore=shutil.ignore_patterns("*.jpg"))
    return root


def test_consumer2shop_table_has_both_sides_of_every_item():
    table = deepfashion.load_consumer2shop(DF)
    assert list(table.columns) == COLUMNS
    assert sorted(table["item_id"].unique()) == ["id_00000001", "id_00000002", "id_00000003", "id_00000004"]
    assert (table["domain"] == "consumer").sum() == 5 and (table["domain"] == "shop").sum() == 4
    blouse = table[table["item_id"] == "id_00000002"]
    assert set(blouse["category"]) == {"Blouse"}
    assert all("comsumer_" in p for p in table.loc[table["domain"] == "consumer", "path"])
    checked, report = check_set(table, source=str(DF))
    assert report.usable and report.n_items == 4 and report.n_skipped == 0


def test_split_keeps_only_its_pairs():
    assert set(deepfashion.load_consumer2shop(DF, split="train")["item_id"]) == {"id_00000001", "id_00000002"}
    assert set(deepfashion.load_consumer2shop(DF, split="test")["item_id"]) == {"id_00000004"}
    with pytest.raises(ValueError, match="split must be"):
        deepfashion.load_consumer2shop(DF, split="query")


def test_bboxes_decode_type_codes():
    boxes = deepfashion.read_bboxes(DF / deepfashion.BBOX_FILE)
    assert len(boxes) == 9
    assert set(boxes["domain"]) == {"shop", "consumer"}
    pants = boxes[boxes["image_name"].str.contains("Pants")]
    assert set(pants["clothes_type"]) == {"lower-body"}
    assert boxes[["x_1", "y_1", "x_2", "y_2"]].iloc[0].tolist() == [5, 15, 55, 65]


def _edit_line(path, number, new_text):
    lines = path.read_text().splitlines()
    lines[number - 1] = new_text
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("line, text, message", [
    (2, "img/TOPS/Summer_Wear/id_00000001/comsumer_01.jpg img/x.jpg id_00000001 train",
     r"line 2: the second line must name the columns image_pair_name_1"),
    (4, "img/CLOTHING/Blouse/id_00000002/comsumer_01.jpg id_00000002 train", r"line 4: expected 4 fields"),
    (3, "img/a/b/id_00000001/comsumer_01.jpg img/a/b/id_00000001/shop_01.jpg id_00000001 query",
     r"line 3: evaluation status must be train, val or test"),
    (1, "five", r"line 1: the first line must be the number of rows"),
    (1, "7", r"line 1: the first line promises 7 rows but the file holds 5"),
    (5, "img/a/b/id_00000009/comsumer_01.jpg img/a/b/id_00000009/shop_01.jpg id_00000009 train",
     r"line 5: item id_00000009 is not in list_item_consumer2shop.txt"),
])
def test_malformed_partition_names_file_and_line(df_copy, line, text, message):
    path = df_copy / deepfashion.EVAL_FILE
    _edit_line(path, line, text)
    with pytest.raises(deepfashion.DeepFashionFormatError, match=message) as info:
        deepfashion.load_consumer2shop(df_copy)
    assert str(path) in str(info.value)


def test_malformed_bbox_and_item_files(df_copy):
    bbox = df_copy / deepfashion.BBOX_FILE
    _edit_line(bbox, 3, "img/TOPS/Summer_Wear/id_00000001/shop_01.jpg 1 7 5 15 55 65")
    with pytest.raises(deepfashion.DeepFashionFormatError, match=r"line 3: clothes type must be 1, 2 or 3"):
        deepfashion.read_bboxes(bbox)
    _edit_line(bbox, 3, "img/TOPS/Summer_Wear/id_00000001/shop_01.jpg 1 1 5 15 55.5 x")
    with pytest.raises(deepfashion.DeepFashionFormatError, match=r"line 3: .*whole numbers"):
        deepfashion.read_bboxes(bbox)
    items = df_copy / deepfashion.ITEM_FILE
    _edit_line(items, 3, "item_two")
    with pytest.raises(deepfashion.DeepFashionFormatError, match=r"line 3: expected one item id"):
        deepfashion.read_items(items)
    items.write_text("")
    with pytest.raises(deepfashion.DeepFashionFormatError, match="the file is empty"):
        deepfashion.read_items(items)
    with pytest.raises(deepfashion.DeepFashionFormatError, match="file not found"):
        deepfashion.load_consumer2shop(df_copy / "nowhere")


def test_deepfashion2_items_and_pairs():
    items, errors = deepfashion2.read_items(DF2)
    assert errors == []
    assert len(items) == 6
    first = items[(items["image"].str.endswith("000001.jpg")) & (items["item"] == "item2")].iloc[0]
    assert (first["category_name"], first["style"], first["x2"]) == ("trousers", 0, 50)
    table = deepfashion2.to_set_table(items)
    assert list(table.columns) == COLUMNS
    # style 0 (no partner) is left out; pair 2 style 2 exists only in a shop photo
    assert sorted(table["item_id"].unique()) == ["1_1", "2_1", "2_2"]
    assert set(table.loc[table["item_id"] == "1_1", "domain"]) == {"consumer", "shop"}
    checked, report = check_set(table, source=str(DF2))
    assert report.n_items == 2 and sorted(checked["item_id"].unique()) == ["1_1", "2_1"]


def test_deepfashion2_to_coco_boxes():
    items, _ = deepfashion2.read_items(DF2)
    coco, errors = deepfashion2.to_coco(items)
    assert errors == []
    check_coco(coco)
    assert [im["id"] for im in coco["images"]] == [1, 2, 3, 4, 5]
    assert coco["images"][0]["width"] == 60 and coco["images"][0]["height"] == 80
    trousers = [a for a in coco["annotations"] if a["category_id"] == 8]
    assert len(trousers) == 1 and trousers[0]["bbox"] == [10.0, 60.0, 40.0, 18.0]
    assert len(coco["categories"]) == 13
    json.dumps(coco)


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"pair_id": 1, "item1": {}}', "missing the image-level key 'source'"),
    ('{"source": "street", "pair_id": 1}', "source must be 'user' or 'shop'"),
    ('{"source": "user", "pair_id": 1}', "no items"),
    ('{"source": "user", "pair_id": 1, "item1": {"category_id": 1, "style": 1, "bounding_box": [1, 2, 3, 4]}}',
     "item1 lacks category_name"),
    ('{"source": "user", "pair_id": 1, "item1": {"category_id": 1, "category_name": "x", "style": 1, '
     '"bounding_box": [5, 2, 3]}}', r"item1: bounding_box must be \[x1, y1, x2, y2\]"),
    ('{"source": "user", "pair_id": 1, "item1": {"category_id": 14, "category_name": "x", "style": 1, '
     '"bounding_box": [1, 2, 3, 4]}}', "category_id must be 1..13"),
])
def test_deepfashion2_malformed_file_is_reported_and_skipped(tmp_path, content, message):
    split = tmp_path / "validation"
    shutil.copytree(DF2, split)
    bad = split / "annos" / "000003.json"
    bad.write_text(content)
    with pytest.raises(deepfashion2.DeepFashion2FormatError, match=message):
        deepfashion2.read_annotation(bad)
    items, errors = deepfashion2.read_items(split)
    assert [e.path for e in errors] == [str(bad)]
    assert len(items) == 5  # the other files still load


def test_deepfashion2_unreadable_image_is_left_out_of_coco(tmp_path):
    split = tmp_path / "validation"
    shutil.copytree(DF2, split)
    (split / "image" / "000002.jpg").write_bytes(b"not a jpeg")
    items, _ = deepfashion2.read_items(split)
    coco, errors = deepfashion2.to_coco(items)
    assert [im["id"] for im in coco["images"]] == [1, 3, 4, 5]
    assert len(errors) == 1 and "000002.jpg" in str(errors[0])


def test_deepfashion2_missing_annos_folder(tmp_path):
    items, errors = deepfashion2.read_items(tmp_path)
    assert items.empty and "no annos/ folder" in str(errors[0])


def test_catalog_names_every_dataset_with_its_source_and_reader():
    from fashion_ai.datasets import catalog

    table = catalog.overview()
    assert list(table.index) == ["Fashion-MNIST", "Clothing dataset", "DeepFashion", "DeepFashion2", "ModaNet", "GeoStyle"]
    assert table["source"].str.len().min() > 10 and table["licence"].str.len().min() > 2
    for reader in table["kit reader"]:
        module = reader.strip("()").split(": ")[-1]
        __import__(module)
