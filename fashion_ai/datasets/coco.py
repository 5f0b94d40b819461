"""ModaNet and other COCO-format detection sets: read, check and write the annotation JSON.

ModaNet (eBay, CC BY-NC 4.0) ships its boxes as COCO "instances" JSON: `images` (id, width, height,
file_name, license), `annotations` (id, image_id, category_id, bbox [x, y, w, h], area, iscrowd,
segmentation polygons) and `categories` (id, name, supercategory). The kit's generated street scenes are
written in that same shape, so a student with the real ModaNet trains and evaluates with the same code.
"""

import json
from pathlib import Path

#: ModaNet's 13 categories, ids 1..13, in its own order and spelling.
MODANET_CATEGORIES = [
    "bag", "belt", "boots", "footwear", "outer", "dress", "sunglasses",
    "pants", "top", "shorts", "skirt", "headwear", "scarf & tie",
]

REQUIRED_KEYS = {
    "images": ("id", "width", "height", "file_name"),
    "annotations": ("id", "image_id", "category_id", "bbox"),
    "categories": ("id", "name"),
}


class CocoFormatError(Exception):
    """An annotation file that is not usable COCO-format JSON; the message names the file and the problem."""


def modanet_categories():
    """ModaNet's category records, exactly as its JSON lists them."""
    return [{"id": i, "name": name, "supercategory": "fashion"} for i, name in enumerate(MODANET_CATEGORIES, 1)]


def load_coco(path) -> dict:
    """Read and check a COCO/ModaNet annotation file; raise CocoFormatError saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise CocoFormatError(f"{path}: annotation file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CocoFormatError(f"{path}: not a text file (COCO annotations are JSON text)")
    except json.JSONDecodeError as exc:
        raise CocoFormatError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
    check_coco(data, path)
    return data


def check_coco(data, path="annotations"):
    """Raise CocoFormatError if `data` lacks what detection needs: lists, keys, known ids, sane boxes."""
    if not isinstance(data, dict):
        raise CocoFormatError(f"{path}: the top level must be a JSON object with images/annotations/categories")
    for section, keys in REQUIRED_KEYS.items():
        records = data.get(section)
        if not isinstance(records, list):
            raise CocoFormatError(f"{path}: missing the '{section}' list")
        for n, record in enumerate(records):
            missing = [k for k in keys if not isinstance(record, dict) or k not in record]
            if missing:
                raise CocoFormatError(f"{path}: {section}[{n}] lacks {', '.join(missing)}")
    image_ids = {im["id"] for im in data["images"]}
    category_ids = {c["id"] for c in data["categories"]}
    if len(image_ids) != len(data["images"]):
        raise CocoFormatError(f"{path}: two images share one id")
    for ann in data["annotations"]:
        where = f"{path}: annotation {ann['id']}"
        if ann["image_id"] not in image_ids:
            raise CocoFormatError(f"{where} points at image {ann['image_id']}, which is not in 'images'")
        if ann["category_id"] not in category_ids:
            raise CocoFormatError(f"{where} has category {ann['category_id']}, which is not in 'categories'")
        box = ann["bbox"]
        if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box)):
            raise CocoFormatError(f"{where}: bbox must be [x, y, width, height], got {box!r}")
        if box[2] < 0 or box[3] < 0:
            raise CocoFormatError(f"{where}: bbox {box} has a negative width or height")


def save_coco(data, path):
    """Write COCO JSON atomically (a half-written annotation file is never left behind)."""
    check_coco(data, path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)


def boxes_by_image(data):
    """{image_id: (boxes [[x0, y0, x1, y1]...], category ids)} for training; crowd regions are left out."""
    out = {im["id"]: ([], []) for im in data["images"]}
    for ann in data["annotations"]:
        if ann.get("iscrowd", 0):
            continue
        x, y, w, h = ann["bbox"]
        if w < 1 or h < 1:
            continue
        out[ann["image_id"]][0].append([x, y, x + w, y + h])
        out[ann["image_id"]][1].append(ann["category_id"])
    return out


def category_names(data) -> dict:
    """{category id: name}."""
    return {c["id"]: c["name"] for c in data["categories"]}
