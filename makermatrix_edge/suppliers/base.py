"""The one interface every supplier client implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from urllib.parse import urljoin

from makermatrix_edge.suppliers.http import Sleep, SupplierHttp
from makermatrix_edge.suppliers.models import PartDetails, SupplierNotConfigured

Credentials = Callable[[], dict[str, str]]


class SupplierClient(ABC):
    """A supplier API. Blocking: called from worker threads only."""

    name: str
    display_name: str
    capabilities: tuple[str, ...]
    credential_keys: tuple[str, ...] = ()
    secret_keys: tuple[str, ...] = ()  # kept in the secrets file, never in the database
    number_hint: str  # what this supplier's own numbers look like, in words

    def __init__(self, http: SupplierHttp, credentials: Credentials, base_url: str) -> None:
        self.http = http
        self._credentials = credentials
        self.base_url = base_url.rstrip("/")

    def credentials(self) -> dict[str, str]:
        return self._credentials()

    def missing(self) -> list[str]:
        """Credential keys that have no value."""
        have = self._credentials()
        return [k for k in self.credential_keys if not have.get(k, "").strip()]

    def require_credentials(self) -> dict[str, str]:
        missing = self.missing()
        if missing:
            raise SupplierNotConfigured(
                f"{self.display_name} needs {' and '.join(missing)}: set them in [suppliers] of the config "
                "or as an admin on the Suppliers page"
            )
        return self._credentials()

    def absolute(self, url: str | None) -> str | None:
        """A supplier's link made absolute: "//host/x.png" takes the API's scheme, "/x" its host."""
        if not url:
            return None
        return urljoin(self.base_url + "/", url.strip())

    @abstractmethod
    def details(self, number: str, *, sleep: Sleep, pricing: bool = True) -> PartDetails | None:
        """The product for this number (the supplier's own or a manufacturer's), None if it knows none."""
