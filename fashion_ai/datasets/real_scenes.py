"""Detection scenes made of real garment photos: dressed figures and scattered garments on real backgrounds.

Street and shop photos show garments *worn*: a top above trousers or a skirt, a dress alone, a jacket open over
a top, shoes at the bottom, all large in the frame and often cut off by it. Most scenes here copy that layout:
a simple figure (skin-toned head, neck, arms and legs) dressed in real garments cut out of the clothing set
(see cutouts.py), at a random height, position and crop. The rest scatter one to four garments at random
sizes, angles and places, as on a bed or a rail. Garments get their own light and colour changes; backgrounds
are real: scikit-image's photos, plain painted walls, or the floor, bed or wall around another contributor's
garment. Boxes are measured on what stays visible, after occlusion and the frame's crop.

Kit rule: scenes of a split use only the garments of one contributor group (train -> "train",
val -> "validation", test -> "check"; see clothing.sender_groups), so no one's clothes or rooms cross splits.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from .coco import MODANET_CATEGORIES
from .cutouts import read_cutouts
from .garments import random_background
from .scenes import write_scene_set

SPLIT_GROUPS = {"train": "train", "val": "validation", "test": "check"}
SPLIT_SEEDS = {"train": 11, "val": 12, "test": 13}
OUTFIT_SHARE = 0.7            # dressed figures; the rest are scattered garments
SCENE_WIDTH = (288, 448)
SCENE_ASPECT = (0.9, 1.5)     # height / width: mostly portrait, as phone and shop photos are
MIN_VISIBLE_PIXELS = 150      # garments with less left in view are not annotated
SKIN_TONES = ((255, 219, 172), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36), (92, 58, 35))
HAIR_COLOURS = ((30, 25, 20), (70, 45, 25), (120, 85, 50), (200, 170, 110), (160, 160, 160))


@lru_cache(maxsize=4)
def garment_pool(cutouts_dir, group):
    """{ModaNet category: [cut-out PNG paths]} and [(source photo, garment box)] for backgrounds."""
    table = read_cutouts(cutouts_dir, group)
    pool = {name: list(rows["png"]) for name, rows in table.groupby("category")}
    margins = list(zip(table["source"], table[["x0", "y0", "x1", "y1", "width", "height"]].itertuples(index=False)))
    return pool, margins


def _garment(rng, path, size):
    """A cut-out resized to `size` (w, h) with its own light and colour changes."""
    rgba = Image.open(path).convert("RGBA").resize(size, Image.Resampling.BILINEAR)
    rgb = rgba.convert("RGB")
    rgb = ImageEnhance.Brightness(rgb).enhance(float(rng.uniform(0.75, 1.2)))
    rgb = ImageEnhance.Color(rgb).enhance(float(rng.uniform(0.8, 1.2)))
    rgb.putalpha(rgba.getchannel("A"))
    return rgb


def _scaled(path, width=None, height=None, max_width=None):
    """The (w, h) a cut-out gets when scaled to `width` or `height`, keeping its shape (width capped)."""
    w, h = Image.open(path).size
    scale = width / w if width is not None else height / h
    if max_width is not None:
        scale = min(scale, max_width / w)
    return max(4, int(w * scale)), max(4, int(h * scale))


class Canvas:
    """A scene being drawn: pixels plus every garment's still-visible mask."""

    def __init__(self, background: Image.Image):
        self.image = background.convert("RGB")
        self.placed = []

    def add(self, layer: Image.Image, x, y, category=None):
        """Draw an RGBA layer with its top-left corner at (x, y) (it may reach out of the frame); it hides what
        is under it. With a `category` it is a garment and gets a box; without, a body part."""
        cover = self._cover(layer, x, y)
        self._hide(cover)
        self.image.paste(layer, (int(x), int(y)), layer)
        if category is not None:
            self.placed.append({"category": category, "visible": cover})

    def _cover(self, layer, x, y):
        full = Image.new("L", self.image.size, 0)
        full.paste(layer.getchannel("A"), (int(x), int(y)))
        return np.asarray(full) > 127

    def _hide(self, cover):
        for garment in self.placed:
            garment["visible"] &= ~cover

    def objects(self):
        """[{"category_id", "bbox" [x, y, w, h], "mask"}] of the garments still in view."""
        found = []
        for garment in self.placed:
            mask = garment["visible"]
            if mask.sum() < MIN_VISIBLE_PIXELS:
                continue
            ys, xs = np.nonzero(mask)
            x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
            found.append({"category_id": MODANET_CATEGORIES.index(garment["category"]) + 1,
                          "bbox": [x0, y0, x1 - x0, y1 - y0], "mask": mask})
        return found


def background(rng, size, margins):
    """A real background of `size`: a scikit-image photo, a painted wall, or the room around a garment photo."""
    kind = rng.choice(3, p=[0.4, 0.2, 0.4])
    if kind == 0:
        return random_background(rng, size)
    if kind == 1:
        colour = rng.uniform(60, 240, 3)
        shade = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.8, 1.1), size[1])[:, None, None]
        wall = colour * shade + rng.normal(0, 4, (size[1], size[0], 3))
        return Image.fromarray(np.clip(wall, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))
    source, (x0, y0, x1, y1, w, h) = margins[int(rng.integers(len(margins)))]
    strips = [(0, 0, w, y0), (0, y1, w, h), (0, 0, x0, h), (x1, 0, w, h)]
    strip = max(strips, key=lambda s: (s[2] - s[0]) * (s[3] - s[1]))
    if (strip[2] - strip[0]) < 24 or (strip[3] - strip[1]) < 24:
        return random_background(rng, size)
    return Image.open(source).convert("RGB").crop(strip).resize(size, Image.Resampling.BILINEAR)


def _limb(size, points, width, colour):
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).line(points, fill=(*colour, 255), width=max(2, int(width)), joint="curve")
    return layer


def draw_figure(rng, canvas: Canvas, pool, height, cx, top):
    """A figure `height` px tall centred on `cx` with its head's top at `top`, dressed from `pool`."""
    size = canvas.image.size
    skin = tuple(int(c) for c in SKIN_TONES[int(rng.integers(len(SKIN_TONES)))])
    hair = HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))]
    neck, waist, feet = top + 0.13 * height, top + 0.47 * height, top + 0.95 * height
    shoulders = height * rng.uniform(0.2, 0.27)
    limb = height * rng.uniform(0.04, 0.055)
    for side in (-1, 1):
        hip = cx + side * shoulders * 0.22
        canvas.add(_limb(size, [(hip, waist), (hip + side * rng.uniform(0, 0.05) * height, feet)], limb, skin), 0, 0)
        shoulder = cx + side * shoulders * 0.45
        hand = (shoulder + side * rng.uniform(0.0, 0.06) * height, top + rng.uniform(0.42, 0.5) * height)
        canvas.add(_limb(size, [(shoulder, neck + 0.03 * height), hand], limb * 0.85, skin), 0, 0)
    head = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(head)
    hw, hh = 0.055 * height, 0.065 * height
    draw.rectangle([cx - hw * 0.45, top + hh, cx + hw * 0.45, neck + 0.02 * height], fill=(*skin, 255))
    draw.ellipse([cx - hw, top, cx + hw, top + 2 * hh], fill=(*skin, 255))
    draw.chord([cx - hw * 1.05, top - hh * 0.1, cx + hw * 1.05, top + hh * 1.2], 180, 360, fill=(*hair, 255))
    canvas.add(head, 0, 0)

    def put(category, width=None, height_=None, y=None, max_width=None):
        if category not in pool:  # a small set may lack a category: the figure goes without it
            return
        path = pool[category][int(rng.integers(len(pool[category])))]
        w, h = _scaled(path, width, height_, max_width)
        canvas.add(_garment(rng, path, (w, h)), cx - w / 2, y, category)

    upper = rng.choice(["top", "dress", "outer"], p=[0.6, 0.2, 0.2])
    if upper != "dress":
        lower = rng.choice(["pants", "shorts", "skirt"], p=[0.55, 0.2, 0.25])
        lower_height = {"pants": (feet - waist) * rng.uniform(0.9, 1.05),
                        "shorts": height * rng.uniform(0.16, 0.26),
                        "skirt": height * rng.uniform(0.18, 0.42)}[lower]
        put(lower, height_=lower_height, y=waist - 0.03 * height, max_width=shoulders * 1.6)
    if rng.random() < 0.5:
        put("footwear", width=shoulders * rng.uniform(0.6, 0.9), y=feet - 0.04 * height)
    torso = waist - neck
    if upper == "dress":
        put("dress", height_=(feet - neck) * rng.uniform(0.45, 0.85), y=neck - 0.01 * height,
            max_width=shoulders * 2)
    else:
        if upper == "top" or rng.random() < 0.5:
            put("top", height_=torso * rng.uniform(1.05, 1.3), y=neck - 0.02 * height, max_width=shoulders * 2)
        if upper == "outer":
            put("outer", height_=torso * rng.uniform(1.0, 1.5), y=neck - 0.03 * height, max_width=shoulders * 2.2)
        elif "outer" in pool and rng.random() < 0.2:
            _open_jacket(rng, canvas, pool["outer"], cx, neck, torso, shoulders)
    if rng.random() < 0.15:
        put("headwear", width=hw * rng.uniform(2.2, 3.0), y=top - hh * 0.6)


def _open_jacket(rng, canvas, paths, cx, neck, torso, shoulders):
    """A jacket worn open over the top: its middle is cut away so the top shows between its halves."""
    path = paths[int(rng.integers(len(paths)))]
    w, h = _scaled(path, height=torso * rng.uniform(1.05, 1.4), max_width=shoulders * 2.2)
    layer = _garment(rng, path, (w, h))
    alpha = np.asarray(layer.getchannel("A")).copy()
    gap = int(w * rng.uniform(0.15, 0.3))
    alpha[:, (w - gap) // 2:(w + gap) // 2] = 0
    layer.putalpha(Image.fromarray(alpha))
    canvas.add(layer, cx - w / 2, neck - 0.03 * torso, "outer")


def scatter_garments(rng, canvas: Canvas, pool):
    """One to four garments of any category, at random sizes, angles and places."""
    w, h = canvas.image.size
    categories = sorted(pool)
    for _ in range(int(rng.integers(1, 5))):
        category = categories[int(rng.integers(len(categories)))]
        path = pool[category][int(rng.integers(len(pool[category])))]
        side = min(w, h) * rng.uniform(0.25, 0.75)    # the garment's longer side
        cw, ch = Image.open(path).size
        gw, gh = _scaled(path, width=side) if cw >= ch else _scaled(path, height=side)
        layer = _garment(rng, path, (gw, gh)).rotate(float(rng.uniform(-20, 20)), expand=True,
                                                     resample=Image.Resampling.BILINEAR)
        x = rng.uniform(-0.2 * layer.width, w - 0.8 * layer.width)
        y = rng.uniform(-0.2 * layer.height, h - 0.8 * layer.height)
        canvas.add(layer, x, y, category)


def render_real_scene(rng: np.random.Generator, pool, margins):
    """One scene: (RGB PIL image, [{"category_id", "bbox" [x, y, w, h], "mask"}])."""
    width = int(rng.integers(SCENE_WIDTH[0], SCENE_WIDTH[1] + 1))
    size = (width, int(width * rng.uniform(*SCENE_ASPECT)))
    canvas = Canvas(background(rng, size, margins))
    if rng.random() < OUTFIT_SHARE:
        figures = 1 if rng.random() < 0.8 else 2
        for i in range(figures):
            height = size[1] * rng.uniform(0.75, 1.7) / (1 + 0.3 * i)
            cx = size[0] * (rng.uniform(0.3, 0.7) if figures == 1 else rng.uniform(0.15, 0.4) + 0.45 * i)
            top = rng.uniform(min(0.0, size[1] - height), 0.15 * size[1])
            draw_figure(rng, canvas, pool, height, cx, top)
    else:
        scatter_garments(rng, canvas, pool)
    picture = canvas.image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 0.8))))
    return picture, canvas.objects()


def build_real_scenes(out_dir, split, count, cutouts_dir, seed=None, quality=90, workers=1):
    """Write `count` real-garment scenes of `split` as COCO JSON in ModaNet's shape; returns its path.

    `cutouts_dir` is what `build_cutouts` wrote. Scene i is drawn from its own generator seeded (seed, i),
    so a set rebuilds identically with any number of workers.
    """
    if split not in SPLIT_GROUPS:
        raise ValueError(f"split must be one of {tuple(SPLIT_GROUPS)}, not {split!r}")
    seed = SPLIT_SEEDS[split] if seed is None else seed
    jobs = [(split, seed, str(Path(cutouts_dir).resolve()), quality, image_id) for image_id in range(1, count + 1)]
    return write_scene_set(out_dir, jobs, _render_job, f"Fashion AI kit real-garment scenes ({split})",
                           "CC0 1.0 (clothing dataset garments); scikit-image sample photos", workers)


def _render_job(job):
    split, seed, cutouts_dir, quality, image_id = job
    pool, margins = garment_pool(cutouts_dir, SPLIT_GROUPS[split])
    if not pool:
        raise ValueError(f"{cutouts_dir}: no kept cut-outs of the {SPLIT_GROUPS[split]!r} group")
    picture, objects = render_real_scene(np.random.default_rng((seed, image_id)), pool, margins)
    return f"real_{split}_{image_id:06d}.jpg", picture, objects, quality
