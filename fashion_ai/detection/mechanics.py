"""SSD's steps between the network's raw outputs and its loss or its detections, taken apart on one picture.

torchvision's SSD runs these steps inside `forward` (training) and `postprocess_detections` (inference);
here each one is its own function, so a notebook can look at its result:
1. match_default_boxes: which default boxes are positives (IoU with a garment above the model's threshold,
   plus each garment's single best default box, so no garment is left without one);
2. mined_negatives: which background boxes the classification loss keeps (the hardest ones, a fixed number
   per positive), since thousands of easy background boxes would otherwise drown the garments;
3. loss_terms: the classification and box-regression terms, each divided by the number of positives;
4. before_after_nms: every scored box the network proposes, and what non-maximum suppression keeps.
They use the model's own parts (anchor_generator, proposal_matcher, box_coder, neg_to_pos_ratio,
nms_thresh), so they work for any checkpoint of the kit's SSD variants. Boxes are in the model's input frame
(the picture resized to the network's input size), where the default boxes live.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..tv import torchvision


@dataclass
class SSDPass:
    """One picture through the SSD as in training, up to and including the matching of default boxes."""

    image: torch.Tensor         # (3, H, W) the picture as the network sees it, values in [0, 1] (for drawing)
    boxes: torch.Tensor         # (K, 4) the garments' boxes in the input frame
    labels: torch.Tensor        # (K,) their category ids (0 is background)
    default_boxes: torch.Tensor  # (A, 4) every default box
    head_outputs: dict          # "cls_logits" (1, A, classes) and "bbox_regression" (1, A, 4)
    iou: torch.Tensor           # (K, A) IoU of each garment with each default box
    matched: torch.Tensor       # (A,) index of the garment each default box is matched to, -1 for background
    threshold: float            # the IoU a default box needs to be a positive by overlap alone

    @property
    def positives(self):
        """Indices of the default boxes matched to a garment (they learn its class and its box)."""
        return torch.where(self.matched >= 0)[0]

    @property
    def best(self):
        """Each garment's default box of highest IoU: the best-match rule makes it a positive whatever its IoU."""
        return self.iou.argmax(1) if len(self.boxes) else torch.zeros(0, dtype=torch.int64)

    def matched_iou(self):
        """(A,) IoU of each default box with the garment it is matched to (0 for background boxes)."""
        out = torch.zeros(len(self.matched))
        pos = self.positives
        out[pos] = self.iou[self.matched[pos], pos]
        return out

    def by_best_rule_only(self):
        """Positives whose IoU is under the threshold: only the best-match rule made them positives."""
        pos = self.positives
        return pos[self.matched_iou()[pos] < self.threshold]

    def counts(self):
        """How many default boxes in all, how many positives, and how many of those only by the best-match rule."""
        return {"default boxes": len(self.default_boxes), "garments": len(self.boxes),
                "positives": len(self.positives), "positives by best match only": len(self.by_best_rule_only())}

    def per_garment(self, categories=None):
        """One row per garment: its class, size in the input frame, its positives and its best IoU."""
        rows = []
        for k, (box, label) in enumerate(zip(self.boxes.tolist(), self.labels.tolist())):
            rows.append({"garment": categories[label - 1] if categories else label,
                         "size (px)": f"{box[2] - box[0]:.0f}x{box[3] - box[1]:.0f}",
                         "best IoU": round(float(self.iou[k].max()), 2),
                         f"default boxes with IoU >= {self.threshold}": int((self.iou[k] >= self.threshold).sum()),
                         "positives": int((self.matched == k).sum())})
        return rows


def _as_target(target):
    boxes = torch.as_tensor(target["boxes"], dtype=torch.float32).reshape(-1, 4)
    return {"boxes": boxes, "labels": torch.as_tensor(target["labels"], dtype=torch.int64).reshape(-1)}


def _network_pass(model, image_tensor, target=None):
    """Resize and normalise as the model does, run backbone and heads; (ImageList, targets, outputs, anchors)."""
    targets = [_as_target(target)] if target is not None else None
    with torch.no_grad():
        images, targets = model.transform([image_tensor], targets)
        features = list(model.backbone(images.tensors).values())
        head_outputs = model.head(features)
        anchors = model.anchor_generator(images, features)[0]
    return images, targets, head_outputs, anchors


def _shown_image(model, images):
    mean = torch.as_tensor(model.transform.image_mean).view(3, 1, 1)
    std = torch.as_tensor(model.transform.image_std).view(3, 1, 1)
    return (images.tensors[0] * std + mean).clamp(0, 1)


def match_default_boxes(model, image_tensor, target):
    """Run one picture (float CHW in [0, 1]) with its garments ({"boxes": [[x0, y0, x1, y1]], "labels"}) and
    match the default boxes as SSD training does, with the model's own proposal_matcher: a default box is a
    positive for the garment it overlaps most when that IoU reaches the threshold, and each garment also takes
    its single best default box, so a small or oddly shaped garment still has something to learn from."""
    was_training = model.training
    model.eval()  # batch-norm statistics stay fixed: looking must not change the model
    try:
        images, targets, head_outputs, anchors = _network_pass(model, image_tensor, target)
    finally:
        model.train(was_training)
    boxes, labels = targets[0]["boxes"], targets[0]["labels"]
    iou = torchvision.ops.box_iou(boxes, anchors)
    if len(boxes):
        matched = model.proposal_matcher(iou)
    else:  # as in SSD.forward: no garment, every default box is background
        matched = torch.full((len(anchors),), -1, dtype=torch.int64)
    return SSDPass(_shown_image(model, images), boxes, labels, anchors, head_outputs, iou, matched,
                   float(model.proposal_matcher.high_threshold))


@dataclass
class MinedNegatives:
    """Hard-negative mining on one picture: which background default boxes the classification loss keeps."""

    class_loss: torch.Tensor    # (A,) cross-entropy of every default box against its target class
    class_targets: torch.Tensor  # (A,) the class each default box should predict (0: background)
    positives: torch.Tensor     # indices of the positives
    negatives: torch.Tensor     # indices of the kept (mined) negatives, hardest first
    available: int              # how many background default boxes there were to choose from
    ratio: float                # negatives kept per positive

    def counts(self):
        return {"positives": len(self.positives), "background boxes": self.available,
                f"negatives kept ({self.ratio:g} per positive, at most all)": len(self.negatives)}

    def kept_loss_share(self):
        """The share of all background boxes' classification loss that the kept negatives carry."""
        total = float(self.class_loss[self.class_targets == 0].sum())
        return float(self.class_loss[self.negatives].sum()) / total if total else 0.0


def mined_negatives(model, ssd_pass):
    """Rank the background default boxes by their classification loss and keep the hardest ones,
    model.neg_to_pos_ratio per positive (at most as many as there are): the rest are easy background that
    would otherwise outnumber the garments a thousand to one and teach the network to say "background"."""
    logits = ssd_pass.head_outputs["cls_logits"][0]
    targets = torch.zeros(len(logits), dtype=torch.int64)
    positives = ssd_pass.positives
    targets[positives] = ssd_pass.labels[ssd_pass.matched[positives]]
    class_loss = F.cross_entropy(logits, targets, reduction="none")
    background = torch.where(targets == 0)[0]
    keep = min(int(model.neg_to_pos_ratio * len(positives)), len(background))
    hardest = class_loss[background].argsort(descending=True)[:keep]
    return MinedNegatives(class_loss, targets, positives, background[hardest], len(background),
                          float(model.neg_to_pos_ratio))


def loss_terms(model, ssd_pass, mined=None):
    """SSD's two loss terms on one picture, each divided by the number of positives (at least 1):
    classification, the cross-entropy over the positives and the mined negatives; box regression, the
    smooth-L1 distance between the predicted offsets and the positives' encoded offsets (model.box_coder:
    centre shift in units of the default box, log of the size ratio). Also returns the parts and the offsets."""
    mined = mined if mined is not None else mined_negatives(model, ssd_pass)
    pos = ssd_pass.positives
    n = max(1, len(pos))
    predicted = ssd_pass.head_outputs["bbox_regression"][0][pos]
    target = model.box_coder.encode_single(ssd_pass.boxes[ssd_pass.matched[pos]], ssd_pass.default_boxes[pos])
    on_positives = mined.class_loss[pos].sum() / n
    on_negatives = mined.class_loss[mined.negatives].sum() / n
    box = F.smooth_l1_loss(predicted, target, reduction="sum") / n
    return {"classification": float(on_positives + on_negatives), "bbox_regression": float(box),
            "positives": len(pos), "classification on positives": float(on_positives),
            "classification on mined negatives": float(on_negatives),
            "predicted offsets": predicted, "target offsets": target}


def torchvision_loss(model, ssd_pass):
    """The same two terms from torchvision's own model.compute_loss, for comparison with loss_terms."""
    target = [{"boxes": ssd_pass.boxes, "labels": ssd_pass.labels}]
    with torch.no_grad():
        losses = model.compute_loss(target, ssd_pass.head_outputs, [ssd_pass.default_boxes], [ssd_pass.matched])
    return {k: float(v) for k, v in losses.items()}


def before_after_nms(model, image_tensor, score_threshold=None):
    """Every box the network scores above `score_threshold` (default: the model's) for some class, decoded
    from its default box, and what per-class non-maximum suppression (torchvision.ops.batched_nms at the
    model's nms_thresh) keeps: neighbouring default boxes see the same garment, so without it each garment
    would be found many times. The steps and limits are those of the model's postprocess_detections."""
    was_training = model.training
    model.eval()
    try:
        images, _, head_outputs, anchors = _network_pass(model, image_tensor)
    finally:
        model.train(was_training)
    threshold = model.score_thresh if score_threshold is None else score_threshold
    scores = F.softmax(head_outputs["cls_logits"][0], dim=-1)
    decoded = model.box_coder.decode_single(head_outputs["bbox_regression"][0], anchors)
    decoded = torchvision.ops.clip_boxes_to_image(decoded, images.image_sizes[0])
    boxes, kept_scores, labels = [], [], []
    for label in range(1, scores.size(1)):
        score = scores[:, label]
        keep = torch.where(score > threshold)[0]
        top = score[keep].topk(min(model.topk_candidates, len(keep))).indices
        boxes.append(decoded[keep[top]])
        kept_scores.append(score[keep[top]])
        labels.append(torch.full((len(top),), label, dtype=torch.int64))
    before = {"boxes": torch.cat(boxes), "scores": torch.cat(kept_scores), "labels": torch.cat(labels)}
    keep = torchvision.ops.batched_nms(before["boxes"], before["scores"], before["labels"], model.nms_thresh)
    keep = keep[:model.detections_per_img]
    after = {k: v[keep] for k, v in before.items()}
    return {"image": _shown_image(model, images), "before": before, "after": after,
            "score_threshold": float(threshold), "iou_threshold": float(model.nms_thresh)}
