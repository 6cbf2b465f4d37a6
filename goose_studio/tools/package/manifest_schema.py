"""The JSON Schema of ``manifest.json``: generated from :class:`.format.Manifest`, shipped beside this module
as ``manifest.schema.json``, and used by gate V1 to check a core's manifest with ``jsonschema``.

``python -m goose_studio.tools.package.manifest_schema`` rewrites the shipped file from the model; a test
keeps the two equal.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from .format import Manifest

SCHEMA_FILE = "manifest.schema.json"
SCHEMA_ID = "https://goose-studio.invalid/schemas/gcpkg-manifest.schema.json"


def generated_schema() -> dict[str, Any]:
    """The manifest's JSON Schema (draft 2020-12) as the model defines it now."""
    schema = Manifest.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text(schema: dict[str, Any]) -> str:
    """The file form of a schema: sorted keys, two-space indent, UTF-8 kept, one final newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def shipped_schema() -> dict[str, Any]:
    """The schema file shipped with the studio."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def schema_errors(manifest: Any) -> list[str]:
    """Every way ``manifest`` (parsed JSON) breaks the shipped schema, as ``field.path: message``; [] if none."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(shipped_schema())
    errors = []
    for error in sorted(validator.iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path]):
        where = ".".join(str(p) for p in error.absolute_path) or "(root)"
        message = error.message
        if error.validator == "anyOf" and error.context:  # say the types the field accepts, not "any of"
            kinds = sorted({str(c.schema.get("type")) for c in error.context if c.schema.get("type")})
            if kinds:
                message = f"{error.instance!r} is not of type {' or '.join(kinds)}"
        errors.append(f"{where}: {message}")
    return errors


def main() -> None:
    """Write the shipped schema file from the model."""
    target = resources.files(__package__).joinpath(SCHEMA_FILE)
    with resources.as_file(target) as path:
        path.write_text(schema_text(generated_schema()), encoding="utf-8")
        print(path)


if __name__ == "__main__":
    main()
