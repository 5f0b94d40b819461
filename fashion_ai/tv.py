"""The kit's one way to import torchvision: `from fashion_ai.tv import torchvision`.

PyPI's torchvision wheel is a CUDA build. Beside a CPU-only torch its compiled operators fail to load and
`import torchvision` stops with "operator torchvision::nms does not exist" (pytorch/vision#9085). Detection
needs only `nms` from those operators, so when the compiled library cannot load, this module registers a
pure-torch `torchvision::nms` (and `qnms`) before torchvision is imported. Where the compiled operators do
load, it does nothing. Still unavailable in that fallback: roi_pool/roi_align, deform_conv2d and
`torchvision.io` image decoding (the kit reads images with Pillow anyway).
"""

import importlib.util
from pathlib import Path

import torch

_LIBRARY = None  # keeps the fallback operator library alive for the whole process


def _compiled_ops_load() -> bool:
    """True when torchvision's own compiled operators load next to this torch."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False
    for lib in Path(spec.submodule_search_locations[0]).glob("_C*.so"):
        try:
            torch.ops.load_library(str(lib))
            return True
        except (OSError, RuntimeError):
            return False
    return False


def nms_reference(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy non-maximum suppression in plain torch; same contract as torchvision.ops.nms."""
    if boxes.numel() == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    x1, y1, x2, y2 = boxes.unbind(1)
    areas = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        best = order[0]
        keep.append(best)
        rest = order[1:]
        width = (torch.minimum(x2[best], x2[rest]) - torch.maximum(x1[best], x1[rest])).clamp(min=0)
        height = (torch.minimum(y2[best], y2[rest]) - torch.maximum(y1[best], y1[rest])).clamp(min=0)
        inter = width * height
        iou = inter / (areas[best] + areas[rest] - inter).clamp(min=1e-12)
        order = rest[iou <= iou_threshold]
    return torch.stack(keep)


def _register_fallback_ops():
    global _LIBRARY
    if hasattr(torch.ops.torchvision, "nms"):
        return
    _LIBRARY = torch.library.Library("torchvision", "DEF")
    for name in ("nms", "qnms"):
        _LIBRARY.define(f"{name}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _LIBRARY.impl(name, nms_reference, "CompositeExplicitAutograd")


_FALLBACK = not _compiled_ops_load()
if _FALLBACK:
    _register_fallback_ops()

import torchvision  # noqa: E402  (must come after the operators exist)

if _FALLBACK:
    import torchvision.extension  # noqa: E402

    torchvision.extension._has_ops = lambda: True  # ops.nms checks this flag before calling the operator

__all__ = ["torchvision", "nms_reference"]
