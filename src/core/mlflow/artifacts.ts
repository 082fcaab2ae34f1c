// Contract placeholder (helper A replaces it): where an MLflow artifact location is on this machine.
export interface ResolvedArtifact { recorded: string; local?: string }
export function resolveArtifactUri(uri: string, storePath: string): ResolvedArtifact {
  void storePath;
  return { recorded: uri };
}
