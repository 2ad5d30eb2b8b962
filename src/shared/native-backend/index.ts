export { installedNativePackages, nativeBackendsDir, variantPrefix, NATIVE_BACKENDS_ENV, NATIVE_PACKAGES, NATIVE_VERSION, type InstalledNativePackage, type NativeVariant } from './location';
export { explainNpmFailure, installNativeBackend, nativeSpec, npmInstallArgs, type InstallOptions, type InstallOutcome } from './install';
export { findNpm, npmCliCandidates, type NpmCommand } from './npm';
