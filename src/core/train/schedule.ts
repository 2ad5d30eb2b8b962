import type { TrainConfig } from '../../shared/protocol';

/** Learning rate for a 0-based epoch: constant, step decay at 1-based milestones (or at fractions of the run), or cosine. */
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
    case 'relative-step': {
      // A fraction f of E epochs is the 1-based milestone round(f·E), as 0.625 of 240 is RepDistiller's 150.
      const passed = schedule.at.filter((f) => epoch >= Math.round(f * config.epochs)).length;
      return base * schedule.gamma ** passed;
    }
    case 'cosine': {
      const progress = config.epochs > 1 ? epoch / (config.epochs - 1) : 0;
      return schedule.minLearningRate + ((base - schedule.minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
  }
}
