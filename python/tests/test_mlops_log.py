"""Tests of mlops_log.py with real files in temp folders and real child processes (run by
test/unit/pythonLogger.test.ts, or directly: python3 python/tests/test_mlops_log.py).

MLOPS_LOG_DIR names the folder of the mlops_log.py under test (default: the one above this file), so the same
tests can be pointed at an older copy to see which of them it fails.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
LOGGER_DIR = os.environ.get("MLOPS_LOG_DIR") or os.path.dirname(HERE)
sys.path.insert(0, LOGGER_DIR)
import mlops_log  # noqa: E402
from mlops_log import MlopsError  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
with open(os.path.join(REPO, "test", "fixtures", "validation", "cases.json"), encoding="utf-8") as _f:
    CASES = json.load(_f)


class Scalar(object):
    """Stands for a numpy or torch scalar: a value behind ``.item()``."""

    def __init__(self, v):
        self.v = v

    def item(self):
        return self.v

    def __repr__(self):
        return "Scalar(%r)" % (self.v,)


def number_of(v):
    return float(v["float"]) if isinstance(v, dict) and "float" in v else v


def snapshot(top):
    """Every entry under ``top`` with its bytes (files) or target (links): proves nothing changed there."""
    out = {}
    if not os.path.lexists(top):
        return out
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, top)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir",)
            else:
                with open(p, "rb") as f:
                    out[rel] = ("file", f.read())
    return out


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def child(code, *args, **kw):
    """A real Python process running ``code`` with this logger importable; args become sys.argv[1:]."""
    prelude = "import sys; sys.path.insert(0, %r)\nimport mlops_log, os, json\n" % LOGGER_DIR
    return subprocess.Popen([sys.executable, "-c", prelude + code] + list(args), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, **kw)


class StoreCase(unittest.TestCase):
    def setUp(self):
        for k in ("MLOPS_RUN_ID", "MLOPS_ROOT"):
            os.environ.pop(k, None)
        self.tmp = tempfile.mkdtemp(prefix="mlops-py-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.root = self.make_store(os.path.join(self.tmp, "ws"))
        self.outside = os.path.join(self.tmp, "outside")
        os.mkdir(self.outside)

    def make_store(self, root, store_dir=None):
        os.makedirs(root, exist_ok=True)
        store = os.path.join(root, ".mlops")
        if store_dir:
            os.makedirs(store_dir)
            os.symlink(store_dir, store)
        else:
            os.mkdir(store)
        with open(os.path.join(store, "mlops.json"), "w") as f:
            json.dump({"formatVersion": 1, "createdAt": "2026-11-29T12:00:00.000Z"}, f)
        return root

    def start(self, experiment="e", **kw):
        kw.setdefault("record_git", False)
        return mlops_log.start_run(experiment, root=self.root, **kw)

    def run_file(self, run):
        return os.path.join(self.root, ".mlops", "runs", run.id, "run.json")

    def read_bytes(self, path):
        with open(path, "rb") as f:
            return f.read()

    def metric_lines(self, run):
        path = os.path.join(self.root, ".mlops", "runs", run.id, "metrics.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]


class ParityWithTypeScript(StoreCase):
    """test/fixtures/validation/cases.json, through the public API; validationParity.test.ts reads the same file."""

    def test_names(self):
        for name in CASES["names"]["valid"]:
            run = self.start(name)
            self.assertEqual(read_json(self.run_file(run))["experiment"], name)
        before = snapshot(self.root)
        run = self.start("e")
        before = snapshot(self.root)
        for name in CASES["names"]["invalid"]:
            with self.assertRaises(MlopsError, msg=repr(name)):
                self.start(name)
            with self.assertRaises(MlopsError, msg=repr(name)):
                run.log_model(name, __file__)
            with self.assertRaises(MlopsError, msg=repr(name)) as e:
                run.use_data(name)
            self.assertNotIn("has no versions", str(e.exception), repr(name))
        self.assertEqual(snapshot(self.root), before, "rejected names write nothing")

    def test_param_names(self):
        run = self.start()
        for key in CASES["paramNames"]["valid"]:
            run.log_param(key, 1)
        before = snapshot(self.root)
        for key in CASES["paramNames"]["invalid"]:
            with self.assertRaises(MlopsError, msg=repr(key)):
                run.log_param(key, 1)
            with self.assertRaises(MlopsError, msg=repr(key)):
                self.start(params={key: 1})
        self.assertEqual(snapshot(self.root), before, "rejected param names write nothing")

    def test_free_texts(self):
        run = self.start()
        for case in CASES["texts"]:
            text, ok = case["text"], case["valid"]
            if case["max"] == 100:
                attempt = lambda: run.set_tag(text)  # noqa: E731
            else:
                attempt = lambda: run.log_param(text, 1)  # noqa: E731
            if ok:
                attempt()
            else:
                before = self.read_bytes(self.run_file(run))
                with self.assertRaises(MlopsError, msg=repr(text)):
                    attempt()
                self.assertEqual(self.read_bytes(self.run_file(run)), before)
            if case["max"] == 200:
                metric_ok = True
                try:
                    run.log_metric(text, 1.0, step=0)
                except MlopsError:
                    metric_ok = False
                self.assertEqual(metric_ok, ok, "metric name %r" % text)
                if ok:
                    named = self.start(name=text)
                    self.assertEqual(read_json(self.run_file(named))["name"], text)
                else:
                    with self.assertRaises(MlopsError):
                        self.start(name=text)

    def test_param_values(self):
        run = self.start()
        cases = [c for c in CASES["paramValues"] if "python" in c]
        self.assertGreater(len(cases), 10)
        for i, case in enumerate(cases):
            value = eval(case["python"], {"__builtins__": {}, "Scalar": Scalar, "Decimal": Decimal, "float": float})
            run.log_param("p%d" % i, value)
            stored = read_json(self.run_file(run))["params"]["p%d" % i]
            want = case["stored"]
            self.assertEqual((type(stored) in (int, float), stored), (type(want) in (int, float), want), case["python"])
            self.assertEqual(isinstance(stored, bool), isinstance(want, bool), case["python"])
        # The same values at start_run
        run2 = self.start(params={"big": 12345678901234567890, "n": Scalar(3)})
        self.assertEqual(read_json(self.run_file(run2))["params"], {"big": "12345678901234567890", "n": 3})

    def test_metric_values_and_steps(self):
        run = self.start()
        for case in CASES["metrics"]:
            kw = {"step": number_of(case["step"])} if "step" in case else {}
            lines = len(self.metric_lines(run))
            if case["valid"]:
                run.log_metric("m", number_of(case["value"]), **kw)
                last = self.metric_lines(run)[-1]
                self.assertEqual(last["value"], case["stored"], case)
                if "step" in case:
                    self.assertEqual(last["step"], case["step"])
                    self.assertIs(type(last["step"]), int)
            else:
                with self.assertRaises(MlopsError, msg=repr(case)):
                    run.log_metric("m", number_of(case["value"]), **kw)
                self.assertEqual(len(self.metric_lines(run)), lines)

    def test_manifest_order(self):
        for i, case in enumerate(CASES["manifestOrder"]):
            folder = os.path.join(self.tmp, "art%d" % i)
            for p in case["paths"]:
                full = os.path.join(folder, *p.split("/"))
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w", encoding="utf-8") as f:
                    f.write(p)
            _, entries, _, _, _ = mlops_log._hash_path(folder)
            self.assertEqual([e["path"] for e in entries], case["sorted"])


class BadValues(StoreCase):
    def test_numbers_that_do_not_fit_are_clear_errors(self):
        run = self.start()
        for value, kw in [(10 ** 400, {}), (-10 ** 400, {}), (1.0, {"step": 10 ** 5000}), (1.0, {"step": 2 ** 53}),
                          (1.0, {"step": float("nan")}), (1.0, {"step": float("inf")}), (Scalar([1, 2]), {}), (1.0, {"step": True})]:
            with self.assertRaises(MlopsError):
                run.log_metric("x", value, **kw)
        self.assertEqual(self.metric_lines(run), [])
        with self.assertRaises(MlopsError):
            run.log_param("huge", 10 ** 5000)

    def test_scalars_and_integers(self):
        run = self.start()
        run.log_metric("a", Scalar(0.25), step=Scalar(2))
        run.log_metric("b", Scalar(7))
        run.log_metric("c", 2 ** 60)
        run.log_metric("d", Decimal("0.5"))
        run.log_metric("e", True)
        got = {p["name"]: (p["value"], p["step"]) for p in self.metric_lines(run)}
        self.assertEqual(got, {"a": (0.25, 2), "b": (7, 0), "c": (float(2 ** 60), 0), "d": (0.5, 0), "e": (1, 0)})

    def test_lone_surrogates_are_written_as_json_escapes(self):
        run = self.start()
        run.log_param("p", "x\ud800")
        run.log_metric("m\udc00", 1.0)
        self.assertEqual(read_json(self.run_file(run))["params"]["p"], "x\ud800")
        self.read_bytes(self.run_file(run)).decode("utf-8")  # valid UTF-8

    def test_deeply_nested_run_json_is_an_error_and_stays_as_it_was(self):
        run = self.start()
        path = self.run_file(run)
        with open(path, "w") as f:
            f.write('{"formatVersion": 1, "x": ' + "[" * 100000 + "]" * 100000 + "}")
        before = self.read_bytes(path)
        for attempt in (lambda: run.log_param("a", 1), lambda: run.set_tag("t"), lambda: run.end()):
            with self.assertRaises(MlopsError):
                attempt()
        self.assertEqual(self.read_bytes(path), before)

    def test_deeply_nested_metric_line_and_data_version_are_skipped(self):
        run = self.start()
        metrics = os.path.join(os.path.dirname(self.run_file(run)), "metrics.jsonl")
        with open(metrics, "w") as f:
            f.write('{"name":"loss","step":4,"value":1,"timestamp":1}\n' + "[" * 100000 + "\n")
        run2 = mlops_log.Run(self.root, run.id)
        run2.log_metric("loss", 0.5)
        with open(metrics, encoding="utf-8") as f:
            self.assertEqual(json.loads(f.read().splitlines()[-1])["step"], 5)
        versions = os.path.join(self.root, ".mlops", "datasets", "d", "versions")
        os.makedirs(versions)
        with open(os.path.join(versions, "01JD3Z8X4V6Q9M2K7T5R1N0B8C.json"), "w") as f:
            f.write("[" * 100000)
        with self.assertRaises(MlopsError) as e:
            run.use_data("d")
        self.assertIn("has no versions", str(e.exception))

    def test_a_run_json_that_does_not_validate_is_never_rewritten(self):
        run = self.start()
        path = self.run_file(run)
        good = read_json(path)
        damaged = [
            dict(good, status="paused"),
            dict(good, params=[1, 2]),
            dict(good, params={"a": {"nested": 1}}),
            dict(good, id="01JD3Z8X4V6Q9M2K7T5R1N0B8C"),
            dict(good, startTime="yesterday"),
            dict(good, tags="a,b"),
            dict(good, meta={"durationMs": -5}),
            dict(good, experiment="../x"),
            dict(good, dataVersions=[{"dataset": "d"}]),
            dict(good, meta={"latencyMsP50": -1}),
            dict(good, meta={"latencyMsP95": "12 ms"}),
            dict(good, meta={"modelSizeBytes": 1.5}),
            dict(good, meta={"modelSizeBytes": 2 ** 53}),
            dict(good, meta={"hardware": {"label": ""}}),
            dict(good, meta={"hardware": {"label": "x" * 101}}),
            [good],
        ]
        texts = [json.dumps(d, indent=2) for d in damaged]
        texts.append(json.dumps(good).replace('"dataVersions": []', '"dataVersions": [], "score": NaN'))
        texts.append(json.dumps(good)[:-1])
        artifact = os.path.join(self.tmp, "model.bin")
        with open(artifact, "wb") as f:
            f.write(b"weights")
        for text in texts:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            for attempt in (lambda: run.log_param("a", 1), lambda: run.set_tag("t"), lambda: run.end("failed"),
                            lambda: run.set_hardware_label("cpu-only"), lambda: run.benchmark(len, "x", repeat=3),
                            lambda: run.log_model("m", artifact)):
                with self.assertRaises(MlopsError, msg=text[:200]) as e:
                    attempt()
                self.assertIn("not changed", str(e.exception))
                self.assertEqual(self.read_bytes(path).decode("utf-8"), text)
        self.assertFalse(os.path.exists(os.path.join(self.root, ".mlops", "models")), "no version names a damaged run")


class Symlinks(StoreCase):
    """docs/format.md "Writing safely": never write through a link that leads out of the store."""

    def assertRefused(self, attempt, link):
        with self.assertRaises(MlopsError) as e:
            attempt()
        self.assertIn("symbolic link '%s'" % link, str(e.exception))

    def test_metrics_jsonl_linked_outside(self):
        run = self.start()
        target = os.path.join(self.outside, "victim.txt")
        with open(target, "w") as f:
            f.write("keep me\n")
        metrics = os.path.join(self.root, ".mlops", "runs", run.id, "metrics.jsonl")
        os.symlink(target, metrics)
        self.assertRefused(lambda: run.log_metric("loss", 1.0), ".mlops/runs/%s/metrics.jsonl" % run.id)
        self.assertRefused(lambda: run.log_metric("loss", 1.0, step=3), ".mlops/runs/%s/metrics.jsonl" % run.id)
        self.assertEqual(self.read_bytes(target), b"keep me\n")

    def test_dangling_metrics_link_does_not_create_its_target(self):
        run = self.start()
        target = os.path.join(self.outside, "new.txt")
        os.symlink(target, os.path.join(self.root, ".mlops", "runs", run.id, "metrics.jsonl"))
        self.assertRefused(lambda: run.log_metrics({"loss": 1.0}), ".mlops/runs/%s/metrics.jsonl" % run.id)
        self.assertFalse(os.path.lexists(target))

    def test_run_json_linked_outside(self):
        run = self.start()
        path = self.run_file(run)
        target = os.path.join(self.outside, "run.json")
        shutil.move(path, target)
        os.symlink(target, path)
        before = snapshot(self.outside)
        for attempt in (lambda: run.log_param("a", 1), lambda: run.set_tag("t"), lambda: run.end()):
            self.assertRefused(attempt, ".mlops/runs/%s/run.json" % run.id)
        self.assertEqual(snapshot(self.outside), before)

    def test_run_folder_linked_outside(self):
        run = self.start()
        run_dir = os.path.dirname(self.run_file(run))
        moved = os.path.join(self.outside, run.id)
        shutil.move(run_dir, moved)
        os.symlink(moved, run_dir)
        before = snapshot(self.outside)
        link = ".mlops/runs/%s" % run.id
        for attempt in (lambda: run.log_metric("loss", 1.0), lambda: run.log_param("a", 1), lambda: run.end()):
            self.assertRefused(attempt, link)
        os.environ.update(MLOPS_RUN_ID=run.id, MLOPS_ROOT=self.root)
        self.assertRefused(lambda: mlops_log.start_run("e", params={"a": 1}), link)
        attached = mlops_log.start_run("e")
        self.assertRefused(lambda: attached.log_metric("loss", 1.0), link)
        self.assertRefused(lambda: attached.end(), link)
        self.assertEqual(snapshot(self.outside), before)

    def test_runs_folder_linked_outside(self):
        run = self.start()
        runs = os.path.join(self.root, ".mlops", "runs")
        moved = os.path.join(self.outside, "runs")
        shutil.move(runs, moved)
        os.symlink(moved, runs)
        before = snapshot(self.outside)
        self.assertRefused(lambda: self.start(), ".mlops/runs")
        self.assertRefused(lambda: run.log_metric("loss", 1.0), ".mlops/runs")
        self.assertRefused(lambda: run.log_param("a", 1), ".mlops/runs")
        self.assertEqual(snapshot(self.outside), before)

    def test_experiments_folder_linked_outside(self):
        os.symlink(self.outside, os.path.join(self.root, ".mlops", "experiments"))
        self.assertRefused(lambda: self.start("new-experiment"), ".mlops/experiments")
        self.assertEqual(os.listdir(self.outside), [])
        self.assertFalse(os.path.exists(os.path.join(self.root, ".mlops", "runs")), "a refused start writes no run")

    def test_model_versions_linked_outside(self):
        run = self.start()
        model_dir = os.path.join(self.root, ".mlops", "models", "m")
        os.makedirs(model_dir)
        os.symlink(self.outside, os.path.join(model_dir, "versions"))
        self.assertRefused(lambda: run.log_model("m", __file__), ".mlops/models/m/versions")
        self.assertEqual(os.listdir(self.outside), [])
        os.symlink(self.outside, os.path.join(self.root, ".mlops", "models", "n"))
        self.assertRefused(lambda: run.log_model("n", __file__), ".mlops/models/n")
        self.assertEqual(os.listdir(self.outside), [])

    def test_dataset_versions_linked_outside(self):
        run = self.start()
        vid = "01JD3Z8X4V6Q9M2K7T5R1N0B8C"
        with open(os.path.join(self.outside, vid + ".json"), "w") as f:
            json.dump({"formatVersion": 1, "id": vid, "dataset": "d", "contentHash": "0" * 64, "tags": ["v1"]}, f)
        os.makedirs(os.path.join(self.root, ".mlops", "datasets", "d"))
        os.symlink(self.outside, os.path.join(self.root, ".mlops", "datasets", "d", "versions"))
        before = (snapshot(self.outside), self.read_bytes(self.run_file(run)))
        self.assertRefused(lambda: run.use_data("d", "v1"), ".mlops/datasets/d/versions")
        self.assertEqual((snapshot(self.outside), self.read_bytes(self.run_file(run))), before)

    def test_store_itself_a_link_to_a_real_folder_elsewhere_works(self):
        real = os.path.join(self.tmp, "shared-disk", "store")
        root = self.make_store(os.path.join(self.tmp, "ws2"), store_dir=real)
        artifact = os.path.join(root, "model.bin")
        with open(artifact, "wb") as f:
            f.write(b"weights")
        with mlops_log.start_run("e", root=root, record_git=False, params={"lr": 0.1}) as run:
            run.log_metric("loss", 0.5)
            run.log_param("seed", 1)
            run.set_tag("t")
            run.log_model("m", artifact)
        record = read_json(os.path.join(real, "runs", run.id, "run.json"))
        self.assertEqual((record["status"], record["params"], record["tags"]), ("finished", {"lr": 0.1, "seed": 1}, ["t"]))
        self.assertTrue(os.path.isfile(os.path.join(real, "runs", run.id, "metrics.jsonl")))
        self.assertTrue(os.path.isfile(os.path.join(real, "models", "m", "versions", "1.json")))
        self.assertTrue(os.path.isfile(os.path.join(real, "experiments", "e.json")))

    def test_links_that_stay_inside_the_store_are_followed(self):
        store = os.path.join(self.root, ".mlops")
        os.mkdir(os.path.join(store, "models-real"))
        os.symlink(os.path.join(store, "models-real"), os.path.join(store, "models"))
        run = self.start()
        run.log_model("m", __file__)
        self.assertTrue(os.path.isfile(os.path.join(store, "models-real", "m", "versions", "1.json")))


class Locks(StoreCase):
    """docs/format.md "Locks", the protocol shared with the TypeScript writers."""

    def lock_dir(self, run):
        return self.run_file(run) + ".lock"

    def leave_lock(self, run, **owner):
        os.mkdir(self.lock_dir(run))
        with open(os.path.join(self.lock_dir(run), "owner.json"), "w") as f:
            json.dump(dict({"pid": os.getpid(), "host": socket.gethostname(), "token": "f" * 32,
                            "acquiredAt": int(time.time() * 1000)}, **owner), f)

    def assertNoLockLeft(self, run):
        left = [n for n in os.listdir(os.path.dirname(self.run_file(run))) if "lock" in n]
        self.assertEqual(left, [])

    def test_a_lock_of_a_dead_process_on_this_host_is_broken(self):
        run = self.start()
        self.leave_lock(run, pid=dead_pid())
        run.log_param("a", 1)
        self.assertEqual(read_json(self.run_file(run))["params"], {"a": 1})
        self.assertNoLockLeft(run)

    def test_a_lock_older_than_30_s_is_broken(self):
        run = self.start()
        self.leave_lock(run, host="another-machine", pid=1, acquiredAt=int(time.time() * 1000) - 60000)
        run.set_tag("t")
        self.assertEqual(read_json(self.run_file(run))["tags"], ["t"])
        self.assertNoLockLeft(run)

    def test_an_old_lock_without_owner_json_is_broken_by_its_age(self):
        run = self.start()
        os.mkdir(self.lock_dir(run))
        old = time.time() - 60
        os.utime(self.lock_dir(run), (old, old))
        run.log_param("a", 1)
        self.assertEqual(read_json(self.run_file(run))["params"], {"a": 1})
        self.assertNoLockLeft(run)

    def test_a_holder_whose_lock_was_taken_over_leaves_the_new_lock_alone(self):
        run = self.start()
        store = mlops_log._Store(self.root)
        first = mlops_log._FileLock(store, self.run_file(run))
        second = mlops_log._FileLock(store, self.run_file(run))
        first.__enter__()
        owner_file = os.path.join(self.lock_dir(run), "owner.json")
        owner = read_json(owner_file)
        self.assertEqual((owner["pid"], owner["host"], owner["token"]), (os.getpid(), socket.gethostname(), first.token))
        # The first holder stalls for more than 30 s (told by its acquiredAt); the second takes the lock over.
        owner["acquiredAt"] -= 60000
        with open(owner_file, "w") as f:
            json.dump(owner, f)
        second.__enter__()
        self.assertEqual(read_json(owner_file)["token"], second.token)
        first.__exit__(None, None, None)
        self.assertEqual(read_json(owner_file)["token"], second.token, "the first holder must not release the second's lock")
        second.__exit__(None, None, None)
        self.assertNoLockLeft(run)

    def test_a_live_holder_makes_a_waiter_wait_until_it_releases(self):
        run = self.start()
        marker = os.path.join(self.tmp, "released")
        holder = child("store = mlops_log._Store(sys.argv[1])\n"
                       "with mlops_log._FileLock(store, sys.argv[2]):\n"
                       "    print('held', flush=True)\n"
                       "    sys.stdin.readline()\n"
                       "    open(sys.argv[3], 'w').close()\n", self.root, self.run_file(run), marker)
        self.assertEqual(holder.stdout.readline().strip(), "held", holder.stderr.read() if holder.poll() is not None else "")
        waiter = child("run = mlops_log.Run(sys.argv[1], sys.argv[2])\n"
                       "print('trying', flush=True)\n"
                       "run._update(lambda r: r['params'].__setitem__('holderHadReleased', os.path.exists(sys.argv[3])))\n",
                       self.root, run.id, marker)
        self.assertEqual(waiter.stdout.readline().strip(), "trying")
        time.sleep(0.5)  # room for the waiter to reach the lock; what is checked below does not depend on it
        holder.stdin.write("\n")
        holder.stdin.flush()
        for p in (holder, waiter):
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(read_json(self.run_file(run))["params"], {"holderHadReleased": True})
        self.assertNoLockLeft(run)

    def test_a_fresh_empty_lock_folder_is_held_not_replaced(self):
        # An empty run.json.lock is what an earlier writer's mkdir lock looks like; rename would replace it.
        run = self.start()
        os.mkdir(self.lock_dir(run))
        marker = os.path.join(self.tmp, "released")
        waiter = child("run = mlops_log.Run(sys.argv[1], sys.argv[2])\n"
                       "print('trying', flush=True)\n"
                       "run._update(lambda r: r['params'].__setitem__('holderHadReleased', os.path.exists(sys.argv[3])))\n",
                       self.root, run.id, marker)
        self.assertEqual(waiter.stdout.readline().strip(), "trying")
        time.sleep(0.5)
        open(marker, "w").close()
        os.rmdir(self.lock_dir(run))
        out, err = waiter.communicate(timeout=120)
        self.assertEqual(waiter.returncode, 0, err)
        self.assertEqual(read_json(self.run_file(run))["params"], {"holderHadReleased": True})

    def test_concurrent_writers_lose_no_update_even_with_a_stale_lock_at_the_start(self):
        run = self.start()
        self.leave_lock(run, pid=dead_pid())
        writers, each = 5, 20
        procs = [child("run = mlops_log.Run(sys.argv[1], sys.argv[2])\n"
                       "for _ in range(%d):\n"
                       "    run._update(lambda r: r['params'].__setitem__('n', r['params'].get('n', 0) + 1))\n" % each,
                       self.root, run.id) for _ in range(writers)]
        for p in procs:
            out, err = p.communicate(timeout=300)
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(read_json(self.run_file(run))["params"], {"n": writers * each})
        self.assertNoLockLeft(run)


class Counter(object):
    """A predict function that counts its calls, checks what it is given, and can fail on a chosen call."""

    def __init__(self, sample, fail_on=None, work=0.0002):
        self.sample, self.fail_on, self.work, self.calls = sample, fail_on, work, 0
        self.error = ValueError("the model broke")

    def __call__(self, x):
        self.calls += 1
        if x is not self.sample:
            raise AssertionError("predict was given %r, not the sample" % (x,))
        if self.calls == self.fail_on:
            raise self.error
        time.sleep(self.work)  # some work, so every timed call takes a measurable time
        return [0.5]


class Percentile(unittest.TestCase):
    def test_known_values(self):
        p = mlops_log.percentile
        self.assertEqual(p([1, 2, 3, 4], 50), 2.5)
        self.assertAlmostEqual(p([1, 2, 3, 4], 95), 3.85, places=12)
        self.assertEqual(p([4, 1, 3, 2], 50), 2.5, "input order does not matter")
        self.assertEqual(p([1, 2, 3, 4, 5], 50), 3)
        self.assertEqual((p([1, 2, 3, 4], 0), p([1, 2, 3, 4], 100)), (1, 4))
        self.assertEqual(p([7.25], 95), 7.25)
        self.assertAlmostEqual(p(range(1, 101), 95), 95.05, places=12)
        self.assertEqual(p([10, 20], 25), 12.5)

    def test_bad_input(self):
        for values, q, message in (([], 50, "at least one value"), ([1], 101, "from 0 to 100"), ([1], -1, "from 0 to 100"),
                                   ([1], True, "from 0 to 100"), ([1], "95", "from 0 to 100")):
            with self.assertRaises(MlopsError) as e:
                mlops_log.percentile(values, q)
            self.assertIn(message, str(e.exception))

    def test_equals_numpy_percentile_default_method(self):
        try:
            import numpy
        except ImportError:
            self.skipTest("numpy is not installed; test_known_values pins the same definition")
        import random
        rnd = random.Random(11)
        for n in list(range(1, 30)) + [100, 1000]:
            xs = [rnd.expovariate(1.0) * rnd.choice([1e-3, 1, 1e3]) for _ in range(n)]
            for q in (0, 1, 5, 25, 50, 75, 90, 95, 99, 99.9, 100):
                self.assertEqual(mlops_log.percentile(xs, q), float(numpy.percentile(xs, q)), (n, q))


class MetaMetrics(StoreCase):
    """meta.latencyMsP50/P95 (Run.benchmark), meta.modelSizeBytes (log_model), meta.hardware.label: what goals and
    budgets are checked against."""

    def add_unknown_fields(self, run):
        path = self.run_file(run)
        record = read_json(path)
        record["futureField"] = {"kept": [1, 2]}
        record["meta"]["gpuUtilization"] = 0.75
        record["meta"].setdefault("hardware", {})["rack"] = "b7"
        with open(path, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2)

    def assertUnknownFieldsKept(self, run):
        record = read_json(self.run_file(run))
        self.assertEqual(record["futureField"], {"kept": [1, 2]})
        self.assertEqual(record["meta"]["gpuUtilization"], 0.75)
        self.assertEqual(record["meta"]["hardware"]["rack"], "b7")

    def test_benchmark_records_the_linear_percentiles_of_its_own_timings(self):
        run = self.start()
        self.add_unknown_fields(run)
        sample = object()
        predict = Counter(sample)
        result = run.benchmark(predict, sample, repeat=25, warmup=3)
        self.assertEqual(predict.calls, 28, "3 untimed warm-up calls, then 25 timed ones")
        self.assertEqual(result["repeat"], 25)
        timings = result["timings"]
        self.assertEqual(len(timings), 25)
        self.assertTrue(all(t > 0 for t in timings), timings)
        self.assertEqual(result["p50"], mlops_log.percentile(timings, 50))
        self.assertEqual(result["p95"], mlops_log.percentile(timings, 95))
        self.assertAlmostEqual(result["mean"], sum(timings) / 25)
        self.assertTrue(0 < result["p50"] <= result["p95"] <= max(timings))
        meta = read_json(self.run_file(run))["meta"]
        self.assertEqual((meta["latencyMsP50"], meta["latencyMsP95"]), (result["p50"], result["p95"]))
        self.assertUnknownFieldsKept(run)
        # A later benchmark replaces both figures.
        again = run.benchmark(Counter(sample, work=0), sample, repeat=4)
        meta = read_json(self.run_file(run))["meta"]
        self.assertEqual((meta["latencyMsP50"], meta["latencyMsP95"]), (again["p50"], again["p95"]))

    def test_default_warm_up_is_a_tenth_of_repeat_from_1_to_10(self):
        run = self.start()
        for repeat, calls in ((1, 2), (5, 6), (30, 33), (100, 110), (500, 510)):
            predict = Counter("x", work=0)
            run.benchmark(predict, "x", repeat=repeat)
            self.assertEqual(predict.calls, calls, repeat)
        predict = Counter("x", work=0)
        run.benchmark(predict, "x", repeat=7, warmup=0)
        self.assertEqual(predict.calls, 7)

    def test_benchmark_bad_input_is_a_clear_error_and_writes_nothing(self):
        run = self.start()
        before = self.read_bytes(self.run_file(run))
        predict = Counter("x")
        cases = [
            (lambda: run.benchmark("model.pkl", "x"), "predict must be callable"),
            (lambda: run.benchmark(None, "x"), "predict must be callable"),
            (lambda: run.benchmark(predict, "x", repeat=0), "repeat must be a whole number from 1 to 1000000, not 0"),
            (lambda: run.benchmark(predict, "x", repeat=-5), "repeat must be a whole number from 1 to 1000000"),
            (lambda: run.benchmark(predict, "x", repeat=10.0), "repeat must be a whole number"),
            (lambda: run.benchmark(predict, "x", repeat=True), "repeat must be a whole number"),
            (lambda: run.benchmark(predict, "x", repeat="100"), "repeat must be a whole number"),
            (lambda: run.benchmark(predict, "x", repeat=None), "repeat must be a whole number"),
            (lambda: run.benchmark(predict, "x", repeat=1000001), "repeat must be a whole number from 1 to 1000000"),
            (lambda: run.benchmark(predict, "x", repeat=10 ** 400), "repeat must be a whole number"),
            (lambda: run.benchmark(predict, "x", warmup=-1), "warmup must be a whole number from 0 to 1000000"),
            (lambda: run.benchmark(predict, "x", warmup=2.5), "warmup must be a whole number"),
        ]
        for attempt, message in cases:
            with self.assertRaises(MlopsError) as e:
                attempt()
            self.assertIn(message, str(e.exception))
        self.assertEqual(predict.calls, 0, "bad input is refused before predict is called")
        self.assertEqual(self.read_bytes(self.run_file(run)), before)
        class NumpyInt(object):  # numpy.int64 and the like: whole numbers through __index__
            def __index__(self):
                return 3
        self.assertEqual(run.benchmark(predict, "x", repeat=NumpyInt(), warmup=0)["repeat"], 3)
        self.assertEqual(predict.calls, 3)

    def test_an_exception_from_predict_propagates_unchanged_and_records_nothing(self):
        run = self.start()
        run.benchmark(Counter("x", work=0), "x", repeat=3)  # earlier figures stay as they were
        before = self.read_bytes(self.run_file(run))
        for fail_on in (1, 7, 50):  # in the warm-up, the first timed call, a later one
            predict = Counter("x", fail_on=fail_on, work=0)
            with self.assertRaises(ValueError) as e:
                run.benchmark(predict, "x", repeat=100, warmup=6)
            self.assertIs(e.exception, predict.error)
            self.assertEqual(predict.calls, fail_on)
            self.assertEqual(self.read_bytes(self.run_file(run)), before)

    def test_benchmark_on_a_deleted_run_fails_before_predict_is_called(self):
        run = self.start()
        shutil.rmtree(os.path.dirname(self.run_file(run)))
        predict = Counter("x")
        with self.assertRaises(MlopsError) as e:
            run.benchmark(predict, "x")
        self.assertIn("no run %s" % run.id, str(e.exception))
        self.assertEqual(predict.calls, 0)

    def test_log_model_records_the_artifact_size_of_a_file_and_of_a_folder_the_last_one_wins(self):
        run = self.start()
        self.add_unknown_fields(run)
        big = os.path.join(self.tmp, "big.bin")
        with open(big, "wb") as f:
            f.write(b"w" * 5000)
        version = run.log_model("m", big)
        self.assertEqual(read_json(self.run_file(run))["meta"]["modelSizeBytes"], 5000)
        self.assertEqual(version["artifact"]["sizeBytes"], 5000)
        folder = os.path.join(self.tmp, "saved_model")
        os.makedirs(os.path.join(folder, "variables"))
        for rel, data in (("saved_model.pb", b"g" * 120), ("variables/data-0", b"v" * 30), ("variables/index", b"")):
            with open(os.path.join(folder, rel), "wb") as f:
                f.write(data)
        version = run.log_model("other", folder)
        record = read_json(self.run_file(run))
        self.assertEqual(record["meta"]["modelSizeBytes"], 150, "the model logged last sets it, even when smaller")
        self.assertIs(type(record["meta"]["modelSizeBytes"]), int)
        self.assertEqual((version["artifact"]["sizeBytes"], version["version"]), (150, 1))
        self.assertUnknownFieldsKept(run)

    def test_log_model_on_a_deleted_run_registers_no_version(self):
        run = self.start()
        shutil.rmtree(os.path.dirname(self.run_file(run)))
        with self.assertRaises(MlopsError) as e:
            run.log_model("m", __file__)
        self.assertIn("no run %s" % run.id, str(e.exception))
        self.assertFalse(os.path.exists(os.path.join(self.root, ".mlops", "models")))

    def test_log_model_records_the_flavor_checked_like_the_cli(self):
        run = self.start()
        artifact = os.path.join(self.root, "model.pkl")
        with open(artifact, "wb") as f:
            f.write(b"p")
        self.assertNotIn("flavor", run.log_model("plain", artifact), "no flavor given: none recorded")
        self.assertEqual(run.log_model("p", artifact, flavor="pickle")["flavor"], {"name": "pickle"})
        os.makedirs(os.path.join(self.root, "src"))
        with open(os.path.join(self.root, "src", "predict.py"), "w") as f:
            f.write("def load(path):\n    return lambda records: [0 for _ in records]\n")
        v = run.log_model("py", artifact, flavor="python", entry="src/predict.py:load")
        self.assertEqual(v["flavor"], {"name": "python", "entry": "src/predict.py:load"})
        saved = os.getcwd()
        os.chdir(os.path.join(self.root, "src"))
        try:
            v = run.log_model("py", artifact, flavor="python", entry="predict.py:load")
        finally:
            os.chdir(saved)
        self.assertEqual(v["flavor"]["entry"], "src/predict.py:load", "a file named from a subfolder is recorded relative to the workspace")
        self.assertEqual(run.log_model("mod", artifact, flavor="python", entry="mypkg.models:load")["flavor"]["entry"], "mypkg.models:load")
        on_disk = read_json(os.path.join(self.root, ".mlops", "models", "p", "versions", "1.json"))
        self.assertEqual(on_disk["flavor"], {"name": "pickle"})
        outside = os.path.join(self.outside, "predict.py")
        with open(outside, "w") as f:
            f.write("def load(p): pass\n")
        for kw, message in (
                ({"flavor": "onnx"}, "unknown flavor"),
                ({"flavor": "python"}, "needs entry"),
                ({"flavor": "pickle", "entry": "predict.py:load"}, "entry is for flavor='python'"),
                ({"entry": "predict.py:load"}, "entry goes with flavor='python'"),
                ({"flavor": "python", "entry": "predict.py"}, "bad entry"),
                ({"flavor": "python", "entry": "nope.py:load"}, "not a file inside the workspace"),
                ({"flavor": "python", "entry": outside + ":load"}, "not a file inside the workspace"),
                ({"flavor": "python", "entry": "bad-module:load"}, "neither a .py file nor a module name")):
            with self.assertRaises(MlopsError) as e:
                run.log_model("refused", artifact, **kw)
            self.assertIn(message, str(e.exception), kw)
        self.assertFalse(os.path.exists(os.path.join(self.root, ".mlops", "models", "refused")), "a refused flavor registers nothing")

    def test_gpus_are_an_empty_list_without_nvidia_smi_and_the_names_with_one(self):
        saved = os.environ.get("PATH", "")
        fake = tempfile.mkdtemp()
        try:
            os.environ["PATH"] = fake
            self.assertEqual(read_json(self.run_file(self.start()))["meta"]["hardware"]["gpus"], [],
                             "no NVIDIA driver: no GPUs, so budgets can price the run as cpu-only")
            smi = os.path.join(fake, "nvidia-smi")
            with open(smi, "w") as f:
                f.write("#!/bin/sh\necho 'NVIDIA A100-SXM4-40GB, 40960 MiB'\n")
            os.chmod(smi, 0o755)
            self.assertEqual(read_json(self.run_file(self.start()))["meta"]["hardware"]["gpus"], ["NVIDIA A100-SXM4-40GB, 40960 MiB"])
            with open(smi, "w") as f:
                f.write("#!/bin/sh\nexit 9\n")
            self.assertNotIn("gpus", read_json(self.run_file(self.start()))["meta"]["hardware"],
                             "a failing nvidia-smi leaves the list out: unknown, not none")
        finally:
            os.environ["PATH"] = saved
            shutil.rmtree(fake, ignore_errors=True)

    def test_hardware_label_at_start_and_later_keeps_what_hardware_holds(self):
        run = self.start(hardware_label="cpu-only")
        hardware = read_json(self.run_file(run))["meta"]["hardware"]
        self.assertEqual(hardware["label"], "cpu-only")
        self.assertEqual(hardware["cores"], os.cpu_count() or 1, "the detected hardware is kept next to the label")
        self.add_unknown_fields(run)
        run.set_hardware_label("a100 x8")
        hardware2 = read_json(self.run_file(run))["meta"]["hardware"]
        self.assertEqual(hardware2, dict(hardware, label="a100 x8", rack="b7"))
        self.assertUnknownFieldsKept(run)
        run.set_hardware_label("😀" * 50)  # 100 UTF-16 units, as the schema counts
        # A run record without meta.hardware (written by another tool) gets one.
        path = self.run_file(run)
        record = read_json(path)
        del record["meta"]["hardware"]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(record, f)
        run.set_hardware_label("edge")
        self.assertEqual(read_json(path)["meta"]["hardware"], {"label": "edge"})

    def test_bad_hardware_labels_are_refused_and_write_nothing(self):
        run = self.start()
        before = snapshot(self.root)
        for label, message in (("", "must not be empty"), ("   ", "must not be empty"), ("x" * 101, "at most 100"),
                               ("😀" * 51, "at most 100"), ("cpu\nonly", "control characters"), ("a\x00", "control characters"),
                               (5, "must be text"), (None, "must be text")):
            with self.assertRaises(MlopsError, msg=repr(label)) as e:
                run.set_hardware_label(label)
            self.assertIn("hardware label", str(e.exception))
            self.assertIn(message, str(e.exception))
            if label is not None:
                with self.assertRaises(MlopsError, msg=repr(label)):
                    self.start(hardware_label=label)
        self.assertEqual(snapshot(self.root), before, "a refused label writes nothing, a refused start makes no run")

    def test_an_attached_run_gets_the_label_too(self):
        run = self.start()
        os.environ.update(MLOPS_RUN_ID=run.id, MLOPS_ROOT=self.root)
        attached = mlops_log.start_run("ignored", hardware_label="gpu-t4")
        self.assertTrue(attached.attached)
        self.assertEqual(read_json(self.run_file(run))["meta"]["hardware"]["label"], "gpu-t4")


class Recorded(StoreCase):
    def test_script_path_is_relative_to_the_workspace_or_only_its_name(self):
        code = ("import sys; sys.path.insert(0, %r)\nimport mlops_log\n"
                "run = mlops_log.start_run('e', root=%r, record_git=False)\nprint(run.id)\n" % (LOGGER_DIR, self.root))
        inside = os.path.join(self.root, "src", "train.py")
        outside = os.path.join(self.outside, "home", "me", "train_outside.py")
        for script, want in ((inside, "src/train.py"), (outside, "train_outside.py")):
            os.makedirs(os.path.dirname(script), exist_ok=True)
            with open(script, "w") as f:
                f.write(code)
            r = subprocess.run([sys.executable, script], cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            record = read_json(os.path.join(self.root, ".mlops", "runs", r.stdout.strip(), "run.json"))
            self.assertEqual(record["source"], {"kind": "python", "script": want})


if __name__ == "__main__":
    unittest.main(verbosity=2)
