"""Shared building blocks for the kit's generated pictures: Fashion-MNIST garments as coloured cut-outs,
and real photos/textures (shipped inside scikit-image) as backgrounds.

The consumer-to-shop sample set, the detection scenes and the social-feed corpus are all made from these, so
a garment looks the same wherever the kit draws it.
"""

from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

#: Named colours used for recolouring and as colour tags (RGB).
COLORS = {
    "red": (200, 30, 40),
    "blue": (40, 70, 190),
    "green": (40, 140, 60),
    "yellow": (230, 200, 40),
    "black": (35, 35, 35),
    "white": (235, 235, 230),
    "pink": (235, 130, 170),
    "beige": (210, 185, 145),
    "grey": (128, 128, 128),
    "orange": (235, 120, 30),
    "purple": (120, 50, 150),
    "brown": (110, 70, 40),
}

PATTERNS = ("plain", "stripes", "dots", "check")

#: scikit-image sample images used as backgrounds (all ship inside the wheel; nothing is downloaded).
BACKGROUND_NAMES = (
    "brick", "grass", "gravel", "coffee", "chelsea", "rocket", "astronaut", "camera",
    "coins", "moon", "horse", "immunohistochemistry", "page", "text", "hubble_deep_field", "cell",
)


def garment_alpha(img28: np.ndarray, size) -> np.ndarray:
    """Soft alpha mask (H, W) float in [0, 1] of a 28x28 Fashion-MNIST garment resized to `size` (w, h)."""
    big = np.asarray(Image.fromarray(img28).resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 255
    return np.clip((big - 0.02) * 6.0, 0.0, 1.0)


def pattern_layer(pattern: str, size, color, period=None) -> np.ndarray:
    """(H, W, 3) float RGB fabric: the colour, with stripes, dots or checks in a darker/lighter shade."""
    w, h = size
    base = np.ones((h, w, 3), np.float32) * np.array(color, np.float32)
    if pattern == "plain":
        return base
    period = period or max(4, min(w, h) // 6)
    yy, xx = np.mgrid[0:h, 0:w]
    if pattern == "stripes":
        mark = (yy // (period // 2)) % 2 == 0
    elif pattern == "dots":
        cy, cx = (yy % period) - period / 2, (xx % period) - period / 2
        mark = cy ** 2 + cx ** 2 < (period / 4) ** 2
    elif pattern == "check":
        mark = ((yy // (period // 2)) + (xx // (period // 2))) % 2 == 0
    else:
        raise ValueError(f"unknown pattern {pattern!r}; choose one of {PATTERNS}")
    contrast = np.array([255, 255, 255], np.float32) if np.mean(color) < 110 else np.zeros(3, np.float32)
    base[mark] = 0.55 * base[mark] + 0.45 * contrast
    return base


def garment_cutout(img28: np.ndarray, color, size, pattern="plain") -> Image.Image:
    """An RGBA picture of the garment at `size` (w, h): fabric colour/pattern shaded by the garment's own
    greyscale texture, transparent outside the garment."""
    alpha = garment_alpha(img28, size)
    shade = np.asarray(Image.fromarray(img28).resize(size, Image.Resampling.BICUBIC), np.float32) / 255
    fabric = pattern_layer(pattern, size, color)
    lit = fabric * (0.45 + 0.55 * shade[..., None] / max(shade.max(), 1e-6))
    rgba = np.dstack([np.clip(lit, 0, 255), alpha * 255]).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")


def garment_box(alpha: np.ndarray, threshold=0.5):
    """Tight box (x0, y0, x1, y1) of the visible garment in an alpha mask, or None if nothing shows."""
    ys, xs = np.nonzero(alpha > threshold)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@lru_cache(maxsize=1)
def background_photos():
    """The scikit-image photos/textures as RGB uint8 arrays (loaded once)."""
    import skimage.data

    photos = []
    for name in BACKGROUND_NAMES:
        arr = np.asarray(getattr(skimage.data, name)())
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, axis=-1)
        photos.append(np.ascontiguousarray(arr[..., :3]).astype(np.uint8))
    return tuple(photos)


def random_background(rng: np.random.Generator, size) -> Image.Image:
    """A random crop of a random background photo, resized to `size` (w, h), lightly blurred."""
    photo = background_photos()[rng.integers(len(background_photos()))]
    h, w = photo.shape[:2]
    crop_w = int(rng.integers(min(w, 96), w + 1))
    crop_h = int(min(h, max(32, crop_w * size[1] / size[0])))
    x0 = int(rng.integers(0, w - crop_w + 1))
    y0 = int(rng.integers(0, h - crop_h + 1))
    tile = Image.fromarray(photo[y0:y0 + crop_h, x0:x0 + crop_w]).resize(size, Image.Resampling.BILINEAR)
    return tile.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0, 1.2))))
