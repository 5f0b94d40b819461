"""How the classifier evaluation commands print an accuracy result (shared by fmnist-eval and clothing-eval)."""

import json


def print_accuracy(result, as_json, what):
    """One JSON line (`as_json`), or the overall accuracy on `what` and one line per class."""
    if as_json:
        print(json.dumps(result))
        return
    print(f"accuracy {result['accuracy']:.4f} on {result['images']} {what}")
    for name, accuracy in result["per_class"].items():
        print(f"  {name:12s} {accuracy:.3f}")
