export { initBackend, type BackendAttempt, type BackendChoice, type BackendName, type BackendPreference } from './select';
export { findWasmDir, wasmDirCandidates } from './wasm-paths';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './wasm-kernels';
