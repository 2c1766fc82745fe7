"""Synthetic registry contents for bench_registry.py: vendors, products and model numbers in
Japanese and English, deterministic for a given seed so two runs load the same rows.

Names are invented; they only need the shape of real entries (Japanese company names with
株式会社, katakana product words, English names, alphanumeric model numbers) so that search
works on realistic text.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

JA_VENDOR_STEMS = (
    "日本", "東京", "大阪", "名古屋", "さくら", "富士", "みらい", "あおば", "ひかり", "北斗",
    "瑞穂", "若葉", "青空", "光陽", "東邦", "中央", "関西", "九州", "北海", "湘南",
)  # fmt: skip
JA_VENDOR_KINDS = (
    "電機", "通信", "システムズ", "テクノロジー", "ネットワークス", "電子", "情報機器", "ホームズ",
)  # fmt: skip
EN_VENDOR_STEMS = (
    "Example", "Acme", "Pacific", "Nova", "Kite", "Harbor", "Summit", "Cedar", "Orbit", "Lumen",
    "Vector", "Aster", "Beacon", "Delta", "Falcon", "Granite", "Horizon", "Ion", "Juniper",
)  # fmt: skip
EN_VENDOR_KINDS = ("Networks", "Devices", "Systems", "Electronics", "Labs", "Technologies")
EN_VENDOR_FORMS = ("Inc.", "Ltd.", "K.K.", "Co., Ltd.")

JA_PRODUCT_ADJ = (
    "スマート",
    "ネットワーク",
    "ホーム",
    "産業用",
    "屋外",
    "無線",
    "業務用",
    "家庭用",
)
JA_PRODUCT_NOUN = (
    "カメラ", "ルーター", "ゲートウェイ", "照明", "ドアロック", "エアコン", "給湯器",
    "見守りセンサー", "スピーカー", "テレビ", "プラグ", "蓄電池", "太陽光発電モニター",
    "インターホン", "複合機", "体重計", "冷蔵庫", "掃除ロボット",
)  # fmt: skip
EN_PRODUCT_ADJ = ("Smart", "Connected", "Home", "Industrial", "Outdoor", "Wireless", "Compact")
EN_PRODUCT_NOUN = (
    "Camera", "Router", "Gateway", "Light", "Door Lock", "Air Conditioner", "Water Heater",
    "Monitor", "Speaker", "TV", "Plug", "Battery", "Solar Monitor", "Intercom", "Printer",
    "Thermostat", "Hub", "Sensor",
)  # fmt: skip

# registration numbers spread over levels the way a ★1-heavy scheme would (our guess)
LEVEL_MIX = (1, 1, 1, 1, 1, 1, 2, 2, 3, 4)
YEARS = (2025, 2026)
VENDORS = 2000


@dataclass(frozen=True)
class SyntheticLabel:
    registration_no: str
    level: int
    year: int
    vendor_index: int
    product: str
    model_numbers: tuple[str, ...]


def vendor_names(rng: random.Random, count: int = VENDORS) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        if rng.random() < 0.6:
            name = f"株式会社{rng.choice(JA_VENDOR_STEMS)}{rng.choice(JA_VENDOR_KINDS)}"
            name += rng.choice(("", "", f"{rng.randint(1, 99)}"))
        else:
            stem, kind = rng.choice(EN_VENDOR_STEMS), rng.choice(EN_VENDOR_KINDS)
            name = f"{stem} {kind} {rng.choice(EN_VENDOR_FORMS)}"
            name = name if rng.random() < 0.5 else f"{stem}{rng.randint(1, 99)} {kind}"
        names.add(name)
    return sorted(names)


def _product(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    series = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    base = f"{series}-{rng.randint(10, 9999)}"
    models = [base] + [f"{base}{suffix}" for suffix in rng.sample(("W", "B", "S", "P", "X"), 2)]
    models = models[: rng.randint(1, 3)]
    if rng.random() < 0.55:
        name = f"{rng.choice(JA_PRODUCT_ADJ)}{rng.choice(JA_PRODUCT_NOUN)} {base}"
    else:
        name = f"{rng.choice(EN_PRODUCT_ADJ)} {rng.choice(EN_PRODUCT_NOUN)} {base}"
    return name, tuple(models)


def labels(count: int, seed: int = 5) -> Iterator[SyntheticLabel]:
    """``count`` labels with unique registration numbers ``JC<level>-<year>-<6 digits>``."""
    rng = random.Random(seed)
    next_seq: dict[tuple[int, int], int] = {}
    for i in range(count):
        level = LEVEL_MIX[i % len(LEVEL_MIX)]
        year = YEARS[(i // len(LEVEL_MIX)) % len(YEARS)]
        seq = next_seq.get((level, year), 0) + 1
        next_seq[(level, year)] = seq
        product, models = _product(rng)
        yield SyntheticLabel(
            registration_no=f"JC{level}-{year}-{seq:06d}",
            level=level,
            year=year,
            vendor_index=rng.randrange(VENDORS),
            product=product,
            model_numbers=models,
        )


#: what finds few labels or none, typed as people type: short and long words no label holds,
#: half- and full-width forms, two words that never meet in one label, a model number
RARE_OR_ABSENT = ["Qx", "zq", "鰻", "鰻丼", "Zeppelin", "ｶﾒﾗ", "ＧＰ－４５８９", "hems カメラ"]


def search_words(rng: random.Random) -> list[str]:
    """What people type into the search box: product words in both languages, vendor stems,
    and a few that find little or nothing (the searches that cannot stop early)."""
    words = [*JA_PRODUCT_NOUN, *JA_VENDOR_STEMS, *EN_PRODUCT_NOUN, *EN_VENDOR_STEMS]
    words += [f"{rng.choice(JA_PRODUCT_ADJ)}{rng.choice(JA_PRODUCT_NOUN)}" for _ in range(20)]
    return words + RARE_OR_ABSENT
