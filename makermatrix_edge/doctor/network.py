"""Doctor's checks of what answers beside the daemon: Ollama, and the daemon's own mDNS advertisement."""

from __future__ import annotations

import sqlite3

import httpx

from makermatrix_edge.accounts.tokens import TokenIssuer, read_secret
from makermatrix_edge.doctor import Check
from makermatrix_edge.doctor.host import Host


def check_ollama(host: Host) -> Check:
    url = host.ollama_url.rstrip("/")
    try:
        response = host.http_get(f"{url}/api/tags", {})
        response.raise_for_status()
        models = [m.get("name", "") for m in response.json().get("models", [])]
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return Check(
            "ollama", "warn", f"Ollama not reachable at {url} ({type(exc).__name__})",
            "install Ollama (curl -fsSL https://ollama.com/install.sh | sh) or: sudo systemctl start ollama",
        )  # fmt: skip
    wanted = host.ollama_model
    if wanted and not any(m == wanted or m.split(":")[0] == wanted for m in models):
        return Check("ollama", "warn", f"Ollama runs, but model {wanted} is not pulled", f"ollama pull {wanted}")
    tools = _tool_support(host, url, wanted) if wanted else None
    if tools is False:
        return Check(
            "ollama", "warn", f"Ollama has {wanted}, but it cannot call tools (the assistant needs them)",
            "ollama pull qwen3:1.7b and set model = \"qwen3:1.7b\" in [assistant]",
        )  # fmt: skip
    said = f", {wanted} pulled" + (" with tool support" if tools else "") if wanted else ""
    return Check("ollama", "ok", f"Ollama at {url}, {len(models)} model(s)" + said)


def _tool_support(host: Host, url: str, model: str) -> bool | None:
    """Whether /api/show lists "tools" among the model's capabilities (None: this Ollama does not say)."""
    try:
        response = host.http_post(f"{url}/api/show", {"model": model})
        response.raise_for_status()
        capabilities = response.json().get("capabilities") or []
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return ("tools" in capabilities) if capabilities else None


def daemon_login(host: Host) -> dict[str, str]:
    """Headers with a one-minute token for the daemon's own /api/health details, or {} if unreadable.

    /api/health shows devices only to a logged-in caller. Doctor signs the token with the
    daemon's secret.key for its first active user: whoever can read that key can sign any
    token anyway, and doctor run as another user just sees the public answer.
    """
    db_path = host.data_dir / host.db_file
    try:
        secret = read_secret(host.data_dir / "secret.key")
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT id, token_version FROM users WHERE is_active = 1 ORDER BY seq LIMIT 1"
            ).fetchone()
        finally:
            conn.close()
    except (OSError, ValueError, sqlite3.Error):
        return {}
    if row is None:
        return {}
    issuer = TokenIssuer(secret, access_seconds=60, refresh_seconds=60, clock=host.now)
    return {"Authorization": f"Bearer {issuer.issue(str(row[0]), int(row[1]), 'access').token}"}


def check_mdns(host: Host) -> Check:
    if not host.mdns_enabled:
        return Check("mdns", "warn", "mDNS is off: phones cannot find the bench by name", "set [mdns] enabled = true")
    url = f"http://127.0.0.1:{host.port}/api/health"
    try:
        data = host.http_get(url, daemon_login(host)).json()["data"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return Check(
            "mdns", "warn", f"the daemon is not answering on port {host.port}, so nothing is advertised",
            "sudo systemctl start makermatrix-edge; journalctl -u makermatrix-edge -e says why it stopped",
        )  # fmt: skip
    try:
        state = data["devices"]["mdns"]
    except (KeyError, TypeError):
        return Check(
            "mdns", "warn", "the daemon answers but shows its devices only to a logged-in caller",
            f"run doctor as root or {host.service_user}: it needs {host.data_dir / 'secret.key'}",
        )  # fmt: skip
    if state.get("state") == "ready":
        names = ", ".join(n.split("._")[0] for n in state.get("details", {}).get("names", [])[:1])
        return Check("mdns", "ok", f"advertising as '{names or host.mdns_name}'")
    reason = state.get("reason") or state.get("state")
    return Check(
        "mdns", "warn", f"not advertising: {reason}", "check the network; avahi and the daemon share port 5353"
    )
