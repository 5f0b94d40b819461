"""`fashion-ai forecast`: fit the kit's forecasters on VISUELLE's train table, with and without POP, and
report WAPE/MAE on its test table plus a bootstrap interval for the difference POP makes."""

import json
import sys


def register(subparsers):
    forecast = subparsers.add_parser("forecast", help="new-product sales forecasts on VISUELLE, with vs without POP")
    forecast.add_argument("--visuelle", help="the VISUELLE folder (default: $FASHION_AI_VISUELLE)")
    forecast.add_argument("--quick", action="store_true", help="lighter boosting and MLP (a class demo)")
    forecast.add_argument("--validation", action="store_true",
                          help="score on the latest releases of the latest train season of each kind "
                               "(SS, AW) instead of test.csv")
    forecast.add_argument("--json", action="store_true", help="print the results as JSON on the last line")
    forecast.set_defaults(run=run_forecast)


def run_forecast(args) -> int:
    from ..datasets.visuelle import VisuelleError, load
    from ..forecasting.tasks import compare_with_pop, validation_task, visuelle_task

    try:
        data = load(args.visuelle)
    except VisuelleError as exc:
        print(f"fashion-ai forecast: {exc}", file=sys.stderr)
        return 2
    task = visuelle_task(data)
    report = compare_with_pop(validation_task(task) if args.validation else task, quick=args.quick,
                              progress=_progress)
    if args.json:
        print(json.dumps(report))
    else:
        print(_table(report))
    return 0


def _progress(done, total, name):
    print(f"[{done}/{total}] {name}", file=sys.stderr, flush=True)


def _table(report) -> str:
    lines = [f"{'model':<28} {'WAPE12':>7} {'MAE12':>7} {'WAPE6':>7} {'MAE6':>7} {'fit s':>7}"]
    for row in report["models"]:
        lines.append(f"{row['name']:<28} {row['wape12']:>7.2f} {row['mae12']:>7.2f} {row['wape6']:>7.2f} "
                     f"{row['mae6']:>7.2f} {row['fit_seconds']:>7.1f}")
    pop = report["pop_difference"]
    lines.append(f"\ncompared: {pop['with_pop']} vs {pop['without_pop']}")
    lines.append(f"WAPE12 difference (with - without): {pop['difference']:+.2f} points, "
                 f"{100 * pop['level']:.0f}% bootstrap interval [{pop['low']:+.2f}, {pop['high']:+.2f}]")
    return "\n".join(lines)
