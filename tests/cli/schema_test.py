#!/usr/bin/env python3
"""The JSON contract (docs/json.md): every kind of document daxbreak writes
validates against its schema in share/schema/, and documents that break the
contract are rejected by the same validator.

Usage: schema_test.py DAXBREAK SCHEMA_DIR

Runs the CLI for each kind (stress on the model, the provisional report of a
kernel run, explore, its shards and their merge, replay and its trace, run
with its summary, cells and traces, info, list, oops), validates each output
and checks the contract's points: format_version, seeds as decimal strings
(above 2^53 too, and read back as integers from format 1), null for absent,
config.size the device's real size, ops an array, the merged report's
provenance, and the latency histogram.
"""

import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
import json_contract  # noqa: E402

BIN, SCHEMA_DIR = sys.argv[1], sys.argv[2]
BIG_SEED = "18446744073709551615"  # 2^64-1: a double would print 18446744073709552000.
failures = []


SCHEMAS = json_contract.load_schemas(SCHEMA_DIR)


def errors(kind, doc):
    return json_contract.errors(SCHEMAS, kind, doc)


def check(kind, doc, what):
    errs = errors(kind, doc)
    if errs:
        failures.append(f"{what} does not validate against {kind}.schema.json: {errs[:5]}")
    else:
        print(f"ok: {what} validates ({kind})")
    return doc


def expect(cond, message):
    if not cond:
        failures.append(message)
    else:
        print("ok: " + message)


def run(*args, codes=(0,)):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if p.returncode not in codes:
        failures.append(f"daxbreak {' '.join(args)} -> exit {p.returncode}, stderr: {p.stderr[-500:]}")
    return p


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        failures.append(f"{path}: not a JSON file ({e})")
        return {}


def parse(p):
    """The JSON a command printed, or {} (a failure) when it printed none."""
    try:
        return json.loads(p.stdout)
    except ValueError:
        failures.append(f"{' '.join(p.args[1:])}: stdout is not JSON: {p.stdout[:200]!r}")
        return {}


def stress(tmp):
    out = os.path.join(tmp, "stress.json")
    run("stress", "--force", "--device", os.path.join(tmp, "dev"), "--disk", os.path.join(tmp, "disk"),
        "--duration", "2s", "--seed", BIG_SEED, "--eta", "never", "--output-format", "json", "--output", out)
    d = check("stress", load(out), "stress report (model)")
    expect(d["config"]["seed"] == BIG_SEED, "stress: a seed above 2^53 is written as a decimal string")
    expect(d["config"]["size"] == d["device"]["size"] == 64 << 20, "stress: config.size is the 64 MiB device's size")
    expect(isinstance(d["config"]["ops"], list) and "truncate" in d["config"]["ops"], "stress: config.ops is an array")
    h = d["latency"]["layout_op_ns"]
    total = sum(b["count"] for b in h["buckets"])
    expect(h["count"] > 0 and total == h["count"] and h["min"] <= h["p50"] <= h["p99"] <= h["max"],
           f"stress: latency.layout_op_ns has {h['count']} ops, buckets summing to the count, ordered percentiles")
    text = run("stress", "--force", "--device", os.path.join(tmp, "dev"), "--disk", os.path.join(tmp, "disk"),
               "--duration", "1s", "--eta", "never").stdout
    expect(any(line.startswith("latency layout ops p50 ") and " p99 " in line and " max " in line
               for line in text.splitlines()), "stress text: one latency line with p50, p99 and max")
    return d


def kernel_provisional(tmp):
    # Without a DAX mount the kernel run ends at once; what it left in
    # --output is the provisional report (ran: false).
    out = os.path.join(tmp, "kernel.json")
    run("stress", "--target", "kernel", "--scenario", "refault", "--file", os.path.join(tmp, "kfile"),
        "--disk", os.path.join(tmp, "kdisk"), "--duration", "1s", "--eta", "never", "--output-format", "json",
        "--output", out, codes=(0, 1, 2, 3))
    if os.path.exists(out) and os.path.getsize(out) > 0:
        d = check("stress", load(out), "stress report (kernel target)")
        expect("kernel" in d and d["config"]["target"] == "kernel", "kernel report: the kernel object and target")
        return out
    print("note: the kernel run left no report here (nothing to validate)")
    return None


def oops(tmp, report):
    log = os.path.join(tmp, "console.log")
    with open(log, "w") as f:
        f.write("[    3.000001] BUG: kernel NULL pointer dereference, address: 0000000000000040\n"
                "[    3.000002] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
                "[    3.000003] Call Trace:\n"
                "[    3.000004]  dax_iomap_rw+0x10/0x20\n"
                "[    3.000005] ---[ end trace 0000000000000000 ]---\n")
    d = check("oops", parse(run("oops", "--console", log, "--output-format", "json", codes=(1,))),
              "oops report")
    expect(len(d["events"]) == 1 and d["events"][0]["panic"] is None, "oops: one event, no panic is null")
    if report is not None:
        run("oops", "--console", log, "--report", report, codes=(1,))
        d = check("stress", load(report), "kernel report completed by oops --report")
        expect(d.get("crashed") is True, "oops --report: the report says crashed")


def explore(tmp):
    common = ["--scenario", "race2018", "--protocol", "no-break", "--strategy", "random", "--schedules", "400",
              "--seed", BIG_SEED, "--output-format", "json"]
    whole = check("explore", parse(run("explore", *common, "--keep-going", codes=(0, 1))),
                  "explore report")
    expect(whole["config"]["seed"] == BIG_SEED, "explore: a seed above 2^53 is written as a decimal string")
    expect(whole["merged_from"] is None and (whole["deadlock"] is None or whole["deadlock"] != ""),
           "explore: merged_from and an absent deadlock are null")
    # A deadlock finding names what the threads were blocked on.
    stuck = check("explore", parse(run("explore", "--scenario", "lost-wake", "--protocol", "wake-key",
                                       "--output-format", "json", codes=(1,))), "explore report (deadlock)")
    expect(stuck.get("kind") == "deadlock" and isinstance(stuck.get("deadlock"), str) and stuck["deadlock"],
           "explore: a deadlock finding's deadlock is a non-empty string")
    shards = []
    for i in range(2):
        path = os.path.join(tmp, f"shard-{i}.json")
        run("explore", *common, "--keep-going", "--shard", f"{i}/2", "--output", path, codes=(0, 1))
        check("explore", load(path), f"explore shard {i}/2")
        shards.append(path)
    merged_path = os.path.join(tmp, "merged.json")
    run("merge", *shards, "--output-format", "json", "--output", merged_path, codes=(0, 1))
    merged = check("explore", load(merged_path), "merged explore report")
    expect([m["file"] for m in merged["merged_from"]] == shards and
           [m["shard"]["index"] for m in merged["merged_from"]] == [0, 1] and
           all(m["seed"] == BIG_SEED for m in merged["merged_from"]),
           "merge: merged_from names each shard's file, index and seed")
    # Format 1 wrote seeds as JSON integers: merge still reads them.
    old = []
    for i, path in enumerate(shards):
        d = load(path)
        d["config"]["seed"] = 12345
        del d["format_version"]
        old.append(os.path.join(tmp, f"old-{i}.json"))
        with open(old[-1], "w") as f:
            json.dump(d, f)
    p = run("merge", *old, "--output-format", "json", codes=(0, 1))
    expect(p.returncode in (0, 1) and parse(p).get("config", {}).get("seed") == "12345",
           "merge reads integer seeds (format 1) and writes them as strings")
    bad = load(shards[0])
    bad["config"]["seed"] = "-5"
    with open(old[0], "w") as f:
        json.dump(bad, f)
    p = run("merge", old[0], shards[1], codes=(2,))
    expect(p.returncode == 2 and "seed" in p.stderr, "merge refuses a bad seed string with exit 2, naming the seed")
    return whole


def replay(tmp, found):
    trace_path = os.path.join(tmp, "trace.json")
    p = run("replay", "--scenario", "race2018", "--protocol", "no-break", "--schedule", found["schedule"],
            "--trace", "--trace-json", trace_path, "--output-format", "json", codes=(1,))
    d = check("replay", parse(p), "replay report with --trace")
    expect(d["found"] and d["kind"] == found["kind"], "replay of the explore finding finds the same kind")
    trace = check("trace", load(trace_path), "trace JSON (--trace-json)")
    # Flow arrows come in pairs: a start and an end with one id, on two threads.
    starts = {e["id"]: e for e in trace["traceEvents"] if e["ph"] == "s"}
    ends = {e["id"]: e for e in trace["traceEvents"] if e["ph"] == "f"}
    expect(starts and starts.keys() == ends.keys() and
           all(starts[i]["tid"] != ends[i]["tid"] and starts[i]["ts"] < ends[i]["ts"] for i in starts),
           "the trace's flow arrows pair up across threads, forward in time")
    # The replay command the report prints runs as it stands.
    cmd = found["replay"].split()
    expect(cmd[0] == "daxbreak" and subprocess.run([BIN, *cmd[1:]], capture_output=True).returncode == 1,
           "the report's replay command reproduces the finding")


def campaign(tmp):
    results = os.path.join(tmp, "results")
    p = run("run", "--scenarios", "race2018", "--protocols", "no-break,fixed", "--seeds", BIG_SEED, "--results",
            results, "--eta", "never", "--output-format", "json", codes=(0, 1))
    d = check("run", parse(p), "run summary (stdout)")
    check("run", load(os.path.join(results, "summary.json")), "run summary.json")
    expect(d["config"]["seeds"] == [BIG_SEED] and all(c["seed"] == BIG_SEED for c in d["cells"]),
           "run: seeds are decimal strings")
    for path in sorted(glob.glob(os.path.join(results, "cells", "*.json"))):
        check(load(path)["command"], load(path), "campaign cell " + os.path.basename(path))
    # A stress campaign: its cells are stress reports.
    stress_results = os.path.join(tmp, "stress-results")
    p = run("run", "--mode", "stress", "--scenarios", "collision", "--protocols", "fixed", "--duration", "1s",
            "--results", stress_results, "--eta", "never", "--output-format", "json", codes=(0, 1))
    check("run", parse(p), "run summary (stress mode)")
    cells = sorted(glob.glob(os.path.join(stress_results, "cells", "*.json")))
    expect(len(cells) == 1, "run --mode stress: one cell report")
    for path in cells:
        check("stress", load(path), "stress campaign cell " + os.path.basename(path))
    traces = sorted(glob.glob(os.path.join(results, "findings", "*.trace.json")))
    expect(len(traces) > 0, "run: the no-break cell left a trace")
    for path in traces:
        check("trace", load(path), "campaign trace " + os.path.basename(path))


def listing_and_info(tmp):
    check("list", parse(run("list", "--output-format", "json")), "list")
    check("list", parse(run("list", "--kernel", "6.1.0", "--output-format", "json")), "list --kernel")
    check("info", parse(run("info", tmp, "--output-format", "json")), "info")


def broken_documents_are_rejected(stress_doc, explore_doc):
    """The validator must be able to say no: each change breaks the contract."""
    def mutated(doc, change):
        d = json.loads(json.dumps(doc))
        change(d)
        return d

    cases = [
        ("stress", "a seed as a JSON integer", lambda d: d["config"].__setitem__("seed", 7)),
        ("stress", "ops as a comma string", lambda d: d["config"].__setitem__("ops", "truncate,punch")),
        ("stress", "no format_version", lambda d: d.pop("format_version")),
        ("stress", "another format_version", lambda d: d.__setitem__("format_version", 1)),
        ("stress", "config.size 0", lambda d: d["config"].__setitem__("size", 0)),
        ("stress", "a bucket without le_ns", lambda d: d["latency"]["layout_op_ns"]["buckets"][0].pop("le_ns")),
        ("stress", "stall as an empty string", lambda d: d.__setitem__("stall", "")),
        ("explore", "deadlock as an empty string", lambda d: d.__setitem__("deadlock", "")),
        ("explore", "merged_from as an empty list", lambda d: d.__setitem__("merged_from", [])),
        ("explore", "found without its kind", lambda d: (d.__setitem__("found", True), d.__setitem__("kind", None))),
    ]
    for kind, what, change in cases:
        doc = stress_doc if kind == "stress" else explore_doc
        expect(errors(kind, mutated(doc, change)) != [], f"the {kind} schema rejects {what}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        s = stress(tmp)
        oops(tmp, kernel_provisional(tmp))
        e = explore(tmp)
        if e["found"]:
            replay(tmp, e)
        else:
            failures.append("explore of race2018/no-break found nothing to replay")
        campaign(tmp)
        listing_and_info(tmp)
        broken_documents_are_rejected(s, e)
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
