import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, Store } from '../../core';
import { RULE_HELP, canPin, pinReplacement, type Finding, type RuleCode } from '../../core/lint';
import { Commands } from '../ids';
import { cachedVersion, installedVersions } from './python';
import { LINT_SOURCE, toRange, type LintDiagnostics } from './lintDiagnostics';
import { notebookCodeActions } from './notebookActions';

export interface FindingRef { uri: string; line: number; column: number; code?: string }

function findingAt(lint: LintDiagnostics, ref: FindingRef): { doc: Thenable<vscode.TextDocument>; finding: Finding } {
  const uri = vscode.Uri.parse(ref.uri);
  const finding = lint.findingsOf(uri).find((f) => f.line === ref.line && f.column === ref.column && (!ref.code || f.code === ref.code));
  if (!finding) { throw new MlopsError('that finding is gone (the file changed); try the quick fix again', 'not-found'); }
  return { doc: vscode.workspace.openTextDocument(uri), finding };
}

/** Quick fixes on MLOps diagnostics. */
export class LintCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly lint: LintDiagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = ctx.diagnostics.filter((d) => d.source === LINT_SOURCE);
    if (!ours.length) { return []; }
    const findings = this.lint.findingsOf(doc.uri);
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const f = findings.find((x) => x.code === d.code && toRange(x).isEqual(d.range));
      if (!f) { continue; }
      const ref: FindingRef = { uri: doc.uri.toString(), line: f.line, column: f.column, code: f.code };
      if (canPin(f) && pinReplacement(doc.getText(), f, '0') && f.package) {
        const a = new vscode.CodeAction(`Pin '${f.package}' to the installed version`, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.isPreferred = true;
        a.command = { command: Commands.pinDependency, title: a.title, arguments: [ref] };
        actions.push(a);
      }
      actions.push(...notebookCodeActions(doc, d, f));
      if ((f.code === 'contrib' || f.code === 'unpinned-contrib' || f.code === 'contrib-import') && f.package) {
        const a = new vscode.CodeAction(`Add '${f.package}' to the vetted set (.mlops/policy.json)`, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.command = { command: Commands.addToVetted, title: a.title, arguments: [{ uri: doc.uri.toString(), name: f.package }] };
        actions.push(a);
      }
    }
    const pinnable = findings.filter((f) => canPin(f) && f.package);
    if (pinnable.length > 1 && actions.some((a) => a.command?.command === Commands.pinDependency)) {
      const a = new vscode.CodeAction(`Pin all ${pinnable.length} unpinned dependencies in this file to their installed versions`, vscode.CodeActionKind.QuickFix);
      a.command = { command: Commands.pinAllDependencies, title: a.title, arguments: [doc.uri.toString()] };
      actions.push(a);
    }
    return actions;
  }
}

/** `mlops.pinDependency`: pins one requirement to the version installed in the selected Python environment. */
export async function pinDependency(lint: LintDiagnostics, ref: FindingRef): Promise<string | undefined> {
  const { doc: docP, finding } = findingAt(lint, ref);
  const doc = await docP;
  const name = finding.package!;
  const r = await installedVersions([name], doc.uri, lint.log);
  const version = r.versions[name];
  if (!version) {
    void vscode.window.showWarningMessage(`MLOps: '${name}' is not installed in ${r.interpreter} (Python ${r.python}); install it there first, or pin it by hand.`);
    return undefined;
  }
  const rep = pinReplacement(doc.getText(), finding, version);
  if (!rep) { throw new MlopsError(`'${name}' cannot be pinned automatically here`); }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, toRange(rep), rep.text);
  await vscode.workspace.applyEdit(edit);
  await lint.lintDocument(doc);
  return version;
}

/** `mlops.pinAllDependencies`: one query to Python, one edit for every pinnable requirement that is installed. */
export async function pinAllDependencies(lint: LintDiagnostics, uriText: string): Promise<{ pinned: string[]; missing: string[] }> {
  const uri = vscode.Uri.parse(uriText);
  const doc = await vscode.workspace.openTextDocument(uri);
  const findings = (await lint.lintDocument(doc)).filter((f) => canPin(f) && f.package);
  const r = await installedVersions([...new Set(findings.map((f) => f.package!))], uri, lint.log);
  const edit = new vscode.WorkspaceEdit();
  const pinned: string[] = [];
  const missing: string[] = [];
  for (const f of findings) {
    const v = r.versions[f.package!];
    const rep = v ? pinReplacement(doc.getText(), f, v) : undefined;
    if (rep) { edit.replace(uri, toRange(rep), rep.text); pinned.push(f.package!); } else { missing.push(f.package!); }
  }
  if (pinned.length) { await vscode.workspace.applyEdit(edit); await lint.lintDocument(doc); }
  void vscode.window.showInformationMessage(`MLOps: pinned ${pinned.length} of ${findings.length} dependencies to the versions in ${r.interpreter}`
    + (missing.length ? `; not installed there: ${missing.join(', ')}` : ''));
  return { pinned, missing };
}

/** `mlops.addToVetted`: writes the package into the workspace policy (creating the store if needed). */
export async function addToVetted(lint: LintDiagnostics, arg: { uri: string; name: string }): Promise<string[]> {
  const uri = vscode.Uri.parse(arg.uri);
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
  const root = Store.findRoot(folder) ?? folder;
  const store = (await Store.init(root)).store;
  const policy = await store.addVetted([arg.name]);
  await lint.policyChanged();
  return policy.vetted ?? [];
}

/** Hover on a finding: why the rule fired, and the installed version when it is already known. */
export class LintHover implements vscode.HoverProvider {
  constructor(private readonly lint: LintDiagnostics) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const hits = this.lint.findingsOf(doc.uri).filter((f) => toRange(f).contains(pos));
    if (!hits.length) { return undefined; }
    const md = new vscode.MarkdownString();
    for (const f of hits) {
      md.appendMarkdown(`**MLOps \`${f.code}\`** — `);
      md.appendText(f.message);
      md.appendMarkdown('\n\n');
      md.appendText(RULE_HELP[f.code as RuleCode] ?? '');
      if (f.package) {
        const v = cachedVersion(f.package);
        md.appendMarkdown('\n\n');
        md.appendText(v ? `Installed in the selected Python environment: ${f.package} ${v}` : v === null ? `${f.package} is not installed in the selected Python environment.` : 'Use the quick fix to pin it to the version installed in the selected Python environment.');
      }
      md.appendMarkdown('\n\n---\n\n');
    }
    return new vscode.Hover(md, toRange(hits[0]));
  }
}
