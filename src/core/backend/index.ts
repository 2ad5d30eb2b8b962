export { initBackend, type BackendAttempt, type BackendChoice, type BackendName, type BackendOptions, type BackendPreference } from './select';
export { loadNativeBackend, type NativeLoad } from './native';
export { findWasmDir, wasmDirCandidates } from './wasm-paths';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './wasm-kernels';
