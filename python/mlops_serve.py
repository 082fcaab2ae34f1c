"""mlops_serve: serve one registered model version over HTTP and log every prediction.

A single file with no dependencies beyond the Python standard library (Python >= 3.8), like ``mlops_log.py``. It
reads one JSON file, the serve spec (``serve.json``, written by ``mlops serve`` or ``mlops package``; see
src/core/serve/types.ts), and needs nothing else from the store, so the same file runs from a workspace and from a
package folder:

    python3 mlops_serve.py --spec serve.json [--host H] [--port N]

Endpoints: ``POST /predict`` (a JSON list of records, one record, or a dict of columns), ``GET /health``,
``GET /metadata`` and ``POST /feedback`` (ground truth for an earlier request id). Every /predict request, failed
ones included, is appended to ``<logDir>/<yyyy-mm-dd>.jsonl`` (UTC day) with one ``write`` on an O_APPEND handle,
so a crash can tear at most the last line and concurrent writers never interleave inside a line.

The model is loaded by flavor: ``pickle`` (``pickle.load``), ``joblib`` (``joblib.load`` when joblib is installed)
- objects with a scikit-learn style ``.predict`` - or ``python``: an entry point ``file.py:function`` or
``package.module:function`` that gets the artifact path and returns ``predict(records: list[dict]) -> list``.

On start the server prints one line ``MLOPS_SERVE_READY {"url": ..., "port": ...}`` on stdout; when it cannot
start (port in use, artifact missing, entry point failing) it prints one line on stderr and exits 2. SIGTERM and
SIGINT stop accepting, let requests in flight finish, flush the log and exit 0.
"""

import argparse
import collections
import errno
import hashlib
import importlib
import importlib.util
import io
import json
import math
import os
import pickle
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__version__ = "1.0.0"

SPEC_FORMAT_VERSION = 1
READY_PREFIX = "MLOPS_SERVE_READY "
LOG_INPUT_MODES = ("features", "raw", "hash", "drop")
FLAVORS = ("pickle", "joblib", "python")
# Successful predictions kept in memory for /feedback; older ids are looked up in the log files.
RECENT_PREDICTIONS = 10000
# Open connections at most (idle keep-alive ones included); beyond them a new connection gets 503 and is closed.
MAX_CONNECTIONS = 256
# How long a stop waits for requests in flight before it exits anyway.
STOP_GRACE_S = 5.0
_LOG_FILE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\.jsonl")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_DIGITS_RE = re.compile(r"[0-9]+")
_ID_RE = re.compile(r"[0-9a-fA-F]{32}")
# The id of a log line: lines are written compactly with "id" right after "kind", so the first match is the line's own.
_LINE_ID_RE = re.compile(rb'"id":"([0-9a-f]{32})"')
# Feedback items per request: the unknown ones are looked up in the log files in one pass.
MAX_FEEDBACK_ITEMS = 1000


class StartupError(Exception):
    """The server cannot start: one line for stderr, exit 2."""


class BadRequest(Exception):
    """A request the client must change: status and one-line message, plus optional JSON details."""

    def __init__(self, status, message, details=None):
        Exception.__init__(self, message)
        self.status = status
        self.message = message
        self.details = details or {}


# ------------------------------------------------------------------ small helpers

def now_iso(t=None):
    """The time as ``yyyy-mm-ddThh:mm:ss.mmmZ`` (UTC), from one whole number of milliseconds, so the seconds and the
    milliseconds never disagree (fromtimestamp rounds microseconds up: 23:59:59.9999997 became the next day's .999)."""
    t = time.time() if t is None else t
    seconds, ms = divmod(int(math.floor(t * 1000)), 1000)
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % ms


def _reject_constant(name):
    raise ValueError("%s is not JSON" % name)


class NotFinite(ValueError):
    """A number in a request that no float can hold (1e400) or a NaN/Infinity literal."""


def _finite_float(text):
    v = float(text)
    if not math.isfinite(v):
        raise NotFinite("%s: not a finite number" % one_line(text, 40))
    return v


def _reject_request_constant(name):
    raise NotFinite("%s: not a finite number" % name)


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def dumps_bytes(value):
    """Compact JSON as UTF-8 bytes, no NaN literals, lone surrogates as \\u escapes; the surrogate pass runs only when the fast encode finds one (it almost never does)."""
    text = _ENCODER.encode(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE_RE.sub(lambda m: "\\u%04x" % ord(m.group()), text).encode("utf-8")


def one_line(text, limit=500):
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[:limit - 1] + "\u2026"


def exception_line(e):
    """``ValueError: bad shape`` - the exception's type and the first line of its message."""
    msg = str(e).strip().splitlines()
    return "%s: %s" % (type(e).__name__, one_line(msg[0])) if msg else type(e).__name__


def plain(value, depth=0):
    """A model's output as plain JSON: numpy scalars and arrays, pandas objects, tuples and sets become numbers,
    strings, booleans, lists and dicts; NaN and infinities become null (JSON has no literal for them)."""
    if depth > 50:
        raise ValueError("the model's output is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars, pandas Series
    if callable(tolist):
        return plain(tolist(), depth + 1)
    item = getattr(value, "item", None)
    if callable(item):
        return plain(item(), depth + 1)
    return str(value)


def canonical_hash(record):
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False,
                                     separators=(",", ":")).encode("utf-8", "surrogatepass")).hexdigest()


# ------------------------------------------------------------------ the spec

def read_spec(path, host=None, port=None):
    try:
        with open(path, "rb") as f:
            spec = json.loads(f.read().decode("utf-8"), parse_constant=_reject_constant)
    except OSError as e:
        raise StartupError("cannot read the serve spec %s: %s" % (path, e.strerror or e))
    except (ValueError, UnicodeDecodeError) as e:
        raise StartupError("the serve spec %s is not valid JSON: %s" % (path, one_line(e)))
    if not isinstance(spec, dict):
        raise StartupError("the serve spec %s must be a JSON object" % path)
    if spec.get("formatVersion", 1) > SPEC_FORMAT_VERSION:
        raise StartupError("the serve spec %s has format version %s; this server reads version %d: use the "
                           "mlops_serve.py that came with it" % (path, spec.get("formatVersion"), SPEC_FORMAT_VERSION))
    base = os.path.dirname(os.path.abspath(path))
    for key in ("model", "artifact", "flavor"):
        if key not in spec:
            raise StartupError("the serve spec %s has no '%s'" % (path, key))
    flavor = spec["flavor"]
    if not isinstance(flavor, dict) or flavor.get("name") not in FLAVORS:
        raise StartupError("the serve spec %s: flavor must be {\"name\": one of %s}" % (path, ", ".join(FLAVORS)))
    mode = spec.get("logInputs", "features")
    if mode not in LOG_INPUT_MODES:
        raise StartupError("the serve spec %s: logInputs must be one of %s, not %r" % (path, ", ".join(LOG_INPUT_MODES), mode))

    def resolve(p):
        return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))

    spec["artifact"] = resolve(spec["artifact"])
    spec["pythonPath"] = [resolve(p) for p in spec.get("pythonPath") or []]
    if spec.get("logDir"):
        spec["logDir"] = resolve(spec["logDir"])
    if host is not None:
        spec["host"] = host
    if port is not None:
        spec["port"] = port
    spec.setdefault("host", "127.0.0.1")
    spec.setdefault("port", 8080)
    spec.setdefault("version", 0)
    spec.setdefault("maxBodyBytes", 10 * 1024 * 1024)
    spec.setdefault("requestTimeoutS", 10)
    spec.setdefault("maxConnections", MAX_CONNECTIONS)
    spec["logInputs"] = mode
    features = spec.get("features")
    label = spec.get("label")
    if features is not None:
        if not isinstance(features, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in features):
            raise StartupError("the serve spec %s: features must be a list of {name, type, nullable} or null" % path)
        spec["features"] = [f for f in features if f["name"] != label]
    return spec


# ------------------------------------------------------------------ loading the model

def _load_entry(entry, python_path):
    """``file.py:function`` (searched in the pythonPath folders) or ``package.module:function``."""
    if not isinstance(entry, str) or ":" not in entry:
        raise StartupError("the python flavor needs an entry such as predict.py:load or package.module:load, got %r" % (entry,))
    where, _, func_name = entry.rpartition(":")
    if not where or not func_name.isidentifier():
        raise StartupError("bad entry %r: expected file.py:function or package.module:function" % entry)
    if where.endswith(".py") or "/" in where or os.sep in where:
        candidates = [where] if os.path.isabs(where) else [os.path.join(p, where) for p in python_path]
        found = next((c for c in candidates if os.path.isfile(c)), None)
        if found is None:
            raise StartupError("entry file %s not found (looked in %s)" % (where, ", ".join(python_path) or "nowhere: no pythonPath"))
        name = "mlops_entry_" + re.sub(r"[^0-9A-Za-z_]", "_", os.path.splitext(os.path.basename(found))[0])
        module_spec = importlib.util.spec_from_file_location(name, found)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as e:  # noqa: BLE001 - any failure of user code is a startup error with its message
            raise StartupError("importing %s failed: %s" % (found, exception_line(e)))
    else:
        try:
            module = importlib.import_module(where)
        except Exception as e:  # noqa: BLE001
            raise StartupError("importing %s failed: %s" % (where, exception_line(e)))
    func = getattr(module, func_name, None)
    if not callable(func):
        raise StartupError("entry %s: %s has no function %s" % (entry, where, func_name))
    return func


class Model(object):
    """The loaded artifact behind one call: ``predict(records) -> list`` (one output per record)."""

    def __init__(self, spec):
        self.spec = spec
        flavor = spec["flavor"]["name"]
        artifact = spec["artifact"]
        for p in reversed(spec["pythonPath"]):
            if p not in sys.path:
                sys.path.insert(0, p)
        if not os.path.exists(artifact):
            raise StartupError("the model artifact %s does not exist" % artifact)
        self.columns = None
        self.frame = None
        if flavor == "python":
            func = _load_entry(spec["flavor"].get("entry"), spec["pythonPath"])
            try:
                predict = func(artifact)
            except Exception as e:  # noqa: BLE001
                raise StartupError("entry %s failed to load %s: %s" % (spec["flavor"].get("entry"), artifact, exception_line(e)))
            if not callable(predict):
                raise StartupError("entry %s must return a function predict(records) -> list, it returned %s"
                                   % (spec["flavor"].get("entry"), type(predict).__name__))
            self._predict = predict
            return
        if flavor == "joblib":
            try:
                import joblib
            except ImportError:
                raise StartupError("the joblib flavor needs the joblib package, which %s cannot import (pip install joblib)" % sys.executable)
            loader = joblib.load
        else:
            def loader(p):
                with open(p, "rb") as f:
                    return pickle.load(f)
        try:
            obj = loader(artifact)
        except Exception as e:  # noqa: BLE001
            hint = " (install the libraries the model was trained with in this Python)" if isinstance(e, ImportError) else ""
            raise StartupError("could not load %s with %s: %s%s" % (artifact, flavor, exception_line(e), hint))
        if not callable(getattr(obj, "predict", None)):
            raise StartupError("%s holds a %s, which has no predict method; use the python flavor with an entry point instead"
                               % (artifact, type(obj).__name__))
        self.obj = obj
        names = getattr(obj, "feature_names_in_", None)
        if names is not None:
            self.columns = [str(n) for n in list(names)]
            try:
                import pandas
                self.frame = pandas.DataFrame
            except ImportError:
                self.frame = None
        elif spec.get("features") is not None:
            self.columns = [f["name"] for f in spec["features"]]
        self._predict = self._predict_object

    def _predict_object(self, records):
        columns = self.columns or list(records[0].keys())
        rows = [[r.get(c) for c in columns] for r in records]
        x = self.frame(rows, columns=columns) if self.frame is not None else rows
        return self.obj.predict(x)

    def predict(self, records):
        out = self._predict(records)
        out = plain(out)
        if not isinstance(out, list):
            raise ValueError("the model returned %s, not one prediction per record" % type(out).__name__)
        if len(out) != len(records):
            raise ValueError("the model returned %d predictions for %d records" % (len(out), len(records)))
        return out


# ------------------------------------------------------------------ requests

def records_of(body):
    """A list of records, one record, or a dict of columns (every value a list, all of one length) -> records."""
    if isinstance(body, list):
        if not body:
            raise BadRequest(400, "no records: send a JSON list of records, one record, or a dict of columns")
        for i, r in enumerate(body):
            if not isinstance(r, dict):
                raise BadRequest(400, "record %d is not an object of column: value (it is %s)" % (i, _json_type(r)))
        return body
    if isinstance(body, dict):
        if body and all(isinstance(v, list) for v in body.values()):
            lengths = sorted(set(len(v) for v in body.values()))
            if len(lengths) > 1:
                raise BadRequest(400, "the columns have different lengths (%s)" % ", ".join(
                    "%s: %d" % (k, len(v)) for k, v in body.items()))
            if lengths[0] == 0:
                raise BadRequest(400, "no records: the columns are empty")
            keys = list(body.keys())
            return [dict((k, body[k][i]) for k in keys) for i in range(lengths[0])]
        return [body]
    raise BadRequest(400, "expected a JSON list of records, one record, or a dict of columns, got %s" % _json_type(body))


def _json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "object"


def _type_ok(expected, v):
    if isinstance(v, (list, dict)):
        return False
    if expected in ("integer", "float"):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        return expected == "float" or isinstance(v, int) or v.is_integer()  # 3.0 is a whole number, 2.5 is not
    if expected == "boolean":
        return isinstance(v, bool)
    if expected == "datetime":
        return isinstance(v, str) and _is_iso_time(v)
    return isinstance(v, (str, int, float, bool))  # categorical, string: any scalar


def _is_iso_time(text):
    """An ISO 8601 date or date-time (a trailing Z for UTC included), as datetime.fromisoformat reads it."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _show(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 40 else s[:39] + "\u2026"


def validate(records, features, label):
    """Every difference between the records and the training profile's columns, in one message (BadRequest 400),
    or the records without the label column, ready for the model."""
    if features is None:
        return [dict((k, v) for k, v in r.items() if k != label) for r in records] if label else records
    by_name = dict((f["name"], f) for f in features)
    unknown, missing, types = [], [], []
    seen_unknown, seen_missing, seen_type = set(), set(), set()
    for i, r in enumerate(records):
        for k in r:
            if k not in by_name and k != label and k not in seen_unknown:
                seen_unknown.add(k)
                unknown.append(k)
        for name, f in by_name.items():
            v = r.get(name)
            if name not in r:
                if not f.get("nullable") and name not in seen_missing:
                    seen_missing.add(name)
                    missing.append(name)
                continue
            if v is None:
                if not f.get("nullable") and name not in seen_type:
                    seen_type.add(name)
                    types.append({"column": name, "expected": f.get("type"), "got": "null", "record": i,
                                  "text": "%s: null, but the training data has no missing values (record %d)" % (name, i)})
                continue
            if not _type_ok(f.get("type"), v) and name not in seen_type:
                seen_type.add(name)
                types.append({"column": name, "expected": f.get("type"), "got": _json_type(v), "record": i,
                              "text": "%s: expected %s, got %s %s (record %d)" % (name, f.get("type"), _json_type(v), _show(v), i)})
    if unknown or missing or types:
        parts = []
        if unknown:
            parts.append("unknown column%s %s" % ("s" if len(unknown) > 1 else "", ", ".join(unknown)))
        if missing:
            parts.append("missing column%s %s" % ("s" if len(missing) > 1 else "", ", ".join(missing)))
        parts.extend(t["text"] for t in types)
        raise BadRequest(400, "the input does not match the training data's columns: " + "; ".join(parts),
                         {"unknown": unknown, "missing": missing,
                          "types": [dict((k, t[k]) for k in ("column", "expected", "got", "record")) for t in types]})
    if label:
        return [dict((k, v) for k, v in r.items() if k != label) for r in records]
    return records


# ------------------------------------------------------------------ the log

def _ends_with_newline(path):
    """Whether a file is empty or ends with a line break."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return True
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"
    except OSError:
        return True


class PredictionLog(object):
    """Appends lines to ``<dir>/<yyyy-mm-dd>.jsonl`` (UTC day of the line's time): one ``os.write`` per line on an
    O_APPEND descriptor, under a lock, so lines never interleave and a crash tears at most the last one."""

    def __init__(self, folder):
        self.dir = folder
        self.lock = threading.Lock()
        self.day = None
        self.fd = None
        if folder:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as e:
                raise StartupError("cannot create the log folder %s: %s" % (folder, e.strerror or e))

    def write(self, line, when):
        if not self.dir:
            return
        data = dumps_bytes(line) + b"\n"
        day = when[:10]
        with self.lock:
            if day != self.day:
                self._close()
                path = os.path.join(self.dir, day + ".jsonl")
                self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                self.day = day
                if not _ends_with_newline(path):
                    # A line torn by an earlier crash: end it, so this line does not run into it and stays readable.
                    data = b"\n" + data
            view = memoryview(data)
            while view:  # os.write may write less only on a full disk or a signal; finish the line then
                n = os.write(self.fd, view)
                view = view[n:]

    def _close(self):
        if self.fd is not None:
            try:
                os.fsync(self.fd)
            except OSError:
                pass
            os.close(self.fd)
            self.fd = None
            self.day = None

    def close(self):
        with self.lock:
            self._close()

    def find_predictions(self, ids):
        """Successful prediction lines for these ids, scanning the day files newest first."""
        found = {}
        if not self.dir or not os.path.isdir(self.dir):
            return found
        wanted = set(ids)
        search = _LINE_ID_RE.search
        for name in sorted((n for n in os.listdir(self.dir) if _LOG_FILE_RE.fullmatch(n)), reverse=True):
            try:
                with open(os.path.join(self.dir, name), "rb") as f:
                    for raw in f:  # one pass over the file, one regex and one set lookup per line, whatever the ids
                        m = search(raw)
                        if m is None:
                            continue
                        hit = m.group(1).decode("ascii")
                        if hit not in wanted or hit in found:
                            continue
                        try:
                            line = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
                        except ValueError:
                            continue  # a torn line (or not UTF-8)
                        if isinstance(line, dict) and line.get("kind") == "prediction" and line.get("id") == hit \
                                and line.get("status") == 200 and isinstance(line.get("outputs"), list):
                            found[hit] = {"time": line.get("time"), "version": line.get("version"), "outputs": line["outputs"]}
            except OSError:
                continue
            if len(found) == len(wanted):
                break
        return found


# ------------------------------------------------------------------ the server

class App(object):
    """What the handlers share: the spec, the model, the log and the recent predictions."""

    def __init__(self, spec, model, log):
        self.spec = spec
        self.model = model
        self.log = log
        self.recent = collections.OrderedDict()
        self.recent_lock = threading.Lock()
        self.in_flight = 0
        self.in_flight_lock = threading.Lock()
        features = spec.get("features")
        self.feature_names = None if features is None else set(f["name"] for f in features)
        self.metadata = {
            "model": spec["model"], "version": spec.get("version"), "run": spec.get("runId"), "commit": spec.get("commit"),
            "dataVersions": spec.get("dataVersions") or [], "flavor": spec["flavor"], "features": features,
            "label": spec.get("label"), "logInputs": spec["logInputs"], "server": __version__,
        }

    def remember(self, rid, entry):
        with self.recent_lock:
            self.recent[rid] = entry
            while len(self.recent) > RECENT_PREDICTIONS:
                self.recent.popitem(last=False)

    def logged_inputs(self, records):
        mode = self.spec["logInputs"]
        if mode == "drop" or records is None:
            return {}
        if mode == "hash":
            return {"inputHashes": [canonical_hash(r) for r in records]}
        if mode == "features" and self.feature_names is not None:
            names = self.feature_names
            return {"inputs": [dict((k, v) for k, v in r.items() if k in names) for r in records]}
        return {"inputs": records}


class _DeadlineReader(io.RawIOBase):
    """The connection's bytes for ``rfile``: while the handler has a deadline (waiting for a request and reading
    its headers), every read may take only the time left until it, so a client that sends its headers a byte at a
    time cannot hold a worker beyond requestTimeoutS (a socket timeout alone is per read)."""

    def __init__(self, sock, handler):
        io.RawIOBase.__init__(self)
        self.sock = sock
        self.handler = handler

    def readable(self):
        return True

    def readinto(self, buf):
        deadline = self.handler.deadline
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            self.sock.settimeout(left)
        return self.sock.recv_into(buf)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mlops-serve/" + __version__
    disable_nagle_algorithm = True

    # -- plumbing

    def setup(self):
        self.timeout = self.server.app.spec["requestTimeoutS"]
        self.deadline = None
        BaseHTTPRequestHandler.setup(self)
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self), 65536)

    def log_message(self, fmt, *args):  # the prediction log is the access log; stderr stays for problems
        pass

    def log_error(self, fmt, *args):
        pass

    def send(self, status, body, extra=None, data=None):
        """The whole response in one write (headers and body), so keep-alive requests never wait on Nagle; ``data``:
        the body already serialised."""
        data = dumps_bytes(body) + b"\n" if data is None else data
        reason = self.responses.get(status, ("",))[0]
        head = ["HTTP/1.1 %d %s" % (status, reason), "Server: " + self.server_version,
                "Content-Type: application/json", "Content-Length: %d" % len(data)]
        for k, v in (extra or {}).items():
            head.append("%s: %s" % (k, v))
        if self.close_connection:
            head.append("Connection: close")
        else:  # how long an idle connection stays open, so clients do not reuse one the server is about to close
            head.append("Keep-Alive: timeout=%d" % max(1, int(self.server.app.spec["requestTimeoutS"]) - 1))
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)

    def drain(self, limit, seconds=2.0):
        """After an answer sent without reading the body (413): stop writing and read what the client still sends,
        for a moment, so closing the socket does not reset the connection before the client has read the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + seconds
            got = 0
            while got < limit:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.connection.settimeout(left)
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
        except OSError:
            pass

    def handle_expect_100(self):
        """``100 Continue`` only for a body the route will read: a body too large, badly framed or sent to a route
        that takes none gets its answer (413, 400, 411, 404, 405) instead, and the client need not send it."""
        if self.command != "POST" or self.path.split("?", 1)[0] not in ("/predict", "/feedback") or self.headers.get("Transfer-Encoding"):
            return True
        try:
            n = self.content_length()
        except BadRequest:
            return True
        if n == 0 or n > self.server.app.spec["maxBodyBytes"]:
            return True
        return BaseHTTPRequestHandler.handle_expect_100(self)

    def discard_body(self):
        """Reads and drops the body of a request answered without it (404, 405), so the connection stays usable and
        the client reads the answer instead of a reset; a body too large or badly framed: close after a drain."""
        try:
            n = self.content_length()
        except BadRequest:
            return
        if self.headers.get("Transfer-Encoding") or n > self.server.app.spec["maxBodyBytes"]:
            self.close_connection = True
            return
        deadline = time.monotonic() + self.server.app.spec["requestTimeoutS"]
        try:
            while n > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                self.connection.settimeout(left)
                chunk = self.rfile.read1(min(n, 65536)) if hasattr(self.rfile, "read1") else self.rfile.read(n)
                if not chunk:
                    break
                n -= len(chunk)
        except (OSError, socket.timeout):
            self.close_connection = True
        finally:
            try:
                self.connection.settimeout(self.server.app.spec["requestTimeoutS"])
            except OSError:
                pass
        self.body_unread = n > 0
        if n > 0:
            self.close_connection = True

    def content_length(self):
        """The one Content-Length as a whole number (0 when there is none); BadRequest 400 for ``+15``, ``1_5``, ``-1``
        or two headers that disagree (int() took the first three, and which of two lengths frames the body is a guess
        a proxy in front may make differently)."""
        values = set(v.strip() for v in self.headers.get_all("Content-Length") or [])
        if not values:
            return 0
        if len(values) > 1:
            self.close_connection = True
            raise BadRequest(400, "bad Content-Length: %d different values (%s)" % (len(values), ", ".join(sorted(one_line(v, 40) for v in values))))
        length = values.pop()
        if not _DIGITS_RE.fullmatch(length):
            self.close_connection = True
            raise BadRequest(400, "bad Content-Length %r: expected a whole number of bytes" % one_line(length, 40))
        return int(length)

    def read_json(self):
        """The request body as JSON; BadRequest for a missing, oversized, slow or malformed body."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise BadRequest(411, "send the body with a Content-Length (chunked transfer is not supported)")
        n = self.content_length()
        limit = self.server.app.spec["maxBodyBytes"]
        if n > limit:
            self.close_connection = True  # the body is not read; the connection cannot be reused
            raise BadRequest(413, "the body is %d bytes; the limit is %d" % (n, limit))
        if n == 0:
            raise BadRequest(400, "no body: send JSON")
        deadline = time.monotonic() + self.server.app.spec["requestTimeoutS"]
        chunks, got = [], 0
        try:
            while got < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                self.connection.settimeout(left)
                chunk = self.rfile.read1(min(n - got, 65536)) if hasattr(self.rfile, "read1") else self.rfile.read(n - got)
                if not chunk:
                    self.close_connection = True
                    raise BadRequest(400, "the client closed the connection after %d of %d bytes" % (got, n))
                chunks.append(chunk)
                got += len(chunk)
        except socket.timeout:
            self.close_connection = True
            raise BadRequest(408, "the body did not arrive within %ss (%d of %d bytes)" % (self.server.app.spec["requestTimeoutS"], got, n))
        finally:
            try:
                self.connection.settimeout(self.server.app.spec["requestTimeoutS"])
            except OSError:
                pass
        self.body_unread = False
        try:
            return json.loads(b"".join(chunks).decode("utf-8"), parse_constant=_reject_request_constant, parse_float=_finite_float)
        except NotFinite as e:
            raise BadRequest(400, str(e))
        except UnicodeDecodeError:
            raise BadRequest(400, "malformed JSON: the body is not UTF-8")
        except RecursionError:
            raise BadRequest(400, "malformed JSON: nested too deeply")
        except ValueError as e:
            raise BadRequest(400, "malformed JSON: %s" % one_line(e))

    def handle_one_request(self):
        # One deadline from the wait for the request line to the end of the headers; the routes clear it (the body
        # has its own).
        self.deadline = time.monotonic() + self.server.app.spec["requestTimeoutS"]
        try:
            BaseHTTPRequestHandler.handle_one_request(self)
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    def counted(self, route):
        """Runs a route as a request in flight, which a stop waits for (idle keep-alive connections are not)."""
        app = self.server.app
        with app.in_flight_lock:
            app.in_flight += 1
        try:
            route()
        finally:
            with app.in_flight_lock:
                app.in_flight -= 1

    # -- routes

    def do_GET(self):
        self.deadline = None
        self.counted(self.get)

    def do_POST(self):
        self.deadline = None
        self.counted(self.post)

    def get(self):
        path = self.path.split("?", 1)[0]
        app = self.server.app
        if path == "/health":
            self.send(200, {"status": "ok", "model": app.spec["model"], "version": app.spec.get("version")})
        elif path == "/metadata":
            self.send(200, app.metadata)
        elif path in ("/predict", "/feedback"):
            self.send(405, {"error": "%s takes POST" % path}, {"Allow": "POST"})
        else:
            self.send(404, {"error": "no such endpoint %s: use POST /predict, POST /feedback, GET /health, GET /metadata" % one_line(path, 100)})

    def post(self):
        path = self.path.split("?", 1)[0]
        self.body_unread = True
        try:
            if path == "/predict":
                self.predict()
            elif path == "/feedback":
                self.feedback()
            elif path in ("/health", "/metadata"):
                self.discard_body()
                self.send(405, {"error": "%s takes GET" % path}, {"Allow": "GET"})
            else:
                self.discard_body()
                self.send(404, {"error": "no such endpoint %s: use POST /predict, POST /feedback, GET /health, GET /metadata" % one_line(path, 100)})
        finally:
            if self.body_unread and self.close_connection:
                # Answered without reading the body: read what the client still sends for a moment, so closing
                # does not reset the connection before the client has read the answer.
                self.drain(2 * self.server.app.spec["maxBodyBytes"])

    def predict(self):
        app = self.server.app
        spec = app.spec
        t_arrived = time.time()
        rid = uuid.uuid4().hex
        when = now_iso(t_arrived)
        records = None
        status, body, outputs, error = 200, None, None, None
        t0 = None
        try:
            payload = self.read_json()
            t0 = time.perf_counter()
            records = records_of(payload)
            clean = validate(records, spec.get("features"), spec.get("label"))
            try:
                outputs = app.model.predict(clean)
            except Exception as e:  # noqa: BLE001 - a failing model is a 500, never a dead server
                error = exception_line(e)
                sys.stderr.write("mlops_serve: request %s: the model raised %s\n" % (rid, error))
                last = traceback.extract_tb(e.__traceback__)[-1:] if e.__traceback__ else []
                for frame in last:
                    sys.stderr.write("mlops_serve:   at %s:%s in %s\n" % (frame.filename, frame.lineno, frame.name))
                sys.stderr.flush()
                error = "the model failed: " + error
                status, body = 500, {"id": rid, "error": error}
            else:
                body = {"id": rid, "model": spec["model"], "version": spec.get("version"), "predictions": outputs}
        except BadRequest as e:
            status, error = e.status, e.message
            body = dict({"id": rid, "error": e.message}, **e.details)
        except ValueError as e:  # outputs that cannot be JSON
            status, error, outputs = 500, "the model's output cannot be sent as JSON: %s" % one_line(e), None
            body = {"id": rid, "error": error}
        try:
            data = dumps_bytes(body) + b"\n"
        except ValueError as e:
            status, error, outputs = 500, "the model's output cannot be sent as JSON: %s" % one_line(e), None
            data = dumps_bytes({"id": rid, "error": error}) + b"\n"
        # Latency: the parsed request to the serialised answer. The prediction is remembered and its line written
        # BEFORE the answer goes out, so a client never holds a 200 the log lacks (a kill in between) and feedback
        # sent on another connection right after the answer always finds the id.
        latency = (time.perf_counter() - t0) * 1000.0 if t0 is not None else 0.0
        line = {"kind": "prediction", "id": rid, "time": when, "model": spec["model"], "version": spec.get("version"),
                "status": status, "latencyMs": round(latency, 3), "rows": len(records) if records else 0,
                "inputsMode": spec["logInputs"]}
        if outputs is not None and status == 200:
            line["outputs"] = outputs
            app.remember(rid, {"time": when, "version": spec.get("version"), "outputs": outputs})
        if error is not None:
            line["error"] = error
        try:
            line.update(app.logged_inputs(records))
            app.log.write(line, when)
        except (OSError, ValueError) as e:
            sys.stderr.write("mlops_serve: could not log request %s: %s\n" % (rid, one_line(e)))
            sys.stderr.flush()
        try:
            self.send(status, None, {"X-Request-Id": rid}, data)
        except OSError:
            self.close_connection = True

    def feedback(self):
        app = self.server.app
        try:
            payload = self.read_json()
            items = payload if isinstance(payload, list) else [payload]
            if not items:
                raise BadRequest(400, "no feedback: send {\"id\": ..., \"label\": ...} or a list of them")
            if len(items) > MAX_FEEDBACK_ITEMS:
                raise BadRequest(400, "%d feedback items; send at most %d per request" % (len(items), MAX_FEEDBACK_ITEMS))
            wanted = []
            for i, it in enumerate(items):
                if not isinstance(it, dict) or not isinstance(it.get("id"), str) or ("label" not in it and "labels" not in it):
                    raise BadRequest(400, "feedback item %d: expected {\"id\": \"...\", \"label\": x} or {\"id\": \"...\", \"labels\": [...]}" % i)
                if not _ID_RE.fullmatch(it["id"]):
                    raise BadRequest(400, "feedback item %d: id %s is not a request id (32 hex characters, as in X-Request-Id)" % (i, _show(it["id"])))
                it["id"] = it["id"].lower()
                if "labels" in it and not isinstance(it["labels"], list):
                    raise BadRequest(400, "feedback item %d: labels must be a list (one per record of the request)" % i)
                row = it.get("row")
                if row is not None and (not isinstance(row, int) or isinstance(row, bool) or row < 0):
                    raise BadRequest(400, "feedback item %d: row must be a whole number >= 0" % i)
                wanted.append(it["id"])
            known = {}
            with app.recent_lock:
                for rid in wanted:
                    if rid in app.recent:
                        known[rid] = app.recent[rid]
            rest = [rid for rid in wanted if rid not in known]
            if rest:
                known.update(app.log.find_predictions(rest))
            unknown = sorted(set(rid for rid in wanted if rid not in known))
            if unknown:
                raise BadRequest(404, "no successful prediction with id%s %s; nothing was written" % (
                    "s" if len(unknown) > 1 else "", ", ".join(one_line(u, 64) for u in unknown)), {"unknown": unknown})
            lines = []
            for i, it in enumerate(items):
                pred = known[it["id"]]
                n = len(pred["outputs"])
                if "labels" in it:
                    labels = it["labels"]
                    if len(labels) != n:
                        raise BadRequest(400, "feedback item %d: %d labels for a request of %d records" % (i, len(labels), n))
                elif it.get("row") is not None:
                    if it["row"] >= n:
                        raise BadRequest(400, "feedback item %d: row %d, but the request had %d records" % (i, it["row"], n))
                    labels = [None] * n
                    labels[it["row"]] = it["label"]
                else:
                    if n != 1:
                        raise BadRequest(400, "feedback item %d: the request had %d records; send labels (a list of %d) or a row" % (i, n, n))
                    labels = [it["label"]]
                lines.append({"kind": "feedback", "id": it["id"], "time": None, "predictionTime": pred["time"],
                              "version": pred["version"], "outputs": pred["outputs"], "labels": plain(labels)})
            for line in lines:
                line["time"] = now_iso()
                app.log.write(line, line["time"])
            self.send(200, {"written": len(lines)})
        except BadRequest as e:
            self.send(e.status, dict({"error": e.message}, **e.details))
        except (OSError, ValueError) as e:
            self.send(500, {"error": "could not record the feedback: %s" % one_line(e)})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, handler, app, family):
        self.address_family = family
        self.app = app
        self.slots = threading.BoundedSemaphore(int(app.spec["maxConnections"]))
        ThreadingHTTPServer.__init__(self, address, handler)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            self.refuse(request)
            return
        try:
            ThreadingHTTPServer.process_request(self, request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            ThreadingHTTPServer.process_request_thread(self, request, client_address)
        finally:
            self.slots.release()

    def refuse(self, request):
        """Too many open connections: 503 and close, from the accepting thread, without blocking it."""
        data = dumps_bytes({"error": "too many open connections (%d); try again later" % self.app.spec["maxConnections"]}) + b"\n"
        head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" % len(data)
        try:
            request.setblocking(False)
            try:
                request.recv(65536)  # what already arrived, so the close is not a reset under the answer
            except OSError:
                pass
            request.send(head.encode("latin-1") + data)
        except OSError:
            pass
        self.shutdown_request(request)

    def server_bind(self):
        # HTTPServer.server_bind asks DNS for the host's full name, which can hang without a network.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port


def url_of(host, port):
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return "http://%s:%d" % ("[%s]" % shown if ":" in shown else shown, port)


def serve(spec, exit_with_parent=False):
    model = Model(spec)
    log = PredictionLog(spec.get("logDir"))
    app = App(spec, model, log)
    host, port = spec["host"], int(spec["port"])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        server = Server((host, port), Handler, app, family)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise StartupError("port %d is in use; pick another with --port or use --port 0" % port)
        if e.errno == errno.EACCES:
            raise StartupError("not allowed to listen on port %d (ports below 1024 need privileges); pick another with --port" % port)
        raise StartupError("cannot listen on %s:%d: %s" % (host, port, e.strerror or e))
    actual = server.server_address[1]
    stopping = threading.Event()

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if exit_with_parent:
        # Started by mlops serve / the extension with stdin a pipe: when the parent dies, even by SIGKILL, the pipe
        # closes and the server stops too, instead of holding the port as an orphan.
        def watch():
            try:
                # os.read on the descriptor, not sys.stdin: a thread blocked inside a buffered reader's lock makes
                # the interpreter abort at exit.
                fd = sys.stdin.fileno()
                while os.read(fd, 4096):
                    pass
            except (OSError, ValueError):
                pass
            stop(None, None)
        threading.Thread(target=watch, daemon=True).start()
    sys.stdout.write(READY_PREFIX + json.dumps({"url": url_of(host, actual), "port": actual, "pid": os.getpid(),
                                                "model": spec["model"], "version": spec.get("version")}) + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.socket.close()
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline:
            with app.in_flight_lock:
                if app.in_flight == 0:
                    break
            time.sleep(0.02)
        log.close()
    sys.stdout.write("mlops_serve: stopped\n")
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mlops_serve.py", description="Serve one model version over HTTP (see the module docstring).")
    parser.add_argument("--spec", required=True, help="the serve spec (serve.json)")
    parser.add_argument("--host", help="override the spec's host")
    parser.add_argument("--port", type=int, help="override the spec's port (0: a free port)")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when stdin closes (the parent process is gone)")
    args = parser.parse_args(argv)
    try:
        spec = read_spec(args.spec, args.host, args.port)
        serve(spec, args.exit_with_parent)
    except StartupError as e:
        sys.stderr.write("mlops_serve: %s\n" % one_line(e, 2000))
        sys.stderr.flush()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
