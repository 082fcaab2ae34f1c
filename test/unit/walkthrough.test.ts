import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, StoreState } from '../../src/core';
import { Commands, ContextKeys, WALKTHROUGH_ID } from '../../src/vscode/ids';
import { walkthroughFacts } from '../../src/vscode/walkthrough/facts';
import { REPO, mlops, tmpDir } from './helpers';

interface Step { id: string; title: string; description: string; media: { svg?: string; image?: string; markdown?: string; altText?: string }; completionEvents: string[] }
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  contributes: { walkthroughs: { id: string; steps: Step[] }[]; jsonValidation: { fileMatch: string | string[]; url: string }[] };
};

describe('walkthrough facts', () => {
  it('follow what any writer put in the store, read from the loaded state', async function () {
    this.timeout(60_000);
    const dir = tmpDir();
    const { store } = await Store.init(dir);
    const state = new StoreState(store);
    const facts = async () => { await state.load(); return walkthroughFacts([state]); };
    assert.deepEqual(await facts(), { hasRun: false, hasDataVersion: false, hasGoals: false, hasProduction: false });

    const logged = mlops(['run', 'log', '--experiment', 'base', '--metric', 'acc=0.9', '--no-git'], dir);
    assert.equal(logged.code, 0, logged.stderr);
    fs.writeFileSync(path.join(dir, 'd.csv'), 'a,b\n1,2\n');
    assert.equal(mlops(['data', 'tag', 'd.csv', '--dataset', 'train'], dir).code, 0);
    assert.deepEqual(await facts(), { hasRun: true, hasDataVersion: true, hasGoals: false, hasProduction: false });

    fs.writeFileSync(path.join(dir, 'model.bin'), 'w');
    const runId = /Logged run ([0-9A-Z]{26})/.exec(logged.stdout)![1];
    assert.equal(mlops(['model', 'register', '--name', 'churn', '--run', runId, '--artifact', 'model.bin'], dir).code, 0);
    assert.equal((await facts()).hasProduction, false, 'a registered version is not in production');
    fs.writeFileSync(path.join(dir, '.mlops', 'goals.json'), '{ "formatVersion": 1 }\n');
    const promoted = mlops(['model', 'promote', 'churn', '1', '--stage', 'production', '--waive', 'goals,lineage,dependencies,notebooks', '--reason', 'unit test'], dir);
    assert.equal(promoted.code, 0, promoted.stderr + promoted.stdout);
    assert.deepEqual(await facts(), { hasRun: true, hasDataVersion: true, hasGoals: true, hasProduction: true });
  });

  it('a step is complete when any open store has it', () => {
    const empty = { runs: { size: 0 }, dataVersions: [], modelVersions: [], goalsFile: undefined };
    const withRun = { ...empty, runs: { size: 3 } };
    assert.equal(walkthroughFacts([empty, withRun]).hasRun, true);
    assert.equal(walkthroughFacts([]).hasRun, false);
  });
});

describe('contributes.walkthroughs', () => {
  const walkthrough = pkg.contributes.walkthroughs.find((w) => w.id === WALKTHROUGH_ID);

  it('is the one Get Started opens, with every step completing on something the extension provides', () => {
    assert.ok(walkthrough, `walkthrough ${WALKTHROUGH_ID} in package.json`);
    const commands = new Set<string>(Object.values(Commands));
    const keys = new Set<string>(Object.values(ContextKeys));
    for (const step of walkthrough.steps) {
      assert.ok(step.completionEvents.length > 0, `${step.id} has completion events`);
      for (const e of step.completionEvents) {
        const [, kind, arg] = /^([^:]+):(.*)$/.exec(e) ?? [];
        if (kind === 'onCommand') { assert.ok(commands.has(arg), `${step.id}: ${arg} is a contributed command`); }
        else if (kind === 'onContext') { assert.ok(keys.has(arg), `${step.id}: ${arg} is a context key the extension sets`); }
        else { assert.fail(`${step.id}: unexpected completion event ${e}`); }
      }
      for (const [, id] of step.description.matchAll(/\]\(command:([^)?]+)\)/g)) { assert.ok(commands.has(id), `${step.id}: link to ${id}`); }
      assert.match(step.description, /\]\(command:/, `${step.id} links to its command`);
      const media = step.media.svg ?? step.media.image ?? step.media.markdown;
      assert.ok(media && fs.existsSync(path.join(REPO, media)), `${step.id}: media ${media} exists`);
      assert.ok(step.media.markdown || step.media.altText, `${step.id}: media has alt text`);
    }
  });

  it('every walkthrough SVG is well-formed and draws with the theme colours', () => {
    for (const step of walkthrough!.steps.filter((s) => s.media.svg)) {
      const svg = fs.readFileSync(path.join(REPO, step.media.svg!), 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, step.media.svg);
      assert.match(svg, /var\(--vscode-foreground/, `${step.media.svg} follows the theme`);
      assert.equal((svg.match(/<text\b/g) ?? []).length, (svg.match(/<\/text>/g) ?? []).length, `${step.media.svg}: balanced text elements`);
    }
  });
});

describe('contributes.jsonValidation', () => {
  it('points at shipped schemas only', () => {
    for (const j of pkg.contributes.jsonValidation) { assert.ok(fs.existsSync(path.join(REPO, j.url)), j.url); }
  });
});
