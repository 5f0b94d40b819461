"""Textual tags of a probe product, the words POP searches the corpus with.

Three sources, combined in this order (later ones override earlier ones for the same attribute):
the category named by the kit's real-photo garment classifier (`fashion_ai.clothing_classifier`; pass
`classify=fmnist_classifier.predict_category` for Fashion-MNIST pictures), the dominant colour read from the pixels,
and a technical sheet given by the user (a dict such as {"category": "dress", "colour": "red"}).
"""

from ..colours import dominant_colours
from ..datasets.corpus import tag_slug


def sheet_tags(sheet: dict) -> dict:
    """A technical sheet {attribute: value or list of values} as {attribute: [tag, ...]}."""
    if not isinstance(sheet, dict):
        raise ValueError(f"a technical sheet must be a dict of attributes, not {type(sheet).__name__}")
    out = {}
    for attribute, value in sheet.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        out[tag_slug(attribute)] = [tag_slug(v) for v in values if tag_slug(v)]
    return out


def classify_photos(images):
    """(class names, probabilities) of real garment photos by the kit's real-photo classifier."""
    from ..clothing_classifier import predict_photos
    from ..datasets.clothing import CLASSES

    probabilities = predict_photos(images)
    return [CLASSES[i] for i in probabilities.argmax(1)], probabilities


def probe_tags(image=None, sheet=None, classify=classify_photos) -> dict:
    """{attribute: [tags]} for a probe: category from `classify` (default: the real-photo classifier),
    colour from the pixels, then the sheet's attributes. `image` may be None when a sheet describes the
    product."""
    given = sheet_tags(sheet or {})
    tags = {}
    if image is not None:
        if "category" not in given:  # the sheet would override it: spare the classifier's run
            names, _ = classify([image])
            tags["category"] = [tag_slug(names[0])]
        tags["colour"] = dominant_colours(image)
    tags.update(given)
    if not any(tags.values()):
        raise ValueError("no tags: give a probe image, or a technical sheet with at least one attribute")
    return tags
