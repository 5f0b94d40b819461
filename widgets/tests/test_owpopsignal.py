"""POP Signal widget: probes and corpus as tables, one output column per interval, stage counts, bad inputs."""

import pandas as pd
from orangewidget.tests.base import WidgetTest

from fashion_ai.datasets import social_feed
from fashion_ai.datasets.corpus import format_tags
from fashion_ai_widgets.owpopsignal import OWPopSignal
from fashion_ai_widgets.tables import frame_to_table

WAIT = 300_000


class TestOWPopSignal(WidgetTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.corpus, probes = social_feed.load_feed()
        cls.probes = probes.iloc[[0, 5, 9]].reset_index(drop=True)

    def setUp(self):
        self.widget = self.create_widget(OWPopSignal, stored_settings={"intervals": 4})

    def probe_table(self, paths=None):
        frame = self.probes[["path", "colour", "trend"]].rename(columns={"path": "image"})
        if paths is not None:
            frame = frame.assign(image=paths)
        return frame_to_table(frame, image_column="image")

    def test_probe_table_on_the_sample_feed(self):
        self.send_signal(self.widget.Inputs.probes, self.probe_table())
        self.wait_until_finished(timeout=WAIT)
        out = self.get_output(self.widget.Outputs.signals)
        self.assertEqual([a.name for a in out.domain.attributes], ["pop 1", "pop 2", "pop 3", "pop 4"])
        self.assertEqual(len(out), 3)
        self.assertTrue((out.X >= 0).all() and out.X.sum() > 0)
        self.assertEqual(out.domain["image"].attributes["type"], "image")
        tags = out.get_column("tags")
        self.assertIn(f"#{self.probes['colour'][0]}", tags[0])
        category = out.domain["category"]
        self.assertTrue(category.is_discrete)  # Line Plot can group the probes by it
        named = [category.values[int(code)] for code in out.get_column(category)]
        self.assertEqual(named, [t.split()[0][1:] for t in tags])
        self.assertTrue(set(named) <= set(social_feed.CATEGORIES))  # named by the classifier
        trend = out.domain["trend"]  # passed through from the probes, to group the lines by
        self.assertTrue(trend.is_discrete)
        self.assertEqual([trend.values[int(code)] for code in out.get_column(trend)], list(self.probes["trend"]))
        report = self.widget.report_view.toPlainText()
        self.assertIn("positives", report)
        self.assertIn("found", report)
        self.assertIn("sample social feed", self.widget.summary.text())

    def test_corpus_table_input_and_a_missing_probe(self):
        frame = self.corpus.iloc[::24][["path", "timestamp", "tags", "engagement"]].copy()
        frame["tags"] = [format_tags(t) for t in frame["tags"]]
        frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
        corpus = frame_to_table(frame.rename(columns={"path": "image"}), image_column="image")
        paths = list(self.probes["path"][:2]) + ["/nowhere/probe.jpg"]
        self.send_signal(self.widget.Inputs.corpus, corpus)
        self.send_signal(self.widget.Inputs.probes, self.probe_table(paths))
        self.wait_until_finished(timeout=WAIT)
        out = self.get_output(self.widget.Outputs.signals)
        self.assertEqual(len(out), 3)
        self.assertTrue(pd.isna(out.X[2]).all())
        self.assertTrue(self.widget.Warning.problems.is_shown())
        self.assertIn("probe row 3 (/nowhere/probe.jpg): file not found", self.widget.report_view.toPlainText())
        self.assertIn("corpus input", self.widget.summary.text())

    def test_cancel_withdraws_the_output(self):
        self.send_signal(self.widget.Inputs.probes, self.probe_table())
        self.wait_until_finished(timeout=WAIT)
        self.assertIsNotNone(self.get_output(self.widget.Outputs.signals))
        self.widget.intervals = 3
        self.widget.commit.now()
        self.widget.cancel_button.click()
        self.wait_until_finished(timeout=WAIT)
        self.assertIsNone(self.get_output(self.widget.Outputs.signals))
        self.assertIn("Cancelled", self.widget.report_view.toPlainText())

    def test_corpus_without_required_columns_is_an_error(self):
        frame = self.corpus.iloc[:5][["path"]].rename(columns={"path": "image"})
        self.send_signal(self.widget.Inputs.corpus, frame_to_table(frame, image_column="image"))
        self.assertTrue(self.widget.Error.bad_input.is_shown())
        self.assertIn("timestamp, tags, engagement", str(self.widget.Error.bad_input.formatted))
        self.assertIsNone(self.get_output(self.widget.Outputs.signals))

    def test_sample_probes_carry_their_trend(self):
        self.wait_until_finished(timeout=WAIT)
        out = self.get_output(self.widget.Outputs.signals)
        _, probes = social_feed.load_feed()
        trend = out.domain["trend"]
        self.assertEqual([trend.values[int(code)] for code in out.get_column(trend)], list(probes["trend"]))

    def test_with_auto_apply_off_settings_wait_for_apply(self):
        self.wait_until_finished(timeout=WAIT)
        self.widget.auto_apply = False
        before = self.get_output(self.widget.Outputs.signals)
        self.widget.controls.intervals.setValue(5)
        self.widget.controls.window_weeks.setValue(26)
        self.assertIsNone(self.widget.task)  # no job restarted per click
        self.assertIs(self.get_output(self.widget.Outputs.signals), before)
        self.widget.commit.now()  # what the Apply button does
        self.wait_until_finished(timeout=WAIT)
        self.assertEqual(len(self.get_output(self.widget.Outputs.signals).domain.attributes), 5)
