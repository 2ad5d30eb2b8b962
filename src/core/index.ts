// The engine's public face: what the trainer, the CLI, the tests and other implementations use.
export { crossEntropy, kdLoss, softKl } from './distill/losses';
export type { Distiller, StepContext, StepOutput, TrainBatch } from './distill/distiller';
export { createDistiller } from './distill/registry';
export { buildModel, describeModel } from './models/zoo';
export { ZooModel, type ForwardResult } from './models/zoo-model';
export { loadModel, saveModel } from './models/checkpoint';
export { loadDataset } from './data/load';
export { runExperiment, phasesOf, type RunOptions, type RunOutcome } from './run/experiment';
export { RunFolder, listRuns, newRunDir } from './run/run-folder';
export { initBackend } from './backend/select';
