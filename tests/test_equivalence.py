from __future__ import annotations

from typing import Any

import msgspec

from makermatrix_edge.inventory.component_models import SPEC_TEXT_FIELDS
from makermatrix_edge.inventory.equivalence import Candidate, suggest

_seq = iter(range(1, 10_000))


def part(part_number: str, **fields: Any) -> Candidate:
    n = next(_seq)
    return Candidate(part_id=f"id-{part_number}-{n}", seq=n, part_number=part_number, **fields)


def pnp(part_number: str, **fields: Any) -> Candidate:
    base: dict[str, Any] = {"technology": "PNP", "polarity": "PNP", "package": "SOT-23", "quantity": 10}
    return part(part_number, **(base | fields))


def nmos(part_number: str, **fields: Any) -> Candidate:
    base: dict[str, Any] = {
        "technology": "MOSFET",
        "polarity": "N-MOSFET",
        "channel": "N",
        "package": "SOT-23",
        "v_max": "60V",
        "i_max": "300mA",
        "power_max": "350mW",
        "rds_on": "5Ω @ 4.5V",
        "vgs_th": "1–2.5V",
        "quantity": 10,
    }
    return part(part_number, **(base | fields))


def regulator(part_number: str, **fields: Any) -> Candidate:
    base: dict[str, Any] = {
        "technology": "IC",
        "package": "TO-92",
        "v_in_max": "35V",
        "v_out": "5V",
        "i_out_max": "100mA",
        "reg_type": "Linear Regulator",
        "quantity": 10,
    }
    return part(part_number, **(base | fields))


S9012 = pnp("S9012", marking="S9012", v_max="25V", i_max="0.5A", power_max="0.625W", quantity=0)
BC857B = pnp("BC857B", marking="BC857B", v_max="45V", i_max="0.1A", power_max="0.25W", quantity=150)


def test_candidate_has_every_spec_text_field() -> None:
    names = {f.name for f in msgspec.structs.fields(Candidate)}
    assert set(SPEC_TEXT_FIELDS) <= names
    assert {"diode_type", "reg_type", "internal_config", "switching_type"} <= names


def test_s9012_to_bc857b_reason() -> None:
    [s] = suggest(S9012, [S9012, BC857B])
    assert s.candidate == BC857B
    assert s.reason == "BC857B: PNP, SOT-23, 45V ≥ 25V; but 0.1A < 0.5A, 0.25W < 0.625W"
    assert s.caveats == ["0.1A < 0.5A", "0.25W < 0.625W"]
    assert s.in_stock
    assert 0 < s.score < 1


def test_a_part_that_meets_everything_scores_full_and_ranks_above_shortfalls() -> None:
    better = pnp("S8550", v_max="40V", i_max="0.5A", power_max="1W", quantity=5)
    ranked = suggest(S9012, [BC857B, better])
    assert [s.candidate.part_number for s in ranked] == ["S8550", "BC857B"]
    assert ranked[0].score == 1.0 and ranked[0].caveats == []
    assert ranked[0].reason == "S8550: PNP, SOT-23, 40V ≥ 25V, 0.5A ≥ 0.5A, 1W ≥ 0.625W"


def test_npn_is_never_suggested_for_pnp() -> None:
    npn = part("S9013", technology="NPN", polarity="NPN", package="SOT-23", v_max="40V", i_max="0.5A", quantity=9)
    assert suggest(S9012, [npn]) == []
    assert suggest(npn, [S9012, BC857B]) == []


def test_p_mosfet_is_never_suggested_for_n_mosfet() -> None:
    original = nmos("2N7002")
    p_channel = nmos("BSS84", polarity="P-MOSFET", channel="P")
    assert suggest(original, [p_channel]) == []


def test_a_transistor_of_unknown_polarity_is_not_suggested() -> None:
    unknown = part("MYSTERY", technology="BJT", package="SOT-23", quantity=3)
    assert suggest(S9012, [unknown]) == []


def test_mosfet_with_higher_rds_on_gets_a_caveat() -> None:
    original = nmos("2N7002", rds_on="5Ω @ 4.5V")
    worse = nmos("BSS138", rds_on="10Ω @ 4.5V")
    same = nmos("2N7002K", rds_on="5000mΩ @ 4.5V")
    ranked = suggest(original, [worse, same])
    assert [s.candidate.part_number for s in ranked] == ["2N7002K", "BSS138"]
    assert "rds_on 10Ω > 5Ω" in ranked[1].caveats
    assert "but rds_on 10Ω > 5Ω" in ranked[1].reason
    assert ranked[1].score < ranked[0].score
    assert "rds_on 5000mΩ ≤ 5Ω" in ranked[0].reason


def test_rds_on_at_another_gate_drive_is_a_caveat() -> None:
    original = nmos("AO3400", rds_on="22mΩ @ 4.5V")
    other = nmos("SI2302", rds_on="20mΩ @ 10V")
    [s] = suggest(original, [other])
    assert "rds_on at 10V vs 4.5V" in s.caveats


def test_mosfet_needing_more_gate_drive_gets_a_caveat() -> None:
    logic_level = nmos("AO3400", vgs_th="0.65–1.45V")
    standard = nmos("2N7002", vgs_th="2–4V")
    close_enough = nmos("SI2302", vgs_th="0.5–1.5V")
    ranked = {s.candidate.part_number: s for s in suggest(logic_level, [standard, close_enough])}
    assert "vgs_th 2–4V > 0.65–1.45V" in ranked["2N7002"].caveats
    assert not any("vgs_th" in c for c in ranked["SI2302"].caveats)


def test_regulator_with_another_v_out_is_excluded() -> None:
    l05 = regulator("CJ78L05")
    l33 = regulator("78L33", v_out="3.3V")
    negative = regulator("79L05", v_out="-5V")
    same_in_millivolts = regulator("LM78L05", v_out="5000mV", i_out_max="0.1A")
    [s] = suggest(l05, [l33, negative, same_in_millivolts])
    assert s.candidate.part_number == "LM78L05"
    assert s.caveats == []


def test_regulator_with_another_reg_type_is_excluded() -> None:
    tl431 = regulator("TL431", v_out="2.5V adjustable", reg_type="Voltage Reference", package="SOT-23/TO-92")
    ldo = regulator("LDO25", v_out="2.5V", reg_type="LDO", package="TO-92")
    assert suggest(tl431, [ldo]) == []


def test_package_alternatives_and_families() -> None:
    tl431 = regulator("TL431", v_out="2.5V adjustable", reg_type="Voltage Reference", package="SOT-23/TO-92")
    in_to92 = regulator("AZ431", v_out="2.5V adjustable", reg_type="Reference", package="to92")
    in_soic = regulator("TL431-SO8", v_out="2.5V adjustable", reg_type="Voltage Reference", package="SOIC-8")
    no_package = regulator("KA431", v_out="2.5V adjustable", reg_type="Voltage Reference", package=None)
    ranked = suggest(tl431, [in_to92, in_soic, no_package])
    assert [s.candidate.part_number for s in ranked] == ["AZ431", "KA431"]
    assert ranked[1].caveats == ["package unknown"]
    synonym = pnp("BC857", package="sot 23-3", v_max="45V", i_max="0.1A", power_max="0.25W")
    assert [s.candidate.part_number for s in suggest(S9012, [synonym])] == ["BC857"]
    through_hole = pnp("2N3906", package="TO-92", v_max="40V", i_max="0.2A", power_max="0.625W")
    assert suggest(S9012, [through_hole]) == []


def test_in_stock_sorts_first_then_score_then_price() -> None:
    cheap_out = pnp("A", v_max="45V", i_max="0.5A", power_max="1W", quantity=0, unit_price=0.01)
    poor_in = pnp("B", v_max="12V", i_max="0.1A", power_max="0.1W", quantity=1, unit_price=0.5)
    good_pricey = pnp("C", v_max="45V", i_max="0.5A", power_max="1W", quantity=5, unit_price=0.3)
    good_cheap = pnp("D", v_max="45V", i_max="0.5A", power_max="1W", quantity=5, unit_price=0.1)
    good_no_price = pnp("E", v_max="45V", i_max="0.5A", power_max="1W", quantity=5)
    ranked = suggest(S9012, [cheap_out, poor_in, good_pricey, good_no_price, good_cheap])
    assert [s.candidate.part_number for s in ranked] == ["D", "C", "E", "B", "A"]
    assert [s.in_stock for s in ranked] == [True, True, True, True, False]
    assert [s.candidate.part_number for s in suggest(S9012, [cheap_out, poor_in, good_cheap], limit=2)] == ["D", "B"]


def test_the_original_is_never_suggested() -> None:
    copy_of_row = msgspec.structs.replace(S9012, quantity=500)
    assert suggest(S9012, [S9012, copy_of_row]) == []
    assert all(s.candidate.part_id != S9012.part_id for s in suggest(S9012, [S9012, BC857B, S9012]))


def test_unit_equivalent_values_are_equal() -> None:
    original = pnp("X1", v_max="25V", i_max="0.1A", power_max="250mW")
    same = pnp("X2", v_max="25000mV", i_max="100mA", power_max="0.25W")
    [s] = suggest(original, [same])
    assert s.caveats == [] and s.score == 1.0
    assert "100mA ≥ 0.1A" in s.reason and "0.25W ≥ 250mW" in s.reason


def test_negative_ratings_compare_by_magnitude() -> None:
    original = pnp("X1", v_max="-200V", i_max="0.5A", power_max="1W")
    weaker = pnp("X2", v_max="-45V", i_max="0.5A", power_max="1W")
    [s] = suggest(original, [weaker])
    assert s.caveats == ["-45V < -200V"]


def test_missing_rating_is_a_caveat() -> None:
    blank = pnp("X3", v_max=None, i_max="N/A", power_max="1W")
    [s] = suggest(S9012, [blank])
    assert s.caveats == ["v_max unknown", "i_max unknown"]
    assert s.reason == "X3: PNP, SOT-23, 1W ≥ 0.625W; but v_max unknown, i_max unknown"
    assert s.score < 1.0


def test_diode_types() -> None:
    diode: dict[str, Any] = {"technology": "DIODE", "polarity": "PN", "package": "SOT-23", "quantity": 10}
    switching = part("BAS16", **diode, v_max="75V", i_max="200mA", vf="1.0V @ 10mA", trr="4ns", diode_type="Switching")
    schottky = part("BAT54", **diode, v_max="30V", i_max="200mA", vf="0.35V @ 100mA", trr="N/A", diode_type="Schottky")
    zener = part("BZX84C75", **diode, v_max="75V", i_max="200mA", diode_type="Zener")
    dual = part("BAV99", **diode, v_max="75V", i_max="200mA", diode_type="Switching", internal_config="Series")
    single = msgspec.structs.replace(switching, internal_config="Single")
    [s] = suggest(single, [schottky, zener, dual])
    assert s.candidate.part_number == "BAT54"
    assert "Schottky for a switching diode: more leakage and capacitance" in s.caveats
    assert "30V < 75V" in s.caveats
    assert "trr none ≤ 4ns" in s.reason
    assert "vf at 100mA vs 10mA" in s.caveats
    # A switching diode does not replace a Schottky (its forward drop is what the circuit chose).
    assert suggest(schottky, [switching]) == []


def test_slightly_higher_vf_still_matches() -> None:
    diode: dict[str, Any] = {"technology": "DIODE", "package": "SOD-323", "diode_type": "Switching", "quantity": 1}
    original = part("1N4148WS", **diode, vf="1.0V @ 10mA")
    near = part("1N4448WS", **diode, vf="1.05V @ 10mA")
    far = part("X", **diode, vf="1.3V @ 10mA")
    ranked = {s.candidate.part_number: s for s in suggest(original, [near, far])}
    assert ranked["1N4448WS"].caveats == [] and "vf 1.05V ≈ 1.0V" in ranked["1N4448WS"].reason
    assert ranked["X"].caveats == ["vf 1.3V > 1.0V"]


def test_a_part_of_unknown_kind_gets_no_suggestions() -> None:
    resistor = part("R-10K", package="0805")
    assert suggest(resistor, [part("R-10K-1%", package="0805", quantity=5)]) == []
