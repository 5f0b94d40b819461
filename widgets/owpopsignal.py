"""POP Signal: how popular each probe product's look was in the K intervals before its release, mined from a
dated image corpus; outputs one row per probe and one column per interval (plot it with Line Plot)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
from AnyQt.QtWidgets import QLabel, QPlainTextEdit
from Orange.data import ContinuousVariable, DiscreteVariable, Domain, StringVariable, Table
from Orange.widgets import gui
from Orange.widgets.settings import Setting
from Orange.widgets.utils.concurrent import TaskState
from Orange.widgets.widget import Input, Msg, Output, OWWidget

from fashion_ai.datasets import social_feed
from fashion_ai.datasets.corpus import prepare_corpus
from fashion_ai.pop.features import pack_path
from fashion_ai.pop.probes import probe_signals
from fashion_ai.pop.signal import DEFAULT_MODEL, EmbeddedCorpus
from fashion_ai_widgets.background import BackgroundTaskMixin, Cancelled
from fashion_ai_widgets.tables import image_column, image_paths, table_to_frame

#: Probe-table columns read as the product's technical sheet (when present).
SHEET_COLUMNS = ("category", "colour", "color", "pattern")
#: A probe column passed through to the output (not used for POP), so Line Plot can group by it.
TREND = "trend"


def corpus_from_table(table: Table) -> pd.DataFrame:
    """The corpus DataFrame from a table with an image column and timestamp, tags, engagement columns."""
    column = image_column(table)
    if column is None:
        raise ValueError("the corpus table has no image column")
    frame = table_to_frame(table)
    frame["path"] = [p or "" for p in image_paths(table, column)]
    missing = [c for c in ("timestamp", "tags", "engagement") if c not in frame.columns]
    if missing:
        raise ValueError(f"the corpus table lacks the column(s) {', '.join(missing)}")
    return prepare_corpus(frame, ".", source="corpus table")


def probes_from_table(table: Table) -> pd.DataFrame:
    """path + technical-sheet columns (+ trend) of a probe image table."""
    column = image_column(table)
    if column is None:
        raise ValueError("the probe table has no image column")
    frame = table_to_frame(table)
    out = pd.DataFrame({"path": [p or "" for p in image_paths(table, column)]})
    for name in (*SHEET_COLUMNS, TREND):
        if name in frame.columns:
            out[name] = frame[name].astype(object).fillna("").astype(str)
    return out


def run_pop(corpus, probes, release, intervals, window_weeks, pack, state: TaskState):
    """Background task: embed the corpus (the slow part), then one POP signal per probe."""
    def progress(start, span, done, total):
        if state.is_interruption_requested():
            raise Cancelled
        state.set_progress_value(start + span * done / max(total, 1))

    embedded = EmbeddedCorpus.build(corpus, model=DEFAULT_MODEL, pack=pack,
                                    progress=lambda done, total: progress(0, 80, done, total),
                                    cancel=state.is_interruption_requested)
    scored = probe_signals(embedded, probes, intervals, pd.Timedelta(weeks=window_weeks),
                           release=pd.Timestamp(release) if release else None,
                           sheet_columns=[c for c in probes.columns if c in SHEET_COLUMNS],
                           progress=lambda done, total: progress(80, 20, done, total))
    problems = list(embedded.skipped) + [str(problem) for problem in scored.problems]
    return SimpleNamespace(scored=scored, problems=problems)


def discrete_column(name, labels):
    """A DiscreteVariable of the non-empty labels and each row's code (NaN where empty)."""
    var = DiscreteVariable(name, values=sorted({c for c in labels if c}))
    return var, [var.values.index(c) if c else np.nan for c in labels]


def signals_table(probes: pd.DataFrame, scored, intervals) -> Table:
    """One row per probe with a POP value per interval ('pop 1' oldest ... 'pop K' last before release), and
    its category (and the probes' trend, when given) as discrete columns so Line Plot can group the lines."""
    attrs = [ContinuousVariable(f"pop {k + 1}") for k in range(intervals)]
    category = discrete_column("category", [(r.tags.get("category") or [""])[0] if r else ""
                                            for r in scored.results])
    groups = [category] + ([discrete_column(TREND, list(probes[TREND]))] if TREND in probes else [])
    image = StringVariable("image")
    image.attributes["type"] = "image"
    tags = [" ".join(f"#{t}" for values in r.tags.values() for t in values) if r else "" for r in scored.results]
    metas = np.array([codes for _, codes in groups] + [list(probes["path"]), tags], dtype=object).T
    return Table.from_numpy(Domain(attrs, metas=[var for var, _ in groups] + [image, StringVariable("tags")]),
                            scored.values(intervals), metas=metas)


def stage_report(probes, results) -> str:
    """Per probe: its tags, then found / kept / pruned counts and the value of each interval."""
    lines = []
    for path, result in zip(probes["path"], results):
        if result is None:
            continue
        lines.append(f"{path}\n  {result.tag_sets.describe()}")
        for stage in result.stages:
            lines.append(f"  {stage.start.date()}..{stage.end.date()}: {stage.posts} posts, positives "
                         f"{stage.positives_found} found / {stage.positives_kept} kept / "
                         f"{stage.positives_pruned} pruned, negatives {stage.negatives_found} / "
                         f"{stage.negatives_kept} / {stage.negatives_pruned}, POP {stage.value:.4f}")
    return "\n".join(lines)


class OWPopSignal(BackgroundTaskMixin, OWWidget):
    name = "POP Signal"
    description = ("POtential Performance of new products: how popular their look was in each of K intervals "
                   "of a dated image corpus before release.")
    icon = "icons/popsignal.svg"
    priority = 50
    keywords = "pop, popularity, trend, forecast, social, corpus, signal"

    class Inputs:
        probes = Input("Probes", Table)
        corpus = Input("Corpus", Table)

    class Outputs:
        signals = Output("POP Signals", Table, default=True)

    class Warning(OWWidget.Warning):
        problems = Msg("{} image(s) or probe(s) could not be used; see the report.")

    class Error(OWWidget.Error):
        bad_input = Msg("{}")
        failed = Msg("Computing POP failed: {}")

    intervals = Setting(8)
    window_weeks = Setting(52)
    release = Setting("")
    auto_apply = Setting(True)

    want_main_area = False

    def __init__(self):
        OWWidget.__init__(self)
        BackgroundTaskMixin.__init__(self)
        self.probes_table = self.corpus_table = None
        box = gui.vBox(self.controlArea, "Intervals")
        # Each change restarts the whole job: with auto-apply off, it waits for Apply.
        gui.spin(box, self, "intervals", 1, 52, label="Intervals (K):", callback=self.commit.deferred)
        gui.spin(box, self, "window_weeks", 1, 520, label="Weeks before release:",
                 callback=self.commit.deferred)
        gui.lineEdit(box, self, "release", label="Release date (empty: after the last post):",
                     callback=self.commit.deferred)
        self.summary = QLabel("")
        gui.vBox(self.controlArea, "Data").layout().addWidget(self.summary)
        self.report_view = QPlainTextEdit(readOnly=True)
        self.report_view.setMinimumSize(560, 220)
        gui.vBox(self.controlArea, "Stages (found / kept / pruned per interval)").layout().addWidget(
            self.report_view)
        gui.auto_apply(self.buttonsArea, self, "auto_apply")
        self.add_cancel_button(self.buttonsArea)
        self.commit.now()

    @Inputs.probes
    def set_probes(self, table):
        self.probes_table = table

    @Inputs.corpus
    def set_corpus(self, table):
        self.corpus_table = table

    def handleNewSignals(self):
        self.commit.now()

    def _inputs(self):
        """(corpus, probes, pack, description); the sample social feed stands in for a missing input."""
        sample_corpus, sample_probes = social_feed.load_feed()
        corpus = corpus_from_table(self.corpus_table) if self.corpus_table is not None else sample_corpus
        probes = probes_from_table(self.probes_table) if self.probes_table is not None else \
            sample_probes[["path", TREND]]
        pack = pack_path(social_feed.feed_dir(), DEFAULT_MODEL) if self.corpus_table is None else None
        where = ("sample social feed" if self.corpus_table is None else "corpus input",
                 "sample probes" if self.probes_table is None else "probes input")
        return corpus, probes, pack, where

    @gui.deferred
    def commit(self):
        self.cancel()
        self.clear_messages()
        try:
            corpus, probes, pack, where = self._inputs()
            if self.release:
                pd.Timestamp(self.release)
        except ValueError as exc:
            self.Error.bad_input(str(exc))
            self.Outputs.signals.send(None)
            return
        self.summary.setText(f"Corpus: {len(corpus)} posts ({where[0]})\nProbes: {len(probes)} ({where[1]})")
        self._probes = probes
        self.start(run_pop, corpus, probes, self.release, self.intervals, self.window_weeks, pack)

    def on_done(self, result):
        report = stage_report(self._probes, result.scored.results)
        self.report_view.setPlainText("\n".join(result.problems + [report]))
        if result.problems:
            self.Warning.problems(len(result.problems))
        self.Outputs.signals.send(signals_table(self._probes, result.scored, self.intervals))

    def on_exception(self, ex):
        self.Error.failed(str(ex))
        self.Outputs.signals.send(None)

    def on_cancelled(self):
        # The last output came from other inputs or settings than the widget now shows: withdraw it.
        self.Outputs.signals.send(None)
        self.report_view.setPlainText("Cancelled: no output. Press Apply to compute the signals again.")

    def send_report(self):
        self.report_items((("Intervals", self.intervals), ("Weeks before release", self.window_weeks),
                           ("Release", self.release or "after the last post")))
        self.report_paragraph("Data", self.summary.text())


if __name__ == "__main__":
    from orangewidget.utils.widgetpreview import WidgetPreview

    WidgetPreview(OWPopSignal).run()
