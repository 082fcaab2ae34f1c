// Human-readable figures shared by the CLI and the views.

/** Human-readable byte size (binary units). */
export function formatBytes(n: number): string {
  if (n < 1024) { return `${n} B`; }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) { return `${Math.round(ms)} ms`; }
  const s = ms / 1000;
  if (s < 60) { return `${s.toFixed(1)} s`; }
  const m = Math.floor(s / 60);
  if (m < 60) { return `${m} min ${Math.round(s % 60)} s`; }
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
