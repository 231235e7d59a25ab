"""Parses every ```toml and ```json block of the editor READMEs (and docs/ci.md's ```yaml
blocks), so a documented snippet with a syntax error fails CI. Needs PyYAML (pre-commit's venv)."""

import json
import pathlib
import re
import sys
import textwrap
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "editors").glob("*/README.md")) + [ROOT / "docs" / "ci.md"]
PARSERS = {"toml": tomllib.loads, "json": json.loads, "yaml": yaml.safe_load}


def main() -> int:
    passed, failed = 0, 0
    for path in FILES:
        text = path.read_text()
        for match in re.finditer(r"^[ \t]*```(toml|json|yaml)\n(.*?)^[ \t]*```", text, re.S | re.M):
            lang, body = match.group(1), match.group(2)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(ROOT)}:{line} ({lang})"
            try:
                PARSERS[lang](textwrap.dedent(body))
                passed += 1
            except Exception as err:  # any parse error is the failure being tested for
                failed += 1
                print(f"FAIL {where}: {err}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
