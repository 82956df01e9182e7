"""The JSON contract's schemas (share/schema/, docs/json.md) for the tests:
loading them, validating a document against one, and telling which one a
document daxbreak wrote answers to.

Usage as a program: json_contract.py SCHEMA_DIR DIR...
validates every daxbreak document (*.json) under each DIR and exits 1 if one
does not validate; files that are not JSON or not daxbreak's (inputs a test
wrote on purpose) are counted and left alone. The shell tests run it over
their scratch folder before they remove it (tests/testing/expect.sh).
"""

import glob
import json
import os
import sys

import jsonschema

# The `command` of a document's envelope -> its schema (merge writes an
# explore report).
SCHEMA_OF_COMMAND = {"stress": "stress", "explore": "explore", "replay": "replay", "run": "run",
                     "info": "info", "list": "list", "oops": "oops"}


def load_schemas(schema_dir):
    """{$id: schema} of every *.schema.json in `schema_dir`, each checked as
    a draft 2020-12 schema."""
    schemas = {}
    for path in sorted(glob.glob(os.path.join(schema_dir, "*.schema.json"))):
        with open(path) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[schema["$id"]] = schema
    return schemas


def _validator(schemas, name):
    """A validator of urn:daxbreak:schema:NAME that resolves the references
    between the schema files (referencing in jsonschema >= 4.18, RefResolver
    in Debian 12's 4.10)."""
    schema = schemas["urn:daxbreak:schema:" + name]
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError:
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=dict(schemas))
        return jsonschema.Draft202012Validator(schema, resolver=resolver)
    registry = Registry().with_resources(
        (uri, Resource.from_contents(s, default_specification=DRAFT202012)) for uri, s in schemas.items())
    return jsonschema.Draft202012Validator(schema, registry=registry)


_VALIDATORS = {}


def errors(schemas, kind, doc):
    """The validation errors of `doc` against schema `kind`, as
    "path: message" strings (empty: it validates)."""
    key = (id(schemas), kind)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = _validator(schemas, kind)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _VALIDATORS[key].iter_errors(doc)]


def kind_of(doc):
    """The schema a document daxbreak wrote answers to, or None for one that
    is not daxbreak's."""
    if isinstance(doc, dict) and "traceEvents" in doc and "format_version" in doc:
        return "trace"
    if isinstance(doc, dict) and isinstance(doc.get("daxbreak"), dict):
        return SCHEMA_OF_COMMAND.get(doc.get("command"))
    return None


def validate_tree(schemas, root):
    """(checked, skipped, failures) over every *.json under `root`."""
    checked, skipped, failures = 0, 0, []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True)):
        try:
            with open(path, encoding="utf-8", errors="strict") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            skipped += 1
            continue
        kind = kind_of(doc)
        if kind is None:
            skipped += 1
            continue
        checked += 1
        errs = errors(schemas, kind, doc)
        if errs:
            failures.append(f"{os.path.relpath(path, root)} ({kind}): {errs[:3]}")
    return checked, skipped, failures


def main(argv):
    schemas = load_schemas(argv[1])
    failed = False
    for root in argv[2:]:
        checked, skipped, failures = validate_tree(schemas, root)
        for f in failures:
            print(f"FAIL: {f} does not validate")
        print(f"json contract: {checked} documents checked, {len(failures)} invalid, {skipped} other files")
        failed |= bool(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
