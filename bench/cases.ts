import { ModelSpec as ModelSpecSchema, type ModelSpecInput as ModelSpec } from '../src/shared/protocol';
import { syntheticTokens } from './synthetic';

/** KD settings of the comparison (RepDistiller's defaults, as in the method registry). */
export const KD_TEMPERATURE = 4;
export const KD_ALPHA = 0.9;

export type StepKind = 'scratch' | 'kd';

/** The synthetic data a case trains on: one fixed batch of this shape. */
export interface Workload {
  /** Short name for the report, e.g. 'fashion-mnist'. */
  name: string;
  /** Images: [H, W, C] (the engine's layout; bench_torch.py transposes to NCHW). Text: [L], token ids. */
  inputShape: number[];
  numClasses: number;
  batchSize: number;
  /** Text only: the vocabulary the token ids come from (rows of the embedding table); see synthetic.ts. */
  vocabSize?: number;
}

/** The optimiser of a case; the PyTorch side uses the same one with the same settings. */
export type BenchOptimizer = { kind: 'adam'; learningRate: number } | { kind: 'sgd'; learningRate: number; momentum: number; weightDecay: number };

export interface BenchCase {
  /** Stable id shared with bench/bench_torch.py. */
  id: string;
  label: string;
  kind: StepKind;
  /** The trained model (teacher or student). */
  model: ModelSpec;
  /** For KD: the frozen teacher, run in inference mode. */
  teacher?: ModelSpec;
  /** Whether the trained model is built as a teacher or a student (layer names only). */
  role: 'teacher' | 'student';
  workload: Workload;
  optimizer: BenchOptimizer;
  /**
   * Cores the step uses: the engine's data-parallel threads (train.threads; each a replica with a
   * share of the batch), and PyTorch's intra-op threads, so each ratio compares equal core counts.
   * Default 1.
   */
  threads?: number;
  /**
   * KD with augmentation: the teacher's logits cannot be cached (no case caches them), and with
   * threads the engine shares them out as a run does (planThreads): the teacher a batch ahead on a
   * thread of its own, or replicas. The augmentation itself is not timed, on either side (PyTorch
   * augments in its DataLoader's worker processes).
   */
  augment?: boolean;
}

/** Fashion-MNIST's shape: 28×28 grey images, 10 classes; batch 128. */
export const FASHION_MNIST: Workload = { name: 'fashion-mnist', inputShape: [28, 28, 1], numClasses: 10, batchSize: 128 };
/** CIFAR-100's shape with RepDistiller's batch size: 32×32×3, 100 classes, batch 64. */
export const CIFAR100: Workload = { name: 'cifar-100', inputShape: [32, 32, 3], numClasses: 100, batchSize: 64 };

/**
 * The text demo's shape: sequences of 64 token ids (padded, see syntheticTokens), the built-in
 * SpamAssassin set's 3 classes, batch 32, a vocabulary of 20,000 compact ids (the order of the
 * ids a WordPiece tokenizer meets in a few thousand e-mails).
 */
export const TEXT: Workload = { name: 'text', inputShape: [64], numClasses: 3, batchSize: 32, vocabSize: 20_000 };

/**
 * `npm run demo:text` as it ended up (src/cli/demo-config.ts DEMO_TEXT_CONFIG): 64 tokens, batch 32;
 * its vocabulary (ids seen twice in the training split: about 8,400) is taken as 10,000.
 */
export const TEXT_DEMO: Workload = { name: 'text-demo', inputShape: [64], numClasses: 3, batchSize: 32, vocabSize: 10_000 };

/** The quick recipe's optimiser (the small cases). */
export const ADAM: BenchOptimizer = { kind: 'adam', learningRate: 1e-3 };
/** RepDistiller's optimiser (train_teacher.py / train_student.py): SGD 0.05, momentum 0.9, weight decay 5e-4. */
export const REPDISTILLER_SGD: BenchOptimizer = { kind: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 };

const MLP_TEACHER: ModelSpec = { arch: 'mlp', hidden: [512, 512] };
const MLP_STUDENT: ModelSpec = { arch: 'mlp', hidden: [64] };
const CNN_TEACHER: ModelSpec = { arch: 'cnn', widths: [32, 64] };
const CNN_STUDENT: ModelSpec = { arch: 'cnn', widths: [8, 16] };
const RESNET56: ModelSpec = { arch: 'resnet', depth: 56, widthMultiplier: 1 };
const RESNET20: ModelSpec = { arch: 'resnet', depth: 20, widthMultiplier: 1 };
const RESNET32X4: ModelSpec = { arch: 'resnet', depth: 32, widthMultiplier: 4 };
const RESNET8X4: ModelSpec = { arch: 'resnet', depth: 8, widthMultiplier: 4 };

// BERT-style encoders (post-LN, erf GELU, tanh pooler) at the text demo's sizes: a 4-layer
// teacher 128 wide with 4 heads, a 2-layer student 64 wide with 2 heads; feed-forward 4 × hidden.
const TRANSFORMER_TEACHER: ModelSpec = { arch: 'transformer', layers: 4, hidden: 128, heads: 4, intermediate: 512, maxLength: 64 };
const TRANSFORMER_STUDENT: ModelSpec = { arch: 'transformer', layers: 2, hidden: 64, heads: 2, intermediate: 256, maxLength: 64 };

// The text demo's own models: teacher 4x64h2, student 2x64h2 (the same width, for DistilBERT's initialisation).
const DEMO_TEACHER: ModelSpec = { arch: 'transformer', layers: 4, hidden: 64, heads: 2, maxLength: 64 };
const DEMO_STUDENT: ModelSpec = { arch: 'transformer', layers: 2, hidden: 64, heads: 2, maxLength: 64 };

const small = { workload: FASHION_MNIST, optimizer: ADAM };
const text = { workload: TEXT, optimizer: ADAM };
const textDemo = { workload: TEXT_DEMO, optimizer: ADAM };
const cifar = { workload: CIFAR100, optimizer: REPDISTILLER_SGD };

export const BENCH_CASES: BenchCase[] = [
  { id: 'mlp-teacher', label: 'mlp 512-512 teacher step', kind: 'scratch', role: 'teacher', model: MLP_TEACHER, ...small },
  { id: 'mlp-student', label: 'mlp 64 student step', kind: 'scratch', role: 'student', model: MLP_STUDENT, ...small },
  { id: 'mlp-kd', label: 'mlp 64 KD step (mlp teacher)', kind: 'kd', role: 'student', model: MLP_STUDENT, teacher: MLP_TEACHER, ...small },
  { id: 'cnn-teacher', label: 'cnn 32-64 teacher step', kind: 'scratch', role: 'teacher', model: CNN_TEACHER, ...small },
  { id: 'cnn-student', label: 'cnn 8-16 student step', kind: 'scratch', role: 'student', model: CNN_STUDENT, ...small },
  { id: 'cnn-kd', label: 'cnn 8-16 KD step (cnn teacher)', kind: 'kd', role: 'student', model: CNN_STUDENT, teacher: CNN_TEACHER, ...small },
  { id: 'resnet56-teacher', label: 'resnet56 teacher step', kind: 'scratch', role: 'teacher', model: RESNET56, ...cifar },
  { id: 'resnet20-student', label: 'resnet20 student step', kind: 'scratch', role: 'student', model: RESNET20, ...cifar },
  { id: 'resnet20-kd', label: 'resnet20 KD step (resnet56 teacher)', kind: 'kd', role: 'student', model: RESNET20, teacher: RESNET56, ...cifar },
  { id: 'resnet32x4-teacher', label: 'resnet32x4 teacher step', kind: 'scratch', role: 'teacher', model: RESNET32X4, ...cifar },
  { id: 'resnet8x4-student', label: 'resnet8x4 student step', kind: 'scratch', role: 'student', model: RESNET8X4, ...cifar },
  { id: 'resnet8x4-kd', label: 'resnet8x4 KD step (resnet32x4 teacher)', kind: 'kd', role: 'student', model: RESNET8X4, teacher: RESNET32X4, ...cifar },
  { id: 'transformer-teacher', label: 'transformer 4x128h4 teacher step', kind: 'scratch', role: 'teacher', model: TRANSFORMER_TEACHER, ...text },
  { id: 'transformer-student', label: 'transformer 2x64h2 student step', kind: 'scratch', role: 'student', model: TRANSFORMER_STUDENT, ...text },
  {
    id: 'transformer-kd',
    label: 'transformer 2x64h2 KD step (4x128h4 teacher)',
    kind: 'kd',
    role: 'student',
    model: TRANSFORMER_STUDENT,
    teacher: TRANSFORMER_TEACHER,
    ...text,
  },
  { id: 'transformer-demo-teacher', label: 'text demo teacher 4x64h2 step', kind: 'scratch', role: 'teacher', model: DEMO_TEACHER, ...textDemo },
  { id: 'transformer-demo-kd', label: 'text demo student 2x64h2 KD step (4x64h2 teacher)', kind: 'kd', role: 'student', model: DEMO_STUDENT, teacher: DEMO_TEACHER, ...textDemo },
];

/** The case on `threads` cores: `<id>-x<threads>`. */
export function onThreads(benchCase: BenchCase, threads: number): BenchCase {
  return { ...benchCase, id: `${benchCase.id}-x${threads}`, label: `${benchCase.label}, ${threads} threads`, threads };
}

// The CIFAR ResNets on two cores as well: the engine's data parallelism against PyTorch's threads.
BENCH_CASES.push(...BENCH_CASES.filter((c) => c.id.startsWith('resnet')).map((c) => onThreads(c, 2)));
// The transformers on two cores too: every text method trains data parallel (dropout masks per shard).
BENCH_CASES.push(...BENCH_CASES.filter((c) => c.id.startsWith('transformer')).map((c) => onThreads(c, 2)));
// KD with augmentation on two cores: resnet56's forward pass is about a resnet20 step, so the run's
// plan puts the teacher on one core, a batch ahead, and the student on the other.
BENCH_CASES.push(onThreads({ ...BENCH_CASES.find((c) => c.id === 'resnet20-kd')!, id: 'resnet20-kd-aug', label: 'resnet20 KD step with augmentation (resnet56 teacher, uncached)', augment: true }, 2));

// What bounds the engine against PyTorch per core (PERF-NOTES, "Headroom per core"): ResNet-20 at
// ~157 samples/s on one thread is ~19 GFLOP/s; WASM SIMD is 128 bits wide (4 float32 lanes) and
// its baseline has no fused multiply-add, while PyTorch's oneDNN/OpenBLAS kernels use AVX2 (8
// lanes) with FMA — up to 4× the multiply-adds per cycle, before memory traffic. Per CPU-second
// the engine reaches 0.6–1.1× PyTorch; across cores it loses to the data-parallel exchange
// (1.55× on 2 threads against a 1.69× two-process ceiling) unless a teacher's forward pass can
// take a core of its own (the -aug case).

export const threadsOf = (benchCase: BenchCase) => benchCase.threads ?? 1;

/**
 * The cases named in `ids` (comma-separated ids, or a list), in the bench's order; a trailing `*`
 * matches a prefix (`resnet*`). Throws on a name that matches nothing, listing the ids.
 */
export function selectCases(ids: string | string[] | undefined, cases: BenchCase[] = BENCH_CASES): BenchCase[] {
  if (ids == null) return cases;
  const wanted = (Array.isArray(ids) ? ids : ids.split(',')).map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0) throw new Error('--cases needs at least one case id');
  const matches = (pattern: string, id: string) => (pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern);
  const unknown = wanted.filter((p) => !cases.some((c) => matches(p, c.id)));
  if (unknown.length) throw new Error(`unknown bench case ${unknown.join(', ')}; the cases are ${cases.map((c) => c.id).join(', ')}`);
  return cases.filter((c) => wanted.some((p) => matches(p, c.id)));
}

/** Parameter counts of one model: trainable weights, and the rest (batch-norm moving statistics). */
export interface ParamCount {
  trainable: number;
  nonTrainable: number;
}

export interface CaseParams {
  model: ParamCount;
  teacher: ParamCount | null;
}

/**
 * The case list in the form bench_torch.py reads (--cases JSON); `expectParams` are the engine's
 * counts, which torch must match. Text cases carry their token ids (`tokens`, row-major [B, L]),
 * so both sides train on the same padding.
 */
export function torchCaseSpecs(cases: BenchCase[], engineParams?: Map<string, CaseParams>): unknown[] {
  return cases.map((c) => ({
    id: c.id,
    kind: c.kind,
    // With the schema's defaults filled in, so python reads every field.
    model: ModelSpecSchema.parse(c.model),
    teacher: c.teacher ? ModelSpecSchema.parse(c.teacher) : null,
    inputShape: c.workload.inputShape,
    numClasses: c.workload.numClasses,
    batchSize: c.workload.batchSize,
    optimizer: c.optimizer,
    threads: threadsOf(c),
    expectParams: engineParams?.get(c.id) ?? null,
    ...(c.workload.vocabSize != null ? { vocabSize: c.workload.vocabSize, tokens: Array.from(syntheticTokens(c.workload).ids) } : {}),
  }));
}

/** 'sgd 0.05 m0.9 wd5e-4' / 'adam 1e-3'. */
export function describeOptimizer(o: BenchOptimizer): string {
  return o.kind === 'adam' ? `adam ${o.learningRate}` : `sgd ${o.learningRate} m${o.momentum}${o.weightDecay ? ` wd${o.weightDecay}` : ''}`;
}

export function describeWorkload(w: Workload): string {
  return w.vocabSize != null ? `${w.inputShape[0]} tokens of ${w.vocabSize}/${w.numClasses}` : `${w.inputShape.join('×')}/${w.numClasses}`;
}
