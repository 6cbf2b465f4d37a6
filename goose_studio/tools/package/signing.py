"""Signed provenance: the workspace's ed25519 key signs a core's ``manifest.json`` and ``PROVENANCE.json``
(which lists the SHA-256 of every other member), and anyone can verify the signature with the public key the
core carries in ``SIGNATURE.json``.

The key lives in the workspace's ``keys/`` folder (0700), made on first use: ``signing-ed25519.pem`` (the
private key, PKCS#8) and ``signing-ed25519.pub`` (the public key, base64), both 0600. A signer is *trusted*
when its key is the workspace's own or one of the public keys in ``keys/trusted/*.pub``.

``SIGNATURE.json``::

    {"format": 1, "algorithm": "ed25519", "public_key": "<base64 of the 32 raw bytes>",
     "fingerprint": "SHA256:<base64 of sha256(public key)>",
     "signed": {"manifest.json": "<sha256>", "PROVENANCE.json": "<sha256>"}, "signature": "<base64>"}

The signed message is :data:`DOMAIN` followed by the canonical JSON of ``signed``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .format import MANIFEST, PROVENANCE

DOMAIN = b"goose-studio core signature v1\n"
KEY_DIR = "keys"
PRIVATE_KEY_FILE = "signing-ed25519.pem"
PUBLIC_KEY_FILE = "signing-ed25519.pub"
TRUSTED_DIR = "trusted"
SIGNATURE_FORMAT = 1


class Signer(BaseModel):
    """Who signed a core: the public key, its fingerprint, and whether this workspace trusts it."""

    public_key: str
    fingerprint: str
    trusted: bool = False
    own: bool = False  # the key of this workspace


def fingerprint(public_raw: bytes) -> str:
    """``SHA256:`` and the unpadded base64 of the key's SHA-256 (the form ssh-keygen prints)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(public_raw).digest()).decode().rstrip("=")


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


@dataclass(frozen=True)
class SigningKey:
    """The workspace's key pair."""

    private: Any  # cryptography's Ed25519PrivateKey
    public_raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def key_dir(root: Path) -> Path:
    return Path(root) / KEY_DIR


def workspace_key(root: Path) -> SigningKey:
    """The workspace's signing key (``root`` is the workspace folder), made with 0600 files on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = key_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    if not private_path.is_file():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            _write_private(private_path, pem)
        except FileExistsError:
            pass  # another process made it first: use theirs
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{private_path} does not hold an ed25519 key")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if not public_path.is_file():
        _write_private(public_path, base64.b64encode(raw) + b"\n")
    return SigningKey(private=key, public_raw=raw)


def trusted_fingerprints(root: Path) -> tuple[str | None, set[str]]:
    """The workspace key's fingerprint (None before it exists) and those of ``keys/trusted/*.pub``."""
    folder = key_dir(root)
    own = None
    try:
        own = fingerprint(base64.b64decode((folder / PUBLIC_KEY_FILE).read_text().strip(), validate=True))
    except (OSError, ValueError):
        pass
    others: set[str] = set()
    for path in sorted((folder / TRUSTED_DIR).glob("*.pub")) if (folder / TRUSTED_DIR).is_dir() else []:
        try:
            others.add(fingerprint(base64.b64decode(path.read_text().strip(), validate=True)))
        except (OSError, ValueError):
            continue
    return own, others


def signed_message(signed: dict[str, str]) -> bytes:
    return DOMAIN + json.dumps(signed, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature_document(key: SigningKey, manifest_bytes: bytes, provenance_bytes: bytes) -> dict[str, Any]:
    """``SIGNATURE.json``'s content for these two members."""
    signed = {MANIFEST: hashlib.sha256(manifest_bytes).hexdigest(),
              PROVENANCE: hashlib.sha256(provenance_bytes).hexdigest()}
    return {"format": SIGNATURE_FORMAT, "algorithm": "ed25519",
            "public_key": base64.b64encode(key.public_raw).decode(), "fingerprint": key.fingerprint,
            "signed": signed, "signature": base64.b64encode(key.sign(signed_message(signed))).decode()}


def verify(document: Any, manifest_bytes: bytes, provenance_bytes: bytes,
           root: Path | None = None) -> tuple[bool, str, Signer | None]:
    """Check a ``SIGNATURE.json`` (parsed) against the two members: (ok, what was found, the signer).

    The signer is returned whenever the public key reads, so a failure can still name it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(document, dict) or document.get("algorithm") != "ed25519":
        return False, "SIGNATURE.json is not an ed25519 signature document", None
    try:
        raw = base64.b64decode(str(document.get("public_key", "")), validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
        sig = base64.b64decode(str(document.get("signature", "")), validate=True)
    except ValueError as exc:
        return False, f"SIGNATURE.json does not decode ({exc})", None
    own, others = trusted_fingerprints(root) if root is not None else (None, set())
    fp = fingerprint(raw)
    signer = Signer(public_key=base64.b64encode(raw).decode(), fingerprint=fp, own=fp == own,
                    trusted=fp == own or fp in others)
    if document.get("fingerprint") not in (None, fp):
        return False, f"the fingerprint recorded in SIGNATURE.json is not that of its key ({fp})", signer
    signed = document.get("signed")
    if not isinstance(signed, dict):
        return False, "SIGNATURE.json names no signed members", signer
    actual = {MANIFEST: hashlib.sha256(manifest_bytes).hexdigest(),
              PROVENANCE: hashlib.sha256(provenance_bytes).hexdigest()}
    changed = [name for name, digest in actual.items() if signed.get(name) != digest]
    if changed:
        return False, ", ".join(changed) + " changed after signing", signer
    try:
        public.verify(sig, signed_message({k: str(v) for k, v in signed.items()}))
    except InvalidSignature:
        return False, f"the signature does not verify with key {fp}", signer
    return True, f"signed by {fp}" + (" (this workspace)" if signer.own else " (trusted)" if signer.trusted
                                       else " (a key this workspace does not know)"), signer
