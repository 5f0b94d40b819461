"""Textual tags of a probe product, the words POP searches the corpus with.

Three sources, combined in this order (later ones override earlier ones for the same attribute):
the category named by the kit's Fashion-MNIST classifier, the dominant colour read from the pixels, and a
technical sheet given by the user (a dict such as {"category": "dress", "colour": "red", "pattern": "dots"}).
"""

import numpy as np
from PIL import Image

from ..datasets.garments import COLORS
from .corpus import tag_slug

#: Distance (RGB) from the border colour above which a pixel belongs to the product, not the background.
FOREGROUND_THRESHOLD = 40.0


def foreground_pixels(image: Image.Image, threshold=FOREGROUND_THRESHOLD) -> np.ndarray:
    """(M, 3) RGB pixels of the product: those far from the picture's border (background) colour."""
    rgb = np.asarray(image.convert("RGB"), np.float32)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    distance = np.linalg.norm(rgb - np.median(border, axis=0), axis=-1)
    return rgb[distance > threshold]


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


def sheet_tags(sheet: dict) -> dict:
    """A technical sheet {attribute: value or list of values} as {attribute: [tag, ...]}."""
    if not isinstance(sheet, dict):
        raise ValueError(f"a technical sheet must be a dict of attributes, not {type(sheet).__name__}")
    out = {}
    for attribute, value in sheet.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        out[tag_slug(attribute)] = [tag_slug(v) for v in values if tag_slug(v)]
    return out


def probe_tags(image=None, sheet=None, classify=None) -> dict:
    """{attribute: [tags]} for a probe: category from `classify` (default: the kit's classifier), colour
    from the pixels, then the sheet's attributes. `image` may be None when a sheet describes the product."""
    tags = {}
    if image is not None:
        if classify is None:
            from ..classifier import predict_category as classify
        names, _ = classify([image])
        tags["category"] = [tag_slug(names[0])]
        tags["colour"] = dominant_colours(image)
    tags.update(sheet_tags(sheet or {}))
    if not any(tags.values()):
        raise ValueError("no tags: give a probe image, or a technical sheet with at least one attribute")
    return tags
