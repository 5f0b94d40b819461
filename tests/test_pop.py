"""POP signals: the dated corpus reader, the sample feed's planted truth, tags, queries, pruning, the signal on
the sample feed (rising looks rise; POP tracks sales far better than a shuffled-corpus control), the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fashion_ai.cli import main
from fashion_ai.datasets import social_feed
from fashion_ai.images import load_image
from fashion_ai.pop import evaluate
from fashion_ai.pop.pruning import prune_noisy
from fashion_ai.datasets.corpus import CorpusError, parse_tags, read_corpus
from fashion_ai.pop.features import pack_path
from fashion_ai.pop.probes import probe_signals
from fashion_ai.pop.query import expand_tags, interval_bounds, match_posts
from fashion_ai.pop.signal import DEFAULT_MODEL, EmbeddedCorpus
from fashion_ai.colours import dominant_colours
from fashion_ai.pop.tags import probe_tags

INTERVALS = 8


@pytest.fixture(scope="module")
def feed():
    return social_feed.load_feed()


@pytest.fixture(scope="module")
def embedded(feed):
    corpus, _ = feed
    return EmbeddedCorpus.build(corpus, pack=pack_path(social_feed.feed_dir(), DEFAULT_MODEL))


#: The probes' technical sheets give the category; colour always comes from the pixels.
SHEET = ("category",)


@pytest.fixture(scope="module")
def signals(feed, embedded):
    _, probes = feed
    return probe_signals(embedded, probes, INTERVALS, sheet_columns=SHEET).results


@pytest.fixture(scope="module")
def control_signals(feed, embedded):
    _, probes = feed
    control = embedded.with_corpus(evaluate.shuffled_control(embedded.corpus))
    return probe_signals(control, probes, INTERVALS, sheet_columns=SHEET).results


def test_parse_tags_accepts_the_usual_spellings():
    assert parse_tags("#Dress #red, ootd;#Pink-Dots") == ["dress", "red", "ootd", "pinkdots"]
    assert parse_tags(float("nan")) == [] and parse_tags(["#A", "b"]) == ["a", "b"]


def test_corpus_reader_skips_bad_rows_and_names_them(tmp_path):
    Image.new("RGB", (8, 8), "red").save(tmp_path / "a.jpg")
    (tmp_path / "posts.csv").write_text(
        "path,timestamp,tags,engagement\n"
        "a.jpg,2025-03-02T14:05:00,#dress #red,12\n"
        "gone.jpg,2025-03-03,#dress,5\n"
        "a.jpg,not a date,#dress,5\n"
        "a.jpg,2025-01-01,#bag,many\n")
    corpus = read_corpus(tmp_path / "posts.csv")
    assert len(corpus) == 1 and corpus["tags"][0] == ["dress", "red"]
    assert corpus["path"][0] == str(tmp_path / "a.jpg")
    skipped = "\n".join(corpus.attrs["skipped"])
    assert "row 3 (" in skipped and "gone.jpg): image file not found" in skipped
    assert "row 4" in skipped and "timestamp is missing or not a date" in skipped
    assert "row 5" in skipped and "engagement is missing or not a number" in skipped


def test_corpus_reader_rejects_missing_columns(tmp_path):
    (tmp_path / "posts.csv").write_text("path,tags\na.jpg,#x\n")
    with pytest.raises(CorpusError, match=r"posts.csv: missing column\(s\) timestamp, engagement"):
        read_corpus(tmp_path / "posts.csv")
    with pytest.raises(CorpusError, match="not found"):
        read_corpus(tmp_path / "nothing.csv")


def test_shipped_feed_is_what_the_generator_makes(feed):
    corpus, probes = feed
    made = social_feed.simulate_posts(np.random.default_rng(0), social_feed.shop_shots(probes=False))
    shipped = pd.read_csv(social_feed.feed_dir() / "posts.csv")
    assert len(shipped) == social_feed.WEEKS * social_feed.POSTS_PER_WEEK == len(corpus)
    assert list(shipped["tags"]) == list(made["tags"])
    assert list(shipped["engagement"]) == list(made["engagement"])
    assert (probes["release_date"] == social_feed.RELEASE).all()
    assert probes["trend"].value_counts()[["rising", "falling", "flat"]].min() >= 8
    assert set(probes["category"]) == set(social_feed.CATEGORIES)


def test_planted_trends_move_volume_and_likes(feed):
    corpus, _ = feed
    genuine = corpus[~corpus["tag_spam"]]
    skirt = genuine["tags"].apply(lambda t: "skirt" in t)
    first, last = genuine["timestamp"] < social_feed.START + pd.Timedelta(weeks=13), \
        genuine["timestamp"] >= social_feed.RELEASE - pd.Timedelta(weeks=13)
    assert skirt[last].mean() > 2 * skirt[first].mean()  # rising: posted more ...
    assert genuine[last & skirt]["engagement"].median() > genuine[first & skirt]["engagement"].median()
    pants = genuine["tags"].apply(lambda t: "pants" in t)
    assert pants[first].mean() > 2 * pants[last].mean()  # falling: posted less
    assert social_feed.trend_label(["skirt", "grey"]) == "rising"
    assert social_feed.trend_label(["hat", "black"]) == "falling"
    assert social_feed.trend_label(["hat", "grey"]) == "flat"


def test_probe_colour_tags_are_what_the_reader_sees(feed):
    _, probes = feed
    assert [dominant_colours(load_image(p)) for p in probes["path"]] == [[c] for c in probes["colour"]]


def test_dominant_colour_ignores_a_shaded_background():
    """A white T-shirt on a folded red blanket is white: the blanket's folds are not product."""
    rng = np.random.default_rng(0)
    blanket = np.array([200, 30, 40]) * rng.uniform(0.6, 1.1, (96, 96, 1))
    blanket[24:72, 28:68] = [235, 235, 230]
    assert dominant_colours(Image.fromarray(blanket.clip(0, 255).astype(np.uint8))) == ["white"]


def test_probe_tags_combine_classifier_colour_and_sheet(feed):
    _, probes = feed
    tags = probe_tags(load_image(probes["path"][0]), {"Pattern": "Dots", "fabric": ["cotton", "linen"]},
                      classify=lambda images: (["Ankle boot"], None))
    assert tags == {"category": ["ankleboot"], "colour": [probes["colour"][0]], "pattern": ["dots"],
                    "fabric": ["cotton", "linen"]}
    assert probe_tags(None, {"category": "bag"}) == {"category": ["bag"]}
    # a sheet that names the category spares the classifier (None would fail if it were called)
    assert probe_tags(load_image(probes["path"][0]), {"category": "skirt"}, classify=None)["category"] == ["skirt"]
    with pytest.raises(ValueError, match="no tags"):
        probe_tags(None, {})


def test_tag_expansion_and_queries():
    sets = expand_tags({"category": ["dress"], "colour": ["red"], "pattern": ["stripes"]})
    assert sets.category == "dress" and sets.positive == ["red", "stripes"]
    assert "blue" in sets.negative and "dots" in sets.negative and "red" not in sets.negative
    corpus = pd.DataFrame({"tags": [["dress", "red", "plain"], ["dress", "blue", "dots"], ["bag", "red"],
                                    ["dress", "ootd"], ["dress", "blue", "stripes"]]})
    positive, negative = match_posts(corpus, sets)
    assert positive.tolist() == [True, False, False, False, True]
    assert negative.tolist() == [False, True, False, False, False]


def test_interval_bounds_split_the_window_before_release():
    bounds = interval_bounds("2026-01-05", 4, pd.Timedelta(weeks=52))
    assert len(bounds) == 4 and bounds[-1][1] == pd.Timestamp("2026-01-05")
    assert bounds[0][0] == pd.Timestamp("2026-01-05") - pd.Timedelta(weeks=52)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    with pytest.raises(ValueError):
        interval_bounds("2026-01-05", 0)


def test_pruning_finds_flipped_labels():
    rng = np.random.default_rng(0)
    labels = np.repeat([1, 0], 40)
    vectors = rng.normal(size=(80, 10)) + 2.0 * labels[:, None]
    flipped = rng.choice(80, 8, replace=False)
    noisy = labels.copy()
    noisy[flipped] = 1 - noisy[flipped]
    pruning = prune_noisy(vectors, noisy)
    pruned = np.flatnonzero(~pruning.keep)
    assert len(set(pruned) & set(flipped)) >= 6 and len(pruned) <= 14
    few = prune_noisy(vectors[:5], noisy[:5])
    assert few.classifier is None and few.keep.all()


def test_pruning_on_the_feed_drops_tag_spam(feed, embedded, signals):
    spam = embedded.corpus["tag_spam"].to_numpy()
    pruned = [r for result in signals for s in result.stages for r in s.pruned_examples]
    kept = [r for result in signals for s in result.stages for r in s.kept_examples]
    assert spam[pruned].mean() > max(spam.mean(), spam[kept].mean())


def test_rising_looks_get_rising_signals(feed, signals):
    _, probes = feed
    slopes = pd.Series([evaluate.trend_slope(r.values) for r in signals])
    rising, falling = slopes[probes["trend"] == "rising"], slopes[probes["trend"] == "falling"]
    assert (rising > 0).mean() >= 0.8 and (falling < 0).mean() >= 0.8
    assert rising.median() > 0.05 > -0.05 > falling.median()


def test_pop_tracks_sales_above_a_shuffled_control(feed, signals, control_signals):
    _, probes = feed
    sales = probes[social_feed.sales_columns(probes)].sum(1)
    real, shuffled = evaluate.sales_correlation(signals, sales), evaluate.sales_correlation(control_signals, sales)
    print(f"Spearman(POP, sales) = {real:.3f}; shuffled-corpus control = {shuffled:.3f}")
    assert real >= 0.4 and real - shuffled >= 0.4


def test_pop_check_reports_the_same_correlations(feed, signals, control_signals, capsys):
    _, probes = feed
    sales = probes[social_feed.sales_columns(probes)].sum(1)
    assert main(["pop-check", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["probes"] == len(probes)
    assert result["spearman"] == pytest.approx(evaluate.sales_correlation(signals, sales), abs=1e-4)
    assert result["shuffled_spearman"] == pytest.approx(evaluate.sales_correlation(control_signals, sales), abs=1e-4)


def test_stages_are_inspectable(signals):
    table = signals[0].stage_table()
    assert len(table) == INTERVALS
    assert (table["positives found"] == table["positives kept"] + table["positives pruned"]).all()
    assert (table["pop"] >= 0).all() and table["posts"].sum() > 0


def test_one_bad_probe_never_sinks_the_batch(tmp_path, feed, embedded):
    _, probes = feed
    bad = tmp_path / "probe.jpg"
    bad.write_text("not an image")
    batch = pd.DataFrame({"path": [probes["path"][0], str(bad), "", float("nan")],
                          "category": ["", "", "dress", ""]})
    scored = probe_signals(embedded, batch, INTERVALS, sheet_columns=("category",), release="2024-01-01")
    assert [r is not None for r in scored.results] == [True, False, True, False]
    assert [p.row for p in scored.problems] == [1, 3]
    assert str(scored.problems[0]).startswith(f"probe row 2 ({bad}): not an image file")
    assert "probe row 4: no tags" in str(scored.problems[1])
    assert scored.results[2].tags == {"category": ["dress"]}  # a sheet alone describes the product
    assert scored.results[0].release == pd.Timestamp("2024-01-01")
    values = scored.values(INTERVALS)
    assert values.shape == (4, INTERVALS) and np.isnan(values[1]).all() and np.isfinite(values[0]).all()


def test_cli_prints_the_signal_as_json(feed, capsys):
    _, probes = feed
    code = main(["pop", "--probe", probes["path"][1], "--sheet", json.dumps({"fabric": "denim"}),
                 "--intervals", "4", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert len(result["pop"]) == 4 and len(result["intervals"]) == 4
    assert result["tags"]["fabric"] == ["denim"] and result["tags"]["colour"] == [probes["colour"][1]]
    assert result["tags"]["category"][0] in social_feed.CATEGORIES
    assert "positives found" in out


def test_cli_names_a_bad_probe(tmp_path, capsys):
    bad = tmp_path / "probe.jpg"
    bad.write_text("not an image")
    assert main(["pop", "--probe", str(bad)]) == 2
    assert f"{bad}: not an image file" in capsys.readouterr().out
    assert main(["pop", "--sheet", "{not json"]) == 2
    assert "--sheet {not json: not valid JSON" in capsys.readouterr().out


def test_a_small_corpus_of_your_own_with_a_broken_image(tmp_path, feed):
    corpus, _ = feed
    rows = corpus.iloc[::120].copy()
    rows["path"] = [str(p) for p in rows["path"]]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    rows.loc[rows.index[0], "path"] = str(broken)
    small = EmbeddedCorpus.build(rows, model=DEFAULT_MODEL, dims=4)
    assert len(small.corpus) == len(rows) - 1 and small.vectors.shape == (len(rows) - 1, 4)
    assert len(small.skipped) == 1 and "broken.jpg" in small.skipped[0]
