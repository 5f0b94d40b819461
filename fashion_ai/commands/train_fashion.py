"""`fashion-ai train-fashion`: train the triplet head behind the `fashion` embedder."""


def register(subparsers):
    parser = subparsers.add_parser(
        "train-fashion", help="train the fashion embedding head on photos generated from the train split")
    parser.add_argument("--out", help="checkpoint to write (default: data_samples/fashion_head.pt)")
    parser.add_argument("--per-class", type=int, default=300, help="train garments per class")
    parser.add_argument("--consumer-views", type=int, default=2, help="consumer photos per garment")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(run=run)


def run(args) -> int:
    from tqdm import tqdm

    from ..metric_learning import default_head_path, train_fashion

    views_bar = tqdm(desc="rendering + embedding training photos", unit="garment")
    epochs_bar = tqdm(total=args.epochs, desc="training head", unit="epoch")

    def on_views(done, total):
        views_bar.total = total
        views_bar.update(done - views_bar.n)

    def on_epoch(epoch, total, history):
        epochs_bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", val_top1=f"{history['val_top1'][-1]:.3f}")
        epochs_bar.update(1)

    out = args.out or default_head_path()
    history = train_fashion(out, args.per_class, args.consumer_views, args.epochs, args.seed,
                            on_views, on_epoch)
    views_bar.close()
    epochs_bar.close()
    print(f"wrote {out}: final loss {history['loss'][-1]:.4f}, "
          f"top-1 on held-out train items {history['val_top1'][-1]:.3f}")
    return 0
