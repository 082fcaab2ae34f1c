// Stand-in for helper A's resolveArtifactUri (the contract of issue 16; A's version replaces this file): where an
// MLflow artifact location is on this machine, if it is. The recorded text is always kept as it was.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface ResolvedArtifact { recorded: string; local?: string }

export function resolveArtifactUri(uri: string, storePath: string): ResolvedArtifact {
  let p = uri.replace(/^file:\/\/(localhost)?/, '');
  try { p = decodeURIComponent(p); } catch { /* keep it as written */ }
  p = p.replace(/\/{2,}/g, '/');
  const store = storePath.endsWith('.db') ? path.dirname(storePath) : storePath;
  const at = p.lastIndexOf('/mlruns/');
  const candidates = [
    ...(at >= 0 ? [path.join(store, ...p.slice(at + '/mlruns/'.length).split('/'))] : []),
    ...(path.isAbsolute(p) && !/^[a-z][a-z0-9+.-]*:/i.test(uri.replace(/^file:/, '')) ? [p] : []),
  ];
  const local = candidates.find((c) => existsSync(c));
  return local ? { recorded: uri, local } : { recorded: uri };
}
