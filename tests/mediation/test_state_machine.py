"""Random sequences of every service on a few cases: a service either makes the transition the table allows or is
refused and changes nothing; no case ever reaches a state by a path the table does not have."""

from datetime import date

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.mediation import services
from civicgrid.mediation.errors import MediationError
from civicgrid.mediation.models import Case, FollowUp
from civicgrid.mediation.services import TRANSITIONS

from .conftest import local, make_case

S = Case.State
SEEN: set = set()


def make_machine(med):
    roll = med["roll"]["a"][:2]

    def steps():
        return {
            "accept": lambda c: services.case_accept(actor=SYSTEM, case=c, on=date(2026, 3, 3)),
            "decline": lambda c: services.case_decline(actor=SYSTEM, case=c, reason="不属于调解范围"),
            "start": lambda c: (
                services.assign_mediators(actor=SYSTEM, case=c, mediators=roll),
                services.case_start(actor=SYSTEM, case=c),
            ),
            "agree": lambda c: services.case_agree(
                actor=SYSTEM,
                case=c,
                content="赔偿",
                performance_manner="转账",
                signed_on=date(2026, 3, 20),
                performance_deadline=date(2026, 4, 1),
            ),
            "fail": lambda c: services.case_fail(actor=SYSTEM, case=c, reason="拒绝调解"),
            "perform": lambda c: services.case_perform(actor=SYSTEM, case=c),
            "follow_up": lambda c: services.follow_up(
                actor=SYSTEM, case=c, on=date(2026, 4, 5), way=FollowUp.Way.VISIT, performed=True
            ),
            "close": lambda c: services.case_close(actor=SYSTEM, case=c),
            "remediate": lambda c: services.case_remediate(actor=SYSTEM, case=c, reason="显失公平"),
        }

    class Machine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.cases = {}
            self.step_of = steps()

        @rule()
        def new_case(self):
            if len(self.cases) < 3:
                case = make_case(med, at=local(2026, 3, 2, 10))
                self.cases[case.pk] = S.REGISTERED

        @rule(index=st.integers(0, 2), step=st.sampled_from(sorted(TRANSITIONS)))
        def act(self, index, step):
            """Any service on any case: refused unless the table allows it."""
            self._try(index, step)

        @rule(index=st.integers(0, 2), choice=st.integers(0, 5))
        def advance(self, index, choice):
            """A service the table allows from the case's state, to walk the deep paths too."""
            if not self.cases:
                return
            state = self.cases[sorted(self.cases)[index % len(self.cases)]]
            allowed = sorted(step for step, (sources, _) in TRANSITIONS.items() if state in sources)
            if allowed:
                self._try(index, allowed[choice % len(allowed)])

        def _try(self, index, step):
            if not self.cases:
                return
            pk = sorted(self.cases)[index % len(self.cases)]
            expected = self.cases[pk]
            case = Case.objects.get(pk=pk)
            events = AuditEvent.objects.filter(target_id=str(pk), action__startswith="mediation.").count()
            sources, target = TRANSITIONS[step]
            try:
                self.step_of[step](case)
            except MediationError:
                assert expected not in sources, f"{step} refused from {expected}"
                case.refresh_from_db()
                assert case.state == expected
                if step != "start":  # assigning mediators before a refused start is its own service
                    assert (
                        AuditEvent.objects.filter(target_id=str(pk), action__startswith="mediation.").count()
                        == events
                    )
                return
            assert expected in sources, f"{step} allowed from {expected}"
            self.cases[pk] = target
            SEEN.add((expected, target))

        @invariant()
        def states_match(self):
            for pk, state in getattr(self, "cases", {}).items():
                assert Case.objects.get(pk=pk).state == state

    return Machine


def test_no_illegal_transitions(med):
    SEEN.clear()
    run_state_machine_as_test(
        make_machine(med), settings=settings(max_examples=40, stateful_step_count=40, deadline=None)
    )
    assert {(S.REGISTERED, S.ACCEPTED), (S.ACCEPTED, S.MEDIATING), (S.MEDIATING, S.AGREEMENT)} <= SEEN, SEEN
