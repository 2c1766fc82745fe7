"""What a consumer reads about a product on its label page: its names in Japanese and English,
its category, how its software updates arrive and how to change its default password.

The vendor states these in the profile (``consumer:``); the report carries them, and the
registry publishes them with the label. None of them decides a verdict.

Categories are a closed list rather than free text: a consumer filters and searches by them,
and the page shows each in Japanese and English, which free text ("IP camera", "web cam",
"ネットワークカメラ") would not give. The ★2+ categories are the ones the catalog names
(``catalog/data/levels.yaml``: network cameras, communication equipment); IPA publishes no
category list for ★1, so the rest of the list is our own judgement (``basis``), drawn from
the product kinds the facts notes name (smart home appliances, energy-management gateways and
power conditioners, routers, cameras) plus common consumer IoT kinds, and ``other``.

Update modes follow the US Cyber Trust Mark registry's question (are software updates
automatic or manual?, FCC 24-26); ``automatic_with_consent`` (the device fetches updates
itself and installs them once the user agrees) is our own addition, because JC-STAR
S1.1-07 leaves automatic or manual updates to the vendor and many devices do neither purely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ProductCategory = Literal[
    "network_camera",
    "communication_equipment",
    "smart_home_appliance",
    "smart_home_hub",
    "energy_management",
    "network_storage",
    "printer",
    "wearable",
    "toy",
    "industrial_control",
    "other",
]
UpdateMode = Literal["automatic", "automatic_with_consent", "manual"]


@dataclass(frozen=True)
class Named:
    """A value's names on the page; ``basis`` says where the value comes from: the catalog
    (``levels.yaml``) or our own judgement."""

    ja: str
    en: str
    basis: Literal["catalog", "judgement"] = "judgement"


#: every category with its names (keys exactly ``ProductCategory``; a test checks it)
CATEGORIES: dict[str, Named] = {
    # levels.yaml: "network cameras" (★3, from secondary sources)
    "network_camera": Named("ネットワークカメラ", "Network camera", "catalog"),
    # levels.yaml: "communication equipment" (★3, from secondary sources)
    "communication_equipment": Named(
        "通信機器（ルーター等）", "Communication equipment (routers etc.)", "catalog"
    ),
    "smart_home_appliance": Named("スマート家電", "Smart home appliance"),
    "smart_home_hub": Named(
        "スマートホームハブ・スマートスピーカー", "Smart home hub or smart speaker"
    ),
    "energy_management": Named(
        "エネルギー管理機器（HEMS・EMS・パワコン等）",
        "Energy management equipment (HEMS, EMS, power conditioners)",
    ),
    "network_storage": Named("ネットワークストレージ（NAS）", "Network storage (NAS)"),
    "printer": Named("プリンター・複合機", "Printer or multifunction device"),
    "wearable": Named("ウェアラブル機器", "Wearable device"),
    "toy": Named("コネクテッド玩具", "Connected toy"),
    "industrial_control": Named("産業用制御機器", "Industrial control equipment"),
    "other": Named("その他", "Other"),
}

#: what a consumer does about updates, in both languages
UPDATE_MODES: dict[str, Named] = {
    "automatic": Named("自動で更新されます", "Updates install automatically"),
    "automatic_with_consent": Named(
        "自動で取得し、利用者の同意後に適用されます",
        "Updates download automatically and install once you agree",
    ),
    "manual": Named("利用者が手動で更新します", "You install updates yourself"),
}

#: the longest name the registry stores (``labels.product``: 200 characters)
NAME_MAX = 200


class DefaultPassword(BaseModel):
    """How a user changes the default password: a short instruction, a page, or both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    how_to_change: str | None = Field(default=None, min_length=1, max_length=500)
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")

    @model_validator(mode="after")
    def _says_something(self) -> DefaultPassword:
        if self.how_to_change is None and self.url is None:
            raise ValueError("default_password gives how_to_change, url or both")
        return self


class ConsumerInfo(BaseModel):
    """What the label page tells a consumer (every field optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    product_name_ja: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    product_name_en: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    category: ProductCategory | None = None
    update_mode: UpdateMode | None = None
    default_password: DefaultPassword | None = None

    def names(self) -> tuple[str, ...]:
        """The product's names and its category's names, for search ("other" names no kind
        of product: a search for "other" should not find every such label)."""
        found = [self.product_name_ja, self.product_name_en]
        if self.category is not None and self.category != "other":
            found += [CATEGORIES[self.category].ja, CATEGORIES[self.category].en]
        return tuple(name for name in found if name)
