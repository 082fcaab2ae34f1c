// Words both renderers use, so the Markdown and the HTML card say the same thing.
import type { CheckStatus } from '../gate/types';
import type { Verdict } from '../goals/evaluate';
import { formatNumber } from '../goals/evaluate';
import type { CardGoal, CardSliceGroup, ModelCard } from './types';

export const VERDICT_WORD: Record<Verdict, string> = { pass: '✓ met', fail: '✗ not met', unknown: '? unknown', info: '· no threshold' };
export const STATUS_WORD: Record<CheckStatus, string> = { pass: '✓ pass', fail: '✗ fail', waived: '⚠ waived', skipped: '– skipped' };

export function valueText(g: CardGoal): string {
  const v = g.shown ?? (g.value !== undefined ? formatNumber(g.value) : '—');
  return g.unit && g.shown !== undefined ? `${v} ${g.unit}` : v;
}

export function barText(g: CardGoal): string {
  const parts = [g.bar ?? 'no threshold'];
  if (g.target !== undefined) { parts.push(`target ${formatNumber(g.target)}`); }
  return parts.join(', ');
}

export function verdictText(g: CardGoal): string {
  return g.verdict === 'unknown' && g.reason ? `${VERDICT_WORD.unknown} (${g.reason})` : VERDICT_WORD[g.verdict];
}

export function spreadText(s: CardSliceGroup): string {
  if (s.unknown?.length) { return `unknown (${s.unknown.map((u) => `${s.key}=${u.slice} is ${formatNumber(u.value)}`).join(', ')}; allowed ≤ ${formatNumber(s.maxSpread)})`; }
  return `${formatNumber(Number(s.spread.toPrecision(6)))} ${s.flagged ? '>' : '≤'} ${formatNumber(s.maxSpread)}`;
}

export function directionText(s: CardSliceGroup): string {
  return `${s.goal === 'max' ? 'higher' : 'lower'} is better${s.goalFrom === 'assumed' ? ' (assumed)' : ''}`;
}

/** `2026-11-30 04:44 UTC`: dates in a card are read by people in several time zones. */
export function dateText(iso: string | undefined): string {
  if (!iso) { return '—'; }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function gateHeadline(card: ModelCard): string {
  const g = card.gate;
  if (!g) { return 'The gate was not run for this card.'; }
  if (g.passed) { return `Ready for ${g.stage}: every required check passed${g.checks.some((c) => c.status === 'waived') ? ' or was waived' : ''}.`; }
  return `Not ready for ${g.stage}: ${g.blocking.join(', ')} ${g.blocking.length === 1 ? 'blocks' : 'block'} promotion.`;
}

export function cardTitle(card: ModelCard): string {
  return `Model card: ${card.model} v${card.version}`;
}

// C0 and C1 controls (but line breaks and tabs) and the bidi overrides and isolates that reorder what is shown.
// eslint-disable-next-line no-control-regex
const UNSEEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Characters that would be invisible, or would reorder or restyle the text around them, made visible as `\x1b`. */
export function showControls(s: string): string {
  return s.replace(UNSEEN, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
