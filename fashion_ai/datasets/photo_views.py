"""Consumer-style views of real garment photos, for learning and checking consumer-to-shop retrieval
without real consumer-to-shop pairs.

The clothing set's photos look like shop photos (one garment, framed on it, mostly on a plain surface).
A consumer photo of the same garment differs the way these views do: taken closer or further, at an angle,
under other light and white balance, partly hidden, in front of another scene, next to other clothes,
blurred and JPEG-compressed by a phone (`consumer_photo`). `check_photo` makes views in ways that
training never uses (mirror, motion blur, gamma, sensor noise, low resolution, a dark vignette, photo
backgrounds from scikit-learn and scikit-image), so a check with them tests more than the training
recipe.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from .varied_views import held_out_photos, jpeg_roundtrip, photo_crop, relight

VIEW_SIDE = 256


def _perspective(img: Image.Image, rng, amount):
    """The picture seen slightly from one side (each corner moved by up to `amount` of the side)."""
    w, h = img.size
    jitter = rng.uniform(-amount, amount, 8) * np.array([w, h] * 4)
    corners = np.array([0, 0, w, 0, w, h, 0, h], float) + jitter
    coeffs = _perspective_coeffs(corners.reshape(4, 2), np.array([[0, 0], [w, 0], [w, h], [0, h]], float))
    return img.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)


def _perspective_coeffs(source, target):
    """PIL's 8 perspective coefficients mapping `target` corners back to `source` corners."""
    rows = []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(rows), source.reshape(8)).tolist()


def _white_balance(img: Image.Image, rng, spread):
    """A colour cast, as a camera's white balance under warm or cold light gives."""
    gain = np.clip(1 + rng.normal(0, spread, 3), 0.6, 1.4)
    return Image.fromarray(np.clip(np.asarray(img, np.float32) * gain, 0, 255).astype(np.uint8))


def _zoom_crop(img: Image.Image, rng, min_area):
    """A random part of the photo holding at least `min_area` of it (taken closer, or cut by the frame)."""
    w, h = img.size
    area = rng.uniform(min_area, 1.0)
    aspect = np.exp(rng.uniform(np.log(0.75), np.log(1.33)))
    cw, ch = min(w, int(w * np.sqrt(area * aspect))), min(h, int(h * np.sqrt(area / aspect)))
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    return img.crop((x0, y0, x0 + cw, y0 + ch))


def _in_scene(img: Image.Image, background: Image.Image, rng, others=()):
    """The garment photo placed smaller on a background scene, other garments' photos partly beside it."""
    side = VIEW_SIDE
    canvas = background.resize((side, side), Image.Resampling.BILINEAR).convert("RGB")
    for other in others:
        piece_side = int(side * rng.uniform(0.3, 0.6))
        piece = other.resize((piece_side, piece_side), Image.Resampling.BILINEAR)
        canvas.paste(piece, tuple(int(v) for v in rng.integers(-piece_side // 3, side - piece_side // 2, 2)))
    scale = rng.uniform(0.5, 0.85)
    w, h = img.size
    fit = scale * side / max(w, h)
    piece = img.resize((max(1, int(w * fit)), max(1, int(h * fit))), Image.Resampling.BILINEAR)
    x0 = int(rng.integers(0, side - piece.width + 1))
    y0 = int(rng.integers(0, side - piece.height + 1))
    canvas.paste(piece, (x0, y0))
    return canvas


def _occlude(img: Image.Image, rng):
    """A flat patch over part of the garment (an arm, a bag, a passer-by)."""
    img = img.copy()
    w, h = img.size
    bw, bh = int(w * rng.uniform(0.1, 0.35)), int(h * rng.uniform(0.1, 0.35))
    x0, y0 = int(rng.integers(0, w - bw + 1)), int(rng.integers(0, h - bh + 1))
    img.paste(tuple(int(v) for v in rng.integers(0, 256, 3)), (x0, y0, x0 + bw, y0 + bh))
    return img


def consumer_photo(photo: Image.Image, rng: np.random.Generator, scenes=(), others=()) -> Image.Image:
    """A training view: `photo` as a consumer might have taken it. `scenes` are background pictures and
    `others` photos of other garments (both PIL), used for the "in a scene, next to other clothes" case."""
    img = photo.convert("RGB")
    if rng.random() < 0.8:
        img = _zoom_crop(img, rng, 0.45)
    if rng.random() < 0.5:
        img = _perspective(img, rng, 0.12)
    if rng.random() < 0.3:
        img = img.rotate(float(rng.uniform(-20, 20)), Image.Resampling.BILINEAR, expand=False)
    if len(scenes) and rng.random() < 0.4:
        picked = [others[i] for i in rng.choice(len(others), min(len(others), int(rng.integers(0, 3))),
                                                replace=False)] if len(others) else []
        img = _in_scene(img, scenes[int(rng.integers(len(scenes)))], rng, picked)
    if rng.random() < 0.3:
        img = _occlude(img, rng)
    img = relight(img.resize((VIEW_SIDE, VIEW_SIDE), Image.Resampling.BILINEAR), rng, 1.0)
    img = _white_balance(img, rng, 0.08)
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.8))))
    return jpeg_roundtrip(img, int(rng.integers(30, 90)))


def _motion_blur(img: Image.Image, rng):
    """A shaky hand: the picture smeared along a short horizontal or vertical line."""
    size = int(rng.choice([3, 5]))
    kernel = np.zeros((size, size))
    if rng.random() < 0.5:
        kernel[size // 2] = 1
    else:
        kernel[:, size // 2] = 1
    return img.filter(ImageFilter.Kernel((size, size), kernel.flatten().tolist(), scale=size))


def check_photo(photo: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A check view, made only with changes that `consumer_photo` never makes."""
    img = photo.convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if rng.random() < 0.5:
        photos = held_out_photos()
        canvas = photo_crop(photos[int(rng.integers(len(photos)))], rng, (VIEW_SIDE, VIEW_SIDE)).convert("RGB")
        fit = rng.uniform(0.55, 0.8) * VIEW_SIDE / max(img.size)
        piece = img.resize((max(1, int(img.width * fit)), max(1, int(img.height * fit))))
        canvas.paste(piece, ((VIEW_SIDE - piece.width) // 2, (VIEW_SIDE - piece.height) // 2))
        img = canvas
    img = img.resize((VIEW_SIDE, VIEW_SIDE), Image.Resampling.BILINEAR)
    img = _motion_blur(img, rng)
    arr = np.asarray(img, np.float32) / 255.0
    arr = arr ** rng.uniform(0.6, 1.6)  # gamma: over- or under-exposed
    yy, xx = np.mgrid[-1:1:VIEW_SIDE * 1j, -1:1:VIEW_SIDE * 1j]
    arr = arr * (1 - 0.35 * rng.random() * (xx ** 2 + yy ** 2))[..., None]  # a dark vignette
    arr = arr + rng.normal(0, 0.03, arr.shape)  # sensor noise
    img = Image.fromarray(np.clip(arr * 255, 0, 255).astype(np.uint8))
    small = int(rng.integers(80, 128))
    return img.resize((small, small), Image.Resampling.BOX).resize((VIEW_SIDE, VIEW_SIDE), Image.Resampling.BICUBIC)


def build_check_set(out_dir, table, seed=0):
    """Write a consumer-to-shop set (ROOT/<item_id>/{shop,consumer}.jpg + manifest.csv) from real garment
    photos (rows of a clothing-set table): the photo as the shop side, one `check_photo` view as the
    consumer side. Returns the manifest path."""
    import pandas as pd

    from ..images import load_image

    out_dir = Path(out_dir)
    rows = []
    for i, (image, label, path) in enumerate(table[["image", "label", "path"]].itertuples(index=False)):
        photo = load_image(path, max_side=2 * VIEW_SIDE)
        (out_dir / image).mkdir(parents=True, exist_ok=True)
        photo.save(out_dir / image / "shop.jpg", "JPEG", quality=90)
        check_photo(photo, np.random.default_rng([seed, i])).save(out_dir / image / "consumer.jpg", "JPEG",
                                                                   quality=90)
        rows += [(image, "shop", f"{image}/shop.jpg", label), (image, "consumer", f"{image}/consumer.jpg", label)]
    manifest = out_dir / "manifest.csv"
    pd.DataFrame(rows, columns=["item_id", "domain", "path", "category"]).to_csv(manifest, index=False)
    return manifest


def sample_check_set() -> Path:
    """Manifest of a real-photo consumer-to-shop set made from the bundled clothing sample's check
    contributors (their photos as shop side, a `check_photo` view as consumer side); built once into the
    kit's cache, so it works offline and without the full clothing set."""
    from ..paths import cache_dir
    from .clothing import bundled_sample, read_table, sender_groups

    manifest = cache_dir() / "clothing-sample-check" / "manifest.csv"
    if not manifest.is_file():
        table = read_table(bundled_sample())
        build_check_set(manifest.parent, table[sender_groups(table) == "check"])
    return manifest
