/** Serving and packaging a model version: the spec the Python server reads, the server process, the package. */
export * from './types';
export { buildServeSpec, featuresOf, flavorOf, isLoopback, parseModelRef, resolveModelRef, trainingProfile, type ServeSpecOptions, type TrainingProfile } from './spec';
export { defaultServerFile, startServer, type ServerExit, type ServerHandle, type StartServerOptions } from './process';
export { buildPackage, dns1123, dockerAvailable, dockerPath, dockerfile, k8sManifests, pinnedRequirements, pythonMinor, PACKAGE_SPEC_FILE, type PackageOptions, type PackageResult } from './package';
