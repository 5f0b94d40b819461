"""Figures the kit shows: readable at projector size, one idea per figure."""

import matplotlib.pyplot as plt
import numpy as np


def plot_confusion_matrix(matrix, class_names, title="Confusion matrix", ax=None):
    """Row-normalised confusion matrix (true class down, predicted across) with the percentages written in,
    so the few classes a model mixes up stand out."""
    matrix = np.asarray(matrix, dtype=float)
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    n = len(class_names)
    ax.set_xticks(range(n), class_names, rotation=45, ha="right", fontsize=12)
    ax.set_yticks(range(n), class_names, fontsize=12)
    ax.set_xlabel("predicted class", fontsize=13)
    ax.set_ylabel("true class", fontsize=13)
    ax.set_title(title, fontsize=15)
    for i in range(n):
        for j in range(n):
            if share[i, j] >= 0.005:
                ax.text(j, i, f"{100 * share[i, j]:.0f}", ha="center", va="center", fontsize=10,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.figure.tight_layout()
    return ax.figure


def plot_image_grid(images, titles=None, ncols=8, size=1.6, cmap="gray"):
    """A grid of small pictures (arrays or PIL images) with optional titles, axes hidden."""
    nrows = max(1, -(-len(images) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * (size + 0.3)), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(images[k], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[k], fontsize=10)
    fig.tight_layout()
    return fig


def plot_boxes(image, boxes, labels=(), ax=None, title=None):
    """A picture with its garment boxes ([x1, y1, x2, y2] in pixels) drawn and labelled."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(image)
    colours = plt.cm.tab10.colors
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        colour = colours[k % len(colours)]
        ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour, linewidth=2.5))
        if k < len(labels):
            ax.text(x1, y1, labels[k], color="white", fontsize=10, va="bottom",
                    bbox={"facecolor": colour, "alpha": 0.8, "pad": 1, "edgecolor": "none"})
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=12)
    return ax.figure


def plot_consumer_shop_pairs(table, n_items=6, size=2.4):
    """One column per item (one item per category when it can): the shop photo on top, its consumer photos
    below, so the gap between the two worlds is plain to see."""
    from .images import load_image

    items = list(table.drop_duplicates("category")["item_id"])[:n_items]
    items += [i for i in dict.fromkeys(table["item_id"]) if i not in items][:n_items - len(items)]
    groups = [table[table["item_id"] == item] for item in items]
    shots = [list(g.loc[g["domain"] == "shop", "path"][:1]) + list(g.loc[g["domain"] == "consumer", "path"])
             for g in groups]
    nrows = max(len(s) for s in shots)
    fig, axes = plt.subplots(nrows, len(items), figsize=(len(items) * size, nrows * size + 0.6), squeeze=False)
    for col, (item, paths) in enumerate(zip(items, shots)):
        for row, ax in enumerate(axes[:, col]):
            ax.set_xticks([])
            ax.set_yticks([])
            if row < len(paths):
                ax.imshow(load_image(paths[row], max_side=256))
            else:
                ax.axis("off")
        axes[0, col].set_title(item, fontsize=12)
    for row in range(nrows):
        axes[row, 0].set_ylabel("shop" if row == 0 else f"consumer {row}", fontsize=14)
    fig.tight_layout()
    return fig
