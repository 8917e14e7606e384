"""A keyed signature over an export's record, so that any change to the export can be detected.

``export.json`` lists every file of the export with its size and sha256, and carries the
provenance and the verdict. Its ``signature`` is an HMAC-SHA256 of the rest of the record
(canonical JSON: sorted keys, no spaces), made with a key derived from the run's watermark key.
Whoever holds that key can check that no file was added, removed or changed and that the record
itself was not edited (a verdict rewritten to "gain" breaks it); the record never contains the
key, only its public id. Without the key, the checksums still catch accidental damage, but not
someone who edits the files and the record together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from synthaug.pipeline.layout import EXPORT_FILE
from synthaug.pipeline.watermark.keys import WatermarkKey

SIGNATURE = "signature"
ALGORITHM = "HMAC-SHA256"
_PURPOSE = b"synthaug-export-signature/1"


def _canonical(record: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in record.items() if k != SIGNATURE}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _mac(record: dict[str, Any], key: WatermarkKey) -> str:
    signing_key = hmac.new(key.secret, _PURPOSE, hashlib.sha256).digest()  # never the mark's own key
    return hmac.new(signing_key, _canonical(record), hashlib.sha256).hexdigest()


def sign(record: dict[str, Any], key: WatermarkKey) -> dict[str, Any]:
    """``record`` with its signature added."""
    return {**record, SIGNATURE: {"algorithm": ALGORITHM, "key_id": key.key_id, "value": _mac(record, key)}}


def check_signature(record: dict[str, Any], key: WatermarkKey | None) -> dict[str, Any]:
    """``{"signed", "checked", "ok", "key_id", "problem"}``: ``ok`` is None when nothing could be
    checked (no key given, or an unsigned record)."""
    signature = record.get(SIGNATURE)
    if not isinstance(signature, dict):
        return {"signed": False, "checked": False, "ok": None, "problem": "the export is not signed"}
    base = {"signed": True, "key_id": signature.get("key_id")}
    if key is None:
        return {
            **base,
            "checked": False,
            "ok": None,
            "problem": "no key given: the signature was not checked",
        }
    if signature.get("key_id") != key.key_id:
        return {
            **base,
            "checked": True,
            "ok": False,
            "problem": f"signed with key id {signature.get('key_id')}, not with this key ({key.key_id})",
        }
    matches = hmac.compare_digest(str(signature.get("value", "")), _mac(record, key))
    problem = None if matches else f"{EXPORT_FILE} was changed after the export was signed"
    return {**base, "checked": True, "ok": matches, "problem": problem}
