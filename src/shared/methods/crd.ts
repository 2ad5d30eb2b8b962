import { z } from 'zod';
import { IMAGE_MODELS, kdTermFields, kdTermHelp } from './common';
import { defineMethod } from './method';

/** Contrastive representation distillation (Tian et al. 2020, RepDistiller `crd/`). */
export const crd = defineMethod({
  name: 'crd',
  fields: {
    /** RepDistiller's CRD runs: `-b 0.8`, feat_dim 128, nce_k 16384, nce_t 0.07, nce_m 0.5. */
    beta: z.number().min(0).default(0.8),
    featDim: z.number().int().positive().max(16_384).default(128),
    /** Negatives per sample; capped at (training samples − 1). */
    nceK: z.number().int().positive().max(1_000_000).default(16384),
    nceT: z.number().gt(0).default(0.07),
    nceMomentum: z.number().min(0).lt(1).default(0.5),
    ...kdTermFields,
  },
  label: 'Contrastive representation distillation',
  summary: 'CE + β·(NCE student→teacher memory + NCE teacher→student memory) on 128-d embeddings, K negatives from memory banks.',
  reference: 'Tian et al. 2020, “Contrastive Representation Distillation”; RepDistiller crd/criterion.py, crd/memory.py',
  command: { id: 'distill.runCrd', title: 'Run Contrastive Representation Distillation (CRD)' },
  params: {
    beta: { label: 'Contrastive weight β', symbol: 'β', help: 'Weight of the two NCE terms.' },
    featDim: { label: 'Embedding size', help: 'Linear heads map both penultimate features to this size, then L2-normalise.' },
    nceK: { label: 'Negatives K', symbol: 'K', help: 'Per sample; capped at the training samples − 1.' },
    nceT: { label: 'NCE temperature τ', symbol: 'τ', help: 'Of exp(v·m/τ).' },
    nceMomentum: { label: 'Memory momentum', help: 'm ← normalise(momentum·m + (1 − momentum)·v).' },
    ...kdTermHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
