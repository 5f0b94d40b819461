"""torchvision through the kit's one import works next to the CPU torch (nms included)."""

import torch

from fashion_ai.tv import nms_reference, torchvision


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9.0]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.95])
    assert nms_reference(boxes, scores, 0.5).tolist() == [3, 2]
    assert torchvision.ops.nms(boxes, scores, 0.5).tolist() == [3, 2]


def test_nms_of_nothing_is_empty():
    kept = torchvision.ops.nms(torch.zeros((0, 4)), torch.zeros(0), 0.5)
    assert kept.numel() == 0 and kept.dtype == torch.int64


def test_batched_nms_separates_classes():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11.0]])
    scores = torch.tensor([0.9, 0.8])
    assert torchvision.ops.batched_nms(boxes, scores, torch.tensor([0, 1]), 0.5).tolist() == [0, 1]
    assert torchvision.ops.batched_nms(boxes, scores, torch.tensor([0, 0]), 0.5).tolist() == [0]


def test_a_torchvision_detector_runs_end_to_end():
    model = torchvision.models.detection.ssdlite320_mobilenet_v3_large(
        weights=None, weights_backbone=None, num_classes=3).eval()
    with torch.no_grad():
        out = model([torch.rand(3, 160, 200)])[0]
    assert set(out) == {"boxes", "scores", "labels"}
    assert out["boxes"].shape[1] == 4
