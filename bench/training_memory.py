"""Training steps of the real-photo garment classifier with glibc's default allocator settings against
`fashion_ai.allocator.keep_freed_memory` (what `fashion-ai clothing-train` calls), each in a fresh process.

Both sides run the same steps: EfficientNet-Lite0 with its 10-class head, batches of 32 pictures at 192 px,
forward, backward and AdamW update, the first steps left out of the clock. Reported per side: seconds per
step, system CPU seconds and minor page faults over the timed steps. The last line is one JSON object.

    python bench/training_memory.py [--steps 12]
"""

import argparse
import json
import resource
import subprocess
import sys
import time

WARM_UP_STEPS = 2


def run_steps(steps, keep):
    """Time `steps` training steps in this process; returns the figures as a dict."""
    import numpy as np
    import torch

    from fashion_ai.allocator import keep_freed_memory
    from fashion_ai.clothing_classifier import ClothingNet

    agreed = keep_freed_memory() if keep else False
    torch.manual_seed(0)
    net = ClothingNet(pretrained=False).train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)
    pictures = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (32, 192, 192, 3), dtype=np.uint8))
    targets = torch.arange(32) % 10
    for step in range(WARM_UP_STEPS + steps):
        if step == WARM_UP_STEPS:
            before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        loss = torch.nn.functional.cross_entropy(net(pictures), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {"allocator_agreed": agreed, "seconds_per_step": round(seconds / steps, 3),
            "system_cpu_s": round(after.ru_stime - before.ru_stime, 2),
            "minor_page_faults": after.ru_minflt - before.ru_minflt}


def in_fresh_process(steps, keep):
    """`run_steps` in a new interpreter, so the two allocator settings never share a heap."""
    flag = ["--keep"] if keep else []
    out = subprocess.run([sys.executable, __file__, "--side", "--steps", str(steps), *flag],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12, help="timed training steps per side (default 12)")
    parser.add_argument("--side", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(run_steps(args.steps, args.keep)))
        return
    default, kept = in_fresh_process(args.steps, keep=False), in_fresh_process(args.steps, keep=True)
    result = {"steps": args.steps, "default": default, "keep_freed_memory": kept,
              "speedup": round(default["seconds_per_step"] / kept["seconds_per_step"], 2)}
    print(f"classifier training step, batch 32 at 192 px: default allocator {default['seconds_per_step']} s "
          f"({default['minor_page_faults']} page faults), freed memory kept {kept['seconds_per_step']} s "
          f"({kept['minor_page_faults']}); {result['speedup']}x", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
