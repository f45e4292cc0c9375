import base64
import random
import re

import pytest
import shapely
from shapely.geometry import Point, shape

from civicgrid.demo.city import DemoCityMismatch, build_city
from civicgrid.demo.geometry import split, synthetic_boundary
from civicgrid.demo.models import DemoCity
from civicgrid.registry.models import AdminArea, Grid, Place, Role, Staff, Unit


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_split_tiles_the_shape_without_overlap():
    rng = random.Random(7)
    boundary = synthetic_boundary(rng)
    cells = split(boundary, 9, rng)
    assert len(cells) == 9
    assert shapely.union_all(cells).symmetric_difference(boundary).area < boundary.area * 1e-4
    overlaps = sum(a.intersection(b).area for i, a in enumerate(cells) for b in cells[i + 1 :])
    assert overlaps < boundary.area * 1e-6


@pytest.mark.django_db
def test_it_builds_a_city_with_every_register(data_dir):
    result = build_city(seed=1, grids=24, log=lambda msg: None)

    assert result.created
    assert result.city.code == "469099"
    assert AdminArea.objects.filter(level=AdminArea.Level.TOWN).count() == 3
    assert AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).count() == 12
    assert Grid.objects.count() == 24
    assert Grid.objects.filter(kind=Grid.Kind.DEDICATED).exists()
    for grid in Grid.objects.select_related("community"):
        grid.full_clean()
        assert grid.code.startswith(grid.community.code)
        assert grid.leader is not None and grid.workers.exists()
        assert grid.teams.filter(kind=Unit.Kind.GRID_TEAM).count() == 1
    departments = Unit.objects.filter(is_functional_department=True)
    assert {"住建局", "生态环境局", "综合执法局", "市场监管局", "供电公司"} <= set(
        departments.values_list("short_name", flat=True)
    )
    assert not departments.filter(kind=Unit.Kind.GRID_TEAM).exists()
    for role in Role.objects.all():
        assert Staff.objects.filter(roles=role).exists(), role.code
    assert {a.role for a in result.accounts} == set(Role.objects.values_list("name", flat=True))


@pytest.mark.django_db
def test_grids_tile_each_community_and_places_lie_in_their_grid(data_dir):
    build_city(seed=3, grids=30, log=lambda msg: None)

    for community in AdminArea.objects.filter(level=AdminArea.Level.VILLAGE):
        cells = [shape(g.geometry) for g in community.grids.all()]
        area = shape(community.geometry).area
        assert shapely.union_all(cells).symmetric_difference(shape(community.geometry)).area < area * 1e-3
    for place in Place.objects.select_related("grid"):
        assert shape(place.grid.geometry).buffer(1e-6).contains(Point(place.lon, place.lat))


@pytest.mark.django_db
def test_running_twice_duplicates_nothing(data_dir):
    first = build_city(seed=5, grids=12, log=lambda msg: None)
    counts = first.counts
    second = build_city(seed=5, grids=12, log=lambda msg: None)

    assert not second.created
    assert second.counts == counts
    assert second.password == first.password
    assert [a.username for a in second.accounts] == [a.username for a in first.accounts]


@pytest.mark.django_db
def test_it_uses_a_real_boundary(data_dir):
    ring = [[110.40, 19.20], [110.52, 19.20], [110.52, 19.30], [110.40, 19.30], [110.40, 19.20]]
    boundary = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"adcode": 469002, "name": "琼海市"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    result = build_city(seed=2, grids=15, boundary=boundary, log=lambda msg: None)

    assert result.city.name == "琼海市"
    assert result.city.parent.code == "460000"
    union = shapely.union_all([shape(g.geometry) for g in Grid.objects.all()])
    assert union.symmetric_difference(shape(boundary["features"][0]["geometry"])).area < 1e-5


@pytest.mark.django_db
def test_a_boundary_without_a_county_code_is_refused(data_dir):
    bad = {"type": "Polygon", "coordinates": [[[110, 19], [110.1, 19], [110.1, 19.1], [110, 19]]]}
    bad_feature = {"type": "Feature", "properties": {"adcode": "46"}, "geometry": bad}
    with pytest.raises(ValueError, match="6 位数字"):
        build_city(boundary=bad_feature, log=lambda msg: None)
    assert not AdminArea.objects.exists()


@pytest.mark.django_db
def test_every_grid_team_has_staff_and_each_worker_only_his_own_grid(data_dir):
    result = build_city(seed=1, grids=24, log=lambda msg: None)

    for team in Unit.objects.filter(kind=Unit.Kind.GRID_TEAM):
        assert Staff.objects.filter(units=team, user__is_active=True).exists(), team.code
    for grid in Grid.objects.prefetch_related("workers__units", "teams"):
        team = grid.teams.get()
        for worker in grid.workers.all():
            assert list(worker.units.all()) == [team], worker.user.username
            assert worker.grids.count() == 1, worker.user.username
    first = Staff.objects.get(user__username="grid001001")
    assert [g.code for g in first.grids.all()] == ["469099001001001"]
    usernames = {a.username for a in result.accounts}
    assert {"leader1", "dispatcher1", "operator1", "grid001001"} <= usernames
    lines = (data_dir / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"password: {result.password}"


@pytest.mark.django_db
def test_a_city_built_before_it_was_recorded_is_recorded_and_held_to(data_dir):
    build_city(seed=4, grids=6, log=lambda msg: None)
    DemoCity.objects.all().delete()

    again = build_city(seed=4, log=lambda msg: None)
    assert not again.created
    assert DemoCity.objects.get().grids == 6
    with pytest.raises(DemoCityMismatch, match="--grids 7"):
        build_city(seed=4, grids=7, log=lambda msg: None)
    assert Grid.objects.count() == 6


@pytest.mark.django_db
def test_the_demo_administrator_reaches_the_admin_with_the_printed_second_step(data_dir):
    """Administrators must use two-step sign-in: the accounts file gives the key and backup codes."""
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    result = build_city(seed=1, grids=6, log=lambda msg: None)
    text = (data_dir / "demo-accounts.txt").read_text(encoding="utf-8")
    key = re.search(r"^two-factor key: ([A-Z2-7 ]+)$", text, re.M).group(1)
    codes = re.search(r"^backup codes: (.+)$", text, re.M).group(1).split()
    device = TOTPDevice.objects.get(user__username="admin")
    assert base64.b32decode(key.replace(" ", "")) == device.bin_key and len(codes) == 10

    client = Client()
    signed = client.post("/accounts/login/?next=/admin/", {"username": "admin", "password": result.password})
    assert client.get(signed.url).url.startswith("/console/two-factor/verify/")
    assert client.post("/console/two-factor/verify/", {"code": codes[0], "next": "/admin/"}).url == "/admin/"
    assert client.get("/admin/").status_code == 200
    code = f"{totp(device.bin_key):06d}"
    other = Client()
    other.post("/accounts/login/", {"username": "admin", "password": result.password})
    assert other.post("/console/two-factor/verify/", {"code": code}).status_code == 302
