"""Forecasting: metric formulas, the train-only protocol, the VISUELLE loader's errors, the CLI, and the
real-data checks on ../shared/data/visuelle when it is there."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from fashion_ai.cli import main
from fashion_ai.datasets import visuelle
from fashion_ai.forecasting import evaluation as E
from fashion_ai.forecasting import features as F
from fashion_ai.forecasting import models as M
from fashion_ai.forecasting.tasks import ENSEMBLE_KINDS, compare_with_pop, visuelle_task

SHARED_VISUELLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "visuelle"
needs_visuelle = pytest.mark.skipif(not (SHARED_VISUELLE / "train.csv").exists(), reason="VISUELLE not present")

CATEGORIES, COLORS, FABRICS = ["dress", "coat", "skirt"], ["red", "blue"], ["cotton", "lace"]


def write_fake_visuelle(folder: Path, n_train=90, n_test=30, seed=0) -> Path:
    """A small folder in VISUELLE's layout whose sales depend on the category and on the POP slope."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    dates = pd.date_range("2016-01-04", periods=160, freq="W-MON")
    names = CATEGORIES + COLORS + FABRICS
    trends = pd.DataFrame(rng.integers(0, 100, (len(dates), len(names))).astype(float), columns=names)
    trends.insert(0, "date", dates.strftime("%Y-%m-%d"))
    trends.to_csv(folder / "gtrends.csv", index=False)
    n = n_train + n_test
    products = pd.DataFrame({
        "external_code": np.arange(1, n + 1),
        "season": np.where(np.arange(n) % 2 == 0, "SS18", "AW18"),
        "category": rng.choice(CATEGORIES, n), "color": rng.choice(COLORS, n), "fabric": rng.choice(FABRICS, n),
        "release_date": (pd.Timestamp("2018-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 300, n)), "D"))
        .strftime("%Y-%m-%d"),
    })
    slope = rng.normal(0, 1, n)
    level = 0.05 * (1 + products["category"].map({"dress": 2.0, "coat": 1.0, "skirt": 0.5})) * np.exp(0.3 * slope)
    curve = np.exp(-np.arange(visuelle.HORIZON) / 5)
    sales = pd.DataFrame(np.outer(level, curve) * rng.lognormal(0, 0.2, (n, visuelle.HORIZON)),
                         columns=visuelle.SALES_COLUMNS)
    table = pd.concat([sales, products], axis=1)
    table.iloc[:n_train].to_csv(folder / "train.csv", index=False)
    table.iloc[n_train:].to_csv(folder / "test.csv", index=False)
    for attribute, values in [("category", CATEGORIES), ("color", COLORS), ("fabric", FABRICS)]:
        torch.save({v: np.int64(i) for i, v in enumerate(values)}, folder / f"{attribute}_labels.pt")
    np.save(folder / "normalization_scale.npy", np.array([1065.0]))
    weeks = np.linspace(-1, 1, 52)
    torch.save({int(c): torch.tensor(0.5 + 0.1 * s * weeks, dtype=torch.float32)
                for c, s in zip(products["external_code"], slope)}, folder / "pop.pt")
    return folder


@pytest.fixture
def fake_folder(tmp_path):
    return write_fake_visuelle(tmp_path / "visuelle")


# --- metrics -------------------------------------------------------------------------------------------

def test_wape_and_mae_formulas_on_toy_data():
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecast = np.array([[1.0, 1.0], [3.0, 5.0]])
    assert E.wape(actual, forecast) == pytest.approx(100 * 2 / 10)
    assert E.mae(actual, forecast) == pytest.approx(0.5)
    assert E.wape(actual, forecast, horizon=1) == pytest.approx(0.0)
    scores = E.score(actual, forecast, scale=10)
    assert scores["mae12"] == pytest.approx(5.0) and scores["wape12"] == pytest.approx(20.0)


def test_bootstrap_interval_brackets_zero_for_equal_forecasts_and_not_for_a_clear_gain():
    rng = np.random.default_rng(0)
    actual = rng.gamma(2.0, 10.0, (200, 12))
    noisy = actual * rng.lognormal(0, 0.6, actual.shape)
    same = E.bootstrap_difference(actual, noisy, noisy)
    assert same["difference"] == 0 and same["low"] == 0 and same["high"] == 0
    better = actual * rng.lognormal(0, 0.1, actual.shape)
    gain = E.bootstrap_difference(actual, better, noisy)
    assert gain["low"] <= gain["difference"] <= gain["high"] < 0


# --- features and protocol --------------------------------------------------------------------------------

def test_trend_windows_never_read_weeks_after_release():
    dates = pd.date_range("2020-01-06", periods=10, freq="W-MON")
    trends = pd.DataFrame({"red": np.arange(10.0)}, index=dates)
    windows = F.trend_windows(trends, ["red", "red"], [dates[4], dates[4] + pd.Timedelta(days=3)], weeks=3)
    np.testing.assert_array_equal(windows, [[2, 3, 4], [2, 3, 4]])
    padded = F.trend_windows(trends, ["red"], [dates[1]], weeks=3)
    np.testing.assert_array_equal(padded, [[0, 0, 1]])


def test_validation_split_holds_out_the_latest_releases_of_each_season(fake_folder):
    train = visuelle.load(fake_folder).train
    fit, holdout = E.validation_split(train)
    assert len(fit) + len(holdout) == len(train) and not set(fit.index) & set(holdout.index)
    for season, rows in holdout.groupby("season"):
        assert rows["release_date"].min() >= fit.loc[fit["season"] == season, "release_date"].max()
        assert abs(len(rows) - 0.25 * (train["season"] == season).sum()) <= 1


def test_validation_split_holds_out_only_the_latest_season_of_each_kind():
    seasons = {"SS17": "2017-01-01", "AW17": "2017-07-01", "SS18": "2018-01-01", "AW18": "2018-07-01"}
    train = pd.DataFrame([{"season": season, "release_date": pd.Timestamp(start) + pd.Timedelta(days=day)}
                          for season, start in seasons.items() for day in range(8)])
    fit, holdout = E.validation_split(train, fraction=0.25)
    assert sorted(holdout["season"].unique()) == ["AW18", "SS18"] and len(holdout) == 4
    assert (holdout["release_date"].dt.day >= 7).all()
    assert len(fit) == len(train) - 4


def small_forecasters(context):
    return [M.AttributeKNN(context, use_pop=True, k=10), M.RidgeCurve(context, use_pop=True),
            M.BoostedTotal(context, use_pop=True, iterations=20), M.SalesMLP(context, use_pop=True, epochs=3, seeds=1)]


def test_forecasts_ignore_test_sales(fake_folder):
    """Fitting sees train only: scrambling the test table's sales changes no forecast."""
    task = visuelle_task(visuelle.load(fake_folder))
    scrambled = task.test.copy()
    scrambled[task.sales_columns] = np.random.default_rng(1).permutation(scrambled[task.sales_columns].to_numpy())
    for first, second in zip(small_forecasters(task.context), small_forecasters(task.context)):
        forecast, _ = E.fit_and_forecast(first, task.train, task.test, task.sales_columns)
        again, _ = E.fit_and_forecast(second, task.train, scrambled, task.sales_columns)
        np.testing.assert_allclose(forecast, again, err_msg=first.name)
        assert forecast.shape == (len(task.test), visuelle.HORIZON) and (forecast >= 0).all()


def test_forecasters_never_receive_sales_at_prediction_time(fake_folder):
    task = visuelle_task(visuelle.load(fake_folder))
    seen = []

    class Spy(M.AttributeKNN):
        def predict(self, products):
            seen.append(set(products.columns))
            return super().predict(products)

    E.fit_and_forecast(Spy(task.context, k=5), task.train, task.test, task.sales_columns)
    assert seen and not seen[0] & set(task.sales_columns)


def test_knn_learns_the_planted_category_effect(fake_folder):
    task = visuelle_task(visuelle.load(fake_folder))
    forecast, _ = E.fit_and_forecast(M.AttributeKNN(task.context, k=5), task.train, task.test, task.sales_columns)
    actual = task.test[task.sales_columns].to_numpy()
    flat = np.full_like(actual, task.train[task.sales_columns].to_numpy().mean())
    assert E.wape(actual, forecast) < E.wape(actual, flat)


def test_ridge_learns_the_planted_category_and_pop_effects(fake_folder):
    """The fake sales grow with the POP slope: the ridge fitted with POP must beat the one without."""
    task = visuelle_task(visuelle.load(fake_folder))
    actual = task.test[task.sales_columns].to_numpy()
    errors = {}
    for use_pop in (False, True):
        forecast, _ = E.fit_and_forecast(M.RidgeCurve(task.context, use_pop, alpha=1.0), task.train, task.test,
                                         task.sales_columns)
        errors[use_pop] = E.wape(actual, forecast)
    flat = np.full_like(actual, task.train[task.sales_columns].to_numpy().mean())
    assert errors[True] < errors[False] < E.wape(actual, flat)


def test_group_level_restores_each_season_s_level(fake_folder):
    """One season sells three times the other: a ridge blind to seasons gains from learning relative sales,
    and a season never seen at fit time falls back on the overall mean."""
    task = visuelle_task(visuelle.load(fake_folder))
    tripled = {name: frame.assign(**{c: frame[c] * np.where(frame["season"] == "AW18", 3.0, 1.0)
                                     for c in task.sales_columns}) for name, frame in (("train", task.train),
                                                                                        ("test", task.test))}
    context = F.Context(attributes=("category",), level_column="season")
    actual = tripled["test"][task.sales_columns].to_numpy()
    plain, _ = E.fit_and_forecast(M.RidgeCurve(context), tripled["train"], tripled["test"], task.sales_columns)
    grouped = M.GroupLevel(M.RidgeCurve(context))
    relative, _ = E.fit_and_forecast(grouped, tripled["train"], tripled["test"], task.sales_columns)
    assert grouped.name == "ridge" and E.wape(actual, relative) < E.wape(actual, plain)
    unseen = tripled["test"].drop(columns=task.sales_columns).assign(season="SS99")
    np.testing.assert_allclose(grouped.predict(unseen), grouped.inner.predict(unseen) * grouped.mean_)


def test_use_pop_without_signals_is_refused():
    with pytest.raises(ValueError, match="POP"):
        M.AttributeKNN(F.Context(attributes=("category",)), use_pop=True)


# --- loader errors ------------------------------------------------------------------------------------

def test_loader_reads_the_fake_folder_and_the_env_var(fake_folder, monkeypatch):
    data = visuelle.load(fake_folder)
    assert len(data.train) == 90 and len(data.test) == 30 and data.scale == 1065.0
    assert data.pop.shape == (120, 52) and data.labels["category"] == {"dress": 0, "coat": 1, "skirt": 2}
    assert visuelle.Visuelle.sales(data.train).shape == (90, 12)
    monkeypatch.setenv(visuelle.ENV_VAR, str(fake_folder))
    assert len(visuelle.load().test) == 30


def test_loader_needs_a_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(visuelle.ENV_VAR, raising=False)
    with pytest.raises(visuelle.VisuelleError, match=visuelle.ENV_VAR):
        visuelle.load()
    with pytest.raises(visuelle.VisuelleError, match="train.csv"):
        visuelle.load(tmp_path)


def test_loader_names_a_missing_column(fake_folder):
    table = pd.read_csv(fake_folder / "test.csv").drop(columns=["fabric"])
    table.to_csv(fake_folder / "test.csv", index=False)
    with pytest.raises(visuelle.VisuelleError, match=r"test\.csv.*fabric"):
        visuelle.load(fake_folder)


def test_loader_names_a_bad_date(fake_folder):
    table = pd.read_csv(fake_folder / "train.csv")
    table.loc[3, "release_date"] = "not a date"
    table.to_csv(fake_folder / "train.csv", index=False)
    with pytest.raises(visuelle.VisuelleError, match=r"train\.csv.*release_date"):
        visuelle.load(fake_folder)


def test_loader_names_a_corrupt_torch_file(fake_folder):
    (fake_folder / "color_labels.pt").write_bytes(b"not a torch file")
    with pytest.raises(visuelle.VisuelleError, match="color_labels.pt"):
        visuelle.load(fake_folder)


def test_loader_names_products_without_pop_or_trends(fake_folder):
    signals = torch.load(fake_folder / "pop.pt")
    del signals[1]
    torch.save(signals, fake_folder / "pop.pt")
    with pytest.raises(visuelle.VisuelleError, match=r"pop\.pt.*1 train products"):
        visuelle.load(fake_folder)
    assert visuelle.load(fake_folder, with_pop=False).pop is None
    trends = pd.read_csv(fake_folder / "gtrends.csv").drop(columns=["lace"])
    trends.to_csv(fake_folder / "gtrends.csv", index=False)
    with pytest.raises(visuelle.VisuelleError, match="lace"):
        visuelle.load(fake_folder, with_pop=False)


# --- CLI ------------------------------------------------------------------------------------------------

def test_cli_json_on_the_fake_folder(fake_folder, capsys):
    assert main(["forecast", "--visuelle", str(fake_folder), "--quick", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = report["models"]
    assert {row["pop"] for row in rows} == {True, False} and len(rows) == 10
    for row in rows:
        assert set(row) >= {"name", "pop", "wape12", "mae12", "wape6", "mae6", "fit_seconds"}
        assert 0 < row["wape12"] < 100 and row["mae12"] > 0
    seconds = {row["name"]: row["fit_seconds"] for row in rows}
    assert seconds["ensemble"] == pytest.approx(sum(seconds[kind] for kind in ENSEMBLE_KINDS), abs=0.02)
    interval = report["pop_difference"]
    assert interval["low"] <= interval["difference"] <= interval["high"]


def test_cli_validation_never_reads_the_test_table(fake_folder, capsys):
    (fake_folder / "test.csv").write_text(pd.read_csv(fake_folder / "test.csv").head(0).to_csv(index=False))
    assert main(["forecast", "--visuelle", str(fake_folder), "--quick", "--validation", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["task"] == "VISUELLE validation" and len(report["models"]) == 10


def test_cli_reports_a_missing_folder(tmp_path, capsys):
    assert main(["forecast", "--visuelle", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


# --- real data ------------------------------------------------------------------------------------------

@needs_visuelle
def test_real_visuelle_loads_with_the_documented_shape():
    data = visuelle.load(SHARED_VISUELLE)
    assert (len(data.train), len(data.test), data.scale) == (5080, 497, 1065.0)
    assert data.pop.shape[1] == 52 and set(data.test["external_code"]) <= set(data.pop.index)
    assert data.test["release_date"].min() > data.train.loc[data.train["season"] == "SS19", "release_date"].max()


def mean_curve_wape(task):
    """WAPE12 of the naive forecast (every test product sells the train table's mean curve): the baseline
    any forecaster must beat."""
    actual = task.test[task.sales_columns].to_numpy(float)
    return E.score(actual, E.mean_curve_forecast(task.train, task.test, task.sales_columns), task.scale)["wape12"]


@needs_visuelle
def test_real_visuelle_knn_beats_the_mean_curve():
    task = visuelle_task(visuelle.load(SHARED_VISUELLE))
    actual = task.test[task.sales_columns].to_numpy()
    naive = mean_curve_wape(task)
    for use_pop in (False, True):
        forecast, _ = E.fit_and_forecast(M.AttributeKNN(task.context, use_pop), task.train, task.test,
                                         task.sales_columns)
        scores = E.score(actual, forecast, task.scale)
        assert scores["wape12"] < naive, (scores, naive)
        assert scores["mae12"] == pytest.approx(scores["wape12"] / 100 * 51.65, rel=1e-3)


@needs_visuelle
def test_real_visuelle_kit_ensembles_beat_the_mean_curve():
    """The full lineup on train.csv -> test.csv (about 20 s): both ensembles (settings fixed on the validation
    split) beat the naive mean-curve forecast; POP makes no clear difference there."""
    task = visuelle_task(visuelle.load(SHARED_VISUELLE))
    report = compare_with_pop(task)
    ensembles = {r["name"]: r["wape12"] for r in report["models"] if r["name"].startswith("ensemble")}
    naive = mean_curve_wape(task)
    assert ensembles["ensemble"] < naive and ensembles["ensemble + POP"] < naive, (ensembles, naive)
    gap = report["pop_difference"]
    assert gap["difference"] == pytest.approx(ensembles["ensemble + POP"] - ensembles["ensemble"], abs=1e-6)


def test_comparison_plot_pairs_each_model_with_its_pop_twin():
    import matplotlib

    matplotlib.use("Agg")
    from fashion_ai.forecasting.plots import plot_comparison

    report = {"task": "toy", "models": [
        {"name": "kNN", "pop": False, "wape12": 60.0}, {"name": "MLP", "pop": False, "wape12": 62.0},
        {"name": "MLP + POP", "pop": True, "wape12": 61.0}, {"name": "kNN + POP", "pop": True, "wape12": 59.0}]}
    ax = plot_comparison(report)
    without, with_pop = ax.containers
    assert [b.get_height() for b in without] == [60.0, 62.0]
    assert [b.get_height() for b in with_pop] == [59.0, 61.0]
    assert ax.get_ylim()[0] == 0  # bars start at 0: a cut axis would inflate small differences


def test_feed_task_forecasts_without_trends():
    from fashion_ai.forecasting.tasks import feed_task

    rng = np.random.default_rng(0)
    n = 40
    probes = pd.DataFrame({"category": rng.choice(["dress", "bag"], n), "colour": rng.choice(["red", "blue"], n),
                           "pattern": "plain", "release_date": pd.Timestamp("2026-01-05")})
    signals = rng.random((n, 8))
    sales = np.outer(1 + signals[:, -1] * 10 + (probes["category"] == "dress"), np.ones(4))
    for week in range(4):
        probes[f"sales_{week + 1}"] = sales[:, week]
    task = feed_task(probes, signals, [f"sales_{w + 1}" for w in range(4)])
    assert len(task.train) + len(task.test) == n and task.context.trends is None
    np.testing.assert_allclose(task.context.pop.to_numpy(), signals)
    forecast, _ = E.fit_and_forecast(M.BoostedTotal(task.context, use_pop=True, iterations=30), task.train,
                                     task.test, task.sales_columns)
    assert forecast.shape == (len(task.test), 4) and np.isfinite(forecast).all()


@pytest.mark.skipif(not any(Path(__file__).resolve().parents[1].glob("data_samples/social_feed/features-*.npz")),
                    reason="the sample feed's feature pack is not built")
def test_sample_feed_task_gives_every_probe_a_pop_signal():
    from fashion_ai.forecasting.tasks import sample_feed_task

    task = sample_feed_task(intervals=2)
    assert task.context.pop.shape == (len(task.train) + len(task.test), 2)
    assert np.isfinite(task.context.pop.to_numpy()).all()
