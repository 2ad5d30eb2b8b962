// Named training recipes (DESIGN §6). A recipe fills the `train` fields a config leaves out; a field
// the config gives always wins. The methods' weights (AT 1000, FitNet 100, CRD 0.8, DKD β=8) were
// tuned under RepDistiller's recipe, so `reference` is the one to compare methods with.
import { z } from 'zod';

export const RecipeName = z.enum(['quick', 'reference']);
export type RecipeName = z.infer<typeof RecipeName>;

export interface Recipe {
  title: string;
  description: string;
  /** The `train` fields it sets (the epochs stay the user's). */
  train: Record<string, unknown>;
}

export const RECIPES: Record<RecipeName, Recipe> = {
  quick: {
    title: 'Quick look',
    description: 'Adam at 1e-3, constant rate, no weight decay, no augmentation: a first look in minutes.',
    train: { optimizer: { kind: 'adam' }, learningRate: 1e-3, schedule: { kind: 'constant' }, weightDecay: 0 },
  },
  reference: {
    title: 'Reference (RepDistiller)',
    description:
      'RepDistiller’s CIFAR recipe: SGD lr 0.05, momentum 0.9, weight decay 5e-4, rate ×0.1 at 62.5 / 75 / 87.5 % of the epochs (150/180/210 of 240), random crop with 4-pixel padding + horizontal flip on images.',
    train: {
      optimizer: { kind: 'sgd', momentum: 0.9 },
      learningRate: 0.05,
      schedule: { kind: 'relative-step', at: [0.625, 0.75, 0.875], gamma: 0.1 },
      weightDecay: 5e-4,
      augment: { cropPadding: 4, horizontalFlip: true },
    },
  },
};

/** The config with its recipe's `train` fields filled in where it gives none; anything not an object is left for the schema to reject. */
export function withRecipe(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const config = input as Record<string, unknown>;
  const recipe = RecipeName.safeParse(config.recipe ?? 'quick');
  if (!recipe.success) return input;
  const train = config.train ?? {};
  if (train === null || typeof train !== 'object' || Array.isArray(train)) return input;
  return { ...config, train: { ...RECIPES[recipe.data].train, ...train } };
}
