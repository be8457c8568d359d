"""The synthetic national sample: the shipped network has the real structure, victims are drawn
reproducibly, and nothing in a sample looks like a person's name."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from models import gazetteer
from models.codes import CONDITIONS, EXPLOITATIONS, GENDERS
from models.instance import Instance
from models.sample import (
    FOUND_IN,
    LABOUR_SITES,
    NATIONALITIES,
    sample_instance,
    sample_shelter_kinds,
    sample_shelters,
    sample_victims,
)
from models.shelter import Shelter

OMM_CITIES = {"Amsterdam", "Almere", "Alkmaar", "Enschede", "Rotterdam", "Zwolle"}
MULTI_PROBLEM = {"addiction", "psychiatric", "lvb"}


def _unit(shelter: Shelter) -> str:
    assert shelter.location.municipality is not None
    return gazetteer.resolve(shelter.location.municipality).police_unit


def _places(shelters: list[Shelter]) -> int:
    return sum(s.capacity for s in shelters)


@pytest.fixture(scope="module")
def shelters() -> list[Shelter]:
    return sample_shelters()


def test_file_is_labelled_synthetic() -> None:
    text = resources.files("models").joinpath("data/sample_network.json").read_text("utf-8")
    document = json.loads(text)
    assert document["synthetic"] is True
    assert "synthetic" in document["note"].lower()


def test_network_size_and_ids(shelters: list[Shelter]) -> None:
    assert 60 <= len(shelters) <= 80
    ids = [s.id for s in shelters]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"S\d{3}", i) for i in ids)


def test_locations_are_municipalities_only(shelters: list[Shelter]) -> None:
    for shelter in shelters:
        assert shelter.location.municipality is not None
        assert shelter.location.lat is None
        assert gazetteer.find(shelter.location.municipality) is not None


def test_every_police_unit_covered(shelters: list[Shelter]) -> None:
    assert {_unit(s) for s in shelters} == set(gazetteer.POLICE_UNITS)


def test_kinds_cover_every_shelter_once(shelters: list[Shelter]) -> None:
    kinds = sample_shelter_kinds()
    assert sorted(kinds) == sorted(s.id for s in shelters)
    assert {"cosm", "omm", "women", "men", "youth", "emergency"} <= set(kinds.values())


def test_cosm_places(shelters: list[Shelter]) -> None:
    cosm = [s for s in shelters if s.programme == "cosm"]
    assert 35 <= _places(cosm) <= 45
    women = [s for s in cosm if "female" in s.genders]
    men = [s for s in cosm if s.genders == ["male"]]
    assert _places(women) > _places(men) > 0
    assert all(s.min_age >= 18 for s in cosm)
    cities = {s.location.municipality for s in cosm}
    assert {"Rotterdam", "Amsterdam", "Westerveld"} == cities


def test_multi_problem_places(shelters: list[Shelter]) -> None:
    omm = [s for s in shelters if set(s.accepts) >= MULTI_PROBLEM]
    assert 30 <= _places(omm) <= 42
    assert {s.location.municipality for s in omm} == OMM_CITIES


def test_mens_places(shelters: list[Shelter]) -> None:
    men = [s for s in shelters if "male" in s.genders and s.capacity >= 4]
    assert len(men) >= 5
    cities = {s.location.municipality for s in men}
    assert {"Amsterdam", "Den Haag", "Rotterdam", "Utrecht", "Goirle", "Zwolle"} <= cities


def test_emergency_beds_in_every_unit(shelters: list[Shelter]) -> None:
    kinds = sample_shelter_kinds()
    emergency = [s for s in shelters if kinds[s.id] == "emergency"]
    assert all(s.intake == "24/7" and s.capacity <= 4 for s in emergency)
    assert {_unit(s) for s in emergency} == set(gazetteer.POLICE_UNITS)


def test_youth_places(shelters: list[Shelter]) -> None:
    youth = [s for s in shelters if s.programme == "youth"]
    assert youth
    assert all(s.min_age == 12 and s.max_age == 17 for s in youth)
    assert "Leeuwarden" in {s.location.municipality for s in youth}
    adults_only = [s for s in shelters if s.programme != "youth"]
    assert all(s.min_age >= 18 for s in adults_only)


def test_women_have_most_places(shelters: list[Shelter]) -> None:
    kinds = sample_shelter_kinds()
    women = [s for s in shelters if kinds[s.id] == "women"]
    assert _places(women) > _places(shelters) / 2
    assert sum(s.children for s in women) > len(women) / 2
    assert Counter(s.intake == "office" for s in women)[True] > len(women) / 3


def test_network_mostly_full(shelters: list[Shelter]) -> None:
    nearly_full = [s for s in shelters if s.free <= 1]
    assert len(nearly_full) > len(shelters) / 2
    assert 0 < sum(s.free for s in shelters) < _places(shelters) / 5


def test_languages_vary(shelters: list[Shelter]) -> None:
    spoken = {code for s in shelters for code in s.languages}
    assert {"nl", "en", "pl", "ro", "bg", "es", "fr", "ar"} <= spoken


def test_tables_name_known_municipalities() -> None:
    for name, _ in FOUND_IN + LABOUR_SITES:
        assert gazetteer.find(name) is not None, name
    assert all(languages or dutch for _, dutch, _, languages in NATIONALITIES)


def test_same_seed_same_instance() -> None:
    assert sample_instance(80, seed=5) == sample_instance(80, seed=5)
    assert sample_instance(80, seed=5) != sample_instance(80, seed=6)


@pytest.mark.parametrize("count", [0, 1, 37, 150])
def test_victim_count_and_unique_ids(count: int) -> None:
    instance = sample_instance(count, seed=2)
    assert len(instance.victims) == count
    ids = [v.id for v in instance.victims]
    assert len(set(ids)) == count
    assert all(re.fullmatch(r"V\d{4}", i) for i in ids)


def test_instance_round_trips_through_json() -> None:
    now = datetime(2026, 11, 28, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    for instance in (sample_instance(), sample_instance(60, seed=9, now=now)):
        text = instance.model_dump_json(exclude_none=True, by_alias=True)
        assert Instance.model_validate_json(text) == instance
        assert json.loads(text)["format"] == "safeplace.instance/1"


def test_default_now_is_none() -> None:
    assert sample_instance(5).now is None


def test_victims_are_calibrated() -> None:
    victims = sample_victims(3000, seed=11, shelters=sample_shelters())
    n = len(victims)
    genders = Counter(v.gender for v in victims)
    assert 0.60 < genders["female"] / n < 0.78
    assert 0.22 < genders["male"] / n < 0.34
    minors = [v for v in victims if v.age < 18]
    assert 0.04 < len(minors) / n < 0.12
    assert all("youth" in v.programmes for v in minors)
    assert all("cosm" not in v.programmes for v in minors)
    exploitation = Counter(v.exploitation for v in victims)
    assert 0.35 < exploitation["sexual"] / n < 0.47
    assert 0.35 < exploitation["labour"] / n < 0.47
    cosm = sum("cosm" in v.programmes for v in victims)
    assert 0.3 < cosm / n < 0.75
    assert not any("cosm" in v.programmes and v.languages == ["nl"] for v in victims)
    conditions = Counter(c for v in victims for c in v.conditions)
    assert set(conditions) == set(CONDITIONS)
    assert conditions["wheelchair"] < conditions["addiction"] < conditions["psychiatric"]
    assert all(v.gender == "female" for v in victims if "pregnancy" in v.conditions)
    with_children = [v for v in victims if v.children]
    assert 0.05 < len(with_children) / n < 0.2
    assert all(1 <= v.children <= 3 and v.age >= 18 for v in with_children)
    priority = Counter(v.priority for v in victims)
    assert priority[1] > priority[2] > priority[3] > 0
    assert all(1 <= len(v.danger_zones) <= 2 for v in victims)
    assert all(25.0 <= z.min_km <= 100.0 for v in victims for z in v.danger_zones)
    spoken = {code for v in victims for code in v.languages}
    assert {"pl", "ro", "bg", "en", "nl", "es", "fr", "uk"} <= spoken


def test_avoid_and_current_reference_real_ids() -> None:
    instance = sample_instance(300, seed=4)
    victim_ids = {v.id for v in instance.victims}
    residents = {r for s in instance.shelters for r in s.residents}
    avoiding = [v for v in instance.victims if v.avoid]
    assert avoiding
    assert all(set(v.avoid) <= victim_ids | residents for v in avoiding)
    assert any(set(v.avoid) & victim_ids for v in avoiding)
    assert any(v.current is not None for v in instance.victims)


VOCABULARY = (
    set(GENDERS)
    | set(CONDITIONS)
    | set(EXPLOITATIONS)
    | {"cosm", "youth"}
    | {m.name for m in gazetteer.municipalities()}
)
ID = re.compile(r"^[VSR]\d{3,4}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_no_victim_field_looks_like_a_name() -> None:
    instance = sample_instance(400, seed=8)
    for victim in instance.victims:
        document = victim.model_dump(exclude_none=True)
        assert not {"name", "first_name", "last_name", "surname"} & set(document)
        for text in _strings(document):
            assert ID.match(text) or LANGUAGE.match(text) or text in VOCABULARY, text
