// The form's table of methods: one entry per method of MethodConfig, with each parameter's
// label, one-line explanation and the reference it follows. Defaults are not repeated here:
// the form reads them from the schema (schema-defaults.ts). Adding a method is one entry.
import type { MethodConfig, MethodName } from '../src/shared/protocol';

type ParamKey<N extends MethodName> = Exclude<keyof Extract<MethodConfig, { name: N }>, 'name'> & string;

export interface ParamDescriptor<K extends string = string> {
  key: K;
  label: string;
  /** Short form for the comparison table, e.g. `T`, `α`. */
  symbol?: string;
  help: string;
  /**
   * How the form edits it: a number (default), a list of numbers, a choice among the schema's
   * values, a dataset, one model or several as CLI flags (`mlp:256,256; cnn:16,32`), or folders.
   */
  kind?: 'number' | 'list' | 'boolean' | 'choice' | 'dataset' | 'model' | 'models' | 'folders';
  /** No default: empty means the method decides (shown as "not set"). */
  optional?: boolean;
}

export interface MethodDescriptor<N extends MethodName = MethodName> {
  name: N;
  label: string;
  summary: string;
  reference: string;
  /** The models the method trains or reads; the other sections of the form are greyed out. */
  uses: { teacher: boolean | ((method: Record<string, unknown>) => boolean); student: boolean };
  params: ParamDescriptor<ParamKey<N>>[];
}

// Parameters several methods share.
const temperature = { key: 'temperature', label: 'Temperature T', symbol: 'T', help: 'Softens both distributions: p = softmax(z/T); the KL term is scaled by T² to keep gradient sizes.' } as const;
const kdAlpha = { key: 'alpha', label: 'Weight α of the soft targets', symbol: 'α', help: 'Share of the KL term; 1 − α goes to cross-entropy with the labels.' } as const;
const kdWeight = { key: 'kdWeight', label: 'Added KD weight', symbol: 'kd', help: 'Adds kdWeight·T²·KL(p_t‖p_s) to the feature loss (the “+KD” rows of RepDistiller); 0 is off.' } as const;
const kdTemperature = { ...temperature, help: 'Temperature of the added KD term.' } as const;
const usesTeacherWhenKd = (method: Record<string, unknown>) => Number(method.kdWeight ?? 0) > 0;

export const METHODS: { [N in MethodName]?: MethodDescriptor<N> } = {
  teacher: {
    name: 'teacher',
    label: 'Train the teacher',
    summary: 'The teacher alone, with cross-entropy on the labels.',
    reference: '—',
    uses: { teacher: true, student: false },
    params: [],
  },
  scratch: {
    name: 'scratch',
    label: 'Student from scratch',
    summary: 'The student alone, with cross-entropy: the baseline every method is compared with.',
    reference: '—',
    uses: { teacher: false, student: true },
    params: [],
  },
  kd: {
    name: 'kd',
    label: 'Knowledge distillation (Hinton)',
    summary: 'Loss (1−α)·CE + α·T²·KL(p_teacher ‖ p_student) at temperature T.',
    reference: 'Hinton et al. 2015, “Distilling the Knowledge in a Neural Network”; RepDistiller distiller_zoo/KD.py',
    uses: { teacher: true, student: true },
    params: [temperature, kdAlpha],
  },
  unlabeled: {
    name: 'unlabeled',
    label: 'Unlabeled transfer',
    summary: 'Soft targets only (T²·KL), on a transfer set whose labels are never read; another domain is allowed.',
    reference: 'Hinton et al. 2015 §2 (transfer set); cross-domain transfer without labels',
    uses: { teacher: true, student: true },
    params: [temperature, { key: 'transfer', label: 'Transfer set', help: 'Images the student learns from; by default the training images with their labels withheld.', kind: 'dataset' }],
  },
  'multi-teacher': {
    name: 'multi-teacher',
    label: 'Multi-teacher KD',
    summary: 'KD where p_teacher is the weighted mean of several teachers’ probabilities at T.',
    reference: 'TextBrewer MultiTeacherDistiller',
    uses: { teacher: true, student: true },
    params: [
      { key: 'teachers', label: 'More teachers (trained here)', kind: 'models', help: 'Besides the teacher above, as CLI flags separated by “;”, e.g. mlp:256,256; cnn:16,32.' },
      { key: 'checkpoints', label: 'More teachers (saved)', kind: 'folders', help: 'Folders with model.json, separated by “;”; Browse… adds one.' },
      { key: 'weights', label: 'Teacher weights', kind: 'list', optional: true, help: 'One per teacher in the order above; equal when not set.' },
      temperature,
      kdAlpha,
    ],
  },
  'born-again': {
    name: 'born-again',
    label: 'Born-again networks (sequential ensemble)',
    summary: 'Generation g learns from generation g−1 by KD; every generation and their ensemble are reported.',
    reference: 'Furlanello et al. 2018, “Born-Again Neural Networks”',
    uses: { teacher: true, student: false },
    params: [
      { key: 'generations', label: 'Generations', help: 'Students trained one after another, each from the previous one.' },
      { key: 'model', label: 'Generation architecture', kind: 'model', optional: true, help: 'As a CLI flag, e.g. cnn:16,32; by default the teacher’s (the aim is the ensemble, not compression).' },
      temperature,
      kdAlpha,
    ],
  },
  dml: {
    name: 'dml',
    label: 'Deep mutual learning',
    summary: 'K peers learn together: each CE + mean KL(p_j ‖ p_i) to the others, at T = 1; no pre-trained teacher.',
    reference: 'Zhang et al. 2018, “Deep Mutual Learning”',
    uses: { teacher: false, student: true },
    params: [
      { key: 'peers', label: 'Peers K', symbol: 'K', help: 'Networks trained together.' },
      { key: 'models', label: 'Peer architectures', kind: 'models', optional: true, help: 'One per peer as CLI flags separated by “;”; by default every peer is the student.' },
      { key: 'update', label: 'Update', kind: 'choice', help: 'alternating: peers in turn within a step (the paper’s algorithm); simultaneous: one forward pass (the authors’ code).' },
    ],
  },
  fitnet: {
    name: 'fitnet',
    label: 'FitNets (hint)',
    summary: 'CE + β·MSE(r(f_student), f_teacher) on a hint layer, r a learned regressor; one stage, or hint pre-training then KD.',
    reference: 'Romero et al. 2015, “FitNets”; RepDistiller FitNet.py, ConvReg',
    uses: { teacher: true, student: true },
    params: [
      { key: 'beta', label: 'Hint weight β', symbol: 'β', help: 'Weight of the hint MSE.' },
      { key: 'hintLayer', label: 'Teacher hint block', optional: true, help: '0-based; by default the middle block.' },
      { key: 'guidedLayer', label: 'Student guided block', optional: true, help: '0-based; by default the middle block.' },
      { key: 'stages', label: 'Stages', kind: 'choice', help: 'one: hint + CE together; two: the paper’s hint pre-training, then KD.' },
      { key: 'hintEpochs', label: 'Hint-stage epochs', optional: true, help: 'Two stages only; by default the training epochs.' },
      { ...kdAlpha, help: 'KD weight of the second stage.' },
      kdWeight,
      kdTemperature,
    ],
  },
  pkd: {
    name: 'pkd',
    label: 'Patient KD (multi-layer)',
    summary: '(1−α)·CE + α·T²·KL + β·Σ_l MSE of L2-normalised hidden states, student block l matched to a teacher block.',
    reference: 'Sun et al. 2019, “Patient Knowledge Distillation”; PKD-BERT KD_loss.py',
    uses: { teacher: true, student: true },
    params: [
      kdAlpha,
      { key: 'beta', label: 'Hidden-state weight β', symbol: 'β', help: 'Weight of the normalised hidden-state MSE.' },
      { ...temperature, help: 'PKD used T=10 for BERT; 4 suits small networks.' },
      { key: 'strategy', label: 'Layer map', kind: 'choice', help: 'skip: student blocks spread over the teacher’s; last: the teacher’s last blocks.' },
      { key: 'studentLayers', label: 'Student blocks', kind: 'list', optional: true, help: '0-based; by default every block but the last.' },
    ],
  },
  tinybert: {
    name: 'tinybert',
    label: 'TinyBERT (embedding + hidden)',
    summary: 'Stage 1: the first block’s output and the mapped hidden blocks match the teacher’s through learned projections W; stage 2: soft cross-entropy on the predictions.',
    reference: 'Jiao et al. 2020, “TinyBERT”; task_distill.py',
    uses: { teacher: true, student: true },
    params: [
      { ...temperature, help: 'Of the prediction stage’s soft cross-entropy.' },
      { key: 'intermediateEpochs', label: 'Intermediate-stage epochs', optional: true, help: 'By default the training epochs.' },
    ],
  },
  distilbert: {
    name: 'distilbert',
    label: 'DistilBERT (last-layer cosine)',
    summary: 'α_ce·T²·KL + α_cos·(1 − cos(h_student, h_teacher)) on the last hidden representation + α_hard·CE.',
    reference: 'Sanh et al. 2019, “DistilBERT”; distiller.py',
    uses: { teacher: true, student: true },
    params: [
      temperature,
      { key: 'alphaCe', label: 'Soft-target weight α_ce', symbol: 'α_ce', help: 'Weight of T²·KL.' },
      { key: 'alphaCos', label: 'Cosine weight α_cos', symbol: 'α_cos', help: 'Weight of 1 − cosine of the last hidden representations.' },
      { key: 'alphaHard', label: 'Hard-label weight α_hard', symbol: 'α_hard', help: 'Weight of cross-entropy with the labels.' },
    ],
  },
  at: {
    name: 'at',
    label: 'Attention transfer',
    summary: 'CE + β·Σ_j mean((a(A_s^j) − a(A_t^j))²), a(A) the L2-normalised map of mean_c |A|^p.',
    reference: 'Zagoruyko & Komodakis 2017, “Paying More Attention to Attention”; RepDistiller AT.py',
    uses: { teacher: true, student: true },
    params: [{ key: 'beta', label: 'Attention weight β', symbol: 'β', help: 'Weight of the attention-map loss.' }, { key: 'p', label: 'Power p', symbol: 'p', help: 'Attention map of |A|^p.' }, kdWeight, kdTemperature],
  },
  sad: {
    name: 'sad',
    label: 'Self attention distillation',
    summary: 'The student’s block m mimics its own block m+1 (spatial-softmax attention maps); switched on after a warm-up.',
    reference: 'Hou et al. 2019, “Learning Lightweight Lane Detection CNNs by Self Attention Distillation”; ENet-SAD',
    uses: { teacher: usesTeacherWhenKd, student: true },
    params: [
      { key: 'weight', label: 'SAD weight', symbol: 'w', help: 'Weight of the self-attention loss.' },
      { key: 'fn', label: 'Map G', kind: 'choice', help: 'sum: Σ_c|A_c|; sum-p: Σ_c|A_c|^p; max-p: max_c|A_c|^p.' },
      { key: 'p', label: 'Power p', symbol: 'p', help: 'Used by sum-p and max-p.' },
      { key: 'warmup', label: 'Warm-up', help: 'Fraction of the epochs before SAD switches on.' },
      { ...kdWeight, help: 'Adds KD from a teacher (trained only when above 0).' },
      kdTemperature,
    ],
  },
  crd: {
    name: 'crd',
    label: 'Contrastive representation distillation',
    summary: 'CE + β·(NCE student→teacher memory + NCE teacher→student memory) on 128-d embeddings, K negatives from memory banks.',
    reference: 'Tian et al. 2020, “Contrastive Representation Distillation”; RepDistiller crd/criterion.py, crd/memory.py',
    uses: { teacher: true, student: true },
    params: [
      { key: 'beta', label: 'Contrastive weight β', symbol: 'β', help: 'Weight of the two NCE terms.' },
      { key: 'featDim', label: 'Embedding size', help: 'Linear heads map both penultimate features to this size, then L2-normalise.' },
      { key: 'nceK', label: 'Negatives K', symbol: 'K', help: 'Per sample; capped at the training samples − 1.' },
      { key: 'nceT', label: 'NCE temperature τ', symbol: 'τ', help: 'Of exp(v·m/τ).' },
      { key: 'nceMomentum', label: 'Memory momentum', help: 'm ← normalise(momentum·m + (1 − momentum)·v).' },
      kdWeight,
      kdTemperature,
    ],
  },
  srrl: {
    name: 'srrl',
    label: 'SRRL (softmax regression)',
    summary: 'CE + α·MSE(c(f_s), f_t) + β·SR, SR through the teacher’s frozen classifier head.',
    reference: 'Yang et al. 2021, “Knowledge Distillation via Softmax Regression Representation Learning”; KD_SRRL AIN.py',
    uses: { teacher: true, student: true },
    params: [
      { key: 'alpha', label: 'Feature weight α', symbol: 'α', help: 'Weight of the connector’s feature MSE.' },
      { key: 'beta', label: 'Regression weight β', symbol: 'β', help: 'Weight of the softmax-regression term.' },
      { key: 'sr', label: 'Regression loss', kind: 'choice', help: 'l2: MSE of the logits (the paper’s better one); ce: soft cross-entropy.' },
      kdWeight,
      kdTemperature,
    ],
  },
  dkd: {
    name: 'dkd',
    label: 'Decoupled KD',
    summary: 'CE + warm-up·(α·TCKD + β·NCKD): the target-class and non-target-class parts of KD weighted apart.',
    reference: 'Zhao et al. 2022, “Decoupled Knowledge Distillation”; mdistiller DKD.py',
    uses: { teacher: true, student: true },
    params: [
      { key: 'ceWeight', label: 'CE weight', help: 'Weight of cross-entropy with the labels.' },
      { key: 'alpha', label: 'TCKD weight α', symbol: 'α', help: 'Target-class KD.' },
      { key: 'beta', label: 'NCKD weight β', symbol: 'β', help: 'Non-target-class KD.' },
      temperature,
      { key: 'warmupEpochs', label: 'Warm-up epochs', help: 'The DKD term grows linearly over these epochs; 0 is none.' },
    ],
  },
};

export function methodDescriptors(): MethodDescriptor[] {
  return Object.values(METHODS) as MethodDescriptor[];
}

export function methodDescriptor(name: string): MethodDescriptor | undefined {
  return (METHODS as Record<string, MethodDescriptor | undefined>)[name];
}

/** Whether the method uses the teacher / student sections, given its current parameters. */
export function methodUses(descriptor: MethodDescriptor | undefined, method: unknown): { teacher: boolean; student: boolean } {
  if (!descriptor) return { teacher: true, student: true };
  const teacher = descriptor.uses.teacher;
  return { teacher: typeof teacher === 'function' ? teacher((method ?? {}) as Record<string, unknown>) : teacher, student: descriptor.uses.student };
}
