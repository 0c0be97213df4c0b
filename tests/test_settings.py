from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from makermatrix_edge.cli import main
from makermatrix_edge.settings import ConfigError, field_docs, load_settings, reference_toml, section_types

ROOT = Path(__file__).resolve().parent.parent


def test_reference_config_lists_every_key_at_its_default_with_a_comment() -> None:
    text = (ROOT / "config" / "makermatrix-edge.toml").read_text()
    assert text == reference_toml(), (
        "config/makermatrix-edge.toml is stale: regenerate it from settings.reference_toml()"
    )
    parsed = tomllib.loads(text)
    for name, section in section_types().items():
        docs = field_docs(section)
        assert set(parsed[name]) == set(docs)
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
