"""`fashion-ai train-fashion`: train the triplet head behind the `fashion` embedder."""


def register(subparsers):
    parser = subparsers.add_parser(
        "train-fashion", help="train the fashion embedding head on real garment photos (clothing set) and on "
                              "photos generated from Fashion-MNIST's train split")
    parser.add_argument("--out", help="checkpoint to write (default: data_samples/fashion_head.pt)")
    parser.add_argument("--per-class", type=int, default=400, help="generated train garments per class")
    parser.add_argument("--consumer-views", type=int, default=2, help="consumer photos per generated garment")
    parser.add_argument("--real-views", type=int, default=3, help="consumer-style views per real photo")
    parser.add_argument("--clothing", default=None, help="clothing-set folder (default: the full set when "
                                                         "present, else the bundled subset)")
    parser.add_argument("--validation-per-class", type=int, default=30,
                        help="generated validation garments per class (drawn by the sample set's renderers)")
    parser.add_argument("--epochs", type=int, default=30)
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
        epochs_bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", real=f"{history['real_top1'][-1]:.3f}",
                               generated=f"{history['generated_top1'][-1]:.3f}")
        epochs_bar.update(1)

    out = args.out or default_head_path()
    history = train_fashion(out, args.per_class, args.consumer_views, args.real_views, args.epochs, args.seed,
                            clothing_root=args.clothing, validation_per_class=args.validation_per_class,
                            view_progress=on_views, epoch_progress=on_epoch)
    views_bar.close()
    epochs_bar.close()
    chosen = history["chosen_epoch"] - 1
    scores = history["keep_scores"]["by_keep"][str(history["keep"])]
    print(f"kept epoch {chosen + 1} and backbone weight {history['keep']} (chosen on validation): top-1 on "
          f"held-out real photos {scores['real_top1']:.3f} (backbone {history['keep_scores']['backbone_real_top1']:.3f}), "
          f"on generated photos {scores['generated_top1']:.3f} "
          f"(backbone {history['keep_scores']['backbone_generated_top1']:.3f}); wrote {out}")
    return 0
