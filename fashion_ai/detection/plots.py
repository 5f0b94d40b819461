"""Figures for the detection notebook: default boxes, augmentations, the loss curve, per-class AP."""

import matplotlib.pyplot as plt
import numpy as np

from .anchors import default_boxes
from .annotate import PALETTE, draw_detections


def plot_default_boxes(picture, grid_sizes, image_size=320, generator=None):
    """One panel per feature map: the picture at the model's input size, that map's grid of cell centres
    and the default boxes of its centre cell (scale grows, map gets coarser)."""
    shown = np.asarray(picture.convert("RGB").resize((image_size, image_size)))
    per_map = default_boxes((image_size, image_size), grid_sizes, generator)
    fig, axes = plt.subplots(1, len(grid_sizes), figsize=(3.2 * len(grid_sizes), 3.6))
    for ax, (rows, cols), boxes in zip(axes, grid_sizes, per_map):
        ax.imshow(shown)
        ys, xs = np.mgrid[0:rows, 0:cols]
        ax.scatter((xs.ravel() + 0.5) * image_size / cols, (ys.ravel() + 0.5) * image_size / rows,
                   s=max(1, 40 / rows), c="white", alpha=0.6)
        per_cell = len(boxes) // (rows * cols)
        centre = ((rows // 2) * cols + cols // 2) * per_cell
        for k, (x0, y0, x1, y1) in enumerate(boxes[centre:centre + per_cell].tolist()):
            ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=2, color=PALETTE[k]))
        ax.set_xlim(-image_size * 0.25, image_size * 1.25)
        ax.set_ylim(image_size * 1.25, -image_size * 0.25)
        ax.set_title(f"{rows}x{cols} map\n{per_cell} boxes per cell", fontsize=13)
        ax.axis("off")
    fig.suptitle(f"SSD default boxes: {sum(len(b) for b in per_map)} in all", fontsize=16)
    fig.tight_layout()
    return fig


def plot_augmentations(picture, boxes, labels, categories, n=6, seed=0):
    """The original scene and `n - 1` draws of SSD's training augmentation, boxes moved with the pixels."""
    from PIL import Image

    from .augment import augment

    rng = np.random.default_rng(seed)
    panels = [(picture, boxes, labels, "original")]
    for k in range(n - 1):
        image, new_boxes, new_labels = augment(picture, boxes, labels, rng)
        panels.append((Image.fromarray(image.permute(1, 2, 0).numpy()), new_boxes.tolist(), new_labels.tolist(),
                       f"draw {k + 1}"))
    fig, axes = plt.subplots(1, n, figsize=(3.3 * n, 3.6))
    for ax, (pic, bxs, lbs, title) in zip(axes, panels):
        found = [{"class": categories[int(c) - 1], "category_id": int(c), "box": b} for b, c in zip(bxs, lbs)]
        ax.imshow(draw_detections(pic, found))
        ax.set_title(f"{title}: {pic.width}x{pic.height}", fontsize=12)
        ax.axis("off")
    fig.suptitle("Photometric distortion, zoom out, IoU crop, mirror", fontsize=16)
    fig.tight_layout()
    return fig


def plot_losses(history):
    """SSD's two losses per training step (classification with hard negatives, box regression)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    steps = np.arange(1, len(history) + 1)
    for key, label in (("classification", "classification"), ("bbox_regression", "box regression")):
        ax.plot(steps, [h[key] for h in history], lw=2, label=label)
    ax.set_xlabel("training step", fontsize=13)
    ax.set_ylabel("loss", fontsize=13)
    ax.legend(fontsize=12)
    ax.set_title("The SSD loss falls as the top layers learn", fontsize=15)
    fig.tight_layout()
    return fig


def plot_ap(table):
    """Bars of AP@0.5 for all objects and for small ones, per class that has objects."""
    rows = table[table["objects"] > 0].drop(index="mean (mAP)", errors="ignore")
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(x - 0.2, rows["AP@0.5"].astype(float), 0.4, label="all objects")
    ax.bar(x + 0.2, rows["small AP@0.5"].astype(float).fillna(0), 0.4, label="small objects (< 32x32 px)")
    ax.set_xticks(x, rows.index, fontsize=12)
    ax.set_ylim(0, 1)
    ax.set_ylabel("AP at IoU 0.5", fontsize=13)
    ax.legend(fontsize=12)
    ax.set_title("Per-class AP on held-out scenes", fontsize=15)
    fig.tight_layout()
    return fig
