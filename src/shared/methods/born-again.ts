import { z } from 'zod';
import { ModelSpec } from '../protocol/model-spec';
import { IMAGE_MODELS, kdFields, kdHelp } from './common';
import { defineMethod } from './method';

/**
 * Born-Again Networks (Furlanello et al. 2018): generation g learns from generation g−1 (the
 * first from the teacher) by KD; every generation and their ensemble (mean of probabilities)
 * are evaluated.
 */
export const bornAgain = defineMethod({
  name: 'born-again',
  fields: {
    /** The paper reports sequences of 3 generations (DESIGN §4). */
    generations: z.number().int().min(1).max(10).default(3),
    /** Architecture of every generation; by default the teacher's (the aim is an ensemble, not compression). */
    model: ModelSpec.optional(),
    /**
     * 'kd': KD as DESIGN §4 says "with KD", at the temperature and α below (RepDistiller's defaults);
     * 'paper': the paper's targets, the previous generation's probabilities only, at T=1 with no
     * label term (Furlanello et al. 2018, §3), i.e. α=1, T=1 whatever the fields below say.
     */
    targets: z.enum(['kd', 'paper']).default('kd'),
    ...kdFields,
  },
  label: 'Born-again networks (sequential ensemble)',
  summary: 'Generation g learns from generation g−1 by KD, or by its soft targets alone (the paper); every generation and their ensemble are reported.',
  reference: 'Furlanello et al. 2018, “Born-Again Neural Networks”',
  command: { id: 'distill.runBornAgain', title: 'Run Sequential Model Transfer (Born-Again Ensemble)' },
  params: {
    generations: { label: 'Generations', help: 'Students trained one after another, each from the previous one.' },
    model: { label: 'Generation architecture', kind: 'model', optional: true, help: 'As a CLI flag, e.g. cnn:16,32; by default the teacher’s (the aim is the ensemble, not compression).' },
    targets: {
      label: 'Targets',
      kind: 'choice',
      help: 'kd: (1−α)·CE + α·T²·KL to the previous generation; paper: KL to its probabilities at T=1 only, no labels (temperature and α unused).',
    },
    ...kdHelp,
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: false,
});
