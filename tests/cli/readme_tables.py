#!/usr/bin/env python3
"""Checks that the README's protocol table and docs/stress.md's violation-kind table say what
`daxbreak list` says.

Usage: readme_tables.py README.md STRESS.md LIST.json. Exit 1 with the differing rows, 0 if they agree.
"""
import json
import sys


def table_rows(text, header):
    """The rows of the markdown table whose header line starts with `header`, as cell lists."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip().strip("`") for c in line.strip("|").split(" | ")])
    return rows


readme = open(sys.argv[1]).read()
stress = open(sys.argv[2]).read()
listing = json.load(open(sys.argv[3]))
problems = []

kinds = {r[0]: r[1] for r in table_rows(stress, "| kind | severity |")}
want = {k["name"]: k["severity"] for k in listing["violation_kinds"]}
if kinds != want:
    problems.append(f"violation kinds: README {kinds} != list {want}")

protocols = {r[0]: (r[1], r[3]) for r in table_rows(readme, "| name | status |")}
want = {p["name"]: (p["status"], p["catches_in"] or "(clean)") for p in listing["protocols"]}
if protocols != want:
    for name in sorted(set(protocols) | set(want)):
        if protocols.get(name) != want.get(name):
            problems.append(f"protocol {name}: README {protocols.get(name)} != list {want.get(name)}")

for p in problems:
    print("README or docs/stress.md out of date:", p)
sys.exit(1 if problems else 0)
