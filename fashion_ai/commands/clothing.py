"""`fashion-ai clothing-train` and `fashion-ai clothing-eval`: the real-photo garment classifier."""

import sys
from argparse import BooleanOptionalAction
from dataclasses import fields

from .accuracy import print_accuracy


def register(subparsers):
    from ..clothing_classifier import TrainSettings

    train = subparsers.add_parser(
        "clothing-train", help="fine-tune the real-photo garment classifier on the clothing set's train split "
                               "(the stopping epoch is chosen on its validation split)")
    train.add_argument("--data", default=None, help="clothing-set folder (default: $FASHION_AI_CLOTHING, "
                                                    "../shared/data/clothing, else the bundled subset)")
    train.add_argument("--out", default=None, help="checkpoint to write (default: data_samples/clothing_classifier.pt)")
    for setting in fields(TrainSettings):
        kind = {"action": BooleanOptionalAction} if setting.type is bool else {"type": setting.type}
        train.add_argument(f"--{setting.name.replace('_', '-')}", default=setting.default,
                           help=f"default {setting.default}", **kind)
    train.set_defaults(run=run_train)

    evaluate = subparsers.add_parser(
        "clothing-eval", help="accuracy of the real-photo garment classifier on the official test split")
    evaluate.add_argument("--data", default=None, help="clothing-set folder (default as for clothing-train)")
    evaluate.add_argument("--split", default="test", choices=["train", "validation", "test"])
    evaluate.add_argument("--checkpoint", default=None, help="checkpoint to evaluate (default: the shipped one)")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    evaluate.set_defaults(run=run_eval)


def run_train(args) -> int:
    import torch

    from ..clothing_classifier import TrainSettings, checkpoint_path, save, train
    from ..datasets.clothing import ClothingFormatError, dataset_dir

    settings = TrainSettings(**{f.name: getattr(args, f.name) for f in fields(TrainSettings)})
    try:
        root = dataset_dir(args.data)
        net, record = train(settings, root, log=lambda line: print(line, flush=True))
    except ClothingFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    record["torch"] = str(torch.__version__)
    out = args.out or checkpoint_path()
    save(net, record, out)
    print(f"kept epoch {record['chosen_epoch']} (validation accuracy {record['val_accuracy']:.4f}); "
          f"trained in {record['seconds'] / 60:.1f} min; wrote {out}")
    return 0


def run_eval(args) -> int:
    from ..clothing_classifier import ClothingCheckpointError, checkpoint_path, evaluate
    from ..datasets.clothing import ClothingFormatError, dataset_dir

    try:
        root = dataset_dir(args.data)
        result = evaluate(args.split, root, args.checkpoint)
    except (ClothingFormatError, ClothingCheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    del result["labels"], result["predicted"]
    result.update(split=args.split, data=str(root), checkpoint=str(args.checkpoint or checkpoint_path()))
    print_accuracy(result, args.json, f"{args.split} photos ({root})")
    return 0
