// The run folder on disk (DESIGN §5): its files, reading them through their schemas, listing a
// runs folder, and run.json's status transitions (status.ts, its only writer). No TensorFlow and
// no vscode: the engine, the trainer, the CLI and the extension host all use it.
export { RUN_FILES, attentionSampleFile, isRunStateFile, newRunDir } from './files';
export { DamagedRunFile, type DamagedFile, type FileRead } from './json-file';
export { RunFolder } from './folder';
export { listRuns, readRun, readRuns, type DamagedRun, type ListedRun, type ReadableRun } from './listing';
export { currentOwner, isOwnerGone, isProcessAlive } from './owner';
export { IllegalTransition, canBecome, isFinal, markCancelled, markCompleted, markFailed, markInterrupted, markQueued, markRunning, recordBackend } from './status';
