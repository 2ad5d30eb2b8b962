#!/usr/bin/python3
"""PyTorch side of `distill-lab bench`: the same models and training steps as the engine's
(src/core/models/mlp.ts, cnn.ts, resnet.ts, transformer.ts; src/core/train/step.ts with the case's optimiser;
Hinton KD), timed the same way, printed as one JSON object on stdout.

Each case carries its own input shape, class count, batch size and optimiser, and the engine's
parameter counts (`expectParams`): a case whose PyTorch models count differently is not timed
and is reported with an error.

Run by bench/torch-runner.ts with Debian's /usr/bin/python3 (python3-torch); it can also be
run by hand:  /usr/bin/python3 bench/bench_torch.py --cases '[{"id":"mlp","kind":"scratch",
"model":{"arch":"mlp","hidden":[64]},"inputShape":[28,28,1],"numClasses":10,"batchSize":128}]'
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

# Keras/tfjs BatchNormalization as the engine builds it (models/init.ts BN_MOMENTUM 0.9, the
# layer's default epsilon 1e-3). Keras' momentum m weighs the old moving value; PyTorch's weighs
# the new batch value: torch momentum = 1 - 0.9.
BN_EPS = 1e-3
BN_MOMENTUM = 0.1

DEFAULT_OPTIMIZER = {"kind": "adam", "learningRate": 1e-3}


def he_normal_(weight, fan_in):
    """tfjs heNormal: truncated normal (cut at 2 standard deviations), stddev sqrt(2 / fan_in)."""
    std = math.sqrt(2.0 / fan_in)
    nn.init.trunc_normal_(weight, std=std, a=-2 * std, b=2 * std)


def batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


def head(fan_in, num_classes):
    """The zoo's classifier (zoo.ts): dense with bias, glorot-uniform kernel."""
    linear = nn.Linear(fan_in, num_classes)
    nn.init.xavier_uniform_(linear.weight)
    nn.init.zeros_(linear.bias)
    return linear


class SameConv2d(nn.Conv2d):
    """Conv2d without bias and with TensorFlow's 'same' padding: out = ceil(in / stride), the
    padding split as TF does (the extra pixel after: bottom/right). Symmetric cases (stride 1,
    odd kernel) use the native padding; a 3×3 stride-2 conv on an even size pads (0, 1)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0, bias=False)
        he_normal_(self.weight, in_channels * kernel_size * kernel_size)
        self._pads = {}

    def _padding(self, h, w):
        key = (h, w)
        if key not in self._pads:
            pads = []
            for size in (h, w):
                out = -(-size // self.stride[0])
                total = max((out - 1) * self.stride[0] + self.kernel_size[0] - size, 0)
                pads.append((total // 2, total - total // 2))
            (top, bottom), (left, right) = pads
            self._pads[key] = (top, None) if top == bottom and left == right and top == left else (None, (left, right, top, bottom))
        return self._pads[key]

    def forward(self, x):
        symmetric, pad = self._padding(x.shape[2], x.shape[3])
        if symmetric is not None:
            return F.conv2d(x, self.weight, None, self.stride, symmetric)
        return F.conv2d(F.pad(x, pad), self.weight, None, self.stride, 0)


class Mlp(nn.Module):
    """Flatten, Dense+ReLU per hidden size, then the linear head (as mlp.ts + zoo.ts)."""

    def __init__(self, hidden, input_shape, num_classes):
        super().__init__()
        layers, fan_in = [nn.Flatten()], math.prod(input_shape)
        for units in hidden:
            linear = nn.Linear(fan_in, units)
            he_normal_(linear.weight, fan_in)
            nn.init.zeros_(linear.bias)
            layers += [linear, nn.ReLU()]
            fan_in = units
        self.body = nn.Sequential(*layers)
        self.head = head(fan_in, num_classes)

    def forward(self, x):
        return self.head(self.body(x))


class Cnn(nn.Module):
    """Per width: Conv3x3 'same' (no bias) → BN → ReLU → MaxPool2 (while spatial ≥ 2), then
    global average pooling, or with `dense` > 0 flatten → Dense+ReLU, and the linear head (as
    cnn.ts + zoo.ts)."""

    def __init__(self, widths, dense, input_shape, num_classes):
        super().__init__()
        channels, spatial, spatial_w = input_shape[0], input_shape[1], input_shape[2]
        layers = []
        for filters in widths:
            layers += [SameConv2d(channels, filters, 3), batch_norm(filters), nn.ReLU()]
            if spatial >= 2:
                layers.append(nn.MaxPool2d(2, 2))
                spatial, spatial_w = spatial // 2, spatial_w // 2
            channels = filters
        self.body = nn.Sequential(*layers)
        self.fc = None
        fan_in = channels
        if dense > 0:
            self.fc = nn.Linear(channels * spatial * spatial_w, dense)
            he_normal_(self.fc.weight, channels * spatial * spatial_w)
            nn.init.zeros_(self.fc.bias)
            fan_in = dense
        self.head = head(fan_in, num_classes)

    def forward(self, x):
        x = self.body(x)
        if self.fc is not None:
            # Keras flattens NHWC: the same weights need channels last, but the count and cost do not.
            x = F.relu(self.fc(x.permute(0, 2, 3, 1).flatten(1)))
        else:
            x = x.mean(dim=(2, 3))
        return self.head(x)


class BasicBlock(nn.Module):
    """resnet.ts's block: conv3x3(stride) → BN → ReLU → conv3x3 → BN, plus the shortcut (1×1
    conv(stride) → BN when the stride or the width changes, else identity), then ReLU."""

    def __init__(self, in_channels, filters, stride):
        super().__init__()
        self.conv_a = SameConv2d(in_channels, filters, 3, stride)
        self.bn_a = batch_norm(filters)
        self.conv_b = SameConv2d(filters, filters, 3, 1)
        self.bn_b = batch_norm(filters)
        self.shortcut = None
        if stride != 1 or in_channels != filters:
            self.shortcut = nn.Sequential(SameConv2d(in_channels, filters, 1, stride), batch_norm(filters))

    def forward(self, x):
        out = self.bn_b(self.conv_b(F.relu(self.bn_a(self.conv_a(x)))))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    """CIFAR-style ResNet exactly as the engine's resnet.ts: depth 6n+2; a stem conv3x3 → BN →
    ReLU at 16·w channels; three stages of n basic blocks at 16·w, 32·w, 64·w channels, strides
    1, 2, 2; global average pooling; the linear head. Matches RepDistiller's resnet20/resnet56
    in structure and parameter count; its resnet8x4/resnet32x4 (num_filters [32, 64, 128, 256])
    have a 32-channel stem where the engine's ×4 has 64 (and so no 1×1 shortcut in the first
    block): 17,184 parameters fewer than here. RepDistiller's BN epsilon is PyTorch's 1e-5, its
    stride-2 convs pad (1, 1); the engine's are Keras' 1e-3 and TF 'same' (0, 1)."""

    def __init__(self, depth, width_multiplier, input_shape, num_classes):
        super().__init__()
        if (depth - 2) % 6 != 0:
            raise ValueError(f"resnet depth must be 6n+2, got {depth}")
        n = (depth - 2) // 6
        widths = [c * width_multiplier for c in (16, 32, 64)]
        self.stem = nn.Sequential(SameConv2d(input_shape[0], widths[0], 3), batch_norm(widths[0]), nn.ReLU())
        blocks, channels = [], widths[0]
        for stage, filters in enumerate(widths):
            for b in range(n):
                blocks.append(BasicBlock(channels, filters, 2 if stage > 0 and b == 0 else 1))
                channels = filters
        self.blocks = nn.Sequential(*blocks)
        self.head = head(channels, num_classes)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean(dim=(2, 3)))


# BERT as the engine builds it (models/transformer.ts, transformer-layers.ts): LayerNorm epsilon
# 1e-12, N(0, 0.02²) weights truncated at 2σ, −10000 added to the attention logits of padded keys.
LAYER_NORM_EPS = 1e-12
BERT_INIT_STD = 0.02
MASK_BIAS = -10000.0


def bert_linear(fan_in, units):
    linear = nn.Linear(fan_in, units)
    nn.init.trunc_normal_(linear.weight, std=BERT_INIT_STD, a=-2 * BERT_INIT_STD, b=2 * BERT_INIT_STD)
    nn.init.zeros_(linear.bias)
    return linear


class BertLayer(nn.Module):
    """One post-LN encoder block: self-attention (query/key/value, softmax over keys with the
    padding bias, dropout on the probabilities, output dense) → dropout → add → LayerNorm; then
    dense → erf GELU → dense → dropout → add → LayerNorm."""

    def __init__(self, hidden, heads, intermediate, dropout):
        super().__init__()
        self.heads, self.head_size = heads, hidden // heads
        self.query, self.key, self.value = bert_linear(hidden, hidden), bert_linear(hidden, hidden), bert_linear(hidden, hidden)
        self.attention_output = bert_linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.intermediate = bert_linear(hidden, intermediate)
        self.output = bert_linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, bias):
        b, length, hidden = x.shape

        def split(t):
            return t.view(b, length, self.heads, self.head_size).transpose(1, 2)

        # q/√d before the product, as the engine does.
        q = split(self.query(x) * (1.0 / math.sqrt(self.head_size)))
        scores = q @ split(self.key(x)).transpose(-1, -2) + bias
        probs = self.dropout(torch.softmax(scores, dim=-1))
        context = (probs @ split(self.value(x))).transpose(1, 2).reshape(b, length, hidden)
        x = self.attention_norm(x + self.dropout(self.attention_output(context)))
        return self.output_norm(x + self.dropout(self.output(F.gelu(self.intermediate(x)))))


class Transformer(nn.Module):
    """The engine's transformer (a BERT encoder over [B, L] token ids, 0 = padding): word +
    position embeddings → LayerNorm → dropout, `layers` BertLayers, the [CLS] state through the
    pooler (dense + tanh), the linear head."""

    def __init__(self, spec, vocab_size, num_classes):
        super().__init__()
        hidden, dropout = spec["hidden"], spec["dropout"]
        intermediate = spec.get("intermediate") or 4 * hidden
        self.word_embeddings = nn.Embedding(vocab_size, hidden)
        self.position_embeddings = nn.Embedding(spec["maxLength"], hidden)
        for table in (self.word_embeddings, self.position_embeddings):
            nn.init.trunc_normal_(table.weight, std=BERT_INIT_STD, a=-2 * BERT_INIT_STD, b=2 * BERT_INIT_STD)
        self.embeddings_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(BertLayer(hidden, spec["heads"], intermediate, dropout) for _ in range(spec["layers"]))
        self.pooler = bert_linear(hidden, hidden)
        self.head = head(hidden, num_classes)

    def forward(self, ids):
        length = ids.shape[1]
        bias = (ids == 0).to(torch.float32)[:, None, None, :] * MASK_BIAS
        x = self.dropout(self.embeddings_norm(self.word_embeddings(ids) + self.position_embeddings.weight[:length]))
        for layer in self.layers:
            x = layer(x, bias)
        return self.head(torch.tanh(self.pooler(x[:, 0])))


def build(spec, input_shape, num_classes, vocab_size=None):
    """`input_shape` is NCHW's (C, H, W) for images; text models take `vocab_size`."""
    arch = spec["arch"]
    if arch == "transformer":
        if vocab_size is None:
            raise ValueError("bench_torch: a transformer case needs vocabSize")
        return Transformer(spec, vocab_size, num_classes)
    if arch == "mlp":
        return Mlp(spec["hidden"], input_shape, num_classes)
    if arch == "cnn":
        return Cnn(spec["widths"], spec.get("dense", 0), input_shape, num_classes)
    if arch == "resnet":
        return ResNet(spec["depth"], spec.get("widthMultiplier", 1), input_shape, num_classes)
    raise ValueError(f"bench_torch: unsupported arch {arch!r}")


def param_count(model):
    """Every parameter (a frozen teacher's too), and the BN moving statistics (running mean and variance; PyTorch's
    num_batches_tracked has no counterpart in the engine): the engine's trainable and
    non-trainable weights."""
    weights = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return {"trainable": weights, "nonTrainable": stats}


def make_optimizer(spec, parameters):
    kind = spec["kind"]
    if kind == "adam":
        return torch.optim.Adam(parameters, lr=spec["learningRate"], betas=(0.9, 0.999))
    if kind == "sgd":
        # tf.train.momentum: accum = m·accum + g; w -= lr·accum — PyTorch's SGD without dampening.
        # The engine adds weight decay to the gradient (step.ts), as SGD's weight_decay does.
        return torch.optim.SGD(parameters, lr=spec["learningRate"], momentum=spec["momentum"], weight_decay=spec.get("weightDecay", 0))
    raise ValueError(f"bench_torch: unsupported optimizer {kind!r}")


def make_step(case, model, teacher, x, y, temperature, alpha):
    model.train()
    optimizer = make_optimizer(case.get("optimizer") or DEFAULT_OPTIMIZER, model.parameters())
    if teacher is not None:
        teacher.eval()
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


def set_blas_threads(threads):
    """OpenBLAS keeps its own thread count, which torch.set_num_threads does not always reach: set it too."""
    for path in mapped_libraries(("openblas",)):
        try:
            ctypes.CDLL(path).openblas_set_num_threads(threads)
            return
        except (OSError, AttributeError):
            continue


def text_batch(case, num_classes, batch, seed):
    """The engine's own token ids (the case's `tokens`, [B, L] row-major) and uniform labels, seeded."""
    length = case["inputShape"][0]
    tokens = case.get("tokens")
    if tokens is None or len(tokens) != batch * length:
        raise ValueError(f"bench_torch: text case {case['id']} needs {batch} x {length} token ids in 'tokens'")
    generator = torch.Generator().manual_seed(seed)
    return torch.tensor(tokens, dtype=torch.long).view(batch, length), torch.randint(0, num_classes, (batch,), generator=generator)


def synthetic_batch(input_shape_hwc, num_classes, batch, seed):
    """One fixed batch: uniform [0, 1) pixels (NCHW) and uniform labels, seeded."""
    generator = torch.Generator().manual_seed(seed)
    h, w, c = input_shape_hwc
    x = torch.rand((batch, c, h, w), generator=generator)
    y = torch.randint(0, num_classes, (batch,), generator=generator)
    return x, y


def fmt_params(p):
    return f"{p['trainable']:,}" + (f" (+{p['nonTrainable']:,} BN stats)" if p["nonTrainable"] else "")


def run_case(case, args, batches):
    """Builds the case's models, checks their parameter counts against the engine's, times the step."""
    num_classes = case.get("numClasses") or 10
    batch = case.get("batchSize") or args.batch
    vocab_size = case.get("vocabSize")
    if vocab_size is not None:
        x, y = text_batch(case, num_classes, batch, args.seed)
        chw = None
    else:
        hwc = tuple(case.get("inputShape") or (28, 28, 1))
        key = (hwc, num_classes, batch)
        if key not in batches:
            batches[key] = synthetic_batch(hwc, num_classes, batch, args.seed)
        x, y = batches[key]
        chw = (hwc[2], hwc[0], hwc[1])
    torch.manual_seed(args.seed)
    model = build(case["model"], chw, num_classes, vocab_size)
    teacher = build(case["teacher"], chw, num_classes, vocab_size) if case["kind"] == "kd" else None
    params = {"model": param_count(model), "teacher": param_count(teacher) if teacher is not None else None}
    expected = case.get("expectParams")
    line = f"torch {case['id']}: params {fmt_params(params['model'])}" + (f", teacher {fmt_params(params['teacher'])}" if teacher is not None else "")
    if expected is not None:
        engine = f"engine {fmt_params(expected['model'])}" + (f", teacher {fmt_params(expected['teacher'])}" if expected.get("teacher") else "")
        if expected != params:
            message = f"PARAMETER COUNT MISMATCH: torch {line.split(': params ', 1)[1]} vs {engine}; not timed"
            print(f"torch {case['id']}: {message}", file=sys.stderr, flush=True)
            return {"id": case["id"], "params": params, "error": message}
        line += " (same as the engine)"
    print(line, file=sys.stderr, flush=True)
    # The case's cores (bench/cases.ts `threads`), so the engine is compared at the same count.
    threads = case.get("threads") or args.threads
    torch.set_num_threads(threads)
    set_blas_threads(threads)
    step = make_step(case, model, teacher, x, y, args.temperature, args.alpha)
    result = measure(step, batch, args.warmup, args.steps, args.repeats, args.target_rep_sec, args.max_steps, give_up_step_sec=args.give_up_step_sec)
    print(f"torch {case['id']}: {result['samplesPerSec']:.1f} samples/s, {result['msPerStep']:.1f} ms/step", file=sys.stderr, flush=True)
    return {"id": case["id"], "params": params, "threads": torch.get_num_threads(), **result}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", required=True, help="JSON list of {id, kind, model, teacher, inputShape [H,W,C] or [L], numClasses, batchSize, optimizer, expectParams; text: vocabSize, tokens}")
    parser.add_argument("--batch", type=int, default=128, help="batch size of a case that names none")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=None, help="steps per repetition (default: calibrate)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--target-rep-sec", type=float, default=0.5)
    parser.add_argument("--max-steps", type=int, default=50)
    parser.add_argument("--give-up-step-sec", type=float, default=8.0, help="a first step slower than this is the only measurement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--temperature", type=float, default=4.0)
    parser.add_argument("--alpha", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    batches = {}
    results = []
    for case in json.loads(args.cases):
        try:
            results.append(run_case(case, args, batches))
        except Exception as error:  # one broken case must not hide the others' results
            print(f"torch {case.get('id')}: ERROR {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            results.append({"id": case.get("id"), "params": None, "error": f"{type(error).__name__}: {error}"})

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
