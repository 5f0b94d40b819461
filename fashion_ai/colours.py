"""Naming a garment's colour from its pixels: the kit's colour reader, used to tag POP's probes and to label
the sample social feed's photos the same way."""

import numpy as np
from PIL import Image

from .datasets.garments import COLORS

#: Distance (RGB) from the border colour above which a pixel belongs to the product, not the background.
FOREGROUND_THRESHOLD = 40.0
#: Share of each side left out: a product photo is framed on the product, its edges are mostly background.
EDGE_MARGIN = 0.15


def foreground_pixels(image: Image.Image, threshold=FOREGROUND_THRESHOLD) -> np.ndarray:
    """(M, 3) RGB pixels of the product: central pixels far from the picture's border (background) colour.

    "Far" is at least `threshold`, and more on a shaded or textured background (a folded blanket): as far
    as the 90th percentile of the border pixels' own distance, so the background's folds do not count as
    product (a saturated red blanket would otherwise outvote a white T-shirt lying on it)."""
    rgb = np.asarray(image.convert("RGB"), np.float32)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    background = np.median(border, axis=0)
    cut = max(threshold, float(np.percentile(np.linalg.norm(border - background, axis=-1), 90)))
    dy, dx = int(rgb.shape[0] * EDGE_MARGIN), int(rgb.shape[1] * EDGE_MARGIN)
    centre = rgb[dy:rgb.shape[0] - dy, dx:rgb.shape[1] - dx]
    return centre[np.linalg.norm(centre - background, axis=-1) > cut]


def dominant_colours(image: Image.Image, top=1, palette=None, min_share=0.15) -> list:
    """Names of the `top` palette colours (default: garments.COLORS) covering most product pixels.

    Each product pixel votes for its nearest palette colour, compared mostly by chromaticity so a shaded
    fold of a red dress still votes red; saturated pixels weigh more, so the pale stripes of a blue shirt do
    not outvote the blue; colours with less than `min_share` of the votes are dropped.
    """
    palette = palette or COLORS
    pixels = foreground_pixels(image)
    if len(pixels) == 0:
        return []
    names = list(palette)
    centres = np.array([palette[n] for n in names], np.float32)
    saturation = (pixels.max(1) - pixels.min(1)) / (pixels.max(1) + 1.0)
    weights = 0.2 + saturation  # a pattern's paler or darker second shade counts less than the fabric
    votes = np.bincount(_nearest(pixels, centres), weights=weights, minlength=len(names)) / weights.sum()
    order = np.argsort(-votes)[:top]
    return [names[i] for i in order if votes[i] >= min_share]


def _nearest(pixels, centres) -> np.ndarray:
    """Index of the nearest centre for each pixel, comparing chromaticity and brightness separately."""
    def split(rgb):
        brightness = rgb.sum(1, keepdims=True) + 1.0
        return rgb / brightness, brightness / 765.0

    chroma_p, light_p = split(pixels)
    chroma_c, light_c = split(centres)
    distance = 4.0 * ((chroma_p[:, None] - chroma_c[None]) ** 2).sum(-1) + \
        0.25 * ((light_p[:, None] - light_c[None]) ** 2).sum(-1)
    return distance.argmin(1)
