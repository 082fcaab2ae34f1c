/**
 * The one place where the core's data comparison becomes the panel's payload. Field by field for the versions,
 * and the drift report and source comparison typed against the protocol, so a change on either side is a compile
 * error here rather than a report the page's zod schema refuses.
 */
import { dataVersionLabel, type DataVersion, type Store } from '../../core';
import { compareData } from '../../core/data/report';
import type { DriftReport } from '../../core/data/drift/types';
import type { SourceComparison } from '../../core/data/sources/types';
import type { ComparedVersion, DataComparePayload } from '../../protocol/dataCompare';

/** What `compareData` (src/core/data/report.ts) returns. */
export interface DataComparisonResult { drift: DriftReport; sources: SourceComparison; a: DataVersion; b: DataVersion; problems?: string[] }

const compared = (v: DataVersion): ComparedVersion => ({ label: `${v.dataset} ${dataVersionLabel(v)}`, dataset: v.dataset, versionId: v.id });

export function toDataPayload(r: DataComparisonResult): DataComparePayload {
  return { drift: r.drift, sources: r.sources, a: compared(r.a), b: compared(r.b), ...(r.problems?.length ? { problems: r.problems } : {}) };
}

/**
 * The report of two `DATASET[:VERSION_OR_TAG]` refs of one store, from their stored profiles (drift settings from
 * goals.json or policy.json). Rejects with the core's message when a version has no profile or no tabular file.
 */
export async function dataComparison(store: Store, a: string, b: string): Promise<DataComparePayload> {
  return toDataPayload(await compareData(store, a, b));
}
