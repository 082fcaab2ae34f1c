// `mlops report MODEL VERSION [--format md|html] [-o FILE]`: the model card for stakeholders, with the production
// gate run for its gate section. VERSION is read like `mlops gate` reads it (`3`, `v3`, `@production`, `@staging`).
import * as path from 'node:path';
import { messageOf } from '../core';
import { buildModelCard, cardHtml, cardMarkdown } from '../core/card';
import { runGate } from '../core/gate';
import { resolveModelVersionRef } from './gate';
import { writeCardFile } from '../core/card/write';
import { UsageError, str, type Command } from './context';
import { printJson } from './output';

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

export const REPORT_COMMANDS: Record<string, Command> = {
  'report': {
    options: { format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } }, positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const [model, versionArg] = positionals;
      const outArg = str(values, 'output');
      if (outArg === '') { throw new UsageError('-o needs a file name'); }
      if (outArg !== undefined && /[\\/]$/.test(outArg)) { throw new UsageError(`-o ${outArg}: give a file name, not a folder (e.g. ${outArg}model-card.html)`); }
      const format = formatOf(str(values, 'format'), outArg);
      const store = await open();
      const version = await resolveModelVersionRef(store, model, versionArg);
      // Read first: a version that does not exist is a clear "no version N", not a gate failure.
      await store.readModelVersion(model, version);
      let gateProblem: string | undefined;
      const gate = await runGate(store, model, version, { allowProcesses: true }).catch((e: unknown) => { gateProblem = messageOf(e); return undefined; });
      const card = await buildModelCard(store, model, version, { gate, gateProblem, allowProcesses: true });
      if (json && !outArg) { printJson(io, card); return 0; }
      const text = format === 'html' ? cardHtml(card) : cardMarkdown(card);
      if (outArg) {
        const file = path.resolve(io.cwd, outArg);
        await writeCardFile(file, json ? `${JSON.stringify(card, null, 2)}\n` : text);
        io.stderr(`Wrote the model card of ${model} v${version} to ${file}\n`);
      } else {
        // The renderers already show control characters in the data as `\x1b`; the terminal escaping is a no-op then.
        io.stdout(text);
      }
      return 0;
    },
  },
};
