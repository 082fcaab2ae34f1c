/**
 * Messages between the extension host and the Monitoring chart webview: one zod discriminated union per direction,
 * imported by both sides. Every message is validated on receipt; what fails is dropped and logged.
 */
import { z } from 'zod';

/** One window's value of one quantity. */
export const MonitorPointSchema = z.object({
  /** The window's start, ms since the epoch (UTC). */
  x: z.number(),
  y: z.number(),
  /** The window's label in tooltips: `11-30 08:00–09:00 UTC`, `requests 1–500`. */
  window: z.string(),
  /** An alert rule on this quantity would fire with this window as the latest (its streak reached the rule's length). */
  firing: z.enum(['alert', 'warning']).optional(),
  /** The window is still open (more requests may fall in it). */
  open: z.boolean().optional(),
});
export type MonitorPoint = z.infer<typeof MonitorPointSchema>;

/** A horizontal line: a constraint, a goal, the data age limit or an alert rule's threshold. */
export const MonitorThresholdSchema = z.object({
  value: z.number(),
  /** What the line is, as drawn: `maxLatencyMsP95 ≤ 200`, `alert "slow" > 150`. */
  label: z.string(),
});
export type MonitorThreshold = z.infer<typeof MonitorThresholdSchema>;

/** One chart: one monitored quantity over the windows. */
export const MonitorSeriesSchema = z.object({
  /** The quantity's key (`latencyMsP95`). */
  quantity: z.string(),
  /** What people read (`latency p95 (ms)`). */
  label: z.string(),
  points: z.array(MonitorPointSchema),
  thresholds: z.array(MonitorThresholdSchema),
});
export type MonitorSeries = z.infer<typeof MonitorSeriesSchema>;

/** An alert rule's state, listed above the charts. */
export const MonitorAlertSchema = z.object({
  name: z.string(),
  quantity: z.string(),
  severity: z.enum(['warning', 'alert']),
  firing: z.boolean(),
  /** False when the latest window has no value for the quantity (no labels yet, nothing logged): neither ok nor firing. */
  known: z.boolean(),
  message: z.string(),
  description: z.string().optional(),
});
export type MonitorAlert = z.infer<typeof MonitorAlertSchema>;

export const MonitorPayloadSchema = z.object({
  /** The workspace folder of the store (kept in the page's state so a reload restores the panel). */
  root: z.string(),
  model: z.string(),
  /** `1h`, `500` … and what it means (`1h windows`, `windows of 500 requests`). */
  window: z.string(),
  windowKind: z.enum(['time', 'count']),
  /** A time window's size in ms (the chart's ticks fall on window boundaries). */
  windowMs: z.number().positive().optional(),
  /** `v3 · serving at http://127.0.0.1:8080`, `production v3`. */
  subtitle: z.string(),
  windows: z.number().int().nonnegative(),
  lastRequest: z.string().optional(),
  alerts: z.array(MonitorAlertSchema),
  series: z.array(MonitorSeriesSchema),
  /** Unreadable log lines and similar, one sentence each (at most 50). */
  notes: z.array(z.string()),
});
export type MonitorPayload = z.infer<typeof MonitorPayloadSchema>;

export const MonitorHostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('load'), payload: MonitorPayloadSchema }),
  /** The report could not be built: the page says why (and keeps the charts it had). */
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type MonitorHostMessage = z.infer<typeof MonitorHostMessageSchema>;

export const MonitorWebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('rendered'), charts: z.number().int(), ms: z.number() }),
  z.object({ type: z.literal('error'), message: z.string().max(10_000) }),
]);
export type MonitorWebviewMessage = z.infer<typeof MonitorWebviewMessageSchema>;

/** Webview state kept by VS Code across reloads (getState/setState and the panel serializer). */
export const MonitorStateSchema = z.object({
  root: z.string(),
  model: z.string(),
});
export type MonitorState = z.infer<typeof MonitorStateSchema>;
