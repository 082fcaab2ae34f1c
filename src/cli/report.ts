// `mlops report MODEL VERSION [--format md|html] [-o FILE]`: the model card for stakeholders. Also the resolver of
// `VERSION` (`3`, `v3`, `@production`, `@staging`) that `mlops gate` shares.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError, type ModelVersion, type Store } from '../core';
import { buildModelCard, cardHtml, cardMarkdown, type BuildCardOptions } from '../core/card';
import type { GateResult } from '../core/gate';
import { UsageError, str, type Command } from './context';
import { printJson } from './output';

/** Stages a `@stage` version reference may name: the ones that mean "the version in use". */
export const STAGE_REFS = ['production', 'staging'] as const;

/**
 * The version number a `VERSION` argument names: `3` or `v3`, or `@production` / `@staging` (the version in that
 * stage; for staging, which may hold several, the highest). Bad syntax is a UsageError (exit 2); a model without a
 * version in that stage is a not-found error (exit 1).
 */
export async function resolveModelVersionArg(store: Store, model: string, arg: string): Promise<ModelVersion> {
  const stage = /^@(.+)$/.exec(arg)?.[1];
  if (stage !== undefined) {
    if (!(STAGE_REFS as readonly string[]).includes(stage)) { throw new UsageError(`bad version '${arg}': use a number such as 3, or ${STAGE_REFS.map((s) => `@${s}`).join(' or ')}`); }
    const { items } = await store.listModelVersions(model);
    if (items.length === 0) { throw new MlopsError(`model '${model}' has no versions`, 'not-found'); }
    const inStage = items.filter((v) => v.stage === stage).sort((a, b) => b.version - a.version);
    if (inStage.length === 0) { throw new MlopsError(`model '${model}' has no version in ${stage}`, 'not-found'); }
    return inStage[0];
  }
  if (!/^v?\d+$/i.test(arg)) { throw new UsageError(`bad version '${arg}': expected a whole number such as 3, or ${STAGE_REFS.map((s) => `@${s}`).join(' or ')}`); }
  const version = Number(arg.replace(/^v/i, ''));
  if (!Number.isSafeInteger(version) || version < 1) { throw new UsageError(`bad version '${arg}': expected a whole number ≥ 1`); }
  return store.readModelVersion(model, version);
}

/**
 * The gate's result for the card. The gate is built in src/core/gate (runGate); until a store can run it, the card
 * says the gate was not run rather than guess.
 */
export type GateRunner = (store: Store, model: string, version: number, opts: { allowProcesses: boolean }) => Promise<GateResult | undefined>;

let gateRunner: GateRunner = () => Promise.resolve(undefined);

/** Lets the gate module plug itself in (and tests run the card without it). */
export function setReportGateRunner(run: GateRunner): void { gateRunner = run; }

const FORMATS = ['md', 'html'] as const;
type Format = (typeof FORMATS)[number];

function formatOf(given: string | undefined, out: string | undefined): Format {
  if (given !== undefined) {
    const f = given === 'markdown' ? 'md' : given;
    if (!(FORMATS as readonly string[]).includes(f)) { throw new UsageError(`unknown format '${given}': use md or html`); }
    return f as Format;
  }
  return out && /\.html?$/i.test(out) ? 'html' : 'md';
}

/** Writes the user's explicit path (anywhere they like), but never over a folder. */
async function writeReport(file: string, text: string): Promise<void> {
  const st = await fsp.stat(file).catch(() => undefined);
  if (st?.isDirectory()) { throw new UsageError(`'${file}' is a folder; give a file name for -o, e.g. ${path.join(file, 'model-card.html')}`); }
  const dir = path.dirname(file);
  const parent = await fsp.stat(dir).catch(() => undefined);
  if (!parent?.isDirectory()) { throw new MlopsError(`cannot write '${file}': the folder ${dir} does not exist`, 'not-found'); }
  // A temp file beside the target, then a rename: a reader never sees half a card, and a failure leaves the old file.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fsp.writeFile(tmp, text, 'utf8');
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

export async function modelCardText(store: Store, model: string, version: number, format: Format, opts: BuildCardOptions = {}): Promise<string> {
  const card = await buildModelCard(store, model, version, opts);
  return format === 'html' ? cardHtml(card) : cardMarkdown(card);
}

export const REPORT_COMMANDS: Record<string, Command> = {
  'report': {
    options: { format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } }, positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const [model, versionArg] = positionals;
      const outArg = str(values, 'output');
      if (outArg === '') { throw new UsageError('-o needs a file name'); }
      const format = formatOf(str(values, 'format'), outArg);
      const store = await open();
      const mv = await resolveModelVersionArg(store, model, versionArg);
      const gate = await gateRunner(store, model, mv.version, { allowProcesses: true });
      const card = await buildModelCard(store, model, mv.version, { gate, allowProcesses: true });
      if (json && !outArg) { printJson(io, card); return 0; }
      const text = format === 'html' ? cardHtml(card) : cardMarkdown(card);
      if (outArg) {
        const file = path.resolve(io.cwd, outArg);
        await writeReport(file, json ? `${JSON.stringify(card, null, 2)}\n` : text);
        io.stderr(`Wrote the model card of ${model} v${mv.version} to ${file}\n`);
      } else {
        // The renderers already show control characters in the data as `\x1b`; the terminal escaping is a no-op then.
        io.stdout(text);
      }
      return 0;
    },
  },
};
