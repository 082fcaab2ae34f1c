/**
 * Serving a model version: what the TypeScript side (CLI, extension, packager) hands the Python server
 * (`python/mlops_serve.py`, standard library only). The server reads one JSON file, the serve spec, and needs
 * nothing else from the store: the same server runs from the workspace (`mlops serve`) and from a package folder
 * (`mlops package`, then `python3 mlops_serve.py --spec serve.json`).
 */
import type { ModelFlavor } from '../store/schemas';
import type { LogInputMode } from '../monitor/types';

export const SERVE_SPEC_VERSION = 1;
/** The server file shipped in the extension's `python/` folder and copied into packages. */
export const SERVER_FILE = 'mlops_serve.py';
export const DEFAULT_PORT = 8080;
/** Request bodies above this are refused with 413. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A client that has not sent its whole request within this many seconds is disconnected (the worker is freed). */
export const REQUEST_TIMEOUT_S = 10;

/** A column the model takes, from the training data profile: its name and profiled type. */
export interface FeatureSpec {
  name: string;
  /** integer | float | boolean | datetime | categorical | string (the profile's types). */
  type: string;
  /** Whether the training data had missing values in it (then null / absent is accepted). */
  nullable: boolean;
}

/**
 * `serve.json`. Paths are relative to the spec file's folder unless absolute, so a package folder can move.
 * The server prints one line `MLOPS_SERVE_READY {"url": …, "port": …}` on stdout when it listens, and exits 2 with
 * one line on stderr when it cannot start (port in use, artifact missing, entry point failing).
 */
export interface ServeSpec {
  formatVersion: number;
  model: string;
  version: number;
  runId: string;
  commit?: string;
  dataVersions: { dataset: string; id: string }[];
  flavor: ModelFlavor;
  /** The artifact file or folder. */
  artifact: string;
  /** Folders put first on sys.path (the workspace root, for `python` entries such as `predict.py:predict`). */
  pythonPath: string[];
  /** The model's input columns (the training profile minus the label), or null when no profile is known (no checks). */
  features: FeatureSpec[] | null;
  /** The label column, accepted and ignored in requests (it is not an input). */
  label?: string;
  /** Where to append the prediction log (`.mlops/monitoring/<model>`), or null for no log. */
  logDir: string | null;
  logInputs: LogInputMode;
  host: string;
  /** 0 = a free port chosen by the OS (the ready line says which). */
  port: number;
  maxBodyBytes: number;
  /** Seconds a client has for its request line and headers (one deadline), and for its body. */
  requestTimeoutS: number;
  /** Open connections at most (default 256 in the server); beyond them 503 and close. */
  maxConnections?: number;
}

/** The line the server prints on stdout once it listens. */
export const READY_PREFIX = 'MLOPS_SERVE_READY ';
