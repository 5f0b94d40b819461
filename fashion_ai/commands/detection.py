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

    cutouts = subparsers.add_parser("detect-cutouts", help="cut the garments out of the real clothing photos")
    cutouts.add_argument("--out", required=True, help="folder for the cut-outs (PNG) and cutouts.csv")
    cutouts.add_argument("--clothing", default=None, help="clothing set folder (default: the full set if found)")
    cutouts.add_argument("--workers", type=int, default=2)
    cutouts.set_defaults(run=run_cutouts)

    real = subparsers.add_parser("detect-real-scenes", help="scenes of real garment cut-outs (COCO JSON)")
    real.add_argument("--split", choices=("train", "val", "test"), required=True)
    real.add_argument("--count", type=int, required=True, help="how many scenes")
    real.add_argument("--cutouts", required=True, help="folder written by detect-cutouts")
    real.add_argument("--out", required=True, help="folder for images/ and instances.json")
    real.add_argument("--seed", type=int, default=None, help="default: the split's fixed seed")
    real.add_argument("--quality", type=int, default=90, help="JPEG quality")
    real.add_argument("--workers", type=int, default=1, help="processes drawing scenes")
    real.set_defaults(run=run_real_scenes)

    check = subparsers.add_parser(
        "detect-photo-check", help="a COCO set of whole real photos of one contributor group, box = garment")
    check.add_argument("--cutouts", required=True, help="folder written by detect-cutouts")
    check.add_argument("--group", choices=("train", "validation", "check"), default="check")
    check.add_argument("--out", required=True, help="annotation JSON to write (images stay where they are)")
    check.set_defaults(run=run_photo_check)

    train = subparsers.add_parser("detect-train", help="train the CPU SSD on COCO/ModaNet-format sets")
    train.add_argument("--coco", required=True, action="append",
                       help="annotation JSON with images/ beside it (repeat to train on several sets)")
    train.add_argument("--images", action="append", default=None,
                       help="image folder of each --coco file, in the same order (default: images/ beside it)")
    train.add_argument("--out", required=True, help="final checkpoint (float16, the shippable file)")
    train.add_argument("--val", default=None, help="validation annotation JSON: picks the stopping epoch")
    train.add_argument("--validate-every", type=int, default=2, help="epochs between validation runs")
    train.add_argument("--epochs", type=int, default=12)
    train.add_argument("--batch-size", type=int, default=16)
    train.add_argument("--lr", type=float, default=0.02, help="starting learning rate (falls 10x at 70%% and 90%%)")
    train.add_argument("--copies", type=int, default=2, help="augmented copies of each training picture")
    train.add_argument("--limit", type=int, default=None, help="use only the first N pictures of each set")
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


def run_cutouts(args) -> int:
    from ..datasets.clothing import ClothingFormatError
    from ..datasets.cutouts import build_cutouts, read_cutouts

    try:
        table = build_cutouts(args.out, args.clothing, args.workers)
    except ClothingFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    kept = read_cutouts(args.out)
    print(f"kept {len(kept)} cut-outs: {table}")
    return 0


def run_real_scenes(args) -> int:
    from ..datasets.real_scenes import build_real_scenes

    path = build_real_scenes(args.out, args.split, args.count, args.cutouts, seed=args.seed,
                             quality=args.quality, workers=args.workers)
    print(f"wrote {args.count} real-garment {args.split} scenes: {path}")
    return 0


def run_photo_check(args) -> int:
    from ..datasets.cutouts import photo_check_set

    path, count = photo_check_set(args.cutouts, args.out, args.group)
    print(f"wrote {count} photos of the {args.group} group: {path}")
    return 0


def recipe_from_args(args):
    """The training recipe a `detect-train` command line asks for."""
    from ..detection.train import Recipe

    return Recipe(annotations=args.coco, images=args.images, copies=args.copies, epochs=args.epochs,
                  batch_size=args.batch_size, lr=args.lr, seed=args.seed, limit=args.limit, init=args.init,
                  val=args.val, validate_every=args.validate_every)


def run_train(args) -> int:
    from tqdm import tqdm

    from ..datasets.coco import CocoFormatError
    from ..detection.model import DetectorCheckpointError
    from ..detection.train import train_recipe

    recipe = recipe_from_args(args)
    bar = tqdm(desc="stage 2: training", unit="step", mininterval=5)

    def progress(step, total, losses):
        bar.total = total
        bar.n = step
        bar.set_postfix(cls=f"{losses['classification']:.3f}", box=f"{losses['bbox_regression']:.3f}",
                        lr=f"{losses['lr']:.0e}", refresh=False)
        bar.refresh()
        if "validation" in losses:
            tqdm.write(f"epoch {losses['epoch']}: validation mAP@0.5 {losses['validation']:.3f}")

    try:
        record = train_recipe(recipe, args.out, args.workers, args.resume, progress,
                              log=lambda line: print(line, file=sys.stderr, flush=True))
    except (CocoFormatError, DetectorCheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bar.close()
    print(json.dumps({"checkpoint": str(args.out), **{k: record[k] for k in (
        "pictures", "steps", "first_loss", "last_loss", "chosen_epoch", "val_map50", "minutes")}}))
    return 0


def register_use(subparsers):
    evaluate = subparsers.add_parser(
        "detect-eval", help="per-class AP of a detector on a COCO/ModaNet-format set (default: bundled test)")
    evaluate.add_argument("--coco", default=None, help="annotation JSON (default: the bundled held-out scenes)")
    evaluate.add_argument("--images", default=None, help="image folder (default: images/ beside the JSON)")
    evaluate.add_argument("--checkpoint", default=None, help="detector checkpoint (default: the shipped one)")
    evaluate.add_argument("--classes", nargs="+", default=None, metavar="CLASS",
                          help="score only these classes, e.g. --classes top outer pants dress")
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
    from ..detection.evaluate import ap_table, evaluate_detector, restrict_classes
    from ..detection.model import DetectorCheckpointError, load_checkpoint
    from ..detection.train import DetectionSet

    coco = args.coco or bundled_scenes("test") / "instances.json"
    try:
        ground_truth = load_coco(coco)
        if args.classes:
            ground_truth = restrict_classes(ground_truth, args.classes)
        dataset = DetectionSet.from_coco(coco, args.images)
        model, checkpoint = load_checkpoint(args.checkpoint)
    except (CocoFormatError, DetectorCheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        scores = evaluate_detector(model, dataset, ground_truth, categories=checkpoint["categories"])
    except ValueError as exc:
        print(f"error: {coco}: {exc}", file=sys.stderr)
        return 2
    for problem in scores["skipped"]:
        print(f"skipped {problem}", file=sys.stderr)
    if scores["images"] == 0:
        print(f"error: {coco}: none of its pictures could be read, so there is nothing to score", file=sys.stderr)
        return 2
    print(ap_table(scores, ground_truth).to_string(na_rep="-", float_format="{:.3f}".format))
    print(f"mAP@0.5 {scores['map50']}  mAP@[.5:.95] {scores['map']}  small mAP@0.5 {scores['small_map50']}  "
          f"on {scores['images']} pictures of {coco}")
    if args.json:
        print(json.dumps(scores))
    return 0


def run_detect(args) -> int:
    from ..detection.evaluate import detect
    from ..detection.model import DetectorCheckpointError, load_checkpoint
    from ..images import ImageLoadError, load_image

    try:
        model, checkpoint = load_checkpoint(args.checkpoint)
    except DetectorCheckpointError as exc:
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
