/**
 * Teams sharing one `.mlops/` store through git (issue 17). The store's layout keeps concurrent work in separate
 * files (a folder per run, a file per data version and model version), so merges are clean; this module covers what
 * is left:
 *
 * - **JSON merges** of a file both sides changed (a model version archived on both machines by two promotions: the
 *   same stage, two history entries) — a git merge driver (`mlops git merge-driver`, configured by `mlops git setup`
 *   or MLOps: Set Up Git Merging for .mlops) merges the JSON structurally and only leaves a conflict when both sides
 *   changed one value differently.
 * - **Two versions in production** after a merge (two people promoted different versions of one model): detected,
 *   shown, refused by the gate, resolved by choosing the one to keep.
 * - **One version number claimed twice** (both machines created `versions/3.json`): git's add/add conflict, detected
 *   from the index, resolved by renumbering one to the next free number, keeping both.
 *
 * Pure core (no vscode); git is run as a child process (`git`, found on PATH) in the store's repository.
 */

/** One problem that a merge left in the store, that a person must resolve (the tree warns, the gate refuses). */
export type TeamConflict =
  | {
    kind: 'multipleProduction';
    model: string;
    /** The versions whose stage is `production`, ascending; length ≥ 2. */
    versions: number[];
    /** "2 versions in production (3, 4): keep one with Resolve…" */
    message: string;
  }
  | {
    kind: 'versionClaimedTwice';
    model: string;
    /** The version number both sides created. */
    version: number;
    /** The file, relative to the workspace root with `/` (`.mlops/models/churn/versions/3.json`). */
    file: string;
    /** "version 3 was created on two machines (git add/add conflict): Resolve… renumbers one, keeping both" */
    message: string;
  }
  | {
    /**
     * A store file git left in conflict that is not a number claimed twice (changed on both sides, deleted on one
     * side and changed on the other), or a store file with conflict markers committed in it: a person edits it.
     */
    kind: 'unmergedFile';
    /** The model the file belongs to (a model version file), so the model is flagged and its gate refuses. */
    model?: string;
    /** The version, when the file is a model version file. */
    version?: number;
    /** The file, relative to the workspace root with `/`. */
    file: string;
    /** What happened to the file and what to do about it. */
    message: string;
  };

/** What `resolveMultipleProduction` did. */
export interface ProductionResolution {
  model: string;
  kept: number;
  archived: number[];
}

/** What `resolveVersionClaim` did: both versions kept; one moved to the next free number; the files are staged. */
export interface VersionClaimResolution {
  model: string;
  /** The version that kept its number. */
  kept: { version: number; runId: string; createdAt: string };
  /** The version that was moved (the local, unpublished one). */
  renumbered: { from: number; to: number; runId: string; createdAt: string };
  /** Files written (workspace-relative, `/`). */
  files: string[];
}

/** The outcome of merging one JSON file three ways (`mergeJson`). */
export type JsonMergeResult =
  | { ok: true; text: string }
  | { ok: false; reason: string };
