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
