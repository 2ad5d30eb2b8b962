import { z } from 'zod';
import { IMAGE_MODELS, kdTermFields, kdTermHelp } from './common';
import { defineMethod } from './method';

/** Attention transfer (Zagoruyko & Komodakis 2017, RepDistiller `AT.py`): CE + β·Σ_j mean((a(A_s^j) − a(A_t^j))²). */
export const at = defineMethod({
  name: 'at',
  fields: {
    /** RepDistiller: `-b 1000`, p = 2. */
    beta: z.number().min(0).default(1000),
    p: z.number().gt(0).default(2),
    ...kdTermFields,
  },
  label: 'Attention transfer',
  summary: 'CE + β·Σ_j mean((a(A_s^j) − a(A_t^j))²), a(A) the L2-normalised map of mean_c |A|^p.',
  reference: 'Zagoruyko & Komodakis 2017, “Paying More Attention to Attention”; RepDistiller AT.py',
  command: { id: 'distill.runAttentionTransfer', title: 'Run Attention Transfer (AT)' },
  params: {
    beta: { label: 'Attention weight β', symbol: 'β', help: 'Weight of the attention-map loss.' },
    p: { label: 'Power p', symbol: 'p', help: 'Attention map of |A|^p.' },
    ...kdTermHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
