"""`fashion-ai fmnist-train` and `fashion-ai fmnist-eval`: the Fashion-MNIST garment classifier."""

import sys

from .accuracy import print_accuracy


def register(subparsers):
    train = subparsers.add_parser(
        "fmnist-train", help="train the garment classifier on the Fashion-MNIST train split (deterministic)")
    train.add_argument("--out", default=None, help="checkpoint to write (default: data_samples/fmnist_cnn.pt)")
    train.add_argument("--epochs", type=int, default=8)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--source", choices=["auto", "full", "subset"], default="auto",
                       help="full Fashion-MNIST, the bundled subset, or auto (full when installed)")
    train.add_argument("--limit", type=int, default=None, help="train on the first N images only (quick trials)")
    train.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    train.add_argument("--init", default=None, help="continue training this checkpoint instead of a fresh network")
    train.set_defaults(run=run_train)

    evaluate = subparsers.add_parser(
        "fmnist-eval", help="accuracy of the garment classifier on the official Fashion-MNIST test split")
    evaluate.add_argument("--checkpoint", default=None, help="checkpoint to evaluate (default: the shipped one)")
    evaluate.add_argument("--source", choices=["auto", "full", "subset"], default="auto")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    evaluate.set_defaults(run=run_eval)


def run_train(args) -> int:
    import time

    import torch
    from tqdm import tqdm

    from ..fmnist_classifier import checkpoint_path, evaluate, load_checkpoint, save_checkpoint, train
    from ..datasets import fashion_mnist

    images, labels = fashion_mnist.load("train", source=args.source)
    images, labels = images[:args.limit], labels[:args.limit]
    source = fashion_mnist.source_name(args.source)
    print(f"training on {len(images)} train images ({source}), {args.epochs} epochs, seed {args.seed}")
    bar = tqdm(total=args.epochs, unit="epoch", file=sys.stdout, mininterval=5,
               bar_format="{l_bar}{bar}| {n:.2f}/{total} epochs [{elapsed}<{remaining}{postfix}]")

    def progress(epoch, step, steps, loss):
        bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        bar.update(1 / steps)

    start = time.perf_counter()
    init = load_checkpoint(args.init) if args.init else None
    model = train(images, labels, epochs=args.epochs, lr=args.lr, seed=args.seed, progress=progress, init=init)
    bar.close()
    minutes = (time.perf_counter() - start) / 60
    test_images, test_labels = fashion_mnist.load("test", source=args.source)
    accuracy = evaluate(model, test_images, test_labels)["accuracy"]
    out = args.out or checkpoint_path()
    info = {"epochs": args.epochs, "lr": args.lr, "init": args.init, "seed": args.seed,
            "train_images": len(images), "data": source,
            "minutes": round(minutes, 1), "test_accuracy": round(accuracy, 4), "torch": str(torch.__version__)}
    save_checkpoint(model, out, info)
    print(f"test accuracy {accuracy:.4f} on {len(test_images)} test images; trained in {minutes:.1f} min")
    print(f"wrote {out}")
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
