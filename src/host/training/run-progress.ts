// Where a run is, from the trainer's events: phase, epoch, step, and the fraction of the whole run.
import type { TrainerEvent } from '../../shared/protocol';

export class RunProgress {
  /** The backend the trainer started, as its `started` event says (and run.json records). */
  backend: string | undefined;
  phases: string[] = [];
  phase: string | undefined;
  epoch = 0;
  epochs = 0;
  step = 0;
  steps = 0;

  /** True when the event moved the run on. */
  apply(event: TrainerEvent): boolean {
    switch (event.type) {
      case 'started':
        this.phases = event.phases;
        this.backend = event.backend;
        return true;
      case 'progress':
        Object.assign(this, { phase: event.phase, epoch: event.epoch, epochs: event.epochs, step: event.step, steps: event.steps });
        return true;
      case 'epoch':
        Object.assign(this, { phase: event.phase, epoch: event.epoch, epochs: event.epochs, step: this.steps });
        return true;
      default:
        return false;
    }
  }

  /** 0…1 over every phase of the run. */
  get fraction(): number {
    if (!this.phase || this.phases.length === 0 || this.epochs === 0) return 0;
    const index = Math.max(0, this.phases.indexOf(this.phase));
    const withinEpoch = this.steps > 0 ? this.step / this.steps : 0;
    const withinPhase = Math.min(1, (this.epoch - 1 + withinEpoch) / this.epochs);
    return Math.min(1, (index + withinPhase) / this.phases.length);
  }

  /** "teacher · epoch 2/4 · step 10/40", or "starting" before the first step. */
  describe(): string {
    if (!this.phase) return 'starting';
    const steps = this.steps > 0 ? ` · step ${this.step}/${this.steps}` : '';
    return `${this.phase} · epoch ${this.epoch}/${this.epochs}${steps}`;
  }
}
