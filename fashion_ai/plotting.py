"""Figures the kit shows: readable at projector size, one idea per figure."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .retrieval import Retrieval, self_and_matches


def plot_confusion_matrix(matrix, class_names, title="Confusion matrix", ax=None, xlabel="predicted class"):
    """Row-normalised confusion matrix (true class down, predicted across) with the percentages written in,
    so the few classes a model mixes up stand out; `xlabel` says what stands in for the prediction."""
    matrix = np.asarray(matrix, dtype=float)
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    n = len(class_names)
    ax.set_xticks(range(n), class_names, rotation=45, ha="right", fontsize=12)
    ax.set_yticks(range(n), class_names, fontsize=12)
    ax.set_xlabel(xlabel, fontsize=13)
    ax.set_ylabel("true class", fontsize=13)
    ax.set_title(title, fontsize=15)
    for i in range(n):
        for j in range(n):
            if round(100 * share[i, j]) >= 1:
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


#: How the training curve names a history's `<name>_top1` series; any other name reads "held-out <name>".
SERIES_LABELS = {"train": "training items", "val": "held-out items"}


def plot_training_curve(history, title="Triplet training", gallery=None):
    """Triplet loss and top-1 per epoch, side by side: is the head still learning, and does what it learns
    carry over to items it has not seen? Every `<name>_top1` series of the history is drawn, and the epoch
    kept (`chosen_epoch`) is marked when there is one. `gallery` ({name: number of shop photos}) puts each
    series' gallery size in the legend: finding the right one among fewer shop photos is easier, so a
    held-out curve can run above the training one."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.plot(history["epoch"], history["loss"], marker="o", color="tab:red")
    left.set_xlabel("epoch", fontsize=13)
    left.set_ylabel("mean triplet loss", fontsize=13)
    for name in [key[:-len("_top1")] for key in history if key.endswith("_top1")]:
        label = SERIES_LABELS.get(name, f"held-out {name}")
        if gallery and name in gallery:
            label += f" ({gallery[name]} shop photos)"
        right.plot(history["epoch"], history[f"{name}_top1"], marker="o", label=label)
    if "chosen_epoch" in history:
        for ax in (left, right):
            ax.axvline(history["chosen_epoch"], color="grey", linestyle="--", linewidth=1.5)
        right.plot([], [], color="grey", linestyle="--", label=f"epoch kept ({history['chosen_epoch']})")
    right.set_xlabel("epoch", fontsize=13)
    right.set_ylabel("top-1 consumer-to-shop", fontsize=13)
    right.legend(fontsize=11)
    for ax in (left, right):
        ax.tick_params(labelsize=12)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=15)
    fig.tight_layout()
    return fig


def plot_topk_comparison(results, title="Consumer-to-shop top-k accuracy"):
    """Grouped bars of top-k accuracy, one colour per model; `results` is {model: {k: accuracy}}."""
    models = list(results)
    ks = sorted(next(iter(results.values())))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(10, 5))
    for m, model in enumerate(models):
        xs = np.arange(len(ks)) + (m - (len(models) - 1) / 2) * width
        values = [100 * results[model][k] for k in ks]
        bars = ax.bar(xs, values, width, label=model)
        ax.bar_label(bars, fmt="%.0f", fontsize=11)
    ax.set_xticks(range(len(ks)), [f"top-{k}" for k in ks], fontsize=13)
    ax.set_ylabel("queries found (%)", fontsize=13)
    ax.set_ylim(0, 105)
    ax.legend(fontsize=12)
    ax.set_title(title, fontsize=15)
    fig.tight_layout()
    return fig


def plot_trend_ranking(table, pictures, n=8, title="Winning designs: catalogue items trendy photos retrieve"):
    """The top `n` catalogue items of a trend ranking, each with its picture, score and hit count;
    `pictures` maps item -> image or image path."""
    top = table.head(n)
    fig, axes = plt.subplots(1, len(top), figsize=(2.2 * len(top), 3.2), squeeze=False)
    for ax, row in zip(axes[0], top.itertuples()):
        ax.imshow(thumbnail(pictures[row.item]))
        ax.set_title(f"{row.item}\nscore {row.score:.2f}, {row.hits} hits", fontsize=11)
        ax.axis("off")
    fig.suptitle(title, fontsize=15)
    fig.tight_layout()
    return fig


# --- CNN features: dendrograms, cluster galleries, retrieval results -------------------------------------

#: Frame colours of a photo's domain in the figures below.
DOMAIN_COLORS = {"consumer": "tab:orange", "shop": "tab:blue"}


def tsne_map(vectors, seed=0) -> np.ndarray:
    """2-D t-SNE coordinates of embeddings (cosine distance, PCA start, fixed seed), so the map a class sees
    is the same on every run."""
    from sklearn.manifold import TSNE

    perplexity = min(30.0, (len(vectors) - 1) / 3)
    return TSNE(n_components=2, metric="cosine", init="pca", perplexity=perplexity,
                random_state=seed).fit_transform(np.asarray(vectors, float))


def plot_embedding_maps(embeddings: dict, labels, title="The same photos under two embeddings (t-SNE)"):
    """One t-SNE map per embedding of the same photos, coloured by class: does training pull each class
    together? Only neighbourhoods are meaningful on such a map, not distances between far groups."""
    labels = np.asarray(labels)
    classes = sorted(set(labels))
    colors = dict(zip(classes, plt.cm.tab10.colors))
    fig, axes = plt.subplots(1, len(embeddings), figsize=(6.2 * len(embeddings), 6), squeeze=False)
    for ax, (name, vectors) in zip(axes[0], embeddings.items()):
        xy = tsne_map(vectors)
        for c in classes:
            ax.scatter(*xy[labels == c].T, s=28, color=colors[c], label=c, alpha=0.85)
        ax.set_title(name, fontsize=14)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, -1].legend(fontsize=11, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(title, fontsize=15)
    fig.tight_layout()
    return fig


def live_slider(draw, slider):
    """Show `slider` (an ipywidgets slider) with an output area below it that `draw(value)` refills each time
    the slider moves, for a live class. Nothing is drawn until it moves: the cell before draws the default,
    so a notebook run without a widget frontend shows that figure and never waits on the widgets."""
    from IPython.display import display
    from ipywidgets import Output, VBox

    out = Output()

    def redraw(change):
        with out:
            out.clear_output(wait=True)
            draw(change["new"])
            plt.show()

    slider.observe(redraw, names="value")
    display(VBox([slider, out]))
    return out


def thumbnail(image, side=96):
    """A small RGB array of a path or PIL image, for figures (files are read with the kit's safe loader)."""
    from PIL import Image

    from .images import load_image

    im = image if isinstance(image, Image.Image) else load_image(image, max_side=side)
    im = im.copy()
    im.thumbnail((side, side))
    return np.asarray(im)


def _framed(ax, image, color=None, width=4):
    """Show a picture with its axes hidden, framed in `color` when given."""
    ax.imshow(image)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(color is not None)
        if color is not None:
            spine.set_edgecolor(color)
            spine.set_linewidth(width)


def plot_dendrogram_thumbnails(z, images, frame_colors=None, title="Hierarchical clustering", cut_height=None,
                               legend=None):
    """The dendrogram of linkage `z` with each leaf's picture below it (readable for up to ~60 leaves);
    `frame_colors` (one per leaf, e.g. by domain) frames the pictures, `legend` ({name: colour}) says what
    the colours mean; `cut_height` draws the cut line."""
    from scipy.cluster import hierarchy

    n = len(images)
    fig = plt.figure(figsize=(max(10.0, 0.34 * n), 7.5))
    tree_ax = fig.add_axes([0.04, 0.30, 0.94, 0.62])
    leaves = hierarchy.dendrogram(z, ax=tree_ax, no_labels=True, color_threshold=cut_height,
                                  above_threshold_color="grey")["leaves"]
    tree_ax.set_ylabel("merge distance", fontsize=13)
    tree_ax.tick_params(labelsize=11)
    tree_ax.set_title(title, fontsize=15)
    if cut_height is not None:
        tree_ax.axhline(cut_height, color="black", linestyle="--", linewidth=1)
    if legend:
        handles = [plt.Rectangle((0, 0), 1, 1, facecolor="none", edgecolor=c, linewidth=3) for c in legend.values()]
        tree_ax.legend(handles, list(legend), fontsize=11, ncol=min(len(legend), 5), loc="upper right")
    width = 0.94 / n
    for position, leaf in enumerate(leaves):
        row = position % 2  # two staggered rows, so the pictures can be larger than a leaf's width
        ax = fig.add_axes([0.04 + (position - 0.8) * width, 0.16 - 0.13 * row, 1.6 * width, 0.13])
        _framed(ax, thumbnail(images[leaf]), None if frame_colors is None else frame_colors[leaf], width=2)
    return fig


def plot_cluster_gallery(images, labels, max_clusters=6, per_cluster=8, captions=None, frame_colors=None,
                         title="What each cluster holds"):
    """One row per cluster (largest first): its size and up to `per_cluster` of its pictures."""
    labels = np.asarray(labels)
    ids, sizes = np.unique(labels, return_counts=True)
    shown = ids[np.argsort(-sizes, kind="stable")][:max_clusters]
    fig, axes = plt.subplots(len(shown), per_cluster, figsize=(1.7 * per_cluster, 2.0 * len(shown)),
                             squeeze=False)
    for row, cluster in zip(axes, shown):
        members = np.flatnonzero(labels == cluster)
        for k, ax in enumerate(row):
            ax.axis("off")
            if k < len(members):
                i = members[k]
                ax.axis("on")
                _framed(ax, thumbnail(images[i]), None if frame_colors is None else frame_colors[i])
                if captions is not None:
                    ax.set_title(captions[i], fontsize=9)
        row[0].set_ylabel(f"cluster {cluster}\n{len(members)} photos", fontsize=12, rotation=0,
                          ha="right", va="center")
        row[0].axis("on")
    fig.suptitle(title, fontsize=15)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))  # keep the title clear of the captions
    return fig


def plot_retrieval(query_images, match_images, correct, similarities=None, title="Consumer photo -> top matches",
                   answers=None):
    """One row per query: the consumer photo, then its top matches from the shop gallery, the correct
    item framed green and the others red. `answers` (per row: (image, rank) or None) adds a last column
    with the right shop photo and its rank, for rows where it is not among the matches shown."""
    k = max(len(m) for m in match_images)
    extra = answers is not None and any(a is not None for a in answers)
    fig, axes = plt.subplots(len(query_images), k + 1 + extra,
                             figsize=(1.9 * (k + 1 + extra), 2.1 * len(query_images)), squeeze=False)
    for r, row in enumerate(axes):
        _framed(row[0], thumbnail(query_images[r]), DOMAIN_COLORS["consumer"])
        row[0].set_title("query", fontsize=12)
        for j, ax in enumerate(row[1:k + 1]):
            ax.axis("off")
            if j < len(match_images[r]):
                ax.axis("on")
                _framed(ax, thumbnail(match_images[r][j]), "tab:green" if correct[r][j] else "tab:red")
                label = f"#{j + 1}" + (f"  {similarities[r][j]:.2f}" if similarities is not None else "")
                ax.set_title(label, fontsize=11)
        if extra:
            row[-1].axis("off")
            if answers[r] is not None:
                image, rank = answers[r]
                row[-1].axis("on")
                _framed(row[-1], thumbnail(image), "tab:green")
                row[-1].set_title(f"right one: #{rank}", fontsize=11)
    fig.suptitle(title, fontsize=15)
    fig.tight_layout()
    return fig


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


def plot_queries(table: pd.DataFrame, result: Retrieval, positions, k=5,
                 title="Consumer photo -> top shop matches"):
    """Figure of the queries at `positions` (into result.queries) with their top k shop photos, the
    query's own item framed green; when it is not among them, it is shown last with its rank."""
    paths, items = table["path"].to_numpy(), table["item_id"].astype(str).to_numpy()
    rows = [self_and_matches(result, p, k) for p in positions]
    return plot_retrieval(
        [paths[q] for q, _, _ in rows],
        [[paths[g] for g in gallery] for _, gallery, _ in rows],
        [[items[g] == items[q] for g in gallery] for q, gallery, _ in rows],
        [sims for _, _, sims in rows],
        title=title,
        answers=[(paths[result.gallery[result.order[p, result.ranks[p] - 1]]], int(result.ranks[p]))
                 if k < result.ranks[p] <= len(result.gallery) else None for p in positions],
    )
