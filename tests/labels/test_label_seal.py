"""The compact seal: a label in a QR code small enough for a sticker, verified offline with the
same keys and the same refusal codes as a JWS label.

Each refusal test asserts the code and the reason a user reads: that line is what tells them
whether the seal in their hand is forged, altered, expired or behind someone else's link.
"""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.labels import cbor, seal
from jcstar.labels.claims import LabelClaims, models_digest
from jcstar.labels.digits import from_digits, to_digits
from jcstar.labels.fit import seal_to_fit, sign_to_fit
from jcstar.labels.keyring import Keyring
from jcstar.labels.qr import qr_png, qr_version, read_qr_bytes
from jcstar.labels.verify import VerifyCode, verify_offline, with_registry_models

ISSUED = date(2026, 11, 25)
EXPIRES = date(2028, 11, 24)
DURING = date(2027, 6, 1)
ISSUER = "https://registry.jc-star.example.jp"
REG = "JC1-2026-000123"
TYPICAL = ("Example Networks K.K.", "ExampleGateway Home Router")
JAPANESE = (
    "株式会社エグザンプル・ネットワークス・ジャパン",
    "家庭用無線LANルーター エグザンプルゲートウェイ プロ 二〇二六年モデル",
)


def make_claims(
    models: int = 1, names: tuple[str, str] = TYPICAL, **changes: object
) -> LabelClaims:
    fields: dict[str, object] = {
        "registration_no": REG,
        "level": 1,
        "vendor": names[0],
        "product": names[1],
        "model_numbers": tuple(f"GW-{i:03d}-JPX" for i in range(models)),
        "issued_on": ISSUED,
        "expires_on": EXPIRES,
        "support_period_end": date(2031, 3, 31),
        "vulnerability_contact": "https://example.co.jp/security",
        "product_url": f"{ISSUER}/p/{REG}",
        "issuer": ISSUER,
    }
    fields.update(changes)
    return LabelClaims.model_validate(fields)


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> Keyring:
    return Keyring.load_or_create(tmp_path_factory.mktemp("keys") / "registry-keys")


@pytest.fixture(scope="module")
def sealed(keyring: Keyring) -> str:
    """The QR text of a genuine seal."""
    text = seal_to_fit(keyring, make_claims())
    assert text is not None
    return text


def resealed(text: str, change: object) -> str:
    """``text`` with its COSE structure changed by ``change(parts)`` and written back (the
    signature left as it was)."""
    issuer, raw = seal.split_seal_qr(text)
    outer = cbor.decode(raw)
    assert isinstance(outer, cbor.Tag) and isinstance(outer.value, list)
    parts = list(outer.value)
    change(parts)  # type: ignore[operator]
    return seal.seal_qr_text(issuer, cbor.encode(cbor.Tag(outer.number, parts)))


def signed_by(keyring: Keyring, sealed_map: dict[int, cbor.Value], **header: cbor.Value) -> str:
    """A seal the keyring really signed, over any claim map and protected header."""
    payload = cbor.encode(sealed_map)
    protected_map: dict[int, cbor.Value] = {1: -8, 4: seal.kid_bytes(keyring.active_kid)}
    protected_map.update({int(k[1:]): v for k, v in header.items()})
    protected = cbor.encode(protected_map)
    _, signature = keyring.sign_bytes(lambda _kid: seal.to_be_signed(protected, payload))
    cose = cbor.encode(cbor.Tag(18, [protected, {}, payload, signature]))
    return seal.seal_qr_text(ISSUER, cose)


# --- the codecs ---------------------------------------------------------------------------


def test_digits_round_trip_every_length_and_byte_value() -> None:
    rng = random.Random(7)
    for length in range(0, 40):
        data = bytes(rng.randrange(256) for _ in range(length))
        digits = to_digits(data)
        assert digits.isdigit() or not digits
        assert from_digits(digits) == data
    assert from_digits(to_digits(b"\xff" * 7)) == b"\xff" * 7
    assert from_digits(to_digits(b"\x00" * 6)) == b"\x00" * 6


@pytest.mark.parametrize(
    ("digits", "problem"),
    [
        ("12a", "other than 0-9"),
        ("1234", "whole number of bytes"),  # 4 digits: no byte count takes 4
        ("256", "larger than 1 bytes"),  # one byte is at most 255
        ("99999999999999999", "larger than 7 bytes"),
    ],
)
def test_digits_that_no_bytes_made_are_refused(digits: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        from_digits(digits)


# RFC 8949 Appendix A, the part of CBOR a seal uses
RFC8949_VECTORS: list[tuple[cbor.Value, str]] = [
    (0, "00"),
    (23, "17"),
    (24, "1818"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (-1, "20"),
    (-1000, "3903e7"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("IETF", "6449455446"),
    ("\u00fc", "62c3bc"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    ({1: 2, 3: 4}, "a201020304"),
    (cbor.Tag(1, 1363896240), "c11a514b67b0"),
]


@pytest.mark.parametrize(("value", "hexed"), RFC8949_VECTORS)
def test_cbor_matches_rfc8949_examples_both_ways(value: cbor.Value, hexed: str) -> None:
    assert cbor.encode(value).hex() == hexed
    assert cbor.decode(bytes.fromhex(hexed)) == value


@pytest.mark.parametrize(
    ("hexed", "problem"),
    [
        ("9bffffffffffffffff", "more items than bytes"),  # 2^64-1 items declared, none there
        ("bb0000000100000000", "more items than bytes"),  # a map of 2^32 pairs
        ("5bffffffffffffffff", "runs past the end"),  # a byte string 2^64-1 long
        ("9f01ff", "indefinite"),
        ("f93c00", "floats"),
        ("1817", "shortest form"),
        ("0000", "after the CBOR value"),
        ("818181818181818101", "nested deeper"),
        ("a201020103", "distinct integers"),
        ("62c328", "UTF-8"),
    ],
)
def test_cbor_refuses_what_a_seal_never_holds_without_allocating_it(
    hexed: str, problem: str
) -> None:
    with pytest.raises(cbor.CBORError, match=problem):
        cbor.decode(bytes.fromhex(hexed))


# --- a genuine seal -----------------------------------------------------------------------


def test_genuine_seal_verifies_offline_with_the_registry_jwks(
    keyring: Keyring, sealed: str
) -> None:
    assert sealed.startswith(f"{ISSUER}/L/")
    result = verify_offline(sealed, keyring.jwks(), DURING)
    assert result.valid, result.reason
    assert result.code is VerifyCode.VALID
    assert result.kid == keyring.active_kid
    assert result.claims is not None
    assert (result.claims.registration_no, result.claims.level) == (REG, 1)
    assert result.claims.product_url == f"{ISSUER}/p/{REG}"
    assert result.claims.expires_on == EXPIRES
    assert result.claims.support_period_end == date(2031, 3, 31)
    assert result.claims.vendor == TYPICAL[0]
    assert result.claims.model_numbers == ("GW-000-JPX",)
    assert f"label {REG} (★1) signed by key {keyring.active_kid}" in result.reason


def test_seal_is_a_cose_sign1_with_eddsa_and_the_jwks_kid(keyring: Keyring, sealed: str) -> None:
    outer = cbor.decode(seal.split_seal_qr(sealed)[1])
    assert isinstance(outer, cbor.Tag) and outer.number == 18  # COSE_Sign1
    protected, unprotected, payload, signature = outer.value  # type: ignore[misc]
    assert cbor.decode(protected) == {1: -8, 4: seal.kid_bytes(keyring.active_kid)}
    assert unprotected == {}
    assert isinstance(signature, bytes) and len(signature) == 64
    claims = cbor.decode(payload)
    assert isinstance(claims, dict)
    assert claims[seal.K_REG] == REG and claims[seal.K_ISSUER] == ISSUER
    assert claims[seal.K_EXPIRES] == (EXPIRES - date(1970, 1, 1)).days
    assert seal.K_COUNT not in claims  # one model number, carried: no count or digest


def test_last_day_of_validity_is_valid_and_the_next_is_expired(
    keyring: Keyring, sealed: str
) -> None:
    assert verify_offline(sealed, keyring.jwks(), EXPIRES).valid
    after = verify_offline(sealed, keyring.jwks(), date(2028, 11, 25))
    assert after.code is VerifyCode.EXPIRED
    assert after.reason == f"label {REG} expired on 2028-11-24"


def test_seal_dated_in_the_future_is_refused(keyring: Keyring, sealed: str) -> None:
    result = verify_offline(sealed, keyring.jwks(), date(2026, 11, 24))
    assert result.code is VerifyCode.NOT_YET_VALID
    assert "is dated 2026-11-25, after today (2026-11-24)" in result.reason


def test_seal_and_jws_of_one_label_verify_to_the_same_facts(keyring: Keyring) -> None:
    claims = make_claims(models=2)
    jws_text = sign_to_fit(keyring, claims)[2]
    seal_text = seal_to_fit(keyring, claims)
    assert seal_text is not None
    from_jws = verify_offline(jws_text, keyring.jwks(), DURING).claims
    from_seal = verify_offline(seal_text, keyring.jwks(), DURING).claims
    assert from_jws is not None and from_seal is not None
    same = ("registration_no", "level", "issued_on", "expires_on", "product_url", "issuer")
    assert all(getattr(from_jws, f) == getattr(from_seal, f) for f in same)
    assert from_seal.models_sha256 == from_jws.models_sha256 == models_digest(claims.model_numbers)
    # the seal leaves the vulnerability contact to the product page
    assert from_jws.vulnerability_contact and from_seal.vulnerability_contact is None


# --- refusals -----------------------------------------------------------------------------


def test_seal_from_a_key_not_in_the_trusted_jwks_is_refused_as_forged(
    keyring: Keyring, tmp_path: Path
) -> None:
    forger = Keyring.load_or_create(tmp_path / "forger")
    forged = seal_to_fit(forger, make_claims())
    assert forged is not None
    result = verify_offline(forged, keyring.jwks(), DURING)
    assert result.code is VerifyCode.UNKNOWN_KEY
    assert result.reason.startswith(f"label was signed with key {forger.active_kid}, which is not")


def test_forgery_naming_the_registry_kid_fails_the_signature(
    keyring: Keyring, tmp_path: Path
) -> None:
    forger = Keyring.load_or_create(tmp_path / "forger")
    payload = cbor.encode(seal.seal_claims(make_claims(level=4)))
    protected = seal.protected_header(keyring.active_kid)  # claims the registry's key
    _, signature = forger.sign_bytes(lambda _kid: seal.to_be_signed(protected, payload))
    forged = seal.seal_qr_text(
        ISSUER, cbor.encode(cbor.Tag(18, [protected, {}, payload, signature]))
    )
    result = verify_offline(forged, keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_SIGNATURE
    assert result.reason == (
        f"signature does not match key {keyring.active_kid}: the label was altered or forged"
    )


def test_seal_with_a_raised_level_is_refused(keyring: Keyring, sealed: str) -> None:
    def raise_level(parts: list[cbor.Value]) -> None:
        claims = cbor.decode(parts[2])  # type: ignore[arg-type]
        assert isinstance(claims, dict)
        parts[2] = cbor.encode({**claims, seal.K_LEVEL: 4})

    result = verify_offline(resealed(sealed, raise_level), keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_SIGNATURE
    assert "altered or forged" in result.reason


def test_seal_behind_another_sites_link_is_refused(keyring: Keyring, sealed: str) -> None:
    moved = sealed.replace(ISSUER, "https://jc-star-check.example.com")
    result = verify_offline(moved, keyring.jwks(), DURING)
    assert result.code is VerifyCode.URL_MISMATCH
    assert result.reason == (
        f"QR link https://jc-star-check.example.com/L/… is not the signing registry {ISSUER}"
    )


def test_seal_with_another_algorithm_is_refused(keyring: Keyring) -> None:
    text = signed_by(keyring, seal.seal_claims(make_claims()), k1=-7)  # ES256
    result = verify_offline(text, keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_ALGORITHM
    assert result.reason == "seal uses COSE algorithm -7; only EdDSA (-8) is accepted"


def test_seal_with_extra_header_fields_is_refused(keyring: Keyring, sealed: str) -> None:
    extra = signed_by(keyring, seal.seal_claims(make_claims()), k3="application/json")
    result = verify_offline(extra, keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_HEADER
    assert result.reason == "seal protected header has unexpected fields [3]"

    def unprotected(parts: list[cbor.Value]) -> None:
        parts[1] = {4: b"other"}

    moved_kid = verify_offline(resealed(sealed, unprotected), keyring.jwks(), DURING)
    assert moved_kid.code is VerifyCode.BAD_HEADER
    assert "unprotected header" in moved_kid.reason


def test_signed_map_that_is_not_a_label_is_refused(keyring: Keyring) -> None:
    claims = seal.seal_claims(make_claims())
    missing = {k: v for k, v in claims.items() if k != seal.K_EXPIRES}
    result = verify_offline(signed_by(keyring, missing), keyring.jwks(), DURING)
    assert result.code is VerifyCode.BAD_CLAIMS
    assert (
        result.reason
        == "signed claims are not a JC-STAR label: seal expiry date is not a day count"
    )

    unknown = verify_offline(signed_by(keyring, {**claims, 99: 1}), keyring.jwks(), DURING)
    assert unknown.code is VerifyCode.BAD_CLAIMS
    assert "unknown claims [99]" in unknown.reason

    too_long = {**claims, seal.K_EXPIRES: claims[seal.K_ISSUED] + 800}  # type: ignore[operator]
    over = verify_offline(signed_by(keyring, too_long), keyring.jwks(), DURING)
    assert over.code is VerifyCode.BAD_CLAIMS
    assert "more than 2 years" in over.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"{ISSUER}/L/1234", "seal digits are damaged: 4 digits cannot be a whole number of bytes"),
        (f"{ISSUER}/L/00000000000000000", "seal is not CBOR: 6 bytes after the CBOR value"),
        (f"{ISSUER}/L/" + to_digits(cbor.encode([1, 2])), "seal is not a tagged COSE_Sign1"),
        (
            f"{ISSUER}/L/" + to_digits(bytes.fromhex("d29bffffffffffffffff")),
            "seal is not CBOR: CBOR container at byte 10 declares more items than bytes",
        ),
    ],
)
def test_damaged_seal_gets_a_one_line_reason(keyring: Keyring, text: str, reason: str) -> None:
    result = verify_offline(text, keyring.jwks(), DURING)
    assert result.code is VerifyCode.MALFORMED
    assert result.reason == reason


def test_random_corruptions_of_a_seal_are_refused_never_raised_or_accepted(
    keyring: Keyring, sealed: str
) -> None:
    rng = random.Random(11)
    head, digits = sealed.rsplit("/", 1)
    jwks = keyring.jwks()
    for _ in range(300):
        chars = list(digits)
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars))] = rng.choice("0123456789")
        if rng.random() < 0.2:
            del chars[rng.randrange(len(chars))]
        text = f"{head}/{''.join(chars)}"
        if text == sealed:
            continue
        result = verify_offline(text, jwks, DURING)
        assert not result.valid, text
        assert "\n" not in result.reason


# --- size, fit and what the seal carries --------------------------------------------------


def _measured() -> dict[tuple[str, int], tuple[int, int]]:
    keys = Keyring.load_or_create(Path(__import__("tempfile").mkdtemp()) / "k")
    found = {}
    for names_kind, names in (("typical", TYPICAL), ("Japanese", JAPANESE)):
        for models in (1, 8):
            claims = make_claims(models=models, names=names)
            seal_text = seal_to_fit(keys, claims)
            assert seal_text is not None
            found[(names_kind, models)] = (
                qr_version(sign_to_fit(keys, claims)[2]),
                qr_version(seal_text),
            )
    return found


def test_seal_qr_is_far_smaller_than_the_jws_qr_as_the_docstring_says() -> None:
    table = re.findall(
        r"^\s+(typical|long Japanese) names, (\d) model numbers?"
        r"\s+v(\d+) \((\d+)\)\s+v(\d+) \((\d+)\)",
        seal.__doc__ or "",
        re.MULTILINE,
    )
    assert len(table) == 4
    measured = _measured()
    for kind, models, jws_v, jws_m, seal_v, seal_m in table:
        key = ("typical" if kind == "typical" else "Japanese", int(models))
        assert measured[key] == (int(jws_v), int(seal_v)), (key, measured[key])
        assert int(jws_m) == 17 + 4 * int(jws_v) and int(seal_m) == 17 + 4 * int(seal_v)
        assert int(seal_v) <= seal.MAX_SEAL_QR_VERSION < int(jws_v)


def test_long_names_are_cut_at_a_character_with_an_ellipsis(keyring: Keyring) -> None:
    text = seal_to_fit(keyring, make_claims(names=JAPANESE))
    assert text is not None
    claims = verify_offline(text, keyring.jwks(), DURING).claims
    assert claims is not None
    assert claims.vendor.endswith("…") and JAPANESE[0].startswith(claims.vendor[:-1])
    assert len(claims.vendor.encode()) <= seal.NAME_BYTES
    assert claims.product.endswith("…") and JAPANESE[1].startswith(claims.product[:-1])
    assert seal.cut("Short name") == "Short name"


def test_many_models_seal_the_first_few_with_count_and_digest_of_all(keyring: Keyring) -> None:
    every = [f"GW-{i:03d}-JPX" for i in range(30)]
    claims = make_claims(model_numbers=tuple(every))
    text = seal_to_fit(keyring, claims)
    assert text is not None
    result = verify_offline(text, keyring.jwks(), DURING)
    assert result.valid and result.claims is not None
    assert result.claims.model_numbers == claims.model_numbers[: seal.SEAL_MODELS]
    assert result.claims.model_count == 30
    assert "covers 30 model numbers, 3 of them in the QR code" in result.reason
    assert with_registry_models(result, every).valid
    swapped = with_registry_models(result, [*every[:-1], "GW-999-JPX"])
    assert swapped.code is VerifyCode.MODEL_LIST_MISMATCH


def test_long_names_and_long_model_numbers_carry_fewer_to_stay_scannable(
    keyring: Keyring,
) -> None:
    claims = make_claims(names=JAPANESE, model_numbers=tuple(f"{'X' * 30}-{i}" for i in range(8)))
    text = seal_to_fit(keyring, claims)
    assert text is not None
    assert qr_version(text) <= seal.MAX_SEAL_QR_VERSION
    result = verify_offline(text, keyring.jwks(), DURING)
    assert result.valid and result.claims is not None
    assert 1 <= len(result.claims.model_numbers) < seal.SEAL_MODELS
    assert result.claims.model_count == 8
    assert len(result.claims.vendor.encode()) <= seal.SHORT_NAME_BYTES


def test_criteria_version_is_sealed_when_the_label_has_one(keyring: Keyring) -> None:
    claims = make_claims(criteria_version="JST-CR-01-01-2024R1")
    text = seal_to_fit(keyring, claims)
    assert text is not None
    result = verify_offline(text, keyring.jwks(), DURING)
    assert result.valid and result.claims is not None
    assert result.claims.criteria_version == "JST-CR-01-01-2024R1"


def test_claims_whose_page_is_not_under_the_issuer_are_not_sealed(keyring: Keyring) -> None:
    elsewhere = make_claims(product_url="https://vendor.example.com/jcstar")
    assert seal_to_fit(keyring, elsewhere) is None  # the label keeps its JWS QR code


def test_seal_qr_uses_numeric_mode_and_reads_back_from_an_image(sealed: str) -> None:
    # the same text in byte mode alone would need a far larger symbol
    import segno

    byte_only = segno.make_qr(sealed, error="m", boost_error=False, mode="byte")
    assert qr_version(sealed) + 5 <= byte_only.version
    assert read_qr_bytes(qr_png(sealed), "seal.png") == sealed


def test_rotation_keeps_sealed_labels_valid_until_the_key_is_retired(tmp_path: Path) -> None:
    keys = Keyring.load_or_create(tmp_path / "keys")
    old_kid = keys.active_kid
    text = seal_to_fit(keys, make_claims())
    assert text is not None
    keys.rotate()
    assert verify_offline(text, keys.jwks(), DURING).valid
    keys.retire(old_kid)
    assert verify_offline(text, keys.jwks(), DURING).code is VerifyCode.UNKNOWN_KEY


def test_seal_link_names_its_registration_number(sealed: str) -> None:
    digits = sealed.rsplit("/", 1)[1]
    assert seal.registration_no_in(digits) == REG
    assert seal.registration_no_in("1234") is None
    assert seal.registration_no_in("9" * (seal.MAX_SEAL_DIGITS + 1)) is None


# --- jcstar label verify ------------------------------------------------------------------


@pytest.fixture
def jwks_file(keyring: Keyring, tmp_path: Path) -> Path:
    import json

    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keyring.jwks()), encoding="utf-8")
    return path


def test_cli_verifies_a_seal_from_text_and_from_an_image(
    sealed: str, jwks_file: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    by_text = runner.invoke(
        cli_app, ["label", "verify", sealed, "--jwks", str(jwks_file), "--format", "json"]
    )
    assert by_text.exit_code == 0, by_text.output
    assert '"code": "valid"' in by_text.output and REG in by_text.output
    image = tmp_path / "sticker.png"
    image.write_bytes(qr_png(sealed))
    by_image = runner.invoke(
        cli_app, ["label", "verify", str(image), "--jwks", str(jwks_file), "--format", "json"]
    )
    assert by_image.exit_code == 0, by_image.output


def test_cli_refuses_a_damaged_seal_as_bad_input(jwks_file: Path) -> None:
    result = CliRunner().invoke(
        cli_app, ["label", "verify", f"{ISSUER}/L/1234", "--jwks", str(jwks_file)]
    )
    assert result.exit_code == 2
    assert "not a label: seal digits are damaged" in result.output
