"""Garments cut out of the real clothing photos, for composing detection scenes with exact boxes.

The clothing set's photos show one garment, mostly on a plain surface or a hanger. `garment_mask` finds it
with classical image processing only (no downloaded weights): colour clusters of the photo's border stand
for the background, colour clusters of the centre that differ from them stand for the garment, and a
random-walker segmentation grows both from those seeds. Masks that look wrong are dropped, each with a
reason: too small or too large, touching the border (the garment is cut off), in pieces, or ragged.

The set's 20 classes map to ModaNet's categories (CLOTHING_TO_MODANET). Body (mostly babies' bodysuits, a
garment ModaNet has no class for), Not sure, Other and Skip (no garment class known) are left out.
"""

import hashlib
import multiprocessing
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter
from scipy import ndimage as ndi

from ..images import ImageLoadError, load_image
from .clothing import read_table, sender_groups

CLOTHING_TO_MODANET = {
    "T-Shirt": "top", "Longsleeve": "top", "Shirt": "top", "Polo": "top", "Top": "top", "Blouse": "top",
    "Undershirt": "top", "Outwear": "outer", "Blazer": "outer", "Hoodie": "outer", "Pants": "pants",
    "Shorts": "shorts", "Skirt": "skirt", "Dress": "dress", "Shoes": "footwear", "Hat": "headwear",
}
MASK_SIDE = 128               # segmentation runs on a thumbnail this size (fast; the mask is scaled back up)
AREA_RANGE = (0.08, 0.85)     # share of the photo the garment may cover
MAX_BORDER = 0.08             # share of the border frame the garment may touch
MIN_SOLIDITY = 0.6            # garment area / its convex hull's area
MIN_CONTRAST = 10.0           # Lab distance from every background colour for a pixel to seed the garment
MIN_MAIN_PART = 0.85          # the largest piece's share of everything found
PER_CLASS = 250               # photos tried per class (picked by a hash of the name): variety enough, and the
                              # whole set cuts out in about a quarter of an hour on 2 cores
TABLE = "cutouts.csv"


def _border_frame(shape):
    h, w = shape
    b = max(2, int(0.05 * min(h, w)))
    frame = np.zeros(shape, bool)
    frame[:b] = frame[-b:] = True
    frame[:, :b] = frame[:, -b:] = True
    return frame


def _nearest_centre(pixels, samples, k=6):
    """Distance of every pixel to the nearest of k colour clusters of `samples` (Lab units)."""
    from scipy.cluster.vq import kmeans2

    centres, _ = kmeans2(samples.astype(np.float64), min(k, len(samples)), iter=10, minit="++", seed=0)
    return np.sqrt(((pixels[..., None, :] - centres) ** 2).sum(-1)).min(-1)


def garment_mask(picture: Image.Image):
    """(boolean mask at the picture's size, None) or (None, reason the garment could not be cut out)."""
    from skimage import color, segmentation
    from skimage.measure import regionprops

    small = picture.convert("RGB")
    small.thumbnail((MASK_SIDE, MASK_SIDE))
    lab = color.rgb2lab(np.asarray(small, np.float32) / 255)
    h, w = lab.shape[:2]
    frame = _border_frame((h, w))
    d_background = _nearest_centre(lab, lab[frame])
    centre = np.zeros((h, w), bool)
    centre[h // 4:3 * h // 4, w // 4:3 * w // 4] = True
    candidates = centre & (d_background > max(MIN_CONTRAST, np.percentile(d_background[frame], 90)))
    if candidates.sum() < 20:
        return None, "no garment colour stands out from the border"
    d_garment = _nearest_centre(lab, lab[candidates])
    garment_odds = d_background / (d_background + d_garment + 1e-6)
    seeds = np.zeros((h, w), np.int32)
    seeds[frame & (garment_odds < 0.5)] = 1
    seeds[centre & (garment_odds > 0.75)] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # random_walker's tolerance notes: the labels are still right
        mask = segmentation.random_walker(lab, seeds, beta=30, channel_axis=-1, mode="cg_j") == 2
    pieces, count = ndi.label(ndi.binary_opening(mask))
    if count == 0:
        return None, "nothing found"
    sizes = ndi.sum(np.ones_like(mask), pieces, range(1, count + 1))
    main = pieces == 1 + int(np.argmax(sizes))
    if sizes.max() < MIN_MAIN_PART * sizes.sum():
        return None, f"in pieces (largest {sizes.max() / sizes.sum():.0%})"
    main = ndi.binary_fill_holes(ndi.binary_closing(main, iterations=2))
    area, touch = main.mean(), main[frame].mean()
    if not AREA_RANGE[0] <= area <= AREA_RANGE[1]:
        return None, f"covers {area:.0%} of the photo"
    if touch > MAX_BORDER:
        return None, f"touches {touch:.0%} of the border"
    solidity = regionprops(main.astype(np.uint8))[0].solidity
    if solidity < MIN_SOLIDITY:
        return None, f"ragged outline (solidity {solidity:.2f})"
    full = Image.fromarray(main.astype(np.uint8) * 255).resize(picture.size, Image.Resampling.BILINEAR)
    return np.asarray(full) > 127, None


def cutout_rgba(picture: Image.Image, mask: np.ndarray) -> Image.Image:
    """The garment cropped to its mask, with a softened alpha edge (pasted garments show no hard seam)."""
    ys, xs = np.nonzero(mask)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    alpha = Image.fromarray(mask.astype(np.uint8) * 255).filter(ImageFilter.GaussianBlur(0.8))
    rgba = picture.convert("RGB").copy()
    rgba.putalpha(alpha)
    return rgba.crop(box)


def _cut_one(job):
    path, out_path = job
    try:
        picture = load_image(path)
    except ImageLoadError as exc:
        return None, exc.reason
    mask, reason = garment_mask(picture)
    if mask is None:
        return None, reason
    ys, xs = np.nonzero(mask)
    cutout_rgba(picture, mask).save(out_path, compress_level=1)
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1, picture.width, picture.height], ""


def build_cutouts(out_dir, root=None, workers=2, per_class=PER_CLASS, progress=None) -> Path:
    """Cut out up to `per_class` photos of each mapped class; writes out_dir/<image>.png and out_dir/cutouts.csv.

    The table lists every photo tried: its ModaNet category, contributor group (`sender_groups`, so scenes
    of one group never show another group's clothes), whether it was kept, why not, and the garment's box
    in the photo. Returns the table's path.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = read_table(root)
    table["group"] = sender_groups(table)
    table = table[table["label"].isin(CLOTHING_TO_MODANET)]
    table = table.assign(_key=[hashlib.sha1(name.encode()).hexdigest() for name in table["image"]])
    table = table.sort_values("_key").groupby("label").head(per_class).sort_values("image").reset_index(drop=True)
    jobs = [(path, out_dir / f"{name}.png") for path, name in zip(table["path"], table["image"])]
    if workers > 1:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = []
            for result in pool.imap(_cut_one, jobs, chunksize=16):
                results.append(result)
                if progress:
                    progress(len(results), len(jobs))
    else:
        results = [_cut_one(job) for job in jobs]
    boxes = [r[0] or [None] * 6 for r in results]
    out = pd.DataFrame({
        "image": table["image"], "label": table["label"], "category": table["label"].map(CLOTHING_TO_MODANET),
        "group": table["group"], "kept": [r[0] is not None for r in results], "reason": [r[1] for r in results],
        "source": table["path"],
    })
    out[["x0", "y0", "x1", "y1", "width", "height"]] = pd.DataFrame(boxes, dtype="Int64")
    path = out_dir / TABLE
    out.to_csv(path, index=False)
    return path


def read_cutouts(folder, group=None) -> pd.DataFrame:
    """The kept cut-outs of `folder` (of one contributor group when given), with a `png` path column."""
    folder = Path(folder)
    table = pd.read_csv(folder / TABLE, keep_default_na=False, dtype={"reason": str})
    table = table[table["kept"]].astype({c: int for c in ("x0", "y0", "x1", "y1", "width", "height")})
    if group is not None:
        table = table[table["group"] == group]
    return table.assign(png=[str(folder / f"{name}.png") for name in table["image"]]).reset_index(drop=True)


def photo_check_set(cutouts_dir, out, group="check"):
    """A COCO set of whole, untouched photos of one contributor group, each box the garment's cut-out extent.

    A real-photo check for the detector: real light, real surfaces, one garment per photo (only photos whose
    cut-out was kept, so the box is trusted). Writes `out` and an images/ link beside it to the photos'
    folder. Returns (path, number of photos).
    """
    from .coco import MODANET_CATEGORIES, modanet_categories, save_coco

    table = read_cutouts(cutouts_dir, group)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    link = out.parent / "images"
    folder = Path(table["source"].iloc[0]).parent.resolve()
    if not link.exists():
        link.symlink_to(folder, target_is_directory=True)
    images, annotations = [], []
    for image_id, row in enumerate(table.itertuples(index=False), start=1):
        images.append({"id": image_id, "width": int(row.width), "height": int(row.height),
                       "file_name": Path(row.source).name, "license": 1})
        w, h = int(row.x1) - int(row.x0), int(row.y1) - int(row.y0)
        annotations.append({"id": image_id, "image_id": image_id, "bbox": [int(row.x0), int(row.y0), w, h],
                            "category_id": MODANET_CATEGORIES.index(row.category) + 1, "area": w * h,
                            "iscrowd": 0})
    save_coco({"info": {"description": f"clothing photos of the {group} group, box = cut-out extent"},
               "licenses": [{"id": 1, "name": "CC0 1.0 (clothing dataset)", "url": ""}],
               "images": images, "annotations": annotations, "categories": modanet_categories()}, out)
    return out, len(images)
