"""The components of alora-api.md, with the document's fields, stock and prices, for the demo bench."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Category ids in the document: 1 Transistor, 2 IC, 3 Resistor, 4 Capacitor, 6 MOSFET, 7 Diode,
# 8 Dual Diode, 9 Schottky Diode, 10 Voltage Regulator. The demo creates its categories in that
# order, so a fresh database gives them exactly those ids; components name theirs, not the number.
# Component ids: the demo loads these before any other part, in this order, so that the document's
# examples find their parts: 1 = S9012, 2 = BC857B, 5 = BC547 (3 and 4 the document leaves open).


@dataclass(frozen=True)
class DemoComponent:
    category: str
    fields: dict[str, Any]  # ComponentCreate fields, as the document writes them
    quantity: int
    min_qty: int
    location: str  # the document's free text ("A2-B3") or a demo bin path

    @property
    def part_number(self) -> str:
        return str(self.fields["part_number"])


_T = "Workshop / Shelf 2 / Drawer A / "
_D = "Workshop / Shelf 2 / Drawer B / "
_I = "Workshop / Shelf 2 / Drawer C / "
_P = "Workshop / Shelf 1 / Drawer "

ALORA_COMPONENTS: tuple[DemoComponent, ...] = (
    DemoComponent("Transistor", {
        "part_number": "S9012", "marking": "S9012", "technology": "PNP", "polarity": "PNP", "package": "SOT-23",
        "v_max": "25V", "i_max": "0.5A", "power_max": "0.625W", "unit_price": 0.15,
    }, quantity=0, min_qty=10, location="A1-B2"),
    DemoComponent("Transistor", {
        "part_number": "BC857B", "marking": "BC857B", "technology": "PNP", "polarity": "PNP", "package": "SOT-23",
        "v_max": "45V", "i_max": "0.1A", "power_max": "0.25W", "unit_price": 0.12,
    }, quantity=150, min_qty=20, location="A2-B3"),
    DemoComponent("Transistor", {
        "part_number": "2N3904", "marking": "2N3904", "technology": "NPN", "polarity": "NPN", "package": "TO-92",
        "v_max": "40V", "i_max": "200mA", "power_max": "0.625W", "gain_min": "100", "gain_max": "300",
        "unit_price": 0.08,
    }, quantity=75, min_qty=15, location="B1-C2"),
    DemoComponent("MOSFET", {
        "part_number": "2N7002", "marking": "7002/703", "technology": "MOSFET", "polarity": "N-MOSFET", "channel": "N",
        "package": "SOT-23", "v_max": "60V", "i_max": "300mA", "power_max": "350mW", "unit_price": 0.10,
        "rds_on": "5Ω @ 4.5V", "vgs_max": "±20V", "vgs_th": "2–4V", "qg": "2.5nC", "ciss": "50pF",
        "switching_type": "Standard", "notes": "Small-signal switching MOSFET",
    }, quantity=300, min_qty=50, location=f"{_T}Bin 4"),
    DemoComponent("Transistor", {
        "part_number": "BC547", "marking": "BC547", "technology": "NPN", "polarity": "NPN", "channel": "SINGLE",
        "package": "TO-92", "v_max": "45V", "i_max": "0.1A", "power_max": "0.5W", "gain_min": "110",
        "gain_max": "800", "unit_price": 0.10, "notes": "General purpose NPN transistor",
        "additional_characteristics": {"ft": 300, "vce_sat": "0.2V"},
    }, quantity=60, min_qty=10, location=f"{_T}Bin 2"),
    DemoComponent("Diode", {
        "part_number": "1N4148", "marking": "1N4148", "technology": "DIODE", "polarity": "PN", "channel": "SINGLE",
        "package": "SOD-323", "v_max": "100V", "i_max": "150mA", "power_max": "200mW", "unit_price": 0.05,
        "vf": "1.0V @ 10mA", "trr": "4ns", "cj": "2pF", "diode_type": "Switching",
        "notes": "High-speed switching diode",
    }, quantity=200, min_qty=50, location=f"{_D}Bin 1"),
    DemoComponent("Dual Diode", {
        "part_number": "BAV99", "marking": "A7", "technology": "DIODE", "polarity": "PN", "channel": "DUAL",
        "package": "SOT-23", "v_max": "70V", "i_max": "200mA", "power_max": "250mW", "unit_price": 0.08,
        "vf": "1.0V @ 10mA", "trr": "4ns", "cj": "1.5pF", "diode_type": "Switching", "internal_config": "Series",
        "notes": "Dual series switching diode",
    }, quantity=110, min_qty=20, location=f"{_D}Bin 3"),
    DemoComponent("Schottky Diode", {
        "part_number": "BAT54", "marking": "KL1", "technology": "DIODE", "polarity": "PN", "channel": "SINGLE",
        "package": "SOT-23", "v_max": "30V", "i_max": "200mA", "power_max": "250mW", "unit_price": 0.06,
        "vf": "0.35V @ 100mA", "trr": "N/A", "cj": "20pF", "diode_type": "Schottky", "internal_config": "Single",
        "notes": "Low Vf Schottky diode",
    }, quantity=90, min_qty=20, location=f"{_D}Bin 3"),
    DemoComponent("Voltage Regulator", {
        "part_number": "TL431", "marking": "431", "technology": "IC", "package": "SOT-23/TO-92", "v_in_max": "36V",
        "v_out": "2.5V adjustable", "i_out_max": "100mA", "power_max": "500mW", "accuracy": "±1%",
        "reg_type": "Voltage Reference", "unit_price": 0.25, "notes": "Precision adjustable voltage reference",
    }, quantity=30, min_qty=5, location=f"{_D}Bin 6"),
    DemoComponent("Voltage Regulator", {
        "part_number": "CJ78L05", "marking": "L05", "technology": "IC", "package": "TO-92/TO-220", "v_in_max": "35V",
        "v_out": "5V", "i_out_max": "1000mA", "power_max": "1W", "accuracy": "±5%", "reg_type": "Linear Regulator",
        "unit_price": 0.15, "notes": "5V linear voltage regulator",
    }, quantity=45, min_qty=10, location=f"{_D}Bin 6"),
    DemoComponent("IC", {
        "part_number": "RK1808", "marking": "RK1808", "package": "LQFP-48", "unit_price": 5.50,
        "additional_characteristics": {
            "pin_count": 48, "operating_voltage": "3.3V", "core": "ARM Cortex-A35", "memory": "512KB",
            "clock_speed": "1.2GHz", "interface": ["SPI", "I2C", "UART"], "temperature_range": "-40°C to +85°C",
        },
    }, quantity=4, min_qty=1, location=f"{_I}Bin 1"),
    DemoComponent("Resistor", {
        "part_number": "R-10K-5%", "marking": "103", "package": "0805", "unit_price": 0.01,
        "additional_characteristics": {
            "resistance": "10kΩ", "tolerance": "5%", "power_rating": "0.25W", "temperature_coefficient": "100ppm/°C",
        },
    }, quantity=500, min_qty=100, location=f"{_P}A / Bin 2"),
    DemoComponent("Capacitor", {
        "part_number": "C-100uF-25V", "marking": "100uF", "package": "Radial", "unit_price": 0.15,
        "additional_characteristics": {
            "capacitance": "100µF", "voltage_rating": "25V", "tolerance": "20%", "type": "Electrolytic",
            "temperature_range": "-40°C to +105°C",
        },
    }, quantity=40, min_qty=10, location=f"{_P}B / Bin 4"),
)  # fmt: skip
