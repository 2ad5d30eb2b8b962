import { z } from 'zod';
import { ModelSpec } from '../protocol/model-spec';
import { IMAGE_MODELS } from './common';
import { defineMethod } from './method';

/**
 * Deep Mutual Learning (Zhang et al. 2018): K peers, each CE + mean KL(p_j‖p_i) to the others
 * at T=1 with their probabilities held constant.
 */
export const dml = defineMethod({
  name: 'dml',
  fields: {
    /** The paper's main setting: two peers. */
    peers: z.number().int().min(2).max(8).default(2),
    /** One architecture per peer; by default every peer is the student's. */
    models: z.array(ModelSpec).min(2).optional(),
    /**
     * 'alternating': the paper's Algorithm 1, peers updated in turn within a step, each against
     * the others' freshly recomputed predictions; 'simultaneous': every peer from one forward
     * pass, as the authors' released code does.
     */
    update: z.enum(['alternating', 'simultaneous']).default('alternating'),
  },
  label: 'Deep mutual learning',
  summary: 'K peers learn together: each CE + mean KL(p_j ‖ p_i) to the others, at T = 1; no pre-trained teacher.',
  reference: 'Zhang et al. 2018, “Deep Mutual Learning”',
  command: { id: 'distill.runMutualLearning', title: 'Run Deep Mutual Learning' },
  params: {
    peers: { label: 'Peers K', symbol: 'K', help: 'Networks trained together.' },
    models: { label: 'Peer architectures', kind: 'models', optional: true, help: 'One per peer as CLI flags separated by “;”; by default every peer is the student.' },
    update: { label: 'Update', kind: 'choice', help: 'alternating: peers in turn within a step (the paper’s algorithm); simultaneous: one forward pass (the authors’ code).' },
  },
  modelKinds: IMAGE_MODELS,
  teacher: false,
  student: true,
});
