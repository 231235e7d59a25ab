"""Validates JSON documents against a JSON Schema with the `jsonschema` package (tests/ci/cli.sh
installs it). Used by tests/output_schema.rs.

    python3 tests/json_schema.py SCHEMA < cases.json

stdin: an object {case name: document}. stdout: an object {case name: [problems]}, an empty list
for a valid document. The schema itself is checked first (exit 1 when it is not a valid schema of
the draft its `$schema` names).
"""

import json
import sys

import jsonschema


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{sys.argv[1]} is not a valid schema: {e.message}", file=sys.stderr)
        return 1
    validator = validator_class(schema)
    cases = json.load(sys.stdin)
    problems = {}
    for name, document in cases.items():
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        problems[name] = [
            "/" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in errors[:20]
        ]
    json.dump(problems, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
