"""Triplet metric learning: the `fashion` embedder.

A pretrained CNN puts two photos close when they look alike overall (same background, same light); for
consumer-to-shop retrieval we want them close when they show the same garment. A small head on top of the
frozen EfficientNet-Lite0 features learns that from triplets: anchor = a consumer photo, positive = the shop
photo of the same item, negatives = shop photos of 3 other items of the same category and 2 of other
categories; the triplet margin loss pushes each negative at least `margin` further from the anchor than
the positive.

The training photos are generated at training time from Fashion-MNIST's *train* split (see
`datasets.varied_views`), never shipped; only the head's weights are (data_samples/fashion_head.pt).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from .datasets import fashion_mnist, varied_views
from .datasets.garments import background_photos
from .embedding import Embedder, get_embedder
from .images import file_digest, load_image
from .paths import atomic_write, cache_dir, data_samples_dir

BACKBONE = "efficientnet-lite0"
HEAD_FILE = "fashion_head.pt"
SAME_CATEGORY_NEGATIVES = 3
OTHER_CATEGORY_NEGATIVES = 2
#: Bump when the training pictures change, so cached backbone features are not reused.
VIEWS_VERSION = 1


def default_head_path() -> Path:
    return data_samples_dir() / HEAD_FILE


@dataclass
class TrainingViews:
    """Backbone features of generated training photos, one row per photo."""

    features: np.ndarray  # (N, D) float32
    item: np.ndarray  # (N,) int: which garment (its index in the train split)
    category: np.ndarray  # (N,) int: Fashion-MNIST class
    is_shop: np.ndarray  # (N,) bool: shop photo (else consumer photo)

    def subset(self, rows):
        return TrainingViews(self.features[rows], self.item[rows], self.category[rows], self.is_shop[rows])


def item_views(images, index, seed, consumer_views):
    """One shop photo then `consumer_views` consumer photos of train garment `index`, each consumer photo
    with its own degradation strength; the same (seed, index) always gives the same pictures."""
    rng = np.random.default_rng([seed, int(index)])
    color, pattern = varied_views.random_look(rng)
    views = [varied_views.shop_view(images[index], color, pattern, rng)]
    for _ in range(consumer_views):
        distractor = images[rng.integers(len(images))]
        views.append(varied_views.consumer_view(images[index], color, pattern, rng,
                                                strength=rng.uniform(0.4, 1.6), distractor=distractor))
    return views


def render_items(images, labels, picks, seed=0, consumer_views=2):
    """Training photos of the train garments at positions `picks`: a list of PIL images and, per photo,
    its item, category and whether it is the shop photo."""
    pictures, rows = [], []
    for index in picks:
        pictures += item_views(images, index, seed, consumer_views)
        rows += [(index, labels[index], k == 0) for k in range(consumer_views + 1)]
    item, category, is_shop = (np.array(col) for col in zip(*rows))
    return pictures, item, category, is_shop.astype(bool)


def training_views(backbone, per_class=300, consumer_views=2, seed=0, batch_items=32, progress=None,
                   cache=True) -> TrainingViews:
    """Render shop + consumer photos of `per_class` train garments per class and embed them with
    `backbone` (a function: list of PIL images -> (N, D) array). The features are cached on disk, keyed
    by the settings, because embedding thousands of photos is the slow part of training."""
    images, labels = fashion_mnist.load("train")
    picks = fashion_mnist.subset_indices(labels, per_class)
    key = f"views-v{VIEWS_VERSION}-{backbone_name(backbone)}-n{len(picks)}-c{consumer_views}-s{seed}"
    cached = cache_dir() / "fashion_training" / f"{key}.npz"
    if cache and cached.exists():
        with np.load(cached) as data:
            return TrainingViews(**{k: data[k] for k in ("features", "item", "category", "is_shop")})
    parts = []
    for start in range(0, len(picks), batch_items):
        pictures, *rows = render_items(images, labels, picks[start:start + batch_items], seed, consumer_views)
        parts.append(TrainingViews(np.asarray(backbone(pictures), np.float32), *rows))
        if progress:
            progress(min(start + batch_items, len(picks)), len(picks))
    views = TrainingViews(*(np.concatenate([getattr(p, f) for p in parts])
                            for f in ("features", "item", "category", "is_shop")))
    if cache:
        atomic_write(cached, lambda path: np.savez(path, **views.__dict__), suffix=".npz")
    return views


def backbone_name(backbone) -> str:
    """A name for a backbone function, for cache keys: its embedder's name + version when it has one."""
    owner = getattr(backbone, "__self__", None)
    return f"{owner.name}-{owner.version}" if owner is not None else getattr(backbone, "__name__", "backbone")


def sample_triplets(item, category, is_shop, rng, n_same=SAME_CATEGORY_NEGATIVES,
                    n_other=OTHER_CATEGORY_NEGATIVES):
    """Rows for triplets: every consumer photo is an anchor, its positive is the shop photo of the same
    item, and its negatives are shop photos of `n_same` other items of the same category followed by
    `n_other` items of other categories (never the anchor's own item).

    Returns anchors (A,), positives (A,), negatives (A, n_same + n_other) as row indices.
    """
    shop_rows = np.flatnonzero(is_shop)
    shop_of_item = dict(zip(item[shop_rows], shop_rows))
    anchors = np.flatnonzero(~is_shop)
    anchors = anchors[[it in shop_of_item for it in item[anchors]]]
    positives = np.array([shop_of_item[it] for it in item[anchors]], dtype=np.int64)
    negatives = np.empty((len(anchors), n_same + n_other), dtype=np.int64)
    by_category = {c: shop_rows[category[shop_rows] == c] for c in np.unique(category)}
    for k, row in enumerate(anchors):
        same = by_category[category[row]]
        same = same[item[same] != item[row]]
        other = shop_rows[category[shop_rows] != category[row]]
        if len(same) < n_same or len(other) < n_other:
            raise ValueError("too few items to draw negatives: each category needs "
                             f"{n_same + 1} items and there must be {n_other} items in other categories")
        negatives[k, :n_same] = rng.choice(same, n_same, replace=False)
        negatives[k, n_same:] = rng.choice(other, n_other, replace=False)
    return anchors, positives, negatives


def example_triplet(per_class=4, seed=0):
    """The pictures of one training triplet, for figures: anchor, positive, then its 5 negatives."""
    images, labels = fashion_mnist.load("train")
    picks = fashion_mnist.subset_indices(labels, per_class)
    pictures, item, category, is_shop = render_items(images, labels, picks, seed, consumer_views=1)
    anchors, positives, negatives = sample_triplets(item, category, is_shop, np.random.default_rng(seed))
    return [pictures[r] for r in (anchors[0], positives[0], *negatives[0])]


class EmbeddingHead(nn.Module):
    """Backbone features -> a unit-length embedding (cosine similarity = dot product).

    The learned part is a linear layer (or a small MLP) on the unit-length backbone vector. With
    `keep` > 0 the output also carries the backbone vector itself, weighted so that the cosine similarity
    of two outputs is `keep` x (backbone similarity) + (1 - keep) x (learned similarity): a head trained
    on some kinds of photos cannot stray far from what the pretrained network already gets right on others.
    `center` (a buffer, zero unless set) is subtracted from the features first.
    """

    def __init__(self, in_dim=1280, out_dim=256, hidden=0, dropout=0.0, keep=0.0):
        super().__init__()
        self.config = {"in_dim": in_dim, "out_dim": out_dim, "hidden": hidden, "dropout": dropout, "keep": keep}
        layers = [nn.Dropout(dropout)] if dropout else []
        if hidden:
            layers += [nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, out_dim)]
        else:
            layers += [nn.Linear(in_dim, out_dim)]
        self.net = nn.Sequential(*layers)
        self.register_buffer("center", torch.zeros(in_dim))

    @property
    def output_dim(self):
        return self.config["out_dim"] + (self.config["in_dim"] if self.config["keep"] else 0)

    def forward(self, x):
        x = nn.functional.normalize(x - self.center, dim=1)
        learned = nn.functional.normalize(self.net(x), dim=1)
        keep = self.config["keep"]
        if not keep:
            return learned
        return torch.cat([keep ** 0.5 * x, (1 - keep) ** 0.5 * learned], dim=1)


def triplet_loss(anchor, positive, negatives, margin=0.2):
    """Mean over triplets of max(0, |a - p| - |a - n| + margin); negatives is (A, K, D), each anchor and
    positive paired with all K of its negatives. eps=0 keeps the distances plain Euclidean (torch's default
    adds 1e-6 to every difference)."""
    return nn.functional.triplet_margin_loss(anchor[:, None].expand_as(negatives),
                                             positive[:, None].expand_as(negatives), negatives,
                                             margin=margin, eps=0)


def top1(head, views: TrainingViews) -> float:
    """Share of consumer photos whose nearest shop photo (through `head`) is their own item's."""
    with torch.no_grad():
        emb = head(torch.from_numpy(views.features)).numpy()
    shop, consumer = np.flatnonzero(views.is_shop), np.flatnonzero(~views.is_shop)
    nearest = shop[np.argmax(emb[consumer] @ emb[shop].T, axis=1)]
    return float(np.mean(views.item[nearest] == views.item[consumer]))


def split_items(views: TrainingViews, validation_share, seed):
    """Train / validation views, split by item so no garment is on both sides."""
    items = np.unique(views.item)
    held = np.random.default_rng(seed).choice(items, int(len(items) * validation_share), replace=False)
    in_val = np.isin(views.item, held)
    return views.subset(np.flatnonzero(~in_val)), views.subset(np.flatnonzero(in_val))


def train_head(views: TrainingViews, epochs=30, seed=0, margin=0.2, lr=1e-3, batch_size=256,
               out_dim=256, hidden=0, dropout=0.5, feature_noise=0.3, validation_share=0.1, progress=None,
               validation=None, center=False):
    """Train an `EmbeddingHead` on cached features with fresh triplets every epoch.

    Feature noise and dropout make each epoch's features differ a little, so the head does not lean on a
    few backbone dimensions that happen to separate the training renders. `validation` ({name: views})
    gives the held-out sets to score each epoch on; without it, `validation_share` of the training items
    are held out as "val". With `center`, the training features' mean is subtracted first. Returns the head
    and its history: per epoch the mean loss, the top-1 on each held-out set (`<name>_top1`) and on the
    training items.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if validation is None:
        views, held = split_items(views, validation_share, seed)
        validation = {"val": held} if len(held.item) else {}
    train = views
    head = EmbeddingHead(views.features.shape[1], out_dim, hidden, dropout)
    if center:
        head.center.copy_(torch.from_numpy(train.features.mean(axis=0)))
    optimiser = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=1e-4)
    features = torch.from_numpy(train.features)
    scale = features.std(dim=0, keepdim=True)
    history = {"epoch": [], "loss": [], **{f"{name}_top1": [] for name in validation}, "train_top1": []}
    best = (-np.inf, None, 0)
    for epoch in range(1, epochs + 1):
        head.train()
        anchors, positives, negatives = sample_triplets(train.item, train.category, train.is_shop, rng)
        order = torch.from_numpy(rng.permutation(len(anchors)))
        losses = []
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            rows = torch.cat([torch.from_numpy(a)[batch].reshape(len(batch), -1)
                              for a in (anchors, positives, negatives)], dim=1)
            x = features[rows.flatten()]
            x = x + feature_noise * scale * torch.randn_like(x)
            emb = head(x).reshape(len(batch), rows.shape[1], -1)
            loss = triplet_loss(emb[:, 0], emb[:, 1], emb[:, 2:], margin)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        head.eval()
        history["epoch"].append(epoch)
        history["loss"].append(float(np.mean(losses)))
        for name, held in validation.items():
            history[f"{name}_top1"].append(top1(head, held))
        history["train_top1"].append(top1(head, train))
        score = np.mean([history[f"{name}_top1"][-1] for name in validation]) if validation else epoch
        if score >= best[0]:
            best = (score, {k: v.clone() for k, v in head.state_dict().items()}, epoch)
        if progress:
            progress(epoch, epochs, history)
    head.load_state_dict(best[1])
    history["chosen_epoch"] = best[2]
    return head.eval(), history


def save_head(path, head: EmbeddingHead, history, settings):
    """Save the head's weights (float16, to stay small), its configuration, training curve and settings."""
    state = {k: v.to(torch.float16) for k, v in head.state_dict().items()}
    checkpoint = {"config": head.config, "state_dict": state, "history": history, "settings": settings,
                  "backbone": BACKBONE}
    atomic_write(path, lambda tmp: torch.save(checkpoint, tmp), suffix=".pt")


def load_head(path=None):
    """The head saved at `path` (default: the shipped one) and its checkpoint dict."""
    path = Path(path or default_head_path())
    if not path.exists():
        raise FileNotFoundError(f"{path}: no fashion head checkpoint here; train one with "
                                "`fashion-ai train-fashion`")
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    head = EmbeddingHead(**checkpoint["config"])
    state = {k: v.float() for k, v in checkpoint["state_dict"].items()}
    state.setdefault("center", head.center)  # heads saved before centering existed subtract nothing
    head.load_state_dict(state)
    return head.eval(), checkpoint


class FashionEmbedder(Embedder):
    """The `fashion` model: EfficientNet-Lite0 features (same input handling as `efficientnet-lite0`)
    passed through the triplet-trained head shipped in data_samples/fashion_head.pt."""

    name = "fashion"

    def __init__(self, head_path=None):
        self.backbone = get_embedder(BACKBONE)
        self.load_side = self.backbone.load_side
        path = Path(head_path or default_head_path())
        self.head, self.checkpoint = load_head(path)
        self.dim = self.head.output_dim
        # the cache key changes whenever the backbone or the shipped head does
        self.version = f"{self.backbone.version}-{file_digest(path)[:12]}"

    def prepare(self, image):
        return self.backbone.prepare(image)

    def embed_prepared(self, items):
        return apply_head(self.head, self.backbone.embed_prepared(items))

    def compile(self):
        """Compile the shared backbone, where nearly all the time goes (the head is one or two linear layers)."""
        return self.backbone.compile()


def apply_head(head, features) -> np.ndarray:
    """Fashion embeddings from backbone features (rows of NaN, for images that could not be read, stay NaN)."""
    features = np.asarray(features, np.float32)
    out = np.full((len(features), head.output_dim), np.nan, np.float32)
    ok = np.isfinite(features).all(axis=1)
    with torch.inference_mode():
        out[ok] = head(torch.from_numpy(features[ok])).numpy()
    return out


def photo_views(backbone, table, make_view, views_per_photo, seed=0, batch_photos=48, progress=None,
                cache=True) -> TrainingViews:
    """Backbone features of real garment photos (rows of a clothing-set table) as "shop" photos, each
    with `views_per_photo` consumer-style views made by `make_view(photo, rng, scenes, others)` (see
    `datasets.photo_views`). Items are the photos; categories are their labels. Cached on disk."""
    from .datasets.photo_views import VIEW_SIDE

    paths = list(table["path"])
    labels = sorted(set(table["label"]))
    key = hashlib.sha1("\n".join(paths).encode()).hexdigest()[:12]
    key = (f"photos-v{VIEWS_VERSION}-{backbone_name(backbone)}-{make_view.__name__}-{key}"
           f"-v{views_per_photo}-s{seed}")
    cached = cache_dir() / "fashion_training" / f"{key}.npz"
    if cache and cached.exists():
        with np.load(cached) as data:
            return TrainingViews(**{k: data[k] for k in ("features", "item", "category", "is_shop")})
    scenes = [Image.fromarray(photo).resize((VIEW_SIDE, VIEW_SIDE)) for photo in background_photos()]
    parts = []
    for start in range(0, len(paths), batch_photos):
        rows = range(start, min(start + batch_photos, len(paths)))
        photos = [load_image(paths[i], max_side=2 * VIEW_SIDE) for i in rows]
        pictures, info = [], []
        for k, i in enumerate(rows):
            rng = np.random.default_rng([seed, i])
            others = [p for j, p in enumerate(photos) if j != k]
            pictures += [photos[k]] + [make_view(photos[k], rng, scenes, others) for _ in range(views_per_photo)]
            info += [(i, labels.index(table["label"].iloc[i]), v == 0) for v in range(views_per_photo + 1)]
        item, category, is_shop = (np.array(col) for col in zip(*info))
        parts.append(TrainingViews(np.asarray(backbone(pictures), np.float32), item, category, is_shop))
        if progress:
            progress(rows.stop, len(paths))
    views = concat_views(parts)
    if cache:
        atomic_write(cached, lambda path: np.savez(path, **views.__dict__), suffix=".npz")
    return views


def concat_views(parts, item_offsets=None, category_offsets=None) -> TrainingViews:
    """One TrainingViews from several; offsets keep items and categories of different sources apart."""
    item_offsets = item_offsets or [0] * len(parts)
    category_offsets = category_offsets or [0] * len(parts)
    return TrainingViews(np.concatenate([p.features for p in parts]),
                         np.concatenate([p.item + o for p, o in zip(parts, item_offsets)]),
                         np.concatenate([p.category + o for p, o in zip(parts, category_offsets)]),
                         np.concatenate([p.is_shop for p in parts]))


def clothing_groups(root=None):
    """The clothing set's photos for metric learning, by contributor group (train / validation / check),
    without the classes kept for the check only and without photos that show no garment."""
    from .datasets import clothing

    table = clothing.read_table(root)
    table = table[~table["label"].isin(clothing.NOT_GARMENTS)]
    groups = clothing.sender_groups(table)
    unseen = table["label"].isin(clothing.UNSEEN_CLASSES)
    return {"train": table[(groups == "train") & ~unseen].reset_index(drop=True),
            "validation": table[(groups == "validation") & ~unseen].reset_index(drop=True),
            "check": table[groups == "check"].reset_index(drop=True)}


def other_generator_views(backbone, per_class=30, consumer_views=2, seed=0) -> TrainingViews:
    """Validation photos from another generator than training's: the last `per_class` train garments of
    each class (never among the training picks) drawn by the sample set's renderers (`c2s_sample`), so
    that choosing on them rewards learning garments, not one generator's look."""
    from .datasets.c2s_sample import render_consumer, render_shop

    images, labels = fashion_mnist.load("train")
    pictures, rows = [], []
    for c in range(len(fashion_mnist.CLASSES)):
        for index in np.flatnonzero(labels == c)[-per_class:]:
            rng = np.random.default_rng([seed, int(index)])
            color, pattern = varied_views.random_look(rng)
            pictures.append(render_shop(images[index], color, pattern, rng))
            pictures += [render_consumer(images[index], color, pattern, rng) for _ in range(consumer_views)]
            rows += [(index, c, k == 0) for k in range(consumer_views + 1)]
    item, category, is_shop = (np.array(col) for col in zip(*rows))
    return TrainingViews(np.asarray(backbone(pictures), np.float32), item, category, is_shop.astype(bool))


def backbone_top1(views: TrainingViews) -> float:
    """`top1` of the plain backbone features (cosine similarity), the baseline a head must beat."""
    features = views.features / np.linalg.norm(views.features, axis=1, keepdims=True)
    shop, consumer = np.flatnonzero(views.is_shop), np.flatnonzero(~views.is_shop)
    nearest = shop[np.argmax(features[consumer] @ features[shop].T, axis=1)]
    return float(np.mean(views.item[nearest] == views.item[consumer]))


#: Backbone weights tried when blending (EmbeddingHead's `keep`), chosen on validation.
KEEP_GRID = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8)


def choose_keep(head, real_val: TrainingViews, generated_val: TrainingViews):
    """The backbone weight with the best generated-photo top-1 among those whose real-photo top-1 is at
    least the plain backbone's (all on validation); if none is, the one best on real photos. Returns the
    weight and the table of scores."""
    floor = backbone_top1(real_val)
    scores = {}
    for keep in KEEP_GRID:
        head.config["keep"] = keep
        scores[keep] = {"real_top1": top1(head, real_val), "generated_top1": top1(head, generated_val)}
    allowed = [k for k in KEEP_GRID if scores[k]["real_top1"] >= floor]
    if allowed:
        chosen = max(allowed, key=lambda k: scores[k]["generated_top1"])
    else:
        chosen = max(KEEP_GRID, key=lambda k: scores[k]["real_top1"])
    head.config["keep"] = chosen
    return chosen, {"backbone_real_top1": floor, "backbone_generated_top1": backbone_top1(generated_val),
                    "by_keep": {str(k): v for k, v in scores.items()}}


def train_fashion(out=None, per_class=400, consumer_views=2, real_views=3, epochs=30, seed=0, center=False,
                  clothing_root=None, validation_per_class=30, view_progress=None, epoch_progress=None):
    """The whole recipe behind the shipped head. Training photos: garments rendered from Fashion-MNIST's
    train split, and real garment photos of the clothing set's training contributors with consumer-style
    views; the backbone embeds them (cached). The head trains on both; the epoch and then the backbone
    weight (`choose_keep`) are chosen on held-out garments of both kinds; the head is saved atomically to
    `out`. Returns the history."""
    from .datasets.photo_views import consumer_photo

    backbone = get_embedder(BACKBONE)
    generated_train = training_views(backbone.embed, per_class, consumer_views, seed, progress=view_progress)
    generated_val = other_generator_views(backbone.embed, validation_per_class, seed=seed)
    groups = clothing_groups(clothing_root)
    real_train = photo_views(backbone.embed, groups["train"], consumer_photo, real_views, seed,
                             progress=view_progress)
    real_val = photo_views(backbone.embed, groups["validation"], consumer_photo, 1, seed + 1,
                           progress=view_progress)
    views = concat_views([generated_train, real_train], [0, 10**6], [0, 100])
    head, history = train_head(views, epochs=epochs, seed=seed, center=center, progress=epoch_progress,
                               validation={"generated": generated_val, "real": real_val})
    history["keep"], history["keep_scores"] = choose_keep(head, real_val, generated_val)
    settings = {"per_class": per_class, "consumer_views": consumer_views, "real_views": real_views,
                "epochs": epochs, "seed": seed, "center": center, "validation_per_class": validation_per_class, "fashion_mnist": fashion_mnist.source_name(),
                "training_photos": {"generated": len(generated_train.item), "real": len(real_train.item)},
                "real_photos": f"clothing dataset (CC0), {len(groups['train'])} photos of the training "
                               "contributors, classes other than those kept for the check"}
    save_head(out or default_head_path(), head, history, settings)
    return history
