import { z } from 'zod';
import { IMAGE_MODELS, kdTermFields, kdTermHelp } from './common';
import { defineMethod } from './method';

/** SRRL (Yang et al. 2021, KD_SRRL `AIN.py`, SimKD's `SRRL`): CE + α·MSE(c(f_s), f_t) + β·SR through the teacher's frozen head. */
export const srrl = defineMethod({
  name: 'srrl',
  fields: {
    /** SRRL: alpha 1, beta 1, L2 softmax regression (the paper found it slightly better than CE). */
    alpha: z.number().min(0).default(1),
    beta: z.number().min(0).default(1),
    sr: z.enum(['l2', 'ce']).default('l2'),
    ...kdTermFields,
  },
  label: 'SRRL (softmax regression)',
  summary: 'CE + α·MSE(c(f_s), f_t) + β·SR, SR through the teacher’s frozen classifier head.',
  reference: 'Yang et al. 2021, “Knowledge Distillation via Softmax Regression Representation Learning”; KD_SRRL AIN.py',
  command: { id: 'distill.runSrrl', title: 'Run Softmax Regression Representation Learning (SRRL)' },
  params: {
    alpha: { label: 'Feature weight α', symbol: 'α', help: 'Weight of the connector’s feature MSE.' },
    beta: { label: 'Regression weight β', symbol: 'β', help: 'Weight of the softmax-regression term.' },
    sr: { label: 'Regression loss', kind: 'choice', help: 'l2: MSE of the logits (the paper’s better one); ce: soft cross-entropy.' },
    ...kdTermHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
