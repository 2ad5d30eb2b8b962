// Fields and help that several methods share.
import { z } from 'zod';
import type { ParamHelp } from './method';

/** Every image model the zoo builds (mlp, cnn, resnet); the methods of today accept them all. */
export const IMAGE_MODELS = ['image'] as const;

export const temperatureHelp = {
  label: 'Temperature T',
  symbol: 'T',
  help: 'Softens both distributions: p = softmax(z/T); the KL term is scaled by T² to keep gradient sizes.',
} as const satisfies ParamHelp;

export const kdAlphaHelp = {
  label: 'Weight α of the soft targets',
  symbol: 'α',
  help: 'Share of the KL term; 1 − α goes to cross-entropy with the labels.',
} as const satisfies ParamHelp;

/** Hinton KD's temperature and weight: RepDistiller's `--kd_T 4`, and alpha 0.9 of its KD runs. */
export const kdFields = {
  temperature: z.number().gt(0).default(4),
  alpha: z.number().min(0).max(1).default(0.9),
};

export const kdHelp = { temperature: temperatureHelp, alpha: kdAlphaHelp } as const satisfies Record<keyof typeof kdFields, ParamHelp>;

/**
 * The KD term any feature method may add (RepDistiller's tables list CRD+KD, SRRL+KD):
 * kdWeight·T²·KL(p_t‖p_s). RepDistiller runs feature methods with `-a 0` (off) and its +KD rows
 * with `-a 1`; T=4 is RepDistiller's `--kd_T`.
 */
export const kdTermFields = {
  kdWeight: z.number().min(0).default(0),
  temperature: z.number().gt(0).default(4),
};

export const kdTermHelp = {
  kdWeight: { label: 'Added KD weight', symbol: 'kd', help: 'Adds kdWeight·T²·KL(p_t‖p_s) to the feature loss (the “+KD” rows of RepDistiller); 0 is off.' },
  temperature: { ...temperatureHelp, help: 'Temperature of the added KD term.' },
} as const satisfies Record<keyof typeof kdTermFields, ParamHelp>;
