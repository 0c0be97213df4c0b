"""The one interface every supplier client implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from urllib.parse import urljoin

from makermatrix_edge.settings import SupplierSection
from makermatrix_edge.suppliers.catalogue import Supplier
from makermatrix_edge.suppliers.http import Sleep, SupplierHttp
from makermatrix_edge.suppliers.models import ALL_CAPABILITIES, PartDetails, SupplierNotConfigured

Credentials = Callable[[], dict[str, str]]


class SupplierClient(ABC):
    """A supplier API. Blocking: called from worker threads only.

    Who it is (name, display name, what its numbers look like) comes from its catalogue entry;
    where it is from its settings section ([suppliers.<name>]); the class adds how to talk to it.
    """

    capabilities: tuple[str, ...] = ALL_CAPABILITIES
    credential_keys: tuple[str, ...] = ()  # keys of its settings section an admin may also set
    secret_keys: tuple[str, ...] = ()  # kept in the secrets file, never in the database
    sign_in = ""  # how it authenticates, in words, where that is worth saying (the connection test names it)

    def __init__(
        self, supplier: Supplier, http: SupplierHttp, credentials: Credentials, section: SupplierSection
    ) -> None:
        self.supplier = supplier
        self.name = supplier.key
        self.display_name = supplier.display_name
        self.number_hint = supplier.number_hint
        self.http = http
        self._credentials = credentials
        self.base_url = section.api_url.rstrip("/")

    def credentials(self) -> dict[str, str]:
        return self._credentials()

    def credentials_changed(self) -> None:
        """An admin changed this supplier's credentials: try it again at once, and drop what the old ones made."""
        self.http.forget_offline()

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
