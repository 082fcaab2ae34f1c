import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, type StoreState } from '../../core';
import type { RetrainDecision, TriggerEvaluation } from '../../core/retrain/types';
import { Commands } from '../ids';
import type { Log } from '../log';
import type { MonitoringApi } from '../monitor/register';
import type { WorkspaceStores } from '../stores';
import { guarded, pickStore } from '../ui';
import { computeFacts, decide, retrainLogFile, writeAnalysisNotebook } from './coreApi';
import { RetrainingService } from './service';
import { checkItems } from './view';

/** What registerRetraining gives the composition root (and, through MlopsApi, the integration tests). */
export interface RetrainingApi {
  service: RetrainingService;
  /** Notebooks written by Open Analysis in this window, newest last. */
  analyses: string[];
}

interface Target { root?: string; model?: string; trigger?: string; confirm?: boolean }

function targetOf(arg: unknown): Target {
  if (!arg || typeof arg !== 'object') { return {}; }
  const a = arg as Record<string, unknown>;
  const str = (k: string) => (typeof a[k] === 'string' ? a[k] : undefined);
  return { root: str('root'), model: str('model'), trigger: str('trigger'), ...(typeof a.confirm === 'boolean' ? { confirm: a.confirm } : {}) };
}

/** Opens a notebook as a notebook when the editor can, else its JSON. */
async function openNotebook(file: string, log: Log): Promise<void> {
  const uri = vscode.Uri.file(file);
  try {
    await vscode.commands.executeCommand('vscode.openWith', uri, 'jupyter-notebook');
    return;
  } catch (e) {
    log.debug(`retraining: no jupyter-notebook editor (${String(e)}); trying the notebook API`);
  }
  try {
    await vscode.window.showNotebookDocument(await vscode.workspace.openNotebookDocument(uri));
  } catch {
    await vscode.window.showTextDocument(uri);
  }
}

/** Retraining in the editor: the live service (Monitoring view node, notifications, automation) and its four commands. */
export function registerRetraining(ctx: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, monitoring: MonitoringApi): RetrainingApi {
  const service = new RetrainingService(monitoring.service, stores, ctx, log);
  monitoring.tree.attachRetraining(service);
  const analyses: string[] = [];
  ctx.subscriptions.push(service);

  const reg = (id: string, fn: (...args: unknown[]) => Promise<unknown>) => ctx.subscriptions.push(vscode.commands.registerCommand(id, guarded(log, id, fn)));

  /** The store and model named by the arguments (a Monitoring view node, `{root, model}`), else picked. */
  async function resolve(arg: unknown, placeHolder: string): Promise<{ state: StoreState; model: string; t: Target } | undefined> {
    const t = targetOf(arg);
    const state = await pickStore(stores, t.root);
    if (!state) { return undefined; }
    if (t.model) { return { state, model: t.model, t }; }
    await monitoring.service.ready();
    const goals = state.goalsFile?.doc.goals;
    const models = [...new Set([...monitoring.service.list(state.root).map((e) => e.model),
      ...(goals?.retraining.triggers.flatMap((tr) => (tr.model ? [tr.model] : [])) ?? []), ...(goals?.retraining.model ? [goals.retraining.model] : [])])].sort();
    if (!models.length) { throw new MlopsError('no model is monitored or named by a retraining trigger yet', 'not-found'); }
    const model = models.length === 1 ? models[0] : (await vscode.window.showQuickPick(models, { placeHolder }));
    return model ? { state, model, t } : undefined;
  }

  /** The evaluation of a trigger for a model: the service's latest, else evaluated now. */
  async function evaluationOf(state: StoreState, model: string, trigger?: string): Promise<{ evaluation: TriggerEvaluation; decision?: RetrainDecision } | undefined> {
    const find = () => service.evaluations(state.root).filter((e) => e.evaluation.model === model && (trigger === undefined || e.evaluation.trigger.name === trigger));
    let found = find();
    if (!found.length) { await service.evaluate(state.root); found = find(); }
    // Without a trigger named: the firing one first (then the first in the file).
    return [...found].sort((a, b) => Number(b.evaluation.fired) - Number(a.evaluation.fired))[0];
  }

  reg(Commands.checkRetraining, async () => {
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MLOps: checking the retraining triggers…' }, () => service.checkNow());
    const all = results.flatMap((r) => r.evaluations);
    if (!all.length) {
      void vscode.window.showInformationMessage('MLOps: no retraining trigger in goals.json (add them under retraining.triggers).');
      return results;
    }
    const items = checkItems(all);
    const firing = items.filter((i) => i.fired).length;
    void vscode.window.showQuickPick(items.map((i) => ({ label: i.label, description: i.description, detail: i.detail })),
      { placeHolder: `${firing} of ${items.length} retraining trigger${items.length === 1 ? '' : 's'} firing (logged to .mlops/retraining/log.jsonl)`, matchOnDetail: true });
    return results;
  });

  reg(Commands.runRetrainingPipeline, async (arg?: unknown) => {
    const r = await resolve(arg, 'Model to retrain');
    if (!r) { return undefined; }
    const { state, model, t } = r;
    const goals = state.goalsFile?.doc.goals;
    let found = await evaluationOf(state, model, t.trigger);
    if (t.trigger && !found) { throw new MlopsError(`no retraining trigger '${t.trigger}' watches ${model} in goals.json`, 'not-found'); }
    const byTrigger = !!found;
    if (!found) {
      // No trigger watches the model: its facts as they are now, and goals.json's default pipeline.
      const facts = await computeFacts(state.store, model, { goals, report: monitoring.service.get(state.root, model)?.report });
      const pipeline = goals?.retraining.pipeline;
      // Not logged (no trigger decided anything): the pipeline run records `manual` as what started it.
      const trigger = { index: -1, kind: 'schedule' as const, name: 'manual', automation: 'ask' as const, model, offset: 0, length: 0, ...(pipeline ? { pipeline } : {}) };
      found = { evaluation: { trigger, model, fired: false, summary: 'started by hand', facts } };
    }
    const decision: RetrainDecision = { ...(found.decision ?? decide(found.evaluation)), applied: 'ask' };
    return service.runPipeline(state, decision, { stage: 'staging', level: 'ask', reveal: true, confirm: t.confirm !== false, log: byTrigger });
  });

  reg(Commands.openRetrainingAnalysis, async (arg?: unknown) => {
    const r = await resolve(arg, 'Model to analyse');
    if (!r) { return undefined; }
    const found = await evaluationOf(r.state, r.model, r.t.trigger);
    const { file } = await writeAnalysisNotebook(r.state.store, { model: r.model, ...(found ? { evaluation: found.evaluation, decision: found.decision ?? decide(found.evaluation) } : {}) });
    analyses.push(file);
    await openNotebook(file, log);
    return file;
  });

  reg(Commands.openRetrainingLog, async (arg?: unknown) => {
    const state = await pickStore(stores, targetOf(arg).root);
    if (!state) { return undefined; }
    const file = retrainLogFile(state.store);
    if (!fs.existsSync(file)) {
      void vscode.window.showInformationMessage(`MLOps: no retraining decision logged yet in ${path.basename(state.root)} (${path.relative(state.root, file)} appears with the first one).`);
      return undefined;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
    return file;
  });

  return { service, analyses };
}
