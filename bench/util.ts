// Small helpers for the benchmarks: they print figures; nothing here asserts a timing.
import { performance } from 'node:perf_hooks';

export async function time<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) { g(); g(); }
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function line(label: string, value: string, goal?: string): void {
  console.log(`  ${label.padEnd(58)} ${value.padStart(14)}${goal ? `   (goal ${goal})` : ''}`);
}
