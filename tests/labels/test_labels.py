"""Signed labels: signing, key rotation, the QR code, artwork and offline verification.

Every refusal test asserts the reason a user reads, because that line is what tells them
whether the label in their hand is forged, altered, expired or just not for this page.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import stat
import subprocess
import threading
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.jwk import OctKey, OKPKey
from PIL import Image, ImageFilter
from pydantic import ValidationError

from jcstar.labels import keyring as keyring_module
from jcstar.labels.artwork import label_png, label_svg
from jcstar.labels.claims import MODELS_IN_QR, LabelClaims, models_digest, two_years_after
from jcstar.labels.errors import LabelFormatError
from jcstar.labels.fit import sign_to_fit
from jcstar.labels.keyring import Keyring
from jcstar.labels.qr import (
    MAX_QR_VERSION,
    parse_qr_text,
    qr_png,
    qr_svg,
    qr_text,
    qr_version,
    read_qr_bytes,
    read_qr_image,
)
from jcstar.labels.verify import (
    TrustedKeys,
    VerifyCode,
    load_jwks,
    verify_offline,
    with_registry_models,
    with_registry_status,
)
from tests.conftest import require_tool

ISSUED = date(2026, 11, 25)
EXPIRES = date(2028, 11, 24)
DURING = date(2027, 6, 1)
URL = "https://registry.jc-star.example.jp/p/JC1-2026-000123"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def make_claims(**changes: object) -> LabelClaims:
    fields: dict[str, object] = {
        "registration_no": "JC1-2026-000123",
        "level": 1,
        "vendor": "Example Networks K.K. 株式会社エグザンプル",
        "product": "ExampleGateway Home Router",
        "model_numbers": ("GW-200", "GW-200-JP", "GW-210"),
        "issued_on": ISSUED,
        "expires_on": EXPIRES,
        "support_period_end": date(2031, 3, 31),
        "vulnerability_contact": "https://example.co.jp/security",
        "product_url": URL,
        "issuer": "https://registry.jc-star.example.jp",
    }
    fields.update(changes)
    return LabelClaims.model_validate(fields)


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> Keyring:
    return Keyring.load_or_create(tmp_path_factory.mktemp("keys") / "registry-keys")


@pytest.fixture(scope="module")
def label(keyring: Keyring) -> str:
    """The QR text of a genuine label."""
    claims = make_claims()
    return qr_text(claims.product_url, keyring.sign(claims))


def private_key(keyring: Keyring) -> OKPKey:
    """The active private key, read from its PEM file as an operator would."""
    return OKPKey.import_key((keyring.key_dir / f"{keyring.active_kid}.pem").read_bytes())


def sign_raw(keyring: Keyring, header: dict[str, object], payload: bytes) -> str:
    """Sign arbitrary header/payload bytes with the keyring's active key (test forgeries)."""
    key = private_key(keyring)
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}".encode()
    signature = key.private_key.sign(signing_input)  # type: ignore[union-attr]
    return f"{signing_input.decode()}.{b64(signature)}"


# --- a genuine label ------------------------------------------------------------------------


def test_genuine_label_verifies_offline_from_its_qr_text(keyring: Keyring, label: str) -> None:
    result = verify_offline(label, keyring.jwks(), DURING)
    assert result.valid
    assert result.code is VerifyCode.VALID
    assert result.kid == keyring.active_kid
    assert result.claims == make_claims()
    assert "JC1-2026-000123" in result.reason and "2028-11-24" in result.reason
    assert result.status is None  # offline: the registry's status is not known


def test_bare_jws_verifies_without_the_url(keyring: Keyring, label: str) -> None:
    _, token = parse_qr_text(label)
    assert verify_offline(token, keyring.jwks(), DURING).valid


def test_jws_header_and_payload_use_the_contract_form(keyring: Keyring, label: str) -> None:
    _, token = parse_qr_text(label)
    header = json.loads(unb64(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": keyring.active_kid, "typ": "jcstar-label+jws"}
    payload = json.loads(unb64(token.split(".")[1]))
    assert payload["reg"] == "JC1-2026-000123" and payload["lvl"] == 1
    assert payload["ido"] == "2026-11-25" and payload["exo"] == "2028-11-24"
    assert payload["url"] == URL


def test_last_day_of_validity_is_still_valid(keyring: Keyring, label: str) -> None:
    assert verify_offline(label, keyring.jwks(), EXPIRES).valid
    assert verify_offline(label, keyring.jwks(), ISSUED).valid


# --- refusals ---------------------------------------------------------------------------------


def test_unsigned_alg_none_label_is_refused(keyring: Keyring) -> None:
    header = {"alg": "none", "kid": keyring.active_kid, "typ": "jcstar-label+jws"}
    token = f"{b64(json.dumps(header).encode())}.{b64(make_claims().to_payload())}."
    result = verify_offline(f"{URL}#{token}", keyring.jwks(), DURING)
    assert not result.valid
    assert result.code is VerifyCode.BAD_ALGORITHM
    assert result.reason == (
        "label uses algorithm 'none'; only EdDSA (Ed25519) signatures are accepted"
    )


def test_hs256_signed_with_the_public_key_as_secret_is_refused(keyring: Keyring) -> None:
    # the classic confusion attack: the published public key used as an HMAC secret
    public_x = unb64(str(keyring.jwks()["keys"][0]["x"]))
    header = {"alg": "HS256", "kid": keyring.active_kid, "typ": "jcstar-label+jws"}
    token = jws.serialize_compact(
        header, make_claims(level=4).to_payload(), OctKey.import_key(public_x), ["HS256"]
    )
    result = verify_offline(token, keyring.jwks(), DURING)
    assert not result.valid
    assert result.code is VerifyCode.BAD_ALGORITHM
    assert "'HS256'" in result.reason and "only EdDSA" in result.reason


def test_unknown_kid_is_refused(keyring: Keyring) -> None:
    header = {"alg": "EdDSA", "kid": "no-such-key", "typ": "jcstar-label+jws"}
    token = sign_raw(keyring, header, make_claims().to_payload())
    result = verify_offline(token, keyring.jwks(), DURING)
    assert not result.valid
    assert result.code is VerifyCode.UNKNOWN_KEY
    assert result.reason.startswith("label was signed with key no-such-key, which is not among")
    del header["kid"]
    anonymous = verify_offline(sign_raw(keyring, header, b"{}"), keyring.jwks(), DURING)
    assert anonymous.code is VerifyCode.UNKNOWN_KEY
    assert anonymous.reason == "label names no signing key (kid)"


def test_label_from_a_key_not_in_the_trusted_jwks_is_refused_as_forged(
    keyring: Keyring, tmp_path: Path
) -> None:
    forger = Keyring.load_or_create(tmp_path / "forger")
    claims = make_claims(level=4)
    forged = qr_text(claims.product_url, forger.sign(claims))
    result = verify_offline(forged, keyring.jwks(), DURING)
    assert not result.valid
    assert result.code is VerifyCode.UNKNOWN_KEY
    assert f"signed with key {forger.active_kid}" in result.reason
    assert "not among the trusted keys" in result.reason


def test_forgery_claiming_the_registry_kid_fails_the_signature(
    keyring: Keyring, tmp_path: Path
) -> None:
    forger = Keyring.load_or_create(tmp_path / "forger")
    header = {"alg": "EdDSA", "kid": keyring.active_kid, "typ": "jcstar-label+jws"}
    token = sign_raw(forger, header, make_claims(level=4).to_payload())
    result = verify_offline(token, keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_SIGNATURE
    assert result.reason == (
        f"signature does not match key {keyring.active_kid}: the label was altered or forged"
    )


def test_modified_payload_is_refused(keyring: Keyring, label: str) -> None:
    url, token = parse_qr_text(label)
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["lvl"] = 4  # promote the product to ★4
    tampered = f"{url}#{header}.{b64(json.dumps(claims).encode())}.{signature}"
    result = verify_offline(tampered, keyring.jwks(), DURING)
    assert not result.valid
    assert result.code is VerifyCode.BAD_SIGNATURE
    assert "altered or forged" in result.reason
    assert result.claims is None  # nothing from an unverified payload is shown as fact


def test_modified_signature_is_refused(keyring: Keyring, label: str) -> None:
    url, token = parse_qr_text(label)
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    bad = signature[:middle] + flipped + signature[middle + 1 :]
    result = verify_offline(f"{url}#{header}.{payload}.{bad}", keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_SIGNATURE


def test_expired_label_is_refused(keyring: Keyring, label: str) -> None:
    result = verify_offline(label, keyring.jwks(), EXPIRES + timedelta(days=1))
    assert not result.valid
    assert result.code is VerifyCode.EXPIRED
    assert result.reason == "label JC1-2026-000123 expired on 2028-11-24"
    assert result.claims is not None  # genuine, so the user may see what it was


def test_label_dated_in_the_future_is_refused(keyring: Keyring, label: str) -> None:
    result = verify_offline(label, keyring.jwks(), ISSUED - timedelta(days=1))
    assert not result.valid
    assert result.code is VerifyCode.NOT_YET_VALID
    assert result.reason == ("label JC1-2026-000123 is dated 2026-11-25, after today (2026-11-24)")


def test_qr_whose_link_differs_from_the_signed_page_is_refused(
    keyring: Keyring, label: str
) -> None:
    _, token = parse_qr_text(label)
    phishing = f"https://jc-star-registry.example.com/p/JC1-2026-000123#{token}"
    result = verify_offline(phishing, keyring.jwks(), DURING)
    assert not result.valid
    assert result.code is VerifyCode.URL_MISMATCH
    assert result.reason == (
        "QR link https://jc-star-registry.example.com/p/JC1-2026-000123 is not the signed "
        f"product page {URL}"
    )


def test_wrong_typ_is_refused(keyring: Keyring) -> None:
    header = {"alg": "EdDSA", "kid": keyring.active_kid, "typ": "JWT"}
    token = sign_raw(keyring, header, make_claims().to_payload())
    result = verify_offline(token, keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_HEADER
    assert result.reason == "label type is 'JWT', not 'jcstar-label+jws'"


def test_key_embedded_in_the_label_is_never_trusted(keyring: Keyring, tmp_path: Path) -> None:
    forger = Keyring.load_or_create(tmp_path / "forger")
    header = {
        "alg": "EdDSA",
        "kid": forger.active_kid,
        "typ": "jcstar-label+jws",
        "jwk": forger.jwks()["keys"][0],
    }
    token = sign_raw(forger, header, make_claims().to_payload())
    result = verify_offline(token, keyring.jwks(), DURING)
    assert not result.valid
    assert result.code is VerifyCode.BAD_HEADER
    assert result.reason == "label header has unexpected fields: jwk"


def test_signed_payload_that_is_not_a_label_is_refused(keyring: Keyring) -> None:
    payload = json.loads(make_claims().to_payload())
    payload["lvl"] = 7
    header = {"alg": "EdDSA", "kid": keyring.active_kid, "typ": "jcstar-label+jws"}
    token = sign_raw(keyring, header, json.dumps(payload).encode())
    result = verify_offline(token, keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_CLAIMS
    assert result.reason.startswith("signed claims are not a JC-STAR label: lvl:")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello", "QR text has no '#': expected <product page URL>#<signed label>"),
        ("ftp://x/p/1#a.b.c", "QR text does not start with an http(s) product page URL"),
        (f"{URL}#not a jws", "the part after '#' is not a compact JWS"),
        ("x" * 5000, "input is 5000 characters; not a label"),
    ],
)
def test_text_that_is_not_a_label_gets_a_one_line_reason(
    keyring: Keyring, text: str, reason: str
) -> None:
    result = verify_offline(text, keyring.jwks(), DURING)
    assert result.code is VerifyCode.MALFORMED
    assert result.reason.startswith(reason)
    assert "\n" not in result.reason


def test_registry_status_overrides_a_genuine_label(keyring: Keyring, label: str) -> None:
    offline = verify_offline(label, keyring.jwks(), DURING)
    revoked = with_registry_status(offline, "revoked", "vulnerability left unfixed")
    assert not revoked.valid
    assert revoked.code is VerifyCode.NOT_CURRENT
    assert revoked.status == "revoked"
    assert revoked.reason == (
        "label JC1-2026-000123 is genuine but the registry lists it as revoked: "
        "vulnerability left unfixed"
    )
    still = with_registry_status(offline, "valid")
    assert still.valid and still.status == "valid"
    expired = verify_offline(label, keyring.jwks(), EXPIRES + timedelta(days=1))
    # the registry saying "valid" (status not yet refreshed) cannot rescue a label that fails
    rescued = with_registry_status(expired, "valid")
    assert not rescued.valid and rescued.code is VerifyCode.EXPIRED


def test_random_corruptions_are_refused_never_raised_or_accepted(
    keyring: Keyring, label: str
) -> None:
    # a smudged or hand-edited QR text: every variant gets a verdict with a reason
    rng = random.Random(5)
    alphabet = "ABCDEFabcdef0123456789-_.#=/ {}"
    jwks = TrustedKeys.from_jwks(keyring.jwks())
    for _ in range(300):
        chars = list(label)
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        text = "".join(chars)
        if text == label:
            continue
        result = verify_offline(text, jwks, DURING)
        assert not result.valid, text
        assert result.reason and "\n" not in result.reason


def test_header_that_is_not_an_object_is_malformed(keyring: Keyring) -> None:
    token = f"{b64(b'[1, 2]')}.{b64(make_claims().to_payload())}.{b64(bytes(64))}"
    result = verify_offline(token, keyring.jwks(), DURING)
    assert result.code is VerifyCode.MALFORMED
    assert result.reason == "label is not a decodable compact JWS"


# --- keys and rotation ------------------------------------------------------------------------


def test_keys_are_private_files_named_by_their_rfc7638_thumbprint(tmp_path: Path) -> None:
    ring = Keyring.load_or_create(tmp_path / "keys")
    pem = tmp_path / "keys" / f"{ring.active_kid}.pem"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "keys").st_mode) == 0o700
    assert pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    (public,) = ring.jwks()["keys"]
    assert "d" not in public  # never the private part
    # RFC 7638: SHA-256 over the required members in lexicographic order, no spaces
    canonical = json.dumps(
        {"crv": public["crv"], "kty": public["kty"], "x": public["x"]}, separators=(",", ":")
    )
    assert public["kid"] == b64(hashlib.sha256(canonical.encode()).digest()) == ring.active_kid
    assert (public["kty"], public["crv"], public["alg"], public["use"]) == (
        "OKP",
        "Ed25519",
        "EdDSA",
        "sig",
    )


def test_keyring_reloads_the_same_key(tmp_path: Path) -> None:
    first = Keyring.load_or_create(tmp_path / "keys")
    label = first.sign(make_claims())
    again = Keyring.load_or_create(tmp_path / "keys")
    assert again.active_kid == first.active_kid
    assert verify_offline(label, again.jwks(), DURING).valid


def test_rotation_keeps_old_labels_valid_until_the_old_key_is_retired(tmp_path: Path) -> None:
    ring = Keyring.load_or_create(tmp_path / "keys")
    old_kid = ring.active_kid
    old_label = ring.sign(make_claims())

    new_kid = ring.rotate()
    assert new_kid != old_kid and ring.active_kid == new_kid
    new_label = ring.sign(make_claims(registration_no="JC1-2026-000124"))
    jwks = Keyring.load_or_create(tmp_path / "keys").jwks()  # as another process sees it
    assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
    assert verify_offline(old_label, jwks, DURING).kid == old_kid
    assert verify_offline(old_label, jwks, DURING).valid
    assert verify_offline(new_label, jwks, DURING).kid == new_kid

    ring.retire(old_kid)
    jwks = ring.jwks()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid]
    refused = verify_offline(old_label, jwks, DURING)
    assert refused.code is VerifyCode.UNKNOWN_KEY
    assert refused.reason.startswith(f"label was signed with key {old_kid}, which is not among")
    assert "no longer publishes" in refused.reason
    assert verify_offline(new_label, jwks, DURING).valid
    assert (tmp_path / "keys" / "retired" / f"{old_kid}.pem").exists()  # kept, not published


@pytest.mark.slow
def test_server_workers_starting_together_share_one_first_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvicorn workers each load the keyring at start-up; only one may create the first key.
    # Worker A is held just after finding the directory empty; without the lock worker B
    # would create a key meanwhile and A a second one.
    real_load = keyring_module._load_keys
    a_found_empty, b_done = threading.Event(), threading.Event()

    def load_and_hold(key_dir: Path) -> dict[str, object]:
        keys = real_load(key_dir)
        if threading.current_thread().name == "A" and not keys and not a_found_empty.is_set():
            a_found_empty.set()
            b_done.wait(timeout=1.0)  # B cannot finish while A holds the lock
        return keys  # type: ignore[return-value]

    monkeypatch.setattr(keyring_module, "_load_keys", load_and_hold)
    kids: dict[str, str] = {}

    def worker() -> None:
        name = threading.current_thread().name
        if name == "B":
            a_found_empty.wait(timeout=30)
        kids[name] = Keyring.load_or_create(tmp_path / "keys").active_kid
        if name == "B":
            b_done.set()

    threads = [threading.Thread(target=worker, name=name) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert kids["A"] == kids["B"]
    assert [p.name for p in (tmp_path / "keys").glob("*.pem")] == [f"{kids['A']}.pem"]


def test_a_private_key_others_can_read_is_refused(tmp_path: Path) -> None:
    ring = Keyring.load_or_create(tmp_path / "keys")
    pem = tmp_path / "keys" / f"{ring.active_kid}.pem"
    pem.chmod(0o644)
    with pytest.raises(LabelFormatError, match=r"readable by others \(mode 0644\); chmod 600 it"):
        Keyring.load_or_create(tmp_path / "keys")


def test_workers_sharing_a_key_directory_follow_a_rotation_made_by_another(
    tmp_path: Path,
) -> None:
    # two server processes: the operator rotates through one, the other must sign with the
    # new key and publish it, or labels from one fail against the JWKS served by the other
    worker_a = Keyring.load_or_create(tmp_path / "keys")
    worker_b = Keyring.load_or_create(tmp_path / "keys")
    old_kid = worker_a.active_kid
    new_kid = worker_a.rotate()
    assert [k["kid"] for k in worker_b.jwks()["keys"]] == [new_kid, old_kid]
    label_b = worker_b.sign(make_claims())
    assert verify_offline(label_b, worker_a.jwks(), DURING).kid == new_kid
    worker_a.retire(old_kid)
    assert worker_b.kids == (new_kid,)


def test_the_active_key_cannot_be_retired(tmp_path: Path) -> None:
    ring = Keyring.load_or_create(tmp_path / "keys")
    with pytest.raises(LabelFormatError, match="is the active signing key; rotate first"):
        ring.retire(ring.active_kid)


def test_key_directory_naming_a_missing_active_key_is_refused(tmp_path: Path) -> None:
    Keyring.load_or_create(tmp_path / "keys")
    (tmp_path / "keys" / "active").write_text("gone\n")
    with pytest.raises(LabelFormatError, match="names key 'gone', which is not in"):
        Keyring.load_or_create(tmp_path / "keys")


def test_jwks_file_round_trip_and_bad_jwks_files(keyring: Keyring, tmp_path: Path) -> None:
    good = tmp_path / "jwks.json"
    good.write_text(json.dumps(keyring.jwks()))
    assert TrustedKeys.from_jwks(load_jwks(str(good))).kids == (keyring.active_kid,)

    with pytest.raises(LabelFormatError, match="cannot read JWKS"):
        load_jwks(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(LabelFormatError, match="not JSON"):
        load_jwks(str(bad))
    bad.write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}))
    with pytest.raises(LabelFormatError, match="holds no Ed25519 signing key"):
        load_jwks(str(bad))
    private = private_key(keyring).as_dict(private=True)
    bad.write_text(json.dumps({"keys": [private]}))
    with pytest.raises(LabelFormatError, match="is not a public signing key"):
        load_jwks(str(bad))


# --- claims -----------------------------------------------------------------------------------


def test_claims_refuse_a_validity_longer_than_two_years() -> None:
    with pytest.raises(ValidationError, match="more than 2 years after issued_on"):
        make_claims(expires_on=date(2028, 11, 26))
    with pytest.raises(ValidationError, match="is before issued_on"):
        make_claims(expires_on=date(2026, 11, 24))
    assert two_years_after(date(2028, 2, 29)) == date(2030, 2, 28)


def test_claims_refuse_bad_fields() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 4"):
        make_claims(level=5)
    with pytest.raises(ValidationError, match="must not repeat"):
        make_claims(model_numbers=("GW-200", "GW-200"))
    with pytest.raises(ValidationError, match="product_url must be an http"):
        make_claims(product_url="javascript:alert(1)")


def test_claims_built_from_bad_fields_name_the_field_on_one_line() -> None:
    fields = make_claims().model_dump()
    fields["model_numbers"] = [f"M-{n}" for n in range(40)]
    with pytest.raises(LabelFormatError) as caught:
        LabelClaims.build(**fields)
    assert str(caught.value) == (
        "label claims: model_numbers: Tuple should have at most 32 items after validation, not 40"
    )
    assert LabelClaims.build(**make_claims().model_dump()) == make_claims()


def test_claims_payload_round_trip() -> None:
    claims = make_claims(support_period_end=None, vulnerability_contact=None)
    payload = claims.to_payload()
    assert b'"spe"' not in payload and b'"vct"' not in payload
    assert LabelClaims.from_payload(payload) == claims


# --- QR code and artwork ----------------------------------------------------------------------


def test_qr_png_round_trip_reads_back_the_same_text(label: str, tmp_path: Path) -> None:
    path = tmp_path / "qr.png"
    path.write_bytes(qr_png(label))
    assert read_qr_image(path) == label
    # a realistic label: ~760 bytes, QR version 22 (105 modules a side) at error correction M
    assert 600 < len(label.encode()) < 900
    assert qr_version(label) <= MAX_QR_VERSION
    with Image.open(path) as image:  # the version we report is the symbol segno drew
        assert image.width == (17 + 4 * qr_version(label) + 2 * 4) * 4  # + quiet zone, 4 px


def test_qr_svg_is_an_svg(label: str) -> None:
    root = ET.fromstring(qr_svg(label))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_label_too_large_for_a_scannable_qr_is_refused(keyring: Keyring) -> None:
    # format 1 carried every model number: 32 long ones need a QR code past version 25
    models = tuple(f"GW-{n:04d}-LONG-MODEL-NAME" for n in range(32))
    claims = make_claims(format=1, model_numbers=models)
    with pytest.raises(LabelFormatError, match=r"QR text is \d+ bytes and needs QR version \d+; a"):
        qr_text(claims.product_url, keyring.sign(claims))
    with pytest.raises(LabelFormatError, match="needs QR version"):
        sign_to_fit(keyring, claims)
    # even one carried model number does not fit behind names this long
    huge = make_claims(vendor="株" * 200, product="製" * 200, model_numbers=models)
    with pytest.raises(LabelFormatError, match=r"QR text is \d+ bytes"):
        sign_to_fit(keyring, huge)


def test_reading_an_image_without_a_qr_code_says_so(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    with pytest.raises(LabelFormatError, match=r"no readable QR code found in .*blank\.png"):
        read_qr_image(blank)
    not_image = tmp_path / "label.png"
    not_image.write_text("hello")
    with pytest.raises(LabelFormatError, match="is not an image Pillow can read"):
        read_qr_image(not_image)
    with pytest.raises(LabelFormatError, match="cannot read"):
        read_qr_image(tmp_path / "missing.png")


def test_png_artwork_carries_a_qr_that_verifies(keyring: Keyring, label: str) -> None:
    png = label_png(make_claims(), label)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width >= 400
    decoded = read_qr_bytes(png, "artwork")
    assert decoded == label
    assert verify_offline(decoded, keyring.jwks(), DURING).valid


def test_label_photographed_rotated_blurred_and_jpeg_compressed_still_reads(
    keyring: Keyring, label: str
) -> None:
    with Image.open(io.BytesIO(label_png(make_claims(), label))) as artwork:
        photo = artwork.rotate(90, expand=True, fillcolor="white")
        photo = photo.resize((photo.width * 3 // 4, photo.height * 3 // 4))
        photo = photo.filter(ImageFilter.GaussianBlur(0.8))
    buf = io.BytesIO()
    photo.save(buf, format="JPEG", quality=60)
    decoded = read_qr_bytes(buf.getvalue(), "photo")
    assert verify_offline(decoded, keyring.jwks(), DURING).valid


def test_svg_artwork_shows_level_and_number_and_renders_a_readable_qr(
    keyring: Keyring, tmp_path: Path
) -> None:
    claims = make_claims(level=3, registration_no="JC3-2026-000007")
    text = qr_text(claims.product_url, keyring.sign(claims))
    svg = label_svg(claims, text)
    root = ET.fromstring(svg)  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "JC-STAR ★3" in texts and "JC3-2026-000007" in texts
    filled = [p for p in root.iter(f"{ns}polygon") if p.get("fill") != "none"]
    assert len(filled) == 3  # three of four stars filled

    rsvg = require_tool("rsvg-convert")
    source, rendered = tmp_path / "label.svg", tmp_path / "label.png"
    source.write_text(svg, encoding="utf-8")
    subprocess.run([rsvg, "-o", str(rendered), str(source)], check=True, timeout=60)
    assert read_qr_image(rendered) == text


# --- many model numbers (claims format 2) -------------------------------------------------------

MANY = tuple(f"GW-{n:04d}-LONG-MODEL-NAME" for n in range(60))
SHORT = tuple(f"HG-{n:03d}" for n in range(60))


def test_new_claims_carry_a_few_model_numbers_with_the_count_and_digest_of_all() -> None:
    claims = make_claims(model_numbers=MANY)
    assert claims.format == 2
    assert claims.model_numbers == MANY[:MODELS_IN_QR]
    assert claims.covered_count == 60 and not claims.carries_all_models
    assert claims.models_sha256 == models_digest(MANY)
    payload = json.loads(claims.to_payload())
    assert payload["v"] == 2 and payload["mdn"] == 60 and payload["mdl"] == list(MANY[:8])
    assert LabelClaims.from_payload(claims.to_payload()) == claims


def test_model_digest_is_sha256_of_the_sorted_list_as_canonical_json() -> None:
    models = ["HG-100W", "HG-100", "ゲートウェイ-1"]
    canonical = '["HG-100","HG-100W","ゲートウェイ-1"]'.encode()
    assert models_digest(models) == b64(hashlib.sha256(canonical).digest())
    assert models_digest(reversed(models)) == models_digest(models)


def test_long_model_numbers_fit_a_scannable_qr_by_carrying_fewer(keyring: Keyring) -> None:
    claims = make_claims(model_numbers=MANY, product="家庭用エネルギー管理ゲートウェイ 長い製品名")
    signed, jws_text, qr = sign_to_fit(keyring, claims)
    assert qr_version(qr) <= MAX_QR_VERSION
    assert 1 <= len(signed.model_numbers) < MODELS_IN_QR  # eight of these would not fit
    assert signed.model_numbers == MANY[: len(signed.model_numbers)]
    assert signed.covered_count == 60 and signed.models_sha256 == claims.models_sha256
    result = verify_offline(qr, keyring.jwks(), DURING)
    assert result.valid and result.claims == signed
    assert f"covers 60 model numbers, {len(signed.model_numbers)} of them in the QR code" in (
        result.reason
    )
    assert f"the full list is on the product page {URL}" in result.reason
    assert jws_text in qr


def test_registry_model_list_must_hash_to_the_signed_digest(keyring: Keyring) -> None:
    claims = make_claims(model_numbers=SHORT)
    qr = qr_text(claims.product_url, keyring.sign(claims))
    offline = verify_offline(qr, keyring.jwks(), DURING)
    listed = list(reversed(SHORT))  # the order the registry lists them in does not matter
    online = with_registry_models(offline, listed)
    assert online.valid
    assert "the registry's 60 model numbers match the signed list" in online.reason

    swapped = with_registry_models(offline, [*SHORT[:-1], "HG-999"])
    assert not swapped.valid and swapped.code is VerifyCode.MODEL_LIST_MISMATCH
    assert swapped.reason == (
        "label JC1-2026-000123 is genuine but the registry's model list is not the one it "
        "signed: the registry's model list does not hash to the digest the label signed"
    )
    dropped = with_registry_models(offline, list(SHORT[1:]))
    assert not dropped.valid
    assert "the registry lists 59 model numbers; the label signed 60" in dropped.reason
    # a label that already failed stays failed, whatever the registry lists
    expired = verify_offline(qr, keyring.jwks(), EXPIRES + timedelta(days=1))
    assert with_registry_models(expired, listed).code is VerifyCode.EXPIRED


def test_format_1_labels_still_verify_and_their_list_is_compared_whole(keyring: Keyring) -> None:
    claims = make_claims(format=1)
    payload = json.loads(claims.to_payload())
    assert payload["v"] == 1 and "mdn" not in payload and "mdh" not in payload
    qr = qr_text(claims.product_url, keyring.sign(claims))
    offline = verify_offline(qr, keyring.jwks(), DURING)
    assert offline.valid and offline.claims == claims
    assert "covers 3 model numbers: GW-200, GW-200-JP, GW-210" in offline.reason
    assert with_registry_models(offline, ["GW-210", "GW-200", "GW-200-JP"]).valid
    assert not with_registry_models(offline, ["GW-200", "GW-200-JP"]).valid


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"v": 2, "mdn": None}, "format 2 claims need the model count (mdn) and digest (mdh)"),
        ({"v": 1}, "format 1 claims carry no model count or digest"),
        ({"mdn": 3}, "format 2 claims carry at most the first 8 of the model numbers, got 9"),
        ({"mdh": "not-a-digest"}, "String should match pattern"),
    ],
)
def test_signed_claims_with_an_inconsistent_model_list_are_refused(
    keyring: Keyring, changes: dict[str, object], message: str
) -> None:
    payload = json.loads(make_claims(model_numbers=MANY).to_payload())
    payload["mdl"] = list(MANY[:9]) if changes.get("mdn") == 3 else payload["mdl"]
    payload.update({k: v for k, v in changes.items()})
    payload = {k: v for k, v in payload.items() if v is not None}
    token = sign_raw(
        keyring,
        {"alg": "EdDSA", "kid": keyring.active_kid, "typ": "jcstar-label+jws"},
        json.dumps(payload).encode(),
    )
    result = verify_offline(token, keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_CLAIMS
    assert message in result.reason
