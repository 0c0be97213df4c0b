"""Issue 24 point 7: an imported part is named from its description, lands where the order says, MPN kept.

The names come from the real LCSC, DigiKey and Mouser lines of tests/fixtures/orders and
../shared/samples; a place chosen for the order holds on all three write paths (inline, the
large-file task in its child process, the API's optional location_id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock, bearer
from makermatrix_edge.orders.naming import MAX_NAME, readable_name
from tasks_support import task_app, wait_task
from test_orders_import import SAMPLES
from test_orders_routes import lcsc_lines

LCSC_FILE = SAMPLES / "LCSC_Exported__20241222_232708.csv"


@pytest.mark.parametrize(
    ("description", "package", "name"),
    [
        # LCSC: values, package, category, ROHS
        ("100uF 35V ±20% SMD,D6.3xL7.7mm Aluminum Electrolytic Capacitors - SMD ROHS", "SMD,D6.3xL7.7mm",
         "100 µF 35 V aluminium electrolytic capacitor"),
        ("100V 100nF X7R ±10% 0805 Multilayer Ceramic Capacitors MLCC - SMD/SMT ROHS", "0805",
         "100 nF 100 V X7R 0805 ceramic capacitor"),
        ("100mW Thick Film Resistors 75V ±100ppm/℃ ±1% 17.8kΩ 0603 Chip Resistor - Surface Mount ROHS", "0603",
         "17.8 kΩ 1% 0603 resistor"),
        ("47nH ±10% 0603 Inductors (SMD) ROHS", "0603", "47 nH 0603 inductor"),
        ("32.768kHz Surface Mount Crystal 12.5pF ±20ppm SMD3215-2P Crystals ROHS", "SMD3215-2P", "32.768 kHz crystal"),
        ("50V 500mA 1.1Ω@4.5V,0.3A 500mW 1.5V@250uA 1 N-channel SOT-23 MOSFETs ROHS", "SOT-23",
         "50V 500mA 500mW N-channel MOSFETs"),
        # DigiKey: upper-case abbreviations
        ("CAP CER 0.1UF 50V X7R 0805", None, "0.1 µF 50 V X7R 0805 ceramic capacitor"),
        ("RES SMD 1K OHM 1% 1/8W 0805", None, "1 kΩ 1% 0805 resistor"),
        ("THERMISTOR NTC 10KOHM 0805", None, "10 kΩ 0805 NTC thermistor"),
        ("IC TRANSLATOR BIDIR 20TSSOP", None, "IC TRANSLATOR BIDIR 20TSSOP"),
        # Mouser: the category twice
        ("NOR Flash NOR Flash 128Mb, 3V, 108Mhz SPI NOR Flash", None, "NOR Flash 128Mb, 3V, 108Mhz SPI NOR Flash"),
        ("Current Sense Resistors - SMD Current Sense Resistors - SMD 0.33ohm 1%", None, "0.33 Ω 1% resistor"),
        # Nothing usable: the caller falls back to the MPN
        ("-", "-", None),
        (None, None, None),
    ],
)  # fmt: skip
def test_names_from_real_descriptions(description: str | None, package: str | None, name: str | None) -> None:
    assert readable_name(description, package) == name


def test_a_long_description_is_cut_at_a_word_keeping_what_the_part_is() -> None:
    text = (
        "1x6P 6P PicoBlade(MX 1.25) Tin 6 -40℃~+105℃ 1A 1 1.25mm Brass Horizontal attachment "
        "SMD,P=1.25mm,Surface Mount，Right Angle Wire To Board Connector ROHS"
    )
    name = readable_name(text, "SMD,P=1.25mm,Surface Mount，Right Angle")
    # LCSC's category comes last: a cut keeps it, in front.
    assert name == "Wire To Board Connector 1x6P 6P PicoBlade(MX 1.25) Tin 6 1A" and len(name) <= MAX_NAME


def upload(client: TestClient[Any], token: str, name: str, content: bytes, **form: str) -> Any:
    return client.post("/api/import/file", files={"file": (name, content)}, data=form, headers=bearer(token))


def parts_by_mpn(client: TestClient[Any], token: str) -> dict[str, dict[str, Any]]:
    found = client.get("/api/parts/get_all_parts?page_size=100", headers=bearer(token)).json()["data"]
    return {p["manufacturer_part_number"]: p for p in found}


def test_import_names_from_description_keeps_mpn_and_a_clash_gets_the_mpn(
    client: TestClient[Any], admin_token: str
) -> None:
    done = upload(client, admin_token, LCSC_FILE.name, LCSC_FILE.read_bytes())
    assert done.status_code == 200, done.text
    parts = parts_by_mpn(client, admin_token)
    cap = parts["VEJ101M1VTT-0607L"]
    assert cap["part_name"] == "100 µF 35 V aluminium electrolytic capacitor"
    assert cap["part_number"] == "C7442639" and cap["location"]["name"] == "Unsorted"
    assert parts["SWPA6045S101MT"]["part_name"] == "SWPA6045S101MT"  # its description is "-": the MPN it is
    # A kind known by its value gets its category; anything else none rather than a guess.
    assert [c["name"] for c in cap["categories"]] == ["Capacitors"]
    assert parts["HC-1.25-6PWT"]["categories"] == []
    # Two DigiKey lines with the same description in one file: the second name carries its MPN.
    dk = SAMPLES / "DK_PRODUCTS_88435663.csv"
    other = dk.read_text().replace("IC TRANSLATOR BIDIR 20TSSOP", "SHUNT JUMPERS")
    assert upload(client, admin_token, dk.name, other.encode()).status_code == 200
    parts = parts_by_mpn(client, admin_token)
    assert parts["SNT-100-YW-T"]["part_name"] == "SHUNT JUMPERS"
    assert parts["TXS0108EPWR"]["part_name"] == "SHUNT JUMPERS (TXS0108EPWR)"


def add_location(client: TestClient[Any], token: str, name: str) -> str:
    made = client.post("/api/locations/add_location", json={"name": name}, headers=bearer(token))
    assert made.status_code == 200, made.text
    return str(made.json()["data"]["id"])


def test_api_import_puts_the_new_parts_in_the_chosen_place(client: TestClient[Any], admin_token: str) -> None:
    box = add_location(client, admin_token, "Box 3")
    preview = client.post(
        "/api/import/preview",
        files={"file": (LCSC_FILE.name, LCSC_FILE.read_bytes())},
        data={"location_id": box},
        headers=bearer(admin_token),
    ).json()["data"]
    assert (preview["location_id"], preview["new_parts_location"]) == (box, "Box 3")
    assert {r["location"] for r in preview["rows"] if r["action"] == "new part"} == {"Box 3"}
    wrong = upload(client, admin_token, LCSC_FILE.name, LCSC_FILE.read_bytes(), location_id="no-such-place")
    assert wrong.status_code == 422 and "location" in wrong.json()["message"], wrong.text
    assert client.get("/api/orders", headers=bearer(admin_token)).json()["data"] == []  # nothing written
    done = upload(client, admin_token, LCSC_FILE.name, LCSC_FILE.read_bytes(), location_id=box)
    assert done.status_code == 200 and set(done.json()) == {"status", "message", "data"}
    assert {p["location"]["name"] for p in parts_by_mpn(client, admin_token).values()} == {"Box 3"}


def test_a_large_file_imported_as_a_task_puts_its_parts_in_the_chosen_place(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, imports={"task_threshold_rows": 5}) as (client, _services, admin):
        box = add_location(client, admin, "Reel shelf")
        started = upload(client, admin, "LCSC_Exported__20250101_101010.csv", lcsc_lines(12).encode(), location_id=box)
        assert started.status_code == 202, started.text
        wait_task(client, admin, started.json()["data"]["task_id"], "completed", timeout=120)
        parts = parts_by_mpn(client, admin)
        assert len(parts) == 12 and {p["location"]["name"] for p in parts.values()} == {"Reel shelf"}
        assert parts["MPN-3"]["part_name"] == "part 3"
