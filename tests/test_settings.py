from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from makermatrix_edge.cli import main
from makermatrix_edge.settings import (
    ConfigError,
    field_docs,
    load_settings,
    old_spellings,
    reference_toml,
    section_types,
    subsection_types,
)

ROOT = Path(__file__).resolve().parent.parent


def test_reference_config_lists_every_key_at_its_default_with_a_comment() -> None:
    text = (ROOT / "config" / "makermatrix-edge.toml").read_text()
    assert text == reference_toml(), (
        "config/makermatrix-edge.toml is stale: regenerate it from settings.reference_toml()"
    )
    parsed = tomllib.loads(text)
    tables = [(name, section, parsed[name]) for name, section in section_types().items()]
    for name, section, table in tables:  # a section's own sections ([suppliers.lcsc]) are walked too
        docs = field_docs(section)
        nested = subsection_types(section)
        tables += [(f"{name}.{sub}", sub_type, table[sub]) for sub, sub_type in nested.items()]
        assert set(table) == set(docs) | set(nested)
        for key, doc in docs.items():
            assert doc, f"{name}.{key} has no one-line doc"
            assert f"# {doc}\n{key} = " in text


def test_both_shipped_files_parse() -> None:
    production = load_settings(ROOT / "config" / "makermatrix-edge.toml", env={})
    assert production.server.port == 8080
    dev = load_settings(ROOT / "config" / "dev.toml", env={})
    assert dev.storage.data_dir == "./var"
    assert dev.server.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[plotter]\nmodel = 'HP-7475A'\n", "plotter: unknown section"),
        ("[printer]\nkind = 'laser'\n", "printer.kind: invalid enum value 'laser'"),
        ("[server]\nprot = 8080\n", "server.prot: unknown key"),
        ("[server]\nport = 'eighty'\n", "server.port: expected int, got str"),
        ("[server]\nport = 70000\n", "server.port: expected int <= 65535"),
        ("[storage]\nsynchronous = 'OFF'\n", "storage.synchronous: invalid enum value 'OFF'"),
        ("server = 3\n", "server: must be a table"),
        ("[server\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key_path(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert message in str(info.value)


def test_environment_overrides_file_and_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[server]\nport = 9000\n")
    env = {
        "MAKERMATRIX_EDGE_SERVER__PORT": "9100",
        "MAKERMATRIX_EDGE_SERVER__HOST": "127.0.0.1",
        "MAKERMATRIX_EDGE_ACCOUNTS__OPEN_REGISTRATION": "true",
        "MAKERMATRIX_EDGE_ADMIN_PASSWORD": "not-config",
    }
    settings = load_settings(path, env=env)
    assert (settings.server.port, settings.server.host, settings.accounts.open_registration) == (
        9100,
        "127.0.0.1",
        True,
    )
    with pytest.raises(ConfigError, match=r"server.prot: unknown key \(from environment\)"):
        load_settings(path, env={"MAKERMATRIX_EDGE_SERVER__PROT": "1"})


def test_cli_flags_win_over_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[server]\nport = 9000\n")
    settings = load_settings(path, env={}, overrides={"server": {"port": 9200}, "storage": {"data_dir": "/x"}})
    assert settings.server.port == 9200
    assert settings.storage.data_dir == "/x"


def test_config_check_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[accounts]\nbcrypt_cots = 10\n")
    assert main(["config", "check", str(path)]) == 2
    assert "accounts.bcrypt_cots: unknown key" in capsys.readouterr().err
    path.write_text("[accounts]\nbcrypt_cost = 10\n")
    assert main(["config", "check", str(path)]) == 0


def test_config_dump_prints_effective_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAKERMATRIX_EDGE_SERVER__PORT", "9300")
    assert main(["config", "dump", "--config", str(ROOT / "config" / "dev.toml")]) == 0
    dumped = tomllib.loads(capsys.readouterr().out)
    assert dumped["server"]["port"] == 9300
    assert dumped["storage"]["data_dir"] == "./var"


OLD_FILE = """
[suppliers]
timeout_seconds = 5.0
lcsc_api_url = "http://lcsc.test"
lcsc_requests_per_minute = 10.0
digikey_client_id = "id"
digikey_client_secret = "secret"
mouser_api_key = "key"
"""
NEW_FILE = """
[suppliers]
timeout_seconds = 5.0
[suppliers.lcsc]
api_url = "http://lcsc.test"
requests_per_minute = 10.0
[suppliers.digikey]
client_id = "id"
client_secret = "secret"
[suppliers.mouser]
api_key = "key"
"""


def test_old_flat_supplier_keys_and_the_per_supplier_sections_give_the_same_settings(tmp_path: Path) -> None:
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text(OLD_FILE)
    new.write_text(NEW_FILE)
    from_old, from_new = load_settings(old, env={}), load_settings(new, env={})
    assert from_old == from_new
    assert from_new.suppliers.lcsc.api_url == "http://lcsc.test"
    assert from_new.suppliers.digikey.client_secret == "secret"
    assert from_new.suppliers.lcsc.web_url == "https://www.lcsc.com"  # the rest keeps its default
    env_old = {
        "MAKERMATRIX_EDGE_SUPPLIERS__MOUSER_API_KEY": "k",
        "MAKERMATRIX_EDGE_SUPPLIERS__LCSC_WEB_URL": "http://web.test",
    }
    env_new = {
        "MAKERMATRIX_EDGE_SUPPLIERS__MOUSER__API_KEY": "k",
        "MAKERMATRIX_EDGE_SUPPLIERS__LCSC__WEB_URL": "http://web.test",
    }
    assert load_settings(None, env=env_old) == load_settings(None, env=env_new)
    assert load_settings(None, env=env_new).suppliers.lcsc.web_url == "http://web.test"
    flags = load_settings(None, env={}, overrides={"suppliers": {"mouser_api_key": "k"}})
    assert (
        flags.suppliers.mouser
        == load_settings(None, env={}, overrides={"suppliers": {"mouser": {"api_key": "k"}}}).suppliers.mouser
    )
    assert old_spellings()["suppliers.digikey_client_id"] == "suppliers.digikey.client_id"


def test_both_spellings_in_one_source_must_agree_and_a_later_source_wins_either_way(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[suppliers]\nmouser_api_key = "a"\n[suppliers.mouser]\napi_key = "a"\n')
    assert load_settings(path, env={}).suppliers.mouser.api_key == "a"  # the same value twice is no conflict
    path.write_text('[suppliers]\nmouser_api_key = "a"\n[suppliers.mouser]\napi_key = "b"\n')
    with pytest.raises(ConfigError, match=r"suppliers\.mouser_api_key: old spelling of suppliers\.mouser\.api_key"):
        load_settings(path, env={})
    env = {"MAKERMATRIX_EDGE_SUPPLIERS__MOUSER_API_KEY": "a", "MAKERMATRIX_EDGE_SUPPLIERS__MOUSER__API_KEY": "b"}
    with pytest.raises(ConfigError, match=r"also set to another value \(from environment\)"):
        load_settings(None, env=env)
    # Across sources the usual order decides: the environment beats the file, whichever spelling each uses.
    path.write_text('[suppliers.mouser]\napi_key = "file"\n')
    assert (
        load_settings(path, env={"MAKERMATRIX_EDGE_SUPPLIERS__MOUSER_API_KEY": "env"}).suppliers.mouser.api_key == "env"
    )
    path.write_text('[suppliers]\nmouser_api_key = "file"\n')
    assert (
        load_settings(path, env={"MAKERMATRIX_EDGE_SUPPLIERS__MOUSER__API_KEY": "env"}).suppliers.mouser.api_key
        == "env"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[suppliers.lcsc]\napi_ulr = 'x'\n", "suppliers.lcsc.api_ulr: unknown key"),
        ("[suppliers]\nlcsc_api_ulr = 'x'\n", "suppliers.lcsc_api_ulr: unknown key"),
        ("[suppliers]\nlcsc = 3\n", "suppliers.lcsc: must be a table"),
        ("[suppliers.farnell]\napi_url = 'x'\n", "suppliers.farnell: unknown key"),
        ("[suppliers.digikey]\nrequests_per_minute = 0\n", "suppliers.digikey.requests_per_minute: expected float > 0"),
    ],
)
def test_bad_supplier_sections_name_the_key_path(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert message in str(info.value)
