"""Fashion Embedder widget: embeddings of an image table, unreadable photos reported, cancel, bad input."""

import shutil
import tempfile

import numpy as np
import pandas as pd
from Orange.data import ContinuousVariable, Domain, Table
from orangewidget.tests.base import WidgetTest

from fashion_ai.consumer_shop import sample_set
from fashion_ai_widgets.owfashionembedder import MODEL_NAMES, OWFashionEmbedder
from fashion_ai_widgets.tables import set_to_table


def small_set(tmp_dir, broken=True):
    """Three sample items (9 photos) as a set table, with an unreadable consumer photo as row 2."""
    df = sample_set()
    df = df[df["item_id"].isin(df["item_id"].unique()[:3])].reset_index(drop=True)
    if broken:
        bad = f"{tmp_dir}/broken.jpg"
        with open(bad, "w") as fh:
            fh.write("not a photo")
        row = pd.DataFrame([{**df.iloc[1].to_dict(), "path": bad}])
        df = pd.concat([df.iloc[:2], row, df.iloc[2:]], ignore_index=True)
    return df


class TestOWFashionEmbedder(WidgetTest):
    def setUp(self):
        self.widget = self.create_widget(OWFashionEmbedder)
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def embed(self, table):
        self.send_signal(self.widget.Inputs.images, table)
        self.wait_until_finished(timeout=120_000)
        return self.get_output(self.widget.Outputs.embeddings), self.get_output(self.widget.Outputs.skipped_images)

    def test_embeds_good_photos_and_reports_the_broken_one(self):
        self.widget.model = "efficientnet-lite0"
        df = small_set(self.tmp)
        embedded, skipped = self.embed(set_to_table(df))
        self.assertEqual(len(embedded), 9)
        new = [v for v in embedded.domain.attributes if v.name.startswith("efficientnet-lite0")]
        self.assertEqual(len(new), 1280)
        self.assertTrue(np.isfinite(embedded.X).all())
        self.assertEqual(list(embedded.get_column("item_id")), list(df.drop(index=2)["item_id"]))
        self.assertEqual(len(skipped), 1)
        self.assertIn("not an image", skipped.get_column("reason")[0])
        self.assertTrue(self.widget.Warning.skipped.is_shown())

    def test_squeezenet_gives_orange_sized_vectors(self):
        self.widget.model = "squeezenet"
        embedded, skipped = self.embed(set_to_table(small_set(self.tmp, broken=False)[:3]))
        self.assertEqual(embedded.X.shape, (3, 1000))
        self.assertIsNone(skipped)

    def test_choosing_a_model_in_the_combo_stores_its_name(self):
        self.widget.controls.model_index.setCurrentIndex(MODEL_NAMES.index("fashion"))
        self.widget.controls.model_index.activated.emit(MODEL_NAMES.index("fashion"))
        self.assertEqual(self.widget.model, "fashion")

    def test_old_settings_keep_their_model(self):
        """Settings saved when the model was stored as a list position open with the same model."""
        for index, name in enumerate(MODEL_NAMES):
            widget = self.create_widget(OWFashionEmbedder,
                                        stored_settings={"model_index": index, "__version__": 1})
            self.assertEqual((widget.model, widget.model_index), (name, index))

    def test_unknown_saved_model_opens_with_a_warning(self):
        widget = self.create_widget(OWFashionEmbedder, stored_settings={"model": "resnet-9000", "__version__": 2})
        self.send_signal(widget.Inputs.images, None, widget=widget)
        self.assertEqual(widget.model, MODEL_NAMES[0])
        self.assertTrue(widget.Warning.unknown_model.is_shown())
        self.assertIn("resnet-9000", widget.Warning.unknown_model.formatted)
        self.assertFalse(widget.Error.active)

    def test_table_without_images_is_an_error(self):
        table = Table.from_numpy(Domain([ContinuousVariable("size")]), np.ones((2, 1)))
        self.send_signal(self.widget.Inputs.images, table)
        self.assertTrue(self.widget.Error.no_image_column.is_shown())
        self.assertIsNone(self.get_output(self.widget.Outputs.embeddings))

    def test_cancel_stops_without_output(self):
        self.send_signal(self.widget.Inputs.images, set_to_table(sample_set()))
        self.widget.cancel_button.click()
        self.wait_until_finished(timeout=60_000)
        self.assertIsNone(self.get_output(self.widget.Outputs.embeddings))
        self.assertIn("embedded so far are cached", self.widget.status.text())

    def test_cancel_after_a_model_change_withdraws_the_old_output(self):
        """Otherwise the output would come from one model while the combo shows another."""
        self.widget.model = "squeezenet"
        embedded, _ = self.embed(set_to_table(small_set(self.tmp, broken=False)[:3]))
        self.assertIsNotNone(embedded)
        self.widget.model = "efficientnet-lite0"
        self.widget.commit.now()
        self.widget.cancel_button.click()
        self.wait_until_finished(timeout=60_000)
        self.assertIsNone(self.get_output(self.widget.Outputs.embeddings))
        self.send_signal(self.widget.Inputs.images, None)
        self.assertIsNone(self.get_output(self.widget.Outputs.embeddings))

    def test_with_auto_apply_off_a_model_change_waits_for_apply(self):
        self.widget.model = "squeezenet"
        embedded, _ = self.embed(set_to_table(small_set(self.tmp, broken=False)[:3]))
        self.widget.auto_apply = False
        self.widget.controls.model_index.setCurrentIndex(MODEL_NAMES.index("efficientnet-lite0"))
        self.widget.controls.model_index.activated.emit(MODEL_NAMES.index("efficientnet-lite0"))
        self.assertIsNone(self.widget.task)
        self.assertIs(self.get_output(self.widget.Outputs.embeddings), embedded)
        self.widget.commit.now()  # what the Apply button does
        self.wait_until_finished(timeout=120_000)
        self.assertEqual(self.get_output(self.widget.Outputs.embeddings).X.shape, (3, 1280))
