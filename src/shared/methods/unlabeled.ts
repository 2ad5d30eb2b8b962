import { z } from 'zod';
import { DatasetSpec } from '../protocol/dataset-spec';
import { IMAGE_MODELS, temperatureHelp } from './common';
import { defineMethod } from './method';

/** Soft targets only, on a transfer set whose labels are never read (T as in KD). */
export const unlabeled = defineMethod({
  name: 'unlabeled',
  fields: {
    temperature: z.number().gt(0).default(4),
    /** Transfer set; by default the training images, with their labels withheld. */
    transfer: DatasetSpec.optional(),
  },
  label: 'Unlabeled transfer',
  summary: 'Soft targets only (T²·KL), on a transfer set whose labels are never read; another domain is allowed.',
  reference: 'Hinton et al. 2015 §2 (transfer set); cross-domain transfer without labels',
  command: { id: 'distill.runUnlabeledTransfer', title: 'Run Unlabeled Transfer (Soft Targets Only)' },
  params: {
    temperature: temperatureHelp,
    transfer: { label: 'Transfer set', help: 'Images the student learns from; by default the training images with their labels withheld.', kind: 'dataset' },
  },
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
