"""Tests of mlops_serve.py's parts with real files in temp folders (run by test/unit/serve.test.ts, or directly:
python3 python/tests/test_mlops_serve.py). The HTTP behaviour end to end is tested by test/unit/cli-serve.test.ts.
"""

import http.client
import json
import os
import pickle
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import mlops_serve  # noqa: E402
from mlops_serve import BadRequest, StartupError  # noqa: E402

FEATURES = [{"name": "x", "type": "float", "nullable": False}, {"name": "n", "type": "integer", "nullable": False},
            {"name": "flag", "type": "boolean", "nullable": True}, {"name": "city", "type": "categorical", "nullable": False},
            {"name": "when", "type": "datetime", "nullable": True}]


class Scalar(object):
    """Stands for a numpy scalar: a value behind ``.item()``."""

    def __init__(self, v):
        self.v = v

    def item(self):
        return self.v


class Array(object):
    """Stands for a numpy array: values behind ``.tolist()``."""

    def __init__(self, values):
        self.values = values

    def tolist(self):
        return list(self.values)


class Requests(unittest.TestCase):
    def test_records_lists_one_record_and_columns(self):
        self.assertEqual(mlops_serve.records_of([{"a": 1}, {"a": 2}]), [{"a": 1}, {"a": 2}])
        self.assertEqual(mlops_serve.records_of({"a": 1, "b": "x"}), [{"a": 1, "b": "x"}])
        self.assertEqual(mlops_serve.records_of({"a": [1, 2], "b": ["x", "y"]}), [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
        for body, message in (([], "no records"), ({"a": [1, 2], "b": [1]}, "different lengths (a: 2, b: 1)"),
                              ([{"a": 1}, 3], "record 1 is not an object of column: value (it is integer)"), ("text", "got string"), ({"a": []}, "columns are empty")):
            with self.assertRaises(BadRequest) as e:
                mlops_serve.records_of(body)
            self.assertEqual(e.exception.status, 400)
            self.assertIn(message, e.exception.message)

    def test_validation_names_every_difference_in_one_message(self):
        records = [{"x": "high", "n": 2, "city": "paris", "zip": 1, "y": 3},
                   {"x": 1.5, "n": 2.5, "flag": 1, "city": "rome", "other": True},
                   {"x": 1, "n": True, "city": None}]
        with self.assertRaises(BadRequest) as e:
            mlops_serve.validate(records, FEATURES, "y")
        m = e.exception.message
        self.assertIn("unknown columns zip, other", m)
        self.assertNotIn("missing column", m, "a nullable column may be absent; the label is not a feature")
        self.assertIn('x: expected float, got string "high" (record 0)', m)
        self.assertIn("flag: expected boolean, got integer 1 (record 1)", m)
        self.assertIn("n: expected integer, got number 2.5 (record 1)", m)
        self.assertIn("city: null, but the training data has no missing values (record 2)", m)
        self.assertEqual(e.exception.details["unknown"], ["zip", "other"])
        self.assertEqual([t["column"] for t in e.exception.details["types"]], ["x", "n", "flag", "city"])
        with self.assertRaises(BadRequest) as e:
            mlops_serve.validate([{"x": 1, "n": True, "city": "a"}], FEATURES, None)
        self.assertIn("n: expected integer, got boolean true (record 0)", e.exception.message)
        with self.assertRaises(BadRequest) as e:
            mlops_serve.validate([{"x": 1.0}], FEATURES, None)
        self.assertIn("missing columns n, city", e.exception.message)

    def test_integer_columns_take_whole_numbers_and_datetime_columns_iso_times(self):
        ok = [{"x": 2.5, "n": 3.0, "city": "a", "when": w} for w in
              ("2026-11-30", "2026-11-30T10:15:00", "2026-11-30T10:15:00Z", "2026-11-30T10:15:00.250+01:00", "2026-11-30 10:15:00")]
        self.assertEqual(mlops_serve.validate(ok, FEATURES, None), ok)
        for column, value, text in (("n", 2.5, "n: expected integer, got number 2.5"), ("n", -0.5, "n: expected integer, got number -0.5"),
                                    ("when", "yesterday", 'when: expected datetime, got string "yesterday"'),
                                    ("when", "2026-13-01", 'when: expected datetime, got string "2026-13-01"'),
                                    ("when", "", 'when: expected datetime, got string ""')):
            record = {"x": 1, "n": 1, "city": "a"}
            record[column] = value
            with self.assertRaises(BadRequest) as e:
                mlops_serve.validate([record], FEATURES, None)
            self.assertIn(text + " (record 0)", e.exception.message)

    def test_valid_records_lose_the_label_and_keep_the_rest(self):
        out = mlops_serve.validate([{"x": 1, "n": 2, "city": "oslo", "y": 0, "when": None}], FEATURES, "y")
        self.assertEqual(out, [{"x": 1, "n": 2, "city": "oslo", "when": None}])
        self.assertEqual(mlops_serve.validate([{"anything": [1], "y": 1}], None, "y"), [{"anything": [1]}],
                         "no training profile: nothing is checked, the label still goes")

    def test_times_are_whole_milliseconds_that_never_round_into_the_next_second(self):
        self.assertEqual(mlops_serve.now_iso(1796083199.9999997), "2026-11-30T23:59:59.999Z")
        self.assertEqual(mlops_serve.now_iso(1796083200), "2026-12-01T00:00:00.000Z")
        self.assertEqual(mlops_serve.now_iso(1796083200.0015), "2026-12-01T00:00:00.001Z")

    def test_outputs_become_plain_json(self):
        self.assertEqual(mlops_serve.plain(Array([Scalar(1), Scalar(2.5), float("nan")])), [1, 2.5, None])
        self.assertEqual(mlops_serve.plain((1, {"p": Scalar(True)}, float("inf"))), [1, {"p": True}, None])
        self.assertEqual(mlops_serve.plain(Exception("shown as text")), "shown as text")
        json.dumps(mlops_serve.plain([Array([Scalar(3)]), b"bytes"]), allow_nan=False)


class Log(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mlops-serve-py-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_lines_go_to_the_utc_day_of_their_time_and_lookups_skip_torn_failed_and_feedback_lines(self):
        log = mlops_serve.PredictionLog(os.path.join(self.tmp, "m"))
        ids = ["a" * 32, "b" * 32, "c" * 32, "d" * 32]
        log.write({"kind": "prediction", "id": ids[0], "time": "2026-11-29T23:59:59.999Z", "version": 1, "status": 200, "outputs": [1]}, "2026-11-29T23:59:59.999Z")
        log.write({"kind": "prediction", "id": ids[1], "time": "2026-11-30T00:00:00.000Z", "version": 2, "status": 500, "error": "x"}, "2026-11-30T00:00:00.000Z")
        log.write({"kind": "feedback", "id": ids[2], "time": "2026-11-30T00:00:01.000Z", "predictionTime": "t", "version": 2, "outputs": [0], "labels": [1]}, "2026-11-30T00:00:01.000Z")
        log.write({"kind": "prediction", "id": ids[3], "time": "2026-11-30T00:00:02.000Z", "version": 2, "status": 200, "outputs": [7, 8]}, "2026-11-30T00:00:02.000Z")
        log.close()
        files = sorted(os.listdir(os.path.join(self.tmp, "m")))
        self.assertEqual(files, ["2026-11-29.jsonl", "2026-11-30.jsonl"])
        with open(os.path.join(self.tmp, "m", "2026-11-30.jsonl"), "ab") as f:
            f.write(b'{"kind":"prediction","id":"' + b"e" * 32 + b'","status":200,"outp')  # torn by a crash
        found = log.find_predictions(ids + ["e" * 32])
        self.assertEqual(sorted(found), [ids[0], ids[3]])
        self.assertEqual(found[ids[3]], {"time": "2026-11-30T00:00:02.000Z", "version": 2, "outputs": [7, 8]})

    def test_a_line_torn_by_an_earlier_crash_is_ended_before_the_next_one(self):
        folder = os.path.join(self.tmp, "m")
        os.makedirs(folder)
        with open(os.path.join(folder, "2026-11-30.jsonl"), "wb") as f:
            f.write(b'{"kind":"prediction","id":"aaaa","status":200}\n{"kind":"predic')
        log = mlops_serve.PredictionLog(folder)
        log.write({"kind": "prediction", "id": "b" * 32, "status": 200, "outputs": [1]}, "2026-11-30T01:00:00.000Z")
        log.write({"kind": "prediction", "id": "c" * 32, "status": 200, "outputs": [2]}, "2026-11-30T01:00:01.000Z")
        log.close()
        with open(os.path.join(folder, "2026-11-30.jsonl"), "rb") as f:
            lines = f.read().split(b"\n")
        self.assertEqual(lines[1], b'{"kind":"predic', "the torn line stays as it was (readers skip it)")
        self.assertEqual([json.loads(l)["id"] for l in lines[2:] if l], ["b" * 32, "c" * 32], "the new lines are whole")
        self.assertEqual(sorted(log.find_predictions(["b" * 32, "c" * 32])), ["b" * 32, "c" * 32])

    def test_a_log_line_is_one_write(self):
        log = mlops_serve.PredictionLog(os.path.join(self.tmp, "m"))
        writes = []
        real = os.write
        try:
            os.write = lambda fd, data: writes.append(bytes(data)) or real(fd, data)
            log.write({"kind": "prediction", "id": "f" * 32, "inputs": [{"t": "x" * 100000}]}, "2026-11-30T00:00:00.000Z")
        finally:
            os.write = real
        log.close()
        self.assertEqual(len(writes), 1)
        self.assertTrue(writes[0].endswith(b"}\n"))


class Spec(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mlops-serve-py-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, spec, name="serve.json"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(spec, f)
        return path

    def base(self, **kw):
        spec = {"formatVersion": 1, "model": "m", "version": 1, "flavor": {"name": "python", "entry": "p.py:load"},
                "artifact": "model/w.json", "pythonPath": ["."], "features": FEATURES + [{"name": "y", "type": "integer", "nullable": False}],
                "label": "y", "logDir": "monitoring", "logInputs": "features", "host": "0.0.0.0", "port": 8080}
        spec.update(kw)
        return spec

    def test_paths_are_relative_to_the_spec_folder_and_the_label_is_no_feature(self):
        spec = mlops_serve.read_spec(self.write(self.base()), port=0)
        self.assertEqual(spec["artifact"], os.path.join(self.tmp, "model", "w.json"))
        self.assertEqual(spec["pythonPath"], [self.tmp])
        self.assertEqual(spec["logDir"], os.path.join(self.tmp, "monitoring"))
        self.assertEqual(spec["port"], 0)
        self.assertNotIn("y", [f["name"] for f in spec["features"]])

    def test_bad_specs_are_one_clear_startup_error(self):
        for spec, message in ((self.base(formatVersion=2), "format version 2"), (self.base(logInputs="all"), "logInputs must be one of"),
                              (self.base(flavor={"name": "onnx"}), "flavor must be"), ({"model": "m"}, "has no 'artifact'")):
            with self.assertRaises(StartupError) as e:
                mlops_serve.read_spec(self.write(spec))
            self.assertIn(message, str(e.exception))
        with open(os.path.join(self.tmp, "bad.json"), "w") as f:
            f.write('{"model": NaN}')
        with self.assertRaises(StartupError) as e:
            mlops_serve.read_spec(os.path.join(self.tmp, "bad.json"))
        self.assertIn("not valid JSON", str(e.exception))


class Loading(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mlops-serve-py-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.mkdir(os.path.join(self.tmp, "pkg_models_%d" % os.getpid()))
        self.pkg = "pkg_models_%d" % os.getpid()
        with open(os.path.join(self.tmp, self.pkg, "__init__.py"), "w") as f:
            f.write("")
        with open(os.path.join(self.tmp, self.pkg, "objects.py"), "w") as f:
            f.write("class Summer(object):\n    def predict(self, rows):\n        return [sum(r) for r in rows]\n\n"
                    "class Named(Summer):\n    feature_names_in_ = ['b', 'a']\n\n"
                    "class NoPredict(object):\n    pass\n\n"
                    "def load(path):\n    return lambda records: [len(r) for r in records]\n\n"
                    "def not_a_function(path):\n    return 42\n")
        sys.path.insert(0, self.tmp)
        self.addCleanup(sys.path.remove, self.tmp)
        self.artifact = os.path.join(self.tmp, "model.pkl")

    def spec(self, flavor, features=None):
        return {"model": "m", "flavor": flavor, "artifact": self.artifact, "pythonPath": [self.tmp], "features": features}

    def dump(self, obj):
        with open(self.artifact, "wb") as f:
            pickle.dump(obj, f)

    def test_pickled_objects_get_rows_in_feature_names_in_order_else_the_spec_order(self):
        objects = __import__(self.pkg + ".objects", fromlist=["x"])
        self.dump(objects.Named())
        model = mlops_serve.Model(self.spec({"name": "pickle"}, [{"name": "a"}, {"name": "b"}]))
        self.assertEqual(model.columns, ["b", "a"])
        self.dump(objects.Summer())
        model = mlops_serve.Model(self.spec({"name": "pickle"}, [{"name": "a"}, {"name": "b"}]))
        self.assertEqual(model.columns, ["a", "b"])
        self.assertEqual(model.predict([{"a": 1, "b": 2}, {"b": 5, "a": 1}]), [3, 6])

    def test_python_entries_by_module_and_by_file(self):
        self.dump("anything")
        model = mlops_serve.Model(self.spec({"name": "python", "entry": self.pkg + ".objects:load"}))
        self.assertEqual(model.predict([{"a": 1, "b": 2}]), [2])
        model = mlops_serve.Model(self.spec({"name": "python", "entry": self.pkg + "/objects.py:load"}))
        self.assertEqual(model.predict([{"a": 1}]), [1])

    def test_loading_errors_are_one_clear_startup_error(self):
        objects = __import__(self.pkg + ".objects", fromlist=["x"])
        self.dump(objects.NoPredict())
        cases = [({"name": "pickle"}, "has no predict method"),
                 ({"name": "python", "entry": "missing.py:load"}, "entry file missing.py not found"),
                 ({"name": "python", "entry": self.pkg + ".objects:nope"}, "has no function nope"),
                 ({"name": "python", "entry": self.pkg + ".objects:not_a_function"}, "must return a function predict(records) -> list"),
                 ({"name": "python", "entry": "no_such_module_xyz:load"}, "importing no_such_module_xyz failed: ModuleNotFoundError")]
        try:
            import joblib  # noqa: F401
        except ImportError:
            cases.append(({"name": "joblib"}, "the joblib flavor needs the joblib package"))
        for flavor, message in cases:
            with self.assertRaises(StartupError) as e:
                mlops_serve.Model(self.spec(flavor))
            self.assertIn(message, str(e.exception), flavor)
        with open(self.artifact, "wb") as f:
            f.write(b"\x80\x04\x95 damaged")
        with self.assertRaises(StartupError) as e:
            mlops_serve.Model(self.spec({"name": "pickle"}))
        self.assertIn("could not load", str(e.exception))
        os.remove(self.artifact)
        with self.assertRaises(StartupError) as e:
            mlops_serve.Model(self.spec({"name": "pickle"}))
        self.assertIn("does not exist", str(e.exception))

    def test_a_model_returning_the_wrong_number_of_predictions_is_an_error(self):
        self.dump("anything")
        with open(os.path.join(self.tmp, "short.py"), "w") as f:
            f.write("def load(path):\n    return lambda records: [1]\n")
        model = mlops_serve.Model(self.spec({"name": "python", "entry": "short.py:load"}))
        with self.assertRaises(ValueError) as e:
            model.predict([{}, {}])
        self.assertIn("returned 1 predictions for 2 records", str(e.exception))


class Http(unittest.TestCase):
    """The server as a process answering raw HTTP on 127.0.0.1 (port 0); each test starts its own."""

    MODEL = "def load(path):\n    return lambda records: [r['x'] * 2 for r in records]\n"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mlops-serve-py-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        with open(os.path.join(self.tmp, "p.py"), "w") as f:
            f.write(self.MODEL)
        with open(os.path.join(self.tmp, "w.json"), "w") as f:
            f.write("{}")
        self.log_dir = os.path.join(self.tmp, "log")

    def start(self, **kw):
        spec = {"formatVersion": 1, "model": "m", "version": 1, "flavor": {"name": "python", "entry": "p.py:load"}, "artifact": "w.json",
                "pythonPath": ["."], "features": [{"name": "x", "type": "float", "nullable": False}], "logDir": "log",
                "logInputs": "features", "host": "127.0.0.1", "port": 0}
        spec.update(kw)
        with open(os.path.join(self.tmp, "serve.json"), "w") as f:
            json.dump(spec, f)
        p = subprocess.Popen([sys.executable, "-u", os.path.join(os.path.dirname(HERE), "mlops_serve.py"), "--spec", "serve.json"],
                             cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)

        def stop():
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stdout.close()
            p.stderr.close()
        self.addCleanup(stop)
        line = p.stdout.readline()
        if not line.startswith(mlops_serve.READY_PREFIX):
            self.fail("the server did not start: %s%s" % (line, p.stderr.read()))
        self.proc = p
        self.port = json.loads(line[len(mlops_serve.READY_PREFIX):])["port"]
        return self.port

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.addCleanup(s.close)
        return s

    def exchange(self, data, s=None):
        """Sends raw bytes and reads one response: (status, headers dict with lower-case names, body as JSON or None)."""
        s = s or self.connect()
        s.sendall(data)
        return self.response(s)

    def response(self, s):
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed before an answer: %r" % buf)
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for h in lines[1:]:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(rest) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return int(lines[0].split()[1]), headers, (json.loads(rest[:n]) if n else None)

    def post(self, path, body, headers=""):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        return self.exchange(b"POST %s HTTP/1.1\r\nHost: t\r\n%sContent-Length: %d\r\n\r\n%s" % (path.encode(), headers.encode(), len(data), data))

    def log_lines(self):
        lines = []
        for n in sorted(os.listdir(self.log_dir)) if os.path.isdir(self.log_dir) else []:
            with open(os.path.join(self.log_dir, n), "rb") as f:
                lines.extend(json.loads(t) for t in f.read().split(b"\n") if t)
        return lines

    def test_content_length_must_be_one_whole_number(self):
        self.start()
        body = b'{"x": 1.5}'
        for head, message in (("Content-Length: +%d\r\n" % len(body), "bad Content-Length '+10'"),
                              ("Content-Length: 1_0\r\n", "bad Content-Length '1_0'"),
                              ("Content-Length: -0\r\n", "bad Content-Length '-0'"),
                              ("Content-Length: %d\r\nContent-Length: 3\r\n" % len(body), "bad Content-Length: 2 different values (10, 3)")):
            status, headers, answer = self.exchange(b"POST /predict HTTP/1.1\r\nHost: t\r\n" + head.encode() + b"\r\n" + body)
            self.assertEqual((status, answer["error"]), (400, message + (": expected a whole number of bytes" if "'" in message else "")))
            self.assertEqual(headers.get("connection"), "close")
        status, _, answer = self.exchange(b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\ncontent-length: 10\r\n\r\n" + body)
        self.assertEqual((status, answer["predictions"]), (200, [3.0]), "the same length twice is one length")

    def test_numbers_no_float_can_hold_are_a_400_logged_like_any_other(self):
        for mode in ("features", "hash", "raw"):
            self.start(logInputs=mode)
            for text, shown in (("1e400", "1e400"), ("-1E999", "-1E999"), ("NaN", "NaN"), ("-Infinity", "-Infinity")):
                status, _, answer = self.post("/predict", b'[{"x": 1.5}, {"x": %s}]' % text.encode())
                self.assertEqual((status, answer["error"]), (400, "%s: not a finite number" % shown), mode)
            status, _, answer = self.post("/predict", b'{"x": 1e300}')
            self.assertEqual((status, answer["predictions"]), (200, [2e300]), mode)
            status, _, answer = self.post("/feedback", b'{"id": "%s", "label": 1e400}' % answer["id"].encode())
            self.assertEqual((status, answer["error"]), (400, "1e400: not a finite number"), mode)
            self.proc.terminate()
            self.assertEqual(self.proc.wait(timeout=30), 0)
            self.assertEqual(self.proc.stderr.read(), "", "no logging failure on stderr")
            lines = self.log_lines()
            self.assertEqual([l["status"] for l in lines], [400, 400, 400, 400, 200], mode)
            self.assertEqual([l["kind"] for l in lines], ["prediction"] * 5, "the feedback wrote nothing")
            shutil.rmtree(self.log_dir)

    def test_the_line_is_written_before_the_answer_goes_out(self):
        # The day's log file is a FIFO: the server's write of a line larger than a pipe holds (64 KiB) blocks until
        # the test reads it, so whether the answer is already on the socket at that point shows the order.
        os.makedirs(self.log_dir)
        fifo = os.path.join(self.log_dir, mlops_serve.now_iso()[:10] + ".jsonl")
        os.mkfifo(fifo)
        self.start(features=None, logInputs="raw")
        s = self.connect()
        body = json.dumps({"x": 4, "pad": "p" * 200000}).encode()
        s.sendall(b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        with open(fifo, "rb") as f:  # returns once the server has opened the file to write the line
            answered_first = bool(select.select([s], [], [], 0)[0])
            line = json.loads(f.readline())
            status, headers, answer = self.response(s)
        self.assertFalse(answered_first, "the answer went out before the log line was written")
        self.assertEqual((status, answer["predictions"], line["id"], line["outputs"]), (200, [8], answer["id"], [8]))

    def test_feedback_ids_are_request_ids_and_at_most_a_thousand_per_request(self):
        self.start()
        status, _, answer = self.post("/predict", {"x": 1})
        rid = answer["id"]
        for body, message in (({"id": "abc", "label": 1}, 'feedback item 0: id "abc" is not a request id (32 hex characters, as in X-Request-Id)'),
                              ([{"id": rid, "label": 1}, {"id": "g" * 32, "label": 1}], "feedback item 1: id \"%s\" is not a request id" % ("g" * 32)),
                              ([{"id": "%032x" % i, "label": 1} for i in range(1001)], "1001 feedback items; send at most 1000 per request")):
            status, _, answer = self.post("/feedback", body)
            self.assertEqual(status, 400)
            self.assertTrue(answer["error"].startswith(message), answer["error"])
        status, _, answer = self.post("/feedback", [{"id": "%032x" % i, "label": 1} for i in range(999)] + [{"id": rid.upper(), "label": 2}])
        self.assertEqual(status, 404)
        self.assertEqual(len(answer["unknown"]), 999)
        status, _, answer = self.post("/feedback", {"id": rid.upper(), "label": 2})
        self.assertEqual((status, answer), (200, {"written": 1}))
        self.assertEqual([(l["kind"], l["id"]) for l in self.log_lines()], [("prediction", rid), ("feedback", rid)])

    def test_expect_100_continue_only_for_a_body_that_will_be_read(self):
        self.start()
        s = self.connect()
        s.sendall(b"POST /predict HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (20 * 1024 * 1024))
        status, headers, answer = self.response(s)
        self.assertEqual((status, headers.get("connection")), (413, "close"))
        self.assertEqual(answer["error"], "the body is 20971520 bytes; the limit is 10485760")
        s = self.connect()
        s.sendall(b"POST /predict HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 8\r\n\r\n")
        self.assertEqual(s.recv(100), b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(b'{"x": 2}')
        status, headers, answer = self.response(s)
        self.assertEqual((status, answer["predictions"]), (200, [4]))
        self.assertEqual([l["status"] for l in self.log_lines()], [413, 200], "the refused request is logged too")

    def test_errors_before_the_body_is_read_reach_the_client_and_keep_alive_says_how_long(self):
        self.start(requestTimeoutS=7)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.addCleanup(conn.close)
        for path, status in (("/nope", 404), ("/health", 405)):
            conn.request("POST", path, body=b" " * (2 * 1024 * 1024))
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, status)
            self.assertEqual(r.getheader("Keep-Alive"), "timeout=6", "the body was read: the connection stays usable")
        conn.request("GET", "/health")
        r = conn.getresponse()
        self.assertEqual((r.status, json.loads(r.read())["status"], r.getheader("Keep-Alive")), (200, "ok", "timeout=6"))
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("POST", "/feedback", body=b" " * (10 * 1024 * 1024 + 1))
        r = conn.getresponse()
        self.assertEqual((r.status, r.getheader("Connection"), r.getheader("Keep-Alive")), (413, "close", None))
        self.assertIn("the limit is 10485760", json.loads(r.read())["error"])

    def test_headers_sent_a_line_at_a_time_do_not_hold_a_worker_past_the_request_timeout(self):
        self.start(requestTimeoutS=1)
        s = self.connect()
        s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")
        closed, got = False, b""
        for i in range(40):  # a header every 0.2 s: each read is quick, the headers as a whole take 8 s
            try:
                s.sendall(b"X-Slow-%d: y\r\n" % i)
                if select.select([s], [], [], 0.2)[0]:
                    chunk = s.recv(4096)
                    got += chunk
                    if not chunk:
                        closed = True
                        break
            except OSError:
                closed = True
                break
        self.assertTrue(closed, "the connection stayed open through 40 slow header lines")
        self.assertNotIn(b"200", got)
        status, _, answer = self.exchange(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertEqual((status, answer["status"]), (200, "ok"), "the worker is free and others are served")

    def test_connections_beyond_the_cap_get_503_and_a_closed_one_frees_its_place(self):
        self.start(maxConnections=2, requestTimeoutS=30)
        a, b = self.connect(), self.connect()
        self.assertEqual(self.exchange(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n", a)[0], 200)
        c = self.connect()
        status, headers, answer = self.response(c)
        self.assertEqual((status, headers["connection"]), (503, "close"))
        self.assertEqual(answer["error"], "too many open connections (2); try again later")
        self.assertEqual(c.recv(10), b"", "closed after the 503")
        a.close()
        for _ in range(200):  # the server notices the close on its own schedule
            status = self.exchange(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")[0]
            if status == 200:
                break
            select.select([], [], [], 0.05)
        self.assertEqual(status, 200)
        self.assertEqual(self.exchange(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n", b)[0], 200, "the idle one is still served")


class Process(unittest.TestCase):
    """The server as a process: READY line, port in use (exit 2, one line), SIGTERM (exit 0, log flushed)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mlops-serve-py-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        with open(os.path.join(self.tmp, "p.py"), "w") as f:
            f.write("def load(path):\n    return lambda records: [r['x'] * 2 for r in records]\n")
        with open(os.path.join(self.tmp, "w.json"), "w") as f:
            f.write("{}")

    def start(self, port=0):
        spec = {"formatVersion": 1, "model": "m", "version": 1, "flavor": {"name": "python", "entry": "p.py:load"}, "artifact": "w.json",
                "pythonPath": ["."], "features": None, "logDir": "log", "logInputs": "raw", "host": "127.0.0.1", "port": port}
        with open(os.path.join(self.tmp, "serve.json"), "w") as f:
            json.dump(spec, f)
        return subprocess.Popen([sys.executable, "-u", os.path.join(os.path.dirname(HERE), "mlops_serve.py"), "--spec", "serve.json"],
                                cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)

    def test_ready_sigterm_and_port_in_use(self):
        p = self.start()
        try:
            line = p.stdout.readline()
            self.assertTrue(line.startswith(mlops_serve.READY_PREFIX), line)
            port = json.loads(line[len(mlops_serve.READY_PREFIX):])["port"]
            busy = self.start(port)
            out, err = busy.communicate(timeout=30)
            self.assertEqual(busy.returncode, 2)
            self.assertEqual(err, "mlops_serve: port %d is in use; pick another with --port or use --port 0\n" % port)
            s = socket.create_connection(("127.0.0.1", port))
            body = b'{"x": 21}'
            s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            reply = b""
            while not reply.endswith(b"\n") or b"predictions" not in reply:
                reply += s.recv(4096)
            s.close()
            self.assertIn(b'"predictions":[42]', reply)
            p.terminate()
            self.assertEqual(p.wait(timeout=30), 0)
            log_dir = os.path.join(self.tmp, "log")
            lines = []
            for n in os.listdir(log_dir):
                with open(os.path.join(log_dir, n)) as f:
                    lines.extend(json.loads(text) for text in f)
            self.assertEqual([(l["status"], l["inputs"], l["outputs"]) for l in lines], [(200, [{"x": 21}], [42])])
        finally:
            if p.poll() is None:
                p.kill()
            p.stdout.close()
            p.stderr.close()


if __name__ == "__main__":
    unittest.main()
