"""[suppliers]: what every supplier call shares, and one section per supplier ([suppliers.lcsc], ...).

The section names are the supplier catalogue's keys (suppliers/catalogue.py; a test holds the two
together). Each supplier section has the supplier's API base and request rate, then its own keys.
Old spelling: before the per-supplier sections a supplier's key was written flat in [suppliers]
with the supplier's name in front ([suppliers] lcsc_api_url, MAKERMATRIX_EDGE_SUPPLIERS__LCSC_API_URL);
the loader still reads that (loader.py, `_new_spelling`).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from makermatrix_edge.settings.base import Section, doc


class SupplierSection(Section):
    """What the registry needs of every supplier's section; each supplier's own class documents it."""

    api_url: str = ""
    requests_per_minute: float = 60.0

    def origins(self) -> list[str]:
        """Every URL this section configures (keys ending in _url): the outbound rules trust their origins."""
        return [getattr(self, name) for name in self.__struct_fields__ if name.endswith("_url")]


class LcscSettings(SupplierSection):
    api_url: Annotated[str, doc("EasyEDA component API that answers LCSC numbers (Cnnnn); no credentials.")] = (
        "https://easyeda.com"
    )
    requests_per_minute: Annotated[float, doc("Most requests per minute sent to LCSC/EasyEDA.", gt=0)] = 20.0
    api_version: Annotated[str, doc("The `version` query parameter the EasyEDA component API expects.")] = "6.4.19.5"
    web_url: Annotated[str, doc("LCSC web shop whose product pages (JSON-LD) are the fallback.")] = (
        "https://www.lcsc.com"
    )


class DigiKeySettings(SupplierSection):
    api_url: Annotated[str, doc("DigiKey API base (OAuth2 token and Product Information v4).")] = (
        "https://api.digikey.com"
    )
    requests_per_minute: Annotated[float, doc("Most requests per minute sent to DigiKey.", gt=0)] = 60.0
    client_id: Annotated[str, doc("DigiKey app client id; an admin may also set it on the phone page.")] = ""
    client_secret: Annotated[
        str, doc("DigiKey app client secret; an admin may also set it on the phone page (secret)")
    ] = ""


class MouserSettings(SupplierSection):
    api_url: Annotated[str, doc("Mouser Search API base.")] = "https://api.mouser.com"
    requests_per_minute: Annotated[
        float, doc("Most requests per minute sent to Mouser (its limit is 30/min, 1000/day).", gt=0)
    ] = 30.0
    api_key: Annotated[str, doc("Mouser Search API key; an admin may also set it on the phone page (secret)")] = ""


class SuppliersSettings(Section):
    timeout_seconds: Annotated[
        float, doc("Deadline of one supplier request, connect to last byte, redirects included.", gt=0, le=120)
    ] = 15.0
    max_retries: Annotated[int, doc("Retries of a request answered 429 or 5xx (with backoff).", ge=0, le=10)] = 3
    retry_backoff_seconds: Annotated[
        float, doc("First wait before a retry; it doubles each time, and a longer Retry-After wins.", ge=0)
    ] = 2.0
    max_retry_after_seconds: Annotated[
        float, doc("A Retry-After longer than this fails the request instead of waiting.", ge=0)
    ] = 60.0
    offline_seconds: Annotated[
        float, doc("After a supplier cannot be reached, further calls fail as offline at once for this long.", ge=0)
    ] = 60.0
    datasheet_max_bytes: Annotated[int, doc("Largest datasheet PDF downloaded, in bytes.", ge=65_536)] = 20_971_520
    lcsc: LcscSettings = msgspec.field(default_factory=LcscSettings)
    digikey: DigiKeySettings = msgspec.field(default_factory=DigiKeySettings)
    mouser: MouserSettings = msgspec.field(default_factory=MouserSettings)

    def section(self, key: str) -> SupplierSection:
        """The section of the supplier with this catalogue key ([suppliers.<key>])."""
        found = getattr(self, key, None) if key in self.__struct_fields__ else None
        if not isinstance(found, SupplierSection):
            raise KeyError(key)
        return found
