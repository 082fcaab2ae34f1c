/**
 * What the Models view shows of a conflict a git merge left in the store (issue 17): the model and its conflicting
 * versions get a warning icon, a short description ("2 versions in production", "version 4 claimed twice"), a
 * tooltip that says what Resolve… does, and a `.conflict` suffix on their context value so the Resolve… menu entries
 * appear on them. Pure: the conflicts come from the in-memory versions (two in production) and from the team core
 * (a version number claimed on two machines, read from git's index while a merge is in progress).
 */
import { productionConflicts } from '../team/production';
import type { TeamConflict } from '../team/types';
import { escapeMarkdown } from './describe';
import type { ViewNode } from './treeModel';

/** The context-value suffix of a model or model version node that has a conflict to resolve. */
export const CONFLICT_SUFFIX = '.conflict';

/**
 * Models with two or more versions in production not promoted alongside each other, from versions already in memory
 * (no file read, no git): the team core's rule (`productionConflicts`), so the tree and the gate agree.
 */
export { productionConflicts };

/** A conflict in a few words, for a tree row's description. */
export function conflictSummary(c: TeamConflict): string {
  if (c.kind === 'unmergedFile') { return c.version === undefined ? 'file in conflict' : `version ${c.version} in conflict`; }
  return c.kind === 'multipleProduction' ? `${c.versions.length} versions in production` : `version ${c.version} claimed twice`;
}

/** What Resolve… will do for a conflict, for tooltips and the palette's pick. */
export function resolveHint(c: TeamConflict): string {
  if (c.kind === 'unmergedFile') { return `Resolve… cannot decide this one: edit ${c.file} to keep what both sides meant (or follow the advice above), then git add it.`; }
  return c.kind === 'multipleProduction'
    ? `Resolve… asks which of ${c.versions.map((v) => `v${v}`).join(', ')} stays in production; the others are archived (their history says why).`
    : `Resolve… keeps both: the version created first keeps number ${c.version}, the other moves to the next free number; both files are staged for the merge commit.`;
}

/** The versions of a model a conflict is about. */
export function conflictVersions(c: TeamConflict): number[] {
  if (c.kind === 'unmergedFile') { return c.version === undefined ? [] : [c.version]; }
  return c.kind === 'multipleProduction' ? c.versions : [c.version];
}

/**
 * Marks a model or model version node of the Models view that has conflicts (every other node is returned as it
 * is). The node is copied, never changed in place.
 */
export function markTeamConflicts(node: ViewNode, conflicts: readonly TeamConflict[]): ViewNode {
  if (node.view !== 'models' || node.store || (node.kind !== 'model' && node.kind !== 'modelVersion') || !node.model) { return node; }
  const mine = conflicts.filter((c) => c.model === node.model && (node.kind === 'model' || conflictVersions(c).includes(node.version ?? -1)));
  if (!mine.length) { return node; }
  const summary = mine.map(conflictSummary).join(' · ');
  const tooltip = [`**${escapeMarkdown(node.model)}${node.kind === 'modelVersion' ? ` v${node.version}` : ''}**: needs a decision after a git merge  `,
    ...mine.flatMap((c) => [`${escapeMarkdown(c.message)}  `, `${escapeMarkdown(resolveHint(c))}  `]),
    ...(mine.some((c) => c.kind !== 'versionClaimedTwice') ? ['Until then the gate refuses to promote a version of this model to production.'] : []),
    ...(node.tooltip ? ['', '---', '', node.tooltip] : [])].join('\n');
  return { ...node, icon: { symbol: 'problem' }, description: node.kind === 'model' ? summary : `${summary} · ${node.description ?? ''}`.replace(/ · $/, ''),
    tooltip, contextValue: `${node.contextValue ?? `mlops.${node.kind}`}${CONFLICT_SUFFIX}` };
}
