"""Derived values of the ticket models: the warning level and the event labels, each defined once."""

import ast
import itertools
import re
from datetime import timedelta
from pathlib import Path

import pytest

import civicgrid
from civicgrid.tickets.models import (
    WARNING_STAMPS,
    Assignment,
    Event,
    EventAction,
    Ticket,
    WarningLevel,
)
from tests.sla.factories import local, make_assignment, make_ticket, make_unit

DISPATCHED = local(2026, 3, 2, 9, 0)
YELLOW, RED, DUE = local(2026, 3, 3, 9), local(2026, 3, 4, 9), local(2026, 3, 5, 9)
STAMPS = list(WARNING_STAMPS.values())


class TestWarningLevel:
    def test_it_runs_from_yellow_to_overdue_with_chinese_labels(self):
        assert WarningLevel.values == ["yellow", "red", "overdue"]
        assert WarningLevel.labels == ["黄色预警", "红色预警", "已超期"]

    def test_the_worst_of_several_levels(self):
        assert WarningLevel.worst() == ""
        assert WarningLevel.worst("", "") == ""
        assert WarningLevel.worst("yellow", "", "red") == "red"
        assert WarningLevel.worst("overdue", "yellow") == "overdue"

    def test_the_levels_a_ticket_is_raised_from(self):
        assert WarningLevel.below(WarningLevel.YELLOW) == [""]
        assert WarningLevel.below(WarningLevel.OVERDUE) == ["", "yellow", "red"]

    def test_the_ticket_field_takes_its_choices_and_displays_the_label(self):
        assert Ticket._meta.get_field("warning_level").choices == WarningLevel.choices
        assert Ticket(warning_level="red").get_warning_level_display() == "红色预警"
        assert Ticket(warning_level="").get_warning_level_display() == ""


def assignment(**stamps) -> Assignment:
    return Assignment(dispatched_at=DISPATCHED, yellow_at=YELLOW, red_at=RED, due_at=DUE, **stamps)


class TestAssignmentWarningLevel:
    def test_it_is_the_worst_warning_issued(self):
        assert assignment().warning_level == ""
        assert assignment(yellow_issued_at=YELLOW).warning_level == "yellow"
        assert assignment(yellow_issued_at=YELLOW, red_issued_at=RED).warning_level == "red"
        # An extension clears the stamps; an overdue flag alone (back-dated data) still counts.
        assert assignment(overdue_issued_at=DUE).warning_level == "overdue"
        assert assignment(red_issued_at=RED).get_warning_level_display() == "红色预警"
        assert assignment().get_warning_level_display() == ""

    def test_at_a_moment_the_points_passed_count_before_the_scan_issues_them(self):
        fresh = assignment()
        assert fresh.warning_level_at(YELLOW - timedelta(seconds=1)) == ""
        assert fresh.warning_level_at(YELLOW) == "yellow"
        assert fresh.warning_level_at(RED + timedelta(hours=1)) == "red"
        assert fresh.warning_level_at(DUE) == "overdue"
        # Issued warnings stay even when the clock is read early (a deadline that moved later keeps nothing).
        assert assignment(red_issued_at=RED).warning_level_at(DISPATCHED) == "red"

    @pytest.mark.django_db
    def test_the_query_form_agrees_with_the_property_for_every_combination_of_stamps(self):
        ticket, unit = make_ticket(), make_unit()
        made = []
        for present in itertools.product([False, True], repeat=len(STAMPS)):
            stamps = {stamp: DUE if on else None for stamp, on in zip(STAMPS, present, strict=True)}
            made.append(
                make_assignment(
                    ticket,
                    unit,
                    dispatched_at=DISPATCHED,
                    yellow_at=YELLOW,
                    red_at=RED,
                    due_at=DUE,
                    role=Assignment.Role.CO,
                    **stamps,
                )
            )
        for level in WarningLevel.values:
            expected = {a.pk for a in made if a.warning_level == level}
            found = set(
                Assignment.objects.filter(Assignment.at_warning_level(level)).values_list("pk", flat=True)
            )
            assert found == expected, level
        both = Assignment.objects.filter(Assignment.at_warning_level("yellow", "red"))
        assert {a.pk for a in both} == {a.pk for a in made if a.warning_level in ("yellow", "red")}


class TestEventLabels:
    def test_every_action_has_a_chinese_label(self):
        for action in EventAction:
            assert re.search(r"[\u4e00-\u9fff]", str(action.label)), action
        assert len({str(label) for label in EventAction.labels}) == len(EventAction.labels)

    def test_an_event_shows_its_label_and_never_a_raw_code(self):
        assert Event(action=EventAction.RESIDENT_RATED).label == "诉求人评价"
        assert Event(action="warning_red").label == "红色预警"
        assert Event(action="no_longer_written").label == "其他操作"
        assert Event._meta.get_field("action").choices is None  # a new code needs no migration

    def test_every_action_the_code_writes_has_a_label(self):
        written = _actions_written()
        # The scan picks its codes from EventAction; the services and the portal pass them to record().
        assert {"registered", "dispatched", "resident_rated", "whistle", "attachment_added"} <= written
        assert written - set(EventAction.values) == set()


def _actions_written() -> set[str]:
    """Every action code passed to tickets.services._core.record() anywhere in the package."""
    found = set()
    for path in Path(civicgrid.__file__).parent.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name != "record":
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    found |= _codes(keyword.value)
    return found


def _codes(node) -> set[str]:
    """The codes an `action=` argument can take: literals, either branch of `a if c else b`, EventAction.X."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body) | _codes(node.orelse)
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "EventAction":
        return {EventAction[node.attr].value}
    raise AssertionError(f"an action that cannot be checked: {ast.unparse(node)}")


def test_the_scan_indexes_hold_only_active_assignments():
    """The deadline scan's partial indexes name the active states in their condition (a literal list, as
    a model's Meta cannot read the class's own attributes): they must be exactly ACTIVE_STATES, or the
    scan's query no longer matches them and reads every assignment."""
    from civicgrid.tickets.models import Assignment

    scan_indexes = [i for i in Assignment._meta.indexes if i.name.endswith("_pending")]
    assert len(scan_indexes) == 3
    for index in scan_indexes:
        states = dict(index.condition.children)["state__in"]
        assert states == list(Assignment.ACTIVE_STATES), index.name
