"""Figures for the detection notebook: default boxes, augmentations, matching, hard negatives, the loss terms,
the loss curve, non-maximum suppression, per-class AP."""

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


def plot_precision_recall(scores, classes, title="Precision against recall at IoU 0.5"):
    """Precision-recall curves of a few classes (pycocotools' interpolated curves, whose mean is the AP):
    where a class's curve drops shows how far down its score list the detector stays right."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in classes:
        recall, precision = scores["pr50"][name]
        ax.plot(recall, np.clip(precision, 0, None), lw=2.5,
                label=f"{name} (AP {scores['per_class_ap50'][name]:.2f})")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="recall", ylabel="precision", title=title)
    ax.legend(fontsize=12)
    fig.tight_layout()
    return fig


def _box(ax, box, colour, lw=1.5, ls="-"):
    x0, y0, x1, y1 = box
    ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=lw, ls=ls, color=colour))


def _shown(image_tensor):
    return image_tensor.permute(1, 2, 0).numpy()


def _indices(mask):
    """Indices where a boolean tensor is true, as a plain list."""
    return mask.nonzero().flatten().tolist()


def plot_matches(ssd_pass, categories, margin=12):
    """SSD's matching on one picture: the first panel shows every positive default box in its garment's colour;
    then one zoomed panel per garment, its true box (white), the default boxes matched by IoU (solid) and the
    one matched only by the best-match rule (dashed, when its IoU is under the threshold)."""
    from matplotlib.lines import Line2D

    image = _shown(ssd_pass.image)
    height, width = image.shape[:2]
    panels = len(ssd_pass.boxes) + 1
    cols = min(4, panels)
    rows = -(-panels // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.8 * rows), squeeze=False)
    axes = axes.ravel()
    matched_iou = ssd_pass.matched_iou()
    axes[0].imshow(image)
    for k, label in enumerate(ssd_pass.labels.tolist()):
        for j in _indices(ssd_pass.matched == k):
            _box(axes[0], ssd_pass.default_boxes[j].tolist(), PALETTE[(label - 1) % len(PALETTE)], lw=1.2)
    counts = ssd_pass.counts()
    axes[0].set_title(f"{counts['positives']} positives of {counts['default boxes']}\ndefault boxes", fontsize=12)
    for k, (box, label) in enumerate(zip(ssd_pass.boxes.tolist(), ssd_pass.labels.tolist())):
        ax = axes[k + 1]
        ax.imshow(image)
        mine = _indices(ssd_pass.matched == k)
        shown = [box] + [ssd_pass.default_boxes[j].tolist() for j in mine]
        colour = PALETTE[(label - 1) % len(PALETTE)]
        for j in mine:
            dashed = matched_iou[j] < ssd_pass.threshold
            _box(ax, ssd_pass.default_boxes[j].tolist(), colour, lw=2, ls="--" if dashed else "-")
        _box(ax, box, "white", lw=2.5)
        x0 = max(0, min(b[0] for b in shown) - margin)
        y0 = max(0, min(b[1] for b in shown) - margin)
        x1 = min(width, max(b[2] for b in shown) + margin)
        y1 = min(height, max(b[3] for b in shown) + margin)
        side = max(x1 - x0, y1 - y0, 40)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ax.set_xlim(cx - side / 2, cx + side / 2)
        ax.set_ylim(cy + side / 2, cy - side / 2)
        best = float(ssd_pass.iou[k].max())
        ax.set_title(f"{categories[label - 1]}: {len(mine)} matched\nbest IoU {best:.2f}", fontsize=12)
    for ax in axes:
        ax.axis("off")
    handles = [Line2D([], [], color="white", lw=2.5, label="true box"),
               Line2D([], [], color="grey", lw=2, label=f"default box, IoU >= {ssd_pass.threshold:g}"),
               Line2D([], [], color="grey", lw=2, ls="--", label="default box kept by the best-match rule")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=11, facecolor="lightgrey")
    fig.suptitle("Matching default boxes to garments (zoomed panels: one garment each)", fontsize=15)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def plot_mined_negatives(ssd_pass, mined):
    """Hard-negative mining on one picture: the positives (green) and the kept negatives (red) over the picture,
    and the classification loss of every background default box, hardest first, with the cut."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [1, 1.3]})
    left.imshow(_shown(ssd_pass.image))
    for j in mined.negatives.tolist():
        _box(left, ssd_pass.default_boxes[j].tolist(), "red", lw=1)
    for j in mined.positives.tolist():
        _box(left, ssd_pass.default_boxes[j].tolist(), "lime", lw=1.5)
    left.set_title(f"{len(mined.positives)} positives (green), {len(mined.negatives)} mined negatives (red)",
                   fontsize=12)
    left.axis("off")
    losses = np.sort(mined.class_loss[mined.class_targets == 0].numpy())[::-1]
    kept = len(mined.negatives)
    ranks = np.arange(1, len(losses) + 1)
    right.plot(ranks, losses, color="grey", lw=2, label="dropped (easy background)")
    right.plot(ranks[:kept], losses[:kept], color="red", lw=3, label="kept (hardest)")
    if kept:
        right.axvline(kept, color="red", ls="--", lw=1)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("background default boxes, hardest first", fontsize=12)
    right.set_ylabel("classification loss", fontsize=12)
    right.legend(fontsize=11)
    right.set_title(f"{len(losses)} background boxes: keep {kept}", fontsize=12)
    fig.suptitle("Hard-negative mining", fontsize=15)
    fig.tight_layout()
    return fig


def plot_loss_terms(terms):
    """SSD's loss on one picture: the two terms as bars (classification split into its positive and negative
    parts), and the positives' predicted box offsets against the encoded offsets they should reach."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    pos, neg = terms["classification on positives"], terms["classification on mined negatives"]
    left.bar(0, pos, color="tab:green", label="positives")
    left.bar(0, neg, bottom=pos, color="tab:red", label="mined negatives")
    left.bar(1, terms["bbox_regression"], color="tab:blue", label="positives' box offsets")
    left.set_xticks([0, 1], ["classification\n(cross-entropy)", "box regression\n(smooth L1)"], fontsize=12)
    left.set_ylabel(f"loss / {terms['positives']} positives", fontsize=12)
    left.legend(fontsize=11)
    left.set_title("The two loss terms", fontsize=13)
    predicted, target = terms["predicted offsets"].numpy(), terms["target offsets"].numpy()
    for c, name in enumerate(("x shift", "y shift", "log width", "log height")):
        right.scatter(target[:, c], predicted[:, c], s=30, label=name)
    if len(target):
        low, high = min(target.min(), predicted.min()), max(target.max(), predicted.max())
        right.plot([low, high], [low, high], color="black", lw=1, label="perfect")
    right.set_xlabel("encoded offset to the true box", fontsize=12)
    right.set_ylabel("predicted offset", fontsize=12)
    right.legend(fontsize=10)
    right.set_title("Box regression on the positives", fontsize=13)
    fig.tight_layout()
    return fig


def plot_nms(result, categories):
    """Side by side: every box scored above the threshold, then what non-maximum suppression keeps."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.6))
    image = _shown(result["image"])
    for ax, key in zip(axes, ("before", "after")):
        found = result[key]
        ax.imshow(image)
        placed = []  # label corners so far: a label that would cover another moves down a line
        for box, score, label in zip(found["boxes"].tolist(), found["scores"].tolist(), found["labels"].tolist()):
            colour = PALETTE[(label - 1) % len(PALETTE)]
            _box(ax, box, colour, lw=1.2 if key == "before" else 2.5)
            if key == "after":
                x, y = min(box[0], image.shape[1] - 70), box[1] - 2
                while any(abs(x - px) < 60 and abs(y - py) < 10 for px, py in placed):
                    y += 10
                placed.append((x, y))
                ax.text(x, y, f"{categories[label - 1]} {score:.2f}", color="white", fontsize=8,
                        bbox={"facecolor": colour, "pad": 1, "lw": 0}, clip_on=True)
        ax.set_title(f"{key} NMS: {len(found['boxes'])} boxes", fontsize=13)
        ax.axis("off")
    fig.suptitle(f"Scores above {result['score_threshold']:g}; NMS drops a box overlapping a better one of its "
                 f"class by IoU > {result['iou_threshold']:g}", fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig
