"""Parameter files: the shipped ones are valid; a bad file is rejected naming the file, the field and the range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nhc.errors import InputError
from nhc.planning import parameters


def _example() -> dict:
    return json.loads(parameters.example_scenario_path().read_text())


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    return path


def test_the_shipped_files_are_valid_and_say_they_are_illustrative():
    """The example scenario, unit costs and demography rates load; the last two carry their status."""
    s = parameters.load_scenario(parameters.example_scenario_path())
    assert s.runs >= 256
    assert parameters.shipped_unit_costs().status == "illustrative"
    assert "ILLUSTRATIVE" in parameters.shipped_demography().provenance


@pytest.mark.parametrize(
    ("change", "field", "allowed"),
    [
        (
            lambda d: d["levers"]["ae_to_utc"].update(interval=[0.1, 1.5]),
            "levers.ae_to_utc.interval.1",
            "0 to 1",
        ),
        (
            lambda d: d["levers"]["ae_to_utc"].update(interval=[-0.1, 0.2]),
            "levers.ae_to_utc.interval.0",
            "0 to 1",
        ),
        (lambda d: d.update(target_occupancy=1.2), "target_occupancy", "0.5 to 1"),
        (lambda d: d.update(horizon_years=40), "horizon_years", "1 to 30"),
        (
            lambda d: d["levers"]["frailty_admissions_avoided"].update(need_groups=[12]),
            "levers.frailty_admissions_avoided.need_groups.0",
            "1 to 11",
        ),
        (
            lambda d: d["workforce"]["productive_time"]["gp"].update(sickness=0.7),
            "workforce.productive_time.gp.sickness",
            "0 to 0.5",
        ),
    ],
)
def test_a_value_out_of_range_names_the_file_field_and_range(tmp_path, change, field, allowed):
    data = _example()
    change(data)
    with pytest.raises(InputError) as err:
        parameters.load_scenario(_write(tmp_path, data))
    assert err.value.field == field
    assert err.value.message.startswith(f"scenario.json: {field}: ")
    assert f"allowed range {allowed}" in err.value.message


def test_an_interval_upside_down_is_rejected():
    """An interval whose low end is above its high end says what is allowed."""
    data = _example()
    data["levers"]["ae_to_utc"]["interval"] = [0.3, 0.1]
    with pytest.raises(
        InputError, match=r"levers.ae_to_utc: .*low 0.3 is above high 0.1 .*0 <= low <= high <= 1"
    ):
        parameters.parse(parameters.Scenario, data, "s.json")


def test_unknown_and_missing_fields_are_named():
    data = _example()
    data["levers"]["teleport"] = {"interval": [0, 1]}
    with pytest.raises(InputError, match=r"levers.teleport: Extra inputs are not permitted"):
        parameters.parse(parameters.Scenario, data, "s.json")
    data = _example()
    del data["horizon_years"]
    with pytest.raises(InputError, match=r"horizon_years: Field required"):
        parameters.parse(parameters.Scenario, data, "s.json")


def test_gp_shift_shares_must_sum_to_one():
    data = _example()
    data["levers"]["gp_appointments_shifted"]["to"] = {"pharmacist": 0.5}
    with pytest.raises(InputError, match=r"shares sum to 0.5 \(allowed: exactly 1\)"):
        parameters.parse(parameters.Scenario, data, "s.json")


def test_malformed_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  oops\n}')
    with pytest.raises(InputError, match=r"broken.json:3: not valid JSON"):
        parameters.load_scenario(path)


def test_demography_bands_must_cover_every_age_once():
    data = json.loads((Path(parameters.__file__).parent / "data" / "demography.json").read_text())
    data["mortality"] = data["mortality"][1:]
    with pytest.raises(InputError, match=r"mortality: bands must cover ages 0 to 100 once each"):
        parameters.parse(parameters.DemographyRates, data, "demography.json")
    data = json.loads((Path(parameters.__file__).parent / "data" / "demography.json").read_text())
    data["mortality"][0]["male"] = 1.5
    with pytest.raises(InputError, match=r"mortality.0.male: 1.5 is outside the allowed range 0 to 1"):
        parameters.parse(parameters.DemographyRates, data, "demography.json")
