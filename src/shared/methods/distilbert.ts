import { z } from 'zod';
import { temperatureHelp } from './common';
import { defineMethod } from './method';

/**
 * DistilBERT (Sanh et al. 2019, `distiller.py`): α_ce·T²·KL + α_cos·(1 − cos(h_s, h_t)) + α_hard·CE
 * on the last hidden representation — on transformers the last layer's states of every non-padded
 * token, the student started from every other teacher layer.
 */
export const distilbert = defineMethod({
  name: 'distilbert',
  fields: {
    /** DistilBERT's README run: --temperature 2 --alpha_ce 5.0 --alpha_cos 1.0 --alpha_mlm 2.0 (the hard-label term). */
    temperature: z.number().gt(0).default(2),
    alphaCe: z.number().min(0).default(5),
    alphaCos: z.number().min(0).default(1),
    alphaHard: z.number().min(0).default(2),
    /**
     * DistilBERT initialises its student from the teacher, one layer out of two
     * (`scripts/extract_distilbert.py`); absent: on for transformers of one width, off otherwise.
     */
    initFromTeacher: z.boolean().optional(),
  },
  label: 'DistilBERT (last-layer cosine)',
  summary: 'α_ce·T²·KL + α_cos·(1 − cos(h_student, h_teacher)) on the last hidden representation (on text, of every non-padded token) + α_hard·CE.',
  reference: 'Sanh et al. 2019, “DistilBERT”; distiller.py',
  command: { id: 'distill.runDistilBert', title: 'Run Last-Layer Cosine Distillation (DistilBERT-style)' },
  params: {
    temperature: temperatureHelp,
    alphaCe: { label: 'Soft-target weight α_ce', symbol: 'α_ce', help: 'Weight of T²·KL.' },
    alphaCos: { label: 'Cosine weight α_cos', symbol: 'α_cos', help: 'Weight of 1 − cosine of the last hidden representations.' },
    alphaHard: { label: 'Hard-label weight α_hard', symbol: 'α_hard', help: 'Weight of cross-entropy with the labels.' },
    initFromTeacher: {
      label: 'Start from the teacher’s layers',
      kind: 'boolean',
      optional: true,
      help: 'Transformers: the student’s embeddings and layer i start from the teacher’s (layer 2i, every other one), as DistilBERT. By default on when the widths match.',
    },
  },
  modelKinds: ['image', 'text'],
  teacher: true,
  student: true,
});
