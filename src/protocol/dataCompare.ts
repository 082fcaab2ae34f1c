/**
 * Messages between the extension host and the Compare Data Versions webview: one zod discriminated union per
 * direction, imported by both sides. The report mirrors the core's `DriftReport` and `SourceComparison`
 * (src/core/data/drift/types.ts, src/core/data/sources/types.ts); the enums are the core's own lists, so the two
 * cannot drift apart. Every message is validated on receipt; what fails is dropped, logged and, in the page, shown.
 */
import { z } from 'zod';
import { DRIFT_CLASSES, DRIFT_TESTS } from '../core/data/drift/types';
import { DISCREPANCY_KINDS } from '../core/data/sources/types';

/**
 * A real number that may have been NaN or ±Infinity on the host: JSON (what carries webview messages) turns those
 * into null, so the page accepts null and shows "—" rather than rejecting the whole report.
 */
const Real = z.number().nullable();
const Count = z.number().int().nonnegative();

export const DriftTestSchema = z.enum(DRIFT_TESTS);
export const DriftClassSchema = z.enum(DRIFT_CLASSES);
export type DriftClassName = z.infer<typeof DriftClassSchema>;

export const DriftOptionsSchema = z.object({
  method: z.union([z.literal('auto'), DriftTestSchema]),
  driftShare: Real,
  psiMinor: Real,
  psiMajor: Real,
  thresholds: z.partialRecord(DriftTestSchema, Real).optional(),
});

export const PsiResultSchema = z.object({
  value: Real,
  threshold: Real,
  drifted: z.boolean(),
  binning: z.object({ kind: z.enum(['sturges', 'values']), bins: Count }),
});

/** The bars of one column, the same bins on both sides, as shares of each side. */
export const DriftChartSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('histogram'), edges: z.array(Real), reference: z.array(Real), current: z.array(Real) })
    .refine((c) => c.reference.length === c.current.length && (c.edges.length === c.reference.length + 1 || c.reference.length === 0),
      { message: 'a histogram needs one share per bin on each side and one edge more than bins' }),
  z.object({ kind: z.literal('categories'), labels: z.array(z.string()), reference: z.array(Real), current: z.array(Real), otherReference: Real.optional(), otherCurrent: Real.optional() })
    .refine((c) => c.reference.length === c.labels.length && c.current.length === c.labels.length, { message: 'category bars need one share per label on each side' }),
]);
export type DriftChart = z.infer<typeof DriftChartSchema>;

export const ColumnDriftSchema = z.object({
  column: z.string(),
  kind: z.enum(['num', 'cat']),
  referenceType: z.string(),
  currentType: z.string(),
  test: DriftTestSchema,
  statistic: Real.optional(),
  score: Real,
  threshold: Real,
  rule: z.string(),
  drifted: z.boolean(),
  psi: PsiResultSchema,
  class: DriftClassSchema,
  referenceN: Count,
  currentN: Count,
  referenceMissing: Count,
  currentMissing: Count,
  distinctCombined: Count,
  sampled: z.boolean(),
  /** Why this test was chosen, in words. */
  choice: z.string().optional(),
  /** What a reader should know about how the column was tested (sampled, top categories + other, …). */
  notes: z.array(z.string()).optional(),
  chart: DriftChartSchema,
});
export type ColumnDriftRow = z.infer<typeof ColumnDriftSchema>;

const SideSchema = z.object({ label: z.string(), rows: Count, file: z.string().optional() });

export const DriftReportSchema = z.object({
  reference: SideSchema,
  current: SideSchema,
  options: DriftOptionsSchema,
  columns: z.array(ColumnDriftSchema),
  onlyInReference: z.array(z.string()),
  onlyInCurrent: z.array(z.string()),
  skipped: z.array(z.object({ column: z.string(), reason: z.string() })),
  dataset: z.object({ columns: Count, drifted: Count, share: Real, driftShare: Real, drift: z.boolean(), class: DriftClassSchema }),
});

export const ColumnAlignmentSchema = z.object({
  a: z.string().optional(),
  b: z.string().optional(),
  how: z.enum(['exact', 'normalized', 'profile', 'position']).optional(),
  similarity: Real.optional(),
});

export const DiscrepancyKindSchema = z.enum(DISCREPANCY_KINDS);

export const DiscrepancySchema = z.object({
  kind: DiscrepancyKindSchema,
  severity: z.enum(['info', 'warning']),
  a: z.string().optional(),
  b: z.string().optional(),
  message: z.string(),
  mapping: z.array(z.object({ a: z.string(), b: z.string(), why: z.string() })).optional(),
  factor: Real.optional(),
});
export type DiscrepancyRow = z.infer<typeof DiscrepancySchema>;

export const SourceComparisonSchema = z.object({
  a: SideSchema,
  b: SideSchema,
  columns: z.array(ColumnAlignmentSchema),
  discrepancies: z.array(DiscrepancySchema),
});

/** One compared data version: what people read (`titanic v2`), its dataset and id. */
export const ComparedVersionSchema = z.object({ label: z.string(), dataset: z.string(), versionId: z.string() });
export type ComparedVersion = z.infer<typeof ComparedVersionSchema>;

/** A is the reference side of the drift report, B the current one. */
export const DataComparePayloadSchema = z.object({
  drift: DriftReportSchema,
  sources: SourceComparisonSchema,
  a: ComparedVersionSchema,
  b: ComparedVersionSchema,
  /** Problems reading the drift settings (goals.json or policy.json `drift`): the defaults were used for those. */
  problems: z.array(z.string()).optional(),
});
export type DataComparePayload = z.infer<typeof DataComparePayloadSchema>;

export const ExportFormatSchema = z.enum(['csv', 'markdown']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

export const DataCompareHostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('load'), payload: DataComparePayloadSchema }),
  /** The comparison could not be made (a version vanished, a profile is unreadable): shown in place of the report. */
  z.object({ type: z.literal('failed'), message: z.string() }),
  z.object({ type: z.literal('exported'), format: ExportFormatSchema, path: z.string() }),
]);
export type DataCompareHostMessage = z.infer<typeof DataCompareHostMessageSchema>;

export const DataCompareWebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** The page builds the text (what it shows, filtered as shown); the host asks where to save it. */
  z.object({ type: z.literal('export'), format: ExportFormatSchema, text: z.string().max(50_000_000) }),
  /** Choose two other versions (the palette's quick picks), in this panel. */
  z.object({ type: z.literal('pickVersions') }),
  z.object({ type: z.literal('rendered'), columns: Count, ms: z.number() }),
  z.object({ type: z.literal('error'), message: z.string().max(10_000) }),
]);
export type DataCompareWebviewMessage = z.infer<typeof DataCompareWebviewMessageSchema>;

/** Webview state kept by VS Code across reloads: the compared refs (`DATASET:VERSION_ID`) and the store. */
export const DataCompareStateSchema = z.object({
  a: z.string(),
  b: z.string(),
  root: z.string().optional(),
});
export type DataCompareState = z.infer<typeof DataCompareStateSchema>;
