"""Generated street scenes for detection: Fashion-MNIST garments pasted on real photos, with exact boxes.

Each scene is a random crop of a scikit-image photo at a random size, with a few recoloured, patterned
garments at many scales (small ones included) that may partly hide each other. Boxes are measured on what
stays visible after occlusion, so they are exact. Scenes are written as COCO JSON in ModaNet's shape and
with ModaNet's 13 categories; Fashion-MNIST's 10 classes land in 7 of them (see FASHION_MNIST_TO_MODANET)
and belt, sunglasses, shorts, skirt, headwear and scarf & tie stay empty.

Kit rule: train scenes use Fashion-MNIST *train* garments; val and test scenes use disjoint halves of its
*test* garments. The same seed always gives the same scenes.
"""

import multiprocessing
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.measure import approximate_polygon, find_contours

from ..paths import data_samples_dir
from . import fashion_mnist
from .coco import MODANET_CATEGORIES, modanet_categories, save_coco
from .garments import COLORS, PATTERNS, garment_box, garment_cutout, random_background

FASHION_MNIST_TO_MODANET = {
    "T-shirt/top": "top", "Shirt": "top", "Pullover": "top", "Coat": "outer", "Trouser": "pants",
    "Dress": "dress", "Bag": "bag", "Sandal": "footwear", "Sneaker": "footwear", "Ankle boot": "boots",
}
SPLITS = ("train", "val", "test")
SIDE_RANGE = (256, 448)       # scene width and height, pixels
GARMENT_RANGE = (18, 0.6)     # garment side: from 18 px up to 0.6 x the scene's shorter side
GARMENTS_PER_SCENE = (2, 6)
MIN_VISIBLE = 0.5             # a garment keeps at least half of itself visible
SPLIT_SEEDS = {"train": 1, "val": 2, "test": 3}


def bundled_scenes(name="test"):
    """Folder of a scene set shipped in data_samples/detection/ ("test": held out; "train_tiny")."""
    return data_samples_dir() / "detection" / name


def modanet_id(fashion_mnist_label: int) -> int:
    """ModaNet category id (1..13) of a Fashion-MNIST class index."""
    name = FASHION_MNIST_TO_MODANET[fashion_mnist.CLASSES[fashion_mnist_label]]
    return MODANET_CATEGORIES.index(name) + 1


@lru_cache(maxsize=4)
def garment_pool(split, source="auto"):
    """The Fashion-MNIST images and labels a split may draw from (train: train; val/test: halves of test)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    images, labels = fashion_mnist.load("train" if split == "train" else "test", source=source)
    if split == "train":
        return images, labels
    half = np.arange(len(labels)) % 2 == (0 if split == "val" else 1)
    return images[half], labels[half]


def render_scene(rng: np.random.Generator, images, labels):
    """One scene: (RGB PIL image, [{"category_id", "bbox" [x, y, w, h], "mask" bool (H, W)}])."""
    w, h = (int(v) for v in rng.integers(SIDE_RANGE[0], SIDE_RANGE[1] + 1, size=2))
    canvas = np.asarray(random_background(rng, (w, h)), np.float32)
    placed = []   # dicts with the full alpha and the still-visible mask of each garment
    for _ in range(int(rng.integers(GARMENTS_PER_SCENE[0], GARMENTS_PER_SCENE[1] + 1))):
        pick = int(rng.integers(len(labels)))
        garment = _place_garment(rng, images[pick], (w, h), placed)
        if garment is None:
            continue
        a = garment["alpha"][..., None]
        canvas = canvas * (1 - a) + garment["rgb"] * a
        garment["category_id"] = modanet_id(int(labels[pick]))
        placed.append(garment)
    objects = []
    for g in placed:
        x0, y0, x1, y1 = garment_box(g["visible"].astype(np.float32))
        objects.append({"category_id": g["category_id"], "bbox": [x0, y0, x1 - x0, y1 - y0], "mask": g["visible"]})
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8)), objects


def _place_garment(rng, img28, scene_size, placed, tries=8):
    """Size, colour and position a garment so that no garment under it loses more than half its visible part."""
    w, h = scene_size
    low, high = GARMENT_RANGE[0], GARMENT_RANGE[1] * min(w, h)
    side = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    aspect = float(rng.uniform(0.8, 1.25))
    gw, gh = max(8, int(side * aspect)), max(8, int(side / aspect))
    colour = list(COLORS.values())[int(rng.integers(len(COLORS)))]
    pattern = PATTERNS[int(rng.integers(len(PATTERNS)))]
    cut = np.asarray(garment_cutout(img28, colour, (gw, gh), pattern), np.float32)
    for _ in range(tries):
        x, y = int(rng.integers(0, w - gw + 1)), int(rng.integers(0, h - gh + 1))
        alpha = np.zeros((h, w), np.float32)
        alpha[y:y + gh, x:x + gw] = cut[..., 3] / 255
        cover = alpha > 0.5
        if not cover.any():
            return None
        if all((g["visible"] & ~cover).sum() >= MIN_VISIBLE * g["area"] for g in placed):
            for g in placed:
                g["visible"] &= ~cover
            rgb = np.zeros((h, w, 3), np.float32)
            rgb[y:y + gh, x:x + gw] = cut[..., :3]
            return {"alpha": alpha, "rgb": rgb, "visible": cover.copy(), "area": int(cover.sum())}
    return None


def mask_polygons(mask: np.ndarray):
    """COCO polygons [[x0, y0, x1, y1, ...], ...] tracing a boolean mask's outlines."""
    padded = np.pad(mask.astype(np.float32), 1)
    polygons = []
    for contour in find_contours(padded, 0.5):
        contour = approximate_polygon(contour - 1, tolerance=1.0)
        if len(contour) >= 3:
            polygons.append([round(float(v), 1) for yx in contour for v in (yx[1], yx[0])])
    return polygons


def build_scenes(out_dir, split, count, seed=None, source="auto", quality=90, workers=1):
    """Write `count` scenes of `split` to out_dir/images/*.jpg and out_dir/instances.json (ModaNet's shape).

    Scene i is drawn from its own generator seeded (seed, i), so a set rebuilds identically with any number
    of worker processes; the seed defaults to a fixed one per split. Returns the annotation path.
    """
    seed = SPLIT_SEEDS[split] if seed is None else seed
    jobs = [(split, seed, source, quality, image_id) for image_id in range(1, count + 1)]
    return write_scene_set(out_dir, jobs, _render_job, f"Fashion AI kit generated street scenes ({split})",
                           "MIT (Fashion-MNIST garments); scikit-image sample photos", workers)


def _render_job(job):
    split, seed, source, quality, image_id = job
    images, labels = garment_pool(split, source)
    picture, objects = render_scene(np.random.default_rng((seed, image_id)), images, labels)
    return f"{split}_{image_id:06d}.jpg", picture, objects, quality


def write_scene_set(out_dir, jobs, render, description, licence, workers=1):
    """Render every job (its last item is the image id) and write images/ and instances.json to out_dir.

    render(job) -> (file name, PIL picture, objects, JPEG quality); objects as render_scene returns them.
    """
    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    coco = {
        "info": {"description": description, "version": "1.0", "contributor": render.__module__,
                 "date_created": "2026-01-01"},
        "licenses": [{"id": 1, "name": licence, "url": ""}],
        "year": 2026, "type": "instances", "images": [], "annotations": [],
        "categories": modanet_categories(),
    }
    tasks = [(out_dir, render, job) for job in jobs]
    if workers > 1:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = pool.map(_write_scene, tasks, chunksize=8)
    else:
        results = [_write_scene(task) for task in tasks]
    for image, annotations in results:
        coco["images"].append(image)
        for ann in annotations:
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, **ann})
    path = out_dir / "instances.json"
    save_coco(coco, path)
    return path


def _write_scene(task):
    """Render one scene, save its JPEG, and return its image record and annotations (ids left out)."""
    out_dir, render, job = task
    image_id = job[-1]
    name, picture, objects, quality = render(job)
    picture.save(out_dir / "images" / name, quality=quality)
    image = {"id": image_id, "width": picture.width, "height": picture.height, "file_name": name, "license": 1}
    annotations = [{"image_id": image_id, "category_id": obj["category_id"], "bbox": obj["bbox"],
                    "area": int(obj["mask"].sum()), "iscrowd": 0, "segmentation": mask_polygons(obj["mask"])}
                   for obj in objects]
    return image, annotations
