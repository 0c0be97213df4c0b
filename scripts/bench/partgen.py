"""Realistic synthetic parts for the inventory benchmark.

Passives are value x package x tolerance x voltage x maker, each maker with its own MPN scheme;
semiconductors are real families x maker/package suffixes; connectors are series x pins x mounting.
Each family is a mixed-radix space and parts are drawn from it without replacement, so names are
unique and the same seed always gives the same inventory.
"""

from __future__ import annotations

import math
import random
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from makermatrix_edge.inventory.models import PartCreate


def words(text: str) -> list[str]:
    return text.split()


# Every category a generated part can name (30); "_" stands for a space.
CATEGORIES = [
    c.replace("_", " ")
    for c in words(
        "Resistors Capacitors Ceramic_Capacitors Electrolytic_Capacitors Inductors Diodes Schottky_Diodes Zener_Diodes "
        "TVS_Diodes LEDs Transistors MOSFETs Voltage_Regulators LDO_Regulators DC-DC_Converters Voltage_References ICs "
        "Op-Amps Logic_ICs Microcontrollers Interface_ICs Memory Sensors Timers Motor_Drivers Battery_Management "
        "Connectors Pin_Headers JST_Connectors Terminal_Blocks"
    )
]


def location_tree() -> list[tuple[str, str, list[Any]]]:
    """(name, location_type, children): 3 rooms x 4 shelves x 5 drawers x 6 bins = 360 bins."""
    bins: list[tuple[str, str, list[Any]]] = [(f"Bin {b}", "bin", []) for b in range(1, 7)]
    drawers = [(f"Drawer {d}", "drawer", bins) for d in "ABCDE"]
    shelves = [(f"Shelf {s}", "shelf", drawers) for s in range(1, 5)]
    return [(room, "room", shelves) for room in ("Workshop", "Storage Room", "Garage")]


E96 = [round(10 ** (i / 96), 2) for i in range(96)]
E24 = [1.0, 1.1, 1.2, 1.3, 1.5, 1.6, 1.8, 2.0, 2.2, 2.4, 2.7, 3.0, 3.3, 3.6, 3.9, 4.3, 4.7, 5.1, 5.6, 6.2, 6.8, 7.5]
E24 += [8.2, 9.1]
E12 = [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2]
E6 = [1.0, 1.5, 2.2, 3.3, 4.7, 6.8]


def decades(series: list[float], count: int, scale: float = 1.0) -> list[float]:
    return [v * 10**d * scale for d in range(count) for v in series]


def si(value: float, unit: str, prefixes: Sequence[tuple[float, str]]) -> str:
    """4.7kΩ, 100nF, 2200µF: three significant digits, never an exponent."""
    scale, prefix = next(((s, p) for s, p in prefixes if value >= s * 0.999), (1.0, ""))
    scaled = value / scale
    return f"{scaled:.3g}{prefix}{unit}" if scaled < 1000 else f"{scaled:.0f}{prefix}{unit}"


def ohms(v: float) -> str:
    return si(v, "Ω", [(1e6, "M"), (1e3, "k")])


def farads(v: float) -> str:
    return si(v, "F", [(1e-6, "µ"), (1e-9, "n"), (1e-12, "p")])


def rkm(v: float) -> str:
    """10K0, 4K99, 100R, 1M00: value with the multiplier letter in place of the decimal point."""
    scale, letter = next(((s, m) for s, m in ((1e6, "M"), (1e3, "K")) if v >= s * 0.999), (1.0, "R"))
    whole, _, frac = f"{v / scale:.3g}".partition(".")
    return (whole + letter + frac + "00")[:4]


def eia(v: float, digits: int) -> str:
    """EIA value code: 1002 (10k, 4 digits) or 104 (100000 pF, 3 digits); R marks a decimal point."""
    if v < 10 ** (digits - 1):
        return f"{v:.{digits - 1}f}".replace(".", "R")[:digits]
    exponent = math.floor(math.log10(v) + 1e-9) - (digits - 2)
    return f"{round(v / 10**exponent):d}"[: digits - 1] + str(exponent)


@dataclass
class Spec:
    name: str
    maker: str
    mpn: str
    description: str
    categories: list[str]
    props: dict[str, Any]
    price: tuple[float, float]
    bulk: bool  # reels of passives, or a handful of ICs
    electrical: dict[str, str] = field(default_factory=dict)  # component_specs fields (ALORA face)


@dataclass
class Family:
    weight: float
    dims: list[Sequence[Any]]
    build: Callable[..., Spec]

    @property
    def size(self) -> int:
        return math.prod(len(d) for d in self.dims)

    def spec(self, index: int) -> Spec:
        choice = []
        for dim in self.dims:
            index, i = divmod(index, len(dim))
            choice.append(dim[i])
        return self.build(*choice)


R_POWER = {"0201": "50mW", "0402": "62.5mW", "0603": "100mW", "0805": "125mW", "1206": "250mW", "2512": "1W"}
R_SIZE = {"0201": "1", "0402": "2", "0603": "3", "0805": "6", "1206": "8", "2512": "T"}
TOLERANCE_LETTER = {"0.1%": "B", "0.5%": "D", "1%": "F", "5%": "J", "10%": "K", "20%": "M", "30%": "N"}
R_MAKERS = ["UNI-ROYAL", "YAGEO", "Vishay", "Panasonic", "KOA"]


def resistor(value: float, package: str, tolerance: str, maker: str) -> Spec:
    t, size, code = TOLERANCE_LETTER[tolerance], R_SIZE[package], eia(value, 4)
    mpn = {
        "UNI-ROYAL": f"{package}WA{t}{code}T5E",
        "YAGEO": f"RC{package}{t}R-07{rkm(value)}L",
        "Vishay": f"CRCW{package}{rkm(value)}{t}KEA",
        "Panasonic": f"ERJ-{size}EK{t}{code}V",
        "KOA": f"RK73H{size}TTD{code}{t}",
    }[maker]
    return Spec(
        name=f"{ohms(value)} {package} {tolerance} resistor {maker}",
        maker=maker,
        mpn=mpn,
        description=f"Thick film chip resistor {ohms(value)} ±{tolerance} {R_POWER[package]} {package}",
        categories=["Resistors"],
        props={"package": package, "resistance": ohms(value), "tolerance": f"±{tolerance}", "power": R_POWER[package]},
        price=(0.0005, 0.02),
        bulk=True,
    )


# package -> (Samsung, Murata, TDK) size codes; voltage -> (Samsung, Murata/TDK, YAGEO) codes
C_SIZE = {
    "0201": ("03", "03", "0603"),
    "0402": ("05", "15", "1005"),
    "0603": ("10", "18", "1608"),
    "0805": ("21", "21", "2012"),
}
C_SIZE |= {"1206": ("31", "31", "3216"), "1210": ("32", "32", "3225")}
C_VOLT = {"6.3V": ("Q", "0J", "5"), "10V": ("P", "1A", "6"), "16V": ("O", "1C", "7"), "25V": ("A", "1E", "8")}
C_VOLT |= {"50V": ("B", "1H", "9"), "100V": ("C", "2A", "0")}
DIELECTRIC = {"C0G": ("C", "5C"), "X7R": ("B", "R7"), "X5R": ("A", "R6")}


def ceramic(value: float, package: str, volts: str, tolerance: str, maker: str) -> Spec:
    dielectric = "C0G" if value <= 1e-9 else "X7R" if value <= 1e-6 else "X5R"
    (samsung, murata, tdk), (sv, mv, yv) = C_SIZE[package], C_VOLT[volts]
    code, t, (sd, md) = eia(value * 1e12, 3), TOLERANCE_LETTER[tolerance], DIELECTRIC[dielectric]
    mpn = {
        "Samsung": f"CL{samsung}{sd}{code}{t}{sv}8NNNC",
        "Murata": f"GRM{murata}8{md}{mv}{code}{t}A01D",
        "YAGEO": f"CC{package}{t}R{'NPO' if dielectric == 'C0G' else dielectric}{yv}BB{code}",
        "TDK": f"C{tdk}{dielectric}{mv}{code}{t}",
    }[maker]
    return Spec(
        name=f"{farads(value)} {package} {volts} {dielectric} {tolerance} capacitor {maker}",
        maker=maker,
        mpn=mpn,
        description=f"Multilayer ceramic capacitor {farads(value)} ±{tolerance} {volts} {dielectric} {package}",
        categories=["Capacitors", "Ceramic Capacitors"],
        props={
            "package": package,
            "capacitance": farads(value),
            "voltage_rating": volts,
            "dielectric": dielectric,
            "tolerance": f"±{tolerance}",
        },
        price=(0.0008, 0.05),
        bulk=True,
    )


def electrolytic(value: float, volts: int, series: str, maker: str) -> Spec:
    code = {6: "0J", 10: "1A", 16: "1C", 25: "1E", 35: "1V", 50: "1H", 63: "1J"}[volts] + eia(value * 1e6, 3)
    return Spec(
        name=f"{farads(value)} {volts}V electrolytic capacitor {maker} {series}",
        maker=maker,
        mpn=f"EEU-{series}{code}" if maker == "Panasonic" else f"U{series}{code}MED",
        description=f"Aluminium electrolytic capacitor {farads(value)} ±20% {volts}V 105°C, radial, {series} series",
        categories=["Capacitors", "Electrolytic Capacitors"],
        props={"capacitance": farads(value), "voltage_rating": f"{volts}V", "series": series, "package": "Radial"},
        price=(0.03, 0.9),
        bulk=True,
    )


def inductor(value: float, size: str, tolerance: str, maker: str) -> Spec:
    uh, code = f"{value * 1e6:g}µH", eia(value * 1e6, 3)
    prefix = {"Sunlord": "SWPA", "Bourns": "SRN", "Würth": "WE-LQS"}[maker]
    return Spec(
        name=f"{uh} {size}mm {tolerance} inductor {maker}",
        maker=maker,
        mpn=f"{prefix}{size.replace('x', '')}{'S' if maker == 'Sunlord' else '-'}{code}{TOLERANCE_LETTER[tolerance]}T",
        description=f"Shielded SMD power inductor {uh} ±{tolerance} {size}mm",
        categories=["Inductors"],
        props={"inductance": uh, "package": f"{size}mm", "tolerance": f"±{tolerance}"},
        price=(0.03, 0.6),
        bulk=True,
    )


LED_COLORS = {"red": "R", "green": "G", "blue": "B", "yellow": "Y", "white": "W", "orange": "O", "amber": "A"}
LED_MAKERS = {"Kingbright": "APT", "Everlight": "EL-", "Hubei KENTO Electronic": "KT-", "Lite-On": "LTST-"}


def led(color: str, package: str, maker: str) -> Spec:
    return Spec(
        name=f"{color.capitalize()} LED {package} {maker}",
        maker=maker,
        mpn=f"{LED_MAKERS[maker]}{package.replace('mm', '')}{LED_COLORS[color]}",
        description=f"{color.capitalize()} indicator LED, {package}",
        categories=["LEDs"],
        props={"package": package, "color": color},
        price=(0.005, 0.3),
        bulk=True,
    )


# (maker, MPN suffix, package): suffixes differ within a list, so MPNs and names stay unique.
SOT23 = [("onsemi", "LT1G", "SOT-23"), ("Nexperia", ",215", "SOT-23"), ("Diodes Incorporated", "-7-F", "SOT-23")]
SOT23 += [("Changjiang Electronics (CJ)", "", "SOT-23"), ("Vishay", "-E3-08", "SOT-23")]
TO92 = [("onsemi", "BU", "TO-92"), ("onsemi", "TA", "TO-92 ammo"), ("Diotec", "-DIO", "TO-92")]
TO220 = [("Infineon", "PBF", "TO-220"), ("STMicroelectronics", "", "TO-220"), ("onsemi", "G", "TO-220")]
SOIC = [("Texas Instruments", "DR", "SOIC"), ("STMicroelectronics", "DT", "SO"), ("onsemi", "DR2G", "SOIC")]
SOIC += [("HGSEMI", "M/TR", "SOP"), ("Texas Instruments", "PWR", "TSSOP"), ("Texas Instruments", "N", "DIP")]
DIODE = [("onsemi", "", "SOD-123"), ("Vishay", "-E3/61T", "SOD-123"), ("Diodes Incorporated", "-13-F", "SMA")]
DIODE += [("MDD (Microdiode Electronics)", "-MDD", "SMA"), ("Taiwan Semiconductor", " R3G", "DO-41")]
MCU = [("Microchip Technology", "-I/P", "DIP"), ("Microchip Technology", "-AU", "TQFP"), ("ST", "T6", "LQFP")]
MCU += [("Espressif Systems", "-N4", "QFN"), ("WCH", "-WCH", "SOP")]
LOGIC = [f"74{fam}{n}" for fam in words("HC HCT LVC AHC LS") for n in words("00 02 04 08 14 32 74 86 125 138 139 157")]
LOGIC += [f"74HC{n}" for n in words("164 165 244 245 273 373 374 541 573 574 595 4051 4053 4060")]
LOGIC += words("CD4017B CD4040B CD4051B CD4066B CD4093B")
ZENERS = [f"BZT52C{v}" for v in words("2V4 2V7 3V0 3V3 3V6 3V9 4V3 4V7 5V1 5V6 6V2 6V8 7V5 8V2 9V1 10 12 15 18 24")]
SEMICONDUCTORS: list[tuple[list[str], str, list[str], list[tuple[str, str, str]]]] = [
    (
        ["Transistors"],
        "transistor",
        words("MMBT3904 MMBT3906 MMBT2222A MMBT4401 MMBT5551 BC817-25 BC817-40 BC807-40 BC847B BC847C BC857B BC857C")
        + words("BC846B BC856B S8050 S8550 S9012 S9013 S9014 SS8050 PBSS4041NT"),
        SOT23,
    ),
    (
        ["Transistors"],
        "transistor",
        words("2N3904 2N3906 2N2222A 2N2907A 2N4401 2N4403 2N5551 2N5401 BC547B BC547C BC548B BC557B BC337-40")
        + words("BC327-40 2SC1815 2SA1015"),
        TO92,
    ),
    (["Transistors"], "power transistor", words("TIP120 TIP122 TIP127 TIP31C TIP32C TIP41C TIP42C BD139 BD140"), TO220),
    (
        ["MOSFETs"],
        "MOSFET",
        words("2N7002 2N7002K BSS138 BSS84 BSS123 AO3400A AO3401A AO3402 AO3407A SI2301CDS SI2302CDS SI2305CDS")
        + words("IRLML2502 IRLML6402 DMG2305UX DMN2041L PMV16XN NTR4003N"),
        SOT23,
    ),
    (
        ["MOSFETs"],
        "power MOSFET",
        words("IRLZ44N IRLZ34N IRF540N IRF9540N IRF3205 IRF1404 IRF520N IRFZ44N IRLB8721 FQP30N06L STP55NF06L"),
        TO220,
    ),
    (["Diodes"], "diode", words("1N4148 1N4148W 1N914 BAS16 BAV99 BAV70 1N4001 1N4004 1N4007 US1M ES1J RS1M"), DIODE),
    (
        ["Diodes", "Schottky Diodes"],
        "Schottky diode",
        words("1N5817 1N5819 1N5822 SS14 SS16 SS24 SS34 SS36 SS54 SS510 BAT54 BAT54C BAT54S BAT85 MBR0520 MBRS340"),
        DIODE,
    ),
    (["Diodes", "Zener Diodes"], "Zener diode", ZENERS, DIODE),
    (["Diodes", "TVS Diodes"], "TVS diode", words("SMBJ5.0A SMBJ12A SMBJ24A SMAJ5.0A SMAJ15A P6KE6.8A P6KE15A"), DIODE),
    (
        ["Voltage Regulators", "LDO Regulators"],
        "LDO regulator",
        words("AMS1117-1.8 AMS1117-3.3 AMS1117-5.0 LM1117-3.3 MCP1700-3302E XC6206P332MR HT7333 RT9013-33")
        + words("AP2112K-3.3 ME6211C33 TLV1117-33 LP2985-33"),
        SOT23,
    ),
    (["Voltage Regulators"], "linear regulator", words("L7805C L7812C L7833C LM317 LM337 L7905C L7912C"), TO220),
    (
        ["Voltage Regulators", "DC-DC Converters"],
        "DC-DC converter",
        words("LM2596S-5.0 LM2596S-ADJ MP1584EN MP2307DN TPS5430 TPS54331 TPS563200 TPS62160 TPS63020 MT3608 XL6009"),
        SOIC,
    ),
    (["Voltage References"], "voltage reference", words("TL431A TL432 LM385-2.5 LM4040-4.1 REF3030"), SOT23),
    (
        ["ICs", "Op-Amps"],
        "op-amp",
        words("LM358 LM324 LM393 LM339 TL071 TL072 TL074 TL082 NE5532 OPA2134 MCP6002 LMV358 AD8605 OPA333 LM386"),
        SOIC,
    ),
    (["ICs", "Logic ICs"], "logic IC", LOGIC, SOIC),
    (["ICs", "Timers"], "timer", words("NE555 NE556 LMC555 TLC555 ICM7555"), SOIC),
    (
        ["ICs", "Interface ICs"],
        "interface IC",
        words("MAX232 MAX3232 MAX485 SP3485 SN65HVD230 TJA1050 MCP2515 MCP2551 PCA9685 PCF8574 MCP23017 TXS0108E")
        + words("ADUM1201 6N137 PC817 CH340G CH340C CP2102 FT232RL"),
        SOIC,
    ),
    (["ICs", "Memory"], "memory", words("24C02 24C64 AT24C256 W25Q16 W25Q32 W25Q64 W25Q128 23LC1024 FM24CL64"), SOIC),
    (
        ["ICs", "Sensors"],
        "sensor",
        words("ADS1115 ADS1015 MCP3008 INA219 INA226 HX711 MAX31855 MAX6675 DS18B20 BME280 BMP280 SHT31 AHT20")
        + words("MPU6050 LIS3DH ADXL345"),
        SOIC,
    ),
    (
        ["ICs", "Motor Drivers"],
        "motor driver",
        words("ULN2003A ULN2803A L293D DRV8833 DRV8825 A4988 TB6612FNG TMC2209 IR2104 TC4427"),
        SOIC,
    ),
    (["ICs", "Battery Management"], "battery IC", words("TP4056 MCP73831 BQ24075 IP5306 DW01A LTC4054"), SOIC),
    (
        ["ICs", "Microcontrollers"],
        "microcontroller",
        words("ATmega328P ATmega168PA ATmega32U4 ATmega2560 ATtiny85 ATtiny13A ATtiny1614 STM32F103C8 STM32F030F4P6")
        + words("STM32F401CC STM32G030F6P6 GD32F103C8 CH32V003F4P6 RP2040 ESP32-C3 ESP32-S3 PIC16F628A MSP430G2553"),
        MCU,
    ),
]
SEMI_CHOICES = [
    (categories, kind, base, variant)
    for categories, kind, bases, variants in SEMICONDUCTORS
    for base in bases
    for variant in variants
]


# Electrical specs of the semiconductors, after their datasheets ("_" stands for a space). Values are written
# with SI prefixes; `spelled` rewrites them per maker the way shop listings do ("100mA", "0.1A", "100 mA").
def table(text: str) -> dict[str, list[str]]:
    rows = [words(line) for line in text.strip().splitlines()]
    return {row[0]: [cell.replace("_", " ") for cell in row[1:]] for row in rows}


# base: polarity v_max i_max power_max gain_min
BJTS = table("""
MMBT3904 NPN 40V 200mA 350mW 100
MMBT3906 PNP 40V 200mA 350mW 100
MMBT2222A NPN 40V 600mA 350mW 100
MMBT4401 NPN 40V 600mA 350mW 100
MMBT5551 NPN 160V 600mA 350mW 80
BC817-25 NPN 45V 500mA 250mW 160
BC817-40 NPN 45V 500mA 250mW 250
BC807-40 PNP 45V 500mA 250mW 250
BC847B NPN 45V 100mA 250mW 200
BC847C NPN 45V 100mA 250mW 420
BC857B PNP 45V 100mA 250mW 220
BC857C PNP 45V 100mA 250mW 420
BC846B NPN 65V 100mA 250mW 200
BC856B PNP 65V 100mA 250mW 220
S8050 NPN 25V 500mA 300mW 120
S8550 PNP 25V 500mA 300mW 120
S9012 PNP 20V 500mA 300mW 64
S9013 NPN 20V 500mA 300mW 64
S9014 NPN 45V 100mA 300mW 60
SS8050 NPN 25V 1.5A 300mW 120
PBSS4041NT NPN 60V 4.1A 700mW 250
2N3904 NPN 40V 200mA 625mW 100
2N3906 PNP 40V 200mA 625mW 100
2N2222A NPN 40V 600mA 625mW 100
2N2907A PNP 60V 600mA 625mW 100
2N4401 NPN 40V 600mA 625mW 100
2N4403 PNP 40V 600mA 625mW 100
2N5551 NPN 160V 600mA 625mW 80
2N5401 PNP 150V 600mA 625mW 60
BC547B NPN 45V 100mA 500mW 200
BC547C NPN 45V 100mA 500mW 420
BC548B NPN 30V 100mA 500mW 200
BC557B PNP 45V 100mA 500mW 220
BC337-40 NPN 45V 800mA 625mW 250
BC327-40 PNP 45V 800mA 625mW 250
2SC1815 NPN 50V 150mA 400mW 70
2SA1015 PNP 50V 150mA 400mW 70
TIP120 NPN 60V 5A 65W 1000
TIP122 NPN 100V 5A 65W 1000
TIP127 PNP 100V 5A 65W 1000
TIP31C NPN 100V 3A 40W 25
TIP32C PNP 100V 3A 40W 25
TIP41C NPN 100V 6A 65W 15
TIP42C PNP 100V 6A 65W 15
BD139 NPN 80V 1.5A 12.5W 40
BD140 PNP 80V 1.5A 12.5W 40
""")
# base: channel v_max i_max power_max rds_on vgs_th vgs_max
MOSFETS = table("""
2N7002 N 60V 115mA 200mW 7.5Ω_@_10V 1–2.5V ±20V
2N7002K N 60V 300mA 350mW 2.5Ω_@_10V 1–2.5V ±20V
BSS138 N 50V 220mA 360mW 3.5Ω_@_10V 0.8–1.5V ±20V
BSS84 P 50V 130mA 360mW 10Ω_@_5V -0.8_to_-2V ±20V
BSS123 N 100V 170mA 360mW 6Ω_@_10V 0.8–2.8V ±20V
AO3400A N 30V 5.7A 1.4W 28mΩ_@_4.5V 0.65–1.45V ±12V
AO3401A P 30V 4A 1.4W 60mΩ_@_4.5V -0.5_to_-1.3V ±12V
AO3402 N 30V 4A 1.4W 70mΩ_@_4.5V 0.7–1.4V ±12V
AO3407A P 30V 4.3A 1.4W 72mΩ_@_4.5V -1.3_to_-2.4V ±20V
SI2301CDS P 20V 3.1A 860mW 112mΩ_@_4.5V -0.4_to_-1V ±8V
SI2302CDS N 20V 2.9A 860mW 57mΩ_@_4.5V 0.4–1V ±8V
SI2305CDS P 8V 5.8A 1.6W 40mΩ_@_4.5V -0.4_to_-1V ±8V
IRLML2502 N 20V 4.2A 1.25W 45mΩ_@_4.5V 0.6–1.2V ±12V
IRLML6402 P 20V 3.7A 1.3W 65mΩ_@_4.5V -0.4_to_-1.2V ±12V
DMG2305UX P 20V 4.2A 1.4W 52mΩ_@_4.5V -0.5_to_-0.9V ±8V
DMN2041L N 20V 6.4A 1.4W 28mΩ_@_4.5V 0.5–1V ±8V
PMV16XN N 20V 6.8A 1.7W 20mΩ_@_4.5V 0.45–0.9V ±12V
NTR4003N N 30V 560mA 690mW 1.5Ω_@_4.5V 0.8–1.4V ±20V
IRLZ44N N 55V 47A 110W 22mΩ_@_10V 1–2V ±16V
IRLZ34N N 55V 30A 68W 35mΩ_@_10V 1–2V ±16V
IRF540N N 100V 33A 130W 44mΩ_@_10V 2–4V ±20V
IRF9540N P 100V 23A 140W 117mΩ_@_10V -2_to_-4V ±20V
IRF3205 N 55V 110A 200W 8mΩ_@_10V 2–4V ±20V
IRF1404 N 40V 162A 200W 4mΩ_@_10V 2–4V ±20V
IRF520N N 100V 9.7A 48W 200mΩ_@_10V 2–4V ±20V
IRFZ44N N 55V 49A 94W 17.5mΩ_@_10V 2–4V ±20V
IRLB8721 N 30V 62A 65W 16mΩ_@_4.5V 1.35–2.35V ±20V
FQP30N06L N 60V 32A 79W 45mΩ_@_5V 1–2.5V ±20V
STP55NF06L N 60V 55A 95W 20mΩ_@_5V 1–2.5V ±16V
""")
# base: diode_type v_max i_max vf trr internal_config ("-": not given); Zeners are made from their names.
DIODES = table("""
1N4148 Switching 100V 300mA 1V_@_10mA 4ns Single
1N4148W Switching 75V 150mA 1V_@_10mA 4ns Single
1N914 Switching 100V 200mA 1V_@_10mA 4ns Single
BAS16 Switching 100V 215mA 1V_@_50mA 4ns Single
BAV99 Switching 100V 215mA 1.25V_@_150mA 4ns Series
BAV70 Switching 100V 215mA 1.25V_@_150mA 6ns Common_Cathode
1N4001 Rectifier 50V 1A 1.1V_@_1A - Single
1N4004 Rectifier 400V 1A 1.1V_@_1A - Single
1N4007 Rectifier 1kV 1A 1.1V_@_1A - Single
US1M Fast_Recovery 1kV 1A 1.7V_@_1A 75ns Single
ES1J Fast_Recovery 600V 1A 1.7V_@_1A 35ns Single
RS1M Fast_Recovery 1kV 1A 1.3V_@_1A 500ns Single
1N5817 Schottky 20V 1A 450mV_@_1A - Single
1N5819 Schottky 40V 1A 600mV_@_1A - Single
1N5822 Schottky 40V 3A 525mV_@_3A - Single
SS14 Schottky 40V 1A 500mV_@_1A - Single
SS16 Schottky 60V 1A 700mV_@_1A - Single
SS24 Schottky 40V 2A 500mV_@_2A - Single
SS34 Schottky 40V 3A 500mV_@_3A - Single
SS36 Schottky 60V 3A 750mV_@_3A - Single
SS54 Schottky 40V 5A 550mV_@_5A - Single
SS510 Schottky 100V 5A 850mV_@_5A - Single
BAT54 Schottky 30V 200mA 400mV_@_10mA - Single
BAT54C Schottky 30V 200mA 400mV_@_10mA - Common_Cathode
BAT54S Schottky 30V 200mA 400mV_@_10mA - Series
BAT85 Schottky 30V 200mA 400mV_@_10mA - Single
MBR0520 Schottky 20V 500mA 350mV_@_100mA - Single
MBRS340 Schottky 40V 3A 525mV_@_3A - Single
SMBJ5.0A TVS 5V 65.2A 3.5V_@_50A - Single
SMBJ12A TVS 12V 30.2A 3.5V_@_50A - Single
SMBJ24A TVS 24V 15.4A 3.5V_@_50A - Single
SMAJ5.0A TVS 5V 43.5A 3.5V_@_25A - Single
SMAJ15A TVS 15V 16.4A 3.5V_@_25A - Single
P6KE6.8A TVS 5.8V 57A 3.5V_@_50A - Single
P6KE15A TVS 12.8V 28A 3.5V_@_50A - Single
""")
TVS_POWER = {"SMBJ": "600W", "SMAJ": "400W", "P6KE": "600W"}
# base: reg_type v_in_max v_out i_out_max accuracy ("-": not given)
REGULATORS = table("""
AMS1117-1.8 LDO 15V 1.8V 1A ±1%
AMS1117-3.3 LDO 15V 3.3V 1A ±1%
AMS1117-5.0 LDO 15V 5V 1A ±1%
LM1117-3.3 LDO 15V 3.3V 800mA ±1%
MCP1700-3302E LDO 6V 3.3V 250mA ±2%
XC6206P332MR LDO 6V 3.3V 200mA ±2%
HT7333 LDO 12V 3.3V 250mA ±3%
RT9013-33 LDO 5.5V 3.3V 500mA ±2%
AP2112K-3.3 LDO 6V 3.3V 600mA ±1.5%
ME6211C33 LDO 6.5V 3.3V 500mA ±2%
TLV1117-33 LDO 15V 3.3V 800mA ±1.5%
LP2985-33 LDO 16V 3.3V 150mA ±1%
L7805C Linear 35V 5V 1.5A ±4%
L7812C Linear 35V 12V 1.5A ±4%
L7833C Linear 35V 3.3V 1.5A ±4%
LM317 Linear 40V 1.25–37V 1.5A -
LM337 Linear -40V -1.25_to_-37V 1.5A -
L7905C Linear -35V -5V 1.5A ±4%
L7912C Linear -35V -12V 1.5A ±4%
LM2596S-5.0 Buck 40V 5V 3A ±4%
LM2596S-ADJ Buck 40V 1.23–37V 3A -
MP1584EN Buck 28V 0.8–25V 3A -
MP2307DN Buck 23V 0.925–20V 3A -
TPS5430 Buck 36V 1.22–31V 3A -
TPS54331 Buck 28V 0.8–25V 3A -
TPS563200 Buck 17V 0.76–7V 3A -
TPS62160 Buck 17V 0.9–6V 1A -
TPS63020 Buck-Boost 5.5V 1.2–5.5V 2A -
MT3608 Boost 24V 5–28V 2A -
XL6009 Boost 32V 5–35V 4A -
TL431A Voltage_Reference 36V 2.5–36V 100mA ±1%
TL432 Voltage_Reference 36V 2.5–36V 100mA ±2%
LM385-2.5 Voltage_Reference - 2.5V 20mA ±1.5%
LM4040-4.1 Voltage_Reference - 4.096V 15mA ±0.1%
REF3030 Voltage_Reference 5.5V 3V 25mA ±0.2%
""")


def zener(base: str) -> list[str]:
    """BZT52C5V1 and kin (500 mW): the Zener voltage as the rating, Izm = P / Vz; columns as in DIODES."""
    vz = float(base.removeprefix("BZT52C").replace("V", "."))
    return ["Zener", f"{vz:g}V", f"{500 / vz:.0f}mA", "900mV @ 10mA", "-", "Single"]


_PREFIXED = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)([mk]?)(A|W|Ω|V)")


def spelled(text: str, style: int) -> str:
    """Style 0 as written ("350mW"), 1 in base units ("0.35W", "1000V"), 2 spaced with words ("28 mOhm")."""

    def one(m: re.Match[str]) -> str:
        number, prefix, unit = m.groups()
        if style == 1 and prefix:
            return f"{float(number) * (1e-3 if prefix == 'm' else 1e3):.6g}{unit}"
        if style == 2:
            return f"{number} {prefix}{'Ohm' if unit == 'Ω' else unit}"
        return m.group()

    return text if style == 0 else _PREFIXED.sub(one, text)


def electrical(base: str, package: str, mpn: str) -> dict[str, str]:
    """The component_specs fields of a semiconductor ({} for ICs without any); each maker spells units its way."""
    package = package.removesuffix(" ammo")
    if base in BJTS:
        polarity, v_max, i_max, power, gain = BJTS[base]
        specs = {"technology": polarity, "polarity": polarity, "channel": "SINGLE", "package": package}
        specs |= {"v_max": v_max, "i_max": i_max, "power_max": power, "gain_min": gain}
    elif base in MOSFETS:
        channel, v_max, i_max, power, rds_on, vgs_th, vgs_max = MOSFETS[base]
        logic = float(re.findall(r"[0-9.]+", vgs_th)[-1]) <= 2.5
        specs = {"technology": "MOSFET", "polarity": f"{channel}-MOSFET", "channel": channel, "package": package}
        specs |= {"v_max": v_max, "i_max": i_max, "power_max": power, "rds_on": rds_on, "vgs_th": vgs_th}
        specs |= {"vgs_max": vgs_max, "switching_type": "Logic-Level" if logic else "Standard"}
    elif base in DIODES or base.startswith("BZT52C"):
        diode_type, v_max, i_max, vf, trr, config = DIODES.get(base) or zener(base)
        specs = {"technology": "DIODE", "polarity": "PN", "channel": "SINGLE", "package": package}
        specs |= {"v_max": v_max, "i_max": i_max, "vf": vf, "diode_type": diode_type, "internal_config": config}
        specs |= {"trr": trr} if trr != "-" else {}
        if diode_type in ("TVS", "Zener"):
            specs["power_max"] = TVS_POWER.get(base[:4], "500mW")
    elif base in REGULATORS:
        reg_type, v_in_max, v_out, i_out_max, accuracy = REGULATORS[base]
        specs = {"technology": "IC", "package": package, "v_out": v_out, "i_out_max": i_out_max, "reg_type": reg_type}
        specs |= {"v_in_max": v_in_max} if v_in_max != "-" else {}
        specs |= {"accuracy": accuracy} if accuracy != "-" else {}
    else:
        return {}
    style = zlib.crc32(mpn.encode()) % 3
    return {k: spelled(v, style) if k in UNIT_FIELDS else v for k, v in specs.items()}


UNIT_FIELDS = frozenset(words("v_max i_max power_max rds_on vgs_th vgs_max vf v_in_max v_out i_out_max"))


def semiconductor(choice: tuple[list[str], str, str, tuple[str, str, str]]) -> Spec:
    categories, kind, base, (maker, suffix, package) = choice
    return Spec(
        name=f"{base}{suffix} {kind} {package}",
        maker=maker,
        mpn=f"{base}{suffix}",
        description=f"{base} {kind}, {package}",
        categories=categories,
        props={"package": package, "family": base},
        price=(0.01, 6.0),
        bulk=False,
        electrical=electrical(base, package, f"{base}{suffix}"),
    )


CONNECTOR_SERIES = [
    ("Pin header 1 row", "2.54mm", "Pin Headers"),
    ("Pin header 2 rows", "2.54mm", "Pin Headers"),
    ("Female header 1 row", "2.54mm", "Pin Headers"),
    ("Pin header 1 row", "2.00mm", "Pin Headers"),
    ("Pin header 1 row", "1.27mm", "Pin Headers"),
    ("JST XH", "2.50mm", "JST Connectors"),
    ("JST PH", "2.00mm", "JST Connectors"),
    ("JST SH", "1.00mm", "JST Connectors"),
    ("JST ZH", "1.50mm", "JST Connectors"),
    ("Screw terminal", "5.08mm", "Terminal Blocks"),
    ("Screw terminal", "3.50mm", "Terminal Blocks"),
    ("Molex KK", "2.54mm", "Connectors"),
]


def connector(series: tuple[str, str, str], pins: int, mounting: str, maker: str) -> Spec:
    name, pitch, category = series
    code = "".join(w[0] for w in name.split()).upper()
    return Spec(
        name=f"{name} {pins}P {pitch} {mounting} {maker}",
        maker=maker,
        mpn=f"{maker[:3].upper()}-{code}{pitch[0]}{pitch[2:4]}-{pins:02d}{mounting[0].upper()}",
        description=f"{name} connector, {pins} positions, {pitch} pitch, {mounting}",
        categories=["Connectors", category] if category != "Connectors" else ["Connectors"],
        props={"pins": pins, "pitch": pitch, "mounting": mounting},
        price=(0.01, 1.5),
        bulk=False,
    )


FAMILIES = [
    Family(0.40, [decades(E96, 7), list(R_POWER), ["0.1%", "0.5%", "1%"], R_MAKERS], resistor),
    Family(0.06, [decades(E24, 7), list(R_POWER), ["5%"], ["UNI-ROYAL", "YAGEO", "Vishay", "KOA"]], resistor),
    Family(
        0.34,
        [
            decades(E12, 8, 1e-12),
            list(C_SIZE),
            list(C_VOLT),
            ["5%", "10%", "20%"],
            ["Samsung", "Murata", "YAGEO", "TDK"],
        ],
        ceramic,
    ),
    Family(
        0.03,
        [decades(E6, 4, 1e-6), [6, 10, 16, 25, 35, 50, 63], words("FR FC VR HE"), ["Panasonic", "Nichicon"]],
        electrolytic,
    ),
    Family(
        0.03,
        [decades(E6, 3, 1e-6), words("4x4 5x5 6x6 8x8 10x10 12x12"), ["20%", "30%"], ["Sunlord", "Bourns", "Würth"]],
        inductor,
    ),
    Family(0.08, [SEMI_CHOICES], semiconductor),
    Family(0.01, [list(LED_COLORS), words("0402 0603 0805 1206 3mm 5mm PLCC-2"), list(LED_MAKERS)], led),
    Family(
        0.06,
        [CONNECTOR_SERIES, range(1, 41), ["vertical THT", "right-angle THT", "SMD"], ["Würth", "Amphenol", "Molex"]],
        connector,
    ),
]
SUPPLIERS, SUPPLIER_WEIGHTS = ["LCSC", "DigiKey", "Mouser"], [0.6, 0.25, 0.15]


class PartGenerator:
    """`n` distinct parts drawn from FAMILIES by weight (a family too small for its share gives it to the others)."""

    def __init__(self, n: int, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        capacity = sum(f.size for f in FAMILIES)
        if not 0 < n <= capacity:
            raise ValueError(f"partgen makes 1 to {capacity} distinct parts")
        total_weight = sum(f.weight for f in FAMILIES)
        quota = [min(f.size, int(n * f.weight / total_weight)) for f in FAMILIES]
        while sum(quota) < n:
            for i, family in enumerate(FAMILIES):
                quota[i] = min(family.size, quota[i] + max(1, (n - sum(quota)) // len(FAMILIES)))
                if sum(quota) == n:
                    break
        self.plan = [(f, i) for f, q in zip(FAMILIES, quota, strict=True) for i in self.rng.sample(range(f.size), q)]
        self.rng.shuffle(self.plan)
        self.c_numbers = iter(self.rng.sample(range(2_000, 6_000_000), n))

    def __len__(self) -> int:
        return len(self.plan)

    def part(self, spec: Spec, location_id: str) -> PartCreate:
        rng = self.rng
        supplier = rng.choices(SUPPLIERS, SUPPLIER_WEIGHTS)[0]
        number = next(self.c_numbers)
        part_number = {"LCSC": f"C{number}", "DigiKey": f"{spec.mpn}-ND", "Mouser": f"{number % 900 + 10}-{spec.mpn}"}
        if spec.bulk:
            quantity = rng.choice([0, 10, 50, 100, 500, 1000, 4000, rng.randint(1, 5000)])
        else:
            quantity = rng.randint(0, 200)
        return PartCreate(
            part_name=spec.name,
            part_number=part_number[supplier],
            manufacturer=spec.maker,
            manufacturer_part_number=spec.mpn,
            description=spec.description,
            quantity=quantity,
            min_quantity=rng.choice([5, 10, 20, 50, 100]) if rng.random() < 0.2 else 0,
            supplier=supplier,
            location_id=location_id,
            unit_price=round(rng.uniform(*spec.price), 4),
            currency="EUR" if rng.random() < 0.1 else "USD",
            additional_properties=spec.props,
            category_names=spec.categories,
        )

    def batches(self, size: int, bins: Sequence[str]) -> Iterator[list[tuple[PartCreate, dict[str, str]]]]:
        """Parts in lists of `size`, each with its electrical specs ({} for most: passives, connectors, ICs)."""
        for start in range(0, len(self.plan), size):
            specs = [f.spec(i) for f, i in self.plan[start : start + size]]
            yield [(self.part(spec, self.rng.choice(bins)), spec.electrical) for spec in specs]
