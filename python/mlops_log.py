"""mlops_log: log runs, metrics, data versions and models to an MLOps Workbench ``.mlops`` store.

A single file with no dependencies beyond the Python standard library (Python >= 3.8). It writes the same
format as the VS Code extension and the ``mlops`` CLI (see docs/format.md), with the same rules: whole files are
replaced atomically, metric lines are appended with one ``write`` each, and read-modify-write of run.json holds
the ``run.json.lock`` folder lock.

    import mlops_log

    with mlops_log.start_run("baseline", params={"lr": 0.01}) as run:
        run.use_data("churn", "v1")
        for epoch in range(10):
            run.log_metrics({"loss": loss, "accuracy": acc}, step=epoch)
        run.log_model("churn-classifier", "model.pkl")

The ``with`` block ends the run as finished, as failed on an exception, and as killed on KeyboardInterrupt.
When the script is started by "MLOps: Run Script as Experiment", the environment names the run the extension
created (MLOPS_RUN_ID, MLOPS_ROOT) and ``start_run`` attaches to it instead of creating another.
"""

import errno
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

__all__ = ["start_run", "Run", "MlopsError"]
__version__ = "1.0.0"

FORMAT_VERSION = 1
STORE_DIR = ".mlops"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
_LOCK_STALE_S = 30.0
_LOCK_WAIT_S = 15.0
_SKIP_DIRS = {".git", ".mlops", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints"}


class MlopsError(Exception):
    """A problem the user can act on (bad name, no store, damaged file)."""


# ------------------------------------------------------------------ small helpers

def _now_iso(t=None):
    t = time.time() if t is None else t
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % int((t % 1) * 1000)


def _new_id(ms=None):
    ms = int(time.time() * 1000) if ms is None else int(ms)
    t = ""
    for _ in range(10):
        t = _ALPHABET[ms % 32] + t
        ms //= 32
    rnd = random.SystemRandom()
    return t + "".join(_ALPHABET[rnd.randrange(32)] for _ in range(16))


def _check_name(name, what):
    if not isinstance(name, str) or not _NAME_RE.match(name) or name.endswith((" ", ".")):
        raise MlopsError("%s name %r may only use letters, digits, space, '.', '_' and '-', must start with a letter or digit, "
                         "and have at most 100 characters" % (what, name))
    return name


def _check_text(text, what, max_len=200):
    if not isinstance(text, str) or not text.strip() or len(text) > max_len or re.search(r"[\x00-\x1f\x7f]", text):
        raise MlopsError("%s %r must be one line of 1 to %d characters" % (what, text, max_len))
    return text


def _to_json(value):
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _write_atomic(path, text):
    """Replace ``path`` with ``text``: write a temp file in the same folder, fsync, rename over the target."""
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, ".%s.%d.%08x.tmp" % (os.path.basename(path), os.getpid(), random.getrandbits(32)))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _create_exclusive(path, text):
    """Create ``path`` only if it does not exist (atomically: temp file + hard link). False when it exists."""
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, ".%s.%d.%08x.tmp" % (os.path.basename(path), os.getpid(), random.getrandbits(32)))
    with open(tmp, "x", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError as e:
        if e.errno in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
            try:
                with open(path, "x", encoding="utf-8") as f:
                    f.write(text)
                return True
            except FileExistsError:
                return False
        raise
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _append_lines(path, lines):
    """Append whole lines in a single write to a file opened with O_APPEND (safe with concurrent writers)."""
    if not lines:
        return
    data = ("\n".join(lines) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)


class _FileLock(object):
    """``<file>.lock`` folder lock, shared with the TypeScript writers; a lock older than 30 s is broken."""

    def __init__(self, path):
        self.lock = path + ".lock"

    def __enter__(self):
        start = time.time()
        delay = 0.005
        while True:
            try:
                os.mkdir(self.lock)
                return self
            except FileExistsError:
                try:
                    if time.time() - os.stat(self.lock).st_mtime > _LOCK_STALE_S:
                        os.rmdir(self.lock)
                        continue
                except OSError:
                    continue
                if time.time() - start > _LOCK_WAIT_S:
                    raise MlopsError("%s is locked by another writer; if no other MLOps process runs, delete that folder" % self.lock)
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    def __exit__(self, *exc):
        try:
            os.rmdir(self.lock)
        except OSError:
            pass
        return False


def _encode_value(v):
    v = float(v)
    if v != v:
        return "NaN"
    if v == float("inf"):
        return "Infinity"
    if v == float("-inf"):
        return "-Infinity"
    return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v


def _param_value(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float)):
        f = float(v)
        if f != f or f in (float("inf"), float("-inf")):
            return str(v)
        return v
    return str(v)


def _hash_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _hash_path(path):
    """(kind, manifest entries, content hash, size, file count) — the same hashes as the TypeScript store."""
    if os.path.isfile(path):
        entries = [{"path": os.path.basename(path), "size": os.path.getsize(path), "sha256": _hash_file(path)}]
        kind = "file"
    elif os.path.isdir(path):
        entries = []
        for d, dirs, files in os.walk(path):
            dirs[:] = [x for x in dirs if x not in _SKIP_DIRS and not os.path.islink(os.path.join(d, x))]
            for name in files:
                full = os.path.join(d, name)
                if not os.path.isfile(full):
                    continue
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                entries.append({"path": rel, "size": os.path.getsize(full), "sha256": _hash_file(full)})
        entries.sort(key=lambda e: e["path"].encode("utf-16-be"))
        kind = "directory"
    else:
        raise MlopsError("cannot read %r: no such file or folder" % path)
    h = hashlib.sha256()
    for e in entries:
        h.update(("%s %d %s\n" % (e["sha256"], e["size"], e["path"])).encode("utf-8"))
    return kind, entries, h.hexdigest(), sum(e["size"] for e in entries), len(entries)


def find_root(start=None):
    """The nearest folder at or above ``start`` (default: the current one) that holds .mlops/mlops.json."""
    d = os.path.abspath(start or os.getcwd())
    while True:
        if os.path.isfile(os.path.join(d, STORE_DIR, "mlops.json")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _git_state(root):
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=15).stdout.strip()
        if not re.match(r"^[0-9a-f]{40}([0-9a-f]{24})?$", commit):
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", ".", ":(exclude).mlops", ":(exclude)**/.mlops/**"],
                                cwd=root, capture_output=True, text=True, timeout=15).stdout
        info = {"commit": commit, "dirty": bool(status.strip())}
        branch = subprocess.run(["git", "symbolic-ref", "--short", "-q", "HEAD"], cwd=root, capture_output=True, text=True, timeout=15).stdout.strip()
        if branch:
            info["branch"] = branch
        return info
    except (OSError, subprocess.SubprocessError):
        return None


# ------------------------------------------------------------------ the run

class Run(object):
    """A run in the store. Create it with :func:`start_run`."""

    def __init__(self, root, run_id, attached=False):
        self.root = root
        self.id = run_id
        self.attached = attached
        self._dir = os.path.join(root, STORE_DIR, "runs", run_id)
        self._file = os.path.join(self._dir, "run.json")
        self._metrics = os.path.join(self._dir, "metrics.jsonl")
        self._steps = {}
        self._started = time.time()
        self._ended = False

    # -- reading and updating run.json (under the lock, keeping fields this version does not know)

    def _read(self):
        try:
            with open(self._file, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            raise MlopsError("no run %s in %s" % (self.id, self.root))
        except ValueError as e:
            raise MlopsError("%s is not valid JSON (%s); it was not changed" % (self._file, e))
        if not isinstance(data, dict):
            raise MlopsError("%s is not a run record; it was not changed" % self._file)
        if isinstance(data.get("formatVersion"), int) and data["formatVersion"] > FORMAT_VERSION:
            raise MlopsError("%s was written by a newer MLOps Workbench (formatVersion %d); update mlops_log" % (self._file, data["formatVersion"]))
        return data

    def _update(self, mutate):
        with _FileLock(self._file):
            data = self._read()
            mutate(data)
            _write_atomic(self._file, _to_json(data))
            return data

    @property
    def record(self):
        """The run's current run.json as a dict."""
        return self._read()

    # -- params, tags

    def log_param(self, key, value):
        _check_text(key, "param name")
        self._update(lambda r: r.setdefault("params", {}).__setitem__(key, _param_value(value)))

    def log_params(self, params):
        for k in params:
            _check_text(k, "param name")
        def mutate(r):
            r.setdefault("params", {}).update({k: _param_value(v) for k, v in params.items()})
        self._update(mutate)

    def set_tag(self, tag):
        _check_text(tag, "tag", 100)
        def mutate(r):
            tags = r.setdefault("tags", [])
            if tag not in tags:
                tags.append(tag)
        self._update(mutate)

    def set_tags(self, tags):
        for t in tags:
            self.set_tag(t)

    # -- metrics

    def _next_step(self, name):
        if name not in self._steps:
            self._steps[name] = -1
            if self.attached or os.path.exists(self._metrics):
                for point in _read_metric_lines(self._metrics):
                    if point["name"] == name and point["step"] > self._steps[name]:
                        self._steps[name] = point["step"]
        return self._steps[name] + 1

    def log_metric(self, name, value, step=None):
        self.log_metrics({name: value}, step=step)

    def log_metrics(self, metrics, step=None):
        """Append points in one write. Without ``step``, each metric continues from its last step."""
        if step is not None and (not isinstance(step, int) or isinstance(step, bool) or step < 0):
            raise MlopsError("step must be a whole number >= 0, got %r" % (step,))
        now = int(time.time() * 1000)
        lines = []
        for name, value in metrics.items():
            _check_text(name, "metric name")
            try:
                encoded = _encode_value(value)
            except (TypeError, ValueError):
                raise MlopsError("metric %r has a non-numeric value %r" % (name, value))
            s = self._next_step(name) if step is None else step
            self._steps[name] = max(self._steps.get(name, -1), s)
            lines.append(json.dumps({"name": name, "step": s, "value": encoded, "timestamp": now}, ensure_ascii=False, separators=(",", ":")))
        _append_lines(self._metrics, lines)

    # -- lineage

    def use_data(self, dataset, version_or_tag=None):
        """Record that the run used a data version (by id, unique id prefix or tag; default: the newest)."""
        _check_name(dataset, "dataset")
        versions = _data_versions(self.root, dataset)
        if not versions:
            raise MlopsError("dataset %r has no versions; tag one first (mlops data tag PATH --dataset %s)" % (dataset, dataset))
        chosen = None
        if version_or_tag is None:
            chosen = versions[0]
        else:
            ref = str(version_or_tag)
            by_id = [v for v in versions if v["id"] == ref.upper() or (len(ref) >= 4 and v["id"].startswith(ref.upper()))]
            chosen = by_id[0] if len(by_id) == 1 else next((v for v in versions if ref in v.get("tags", [])), None)
        if chosen is None:
            raise MlopsError("dataset %r has no version or tag %r" % (dataset, version_or_tag))
        ref = {"dataset": dataset, "version": chosen["id"], "contentHash": chosen["contentHash"]}
        def mutate(r):
            refs = r.setdefault("dataVersions", [])
            if not any(x.get("version") == ref["version"] for x in refs):
                refs.append(ref)
        self._update(mutate)
        return chosen

    def log_model(self, name, path):
        """Register ``path`` (a file or folder) as the next version of model ``name``, produced by this run."""
        _check_name(name, "model")
        abs_path = os.path.abspath(path)
        kind, entries, content_hash, size, count = _hash_path(abs_path)
        model_dir = os.path.join(self.root, STORE_DIR, "models", name)
        created = _now_iso()
        _create_exclusive(os.path.join(model_dir, "model.json"), _to_json({"formatVersion": FORMAT_VERSION, "name": name, "createdAt": created}))
        rel = os.path.relpath(abs_path, self.root)
        artifact = {
            "path": rel.replace(os.sep, "/") if not rel.startswith("..") else abs_path,
            "sha256": entries[0]["sha256"] if kind == "file" else content_hash,
            "sizeBytes": size,
            "fileCount": max(1, count),
        }
        versions_dir = os.path.join(model_dir, "versions")
        os.makedirs(versions_dir, exist_ok=True)
        existing = [int(f[:-5]) for f in os.listdir(versions_dir) if re.match(r"^\d+\.json$", f)]
        version = max(existing or [0]) + 1
        while True:
            record = {"formatVersion": FORMAT_VERSION, "model": name, "version": version, "artifact": artifact, "runId": self.id,
                      "stage": "none", "createdAt": created, "stageHistory": [{"stage": "none", "at": created}]}
            if _create_exclusive(os.path.join(versions_dir, "%d.json" % version), _to_json(record)):
                return record
            version += 1

    # -- ending

    def end(self, status="finished"):
        """Mark the run ended: finished, failed or killed, with its duration (and peak memory when not attached)."""
        if status not in ("finished", "failed", "killed"):
            raise MlopsError("status must be finished, failed or killed, not %r" % (status,))
        if self._ended:
            return
        self._ended = True
        end = time.time()
        def mutate(r):
            if r.get("status") != "running" and self.attached:
                return
            r["status"] = status
            r["endTime"] = _now_iso(end)
            meta = r.setdefault("meta", {})
            if "durationMs" not in meta:
                try:
                    start = datetime.strptime(r["startTime"].replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
                except (KeyError, ValueError):
                    start = self._started
                meta["durationMs"] = max(0, int(round((end - start) * 1000)))
            if not self.attached:
                peak = _peak_rss_bytes()
                if peak:
                    meta["peakMemoryBytes"] = max(meta.get("peakMemoryBytes", 0), peak)
        self._update(mutate)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.end("finished")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end("killed")
        else:
            self.end("failed")
        return False


def _peak_rss_bytes():
    try:
        import resource
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss if sys.platform == "darwin" else rss * 1024)
    except (ImportError, OSError, ValueError):
        return None


def _read_metric_lines(path):
    """Points of a metrics.jsonl; a torn or damaged line is skipped (and a record glued to it recovered)."""
    points = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return points
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        candidates = [line] + [line[i:] for i in _rfind_all(line, '{"')]
        for c in candidates:
            try:
                p = json.loads(c)
            except ValueError:
                continue
            if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("step"), int):
                points.append(p)
                break
    return points


def _rfind_all(s, sub):
    i = s.rfind(sub)
    while i > 0:
        yield i
        i = s.rfind(sub, 0, i)


def _data_versions(root, dataset):
    d = os.path.join(root, STORE_DIR, "datasets", dataset, "versions")
    out = []
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        return out
    for n in names:
        if not n.endswith(".json") or n.startswith("."):
            continue
        try:
            with open(os.path.join(d, n), encoding="utf-8") as f:
                v = json.load(f)
            if isinstance(v, dict) and _ID_RE.match(str(v.get("id", ""))):
                out.append(v)
        except (OSError, ValueError):
            continue
    out.sort(key=lambda v: v["id"], reverse=True)
    return out


def _hardware():
    hw = {"cores": os.cpu_count() or 1, "platform": sys.platform}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    hw["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    hw["memoryBytes"] = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return hw


def start_run(experiment, name=None, params=None, tags=None, notes=None, root=None, record_git=True):
    """Start a run in ``experiment`` (or attach to the one the extension created for this process).

    ``root`` is the workspace folder holding ``.mlops`` (default: MLOPS_ROOT, else the nearest one above the
    current folder). Returns a :class:`Run`, also usable as a context manager.
    """
    env_id = os.environ.get("MLOPS_RUN_ID")
    root = root or os.environ.get("MLOPS_ROOT") or find_root()
    if not root or not os.path.isfile(os.path.join(root, STORE_DIR, "mlops.json")):
        raise MlopsError("no MLOps store found (no .mlops/mlops.json at or above %s); run 'mlops init' or 'MLOps: Initialize Store'" % (root or os.getcwd()))
    root = os.path.abspath(root)
    if env_id and _ID_RE.match(env_id) and os.path.isfile(os.path.join(root, STORE_DIR, "runs", env_id, "run.json")):
        run = Run(root, env_id, attached=True)
        if params:
            run.log_params(params)
        for t in tags or []:
            run.set_tag(t)
        return run
    _check_name(experiment, "experiment")
    run_name = name or "%s-%s" % (experiment[:40], time.strftime("%Y%m%d-%H%M%S"))
    _check_text(run_name, "run name")
    for k in (params or {}):
        _check_text(k, "param name")
    for t in tags or []:
        _check_text(t, "tag", 100)
    started = time.time()
    run_id = _new_id(started * 1000)
    record = {
        "formatVersion": FORMAT_VERSION, "id": run_id, "experiment": experiment, "name": run_name, "status": "running",
        "startTime": _now_iso(started), "params": {k: _param_value(v) for k, v in (params or {}).items()},
        "tags": list(dict.fromkeys(tags or [])), "dataVersions": [],
        "meta": {"python": sys.version.split()[0], "hardware": _hardware()},
        "source": {"kind": "python", "script": os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else None},
    }
    if record["source"]["script"] is None:
        del record["source"]["script"]
    if notes:
        record["notes"] = notes
    git = _git_state(root) if record_git else None
    if git:
        record["git"] = git
    _create_exclusive(os.path.join(root, STORE_DIR, "experiments", experiment + ".json"),
                      _to_json({"formatVersion": FORMAT_VERSION, "name": experiment, "createdAt": _now_iso(started)}))
    run_dir = os.path.join(root, STORE_DIR, "runs", run_id)
    os.makedirs(run_dir)
    _write_atomic(os.path.join(run_dir, "run.json"), _to_json(record))
    run = Run(root, run_id)
    run._started = started
    return run
