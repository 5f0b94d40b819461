"""`fashion-ai fmnist-train` and `fashion-ai fmnist-eval`: the Fashion-MNIST garment classifier."""

import sys

from .accuracy import print_accuracy


def register(subparsers):
    train = subparsers.add_parser(
        "fmnist-train", help="train the garment classifier on the Fashion-MNIST train split, choosing the epoch "
                             "on a validation split held out of it (deterministic; the test split is not used)")
    train.add_argument("--out", default=None, help="checkpoint to write (default: data_samples/fmnist_cnn.pt)")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--source", choices=["auto", "full", "subset"], default="auto",
                       help="full Fashion-MNIST, the bundled subset, or auto (full when installed)")
    train.add_argument("--limit", type=int, default=None, help="use the first N train images only (quick trials)")
    train.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    train.add_argument("--validation-size", type=int, default=5000,
                       help="train images held out to choose the epoch, the same number per class (default 5000)")
    train.set_defaults(run=run_train)

    evaluate = subparsers.add_parser(
        "fmnist-eval", help="accuracy of the garment classifier on the official Fashion-MNIST test split")
    evaluate.add_argument("--checkpoint", default=None, help="checkpoint to evaluate (default: the shipped one)")
    evaluate.add_argument("--source", choices=["auto", "full", "subset"], default="auto")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    evaluate.set_defaults(run=run_eval)


def run_train(args) -> int:
    import torch
    from tqdm import tqdm

    from ..datasets import fashion_mnist
    from ..fmnist_classifier import checkpoint_path, save_checkpoint, train_recipe

    images, labels = fashion_mnist.load("train", source=args.source)
    images, labels = images[:args.limit], labels[:args.limit]
    if not 0 < args.validation_size <= len(images) // 2:
        print(f"error: --validation-size must be between 1 and half the {len(images)} train images",
              file=sys.stderr)
        return 2
    source = fashion_mnist.source_name(args.source)
    print(f"training on {len(images) - args.validation_size} train images ({source}), validating on "
          f"{args.validation_size}, {args.epochs} epochs, seed {args.seed}")
    bar = tqdm(total=args.epochs, unit="epoch", file=sys.stdout, mininterval=5,
               bar_format="{l_bar}{bar}| {n:.2f}/{total} epochs [{elapsed}<{remaining}{postfix}]")

    def progress(epoch, step, steps, loss):
        bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        bar.update(1 / steps)

    model, record = train_recipe(images, labels, epochs=args.epochs, lr=args.lr, seed=args.seed,
                                 validation_size=args.validation_size, progress=progress)
    bar.close()
    record.update(data=source, torch=str(torch.__version__))
    out = args.out or checkpoint_path()
    save_checkpoint(model, out, record)
    curve = ", ".join(f"{h['val_accuracy']:.4f}" for h in record["history"])
    print(f"validation accuracy per epoch: {curve}; kept epoch {record['chosen_epoch']} "
          f"({record['val_accuracy']:.4f}); trained in {record['minutes']:.1f} min")
    print(f"wrote {out}; score it once on the test split with `fashion-ai fmnist-eval`")
    return 0


def run_eval(args) -> int:
    from ..fmnist_classifier import FmnistCheckpointError, checkpoint_path, evaluate, load_checkpoint
    from ..datasets import fashion_mnist

    try:
        model = load_checkpoint(args.checkpoint)
        images, labels = fashion_mnist.load("test", source=args.source)
    except (FmnistCheckpointError, fashion_mnist.FashionMNISTError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result = evaluate(model, images, labels)
    del result["confusion"], result["predicted"]
    result["data"] = fashion_mnist.source_name(args.source)
    result["checkpoint"] = str(args.checkpoint or checkpoint_path())
    print_accuracy(result, args.json, f"test images ({result['data']})")
    return 0
