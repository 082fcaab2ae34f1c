/**
 * `mlops package`: a self-contained folder that serves one model version anywhere Python or Docker runs — the
 * artifact, the server, `serve.json`, `requirements.txt` pinned from the producing run's environment, a Dockerfile,
 * Kubernetes manifests and a README. The folder is built beside its destination and renamed into place, so a failed
 * build leaves nothing half-written, and an existing folder is only replaced (with `force`) when it is a package.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { MlopsError, messageOf } from '../errors';
import type { Goals } from '../goals/document';
import { hashPath } from '../data/hash';
import type { ModelVersion, Run } from '../store/schemas';
import type { Store } from '../store/store';
import { defaultServerFile } from './process';
import { buildServeSpec } from './spec';
import { DEFAULT_PORT, SERVER_FILE, type ServeSpec } from './types';

export const PACKAGE_SPEC_FILE = 'serve.json';
/** The Python used in the image when the run recorded none and the serving Python cannot say. */
export const FALLBACK_PYTHON = '3.12';

export interface PackageOptions {
  goals?: Goals;
  /** Replace an existing package folder (never a folder that is not one). */
  force?: boolean;
  /** Asked for its version when the run recorded no Python (default `python3`; null = start no process). */
  python?: string | null;
}

export interface PackageResult {
  dir: string;
  /** Paths written, relative to `dir`, POSIX separators, sorted. */
  files: string[];
  warnings: string[];
  /** The Kubernetes name (DNS-1123) and the image tag the manifests use. */
  name: string;
  image: string;
}

/** A DNS-1123 label (lowercase letters, digits and `-`, at most 63, starting and ending alphanumeric). */
export function dns1123(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return s || 'model';
}

/** `3.11.4` → `3.11`; undefined for anything that is not a CPython version. */
export function pythonMinor(version: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version?.trim() ?? '');
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/**
 * `requirements.txt` from a `pip freeze` style environment: the `name==version` lines, and a comment naming what was
 * left out (editable installs, VCS and URL references, local paths cannot be installed in an image as they are).
 */
export function pinnedRequirements(environment: string | undefined, source: string): { text: string; pinned: number; left: string[] } {
  if (environment === undefined) {
    return { text: `# ${source}\n# No environment was recorded for the run, so nothing is pinned: list the libraries the model needs here.\n`, pinned: 0, left: [] };
  }
  const pinned: string[] = [];
  const left: string[] = [];
  for (const raw of environment.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) { continue; }
    // The installer itself comes with the image's Python; pinning it from the training machine only breaks builds.
    if (/^(pip|setuptools|wheel|distribute)==/i.test(line)) { continue; }
    if (/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.!+_-]+$/.test(line)) { pinned.push(line); } else { left.push(line); }
  }
  const head = [`# Pinned from ${source}: the whole training environment (pip, setuptools and wheel left out);`, '# trim it to what the model needs to make the image smaller.'];
  if (left.length) {
    head.push('# Left out (editable installs, VCS, URL or local-path references cannot be installed here as they are):');
    for (const l of left) { head.push(`#   ${l}`); }
  }
  return { text: `${head.join('\n')}\n${pinned.map((p) => `${p}\n`).join('')}`, pinned: pinned.length, left };
}

/** The Dockerfile: a slim image of the run's Python, a non-root user, a health check that needs no curl. */
export function dockerfile(pythonVersion: string, port = DEFAULT_PORT): string {
  const check = `import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:${port}/health', timeout=4).status == 200 else 1)`;
  return [
    `FROM python:${pythonVersion}-slim`,
    'ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1',
    'RUN useradd --create-home --uid 10001 mlops',
    // WORKDIR would make /app as root, and COPY --chown does not change an existing folder: the server (non-root)
    // must be able to create its prediction log under /app/monitoring.
    'RUN mkdir -p /app/monitoring && chown -R mlops:mlops /app',
    'WORKDIR /app',
    'COPY requirements.txt .',
    'RUN pip install --no-cache-dir -r requirements.txt',
    'COPY --chown=mlops:mlops . .',
    'VOLUME /app/monitoring',
    'USER mlops',
    `EXPOSE ${port}`,
    `HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ${JSON.stringify(['python', '-c', check])}`,
    `CMD ${JSON.stringify(['python', SERVER_FILE, '--spec', PACKAGE_SPEC_FILE])}`,
    '',
  ].join('\n');
}

const MI = 1024 * 1024;

export function k8sManifests(name: string, image: string, mv: Pick<ModelVersion, 'model' | 'version'>, maxPeakMemoryBytes?: number, port = DEFAULT_PORT): { deployment: string; service: string } {
  const labels = { app: name, 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': `v${mv.version}`, 'app.kubernetes.io/managed-by': 'mlops-workbench' };
  const probe = (initialDelaySeconds: number, periodSeconds: number): Record<string, unknown> => ({
    httpGet: { path: '/health', port }, initialDelaySeconds, periodSeconds, timeoutSeconds: 5, failureThreshold: 3,
  });
  const container: Record<string, unknown> = {
    name, image, imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: port }],
    readinessProbe: probe(5, 10),
    livenessProbe: probe(15, 20),
    volumeMounts: [{ name: 'monitoring', mountPath: '/app/monitoring' }],
  };
  if (maxPeakMemoryBytes !== undefined && maxPeakMemoryBytes > 0) {
    container.resources = { limits: { memory: `${Math.ceil(maxPeakMemoryBytes / MI)}Mi` } };
  }
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, labels, annotations: { 'mlops-workbench/model': mv.model, 'mlops-workbench/version': String(mv.version) } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001 },
          containers: [container],
          // The prediction log lives as long as the pod; mount a persistent volume here to keep it.
          volumes: [{ name: 'monitoring', emptyDir: {} }],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, labels },
    spec: { type: 'ClusterIP', selector: { app: name }, ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] },
  };
  return { deployment: stringify(deployment, { aliasDuplicateObjects: false }), service: stringify(service, { aliasDuplicateObjects: false }) };
}

/** A request body the server accepts: one record with a plausible value for every input column. */
function sampleRequest(features: ServeSpec['features']): string {
  if (!features?.length) { return '[{"feature": 1.0}]'; }
  const value = (t: string): unknown => (t === 'integer' ? 1 : t === 'float' ? 1.5 : t === 'boolean' ? true : t === 'datetime' ? '2024-01-01' : 'a');
  return JSON.stringify([Object.fromEntries(features.map((f) => [f.name, value(f.type)]))]).replace(/'/g, "'\\''");
}

function readme(mv: ModelVersion, name: string, image: string, python: string, dockerNote: string, features: ServeSpec['features']): string {
  const sample = sampleRequest(features);
  return `# ${mv.model} v${mv.version} — model server package

Made by \`mlops package\` (MLOps Workbench) from run \`${mv.runId}\`. Everything needed to serve this model version:

| File | What |
| --- | --- |
| \`model/\` | the artifact (copied) |
| \`${SERVER_FILE}\` | the model server (Python standard library only) |
| \`${PACKAGE_SPEC_FILE}\` | what it serves: model, flavor, input columns, log settings (paths relative to this folder) |
| \`requirements.txt\` | the libraries of the training run, pinned |
| \`Dockerfile\` | image on \`python:${python}-slim\`, non-root user, health check on \`/health\` |
| \`k8s/\` | Deployment (readiness and liveness probes on \`/health\`) and a ClusterIP Service |

## Run it with Python

\`\`\`sh
pip install -r requirements.txt
python3 ${SERVER_FILE} --spec ${PACKAGE_SPEC_FILE}              # listens on 0.0.0.0:${DEFAULT_PORT}
python3 ${SERVER_FILE} --spec ${PACKAGE_SPEC_FILE} --host 127.0.0.1 --port 9000
\`\`\`

## Build and run the image

\`\`\`sh
docker build -t ${image} .
docker run --rm -p ${DEFAULT_PORT}:${DEFAULT_PORT} ${image}
\`\`\`
${dockerNote}
## Deploy to Kubernetes

\`\`\`sh
kubectl apply -f k8s/deployment.yaml -f k8s/service.yaml
kubectl port-forward service/${name} ${DEFAULT_PORT}:${DEFAULT_PORT}
\`\`\`

The image must be where the cluster can pull it (push \`${image}\` to your registry and change \`image:\` in
\`k8s/deployment.yaml\`). Kubernetes names must be DNS-1123 labels, so the model is deployed as \`${name}\`.
The prediction log is written to \`monitoring/\` inside the container (an \`emptyDir\` in the Deployment); mount a
persistent volume there to keep it.

## Call it

\`\`\`sh
curl -s http://127.0.0.1:${DEFAULT_PORT}/health
curl -s http://127.0.0.1:${DEFAULT_PORT}/metadata
curl -s -X POST http://127.0.0.1:${DEFAULT_PORT}/predict -H 'Content-Type: application/json' -d '${sample}'
curl -s -X POST http://127.0.0.1:${DEFAULT_PORT}/feedback -H 'Content-Type: application/json' -d '{"id": "<id from /predict>", "label": 1}'
\`\`\`

\`/predict\` takes a JSON list of records, one record, or a dict of columns, and answers
\`{"id", "model", "version", "predictions"}\` (the id also in the \`X-Request-Id\` header). Columns are checked against
the training data (\`features\` in \`${PACKAGE_SPEC_FILE}\`, see \`/metadata\`): unknown, missing or mistyped columns are a
400 naming every difference. Every request is appended to \`monitoring/<yyyy-mm-dd>.jsonl\`.
`;
}

async function isEmptyDir(dir: string): Promise<boolean | undefined> {
  const st = await fsp.lstat(dir).catch(() => undefined);
  if (!st) { return undefined; }
  if (!st.isDirectory()) { throw new MlopsError(`${dir} exists and is not a folder; choose another --out`, 'conflict'); }
  return (await fsp.readdir(dir)).length === 0;
}

/** The serving Python's major.minor, asked without blocking (the extension host runs this too). */
function servingPythonVersion(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : pythonMinor(stdout)));
  });
}

/** Copies a file or folder (links are copied as the files they point at; nothing outside is followed into). */
async function copyArtifact(from: string, to: string): Promise<void> {
  const st = await fsp.stat(from).catch(() => undefined);
  if (!st) { throw new MlopsError(`the artifact ${from} does not exist on this machine; package it where it was trained`, 'not-found'); }
  await fsp.mkdir(path.dirname(to), { recursive: true });
  if (st.isDirectory()) {
    // A link inside the artifact folder to a file outside it would copy that file (say /etc/hostname or a key) into
    // the image: refused. Links that stay inside are copied as the files they point at.
    const root = await fsp.realpath(from);
    await fsp.cp(from, to, { recursive: true, dereference: true, errorOnExist: true, force: false,
      filter: async (src) => {
        const lst = await fsp.lstat(src);
        if (!lst.isSymbolicLink()) { return true; }
        const real = await fsp.realpath(src).catch(() => undefined);
        if (!real || (real !== root && !real.startsWith(root + path.sep))) {
          throw new MlopsError(`the artifact folder has a link ${path.relative(from, src)} that leads outside it${real ? ` (to ${real})` : ''}; packaging it would copy that file into the image`, 'invalid-input');
        }
        return true;
      } });
  } else {
    await fsp.copyFile(from, to, fsc.COPYFILE_EXCL);
  }
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { out.push(...await listFiles(p, base)); } else { out.push(path.relative(base, p).split(path.sep).join('/')); }
  }
  return out.sort();
}

/**
 * Writes the package of a model version into `outDir`, a new folder (or an empty one; an existing package only with
 * `force`). Built in a temp sibling and renamed into place.
 */
export async function buildPackage(store: Store, mv: ModelVersion, outDir: string, opts: PackageOptions = {}): Promise<PackageResult> {
  const dir = path.resolve(outDir);
  const empty = await isEmptyDir(dir);
  if (empty === false) {
    if (!opts.force) { throw new MlopsError(`${dir} already exists and is not empty; pass --force to replace the package there, or choose another --out`, 'conflict'); }
    const marker = await fsp.stat(path.join(dir, PACKAGE_SPEC_FILE)).catch(() => undefined);
    const server = await fsp.stat(path.join(dir, SERVER_FILE)).catch(() => undefined);
    if (!marker?.isFile() || !server?.isFile()) {
      throw new MlopsError(`${dir} is not a package folder (no ${PACKAGE_SPEC_FILE} and ${SERVER_FILE}); --force only replaces a package, never other files: choose another --out`, 'conflict');
    }
  }
  const { spec: local, warnings } = await buildServeSpec(store, mv, { goals: opts.goals });
  const goals = opts.goals ?? (await store.goals.read().catch(() => undefined))?.doc.goals;
  const run: Run | undefined = await store.readRun(mv.runId).catch(() => undefined);

  // The artifact must still be what was registered.
  const artifactAbs = local.artifact;
  const hashed = await hashPath(artifactAbs).catch((e: unknown) => {
    throw new MlopsError(`the artifact ${mv.artifact.path} cannot be read (${messageOf(e)}); package it where it was trained`, 'not-found');
  });
  const hash = hashed.kind === 'file' ? hashed.entries[0]?.sha256 : hashed.contentHash;
  if (hash !== mv.artifact.sha256) { warnings.push(`the artifact ${mv.artifact.path} changed since ${mv.model} v${mv.version} was registered (its sha256 differs); the package holds it as it is now`); }

  // Python of the image.
  let python = pythonMinor(run?.meta.python);
  if (!python) {
    const asked = opts.python === null ? undefined : await servingPythonVersion(opts.python ?? 'python3');
    python = asked ?? FALLBACK_PYTHON;
    warnings.push(asked ? `the run recorded no Python version; the image uses python:${python}-slim (the serving Python's)` : `the run recorded no Python version; the image uses python:${python}-slim`);
  }

  // requirements.txt from the run's recorded environment.
  let environment: string | undefined;
  const envFile = run?.meta.environment?.file;
  if (run && envFile) {
    environment = await fsp.readFile(path.join(store.runDir(run.id), envFile), 'utf8').catch(() => undefined);
    if (environment === undefined) { warnings.push(`the run's environment file ${envFile} cannot be read; requirements.txt pins nothing`); }
  } else {
    warnings.push('the run recorded no environment (pip freeze); requirements.txt pins nothing: list the libraries the model needs there');
  }
  const req = pinnedRequirements(environment, `the environment of run ${mv.runId} (${envFile ?? 'none recorded'})`);
  if (req.left.length) { warnings.push(`requirements.txt leaves out ${req.left.length} line${req.left.length === 1 ? '' : 's'} that cannot be pinned (editable, VCS or URL references); see its comments`); }

  const name = dns1123(mv.model);
  if (name !== mv.model) { warnings.push(`Kubernetes names must be DNS-1123 labels (lowercase letters, digits, '-'): the model '${mv.model}' is deployed as '${name}'`); }
  const image = `${name}:v${mv.version}`;

  // The python flavor's entry file, checked before anything is written.
  let entryFile: { from: string; rel: string } | undefined;
  if (local.flavor.name === 'python') {
    const entry = local.flavor.entry ?? '';
    const where = entry.slice(0, entry.lastIndexOf(':'));
    if (where.endsWith('.py') || where.includes('/')) {
      const from = path.resolve(store.root, where);
      const rel = path.relative(store.root, from);
      if (rel.startsWith('..') || path.isAbsolute(rel)) { throw new MlopsError(`the entry file ${where} is outside the workspace; it cannot be packaged`); }
      if (!(await fsp.stat(from).catch(() => undefined))?.isFile()) { throw new MlopsError(`the entry file ${where} (flavor python, entry ${entry}) does not exist in the workspace`, 'not-found'); }
      entryFile = { from, rel: rel.split(path.sep).join('/') };
    } else {
      warnings.push(`the entry ${entry} is a module, not a file: install its package in the image (add it to requirements.txt)`);
    }
  }

  const artifactName = path.basename(artifactAbs);
  const spec: ServeSpec = {
    ...local,
    artifact: `model/${artifactName}`,
    pythonPath: ['.'],
    logDir: 'monitoring',
    host: '0.0.0.0',
    port: DEFAULT_PORT,
  };

  const parent = path.dirname(dir);
  await fsp.mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${randomBytes(6).toString('hex')}`);
  await fsp.mkdir(tmp);
  try {
    const write = async (rel: string, text: string): Promise<void> => {
      const file = path.join(tmp, ...rel.split('/'));
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(file, text, { encoding: 'utf8', flag: 'wx' });
    };
    await copyArtifact(artifactAbs, path.join(tmp, 'model', artifactName));
    await fsp.copyFile(defaultServerFile(), path.join(tmp, SERVER_FILE), fsc.COPYFILE_EXCL);
    if (entryFile) {
      const to = path.join(tmp, ...entryFile.rel.split('/'));
      await fsp.mkdir(path.dirname(to), { recursive: true });
      await fsp.copyFile(entryFile.from, to, fsc.COPYFILE_EXCL);
    }
    await write(PACKAGE_SPEC_FILE, `${JSON.stringify(spec, null, 2)}\n`);
    await write('requirements.txt', req.text);
    await write('Dockerfile', dockerfile(python));
    await write('.dockerignore', 'monitoring/\n__pycache__/\n*.pyc\n');
    const k8s = k8sManifests(name, image, mv, goals?.constraints.maxPeakMemoryBytes);
    await write('k8s/deployment.yaml', k8s.deployment);
    await write('k8s/service.yaml', k8s.service);
    const dockerNote = (await dockerAvailable()) ? '' : '\n(`docker` was not on PATH when this package was made.)\n';
    await write('README.md', readme(mv, name, image, python, dockerNote, spec.features));
    const files = await listFiles(tmp);
    if (empty === undefined || empty === true) {
      if (empty === true) { await fsp.rmdir(dir); }
      await fsp.rename(tmp, dir);
    } else {
      // Replace an existing package: move it aside, move the new one in, then delete the old one.
      const old = path.join(parent, `.${path.basename(dir)}.old-${randomBytes(6).toString('hex')}`);
      await fsp.rename(dir, old);
      await fsp.rename(tmp, dir);
      await fsp.rm(old, { recursive: true, force: true });
    }
    return { dir, files, warnings, name, image };
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

/** Whether a `docker` executable is on PATH (it is not run). */
export async function dockerAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return (await dockerPath(env)) !== undefined;
}

/** The `docker` executable on PATH (absolute), or undefined. */
export async function dockerPath(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? ['docker.exe', 'docker.cmd', 'docker'] : ['docker'];
  for (const d of dirs) {
    for (const n of names) {
      try {
        await fsp.access(path.join(d, n), fsc.X_OK);
        const st = await fsp.stat(path.join(d, n));
        if (st.isFile()) { return path.join(d, n); }
      } catch { /* not here */ }
    }
  }
  return undefined;
}
