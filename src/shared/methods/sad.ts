import { z } from 'zod';
import { IMAGE_MODELS, kdTermFields, kdTermHelp } from './common';
import { defineMethod } from './method';

export const SadMapFunction = z.enum(['sum', 'sum-p', 'max-p']);

/** Self attention distillation (Hou et al. 2019, ENet-SAD): block m of the student mimics block m+1. */
export const sad = defineMethod({
  name: 'sad',
  fields: {
    /** ENet-SAD: loss weight 0.1, G = Σ|A|², switched on at 40% of training. */
    weight: z.number().min(0).default(0.1),
    fn: SadMapFunction.default('sum-p'),
    p: z.number().gt(0).default(2),
    /** Fraction of the epochs before SAD switches on. */
    warmup: z.number().min(0).max(1).default(0.4),
    ...kdTermFields,
  },
  label: 'Self attention distillation',
  summary: 'The student’s block m mimics its own block m+1 (spatial-softmax attention maps); switched on after a warm-up.',
  reference: 'Hou et al. 2019, “Learning Lightweight Lane Detection CNNs by Self Attention Distillation”; ENet-SAD',
  command: { id: 'distill.runSelfAttention', title: 'Run Self Attention Distillation (SAD)' },
  params: {
    weight: { label: 'SAD weight', symbol: 'w', help: 'Weight of the self-attention loss.' },
    fn: { label: 'Map G', kind: 'choice', help: 'sum: Σ_c|A_c|; sum-p: Σ_c|A_c|^p; max-p: max_c|A_c|^p.' },
    p: { label: 'Power p', symbol: 'p', help: 'Used by sum-p and max-p.' },
    warmup: { label: 'Warm-up', help: 'Fraction of the epochs before SAD switches on.' },
    kdWeight: { ...kdTermHelp.kdWeight, help: 'Adds KD from a teacher (trained only when above 0).' },
    temperature: kdTermHelp.temperature,
  },
  modelKinds: IMAGE_MODELS,
  // The student teaches itself; a teacher only when KD is added. The form's state may hold text.
  teacher: (method) => Number(method.kdWeight ?? 0) > 0,
  student: true,
});
