"""Training the SSD on a COCO/ModaNet-format set: SGD with a step learning-rate schedule, checkpoints, resume.

The kit's CPU variant keeps its EfficientNet-Lite0 trunk frozen, so training runs in two stages:
1. `cache_trunk_maps`: every training picture is augmented (`copies` times, each a fresh draw of the SSD
   augmentation), resized to 320x320 and passed once through the trunk; the maps are kept (float16).
2. `train_detector`: many epochs over that cache train the top layers and the heads with SSD's own loss
   (hard-negative-mined classification + smooth-L1 box regression), which is several times cheaper per
   step than running the trunk again. Uses a GPU when one is there.
"""

import math
import multiprocessing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..datasets.coco import boxes_by_image, load_coco
from ..images import ImageLoadError, load_image
from ..paths import cache_dir
from .augment import augment, ssd_augmentation
from .model import DEFAULT_VARIANT, IMAGE_SIZE, build_model, save_checkpoint


@dataclass
class DetectionSet:
    """A COCO-format set as plain lists: picture paths, boxes [[x0, y0, x1, y1]] and category ids."""

    paths: list
    boxes: list
    labels: list
    categories: list
    image_ids: list = field(default_factory=list)

    @classmethod
    def from_coco(cls, ann_path, images_dir=None):
        """Read `ann_path`; images are looked up in `images_dir` (default: an images/ folder beside it)."""
        data = load_coco(ann_path)
        folder = Path(images_dir) if images_dir else Path(ann_path).parent / "images"
        per_image = boxes_by_image(data)
        names = [c["name"] for c in sorted(data["categories"], key=lambda c: c["id"])]
        records = sorted(data["images"], key=lambda im: im["id"])
        return cls([folder / im["file_name"] for im in records], [per_image[im["id"]][0] for im in records],
                   [per_image[im["id"]][1] for im in records], names, [im["id"] for im in records])

    def __len__(self):
        return len(self.paths)

    @classmethod
    def concat(cls, parts):
        """One set of several (same categories); image ids are renumbered 1.. so they stay unique."""
        if any(p.categories != parts[0].categories for p in parts):
            raise ValueError("the annotation files do not share one category list")
        paths = [x for p in parts for x in p.paths]
        return cls(paths, [x for p in parts for x in p.boxes], [x for p in parts for x in p.labels],
                   parts[0].categories, list(range(1, len(paths) + 1)))

    def subset(self, indices):
        """The same set restricted to `indices` (for limits and worker shards)."""
        indices = list(indices)
        return DetectionSet([self.paths[i] for i in indices], [self.boxes[i] for i in indices],
                            [self.labels[i] for i in indices], self.categories,
                            [self.image_ids[i] for i in indices] if self.image_ids else [])


@dataclass
class TrunkCache:
    """Trunk maps (float16) of augmented training pictures, with their targets in 320x320 coordinates."""

    maps: list          # one float16 tensor (N, C, H, W) per trunk tap
    targets: list       # [{"boxes": (K, 4) float, "labels": (K,) int64}]
    skipped: list       # [(path, reason)] pictures that could not be read

    def __len__(self):
        return len(self.targets)

    @classmethod
    def concat(cls, parts):
        parts = [p for p in parts if len(p)]
        maps = [torch.cat(tap) for tap in zip(*(p.maps for p in parts))]
        return cls(maps, [t for p in parts for t in p.targets], [s for p in parts for s in p.skipped])

    def save(self, path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"maps": self.maps, "targets": self.targets, "skipped": self.skipped}, path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)

    @classmethod
    def load(cls, path):
        state = torch.load(path, weights_only=True)
        return cls(state["maps"], state["targets"], [tuple(s) for s in state["skipped"]])


def cache_trunk_maps(model, dataset, copies=1, seed=0, batch_size=8, progress=None):
    """Run the frozen trunk once over `copies` augmented versions of each picture (stage 1 of training).

    progress(done, total) is called after every batch. Unreadable pictures are listed in `skipped`.
    """
    rng = np.random.default_rng(seed)
    pipeline = ssd_augmentation()
    device = next(model.parameters()).device
    maps, targets, skipped, batch = [], [], [], []
    total = len(dataset) * copies

    def flush():
        images = [image.float().div(255).to(device) for image, _ in batch]
        resized, sized = model.transform(images, [dict(t) for _, t in batch])
        with torch.no_grad():
            out = model.backbone.trunk(resized.tensors)
        maps.append([m.half().cpu() for m in out])
        targets.extend({"boxes": t["boxes"].cpu(), "labels": t["labels"].cpu()} for t in sized)
        batch.clear()
        if progress:
            progress(len(targets) + len(skipped), total)

    model.eval()
    for copy in range(copies):
        for path, boxes, labels in zip(dataset.paths, dataset.boxes, dataset.labels):
            try:
                picture = load_image(path)
            except ImageLoadError as exc:
                if copy == 0:
                    skipped.append((exc.path, exc.reason))
                continue
            image, box_tensor, label_tensor = augment(picture, boxes, labels, rng, pipeline)
            batch.append((image, {"boxes": box_tensor, "labels": label_tensor}))
            if len(batch) == batch_size:
                flush()
    if batch:
        flush()
    stacked = [torch.cat(parts) for parts in zip(*maps)] if maps else []
    return TrunkCache(stacked, targets, skipped)


def _cache_shard(job):
    variant, dataset, copies, seed = job
    torch.set_num_threads(1)
    return cache_trunk_maps(build_model(variant), dataset, copies, seed)


def cache_trunk_maps_parallel(dataset, copies=1, seed=0, workers=2, variant=DEFAULT_VARIANT):
    """cache_trunk_maps split over `workers` processes (the trunk is frozen, so every worker's is the same)."""
    if workers <= 1:
        return cache_trunk_maps(build_model(variant), dataset, copies, seed)
    jobs = [(variant, dataset.subset(range(i, len(dataset), workers)), copies, (seed, i)) for i in range(workers)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return TrunkCache.concat(pool.map(_cache_shard, jobs))


def ssd_loss(model, trunk_maps, targets):
    """SSD's training loss from trunk maps: the same matching and loss as torchvision's SSD.forward."""
    from torchvision.models.detection.image_list import ImageList
    from torchvision.ops import box_iou

    features = list(model.backbone.top(trunk_maps).values())
    head_outputs = model.head(features)
    n = len(targets)
    images = ImageList(features[0].new_zeros(1, 1, 1, 1).expand(n, 3, IMAGE_SIZE, IMAGE_SIZE),
                       [(IMAGE_SIZE, IMAGE_SIZE)] * n)
    anchors = model.anchor_generator(images, features)
    matched = []
    for anchors_per_image, target in zip(anchors, targets):
        if target["boxes"].numel() == 0:
            matched.append(torch.full((anchors_per_image.size(0),), -1, dtype=torch.int64,
                                      device=anchors_per_image.device))
        else:
            matched.append(model.proposal_matcher(box_iou(target["boxes"], anchors_per_image)))
    return model.compute_loss(targets, head_outputs, anchors, matched)


def step_schedule(optimizer, total_steps, warmup=50, drops=(0.7, 0.9)):
    """Linear warm-up, then the learning rate falls tenfold at each fraction in `drops` (1e-2 -> 1e-3 -> 1e-4)."""
    milestones = [int(total_steps * d) for d in drops]

    def factor(step):
        warm = min(1.0, (step + 1) / warmup) if warmup else 1.0
        return warm * 0.1 ** sum(step >= m for m in milestones)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train_detector(model, cache, epochs=10, batch_size=16, lr=0.02, checkpoint=None, resume=False,
                   seed=0, checkpoint_every=50, progress=None, variant=DEFAULT_VARIANT, categories=(),
                   validate=None, validate_every=2):
    """Train the top and heads on a TrunkCache (stage 2). Returns the list of per-step loss dicts.

    validate(model) -> score (higher is better), run after every `validate_every` epochs and after the last;
    that step's dict gets "epoch" and "validation", and the weights of the best-scoring epoch are the ones
    left in `model` at the end (the stopping point is chosen on validation, never on test).
    checkpoint: file written every `checkpoint_every` steps and at the end (weights, optimizer, schedule,
    step, losses, best weights so far); with resume=True an existing one is continued from its step.
    progress(step, total, losses) is called after every step.
    """
    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=4e-5)
    steps_per_epoch = math.ceil(len(cache) / batch_size)
    total = epochs * steps_per_epoch
    schedule = step_schedule(optimizer, total)
    history, best, step = [], None, 0
    if resume and checkpoint and Path(checkpoint).is_file():
        state = torch.load(checkpoint, map_location=device, weights_only=True)
        model.load_state_dict(state["state_dict"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        step, history = state["step"], state["history"]
        best = state.get("best")
    model.train()
    while step < total:
        epoch, offset = divmod(step, steps_per_epoch)
        order = np.random.default_rng((seed, epoch)).permutation(len(cache))
        pick = torch.as_tensor(order[offset * batch_size:(offset + 1) * batch_size])
        maps = [m[pick].to(device).float() for m in cache.maps]
        targets = [{k: v.to(device) for k, v in cache.targets[i].items()} for i in pick.tolist()]
        losses = ssd_loss(model, maps, targets)
        loss = losses["bbox_regression"] + losses["classification"]
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        optimizer.step()
        schedule.step()
        step += 1
        history.append({k: float(v.detach()) for k, v in losses.items()} | {"lr": optimizer.param_groups[0]["lr"]})
        done_epoch = step // steps_per_epoch if step % steps_per_epoch == 0 else None
        if validate and done_epoch and (done_epoch % validate_every == 0 or step == total):
            model.eval()
            score = float(validate(model))
            model.train()
            earlier = [row["validation"] for row in history if "validation" in row]
            history[-1].update(epoch=done_epoch, validation=score)
            if not earlier or score > max(earlier):
                best = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if progress:
            progress(step, total, history[-1])
        if checkpoint and (step % checkpoint_every == 0 or step == total):
            save_checkpoint(checkpoint, model, variant, categories, optimizer=optimizer.state_dict(),
                            schedule=schedule.state_dict(), step=step, history=history, best=best)
    if best is not None:
        model.load_state_dict(best)
    model.eval()
    return history


@dataclass
class Recipe:
    """Everything that decides a trained detector (stored in its checkpoint as its record)."""

    annotations: list          # COCO JSON files of the training pictures
    images: list | None = None  # each file's image folder (default: images/ beside it)
    copies: int = 2            # augmented copies of each picture in the trunk cache
    epochs: int = 12
    batch_size: int = 16
    lr: float = 0.02
    seed: int = 0
    limit: int | None = None   # first N pictures of each annotation file
    init: str | None = None    # start from this detector checkpoint instead of ImageNet's trunk alone
    val: str | None = None     # COCO JSON of validation pictures: picks the stopping epoch by mAP@0.5
    validate_every: int = 2


def training_set(recipe: Recipe) -> DetectionSet:
    """The pictures of every annotation file of the recipe, in order (each limited to `limit`)."""
    folders = recipe.images or [None] * len(recipe.annotations)
    if len(folders) != len(recipe.annotations):
        raise ValueError(f"{len(folders)} image folder(s) for {len(recipe.annotations)} annotation file(s): "
                         "give one per annotation file, or none")
    parts = []
    for path, folder in zip(recipe.annotations, folders):
        part = DetectionSet.from_coco(path, folder)
        parts.append(part.subset(range(min(recipe.limit or len(part), len(part)))))
    return DetectionSet.concat(parts)


def trunk_cache(recipe: Recipe, dataset: DetectionSet, workers=1, log=print) -> TrunkCache:
    """Stage 1 for a recipe, read from the kit's cache folder when the same pictures were passed before."""
    from ..images import file_digest

    digest = "-".join(file_digest(p)[:8] for p in recipe.annotations)
    path = cache_dir() / "detection" / f"trunk-{digest}-n{len(dataset)}-c{recipe.copies}-s{recipe.seed}.pt"
    if path.is_file():
        log(f"stage 1: trunk maps of {len(dataset)} pictures x {recipe.copies} copies read from {path}")
        return TrunkCache.load(path)
    log(f"stage 1: trunk pass over {len(dataset)} pictures x {recipe.copies} copies")
    cache = cache_trunk_maps_parallel(dataset, recipe.copies, recipe.seed, workers)
    cache.save(path)
    return cache


def train_recipe(recipe: Recipe, out, workers=1, resume=False, progress=None, log=print):
    """Train a detector by `recipe` and save it to `out` (float16) with the recipe and its outcome as record.

    Returns the record: the recipe, the pictures used, loss at start and end, the validation curve, the
    chosen epoch and its validation mAP@0.5, and the minutes it took.
    """
    import dataclasses
    import time

    from .evaluate import evaluate_detector
    from .model import load_checkpoint

    started = time.perf_counter()
    dataset = training_set(recipe)
    cache = trunk_cache(recipe, dataset, workers, log)
    for path, reason in cache.skipped:
        log(f"skipped {path}: {reason}")
    torch.manual_seed(recipe.seed)
    model = build_model(DEFAULT_VARIANT, len(dataset.categories) + 1)
    if recipe.init:
        model.load_state_dict(load_checkpoint(recipe.init)[0].state_dict())
    validate = None
    if recipe.val:
        val_set, val_truth = DetectionSet.from_coco(recipe.val), load_coco(recipe.val)
        validate = lambda m: evaluate_detector(m, val_set, val_truth)["map50"] or 0.0  # noqa: E731
    state = cache_dir() / "detection" / f"{Path(out).stem}.state.pt"   # resumable progress, kept out of `out`'s folder
    history = train_detector(
        model, cache, recipe.epochs, recipe.batch_size, recipe.lr, checkpoint=state, resume=resume,
        seed=recipe.seed, progress=progress, categories=dataset.categories, validate=validate,
        validate_every=recipe.validate_every)
    validation = [{"epoch": row["epoch"], "map50": row["validation"]} for row in history if "validation" in row]
    chosen = max(validation, key=lambda row: row["map50"]) if validation else None
    record = {
        "recipe": dataclasses.asdict(recipe), "pictures": len(dataset), "cached_views": len(cache),
        "steps": len(history), "first_loss": history[0]["classification"] + history[0]["bbox_regression"],
        "last_loss": history[-1]["classification"] + history[-1]["bbox_regression"],
        "validation": validation, "chosen_epoch": chosen and chosen["epoch"],
        "val_map50": chosen and chosen["map50"], "minutes": round((time.perf_counter() - started) / 60, 1),
    }
    save_checkpoint(out, model, DEFAULT_VARIANT, dataset.categories, half=True, record=record)
    return record
