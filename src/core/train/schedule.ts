import type { TrainConfig } from '../../shared/protocol';

/** Learning rate for a 0-based epoch: constant, step decay at 1-based milestones, or cosine. */
export function learningRateAt(config: TrainConfig, epoch: number): number {
  const base = config.learningRate;
  const schedule = config.schedule;
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step': {
      const passed = schedule.milestones.filter((m) => epoch >= m).length;
      return base * schedule.gamma ** passed;
    }
    case 'cosine': {
      const progress = config.epochs > 1 ? epoch / (config.epochs - 1) : 0;
      return schedule.minLearningRate + ((base - schedule.minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
  }
}
