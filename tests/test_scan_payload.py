"""Payload parsing against the vectors in reference/barcodes.md (positive and negative), plus our own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from makermatrix_edge.codes import payload
from makermatrix_edge.codes.payload import parse_payload, receipt_key

GS, RS, EOT = "\x1d", "\x1e", "\x04"
Z = "20Z" + "0" * 40

# (vector #, payload, supplier, supplier PN, MPN, manufacturer, quantity)
SUPPLIER_VECTORS = [
    (1, "{pbn:PICK2009291337,on:SO2009291337,pc:C312270,pm:ST-1-102-A01-T000-RS,qty:2,mc:,cc:1,pdi:34421807}",
     "LCSC", "C312270", "ST-1-102-A01-T000-RS", None, 2),
    (2, "{pbn:PICK2506270148,on:GB2506270877,pc:C22437266,pm:IA0509S-2W,qty:3,mc:,cc:1,pdi:164234874,hp:null,wc:ZH}",
     "LCSC", "C22437266", "IA0509S-2W", None, 3),
    (3, "{pbn:PICK2311010075,on:GB2311011210,pc:C136648,pm:LMR16030SDDAR,qty:5,mc:10,cc:1,pdi:95387529,hp:0,wc:ZH}",
     "LCSC", "C136648", "LMR16030SDDAR", None, 5),
    (4, "{pc:C138033,pm:RC0402FR-071ML,qty:10}", "LCSC", "C138033", "RC0402FR-071ML", None, 10),
    (5, f"[)>{RS}06{GS}P296-LM358BIDDFRCT-ND{GS}1PLM358BIDDFR{GS}K{GS}1K72991337{GS}10K85781337{GS}11K1{GS}4LPH"
     f"{GS}Q10{GS}11ZPICK{GS}12Z15221337{GS}13Z361337{GS}{Z}",
     "DigiKey", "296-LM358BIDDFRCT-ND", "LM358BIDDFR", None, 10),
    (6, f"[)>{RS}06{GS}P182{GS}1PS3B-PH-K-S{GS}30P455-1720-ND{GS}K{GS}1K87684816{GS}10K105867004{GS}9D2022-05"
     f"{GS}1TS30784-17{GS}11K1{GS}4LMY{GS}Q2{GS}11ZPICK{GS}12Z926627{GS}13Z999999{GS}{Z}{RS}{EOT}",
     "DigiKey", "455-1720-ND", "S3B-PH-K-S", None, 2),
    (7, f"[)>{RS}06{GS}PQ1045-ND{GS}1P364019-01{GS}30PQ1045-ND{GS}K12432 TRAVIS FOSS P{GS}1K85732873{GS}10K103332956"
     f"{GS}9D231013{GS}1TQJ13P{GS}11K1{GS}4LTW{GS}Q3{GS}11ZPICK{GS}12Z7360988{GS}13Z999999{GS}{Z}",
     "DigiKey", "Q1045-ND", "364019-01", None, 3),
    (8, f"[)>{RS}06{GS}P445-175186-1-ND{GS}1PTFM252012ALMA3R3MTAA{GS}30P445-175186-1-ND{GS}K{GS}1K95952283"
     f"{GS}10K118292010{GS}9D2532{GS}1T0844718727{GS}11K1{GS}4LJP{GS}Q10{GS}11ZPICK{GS}12Z7795258{GS}13Z999999"
     f"{GS}{Z}{RS}{EOT}", "DigiKey", "445-175186-1-ND", "TFM252012ALMA3R3MTAA", None, 10),
    (9, f"[)>{RS}06{GS}PBINNER PROJECT{GS}1PBOB-13282{GS}K{GS}1K73489925{GS}10K86366757{GS}11K1{GS}4LUS{GS}Q2"
     f"{GS}11ZPICK{GS}12Z6163655{GS}13Z518889{GS}{Z}", "DigiKey", None, "BOB-13282", None, 2),
    (10, f"[)>{RS}06{GS}J2DA5B02E.F7714D73.93C6D152.7F652D6B5032{GS}PAZ1117EH-3.3TRG1DICT-ND{GS}1PAZ1117EH-3.3TRG1"
     f"{GS}9D1719{GS}14Z170507{GS}1TH510592.U1{GS}4LCN{GS}11ZPREPACK{GS}15Z1.0.1{GS}12Z5001336{GS}Q000000001"
     f"{GS}13Z000000", "DigiKey", "AZ1117EH-3.3TRG1DICT-ND", "AZ1117EH-3.3TRG1", None, 1),
    (11, f"[)>06{GS}P596-777A1-ND{GS}1PXAF4444{GS}Q3{GS}10D1452{GS}1TBF1103{GS}4LUS{RS}{EOT}",
     "DigiKey", "596-777A1-ND", "XAF4444", None, 3),
    (13, f"[)>{RS}06{GS}KP0-1337{GS}14K011{GS}1PMC34063ADR{GS}Q3{GS}11K073121337{GS}4LMX{GS}1VTI{RS}{EOT}",
     "Mouser", None, "MC34063ADR", "TI", 3),
    (14, f">[)>06{GS}K21421337{GS}14K033{GS}1PLDK320ADU33R{GS}Q32{GS}11K060931337{GS}4LCN{GS}1VSTMicro",
     "Mouser", None, "LDK320ADU33R", "STMicro", 32),
    (15, f"[)>{RS}06{GS}K26161557{GS}14K054{GS}1PPESD3V3S2UT,215{GS}Q40{GS}11K069009053{GS}4LCN{GS}1VNexperia{RS}{EOT}",
     "Mouser", None, "PESD3V3S2UT,215", "Nexperia", 40),
    (16, "[)>^06]K26161557]14K054]1PPESD3V3S2UT,215]q40]11K069009053]4LCN]1VNexperia^d",
     "Mouser", None, "PESD3V3S2UT,215", "Nexperia", 40),
    (17, "QTY:1 PN:WBP-302 PO:19361337/1 CPO:PO-2023-06-08-001337 MFR:WISHERENTERPRISE MPN:WBP-302 RoHS "
     "https://www.tme.eu/details/WBP-302", "TME", "WBP-302", "WBP-302", "WISHERENTERPRISE", 1),
    (18, "QTY:1000 PN:SMD0603-5K1-1% PO:32723349/7 MFR:ROYALOHM MPN:0603SAF5101T5E CoO:TH RoHS "
     "https://www.tme.eu/details/SMD0603-5K1-1%25", "TME", "SMD0603-5K1-1%", "0603SAF5101T5E", "ROYALOHM", 1000),
    (19, "PDG301-5.0-2P12 1PDG301-5.0-02P-12-00A(H) Q20 K17513107/11", "TME", "DG301-5.0-2P12",
     "DG301-5.0-02P-12-00A(H)", None, 20),
    (20, f"[)>{RS}06{GS}KPO21000605{GS}P{GS}1PGRM155R71C224KA12D{GS}3P2470468{GS}Q80{GS}9D{GS}1T{GS}4LJP"
     f"{GS}4K9{RS}{EOT}",
     "Farnell", "2470468", "GRM155R71C224KA12D", None, 80),
    (21, f"[)>{RS}06{GS}1P744912168{GS}Q5{GS}1T329012581410000{GS}16D20140307{RS}{EOT}",
     None, None, "744912168", None, 5),
    (22, f"[)>{RS}06{GS}SCM274662{GS}PP210378BFKAX00{GS}V80036966{GS}Q4000{GS}1TSV8211X347{GS}16D20220523"
     f"{GS}14D20240523{GS}1P08052C103M4Z2A{GS}I{GS}{RS}{EOT}", None, None, "08052C103M4Z2A", None, 4000),
    (23, f"[)>{RS}06{GS}1P933714270653{GS}30P74HC08D{GS}Q2500{GS}9D1110{GS}1TL0H4S5{RS}{EOT}",
     None, None, "74HC08D", None, 2500),
    (24, "AJ1FP7G/CL10C101JB8NNNC/1687/0004000", None, None, "CL10C101JB8NNNC", None, 4000),
]  # fmt: skip


@pytest.mark.parametrize(("number", "payload", "supplier", "spn", "mpn", "manufacturer", "qty"), SUPPLIER_VECTORS)
def test_supplier_vectors(
    number: int, payload: str, supplier: str | None, spn: str | None, mpn: str, manufacturer: str | None, qty: int
) -> None:
    parsed = parse_payload(payload)
    assert parsed.kind == "supplier_label", number
    assert (parsed.supplier, parsed.supplier_part_number, parsed.manufacturer_part_number) == (supplier, spn, mpn)
    assert parsed.quantity == qty
    if manufacturer:
        assert parsed.manufacturer == manufacturer
    assert parsed.raw == payload


def test_digikey_customer_reference_in_p_is_never_the_part_number() -> None:
    parsed = parse_payload(SUPPLIER_VECTORS[5][1])
    assert parsed.fields["P"] == "182"
    assert parsed.supplier_part_number == "455-1720-ND"
    assert (parsed.order_number, parsed.lot_code, parsed.date_code, parsed.country) == (
        "87684816",
        "S30784-17",
        "2022-05",
        "MY",
    )


def test_vector_12_separators_lost_is_low_confidence() -> None:
    payload = (
        "[)>06PC1,C3,C5-71P86001067200830P732-8660-1-NDK1K8676178310K1046693009D14371T31751001143669511K14LCN"
        "Q111ZPICK12Z572861513Z99999920Z" + "0" * 30
    )
    parsed = parse_payload(payload)
    assert parsed.confidence == "low"
    assert parsed.supplier == "DigiKey"
    assert (parsed.supplier_part_number, parsed.manufacturer_part_number, parsed.quantity) == (
        "732-8660-1-ND",
        "860010672008",
        1,
    )
    assert parsed.fields["P"] == "C1,C3,C5-7"


@pytest.mark.parametrize(
    "payload",
    [
        # zxing-cpp's default HRI text mode, or a scanner that shows the control pictures.
        "[)>␞06␝P182␝1PS3B-PH-K-S␝30P455-1720-ND␝Q2␞␄",
        "[)>06<GS>P182<GS>1PS3B-PH-K-S<GS>30P455-1720-ND<GS>Q2<RS><EOT>",
        f"  [)>{RS}06{GS}P182{GS}1PS3B-PH-K-S{GS}30P455-1720-ND{GS}Q2{RS}{EOT}\r\n",
        f"0[)>{RS}06{GS}P182{GS}1PS3B-PH-K-S{GS}30P455-1720-ND{GS}Q2",
        f"[)>{RS}06{GS}P182{GS}1PS3B-PH-K-S{GS}30P455-1720-ND{RS}junk after a stray RS{GS}Q2",
    ],
)
def test_separator_variants_parse_the_same(payload: str) -> None:
    parsed = parse_payload(payload)
    assert (parsed.supplier, parsed.supplier_part_number, parsed.manufacturer_part_number, parsed.quantity) == (
        "DigiKey",
        "455-1720-ND",
        "S3B-PH-K-S",
        2,
    )


def test_susumu_at_separators_and_quantity_suffix() -> None:
    parsed = parse_payload("[)>@06@12S0002@P79012311@1PE0818SUS00532@Q5000NAR000@20T1@1TZ112606F@2T@1Z@@")
    assert (parsed.manufacturer_part_number, parsed.quantity, parsed.lot_code) == ("E0818SUS00532", 5000, "Z112606F")


def test_lcsc_mpn_with_comma_and_old_keys() -> None:
    parsed = parse_payload("{pc:C5678,pm:74HC595PW,118,qty:25}")
    assert (parsed.supplier_part_number, parsed.manufacturer_part_number, parsed.quantity) == (
        "C5678",
        "74HC595PW,118",
        25,
    )
    old = parse_payload("{productCode:C2040,orderNo:SO123,pickerNo:P9,pickTime:2020,checkCode:x}")
    assert (old.supplier, old.supplier_part_number, old.order_number) == ("LCSC", "C2040", "SO123")
    handmade = parse_payload("{pm: the-mpn, qty: 1}")
    assert (handmade.supplier, handmade.manufacturer_part_number, handmade.quantity) == (None, "the-mpn", 1)


def test_own_labels() -> None:
    uid = "6925a40f-e45e-5c01-95e4-7be213042aac"
    mm = parse_payload(f"MM:{uid}")
    assert (mm.kind, mm.entity_id) == ("makermatrix", uid)
    part = parse_payload(f"http://bench.local:8080/p/{uid}")
    assert (part.kind, part.entity_id) == ("own_part", uid)
    loc = parse_payload(f"https://bench.local/l/{uid}/")
    assert (loc.kind, loc.entity_id) == ("own_location", uid)


@pytest.mark.parametrize(
    "payload",
    ["007388165", "INV-PA5", "P0123", "https://localhost:8000/scan/part/123", "NE555", "L-", "L-123", "X-123456",
     "XXXWADSDF sdf", "https://localhost/part/1", '{"part": 5}'],
)  # fmt: skip
def test_foreign_and_plain_text_is_a_search(payload: str) -> None:
    parsed = parse_payload(payload)
    assert parsed.kind == "text"
    assert parsed.supplier_part_number is None and parsed.entity_id is None


@pytest.mark.parametrize(
    "payload",
    ["", "   ", "\x00\x01\x02binary", "[)>06", "[)>06garbage that is not a digikey label", "x" * 5000, "a\x07b"],
)
def test_garbage_is_unrecognised(payload: str) -> None:
    assert parse_payload(payload).kind == "unrecognised"


def test_inventree_nonsense_vector_parses_but_names_no_real_part() -> None:
    parsed = parse_payload(f"[)>{RS}06{GS}Pnonsense{GS}30Pnonsense{GS}1Pnonsense{GS}K{GS}Q10{GS}11ZPICK")
    assert (parsed.supplier_part_number, parsed.manufacturer_part_number, parsed.quantity) == (
        "nonsense",
        "nonsense",
        10,
    )


def test_receipt_key_ignores_how_the_separators_arrived() -> None:
    a = receipt_key(SUPPLIER_VECTORS[12][1])
    b = receipt_key(SUPPLIER_VECTORS[12][1].replace(GS, "␝").replace(RS, "␞").replace(EOT, "␄"))
    assert a == b


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=200).map(lambda b: "[)>\x1e06\x1d" + b.decode("latin-1")))
def test_parser_never_raises(text: str) -> None:
    parsed = payload._parse(text)  # the inner parser: its own bugs must not hide behind the safety net
    assert parsed.kind in {"supplier_label", "own_part", "own_location", "makermatrix", "text", "unrecognised"}
