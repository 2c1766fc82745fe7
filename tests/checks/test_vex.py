"""Which component a CSAF VEX statement speaks of: a wrong match would hide a vulnerability
behind someone else's "not affected", so anything unreadable matches nothing."""

from __future__ import annotations

from jcstar.checks.vex import Product, names


def test_a_product_matches_its_own_purl_at_its_version() -> None:
    product = Product(product_id="p1", purl="pkg:generic/busybox@1.35.0")
    assert names(product, "pkg:generic/busybox@1.35.0", "", "busybox", "1.35.0")
    assert not names(product, "pkg:generic/busybox@1.36.0", "", "busybox", "1.36.0")


def test_an_unreadable_purl_never_matches_a_component_without_one() -> None:
    product = Product(product_id="p1", purl="not a purl")
    assert not names(product, "", "", "busybox", "1.35.0")
    assert not names(product, "also not a purl", "", "dropbear", "2022.83")
