"""DeepFashion2 (Ge et al., CVPR 2019) annotations, read into the kit's consumer-to-shop set table and into
COCO boxes.

A split folder (train/, validation/) holds `image/000001.jpg ...` and one JSON per image,
`annos/000001.json`::

    {"source": "user" | "shop", "pair_id": 1,
     "item1": {"category_id": 1, "category_name": "short sleeve top", "style": 1,
               "bounding_box": [x1, y1, x2, y2], "landmarks": [x, y, v, ...],
               "segmentation": [[x, y, ...], ...], "scale": 1, "occlusion": 1, "zoom_in": 1, "viewpoint": 2},
     "item2": {...}}

Items with the same pair_id and the same style > 0 are the same garment, seen in a shop photo ("shop") and
a consumer photo ("user"); style 0 means the item has no partner. A malformed JSON file is reported with
the file and the problem and left out; the other files still load.
"""

import json
from pathlib import Path

import pandas as pd

from ..consumer_shop import COLUMNS
from ..images import ImageLoadError, load_image

#: The 13 categories, ids 1..13, as the annotation files spell them.
CATEGORIES = [
    "short sleeve top", "long sleeve top", "short sleeve outwear", "long sleeve outwear", "vest", "sling",
    "shorts", "trousers", "skirt", "short sleeve dress", "long sleeve dress", "vest dress", "sling dress",
]
SOURCES = {"user": "consumer", "shop": "shop"}
ITEM_KEYS = ("category_id", "category_name", "style", "bounding_box")
ITEM_LABELS = ("scale", "occlusion", "zoom_in", "viewpoint")


class DeepFashion2FormatError(Exception):
    """A DeepFashion2 annotation file that does not have the official shape."""

    def __init__(self, path, reason):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")


def read_annotation(path) -> dict:
    """One image's annotation: {"source", "pair_id", "items": [item dicts with an added "item" name]}."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeepFashion2FormatError(path, "file not found")
    except UnicodeDecodeError:
        raise DeepFashion2FormatError(path, "not a text file (DeepFashion2 annotations are JSON)")
    except json.JSONDecodeError as exc:
        raise DeepFashion2FormatError(path, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
    if not isinstance(data, dict):
        raise DeepFashion2FormatError(path, "the top level must be a JSON object with source, pair_id, item1...")
    for key in ("source", "pair_id"):
        if key not in data:
            raise DeepFashion2FormatError(path, f"missing the image-level key '{key}'")
    if data["source"] not in SOURCES:
        raise DeepFashion2FormatError(path, f"source must be 'user' or 'shop', found {data['source']!r}")
    names = sorted((k for k in data if k.startswith("item")), key=lambda k: int(k[4:]) if k[4:].isdigit() else 0)
    if not names:
        raise DeepFashion2FormatError(path, "no items (keys item1, item2, ...)")
    return {"source": data["source"], "pair_id": data["pair_id"],
            "items": [_check_item(path, name, data[name]) for name in names]}


def _check_item(path, name, item) -> dict:
    if not isinstance(item, dict):
        raise DeepFashion2FormatError(path, f"{name} must be an object")
    missing = [k for k in ITEM_KEYS if k not in item]
    if missing:
        raise DeepFashion2FormatError(path, f"{name} lacks {', '.join(missing)}")
    box = item["bounding_box"]
    if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box)):
        raise DeepFashion2FormatError(path, f"{name}: bounding_box must be [x1, y1, x2, y2], found {box!r}")
    if box[2] < box[0] or box[3] < box[1]:
        raise DeepFashion2FormatError(path, f"{name}: bounding_box {box} has x2 < x1 or y2 < y1")
    if item["category_id"] not in range(1, len(CATEGORIES) + 1):
        raise DeepFashion2FormatError(path, f"{name}: category_id must be 1..13, found {item['category_id']!r}")
    return {**item, "item": name}


def read_items(split_dir):
    """Every item of a split folder as a table (one row per item), and the files left out with why.

    Columns: image (path), source, pair_id, item, category_id, category_name, style, x1, y1, x2, y2, and
    the scale/occlusion/zoom_in/viewpoint labels.
    """
    split_dir = Path(split_dir)
    rows, errors = [], []
    for json_path in sorted((split_dir / "annos").glob("*.json")):
        try:
            annotation = read_annotation(json_path)
        except DeepFashion2FormatError as exc:
            errors.append(exc)
            continue
        image = split_dir / "image" / f"{json_path.stem}.jpg"
        for item in annotation["items"]:
            x1, y1, x2, y2 = item["bounding_box"]
            rows.append({"image": str(image), "source": annotation["source"], "pair_id": annotation["pair_id"],
                         "item": item["item"], "category_id": item["category_id"],
                         "category_name": item["category_name"], "style": item["style"],
                         "x1": x1, "y1": y1, "x2": x2, "y2": y2, **{k: item.get(k) for k in ITEM_LABELS}})
    if not (split_dir / "annos").is_dir():
        errors.append(DeepFashion2FormatError(split_dir, "no annos/ folder (expected annos/*.json and image/*.jpg)"))
    return pd.DataFrame(rows, columns=_ITEM_COLUMNS), errors


_ITEM_COLUMNS = ["image", "source", "pair_id", "item", "category_id", "category_name", "style",
                 "x1", "y1", "x2", "y2", *ITEM_LABELS]


def to_set_table(items: pd.DataFrame) -> pd.DataFrame:
    """The consumer-to-shop set table: every paired item (style > 0) per photo; item_id is
    "<pair_id>_<style>", domain consumer for source "user" and shop for "shop"."""
    paired = items[items["style"].astype(int) > 0]
    table = pd.DataFrame({
        "item_id": [f"{p}_{s}" for p, s in zip(paired["pair_id"], paired["style"])],
        "domain": paired["source"].map(SOURCES),
        "path": paired["image"],
        "category": paired["category_name"],
    })
    return table[COLUMNS].drop_duplicates().reset_index(drop=True)


def load_set(split_dir):
    """(set table, errors) for a DeepFashion2 split folder."""
    items, errors = read_items(split_dir)
    return to_set_table(items), errors


def to_coco(items: pd.DataFrame):
    """COCO detection dict (images, annotations with [x, y, w, h] boxes, the 13 categories), and the images
    left out because they could not be read. Image ids are the numbers in the file names, as in DeepFashion2's
    own evaluation files."""
    images, annotations, errors = [], [], []
    for image_path, rows in items.groupby("image", sort=True):
        stem = Path(image_path).stem
        try:
            if not stem.isdigit():
                raise ImageLoadError(image_path, "DeepFashion2 images are numbered (000001.jpg); no image id")
            width, height = load_image(image_path).size
        except ImageLoadError as exc:
            errors.append(exc)
            continue
        image_id = int(stem)
        images.append({"id": image_id, "file_name": Path(image_path).name, "width": width, "height": height})
        for row in rows.itertuples(index=False):
            x, y, w, h = float(row.x1), float(row.y1), float(row.x2 - row.x1), float(row.y2 - row.y1)
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(row.category_id),
                                "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0,
                                "pair_id": int(row.pair_id), "style": int(row.style)})
    categories = [{"id": i, "name": name, "supercategory": "clothes"} for i, name in enumerate(CATEGORIES, 1)]
    return {"images": images, "annotations": annotations, "categories": categories}, errors
