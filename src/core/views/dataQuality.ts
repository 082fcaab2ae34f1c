/**
 * What the editor shows about data versions beyond their manifest — profiles, schema findings and drift against the
 * previous version — read lazily and cached until the data (or goals.json, for drift settings) changes.
 */
import { messageOf } from '../errors';
import type { DataVersion } from '../store/schemas';
import { readDataSchema, versionFindings, type SchemaRead } from '../data/check';
import { driftBetween } from '../data/drift';
import type { DriftReport } from '../data/drift/types';
import type { DataProfile } from '../data/profile/schema';
import { driftOptions, pickFiles, versionLabel } from '../data/report';
import type { DataFinding } from '../data/validate/types';
import type { Store } from '../store/store';

export interface ProfileRead {
  profile?: DataProfile;
  /** Why there is no profile: none was made (`missing`), or the file is damaged. */
  missing?: boolean;
  problem?: string;
}

export class DataQuality {
  private readonly profiles = new Map<string, Promise<ProfileRead>>();
  private readonly schemas = new Map<string, Promise<SchemaRead>>();
  private readonly drifts = new Map<string, Promise<DriftReport | undefined>>();
  // What has settled, for the synchronous tree model.
  private readonly profilesNow = new Map<string, ProfileRead>();
  private readonly schemasNow = new Map<string, SchemaRead>();
  private readonly driftsNow = new Map<string, DriftReport | undefined>();

  constructor(private readonly store: Store, private readonly versions: () => readonly DataVersion[]) {}

  /** Forget everything (the data changed). */
  clear(): void {
    for (const m of [this.profiles, this.schemas, this.drifts, this.profilesNow, this.schemasNow, this.driftsNow]) { m.clear(); }
  }

  /** Forget drift only (its settings in goals.json changed). */
  clearDrift(): void {
    this.drifts.clear();
    this.driftsNow.clear();
  }

  /** Reads the profiles, schema and drift of these versions, so the `peek…` methods answer for them. */
  async prepare(versions: readonly DataVersion[], what: { drift?: boolean } = {}): Promise<void> {
    await Promise.all(versions.map(async (v) => {
      await Promise.all([this.profile(v), this.schema(v.dataset)]);
      if (what.drift) { await this.drift(v); }
    }));
  }

  peekProfile(id: string): ProfileRead | undefined { return this.profilesNow.get(id); }
  peekSchema(dataset: string): SchemaRead | undefined { return this.schemasNow.get(dataset); }
  /** `null` while unknown (not prepared), `undefined` when there is nothing to compare. */
  peekDrift(id: string): DriftReport | undefined | null { return this.driftsNow.has(id) ? this.driftsNow.get(id) : null; }

  /** Findings from what is prepared (none when the profile or the schema is not read yet). */
  peekFindings(v: DataVersion): DataFinding[] {
    const p = this.profilesNow.get(v.id)?.profile;
    const s = this.schemasNow.get(v.dataset)?.schema;
    return p && s ? versionFindings(v, p, s) : [];
  }

  profile(v: DataVersion): Promise<ProfileRead> {
    let p = this.profiles.get(v.id);
    if (!p) {
      p = this.store.readDataProfile(v.dataset, v.id).then(
        (r): ProfileRead => (r.ok ? { profile: r.value } : { missing: r.missing, problem: r.missing ? undefined : `${r.problem.file}: ${r.problem.reason}` }),
        (e: unknown): ProfileRead => ({ problem: messageOf(e) }))
        .then((r) => { if (this.profiles.get(v.id) === p) { this.profilesNow.set(v.id, r); } return r; });
      this.profiles.set(v.id, p);
    }
    return p;
  }

  schema(dataset: string): Promise<SchemaRead> {
    let s = this.schemas.get(dataset);
    if (!s) {
      s = readDataSchema(this.store, dataset).catch((e: unknown): SchemaRead => ({ file: this.store.dataSchemaFile(dataset), exists: true, problems: [messageOf(e)] }))
        .then((r) => { if (this.schemas.get(dataset) === s) { this.schemasNow.set(dataset, r); } return r; });
      this.schemas.set(dataset, s);
    }
    return s;
  }

  /** Findings of the version's profile against its dataset's schema; none without either. */
  async findings(v: DataVersion): Promise<DataFinding[]> {
    const [p, s] = await Promise.all([this.profile(v), this.schema(v.dataset)]);
    return p.profile && s.schema ? versionFindings(v, p.profile, s.schema) : [];
  }

  /** The version tagged just before `v` in its dataset. */
  previous(v: DataVersion): DataVersion | undefined {
    const same = this.versions().filter((x) => x.dataset === v.dataset && x.id < v.id);
    return same.reduce<DataVersion | undefined>((best, x) => (!best || x.id > best.id ? x : best), undefined);
  }

  /** Drift from the previous version to `v`, when both have profiles with a file to compare. */
  drift(v: DataVersion): Promise<DriftReport | undefined> {
    let d = this.drifts.get(v.id);
    if (!d) {
      d = (async () => {
        const prev = this.previous(v);
        if (!prev) { return undefined; }
        const [a, b] = await Promise.all([this.profile(prev), this.profile(v)]);
        if (!a.profile || !b.profile) { return undefined; }
        const files = pickFiles(a.profile, b.profile);
        const { options } = await driftOptions(this.store);
        return driftBetween(files.a, files.b, options, { reference: versionLabel(prev), current: versionLabel(v) });
      })().catch(() => undefined).then((r) => { if (this.drifts.get(v.id) === d) { this.driftsNow.set(v.id, r); } return r; });
      this.drifts.set(v.id, d);
    }
    return d;
  }
}
