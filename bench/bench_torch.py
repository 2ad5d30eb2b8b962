#!/usr/bin/python3
"""PyTorch side of `distill-lab bench`: the same models and training steps as the engine's
(src/core/models/mlp.ts, cnn.ts; src/core/train/step.ts with Adam; Hinton KD), timed the same
way, printed as one JSON object on stdout.

Run by bench/torch-runner.ts with Debian's /usr/bin/python3 (python3-torch); it can also be
run by hand:  /usr/bin/python3 bench/bench_torch.py --cases '[{"id":"mlp","kind":"scratch",
"model":{"arch":"mlp","hidden":[64]}}]'
"""
import argparse
import ctypes
import json
import math
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SHAPE = (1, 28, 28)  # NCHW: Fashion-MNIST's 28×28×1
NUM_CLASSES = 10


class Mlp(nn.Module):
    """Flatten, Dense+ReLU per hidden size, then the linear head (as mlp.ts + zoo.ts)."""

    def __init__(self, hidden):
        super().__init__()
        layers, fan_in = [nn.Flatten()], math.prod(INPUT_SHAPE)
        for units in hidden:
            linear = nn.Linear(fan_in, units)
            nn.init.trunc_normal_(linear.weight, std=math.sqrt(2.0 / fan_in))  # he_normal
            nn.init.zeros_(linear.bias)
            layers += [linear, nn.ReLU()]
            fan_in = units
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(fan_in, NUM_CLASSES)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        return self.head(self.body(x))


class Cnn(nn.Module):
    """Per width: Conv3x3 'same' (no bias) → BN → ReLU → MaxPool2 (while spatial ≥ 2), then
    global average pooling and the linear head (as cnn.ts + zoo.ts; BN with Keras' defaults)."""

    def __init__(self, widths):
        super().__init__()
        layers, channels, spatial = [], INPUT_SHAPE[0], INPUT_SHAPE[1]
        for filters in widths:
            conv = nn.Conv2d(channels, filters, 3, padding=1, bias=False)
            nn.init.trunc_normal_(conv.weight, std=math.sqrt(2.0 / (channels * 9)))
            # Keras BatchNormalization: epsilon 1e-3, moving-average momentum 0.99 (= torch 0.01).
            layers += [conv, nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01), nn.ReLU()]
            if spatial >= 2:
                layers.append(nn.MaxPool2d(2, 2))
                spatial //= 2
            channels = filters
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(channels, NUM_CLASSES)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        return self.head(self.body(x).mean(dim=(2, 3)))


def build(spec):
    if spec["arch"] == "mlp":
        return Mlp(spec["hidden"])
    if spec["arch"] == "cnn":
        return Cnn(spec["widths"])
    raise ValueError(f"bench_torch: unsupported arch {spec['arch']!r}")


def make_step(case, x, y, temperature, alpha):
    model = build(case["model"]).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    teacher = None
    if case["kind"] == "kd":
        teacher = build(case["teacher"]).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)

    def step():
        if teacher is not None:
            with torch.no_grad():
                teacher_logits = teacher(x)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        if teacher is not None:
            # Hinton KD: (1−α)·CE + α·T²·KL(p_t ‖ p_s), KL summed over classes, batch mean.
            kl = F.kl_div(
                F.log_softmax(logits / temperature, dim=1),
                F.log_softmax(teacher_logits / temperature, dim=1),
                reduction="batchmean",
                log_target=True,
            )
            loss = (1 - alpha) * loss + alpha * temperature * temperature * kl
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        # trainStep reads its losses and the correct count back every step; so does this.
        correct = (logits.detach().argmax(dim=1) == y).sum()
        loss.item()
        correct.item()

    return step


def time_steps(step, n):
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        step()
    return {"wallSec": time.perf_counter() - wall0, "cpuSec": time.process_time() - cpu0}


def summarise(reps, steps, batch, warmup, cold_only):
    samples = batch * steps
    return {
        "samplesPerSec": statistics.median(samples / r["wallSec"] for r in reps),
        "samplesPerCpuSec": statistics.median(samples / max(r["cpuSec"], 1e-6) for r in reps),
        "msPerStep": statistics.median(r["wallSec"] * 1000 / steps for r in reps),
        "stepsPerRep": steps,
        "repeats": len(reps),
        "warmup": 0 if cold_only else warmup,
        "reps": reps,
        "coldOnly": cold_only,
    }


def measure(step, batch, warmup, steps, repeats, target_rep_sec, max_steps, slow_step_sec=2.0, give_up_step_sec=8.0):
    """As bench/timing.ts: warm-up, optional calibration, then timed repetitions."""
    last = 0.0
    for i in range(warmup):
        first = time_steps(step, 1)
        last = first["wallSec"]
        if i == 0 and last > give_up_step_sec:
            return summarise([first], 1, batch, 1, True)
        if last > slow_step_sec:
            warmup, repeats = i + 1, min(repeats, 3)
            break
    if steps is None:
        probe = last if last > 0 else time_steps(step, 1)["wallSec"]
        steps = max(1, min(max_steps, round(target_rep_sec / max(probe, 1e-4))))
    reps = [time_steps(step, steps) for _ in range(repeats)]
    return summarise(reps, steps, batch, warmup, False)


def mapped_libraries(words):
    """Shared objects of this process whose file name holds one of `words` (from /proc/self/maps)."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split(None, 5)
                if len(parts) == 6:
                    path = parts[5].strip()
                    name = os.path.basename(path).lower()
                    if any(w in name for w in words) and path not in found:
                        found.append(path)
    except OSError:
        pass
    return found


def blas_info():
    libs = mapped_libraries(("blas", "lapack", "mkl", "dnnl", "gomp", "omp"))
    blas_libs = [p for p in libs if "blas" in os.path.basename(p).lower() or "mkl" in os.path.basename(p).lower()]
    info = {"libraries": libs}
    openblas = [p for p in blas_libs if "openblas" in p.lower()]
    if openblas:
        info["kind"] = "OpenBLAS"
        for path in openblas:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_config.restype = ctypes.c_char_p
                lib.openblas_get_corename.restype = ctypes.c_char_p
                info["openblasConfig"] = lib.openblas_get_config().decode()
                info["openblasCore"] = lib.openblas_get_corename().decode()
                info["openblasThreads"] = lib.openblas_get_num_threads()
                break
            except (OSError, AttributeError):
                continue
    elif any("mkl" in p.lower() for p in blas_libs):
        info["kind"] = "MKL"
    elif blas_libs:
        info["kind"] = "reference BLAS (netlib)"
    else:
        info["kind"] = "none mapped"
    info["summary"] = f"{info['kind']}: " + (", ".join(blas_libs) if blas_libs else "-")
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", required=True, help="JSON list of {id, kind, model, teacher}")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=None, help="steps per repetition (default: calibrate)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--target-rep-sec", type=float, default=0.5)
    parser.add_argument("--max-steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--temperature", type=float, default=4.0)
    parser.add_argument("--alpha", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    x = torch.rand((args.batch, *INPUT_SHAPE), generator=generator)
    y = torch.randint(0, NUM_CLASSES, (args.batch,), generator=generator)

    results = []
    for case in json.loads(args.cases):
        step = make_step(case, x, y, args.temperature, args.alpha)
        result = measure(step, args.batch, args.warmup, args.steps, args.repeats, args.target_rep_sec, args.max_steps)
        results.append({"id": case["id"], **result})
        print(f"torch {case['id']}: {result['samplesPerSec']:.0f} samples/s", file=sys.stderr, flush=True)

    json.dump(
        {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "threads": torch.get_num_threads(),
            "interopThreads": torch.get_num_interop_threads(),
            "mkldnn": torch.backends.mkldnn.is_available(),
            "blas": blas_info(),
            "ldLibraryPath": os.environ.get("LD_LIBRARY_PATH"),
            "cases": results,
            # Every CPU-second this process used, start-up included (the caller's load estimate).
            "cpuSecTotal": time.process_time(),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
