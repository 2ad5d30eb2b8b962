import { z } from 'zod';
import { kdTermFields, kdTermHelp } from './common';
import { defineMethod } from './method';

/**
 * MiniLM (Wang et al. 2020, “MiniLM: Deep Self-Attention Distillation”): the student's last layer
 * mimics the teacher's last self-attention module — KL of the attention distributions (eq. 4) and
 * of the value relations softmax(V·Vᵀ/√d_k) (eq. 6), per head, summed with equal weights (eq. 7)
 * — as a first stage; then the student is fine-tuned on the task with CE, as the paper does its
 * distilled models (a KD term may be added).
 */
export const minilm = defineMethod({
  name: 'minilm',
  fields: {
    /** Eq. 7: L = L_AT + L_VR, equal weights. */
    attentionWeight: z.number().min(0).default(1),
    valueWeight: z.number().min(0).default(1),
    /**
     * MiniLM-v2's relation heads: the heads' values concatenated and split into this many, so the
     * student's head count may differ from the teacher's (the attention term then needs attentionWeight 0).
     * Absent: the attention heads, which must match (MiniLM).
     */
    relationHeads: z.number().int().positive().max(64).optional(),
    /** Epochs of the self-attention stage; by default `train.epochs`. */
    intermediateEpochs: z.number().int().positive().max(10_000).optional(),
    /** The fine-tuning stage: CE, plus kdWeight·T²·KL when above 0 (the paper fine-tunes with labels only). */
    ...kdTermFields,
  },
  label: 'MiniLM (self-attention)',
  summary: 'Stage 1: KL of the last layer’s attention distributions and of its value relations softmax(V·Vᵀ/√d), per head; stage 2: fine-tuning with CE (+ optional KD).',
  reference: 'Wang et al. 2020, “MiniLM”; relation heads: MiniLM-v2 (Wang et al. 2021)',
  command: { id: 'distill.runMiniLm', title: 'Run Self-Attention Distillation (MiniLM-style)' },
  params: {
    attentionWeight: { label: 'Attention-transfer weight', symbol: 'w_AT', help: 'Weight of KL(teacher ‖ student) of the last layer’s attention distributions, averaged over heads and real tokens.' },
    valueWeight: { label: 'Value-relation weight', symbol: 'w_VR', help: 'Weight of KL(teacher ‖ student) of softmax(V·Vᵀ/√d_k), each model with its own head size.' },
    relationHeads: {
      label: 'Relation heads',
      optional: true,
      help: 'MiniLM-v2: regroup the values into this many relation heads, so the head counts may differ (set the attention-transfer weight to 0 then). Empty: the attention heads, which must match.',
    },
    intermediateEpochs: { label: 'Self-attention stage epochs', optional: true, help: 'By default the training epochs.' },
    ...kdTermHelp,
  },
  modelKinds: ['text'],
  teacher: true,
  student: true,
  stages: (method) => [{ role: 'student-intermediate', stage: 'intermediate', epochs: method.intermediateEpochs }, { role: 'student' }],
});
