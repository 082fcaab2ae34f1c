"""mlops_log: log runs, metrics, data versions and models to an MLOps Workbench ``.mlops`` store.

A single file with no dependencies beyond the Python standard library (Python >= 3.8). It writes the same
format as the VS Code extension and the ``mlops`` CLI (see docs/format.md), with the same rules: whole files are
replaced atomically, metric lines are appended with one ``write`` each, read-modify-write of run.json holds the
``run.json.lock`` folder lock, nothing is written through a symbolic link that leads out of the store, and a file
that does not validate is never rewritten.

    import mlops_log

    with mlops_log.start_run("baseline", params={"lr": 0.01}) as run:
        run.use_data("churn", "v1")
        for epoch in range(10):
            run.log_metrics({"loss": loss, "accuracy": acc}, step=epoch)
        run.log_model("churn-classifier", "model.pkl")      # also records meta.modelSizeBytes
        run.benchmark(model.predict, X_test[:1])             # meta.latencyMsP50 / latencyMsP95

The ``with`` block ends the run as finished, as failed on an exception, and as killed on KeyboardInterrupt.
When the script is started by "MLOps: Run Script as Experiment", the environment names the run the extension
created (MLOPS_RUN_ID, MLOPS_ROOT) and ``start_run`` attaches to it instead of creating another.
"""

import errno
import hashlib
import json
import math
import operator
import os
import random
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone

__all__ = ["start_run", "Run", "MlopsError", "percentile"]
__version__ = "1.2.0"

FORMAT_VERSION = 1
STORE_DIR = ".mlops"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Every pattern below is used with fullmatch and spells out [0-9]: Python's "$" also matches before a final
# newline and "\d" matches any Unicode digit, and the TypeScript side accepts neither.
_ID_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")
_SCHEMA_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")
_RESERVED_RE = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE | re.DOTALL)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_COMMIT_RE = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_ISO_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
                     r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# What JavaScript's String.prototype.trim removes: its white space and line terminators.
_JS_SPACE = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
MAX_SAFE_INTEGER = 2 ** 53 - 1
_LOCK_STALE_S = 30.0
_LOCK_WAIT_S = 60.0
_SKIP_DIRS = {".git", ".mlops", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints"}
_STATUSES = ("running", "finished", "failed", "killed")


class MlopsError(Exception):
    """A problem the user can act on (bad name, no store, damaged file, a lock held too long)."""


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


def _utf16_len(s):
    """Length as JavaScript counts it (UTF-16 code units), so both writers apply the same limits."""
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


def _printable(s):
    return _CONTROL_RE.sub(lambda m: "\\0" if m.group() == "\0" else "\\x%02x" % ord(m.group()), s)


def _short_repr(v, limit=60):
    """repr() for messages: never raises (repr of a huge int does), never floods the message."""
    try:
        r = repr(v)
    except Exception:  # noqa: BLE001 - any object may fail to print; the message must still be made
        if isinstance(v, int):
            return "an integer of about %d digits" % int(v.bit_length() * 0.30103)
        return "a %s" % type(v).__name__
    return r if len(r) <= limit else r[:limit - 3] + "..."


def name_problem(name, what):
    """Why ``name`` cannot name an experiment, dataset or model (None when it can). Same rules as TypeScript's
    nameProblem: names are file names on every platform, so they can never leave ``.mlops/``."""
    if not isinstance(name, str):
        return "%s name must be text, not %s" % (what, type(name).__name__)
    if len(name) == 0:
        return "%s name must not be empty" % what
    if "\0" in name:
        return "%s name must not contain a NUL character" % what
    if "/" in name or "\\" in name:
        return "%s name '%s' must not contain '/' or '\\'" % (what, _printable(name))
    if _utf16_len(name) > 100:
        return "%s name is %d characters long; at most 100 are allowed" % (what, _utf16_len(name))
    if not _NAME_RE.fullmatch(name):
        return ("%s name '%s' may only use letters, digits, space, '.', '_' and '-', and must start with a letter or digit"
                % (what, _printable(name)))
    if name.endswith((" ", ".")):
        return "%s name '%s' must not end with a space or '.'" % (what, name)
    if _RESERVED_RE.fullmatch(name):
        return "%s name '%s' is reserved on Windows" % (what, name)
    return None


def text_problem(text, what, max_len=200):
    """Why ``text`` cannot be a run name, tag, param or metric name (None when it can); TypeScript's textProblem."""
    if not isinstance(text, str):
        return "%s must be text, not %s" % (what, type(text).__name__)
    if not text.strip(_JS_SPACE):
        return "%s must not be empty" % what
    n = _utf16_len(text)
    if n > max_len:
        return "%s is %d characters long; at most %d are allowed" % (what, n, max_len)
    if _CONTROL_RE.search(text):
        return "%s '%s' must not contain control characters or line breaks" % (what, _printable(text))
    return None


def _check_name(name, what):
    problem = name_problem(name, what)
    if problem:
        raise MlopsError(problem)
    return name


def _check_text(text, what, max_len=200):
    problem = text_problem(text, what, max_len)
    if problem:
        raise MlopsError(problem)
    return text


def _check_param_name(key):
    # JSON readers on the TypeScript side (zod records, JavaScript objects) drop a '__proto__' key, so a param of
    # that name would not survive their read-modify-write.
    if key == "__proto__":
        raise MlopsError("param name '__proto__' cannot be stored (JSON readers drop it); choose another name")
    return _check_text(key, "param name")


def _dumps(value, indent=None):
    """JSON as the TypeScript writers produce it: UTF-8 text, no NaN literals, lone surrogates as \\u escapes."""
    try:
        if indent is None:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        else:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent)
    except RecursionError:
        raise MlopsError("a value is nested too deeply to be written as JSON")
    except ValueError as e:
        raise MlopsError("a value cannot be written as JSON (%s)" % e)
    # A lone surrogate can only occur inside a JSON string; written raw it would not be UTF-8.
    return _SURROGATE_RE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


def _to_json(value):
    return _dumps(value, indent=2) + "\n"


def _reject_constant(name):
    raise ValueError("%s is not JSON" % name)


def _load_json(path):
    """Parses a JSON file; ValueError (with the reason) for anything that is not strict JSON, however damaged."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply")
    except UnicodeDecodeError as e:
        raise ValueError("not UTF-8 (%s)" % e.reason)


# ------------------------------------------------------------------ staying inside the store

class _Store(object):
    """Paths of one ``.mlops`` store. Every write goes through :meth:`check`: no path below ``.mlops`` may lead,
    through a symbolic link, to a place outside the real path of ``.mlops`` (which may itself be a link)."""

    def __init__(self, root):
        self.root = root
        self.dir = os.path.join(root, STORE_DIR)
        self.real = os.path.realpath(self.dir)

    def show(self, path):
        rel = os.path.relpath(path, self.root)
        return rel.replace(os.sep, "/") if not rel.startswith(os.pardir) else path

    def inside(self, real):
        return real == self.real or real.startswith(self.real.rstrip(os.sep) + os.sep)

    def check(self, path, verb="write"):
        """Raises MlopsError when ``path`` or a folder on its way (below ``.mlops``) is a symbolic link that resolves
        outside the store. Components that do not exist yet are fine: the writer creates them as real folders."""
        rel = os.path.relpath(path, self.dir)
        if rel == os.curdir:
            return path
        if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
            raise MlopsError("refusing to %s '%s': it is outside the store %s" % (verb, path, self.dir))
        cur = self.dir
        for part in rel.split(os.sep):
            cur = os.path.join(cur, part)
            try:
                st = os.lstat(cur)
            except OSError:
                break
            if stat.S_ISLNK(st.st_mode):
                real = os.path.realpath(cur)
                if not self.inside(real):
                    raise MlopsError("refusing to %s through the symbolic link '%s' (it points to '%s', outside the store)"
                                     % (verb, self.show(cur), real))
        return path

    def resolved(self, path):
        """The file to open for ``path`` once :meth:`check` passed: a final link (inside the store) is resolved, so
        the file it names is written, and the link itself is never replaced by a copy."""
        return os.path.realpath(path) if os.path.islink(path) else path


def _write_atomic(store, path, text):
    """Replace ``path`` with ``text``: temp file in the same folder, fsync, rename over the target. Never creates a
    missing folder (a run that was deleted stays deleted)."""
    store.check(path)
    target = store.resolved(path)
    d = os.path.dirname(target)
    if not os.path.isdir(d):
        raise MlopsError("cannot write %s: its folder is gone" % store.show(path))
    tmp = os.path.join(d, ".%s.%d.%08x.tmp" % (os.path.basename(target), os.getpid(), random.getrandbits(32)))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _create_exclusive(store, path, text):
    """Create ``path`` only if it does not exist (atomically: temp file + hard link). False when it exists."""
    store.check(path)
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    store.check(path)
    tmp = os.path.join(d, ".%s.%d.%08x.tmp" % (os.path.basename(path), os.getpid(), random.getrandbits(32)))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(text.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # link() never follows a symbolic link at the target: an existing link is EEXIST
        return True
    except FileExistsError:
        return False
    except OSError as e:
        if e.errno in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
            try:
                with open(path, "x", encoding="utf-8") as f:  # O_EXCL: fails on any existing link too
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


def _append_lines(store, path, lines, missing_message):
    """Append whole lines in a single write to a file opened with O_APPEND (safe with concurrent writers)."""
    if not lines:
        return
    store.check(path)
    target = store.resolved(path)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as e:
        if e.errno == errno.ELOOP:  # became a link after the check
            raise MlopsError("refusing to write through the symbolic link '%s'" % store.show(path))
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            raise MlopsError(missing_message)
        raise
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)


# ------------------------------------------------------------------ the lock (docs/format.md "Locks")

def _pid_alive(pid):
    if sys.platform == "win32":
        return True  # os.kill would terminate it; a Windows lock is broken by its age alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # EPERM: it exists, under another user
    return True


class _FileLock(object):
    """``<file>.lock``: a folder holding owner.json {pid, host, token, acquiredAt}, shared with the TypeScript
    writers. Acquired by renaming a prepared private folder onto the lock name, taken over from a crashed owner
    by an atomic rename, released only by its owner."""

    def __init__(self, store, path):
        self.store = store
        self.file = path
        self.dir = os.path.dirname(path)
        self.name = os.path.basename(path)
        self.lock = path + ".lock"
        self.token = os.urandom(16).hex()
        self.host = socket.gethostname()

    def _aside(self, token, suffix):
        return os.path.join(self.dir, ".%s.lock.%s%s" % (self.name, token, suffix))

    def _read_owner(self, folder):
        """(owner dict or None when unreadable, lstat of the folder); raises FileNotFoundError when it is gone."""
        st = os.lstat(folder)
        try:
            owner = _load_json(os.path.join(folder, "owner.json"))
        except (OSError, ValueError):
            return None, st
        ok = (isinstance(owner, dict) and isinstance(owner.get("token"), str) and isinstance(owner.get("host"), str)
              and isinstance(owner.get("pid"), int) and not isinstance(owner.get("pid"), bool)
              and isinstance(owner.get("acquiredAt"), (int, float)) and not isinstance(owner.get("acquiredAt"), bool))
        return (owner if ok else None), st

    def _stale(self, owner, st):
        now = time.time()
        if owner is None:
            return now - st.st_mtime > _LOCK_STALE_S
        if owner["host"] == self.host and owner["pid"] > 0 and not _pid_alive(owner["pid"]):
            return True
        return now * 1000 - owner["acquiredAt"] > _LOCK_STALE_S * 1000

    def _describe(self, owner, st):
        try:
            if st is None:
                return "a writer that keeps taking it"
            if owner is None:
                return "an owner that left no readable owner.json, since %s" % _now_iso(st.st_mtime)
            return "pid %d on %s since %s" % (owner["pid"], owner["host"], _now_iso(owner["acquiredAt"] / 1000.0))
        except (OverflowError, ValueError, OSError):
            return "an owner with a damaged owner.json"

    def _try_acquire(self):
        """One attempt: True when the lock is ours."""
        if os.path.lexists(self.lock):
            return False  # also keeps an empty lock folder of an older writer, which rename would replace
        private = self._aside(self.token, "")
        try:
            os.mkdir(private)
        except FileNotFoundError:
            raise MlopsError("cannot lock %s: its folder is gone" % self.store.show(self.file))
        try:
            owner = {"pid": os.getpid(), "host": self.host, "token": self.token, "acquiredAt": int(time.time() * 1000)}
            fd = os.open(os.path.join(private, "owner.json"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(_to_json(owner).encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.rename(private, self.lock)
            return True
        except OSError as e:
            if e.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
                shutil.rmtree(private, ignore_errors=True)
                raise
        shutil.rmtree(private, ignore_errors=True)
        return False

    def _take_over(self, owner, st):
        """Moves a stale lock aside atomically; only the waiter whose rename succeeds deletes it. False when
        nothing was moved."""
        token = owner["token"] if owner else "unreadable"
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", token):
            token = "invalid"
        if token in ("unreadable", "invalid"):
            token += "-" + self.token  # no real token to name it by: a name of our own cannot meet a leftover
        aside = self._aside(token, ".stale")
        # Look once more right before moving it: another waiter may already have broken it and taken a new lock.
        try:
            now, _ = self._read_owner(self.lock)
        except OSError:
            return False  # gone: look again
        if (now is None) != (owner is None) or (now is not None and now["token"] != owner["token"]):
            return False
        try:
            os.rename(self.lock, aside)
        except OSError:
            return False  # another waiter moved it first (or is still deleting its copy): look again
        try:
            moved, _ = self._read_owner(aside)
        except OSError:
            return True
        same = (moved is None and owner is None) or (moved is not None and owner is not None and moved["token"] == owner["token"])
        if not same:
            # Between our look and our rename the stale lock was broken and a live writer acquired: give it back.
            try:
                os.rename(aside, self.lock)
                return True
            except OSError:
                pass  # a third writer holds the lock now; the moved one cannot be restored
        shutil.rmtree(aside, ignore_errors=True)
        return True

    def __enter__(self):
        self.store.check(self.lock)
        start = time.time()
        delay = 0.005
        while True:
            if self._try_acquire():
                return self
            try:
                owner, st = self._read_owner(self.lock)
            except OSError:
                owner, st = None, None  # released in the meantime
            if st is not None and self._stale(owner, st) and self._take_over(owner, st):
                continue
            if time.time() - start > _LOCK_WAIT_S:
                raise MlopsError("%s is locked by another writer (%s; lock %s); if that process is no longer running, "
                                 "delete that folder" % (self.name, self._describe(owner, st), self.store.show(self.lock)))
            if st is None:
                continue
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.1)

    def __exit__(self, *exc):
        try:
            owner, _ = self._read_owner(self.lock)
        except OSError:
            return False
        if not owner or owner["token"] != self.token:
            return False  # taken over while we held it: the lock is someone else's now
        released = self._aside(self.token, ".released")
        try:
            os.rename(self.lock, released)
        except OSError:
            return False
        try:
            moved, _ = self._read_owner(released)
        except OSError:
            return False
        if moved is None or moved["token"] != self.token:
            try:
                os.rename(released, self.lock)  # taken over between our read and our rename: give it back
                return False
            except OSError:
                pass
        shutil.rmtree(released, ignore_errors=True)
        return False


# ------------------------------------------------------------------ values

def _number(v):
    """v as int/float/bool: Python numbers, numpy and torch scalars (duck-typed by ``.item()``), Decimal and
    Fraction; None for anything else (text included)."""
    if isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, (str, bytes, bytearray)):
        return None
    item = getattr(v, "item", None)
    if callable(item):
        try:
            r = item()
        except Exception:  # noqa: BLE001 - a many-element array and the like: not a scalar
            return None
        return r if isinstance(r, (bool, int, float)) else None
    if hasattr(v, "__float__") and hasattr(v, "__int__"):
        try:
            return float(v)
        except (TypeError, ValueError, OverflowError):
            return None
    return None


def _encode_value(name, v):
    n = _number(v)
    if n is None:
        raise MlopsError("metric %r has a non-numeric value %s" % (name, _short_repr(v)))
    if isinstance(n, int):  # bool included
        n = int(n)
        if abs(n) <= MAX_SAFE_INTEGER:
            return n
    try:
        f = float(n)
    except OverflowError:
        raise MlopsError("metric %r has a value too large for a 64-bit float (%s)" % (name, _short_repr(n)))
    if f != f:
        return "NaN"
    if f == float("inf"):
        return "Infinity"
    if f == float("-inf"):
        return "-Infinity"
    return int(f) if f.is_integer() and abs(f) <= MAX_SAFE_INTEGER else f


def _check_step(name, step):
    s = step
    if not isinstance(s, (bool, int, float)):
        item = getattr(s, "item", None)
        if callable(item):
            try:
                s = item()
            except Exception:  # noqa: BLE001
                s = None
    if isinstance(s, float) and s.is_integer():
        s = int(s)
    if isinstance(s, bool) or not isinstance(s, int) or s < 0 or s > MAX_SAFE_INTEGER:
        raise MlopsError("metric %r step must be a whole number from 0 to 2^53 - 1 (%d), got %s"
                         % (name, MAX_SAFE_INTEGER, _short_repr(step)))
    return s


def _param_value(key, v):
    """What is stored for a param: None, booleans, text, numbers; integers outside +-(2^53 - 1) as the exact text
    of their digits (JavaScript would round them); non-finite floats and anything else as text."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return str(v)
    if not isinstance(v, (int, float)):
        item = getattr(v, "item", None)
        if callable(item):
            try:
                r = item()
            except Exception:  # noqa: BLE001 - not a scalar: stored as text below
                r = None
            if isinstance(r, (bool, int, float)):
                v = r
        if isinstance(v, bool):
            return v
    if isinstance(v, int):
        v = int(v)
        if abs(v) <= MAX_SAFE_INTEGER:
            return v
        try:
            return str(v)
        except ValueError:  # more digits than int-to-text allows (sys.get_int_max_str_digits)
            raise MlopsError("param %r is an integer of about %d digits; pass it as text" % (key, int(v.bit_length() * 0.30103)))
    if isinstance(v, float):
        v = float(v)
        return v if math.isfinite(v) else str(v)
    try:
        return str(v)
    except Exception as e:  # noqa: BLE001 - a user object whose __str__ fails
        raise MlopsError("param %r: its value of type %s cannot be turned into text (%s)" % (key, type(v).__name__, e))


# ------------------------------------------------------------------ validating what is read

def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and (isinstance(v, int) or math.isfinite(v))


def _is_int(v):
    return _is_num(v) and (isinstance(v, int) or v.is_integer())


def _is_str(v, pattern=None, lo=0, hi=None):
    if not isinstance(v, str) or _utf16_len(v) < lo or (hi is not None and _utf16_len(v) > hi):
        return False
    return pattern is None or pattern.fullmatch(v) is not None


def _is_str_list(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _opt(obj, key, ok):
    return key not in obj or ok(obj[key])


def _run_problem(r, run_id):
    """Why a parsed run.json is not a valid run record (the checks of RunSchema), or None."""
    if not isinstance(r, dict):
        return "not a JSON object"
    checks = [
        ("formatVersion", _is_int(r.get("formatVersion")) and r.get("formatVersion") >= 1),
        ("id", _is_str(r.get("id"), _ID_RE)),
        ("experiment", _is_str(r.get("experiment"), _SCHEMA_NAME_RE, 1, 100)),
        ("name", _is_str(r.get("name"), None, 1, 200)),
        ("status", r.get("status") in _STATUSES),
        ("startTime", _is_str(r.get("startTime"), _ISO_RE)),
        ("endTime", _opt(r, "endTime", lambda v: _is_str(v, _ISO_RE))),
        ("params", isinstance(r.get("params"), dict) and all(
            v is None or isinstance(v, (str, bool)) or _is_num(v) for v in r["params"].values())),
        ("tags", _is_str_list(r.get("tags"))),
        ("notes", _opt(r, "notes", lambda v: isinstance(v, str))),
        ("git", _opt(r, "git", lambda g: isinstance(g, dict) and _is_str(g.get("commit"), _COMMIT_RE)
                     and isinstance(g.get("dirty"), bool) and _opt(g, "branch", lambda b: isinstance(b, str))
                     and _opt(g, "diffHash", lambda h: _is_str(h, _SHA256_RE)))),
        ("dataVersions", isinstance(r.get("dataVersions"), list) and all(
            isinstance(d, dict) and _is_str(d.get("dataset"), _SCHEMA_NAME_RE, 1, 100) and _is_str(d.get("version"), _ID_RE)
            and _opt(d, "contentHash", lambda h: _is_str(h, _SHA256_RE)) for d in r["dataVersions"])),
        ("meta", isinstance(r.get("meta"), dict) and _meta_ok(r["meta"])),
        ("source", _opt(r, "source", lambda s: isinstance(s, dict) and isinstance(s.get("kind"), str)
                        and _opt(s, "script", lambda x: isinstance(x, str)) and _opt(s, "command", _is_str_list))),
        ("reproducedFrom", _opt(r, "reproducedFrom", lambda v: _is_str(v, _ID_RE))),
    ]
    bad = [k for k, ok in checks if not ok]
    if bad:
        return "bad or missing %s" % ", ".join(bad)
    if r["id"] != run_id:
        return "its id %s disagrees with its folder name %s" % (r["id"], run_id)
    return None


def _meta_ok(m):
    nonneg = lambda v: _is_num(v) and v >= 0  # noqa: E731
    return (_opt(m, "durationMs", nonneg) and _opt(m, "peakMemoryBytes", nonneg)
            and _opt(m, "hardware", lambda h: isinstance(h, dict) and _opt(h, "cpu", lambda x: isinstance(x, str))
                     and _opt(h, "cores", lambda x: _is_int(x) and x > 0) and _opt(h, "memoryBytes", nonneg)
                     and _opt(h, "gpus", _is_str_list) and _opt(h, "platform", lambda x: isinstance(x, str))
                     and _opt(h, "label", lambda x: _is_str(x, None, 1, 100)))
            and _opt(m, "latencyMsP50", nonneg) and _opt(m, "latencyMsP95", nonneg)
            and _opt(m, "modelSizeBytes", lambda v: _is_int(v) and 0 <= v <= MAX_SAFE_INTEGER)
            and _opt(m, "cost", lambda c: isinstance(c, dict) and nonneg(c.get("amount")) and _is_str(c.get("currency"), None, 1, 10))
            and _opt(m, "python", lambda x: isinstance(x, str))
            and _opt(m, "environment", lambda e: isinstance(e, dict) and _is_str(e.get("hash"), _SHA256_RE)
                     and _opt(e, "file", lambda x: isinstance(x, str)))
            and _opt(m, "exitCode", _is_int))


# ------------------------------------------------------------------ hashing

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
        entries.sort(key=lambda e: e["path"])  # Python compares str by code point: the order docs/format.md defines
        kind = "directory"
    else:
        raise MlopsError("cannot read %r: no such file or folder" % path)
    h = hashlib.sha256()
    for e in entries:
        try:
            h.update(("%s %d %s\n" % (e["sha256"], e["size"], e["path"])).encode("utf-8"))
        except UnicodeEncodeError:
            raise MlopsError("cannot hash %r: the file name %r is not valid UTF-8" % (path, e["path"]))
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


# ------------------------------------------------------------------ git, as src/core/git/git.ts records it

_EXCLUDE_STORE = ["--", ".", ":(exclude).mlops", ":(exclude)**/.mlops/**"]


def _git(args, cwd):
    # simple-git (the TypeScript side) removes GIT_* variables from git's environment; so do we, for the same answer.
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GIT_")}
    r = subprocess.run(["git"] + args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=15)
    if r.returncode != 0:
        raise subprocess.SubprocessError("git %s failed" % args[0])
    # simple-git decodes output as UTF-8 (invalid bytes become U+FFFD) and hashes that text re-encoded.
    return r.stdout.decode("utf-8", "replace")


def _git_state(root):
    """{commit, dirty, branch, diffHash}: dirty when anything outside .mlops/ is changed or untracked; diffHash is
    SHA-256 of `git diff HEAD --binary`, a marker, and the untracked entries — byte for byte what git.ts hashes."""
    try:
        commit = _git(["rev-parse", "HEAD"], root).strip()
        if not _COMMIT_RE.fullmatch(commit):
            return None
        top = _git(["rev-parse", "--show-toplevel"], root).strip()
        status = _git(["status", "--porcelain=v1", "-z", "--untracked-files=all"] + _EXCLUDE_STORE, top)
        info = {"commit": commit, "dirty": len(status) > 0}
        try:
            branch = _git(["symbolic-ref", "--short", "-q", "HEAD"], top).strip()
            if branch:
                info["branch"] = branch
        except subprocess.SubprocessError:
            pass  # detached HEAD
        if info["dirty"]:
            diff = _git(["diff", "HEAD", "--binary"] + _EXCLUDE_STORE, top)
            h = hashlib.sha256(diff.encode("utf-8", "surrogatepass"))
            h.update(b"\0untracked\0")
            for entry in status.split("\0"):
                if entry.startswith("?? "):
                    h.update(entry.encode("utf-8", "surrogatepass"))
                    h.update(b"\0")
            info["diffHash"] = h.hexdigest()
        return info
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _script_path(root):
    """The running script relative to the workspace (with '/'); outside it only the base name, so no home folder
    ends up in a committed file. None for `python -c`, the REPL and the like."""
    arg = sys.argv[0] if sys.argv else ""
    if not arg or arg in ("-c", "-m", "-") or not os.path.isfile(arg):
        return None
    script = os.path.abspath(arg)
    for base, target in ((root, script), (os.path.realpath(root), os.path.realpath(script))):
        try:
            rel = os.path.relpath(target, base)
        except ValueError:  # another drive
            continue
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep) and not os.path.isabs(rel):
            return rel.replace(os.sep, "/")
    return os.path.basename(script)


# ------------------------------------------------------------------ latency (Run.benchmark)

MAX_BENCHMARK_REPEAT = 1000000


def percentile(values, q):
    """The ``q``-th percentile (0-100) of ``values`` by linear interpolation between the two nearest ranks: the
    default ("linear") method of ``numpy.percentile``, computed the way numpy computes it, so both give the same
    float. Of sorted x[0..n-1], position h = (n - 1) * q / 100 falls between x[floor(h)] and the next value.
    [1, 2, 3, 4] gives 2.5 at q=50 and 3.85 at q=95."""
    xs = sorted(float(v) for v in values)
    if not xs:
        raise MlopsError("a percentile needs at least one value")
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 <= q <= 100:
        raise MlopsError("a percentile is from 0 to 100, not %s" % _short_repr(q))
    h = (len(xs) - 1) * (q / 100.0)
    lo = int(math.floor(h))
    if lo >= len(xs) - 1:
        return xs[-1]
    t = h - lo
    a, b = xs[lo], xs[lo + 1]
    # numpy's _lerp: from the nearer end, so the result is exact at both ends and monotonic in t.
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def _count(value, what, lo, hi):
    """A whole number from lo to hi (numpy integers included, bools and floats refused), or MlopsError."""
    n = None
    if not isinstance(value, (bool, float)):
        try:
            n = operator.index(value)
        except TypeError:
            n = None
    if n is None or not lo <= n <= hi:
        raise MlopsError("%s must be a whole number from %d to %d, not %s" % (what, lo, hi, _short_repr(value)))
    return n


# ------------------------------------------------------------------ the run

class Run(object):
    """A run in the store. Create it with :func:`start_run`."""

    def __init__(self, root, run_id, attached=False):
        self.root = root
        self.id = run_id
        self.attached = attached
        self._store = _Store(root)
        self._dir = os.path.join(self._store.dir, "runs", run_id)
        self._file = os.path.join(self._dir, "run.json")
        self._metrics = os.path.join(self._dir, "metrics.jsonl")
        self._steps = {}
        self._started = time.time()
        self._ended = False

    # -- reading and updating run.json (under the lock, keeping fields this version does not know)

    def _read(self):
        self._store.check(self._file, "read")
        shown = self._store.show(self._file)
        try:
            data = _load_json(self._file)
        except FileNotFoundError:
            raise MlopsError("no run %s in %s" % (self.id, self.root))
        except NotADirectoryError:
            raise MlopsError("no run %s in %s" % (self.id, self.root))
        except ValueError as e:
            raise MlopsError("%s is not valid JSON (%s); it was not changed" % (shown, e))
        if isinstance(data, dict) and _is_int(data.get("formatVersion")) and data["formatVersion"] > FORMAT_VERSION:
            raise MlopsError("%s was written by a newer MLOps Workbench (formatVersion %d); update mlops_log" % (shown, data["formatVersion"]))
        problem = _run_problem(data, self.id)
        if problem:
            raise MlopsError("%s is not a valid run record (%s); it was not changed" % (shown, problem))
        return data

    def _update(self, mutate):
        self._store.check(self._file)
        if not os.path.isdir(self._dir):
            raise MlopsError("no run %s in %s" % (self.id, self.root))
        with _FileLock(self._store, self._file):
            data = self._read()
            mutate(data)
            text = _to_json(data)
            _write_atomic(self._store, self._file, text)
            return data

    @property
    def record(self):
        """The run's current run.json as a dict."""
        return self._read()

    # -- params, tags

    def log_param(self, key, value):
        self.log_params({key: value})

    def log_params(self, params):
        values = {}
        for k, v in params.items():
            _check_param_name(k)
            values[k] = _param_value(k, v)
        self._update(lambda r: r["params"].update(values))

    def set_tag(self, tag):
        self.set_tags([tag])

    def set_tags(self, tags):
        tags = list(tags)
        for t in tags:
            _check_text(t, "tag", 100)

        def mutate(r):
            for t in tags:
                if t not in r["tags"]:
                    r["tags"].append(t)
        self._update(mutate)

    def set_hardware_label(self, label):
        """Record ``meta.hardware.label``, the name of this machine class (``cpu-only``, ``a100``) that goals and
        budgets refer to; what ``meta.hardware`` already holds (cpu, cores, ...) is kept."""
        _check_text(label, "hardware label", 100)

        def mutate(r):
            hardware = r["meta"].get("hardware")
            if hardware is None:
                hardware = r["meta"]["hardware"] = {}
            hardware["label"] = label
        self._update(mutate)

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
        self._store.check(self._metrics)
        encoded = []
        for name, value in metrics.items():
            _check_text(name, "metric name")
            encoded.append((name, _encode_value(name, value), None if step is None else _check_step(name, step)))
        now = int(time.time() * 1000)
        lines = []
        for name, value, s in encoded:
            if s is None:
                s = self._next_step(name)
                if s > MAX_SAFE_INTEGER:
                    raise MlopsError("metric %r has reached the largest step, 2^53 - 1" % name)
            self._steps[name] = max(self._steps.get(name, -1), s)
            lines.append(_dumps({"name": name, "step": s, "value": value, "timestamp": now}))
        _append_lines(self._store, self._metrics, lines, "no run %s in %s" % (self.id, self.root))

    # -- inference latency

    def benchmark(self, predict, sample, repeat=100, warmup=None):
        """Time ``predict(sample)`` and record its latency on the run as ``meta.latencyMsP50`` and
        ``meta.latencyMsP95`` (milliseconds), the figures a goal's ``maxLatencyMsP95`` is checked against.

        ``predict`` is called ``warmup`` times untimed (default: a tenth of ``repeat``, from 1 to 10; warm-up lets
        caches, lazy loading and JIT settle), then ``repeat`` times (1 to 1,000,000), each call timed on its own
        with ``time.perf_counter``. The percentiles are :func:`percentile`'s, numpy's default "linear" method, so
        ``numpy.percentile(result["timings"], 95)`` gives the same figure. A later call replaces both figures.

        Returns ``{"p50", "p95", "mean": ms, "repeat": n, "timings": [ms of each timed call, in order]}``. An
        exception raised by ``predict`` propagates unchanged and nothing is recorded.
        """
        if not callable(predict):
            raise MlopsError("predict must be callable (a function taking the sample), not %s" % _short_repr(predict))
        repeat = _count(repeat, "repeat", 1, MAX_BENCHMARK_REPEAT)
        warmup = max(1, min(10, repeat // 10)) if warmup is None else _count(warmup, "warmup", 0, MAX_BENCHMARK_REPEAT)
        self._read()  # a missing or damaged run fails now, not after the whole benchmark has run
        for _ in range(warmup):
            predict(sample)
        clock = time.perf_counter
        timings = []
        for _ in range(repeat):
            start = clock()
            predict(sample)
            timings.append((clock() - start) * 1000.0)
        p50, p95 = percentile(timings, 50), percentile(timings, 95)
        self._update(lambda r: r["meta"].update(latencyMsP50=p50, latencyMsP95=p95))
        return {"p50": p50, "p95": p95, "mean": math.fsum(timings) / repeat, "repeat": repeat, "timings": timings}

    # -- lineage

    def use_data(self, dataset, version_or_tag=None):
        """Record that the run used a data version (by id, unique id prefix or tag; default: the newest)."""
        _check_name(dataset, "dataset")
        versions = _data_versions(self._store, dataset)
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
            if not any(x.get("version") == ref["version"] for x in r["dataVersions"]):
                r["dataVersions"].append(ref)
        self._update(mutate)
        return chosen

    def log_model(self, name, path, flavor=None, entry=None):
        """Register ``path`` (a file or folder) as the next version of model ``name``, produced by this run, and
        record its size in bytes (all files of a folder) as the run's ``meta.modelSizeBytes``; when a run logs
        several models, the last one logged sets it.

        ``flavor`` records how ``mlops serve`` loads the artifact: ``"pickle"`` or ``"joblib"`` (an object with
        ``.predict``), or ``"python"`` with ``entry="predict.py:load"`` (a file in the workspace) or
        ``entry="package.module:load"``: a function that gets the artifact path and returns ``predict(records)``."""
        _check_name(name, "model")
        flavor_record = _flavor_record(flavor, entry, self.root)
        self._read()  # a missing or damaged run fails before a version naming it is registered
        model_dir = os.path.join(self._store.dir, "models", name)
        versions_dir = os.path.join(model_dir, "versions")
        self._store.check(os.path.join(versions_dir, "1.json"))
        abs_path = os.path.abspath(path)
        kind, entries, content_hash, size, count = _hash_path(abs_path)
        created = _now_iso()
        _create_exclusive(self._store, os.path.join(model_dir, "model.json"),
                          _to_json({"formatVersion": FORMAT_VERSION, "name": name, "createdAt": created}))
        rel = os.path.relpath(abs_path, self.root)
        artifact = {
            "path": rel.replace(os.sep, "/") if not rel.startswith("..") else abs_path,
            "sha256": entries[0]["sha256"] if kind == "file" else content_hash,
            "sizeBytes": size,
            "fileCount": max(1, count),
        }
        self._store.check(versions_dir)
        os.makedirs(versions_dir, exist_ok=True)
        self._store.check(versions_dir)
        existing = [int(f[:-5]) for f in os.listdir(versions_dir) if re.fullmatch(r"[1-9][0-9]{0,15}\.json", f)]
        version = max(existing or [0]) + 1
        while True:
            record = {"formatVersion": FORMAT_VERSION, "model": name, "version": version, "artifact": artifact, "runId": self.id,
                      "stage": "none", "createdAt": created, "stageHistory": [{"stage": "none", "at": created}]}
            if flavor_record is not None:
                record["flavor"] = flavor_record
            if _create_exclusive(self._store, os.path.join(versions_dir, "%d.json" % version), _to_json(record)):
                break
            version += 1
        try:
            self._update(lambda r: r["meta"].__setitem__("modelSizeBytes", size))
        except MlopsError as e:
            raise MlopsError("model %s version %d was registered, but its size could not be recorded on the run: %s"
                             % (name, version, e))
        return record

    # -- ending

    def end(self, status="finished"):
        """Mark the run ended: finished, failed or killed, with its duration (and peak memory when not attached)."""
        if status not in _STATUSES[1:]:
            raise MlopsError("status must be finished, failed or killed, not %s" % _short_repr(status))
        if self._ended:
            return
        end = time.time()

        def mutate(r):
            if r.get("status") != "running" and self.attached:
                return
            r["status"] = status
            r["endTime"] = _now_iso(end)
            meta = r["meta"]
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
        self._ended = True

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


_FLAVORS = ("pickle", "joblib", "python")
_ENTRY_RE = re.compile(r"(.+):([A-Za-z_][A-Za-z0-9_]*)")
_MODULE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _flavor_record(flavor, entry, root):
    """``{"name": flavor}`` (+ ``entry`` for python), checked like ``mlops model register --flavor/--entry``: the entry
    is required for python and refused otherwise; a file entry must be a file inside the workspace and is recorded
    relative to it (the server looks it up from there)."""
    if flavor is None:
        if entry is not None:
            raise MlopsError("entry goes with flavor='python'")
        return None
    if flavor not in _FLAVORS:
        raise MlopsError("unknown flavor %s: use one of %s" % (_short_repr(flavor), ", ".join(_FLAVORS)))
    if flavor != "python":
        if entry is not None:
            raise MlopsError("entry is for flavor='python'; a %s artifact is an object with .predict" % flavor)
        return {"name": flavor}
    if not isinstance(entry, str) or not entry:
        raise MlopsError("flavor='python' needs entry='file.py:function' (or 'package.module:function'): the function that "
                         "loads the artifact and returns predict(records)")
    m = _ENTRY_RE.fullmatch(entry)
    if not m:
        raise MlopsError("bad entry %s: expected 'file.py:function' or 'package.module:function'" % _short_repr(entry))
    where, func = m.group(1), m.group(2)
    if not where.endswith(".py") and "/" not in where and "\\" not in where:
        if not _MODULE_RE.fullmatch(where):
            raise MlopsError("bad entry %s: %s is neither a .py file nor a module name" % (_short_repr(entry), _short_repr(where)))
        return {"name": "python", "entry": entry}
    real_root = os.path.realpath(root)
    for candidate in (os.path.join(root, where), os.path.abspath(where)):
        rel = os.path.relpath(os.path.realpath(candidate), real_root)
        if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
            continue
        if os.path.isfile(candidate):
            return {"name": "python", "entry": "%s:%s" % (rel.replace(os.sep, "/"), func)}
    raise MlopsError("entry %s: %s is not a file inside the workspace %s" % (_short_repr(entry), where, root))


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
                p = json.loads(c, parse_constant=_reject_constant)
            except (ValueError, RecursionError):
                continue
            if isinstance(p, dict) and isinstance(p.get("name"), str) and _is_int(p.get("step")) and p["step"] >= 0:
                p["step"] = int(p["step"])
                points.append(p)
                break
    return points


def _rfind_all(s, sub):
    i = s.rfind(sub)
    while i > 0:
        yield i
        i = s.rfind(sub, 0, i)


def _data_versions(store, dataset):
    d = os.path.join(store.dir, "datasets", dataset, "versions")
    store.check(d, "read")
    out = []
    try:
        names = os.listdir(d)
    except (FileNotFoundError, NotADirectoryError):
        return out
    for n in names:
        # <id>.profile.json sits next to each version: never parse it as one (it can be large).
        if not n.endswith(".json") or n.endswith(".profile.json") or n.startswith(".") or os.path.islink(os.path.join(d, n)):
            continue
        try:
            v = _load_json(os.path.join(d, n))
        except (OSError, ValueError):
            continue
        # The file name is the identity: a version whose id disagrees with its file name is skipped.
        if isinstance(v, dict) and v.get("id") == n[:-5] and _is_str(v.get("id"), _ID_RE) and _is_str(v.get("contentHash"), _SHA256_RE):
            if not _is_str_list(v.get("tags", [])):
                v["tags"] = []
            out.append(v)
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
    except (OSError, ValueError, IndexError):
        pass
    # The same rule as the extension: no nvidia-smi means no NVIDIA GPUs (an empty list); a failing one leaves the
    # list out, so the run's hardware class stays unknown rather than passing as cpu-only.
    smi = shutil.which("nvidia-smi")
    if smi is None:
        hw["gpus"] = []
    else:
        try:
            out = subprocess.run([smi, "--query-gpu=name,memory.total", "--format=csv,noheader"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=10, check=True).stdout.decode("utf-8", "replace")
            hw["gpus"] = [line.strip() for line in out.splitlines() if line.strip()]
        except (OSError, subprocess.SubprocessError):
            pass
    return hw


def _environment():
    """The installed distributions as sorted ``name==version`` lines (what ``pip freeze`` lists for ordinary installs),
    read with importlib.metadata, so no pip process is started. None when they cannot be read (Python < 3.8, a
    broken installation): the run is then logged without an environment, never refused."""
    try:
        import importlib.metadata as metadata
    except ImportError:
        return None
    try:
        found = {}
        for dist in metadata.distributions():
            name = dist.metadata["Name"] if dist.metadata is not None else None
            version = dist.version
            if not name or not version:
                continue
            found.setdefault(re.sub(r"[-_.]+", "-", name).lower(), "%s==%s" % (name, version))
        return "".join(line + "\n" for line in sorted(found.values(), key=str.lower))
    except Exception:  # noqa: BLE001 - a damaged site-packages must not stop the run
        return None


def start_run(experiment, name=None, params=None, tags=None, notes=None, root=None, record_git=True, hardware_label=None):
    """Start a run in ``experiment`` (or attach to the one the extension created for this process).

    ``root`` is the workspace folder holding ``.mlops`` (default: MLOPS_ROOT, else the nearest one above the
    current folder). ``hardware_label`` names the machine class (``meta.hardware.label``, see
    :meth:`Run.set_hardware_label`). Returns a :class:`Run`, also usable as a context manager.
    """
    if hardware_label is not None:
        _check_text(hardware_label, "hardware label", 100)
    env_id = os.environ.get("MLOPS_RUN_ID")
    root = root or os.environ.get("MLOPS_ROOT") or find_root()
    if not root or not os.path.isfile(os.path.join(root, STORE_DIR, "mlops.json")):
        raise MlopsError("no MLOps store found (no .mlops/mlops.json at or above %s); run 'mlops init' or 'MLOps: Initialize Store'" % (root or os.getcwd()))
    root = os.path.abspath(root)
    if env_id and _ID_RE.fullmatch(env_id) and os.path.lexists(os.path.join(root, STORE_DIR, "runs", env_id, "run.json")):
        run = Run(root, env_id, attached=True)
        if params:
            run.log_params(params)
        if tags:
            run.set_tags(tags)
        if hardware_label is not None:
            run.set_hardware_label(hardware_label)
        return run
    _check_name(experiment, "experiment")
    run_name = name if name is not None else "%s-%s" % (experiment[:40], time.strftime("%Y%m%d-%H%M%S"))
    _check_text(run_name, "run name")
    values = {}
    for k, v in (params or {}).items():
        _check_param_name(k)
        values[k] = _param_value(k, v)
    tags = list(tags or [])
    for t in tags:
        _check_text(t, "tag", 100)
    if notes is not None and not isinstance(notes, str):
        raise MlopsError("notes must be text, not %s" % type(notes).__name__)
    store = _Store(root)
    started = time.time()
    run_id = _new_id(started * 1000)
    run_dir = os.path.join(store.dir, "runs", run_id)
    experiment_file = os.path.join(store.dir, "experiments", experiment + ".json")
    store.check(os.path.join(run_dir, "run.json"))
    store.check(experiment_file)
    hardware = _hardware()
    if hardware_label is not None:
        hardware["label"] = hardware_label
    record = {
        "formatVersion": FORMAT_VERSION, "id": run_id, "experiment": experiment, "name": run_name, "status": "running",
        "startTime": _now_iso(started), "params": values,
        "tags": list(dict.fromkeys(tags)), "dataVersions": [],
        "meta": {"python": sys.version.split()[0], "hardware": hardware},
        "source": {"kind": "python"},
    }
    script = _script_path(root)
    if script:
        record["source"]["script"] = script
    if notes:
        record["notes"] = notes
    git = _git_state(root) if record_git else None
    if git:
        record["git"] = git
    # The libraries it ran with, so a model made from this run has its environment on record (the gate's lineage).
    environment = _environment()
    if environment:
        record["meta"]["environment"] = {"hash": hashlib.sha256(environment.encode("utf-8")).hexdigest(), "file": "environment.txt"}
    text = _to_json(record)  # fails (MlopsError) before anything is written
    _create_exclusive(store, experiment_file,
                      _to_json({"formatVersion": FORMAT_VERSION, "name": experiment, "createdAt": _now_iso(started)}))
    os.makedirs(os.path.dirname(run_dir), exist_ok=True)
    store.check(os.path.join(run_dir, "run.json"))
    os.mkdir(run_dir)
    if environment:
        _write_atomic(store, os.path.join(run_dir, "environment.txt"), environment)
    _write_atomic(store, os.path.join(run_dir, "run.json"), text)
    run = Run(root, run_id)
    run._started = started
    return run
