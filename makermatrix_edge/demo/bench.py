"""The demo bench as data: a location tree, categories and ~50 real parts (a data table).

demo/load.py adds them through the services. LCSC numbers are given only where they are known to be
right; other parts carry the manufacturer part number as their part number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from makermatrix_edge.inventory.locations import SEPARATOR
from makermatrix_edge.inventory.models import PartCreate


@dataclass(frozen=True)
class DemoLocation:
    name: str
    location_type: str
    description: str | None = None
    children: tuple[DemoLocation, ...] = ()


@dataclass(frozen=True)
class DemoPart:
    part_name: str
    bin: str  # full location path, e.g. "Workshop / Shelf 1 / Drawer A / Bin 1"
    categories: tuple[str, ...]
    manufacturer: str | None
    mpn: str | None
    supplier: str | None
    quantity: int
    unit_price: float | None
    description: str
    properties: dict[str, Any] = field(default_factory=dict)
    supplier_part_number: str | None = None  # None: the manufacturer part number is used
    min_quantity: int = 0
    currency: str = "USD"

    def to_create(self, location_id: str) -> PartCreate:
        return PartCreate(
            part_name=self.part_name,
            part_number=self.supplier_part_number or self.mpn,
            manufacturer=self.manufacturer,
            manufacturer_part_number=self.mpn,
            description=self.description,
            quantity=self.quantity,
            min_quantity=self.min_quantity,
            supplier=self.supplier,
            location_id=location_id,
            unit_price=self.unit_price,
            currency=self.currency if self.unit_price is not None else None,
            additional_properties=dict(self.properties),
            category_names=list(self.categories),
        )


def _bins(count: int) -> tuple[DemoLocation, ...]:
    return tuple(DemoLocation(f"Bin {n}", "bin") for n in range(1, count + 1))


DEMO_LOCATIONS: tuple[DemoLocation, ...] = (
    DemoLocation(
        "Workshop",
        "room",
        "The electronics bench",
        (
            DemoLocation(
                "Shelf 1",
                "shelf",
                "Passives",
                (
                    DemoLocation("Drawer A", "drawer", "SMD resistors", _bins(8)),
                    DemoLocation("Drawer B", "drawer", "Capacitors and through-hole resistors", _bins(8)),
                ),
            ),
            DemoLocation(
                "Shelf 2",
                "shelf",
                "Semiconductors",
                (
                    DemoLocation("Drawer A", "drawer", "Transistors and MOSFETs", _bins(8)),
                    DemoLocation("Drawer B", "drawer", "Diodes and regulators", _bins(8)),
                    DemoLocation("Drawer C", "drawer", "ICs, LEDs and crystals (anti-static)", _bins(8)),
                ),
            ),
            DemoLocation(
                "Shelf 3",
                "shelf",
                "Connectors and hardware",
                (DemoLocation("Drawer A", "drawer", "Connectors", _bins(6)),),
            ),
        ),
    ),
)

DEMO_CATEGORIES: tuple[tuple[str, str], ...] = (
    # The first ten in the order of alora-api.md's examples, so that in a fresh database their ALORA
    # ids are the document's (Transistor = 1, ..., MOSFET = 6, Diode = 7, Voltage Regulator = 10).
    ("Transistor", "Bipolar junction transistors"),
    ("IC", "Integrated circuits"),
    ("Resistor", "Fixed resistors, SMD and through-hole"),
    ("Capacitor", "Ceramic, electrolytic and film capacitors"),
    ("Inductor", "Inductors and ferrite beads"),
    ("MOSFET", "Field-effect transistors"),
    ("Diode", "Signal, Zener and rectifier diodes"),
    ("Dual Diode", "Two diodes in one package"),
    ("Schottky Diode", "Schottky barrier diodes"),
    ("Voltage Regulator", "Linear regulators, LDOs and references"),
    ("Microcontroller", "MCUs and wireless modules"),
    ("Connector", "Headers, wire-to-board, USB and terminal blocks"),
    ("LED", "Indicator LEDs"),
    ("Crystal", "Quartz crystals and oscillators"),
)

_R1 = "Workshop / Shelf 1 / Drawer A / "
_C1 = "Workshop / Shelf 1 / Drawer B / "
_T2 = "Workshop / Shelf 2 / Drawer A / "
_D2 = "Workshop / Shelf 2 / Drawer B / "
_I2 = "Workshop / Shelf 2 / Drawer C / "
_X3 = "Workshop / Shelf 3 / Drawer A / "


def _uniroyal(value: str, code: str, lcsc: str | None, bin_no: int, qty: int, minimum: int = 0) -> DemoPart:
    """A UNI-ROYAL 0603WAF thick-film chip resistor (the usual JLCPCB basic part)."""
    return DemoPart(
        part_name=f"{value} 0603 1% resistor",
        bin=f"{_R1}Bin {bin_no}",
        categories=("Resistor",),
        manufacturer="UNI-ROYAL",
        mpn=f"0603WAF{code}T5E",
        supplier="LCSC",
        supplier_part_number=lcsc,
        quantity=qty,
        min_quantity=minimum,
        unit_price=0.0007,
        description=f"Thick film chip resistor {value} ±1% 100mW 0603",
        properties={
            "package": "0603",
            "resistance": value,
            "tolerance": "±1%",
            "power_rating": "100mW",
            "temperature_coefficient": "±100ppm/°C",
        },
    )


_RESISTORS = (
    _uniroyal("0Ω", "0000", "C21189", 1, 1800),
    _uniroyal("100Ω", "1000", "C22775", 2, 2600),
    _uniroyal("220Ω", "2200", None, 2, 900),
    _uniroyal("1kΩ", "1001", "C21190", 3, 3900),
    _uniroyal("2.2kΩ", "2201", None, 4, 450),
    _uniroyal("4.7kΩ", "4701", "C23162", 5, 1200),
    _uniroyal("5.1kΩ", "5101", "C23186", 5, 80, minimum=100),
    _uniroyal("10kΩ", "1002", "C25804", 6, 4800, minimum=500),
    _uniroyal("100kΩ", "1003", "C25803", 7, 2100),
    DemoPart(
        "10kΩ 1/4W 1% metal film resistor",
        f"{_C1}Bin 8",
        ("Resistor",),
        "YAGEO",
        "MFR-25FBF52-10K",
        "DigiKey",
        quantity=95,
        unit_price=0.10,
        description="Metal film resistor 10kΩ ±1% 250mW, axial through-hole",
        properties={"package": "Axial", "resistance": "10kΩ", "tolerance": "±1%", "power_rating": "250mW"},
    ),
)


def _mlcc(
    value: str,
    package: str,
    volts: str,
    dielectric: str,
    tolerance: str,
    maker: str,
    mpn: str,
    lcsc: str | None,
    bin_no: int,
    qty: int,
    price: float,
) -> DemoPart:
    """A multilayer ceramic chip capacitor."""
    return DemoPart(
        part_name=f"{value} {package} {volts} {dielectric} capacitor",
        bin=f"{_C1}Bin {bin_no}",
        categories=("Capacitor",),
        manufacturer=maker,
        mpn=mpn,
        supplier="LCSC",
        supplier_part_number=lcsc,
        quantity=qty,
        unit_price=price,
        description=f"Multilayer ceramic capacitor {value} {tolerance} {volts} {dielectric} {package}",
        properties={
            "package": package,
            "capacitance": value,
            "tolerance": tolerance,
            "voltage_rating": volts,
            "dielectric": dielectric,
        },
    )


_SAMSUNG = "Samsung Electro-Mechanics"
_CAPACITORS = (
    _mlcc("100nF", "0603", "50V", "X7R", "±10%", "YAGEO", "CC0603KRX7R9BB104", "C14663", 1, 3700, 0.0011),
    _mlcc("1µF", "0603", "50V", "X5R", "±10%", _SAMSUNG, "CL10A105KB8NNNC", "C15849", 2, 1500, 0.0025),
    _mlcc("10µF", "0805", "25V", "X5R", "±10%", _SAMSUNG, "CL21A106KAYNNNC", "C15850", 3, 60, 0.0085),
    _mlcc("22pF", "0603", "50V", "C0G", "±5%", _SAMSUNG, "CL10C220JB8NNNC", None, 4, 400, 0.0014),
    _mlcc("10nF", "0603", "50V", "X7R", "±10%", _SAMSUNG, "CL10B103KB8NNNC", None, 4, 800, 0.0012),
    DemoPart(
        "100µF 25V electrolytic capacitor",
        f"{_C1}Bin 5",
        ("Capacitor",),
        "Panasonic",
        "EEU-FR1E101",
        "DigiKey",
        quantity=8,
        min_quantity=10,
        unit_price=0.33,
        description="Aluminium electrolytic capacitor 100µF ±20% 25V 105°C, low ESR, radial 6.3×11.2 mm",
        properties={
            "package": "Radial 6.3x11.2mm",
            "capacitance": "100µF",
            "tolerance": "±20%",
            "voltage_rating": "25V",
            "temperature_rating": "105°C",
            "series": "FR",
        },
    ),
)


def _semi(
    name: str,
    bin_path: str,
    categories: tuple[str, ...],
    maker: str,
    mpn: str,
    supplier: str,
    qty: int,
    price: float,
    description: str,
    props: dict[str, Any],
    *,
    lcsc: str | None = None,
    minimum: int = 0,
) -> DemoPart:
    return DemoPart(
        part_name=name,
        bin=bin_path,
        categories=categories,
        manufacturer=maker,
        mpn=mpn,
        supplier=supplier,
        supplier_part_number=lcsc,
        quantity=qty,
        min_quantity=minimum,
        unit_price=price,
        description=description,
        properties=props,
    )


_BJT = ("Transistor",)
_FET = ("MOSFET",)
_TRANSISTORS = (
    _semi("2N3906 PNP transistor TO-92", f"{_T2}Bin 1", _BJT, "onsemi", "2N3906BU", "DigiKey", 35, 0.19,
          "PNP general purpose transistor 40V 200mA, TO-92",
          {"package": "TO-92", "polarity": "PNP", "vceo": "40V", "ic": "200mA"}),
    _semi("MMBT3904 NPN transistor SOT-23", f"{_T2}Bin 3", _BJT, "Changjiang Electronics (CJ)", "MMBT3904", "LCSC",
          450, 0.0085, "NPN general purpose transistor 40V 200mA, SOT-23 (SMD 2N3904)",
          {"package": "SOT-23", "polarity": "NPN", "vceo": "40V", "ic": "200mA"}, lcsc="C20526"),
    _semi("AO3400A N-MOSFET SOT-23", f"{_T2}Bin 5", _FET, "Alpha & Omega Semiconductor", "AO3400A", "LCSC", 25,
          0.035, "N-channel MOSFET 30V 5.7A, logic level, SOT-23",
          {"package": "SOT-23", "channel": "N", "vds": "30V", "id": "5.7A"}, lcsc="C20917", minimum=50),
    _semi("AO3401A P-MOSFET SOT-23", f"{_T2}Bin 5", _FET, "Alpha & Omega Semiconductor", "AO3401A", "LCSC", 120,
          0.04, "P-channel MOSFET -30V -4A, SOT-23",
          {"package": "SOT-23", "channel": "P", "vds": "-30V", "id": "-4A"}),
    _semi("IRLZ44N N-MOSFET TO-220", f"{_T2}Bin 6", _FET, "Infineon", "IRLZ44NPBF", "Mouser", 6, 1.62,
          "N-channel logic-level power MOSFET 55V 47A, 22mΩ, TO-220AB",
          {"package": "TO-220AB", "channel": "N", "vds": "55V", "id": "47A", "rds_on": "22mΩ @ 10V"}),
)  # fmt: skip

_DIODE = ("Diode",)
_SCHOTTKY = ("Schottky Diode",)
_REG = ("Voltage Regulator",)
_DIODES_AND_REGULATORS = (
    _semi("1N4148W signal diode SOD-123", f"{_D2}Bin 1", _DIODE, "Changjiang Electronics (CJ)", "1N4148W", "LCSC",
          900, 0.0065, "Small signal switching diode 75V 150mA, SOD-123",
          {"package": "SOD-123", "vr": "75V", "if": "150mA"}, lcsc="C81598"),
    _semi("1N5819 Schottky diode DO-41", f"{_D2}Bin 2", _SCHOTTKY, "Diodes Incorporated", "1N5819-T", "DigiKey", 40,
          0.26, "Schottky barrier rectifier 40V 1A, DO-41",
          {"package": "DO-41", "vrrm": "40V", "if": "1A", "type": "Schottky"}),
    _semi("SS34 Schottky diode SMA", f"{_D2}Bin 2", _SCHOTTKY, "MDD (Microdiode Electronics)", "SS34", "LCSC", 240,
          0.025, "Schottky barrier rectifier 40V 3A, SMA (DO-214AC)",
          {"package": "SMA", "vrrm": "40V", "if": "3A", "type": "Schottky"}, lcsc="C8678"),
    _semi("BZT52C3V3 Zener diode 3.3V SOD-123", f"{_D2}Bin 4", _DIODE, "Diodes Incorporated", "BZT52C3V3-7-F",
          "Mouser", 75, 0.12, "Zener diode 3.3V 500mW ±5%, SOD-123",
          {"package": "SOD-123", "vz": "3.3V", "power": "500mW", "type": "Zener"}),
    _semi("AMS1117-3.3 LDO regulator SOT-223", f"{_D2}Bin 5", _REG, "Advanced Monolithic Systems", "AMS1117-3.3",
          "LCSC", 70, 0.09, "Low-dropout linear regulator 3.3V 1A, SOT-223",
          {"package": "SOT-223", "output_voltage": "3.3V", "output_current": "1A", "max_input": "15V"},
          lcsc="C6186", minimum=20),
    _semi("LM7805 5V regulator TO-220", f"{_D2}Bin 7", _REG, "STMicroelectronics", "L7805CV", "DigiKey", 12, 0.58,
          "Linear voltage regulator 5V 1.5A, TO-220",
          {"package": "TO-220", "output_voltage": "5V", "output_current": "1.5A", "max_input": "35V"}),
    _semi("MCP1700 3.3V LDO SOT-23", f"{_D2}Bin 8", _REG, "Microchip Technology", "MCP1700-3302E/TT", "Mouser", 4,
          0.39, "Low-quiescent-current LDO 3.3V 250mA, 1.6µA Iq, SOT-23",
          {"package": "SOT-23", "output_voltage": "3.3V", "output_current": "250mA", "max_input": "6V"},
          minimum=10),
)  # fmt: skip

_IC = ("IC",)
_MCU = ("IC", "Microcontroller")
_ICS = (
    _semi("NE555 timer DIP-8", f"{_I2}Bin 1", _IC, "Texas Instruments", "NE555P", "DigiKey", 22, 0.45,
          "Precision timer, 4.5V to 16V, PDIP-8", {"package": "DIP-8", "supply_voltage": "4.5V-16V"}),
    _semi("LM358 dual op-amp SOIC-8", f"{_I2}Bin 1", _IC, "Texas Instruments", "LM358DR", "Mouser", 40, 0.21,
          "Dual operational amplifier, 3V to 32V single supply, SOIC-8",
          {"package": "SOIC-8", "channels": 2, "supply_voltage": "3V-32V"}),
    _semi("74HC595 shift register SOIC-16", f"{_I2}Bin 2", _IC, "Texas Instruments", "SN74HC595DR", "Mouser", 30,
          0.26, "8-bit serial-in, parallel-out shift register with 3-state outputs, 2V to 6V, SOIC-16",
          {"package": "SOIC-16", "logic_family": "HC", "supply_voltage": "2V-6V"}),
    _semi("ULN2003A Darlington array SOIC-16", f"{_I2}Bin 2", _IC, "Texas Instruments", "ULN2003ADR", "Mouser", 15,
          0.3, "Seven-channel Darlington transistor array 50V 500mA, SOIC-16",
          {"package": "SOIC-16", "channels": 7, "max_voltage": "50V", "max_current": "500mA"}),
    _semi("DS3231 RTC SOIC-16", f"{_I2}Bin 3", _IC, "Analog Devices (Maxim)", "DS3231SN#", "DigiKey", 3, 7.5,
          "Extremely accurate I²C real-time clock with integrated TCXO and crystal, SOIC-16W",
          {"package": "SOIC-16W", "interface": "I2C", "accuracy": "±2ppm"}, minimum=5),
    _semi("ATmega328P-AU microcontroller TQFP-32", f"{_I2}Bin 4", _MCU, "Microchip Technology", "ATmega328P-AU",
          "LCSC", 18, 1.85, "8-bit AVR microcontroller, 32KB flash, 2KB SRAM, 1KB EEPROM, 20MHz, TQFP-32",
          {"package": "TQFP-32", "core": "AVR", "flash": "32KB", "ram": "2KB", "max_clock": "20MHz",
           "supply_voltage": "1.8V-5.5V"}, lcsc="C14877"),
    _semi("CH340G USB to UART SOP-16", f"{_I2}Bin 5", _IC, "WCH (Jiangsu Qinheng)", "CH340G", "LCSC", 26, 0.38,
          "USB to serial UART bridge, needs a 12MHz crystal, SOP-16",
          {"package": "SOP-16", "interface": "USB 2.0 full speed to UART"}, lcsc="C14267"),
    _semi("ESP32-WROOM-32 Wi-Fi/Bluetooth module", f"{_I2}Bin 6", _MCU, "Espressif Systems", "ESP32-WROOM-32",
          "LCSC", 9, 3.1, "Wi-Fi + Bluetooth/BLE module, dual-core ESP32-D0WDQ6, 4MB flash, PCB antenna",
          {"package": "SMD module 18x25.5mm", "flash": "4MB", "wireless": "Wi-Fi 802.11 b/g/n, Bluetooth 4.2",
           "supply_voltage": "3.0V-3.6V"}, lcsc="C82899"),
    _semi("Red LED 0603", f"{_I2}Bin 7", ("LED",), "Hubei KENTO Electronic", "KT-0603R", "LCSC", 600, 0.006,
          "Red chip LED 0603", {"package": "0603", "color": "red"}, lcsc="C2286"),
    _semi("Green LED 0603", f"{_I2}Bin 7", ("LED",), "Everlight", "19-217/GHC-YR1S2/3T", "DigiKey", 150, 0.19,
          "Green chip LED 0603", {"package": "0603", "color": "green"}),
    _semi("16MHz crystal 3225", f"{_I2}Bin 8", ("Crystal",), "Yangxing Tech (YXC)", "X322516MLB4SI", "LCSC", 35,
          0.07, "Quartz crystal 16MHz ±10ppm 20pF, SMD 3.2x2.5mm",
          {"package": "SMD3225-4P", "frequency": "16MHz", "load_capacitance": "20pF", "tolerance": "±10ppm"},
          lcsc="C13738"),
)  # fmt: skip

_CONN = ("Connector",)
_CONNECTORS = (
    _semi("JST-XH 2P header, vertical", f"{_X3}Bin 1", _CONN, "JST", "B2B-XH-A(LF)(SN)", "LCSC", 85, 0.03,
          "JST XH wire-to-board header, 2 positions, 2.50mm pitch, top entry, through-hole",
          {"series": "XH", "pins": 2, "pitch": "2.50mm", "mounting": "THT"}, lcsc="C158012"),
    _semi("JST-XH 3P header, vertical", f"{_X3}Bin 1", _CONN, "JST", "B3B-XH-A(LF)(SN)", "DigiKey", 14, 0.13,
          "JST XH wire-to-board header, 3 positions, 2.50mm pitch, top entry, through-hole",
          {"series": "XH", "pins": 3, "pitch": "2.50mm", "mounting": "THT"}, minimum=20),
    _semi("JST-PH 2P header, side entry", f"{_X3}Bin 2", _CONN, "JST", "S2B-PH-K-S(LF)(SN)", "DigiKey", 20, 0.15,
          "JST PH wire-to-board header for LiPo cells, 2 positions, 2.00mm pitch, side entry, through-hole",
          {"series": "PH", "pins": 2, "pitch": "2.00mm", "mounting": "THT"}),
    _semi("USB-C receptacle 16P SMD", f"{_X3}Bin 3", _CONN, "Korean Hroparts Elec", "TYPE-C-31-M-12", "LCSC", 40,
          0.12, "USB Type-C receptacle, 16 pins (USB 2.0), horizontal SMD",
          {"pins": 16, "usb": "2.0", "mounting": "SMD"}, lcsc="C165948"),
    _semi("Screw terminal 2P 5.08mm", f"{_X3}Bin 4", _CONN, "Phoenix Contact", "1729128", "Mouser", 16, 0.62,
          "PCB terminal block MKDS 1,5/ 2-5,08, 2 positions, 5.08mm pitch",
          {"pins": 2, "pitch": "5.08mm", "mounting": "THT"}),
)  # fmt: skip

_HEADERS = (
    DemoPart(
        "Pin header 1x40 2.54mm male, straight",
        f"{_X3}Bin 5",
        _CONN,
        manufacturer=None,
        mpn=None,
        supplier=None,
        quantity=25,
        unit_price=None,
        description="Breakaway pin header, single row, 40 positions, 2.54mm pitch (from a bag, no MPN)",
        properties={"rows": 1, "pins": 40, "pitch": "2.54mm", "gender": "male"},
    ),
    DemoPart(
        "Pin header 1x40 2.54mm female, straight",
        f"{_X3}Bin 6",
        _CONN,
        manufacturer=None,
        mpn=None,
        supplier=None,
        quantity=10,
        unit_price=None,
        description="Female socket header, single row, 40 positions, 2.54mm pitch (from a bag, no MPN)",
        properties={"rows": 1, "pins": 40, "pitch": "2.54mm", "gender": "female"},
    ),
)

DEMO_PARTS: tuple[DemoPart, ...] = (
    *_RESISTORS,
    *_CAPACITORS,
    *_TRANSISTORS,
    *_DIODES_AND_REGULATORS,
    *_ICS,
    *_CONNECTORS,
    *_HEADERS,
)


def walk(nodes: tuple[DemoLocation, ...] = DEMO_LOCATIONS, parent: str = "") -> Iterator[tuple[str, str, DemoLocation]]:
    """(parent path, path, location) for every location, parents before children."""
    for node in nodes:
        path = f"{parent}{SEPARATOR}{node.name}" if parent else node.name
        yield parent, path, node
        yield from walk(node.children, path)
