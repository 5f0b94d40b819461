"""`fashion-ai detect-scenes / detect-train / detect-eval / detect`: the SSD clothing detector."""

import json
import sys
from pathlib import Path


def register(subparsers):
    scenes = subparsers.add_parser("detect-scenes", help="generate street scenes with exact boxes (COCO JSON)")
    scenes.add_argument("--split", choices=("train", "val", "test"), required=True)
    scenes.add_argument("--count", type=int, required=True, help="how many scenes")
    scenes.add_argument("--out", required=True, help="folder for images/ and instances.json")
    scenes.add_argument("--seed", type=int, default=None, help="default: the split's fixed seed")
    scenes.add_argument("--source", choices=("auto", "full", "subset"), default="auto",
                        help="Fashion-MNIST source for the garments")
    scenes.add_argument("--quality", type=int, default=90, help="JPEG quality")
    scenes.add_argument("--workers", type=int, default=1, help="processes drawing scenes")
    scenes.set_defaults(run=run_scenes)

    train = subparsers.add_parser("detect-train", help="train the CPU SSD on a COCO/ModaNet-format set")
    train.add_argument("--coco", required=True, help="annotation JSON (COCO/ModaNet shape)")
    train.add_argument("--images", default=None, help="image folder (default: images/ beside the JSON)")
    train.add_argument("--out", required=True, help="final checkpoint (float16, the shippable file)")
    train.add_argument("--epochs", type=int, default=12)
    train.add_argument("--batch-size", type=int, default=16)
    train.add_argument("--lr", type=float, default=0.02, help="starting learning rate (falls 10x at 70%% and 90%%)")
    train.add_argument("--copies", type=int, default=1, help="augmented copies of each training picture")
    train.add_argument("--limit", type=int, default=None, help="use only the first N pictures")
    train.add_argument("--workers", type=int, default=1, help="processes for the trunk pass (stage 1)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--resume", action="store_true", help="continue from the last training checkpoint")
    train.add_argument("--init", default=None, help="start from this detector checkpoint's weights")
    train.set_defaults(run=run_train)
    register_use(subparsers)


def run_scenes(args) -> int:
    from ..datasets.scenes import build_scenes

    path = build_scenes(args.out, args.split, args.count, seed=args.seed, source=args.source,
                        quality=args.quality, workers=args.workers)
    print(f"wrote {args.count} {args.split} scenes: {path}")
    return 0


def run_train(args) -> int:
    import torch
    from tqdm import tqdm

    from ..datasets.coco import CocoFormatError
    from ..detection.model import DEFAULT_VARIANT, build_model, load_checkpoint, save_checkpoint
    from ..detection.train import DetectionSet, TrunkCache, cache_trunk_maps_parallel, train_detector
    from ..images import file_digest
    from ..paths import cache_dir

    try:
        dataset = DetectionSet.from_coco(args.coco, args.images)
    except CocoFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit:
        dataset = dataset.subset(range(min(args.limit, len(dataset))))
    key = f"{file_digest(args.coco)[:12]}-n{len(dataset)}-c{args.copies}-s{args.seed}"
    cache_path = cache_dir() / "detection" / f"trunk-{key}.pt"
    state_path = cache_dir() / "detection" / f"{Path(args.out).stem}-{key}-e{args.epochs}.state.pt"
    if cache_path.is_file():
        cache = TrunkCache.load(cache_path)
        print(f"stage 1: trunk maps of {len(cache)} pictures read from {cache_path}", flush=True)
    else:
        print(f"stage 1: trunk pass over {len(dataset)} pictures x {args.copies} copies", flush=True)
        cache = cache_trunk_maps_parallel(dataset, args.copies, args.seed, args.workers)
        cache.save(cache_path)
    for path, reason in cache.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    torch.manual_seed(args.seed)
    model = build_model(DEFAULT_VARIANT, len(dataset.categories) + 1)
    if args.init:
        model.load_state_dict(load_checkpoint(args.init)[0].state_dict())
    bar = tqdm(desc="stage 2: training", unit="step", mininterval=5)

    def progress(step, total, losses):
        bar.total = total
        bar.n = step
        bar.set_postfix(cls=f"{losses['classification']:.3f}", box=f"{losses['bbox_regression']:.3f}",
                        lr=f"{losses['lr']:.0e}", refresh=False)
        bar.refresh()

    history = train_detector(model, cache, args.epochs, args.batch_size, args.lr, checkpoint=state_path,
                             resume=args.resume, seed=args.seed, progress=progress,
                             categories=dataset.categories)
    bar.close()
    save_checkpoint(args.out, model, DEFAULT_VARIANT, dataset.categories, half=True,
                    trained_on={"annotations": Path(args.coco).name, "pictures": len(cache),
                                "epochs": args.epochs, "steps": len(history)})
    first, last = history[0], history[-1]
    print(json.dumps({"checkpoint": str(args.out), "steps": len(history), "pictures": len(cache),
                      "first_loss": first["classification"] + first["bbox_regression"],
                      "last_loss": last["classification"] + last["bbox_regression"]}))
    return 0


def register_use(subparsers):
    evaluate = subparsers.add_parser(
        "detect-eval", help="per-class AP of a detector on a COCO/ModaNet-format set (default: bundled test)")
    evaluate.add_argument("--coco", default=None, help="annotation JSON (default: the bundled held-out scenes)")
    evaluate.add_argument("--images", default=None, help="image folder (default: images/ beside the JSON)")
    evaluate.add_argument("--checkpoint", default=None, help="detector checkpoint (default: the shipped one)")
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON on the last line")
    evaluate.set_defaults(run=run_eval)

    find = subparsers.add_parser("detect", help="find garments in pictures")
    find.add_argument("images", nargs="+", help="picture files")
    find.add_argument("--checkpoint", default=None, help="detector checkpoint (default: the shipped one)")
    find.add_argument("--threshold", type=float, default=0.3, help="lowest score kept")
    find.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    find.set_defaults(run=run_detect)


def run_eval(args) -> int:
    from ..datasets.coco import CocoFormatError, load_coco
    from ..datasets.scenes import bundled_scenes
    from ..detection.evaluate import ap_table, evaluate_detector
    from ..detection.model import CheckpointError, load_checkpoint
    from ..detection.train import DetectionSet

    coco = args.coco or bundled_scenes("test") / "instances.json"
    try:
        ground_truth = load_coco(coco)
        dataset = DetectionSet.from_coco(coco, args.images)
        model, _ = load_checkpoint(args.checkpoint)
    except (CocoFormatError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scores = evaluate_detector(model, dataset, ground_truth)
    for problem in scores["skipped"]:
        print(f"skipped {problem}", file=sys.stderr)
    print(ap_table(scores, ground_truth).to_string(na_rep="-", float_format="{:.3f}".format))
    print(f"mAP@0.5 {scores['map50']}  mAP@[.5:.95] {scores['map']}  small mAP@0.5 {scores['small_map50']}  "
          f"on {scores['images']} pictures of {coco}")
    if args.json:
        print(json.dumps(scores))
    return 0


def run_detect(args) -> int:
    from ..detection.evaluate import detect
    from ..detection.model import CheckpointError, load_checkpoint
    from ..images import ImageLoadError, load_image

    try:
        model, checkpoint = load_checkpoint(args.checkpoint)
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pictures, names, problems = [], [], {}
    for path in args.images:
        try:
            pictures.append(load_image(path))
            names.append(path)
        except ImageLoadError as exc:
            problems[path] = exc.reason
            print(f"skipped {exc}", file=sys.stderr)
    found = detect(model, pictures, checkpoint["categories"], score_threshold=args.threshold)
    for name, dets in zip(names, found):
        print(f"{name}: {len(dets)} garment(s)" + "".join(
            f"\n  {d['class']:<12} {d['score']:.2f}  box {d['box']}" for d in dets))
    if args.json:
        print(json.dumps({"detections": dict(zip(names, found)), "errors": problems}))
    return 0 if pictures or not args.images else 1
