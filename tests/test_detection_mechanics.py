"""SSD's mechanics taken apart (fashion_ai.detection.mechanics): matching, hard negatives, the loss, NMS.

Run on bundled held-out scenes with the shipped detector; nothing here depends on its particular weights.
"""

import pytest
import torch

from fashion_ai.datasets.scenes import bundled_scenes
from fashion_ai.detection.evaluate import to_tensor
from fashion_ai.detection.mechanics import (before_after_nms, loss_terms, match_default_boxes, mined_negatives,
                                            torchvision_loss)
from fashion_ai.detection.model import build_model, load_checkpoint
from fashion_ai.detection.train import DetectionSet
from fashion_ai.images import load_image
from fashion_ai.tv import torchvision

SCENES = range(4)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return load_checkpoint()[0]


@pytest.fixture(scope="module")
def scenes():
    test_set = DetectionSet.from_coco(bundled_scenes("test") / "instances.json")
    return [(to_tensor(load_image(test_set.paths[i])), {"boxes": test_set.boxes[i], "labels": test_set.labels[i]})
            for i in SCENES]


@pytest.fixture(scope="module")
def passes(model, scenes):
    return [match_default_boxes(model, image, target) for image, target in scenes]


def test_every_garment_gets_a_default_box(model, passes):
    for ssd_pass in passes:
        counts = ssd_pass.counts()
        assert counts["default boxes"] == ssd_pass.head_outputs["cls_logits"].shape[1] > counts["positives"] > 0
        for k in range(len(ssd_pass.boxes)):
            assert (ssd_pass.matched == k).any(), f"garment {k} has no default box"
            assert ssd_pass.matched[ssd_pass.best[k]] == k   # the best-match rule
        # every default box that overlaps some garment enough is a positive, and only those or best matches are
        above = ssd_pass.iou.max(0).values >= model.proposal_matcher.high_threshold
        assert (ssd_pass.matched[above] >= 0).all()
        only_best = set(ssd_pass.by_best_rule_only().tolist())
        assert only_best <= set(ssd_pass.best.tolist())
        assert set(ssd_pass.positives.tolist()) == set(torch.where(above)[0].tolist()) | only_best
        assert counts["positives by best match only"] == len(only_best)


def test_matching_is_the_models_own(model, passes):
    for ssd_pass in passes:
        iou = torchvision.ops.box_iou(ssd_pass.boxes, ssd_pass.default_boxes)
        assert torch.equal(ssd_pass.matched, model.proposal_matcher(iou))
        assert ssd_pass.threshold == model.proposal_matcher.high_threshold


def test_hard_negatives_are_the_costliest_background_boxes(model, passes):
    for ssd_pass in passes:
        mined = mined_negatives(model, ssd_pass)
        background = torch.where(mined.class_targets == 0)[0]
        assert mined.available == len(background) == len(ssd_pass.matched) - len(ssd_pass.positives)
        assert len(mined.negatives) == min(int(model.neg_to_pos_ratio * len(mined.positives)), mined.available)
        assert (mined.class_targets[mined.negatives] == 0).all()
        dropped = torch.ones(len(mined.class_loss), dtype=torch.bool)
        dropped[mined.negatives] = False
        dropped &= mined.class_targets == 0
        assert mined.class_loss[mined.negatives].min() >= mined.class_loss[dropped].max()


def test_no_more_negatives_than_there_are(model, passes):
    ratio = model.neg_to_pos_ratio
    model.neg_to_pos_ratio = 10_000
    try:
        mined = mined_negatives(model, passes[0])
    finally:
        model.neg_to_pos_ratio = ratio
    assert len(mined.negatives) == mined.available


def test_loss_terms_equal_torchvisions_compute_loss(model, passes):
    for ssd_pass in passes:
        terms = loss_terms(model, ssd_pass)
        reference = torchvision_loss(model, ssd_pass)
        target = [{"boxes": ssd_pass.boxes, "labels": ssd_pass.labels}]
        with torch.no_grad():
            direct = model.compute_loss(target, ssd_pass.head_outputs, [ssd_pass.default_boxes], [ssd_pass.matched])
        for key in ("classification", "bbox_regression"):
            assert terms[key] == pytest.approx(float(direct[key]), rel=1e-5) == reference[key]
        assert terms["classification"] == pytest.approx(
            terms["classification on positives"] + terms["classification on mined negatives"])
        assert terms["positives"] == len(ssd_pass.positives)


def test_loss_terms_for_an_untrained_model_and_an_empty_scene(scenes):
    torch.manual_seed(1)
    untrained = build_model(pretrained=False).eval()
    image, target = scenes[0]
    ssd_pass = match_default_boxes(untrained, image, target)
    terms, reference = loss_terms(untrained, ssd_pass), torchvision_loss(untrained, ssd_pass)
    assert terms["classification"] == pytest.approx(reference["classification"], rel=1e-5)
    assert terms["bbox_regression"] == pytest.approx(reference["bbox_regression"], rel=1e-5)
    empty = match_default_boxes(untrained, image, {"boxes": [], "labels": []})
    assert empty.counts()["positives"] == 0 and len(mined_negatives(untrained, empty).negatives) == 0
    assert loss_terms(untrained, empty)["classification"] == 0 == loss_terms(untrained, empty)["bbox_regression"]


def test_looking_does_not_change_the_model(model, scenes):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    try:
        match_default_boxes(model, *scenes[0])
        before_after_nms(model, scenes[0][0])
        assert model.training
    finally:
        model.eval()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_nms_keeps_no_two_overlapping_boxes_of_a_class(model, scenes):
    for (image, _), threshold in zip(scenes, (None, 0.1, None, 0.3)):
        result = before_after_nms(model, image, threshold)
        before, after = result["before"], result["after"]
        assert result["iou_threshold"] == model.nms_thresh
        assert len(after["boxes"]) <= len(before["boxes"])
        assert threshold or len(after["boxes"]), "the model returns no box at its own score threshold"
        assert (before["scores"] > result["score_threshold"]).all()
        for label in after["labels"].unique():
            boxes = after["boxes"][after["labels"] == label]
            iou = torchvision.ops.box_iou(boxes, boxes).fill_diagonal_(0)
            assert (iou <= model.nms_thresh).all()
        # every kept box is one of the boxes before NMS
        assert all((before["boxes"] == box).all(1).any() for box in after["boxes"])


def test_after_nms_is_what_the_model_returns(model, scenes):
    for image, _ in scenes[:1]:
        result = before_after_nms(model, image)
        with torch.no_grad():
            images, _ = model.transform([image])
            features = list(model.backbone(images.tensors).values())
            anchors = model.anchor_generator(images, features)
            own = model.postprocess_detections(model.head(features), anchors, images.image_sizes)[0]
        for key in ("boxes", "scores", "labels"):
            assert torch.allclose(result["after"][key].float(), own[key].float(), atol=1e-5), key
