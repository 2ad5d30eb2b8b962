import { z } from 'zod';
import { IMAGE_MODELS, kdTermFields, kdTermHelp } from './common';
import { defineMethod } from './method';

/**
 * SRRL (Yang et al. 2021, KD_SRRL `AIN.py` and `train_imagenet_distillation.py`, SimKD's `SRRL`):
 * CE + α·MSE(pool(c(f_s)), pool(f_t)) + β·SR, SR through the teacher's frozen head.
 */
export const srrl = defineMethod({
  name: 'srrl',
  fields: {
    /** SRRL: alpha 1, beta 1, L2 softmax regression (the paper found it slightly better than CE). */
    alpha: z.number().min(0).default(1),
    beta: z.number().min(0).default(1),
    sr: z.enum(['l2', 'ce']).default('l2'),
    /**
     * The connector c. 'conv': KD_SRRL's (`AIN.py` `transfer_conv`, the official code): 1×1 conv +
     * BN + ReLU on the student's last feature map, then the teacher's global average pooling and
     * head. 'dense': SimKD's `SRRL` (1×1 conv on the pooled vector, i.e. dense + BN + ReLU, on the
     * pooled embedding). 'auto' (default): 'conv' where the student has feature maps (cnn, resnet)
     * and the teacher's embedding is the global average of its last map (resnet, cnn without
     * +fc); 'dense' otherwise — an MLP student has no feature map.
     */
    connector: z.enum(['auto', 'conv', 'dense']).default('auto'),
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
    connector: {
      label: 'Connector',
      kind: 'choice',
      help:
        'conv — KD_SRRL (the official code): 1×1 conv + BN + ReLU on the student’s last feature map, then the teacher’s average pooling and head; ' +
        'dense — SimKD: dense + BN + ReLU on the pooled embedding; ' +
        'auto: conv for a cnn or resnet student with a pooling teacher (cnn without +fc, resnet), dense otherwise (an MLP has no feature map).',
    },
    ...kdTermHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
