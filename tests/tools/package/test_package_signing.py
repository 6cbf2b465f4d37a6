"""The workspace's signing key (made once, 0600 files) and the manifest's JSON Schema shipped with the studio."""

from __future__ import annotations

import json
import stat

from goose_studio.tools.package import manifest_schema, signing


def test_the_key_is_made_once_with_private_permissions(tmp_path):
    first = signing.workspace_key(tmp_path)
    again = signing.workspace_key(tmp_path)
    assert first.public_raw == again.public_raw and first.fingerprint.startswith("SHA256:")
    folder = tmp_path / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (signing.PRIVATE_KEY_FILE, signing.PUBLIC_KEY_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600


def test_a_signature_verifies_and_names_its_signer(tmp_path):
    key = signing.workspace_key(tmp_path / "ws")
    document = signing.signature_document(key, b'{"name": "x"}', b'{"files": {}}')
    ok, _, signer = signing.verify(document, b'{"name": "x"}', b'{"files": {}}', tmp_path / "ws")
    assert ok and signer.own and signer.fingerprint == key.fingerprint
    ok, detail, _ = signing.verify(document, b'{"name": "y"}', b'{"files": {}}', tmp_path / "ws")
    assert not ok and "manifest.json" in detail
    trusted = tmp_path / "other" / "keys" / "trusted"
    trusted.mkdir(parents=True)
    (trusted / "friend.pub").write_text(document["public_key"])
    ok, _, signer = signing.verify(document, b'{"name": "x"}', b'{"files": {}}', tmp_path / "other")
    assert ok and signer.trusted and not signer.own


def test_the_shipped_schema_is_the_manifest_model():
    shipped = manifest_schema.shipped_schema()
    assert shipped == json.loads(manifest_schema.schema_text(manifest_schema.generated_schema()))
    assert set(shipped["properties"]) >= {"name", "description", "tags", "icon", "price", "quality_score"}


def test_schema_errors_name_each_wrong_field():
    errors = manifest_schema.schema_errors({"name": 3, "tags": "x", "extra": 1})
    fields = {e.split(":")[0] for e in errors}
    assert {"name", "tags", "(root)"} <= fields
