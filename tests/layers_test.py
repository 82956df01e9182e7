#!/usr/bin/env python3
"""The layer graph of src/CMakeLists.txt against the #includes of the code.

Each daxbreak_layer(NAME ... DEPS A B ...) row says which layers NAME links.
This test reads every file of a layer (src/NAME/** and include/daxbreak/NAME/**)
and fails when
  - a file includes a layer that is not in its row (an #include that goes up,
    or sideways to a layer the row does not name);
  - a row names a layer that none of its files includes (a link with no
    include behind it: the graph says more than the code);
  - a file outside src/NAME/ includes NAME's internal headers ("NAME/x.h"
    resolving under src/), except tests;
  - a public header (include/daxbreak/**) includes an internal one.
Usage: layers_test.py REPO_ROOT
"""

import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_table(root):
    text = (root / "src" / "CMakeLists.txt").read_text()
    rows = {}
    for m in re.finditer(r"daxbreak_layer\((\w+)(.*?)\)\s*$", text, re.S | re.M):
        name, body = m.group(1), m.group(2)
        deps = re.search(r"\bDEPS\b(.*?)(?:\bEXTERNAL\b|\bSOURCES\b|$)", body, re.S)
        rows[name] = set(deps.group(1).split()) if deps else set()
    return rows


def included_layers(path, layers, root):
    """The layers `path` includes, as (layer, internal?, header) triples."""
    out = []
    for header in INCLUDE.findall(path.read_text(errors="replace")):
        parts = header.split("/")
        if parts[0] == "daxbreak" and len(parts) > 2 and parts[1] in layers:
            out.append((parts[1], False, header))
        elif parts[0] in layers and (root / "src" / header).exists():
            out.append((parts[0], True, header))
    return out


def self_test():
    """The check must be able to fail: a tree with an upward include."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        t = pathlib.Path(d)
        (t / "src" / "a").mkdir(parents=True)
        (t / "include" / "daxbreak" / "b").mkdir(parents=True)
        (t / "tools").mkdir()
        (t / "src" / "CMakeLists.txt").write_text(
            "daxbreak_layer(a\n  SOURCES a/x.cc)\ndaxbreak_layer(b\n  SOURCES b/y.cc\n  DEPS a)\n")
        (t / "include" / "daxbreak" / "b" / "y.h").write_text("")
        (t / "src" / "a" / "x.cc").write_text('#include "daxbreak/b/y.h"\n')
        return check(t, quiet=True) != 0


def main():
    if not self_test():
        print("FAIL: the check passed a tree whose layer a includes layer b above it")
        return 1
    return check(pathlib.Path(sys.argv[1]).resolve())


def check(root, quiet=False):
    rows = layer_table(root)
    if not rows:
        print("FAIL: no daxbreak_layer rows in src/CMakeLists.txt")
        return 1
    errors = []
    used = {name: set() for name in rows}
    for name in rows:
        files = [p for d in (root / "src" / name, root / "include" / "daxbreak" / name)
                 if d.is_dir() for p in d.rglob("*") if p.suffix in (".h", ".cc")]
        for f in files:
            public = "include" in f.relative_to(root).parts[:1]
            for layer, internal, header in included_layers(f, rows, root):
                rel = f.relative_to(root)
                if layer == name:
                    if public and internal:
                        errors.append(f"{rel}: public header includes internal '{header}'")
                    continue
                used[name].add(layer)
                if layer not in rows[name]:
                    errors.append(f"{rel}: includes '{header}' but layer '{name}' does not list '{layer}' "
                                  f"(DEPS {' '.join(sorted(rows[name])) or '-'})")
                if internal:
                    errors.append(f"{rel}: includes '{header}', an internal header of layer '{layer}'")
    for name, deps in rows.items():
        for dep in sorted(deps - used[name]):
            errors.append(f"src/CMakeLists.txt: layer '{name}' lists '{dep}' but none of its files includes it")
    # Outside the library: tools, examples and bench use public headers only.
    for top in ("tools", "examples", "bench"):
        for f in (root / top).rglob("*"):
            if f.suffix not in (".h", ".cc"):
                continue
            for layer, internal, header in included_layers(f, rows, root):
                if internal:
                    errors.append(f"{f.relative_to(root)}: includes '{header}', an internal header of '{layer}'")
    if quiet:
        return 1 if errors else 0
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"ok: {len(rows)} layers; every #include matches src/CMakeLists.txt")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
