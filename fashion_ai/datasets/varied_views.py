"""Widely varied shop and consumer pictures of one Fashion-MNIST garment, for training the fashion
embedding and for checking that it holds up on pictures made differently from the bundled sample set.

A retrieval model trained on one look learns that look. So the views here vary far more than the sample
set does: backgrounds (real photos and synthetic ones), garment scale and position (partly out of frame),
rotation, shear, mirror, colour casts, lighting, blur, noise, JPEG artefacts, occluders and other garments
in the way. `background_pool="held_out"` draws backgrounds from photos that training never sees.
"""

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from .garments import COLORS, PATTERNS, background_photos, garment_cutout, random_background

#: Side of the square pictures handed to the embedder.
VIEW_SIZE = 224


def random_look(rng: np.random.Generator):
    """A random (colour name, pattern) for a garment."""
    return str(rng.choice(list(COLORS))), str(rng.choice(PATTERNS))


def synthetic_background(rng: np.random.Generator, size) -> Image.Image:
    """A made-up background: flat colour, a gradient, coloured noise or blotches (never a photo)."""
    w, h = size
    kind = rng.integers(4)
    c0, c1 = rng.integers(0, 256, 3).astype(np.float32), rng.integers(0, 256, 3).astype(np.float32)
    if kind == 0:
        arr = np.broadcast_to(c0, (h, w, 3))
    elif kind == 1:
        t = np.linspace(0, 1, h if rng.random() < 0.5 else w, dtype=np.float32)
        t = t[:, None, None] if len(t) == h else t[None, :, None]
        arr = np.broadcast_to(c0 * (1 - t) + c1 * t, (h, w, 3))
    elif kind == 2:
        arr = c0 + rng.normal(0, 40, (h, w, 3)).astype(np.float32)
    else:
        small = rng.integers(0, 256, (int(rng.integers(2, 8)), int(rng.integers(2, 8)), 3)).astype(np.uint8)
        arr = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC), np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


@lru_cache(maxsize=1)
def held_out_photos():
    """Photos never used as training backgrounds: scikit-learn's two sample photos and a few scikit-image
    pictures that are not in the kit's background list."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    photos = list(load_sample_images().images)
    for name in ("cat", "clock", "colorwheel", "retina", "logo"):
        arr = np.asarray(getattr(skimage.data, name)())
        arr = np.stack([arr] * 3, axis=-1) if arr.ndim == 2 else arr[..., :3]
        photos.append(np.ascontiguousarray(arr).astype(np.uint8))
    return tuple(photos)


def photo_crop(photo: np.ndarray, rng: np.random.Generator, size) -> Image.Image:
    """A random crop of `photo` resized to `size` (w, h)."""
    h, w = photo.shape[:2]
    side = int(rng.integers(min(h, w) // 3, min(h, w) + 1))
    y0, x0 = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    return Image.fromarray(photo[y0:y0 + side, x0:x0 + side]).resize(size, Image.Resampling.BILINEAR)


def consumer_background(rng: np.random.Generator, size, pool="train") -> Image.Image:
    """An everyday-scene background: a kit background photo or a synthetic one ("train"), or a photo
    training never sees ("held_out")."""
    if pool == "held_out":
        photos = held_out_photos()
        return photo_crop(photos[rng.integers(len(photos))], rng, size)
    if pool != "train":
        raise ValueError(f"background pool must be 'train' or 'held_out', not {pool!r}")
    if rng.random() < 0.35:
        return synthetic_background(rng, size)
    if rng.random() < 0.5:
        return random_background(rng, size)
    photos = background_photos()
    return photo_crop(photos[rng.integers(len(photos))], rng, size)


def shop_view(img28, color, pattern, rng: np.random.Generator, size=VIEW_SIZE) -> Image.Image:
    """A product shot: the garment large and centred on a plain light background, as shops show it."""
    canvas_side = int(rng.integers(160, 360))
    tone = rng.integers(215, 256, 3) if rng.random() < 0.4 else np.full(3, rng.integers(225, 256))
    canvas = Image.new("RGB", (canvas_side, canvas_side), tuple(int(v) for v in tone))
    side = int(canvas_side * rng.uniform(0.72, 0.96))
    cutout = garment_cutout(img28, COLORS[color], (side, side), pattern)
    jitter = int(canvas_side - side)
    offset = (int(rng.integers(0, jitter + 1)), int(rng.integers(0, jitter + 1))) if jitter else (0, 0)
    canvas.paste(cutout, offset, cutout)
    if rng.random() < 0.3:
        canvas = canvas.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.0))))
    return jpeg_roundtrip(canvas, int(rng.integers(70, 96))).resize((size, size), Image.Resampling.BILINEAR)


def consumer_view(img28, color, pattern, rng: np.random.Generator, size=VIEW_SIZE, strength=1.0,
                  background_pool="train", distractor=None) -> Image.Image:
    """An everyday photo of the garment: busy background, off-centre, tilted, recoloured by the light,
    maybe partly hidden, blurred, noisy and compressed. `strength` scales every degradation;
    `distractor` (another 28x28 garment) may be drawn overlapping it, as clothes worn together are."""
    s = float(strength)
    canvas_side = int(rng.integers(128, 384))
    canvas = consumer_background(rng, (canvas_side, canvas_side), background_pool).convert("RGB")
    side = int(canvas_side * np.clip(rng.uniform(0.95 - 0.45 * s, 1.15), 0.25, 1.3))
    cutout = garment_cutout(img28, recolour(COLORS[color], rng, s), (side, side), pattern)
    cutout = tilt(cutout, rng, s)
    if rng.random() < 0.5:
        cutout = cutout.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if distractor is not None and rng.random() < 0.3 * s:
        other = garment_cutout(distractor, COLORS[random_look(rng)[0]], (side, side), "plain")
        canvas.paste(other, random_offset(canvas_side, side, rng, 0.6), other)
    canvas.paste(cutout, random_offset(canvas_side, cutout.size[0], rng, min(0.25 * s, 0.3)), cutout)
    if rng.random() < 0.35 * s:
        occlude(canvas, rng, s)
    canvas = relight(canvas, rng, s)
    if rng.random() < 0.6:
        canvas = canvas.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 1.8 * s))))
    arr = np.asarray(canvas, np.float32) + rng.normal(0, rng.uniform(0, 10 * s), (canvas_side, canvas_side, 3))
    canvas = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.75:
        canvas = jpeg_roundtrip(canvas, int(np.clip(rng.integers(20, 95) - 10 * (s - 1), 10, 95)))
    return canvas.resize((size, size), Image.Resampling.BILINEAR)


def recolour(rgb, rng, strength):
    """The fabric colour as a camera under some light sees it (per-channel gain)."""
    gain = 1.0 + rng.normal(0, 0.12 * strength, 3)
    return tuple(int(np.clip(c * g, 0, 255)) for c, g in zip(rgb, gain))


def tilt(cutout: Image.Image, rng, strength) -> Image.Image:
    """Rotate and shear an RGBA cut-out (a garment seen at an angle), keeping its canvas square."""
    angle = float(rng.uniform(-25, 25) * strength)
    out = cutout.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False)
    shear = float(rng.uniform(-0.25, 0.25) * strength)
    w, h = out.size
    return out.transform((w, h), Image.Transform.AFFINE, (1, shear, -shear * h / 2, 0, 1, 0),
                         resample=Image.Resampling.BILINEAR)


def random_offset(canvas_side, side, rng, outside):
    """Top-left corner for a `side`-sized piece; `outside` is how far (fraction of `side`) it may stick out."""
    lo = int(-outside * side)
    hi = max(lo + 1, int(canvas_side - side + outside * side))
    return int(rng.integers(lo, hi)), int(rng.integers(lo, hi))


def occlude(canvas: Image.Image, rng, strength):
    """Hide a patch of the picture behind a flat block (a bag, an arm, a passer-by), in place."""
    side = canvas.size[0]
    w, h = (int(side * rng.uniform(0.1, 0.3 * strength + 0.1)) for _ in range(2))
    x0, y0 = int(rng.integers(0, side - w + 1)), int(rng.integers(0, side - h + 1))
    canvas.paste(tuple(int(v) for v in rng.integers(0, 256, 3)), (x0, y0, x0 + w, y0 + h))


def relight(img: Image.Image, rng, strength) -> Image.Image:
    """Brightness, contrast, saturation and a light gradient across the picture."""
    for enhancer, spread in ((ImageEnhance.Brightness, 0.3), (ImageEnhance.Contrast, 0.3),
                             (ImageEnhance.Color, 0.4)):
        img = enhancer(img).enhance(float(np.clip(1 + rng.uniform(-spread, spread) * strength, 0.2, 2.0)))
    side = img.size[0]
    ramp = np.linspace(1 - 0.25 * strength * rng.random(), 1 + 0.1 * strength * rng.random(), side)
    ramp = ramp[:, None, None] if rng.random() < 0.5 else ramp[None, :, None]
    return Image.fromarray(np.clip(np.asarray(img, np.float32) * ramp, 0, 255).astype(np.uint8))


def jpeg_roundtrip(img: Image.Image, quality: int) -> Image.Image:
    """The picture after saving it as a JPEG of the given quality (the artefacts phones and sites add)."""
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")


#: Ways to draw a held-out consumer-to-shop set unlike the bundled sample: "strong" uses the sample set's
#: own renderers at other sizes and 1.5x its degradations; "unseen-backgrounds" uses this module's views
#: on photos that training never sees as backgrounds.
CHECK_STYLES = ("strong", "unseen-backgrounds")


def check_pair(img28, style, rng):
    """(shop picture, consumer picture) of one garment drawn in `style` (see CHECK_STYLES)."""
    from .c2s_sample import render_consumer, render_shop

    color, pattern = random_look(rng)
    if style == "strong":
        return (render_shop(img28, color, pattern, rng, size=200),
                render_consumer(img28, color, pattern, rng, size=256, strength=1.5))
    if style == "unseen-backgrounds":
        return (shop_view(img28, color, pattern, rng),
                consumer_view(img28, color, pattern, rng, strength=1.3, background_pool="held_out"))
    raise ValueError(f"unknown style {style!r}; choose one of {CHECK_STYLES}")


def build_check_set(out_dir, style="strong", per_class=10, seed=1):
    """Write a consumer-to-shop set (ROOT/<item_id>/{shop,consumer}.jpg + manifest.csv) of garments from
    Fashion-MNIST's *test* split, drawn in `style`: a check that a model trained on one look still
    retrieves on another. Returns the manifest path."""
    import pandas as pd

    from . import fashion_mnist

    out_dir = Path(out_dir)
    images, labels = fashion_mnist.load("test")
    rng = np.random.default_rng(seed)
    rows = []
    for c, name in enumerate(fashion_mnist.CLASSES):
        for index in rng.choice(np.flatnonzero(labels == c), per_class, replace=False):
            item_id = f"test{int(index):05d}"
            (out_dir / item_id).mkdir(parents=True, exist_ok=True)
            for domain, picture in zip(("shop", "consumer"), check_pair(images[index], style, rng)):
                picture.save(out_dir / item_id / f"{domain}.jpg", "JPEG", quality=90)
                rows.append((item_id, domain, f"{item_id}/{domain}.jpg", name))
    manifest = out_dir / "manifest.csv"
    pd.DataFrame(rows, columns=["item_id", "domain", "path", "category"]).to_csv(manifest, index=False)
    return manifest
