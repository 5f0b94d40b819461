"""Consumer-to-Shop Retrieval widget: accuracy and matches as the library computes them, the preview."""

import numpy as np
from Orange.data import ContinuousVariable, Domain, Table
from orangewidget.tests.base import WidgetTest

from fashion_ai.consumer_shop import sample_set
from fashion_ai.embedding import embed_paths
from fashion_ai.retrieval import retrieve
from fashion_ai_widgets.owconsumershopretrieval import OWConsumerShopRetrieval
from fashion_ai_widgets.owfashionembedder import with_embeddings
from fashion_ai_widgets.tables import set_to_table


class TestOWConsumerShopRetrieval(WidgetTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        df = sample_set()
        cls.df = df[df["item_id"].isin(df["item_id"].unique()[::10])].reset_index(drop=True)
        result = embed_paths(cls.df["path"], "efficientnet-lite0")
        cls.vectors = result.vectors
        cls.table = with_embeddings(set_to_table(cls.df), result.kept, result.vectors, "efficientnet-lite0")

    def setUp(self):
        self.widget = self.create_widget(OWConsumerShopRetrieval)

    def test_accuracy_and_matches_are_the_librarys(self):
        self.widget.k = 3
        self.send_signal(self.widget.Inputs.embeddings, self.table)
        expected = retrieve(self.df, self.vectors)
        accuracy = self.get_output(self.widget.Outputs.accuracy)
        self.assertEqual(list(accuracy.get_column("k")), [1, 5, 10, 20])
        np.testing.assert_allclose(accuracy.get_column("accuracy"), list(expected.accuracy().values()))
        matches = self.get_output(self.widget.Outputs.matches)
        self.assertEqual(len(matches), 3 * len(expected.queries))
        self.assertEqual(self.widget.grid.count(), 2 * (1 + 3))
        self.assertIn("top-1", self.widget.accuracy_label.text())

    def test_other_numeric_columns_are_not_embedding(self):
        """A detector's score and box columns before the embedder's must not change the result."""
        base = set_to_table(self.df)
        extra = [ContinuousVariable(name) for name in ("score", "x0", "y0", "x1", "y1")]
        rng = np.random.default_rng(0)
        with_box = Table.from_numpy(Domain(extra, base.domain.class_vars, base.domain.metas),
                                    rng.uniform(0, 300, (len(base), 5)), base.Y, base.metas)
        result = embed_paths(self.df["path"], "efficientnet-lite0")
        table = with_embeddings(with_box, result.kept, result.vectors, "efficientnet-lite0")
        self.send_signal(self.widget.Inputs.embeddings, table)
        accuracy = self.get_output(self.widget.Outputs.accuracy)
        expected = retrieve(self.df, self.vectors)
        np.testing.assert_allclose(accuracy.get_column("accuracy"), list(expected.accuracy().values()))

    def test_table_that_is_not_a_set_is_an_error(self):
        table = Table.from_numpy(Domain([ContinuousVariable("x")]), np.ones((3, 1)))
        self.send_signal(self.widget.Inputs.embeddings, table)
        self.assertTrue(self.widget.Error.not_a_set.is_shown())
        self.assertIsNone(self.get_output(self.widget.Outputs.matches))
        self.send_signal(self.widget.Inputs.embeddings, None)
        self.assertFalse(self.widget.Error.not_a_set.is_shown())

    def test_matches_name_their_item_and_say_right_or_wrong(self):
        self.send_signal(self.widget.Inputs.embeddings, self.table)
        matches = self.get_output(self.widget.Outputs.matches)
        correct = matches.domain["correct"]
        self.assertTrue(correct.is_discrete)
        self.assertEqual(set(correct.values), {"right", "wrong"})
        items = matches.get_column("item_id")
        queries = matches.get_column("query item")
        right = [correct.values[int(c)] == "right" for c in matches.get_column(correct)]
        self.assertEqual(right, list(items == queries))
        for label, item, ok in zip(matches.get_column("match"), items, right):
            self.assertIn(item, label)
            self.assertTrue(label.endswith("right" if ok else "wrong"))

    def test_with_auto_apply_off_k_waits_for_apply(self):
        self.send_signal(self.widget.Inputs.embeddings, self.table)
        before = self.get_output(self.widget.Outputs.matches)
        self.widget.auto_apply = False
        self.widget.controls.k.setValue(2)
        self.assertIs(self.get_output(self.widget.Outputs.matches), before)
        self.widget.commit.now()  # what the Apply button does
        self.assertEqual(len(self.get_output(self.widget.Outputs.matches)), 2 * len(self.widget.result.queries))
