"""The demo bench's project: a small clock board with its KiCad BOM, matched to the demo shelf on load."""

from __future__ import annotations

import msgspec

# A KiCad 8 "Export BOM" CSV as it comes out (quoted, designators grouped per value): most lines are on
# the demo shelf by value and footprint, some by LCSC number or the value as an MPN; R7 (47k) is not
# stocked and JP1 is not placed, so the demo shows an unmatched line and a do-not-place line too.
CLOCK_BOARD_BOM = """\
"Reference","Value","Footprint","Qty","DNP","MPN","LCSC"
"C1,C2,C3,C4","100nF","Capacitor_SMD:C_0603_1608Metric","4","","",""
"C5","10uF","Capacitor_SMD:C_0805_2012Metric","1","","",""
"C6,C7","22pF","Capacitor_SMD:C_0603_1608Metric","2","","",""
"D1","LED_Red","LED_SMD:LED_0603_1608Metric","1","","","C2286"
"J1","USB_C_Receptacle","Connector_USB:USB_C_Receptacle_HRO_TYPE-C-31-M-12","1","","TYPE-C-31-M-12","C165948"
"JP1","Jumper","Jumper:SolderJumper-2_P1.3mm_Open_Pad1.0x1.5mm","1","DNP","",""
"Q1","AO3400A","Package_TO_SOT_SMD:SOT-23","1","","",""
"R1,R2","10k","Resistor_SMD:R_0603_1608Metric","2","","",""
"R3","4k7","Resistor_SMD:R_0603_1608Metric","1","","",""
"R4","1k","Resistor_SMD:R_0603_1608Metric","1","","",""
"R5,R6","5.1k","Resistor_SMD:R_0603_1608Metric","2","","","C23186"
"R7","47k","Resistor_SMD:R_0603_1608Metric","1","","",""
"U1","ATmega328P-AU","Package_QFP:TQFP-32_7x7mm_P0.8mm","1","","",""
"U2","CH340G","Package_SO:SOIC-16_3.9x9.9mm_P1.27mm","1","","CH340G","C14267"
"U3","AMS1117-3.3","Package_TO_SOT_SMD:SOT-223-3_TabPin2","1","","AMS1117-3.3",""
"Y1","16MHz","Crystal:Crystal_SMD_3225-4Pin_3.2x2.5mm","1","","","C13738"
"""


class DemoProject(msgspec.Struct, frozen=True):
    name: str
    description: str
    status: str
    bom_filename: str
    bom: str


DEMO_PROJECTS = (
    DemoProject(
        name="USB clock board",
        description="ATmega328P clock with a CH340G USB serial port and a USB-C socket (KiCad 8)",
        status="active",
        bom_filename="usb-clock-board.csv",
        bom=CLOCK_BOARD_BOM,
    ),
)
