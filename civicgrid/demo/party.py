"""Build the demo party register over the demo city: organisations, party grids, members, terms and posts, a year of
organisational life, pioneer posts, a shock team, deployments, appraisals, transfers, and the party accounts.

Volume goes in with bulk_create (ID numbers still checked, encrypted and hashed through core.idnumbers); the
accounts' members, their organisations' terms and posts, one branch's meetings and appraisals go through the real
services. Keyed by organisation codes: building twice changes nothing.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from civicgrid.core import idnumbers
from civicgrid.core.actors import SYSTEM
from civicgrid.demo import names
from civicgrid.party.models import (
    Appraisal,
    Attendance,
    CommitteeTerm,
    Deployment,
    Meeting,
    PartyGrid,
    PartyMember,
    PartyOrg,
    PioneerPost,
    Post,
    RelationTransfer,
    ShockTeam,
    TermRule,
    add_months,
    rebuild_paths,
)
from civicgrid.party.services.meetings import appraisal_record, meeting_record
from civicgrid.party.services.members import member_add
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from civicgrid.registry.models import AdminArea, Grid, Place, Role, Staff, Unit
from civicgrid.registry.services import staff_create

K = PartyOrg.Kind
S = PartyOrg.Setup
CODE_PREFIX = "DJ"
# Birthplace codes on the ID numbers: Hainan's cities and counties, and a few from elsewhere for 流入 members.
REGIONS = ["460100", "460200", "469002", "469005", "469006", "469007", "469024", "469025"]
ELSEWHERE = ["440106", "510104", "430102", "350203"]
MEMBER1_PHONE = "13907550101"


@dataclass
class PartyDemoResult:
    created: bool
    counts: dict = field(default_factory=dict)
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)  # (username, name, role, where)


def _name(rng) -> str:
    return rng.choice(names.SURNAMES) + "".join(rng.choice(names.GIVEN) for _ in range(rng.choice((1, 2, 2))))


class _People:
    """Unique valid ID numbers and phone numbers."""

    def __init__(self, rng):
        self.rng, self.numbers, self.phones = rng, set(), {MEMBER1_PHONE}

    def id_number(self, birth: date, sex: str, elsewhere=False) -> str:
        while True:
            region = self.rng.choice(ELSEWHERE if elsewhere else REGIONS)
            seq = self.rng.randint(0, 99)
            sex_digit = self.rng.choice((1, 3, 5, 7, 9) if sex == idnumbers.MALE else (0, 2, 4, 6, 8))
            body = f"{region}{birth:%Y%m%d}{seq:02d}{sex_digit}"
            number = body + idnumbers.check_digit(body)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def phone(self) -> str:
        while True:
            phone = (
                self.rng.choice(["138", "139", "136", "150", "187", "198"])
                + f"{self.rng.randint(0, 99999999):08d}"
            )
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


def build_party(
    *, city: AdminArea, seed: int = 2026, password_hash: str | None = None, log=print
) -> PartyDemoResult:
    """The party register of the demo city, as of today (the demo's now); nothing when it exists already."""
    if PartyOrg.objects.filter(code__startswith=f"{CODE_PREFIX}{city.code}").exists():
        log("党建数据已存在，不重复生成。")
        return PartyDemoResult(created=False, counts=counts(), accounts=party_accounts())
    rng = random.Random(seed + 11)
    today = timezone.localdate()
    with transaction.atomic():
        # The demo accounts share one password: the secretaries take the same hash as the city's accounts.
        shared = (
            Staff.objects.filter(user__username__in=["orgstaff1", "admin"])
            .order_by("user__username")
            .values_list("user__password", flat=True)
            .last()
        )
        builder = _Builder(rng, city, today, password_hash or shared or make_password(None), log)
        builder.run()
    return PartyDemoResult(created=True, counts=counts(), accounts=party_accounts())


def counts() -> dict:
    active = PartyMember.objects.filter(status=PartyMember.Status.ACTIVE)
    return {
        "orgs": PartyOrg.objects.count(),
        "members": active.count(),
        "probationary": active.filter(category=PartyMember.Category.PROBATIONARY).count(),
        "terms": CommitteeTerm.objects.filter(is_current=True).count(),
        "meetings": Meeting.objects.count(),
    }


def party_accounts() -> list[tuple[str, str, str, str]]:
    rows = []
    for username in ("secretary1", "secretary2"):
        member = (
            PartyMember.objects.filter(user__username=username).select_related("org", "user__staff").first()
        )
        if member is not None:
            rows.append(
                (username, member.user.staff.name, "党组织书记", member.org.name if member.org_id else "")
            )
    member = PartyMember.objects.filter(phone=MEMBER1_PHONE, user__isnull=True).select_related("org").first()
    if member is not None:
        where = member.org.name if member.org_id else ""
        rows.append(("member1", member.name, f"党员（门户用手机号 {MEMBER1_PHONE} + 验证码登录）", where))
    return rows


class _Builder:
    def __init__(self, rng, city, today, password_hash, log):
        self.rng, self.city, self.today, self.password_hash, self.log = rng, city, today, password_hash, log
        self.people = _People(rng)
        self.orgs: list[PartyOrg] = []
        self.org_grids: dict[str, list[Grid]] = defaultdict(list)
        self.sizes: dict[str, int] = {}
        self.members_by_org: dict[int, list[PartyMember]] = defaultdict(list)
        self.seq = 0

    # ------------------------------------------------------------------------------------------- organisations

    def _org(
        self, name, kind, setup, *, parent=None, area=None, unit=None, size=0, grids=(), **fields
    ) -> PartyOrg:
        self.seq += 1
        org = PartyOrg(
            code=f"{CODE_PREFIX}{self.city.code}{self.seq:04d}",
            name=name,
            kind=kind,
            setup=setup,
            parent=parent,
            area=area or self.city,
            unit=unit,
            founded_on=fields.pop(
                "founded_on", date(self.rng.randint(1985, 2015), self.rng.randint(1, 12), 1)
            ),
            **fields,
        )
        org.save()  # one by one: a parent's pk is needed by its children (about a hundred rows)
        self.orgs.append(org)
        self.sizes[org.code] = size
        self.org_grids[org.code] = list(grids)
        return org

    def build_orgs(self):
        rng, city = self.rng, self.city
        towns = list(AdminArea.objects.filter(parent=city, level=AdminArea.Level.TOWN).order_by("code"))
        communities = defaultdict(list)
        for area in AdminArea.objects.filter(parent__in=towns).order_by("code"):
            communities[area.parent_id].append(area)
        grids = defaultdict(list)
        for grid in Grid.objects.filter(community__parent__in=towns).order_by("code"):
            grids[grid.community_id].append(grid)
        units = {u.code: u for u in Unit.objects.filter(area__isnull=False)}
        basic_counts = {c: sum(g.kind == Grid.Kind.BASIC for g in gs) for c, gs in grids.items()}
        all_communities = [c for t in towns for c in communities[t.pk]]
        # The community with fewest grids keeps one branch for all of them; the others have 总支 and grid branches.
        single = min(all_communities, key=lambda c: (basic_counts.get(c.pk, 0), c.code), default=None)
        # And the one with most has a 总支 whatever the city's size (secretary1 leads it).
        largest = max(all_communities, key=lambda c: (basic_counts.get(c.pk, 0), c.code), default=None)
        self.town_committees, self.community_orgs, self.grid_branches = [], [], []
        self.party_grid_plans = []
        for town in towns:
            town_unit = units.get(f"T{town.code}")
            committee = self._org(
                f"中共{town.name}委员会", K.COMMITTEE, S.ORGAN, area=town, unit=town_unit, size=8
            )
            self.town_committees.append(committee)
            for community in communities[town.pk]:
                setup = S.VILLAGE if community.is_village else S.COMMUNITY
                c_unit = units.get(f"C{community.code}")
                c_grids = grids.get(community.pk, [])
                basic = [g for g in c_grids if g.kind == Grid.Kind.BASIC]
                if community != largest and (community == single or len(basic) < 2):
                    org = self._org(
                        f"中共{community.name}支部委员会",
                        K.BRANCH,
                        setup,
                        parent=committee,
                        area=community,
                        unit=c_unit,
                        size=rng.randint(40, 50),
                        grids=basic,
                    )
                    self.community_orgs.append(org)
                    continue
                general = self._org(
                    f"中共{community.name}总支部委员会",
                    K.GENERAL_BRANCH,
                    setup,
                    parent=committee,
                    area=community,
                    unit=c_unit,
                    size=6,
                    grids=basic,
                    is_big_community=len(basic) >= 6,
                )
                self.community_orgs.append(general)
                remaining = list(basic)
                if len(basic) >= 3 and len(self.party_grid_plans) < 2:
                    # Two small grids served together: a party grid (党建网格) with one branch.
                    pair, remaining = remaining[-2:], remaining[:-2]
                    seq_a, seq_b = (g.name.removeprefix(community.name) for g in pair)
                    branch = self._org(
                        f"中共{community.name}{seq_a.removesuffix('网格')}、{seq_b}联合党支部",
                        K.BRANCH,
                        S.GRID,
                        parent=general,
                        area=community,
                        size=rng.randint(30, 45),
                    )
                    self.grid_branches.append(branch)
                    self.party_grid_plans.append((community, pair, branch))
                for grid in remaining:
                    branch = self._org(
                        f"中共{grid.name}支部委员会",
                        K.BRANCH,
                        S.GRID,
                        parent=general,
                        area=community,
                        unit=units.get(f"G{grid.code}"),
                        size=rng.randint(22, 45),
                        grids=[grid],
                    )
                    self.grid_branches.append(branch)
        # Organs: the working committee of the city's departments, one branch per department.
        working = self._org(f"中共{city.name}直属机关工作委员会", K.WORKING_COMMITTEE, S.ORGAN, size=5)
        self.organ_branches = []
        for suffix, name, _short, _stem in names.DEPARTMENTS:
            unit = units.get(f"{city.code}-{suffix}")
            self.organ_branches.append(
                self._org(
                    f"中共{city.name}{name}机关支部委员会",
                    K.BRANCH,
                    S.ORGAN,
                    parent=working,
                    unit=unit,
                    size=rng.randint(20, 48),
                )
            )
        # 两新: the utilities' branches and one joint branch of the property companies.
        two_new = self._org(
            f"中共{city.name}非公有制经济组织和社会组织综合委员会", K.COMMITTEE, S.TWO_NEW, size=5
        )
        self.two_new = [two_new]
        for suffix, name, _short, _stem in names.UTILITIES:
            unit = units.get(f"{city.code}-{suffix}")
            self.two_new.append(
                self._org(
                    f"中共{city.name}{name}支部委员会",
                    K.BRANCH,
                    S.TWO_NEW,
                    parent=two_new,
                    unit=unit,
                    size=rng.randint(15, 40),
                )
            )
        property_units = [u for code, u in sorted(units.items()) if code.startswith(f"{city.code}-WY")]
        self.joint = self._org(
            "中共物业服务企业联合支部委员会",
            K.BRANCH,
            S.TWO_NEW,
            parent=two_new,
            unit=property_units[0] if property_units else None,
            size=rng.randint(10, 18),
            is_joint=True,
        )
        self.joint_units = property_units
        self.two_new.append(self.joint)
        # Boats: at the fishing port if the city has one, else at the first town.
        port = (
            Place.objects.filter(kind=Place.Kind.PORT, grid__community__parent__in=towns)
            .select_related("grid__community__parent")
            .first()
        )
        port_town = port.grid.community.parent if port else towns[0]
        port_committee = self.town_committees[towns.index(port_town)]
        self.boat = self._org(
            f"中共{port.name if port else port_town.name + '渔港'}渔船支部委员会",
            K.BRANCH,
            S.BOAT,
            parent=port_committee,
            area=port.grid.community if port else port_town,
            size=rng.randint(12, 18),
            grids=[port.grid] if port else [],
        )
        # 候鸟: the seasonal residents' branch, in the last town (the coast).
        self.seasonal = self._org(
            f"中共{towns[-1].name}候鸟党员支部委员会",
            K.BRANCH,
            S.SEASONAL,
            parent=self.town_committees[-1],
            area=towns[-1],
            size=rng.randint(30, 45),
        )
        # A temporary branch for a task, approved by the first town's committee, ending in three months.
        self.temporary = self._org(
            f"{towns[0].name}防汛防台风临时党支部",
            K.BRANCH,
            S.PROJECT,
            parent=self.town_committees[0],
            area=towns[0],
            is_temporary=True,
            temp_task="2026 年汛期防汛防台风抢险救灾",
            approved_by=self.town_committees[0],
            end_date=add_months(self.today, 3),
            founded_on=add_months(self.today, -2),
            approval_doc=f"{towns[0].name[:2]}党〔{self.today.year}〕12号",
        )
        rebuild_paths()
        through = PartyOrg.grids.through
        through.objects.bulk_create(
            [through(partyorg_id=o.pk, grid_id=g.pk) for o in self.orgs for g in self.org_grids[o.code]]
        )
        joint_through = PartyOrg.joint_units.through
        joint_through.objects.bulk_create(
            [joint_through(partyorg_id=self.joint.pk, unit_id=u.pk) for u in self.joint_units]
        )
        for community, pair, branch in self.party_grid_plans:
            party_grid = PartyGrid.objects.create(
                name=f"{community.name}第{len(pair)}片党建网格", area=community
            )
            party_grid.grids.set(pair)
            party_grid.orgs.set([branch])

    # ------------------------------------------------------------------------------------------------- members

    def _member(self, org: PartyOrg | None, rng, *, seasonal=False) -> PartyMember:
        today = self.today
        age = rng.choice([rng.randint(23, 40), rng.randint(30, 59), rng.randint(45, 85)])
        birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        sex = idnumbers.MALE if rng.random() < 0.62 else idnumbers.FEMALE
        probationary = age < 45 and rng.random() < 0.08
        joined = (
            today - timedelta(days=rng.randint(20, 360))
            if probationary
            else date(max(birth.year + 19, 1960), rng.randint(1, 12), rng.randint(1, 28))
        )
        if not probationary and joined > add_months(today, -13):
            joined = add_months(today, -rng.randint(14, 60))
        retired = age >= 60 and rng.random() < 0.9
        flowing = not retired and rng.random() < 0.05
        elsewhere = flowing and rng.random() < 0.5
        lost = not retired and not flowing and rng.random() < 0.012
        member = PartyMember(
            name=_name(rng),
            sex=sex,
            birth_date=birth,
            category=PartyMember.Category.PROBATIONARY if probationary else PartyMember.Category.FULL,
            joined_on=joined,
            full_on=None if probationary else add_months(joined, 12),
            org=org,
            in_service=not retired and rng.random() < 0.8,
            retired=retired,
            seasonal=seasonal or (age >= 55 and rng.random() < 0.01),
            phone=self.people.phone(),
        )
        number = self.people.id_number(birth, sex, elsewhere=elsewhere or seasonal)
        member.id_encrypted = idnumbers.encrypt(number)
        member.id_hash = idnumbers.lookup_hash(number)
        member.id_masked = idnumbers.mask(number)
        if seasonal:
            member.flowing, member.flow_direction = True, PartyMember.FlowDirection.IN
            member.flow_host_name = (
                rng.choice(["哈尔滨市道里区", "沈阳市和平区", "北京市朝阳区", "长春市南关区"]) + "某社区党委"
            )
            member.flow_from = date(today.year - 1, 11, 1)
            member.flow_to = date(today.year, 4, 30) if today.month <= 4 else date(today.year + 1, 4, 30)
        elif flowing:
            member.flowing = True
            member.flow_direction = (
                PartyMember.FlowDirection.IN if elsewhere else PartyMember.FlowDirection.OUT
            )
            member.flow_host_name = (
                rng.choice(["海口市龙华区", "三亚市吉阳区", "广州市天河区", "深圳市南山区"]) + "某党支部"
            )
            member.flow_from = today - timedelta(days=rng.randint(60, 900))
            member.flow_certificate_no = f"LD{rng.randint(10**7, 10**8 - 1)}"
        if lost:
            member.lost_contact = True
            member.lost_since = today - timedelta(
                days=rng.choice([rng.randint(30, 170), rng.randint(190, 700)])
            )
        return member

    def build_members(self):
        rng = self.rng
        rows = []
        grid_of = {o.pk: self.org_grids[o.code] for o in self.orgs}
        for org in self.orgs:
            for _ in range(self.sizes[org.code]):
                member = self._member(org, rng, seasonal=org.setup == S.SEASONAL)
                if org.unit_id and member.in_service and org.setup in (S.ORGAN, S.TWO_NEW):
                    member.employer_id = org.unit_id
                if grid_of[org.pk]:
                    member.residence_grid = rng.choice(grid_of[org.pk])
                rows.append(member)
        # A few left the register: died, transferred out; and one lost contact for more than two years.
        for member in rng.sample(rows, 12):
            if member.category == PartyMember.Category.FULL and not member.lost_contact:
                member.status = rng.choice([PartyMember.Status.DECEASED, PartyMember.Status.TRANSFERRED_OUT])
                member.status_changed_on = self.today - timedelta(days=rng.randint(10, 300))
        long_lost = next(
            m
            for m in rows
            if m.status == PartyMember.Status.ACTIVE and m.category == "full" and not m.flowing
        )
        long_lost.lost_contact, long_lost.lost_since = True, add_months(self.today, -26)
        # Probation: one due within the month, one due already, one extended.
        probationers = [m for m in rows if m.category == PartyMember.Category.PROBATIONARY]
        if len(probationers) >= 3:
            probationers[0].joined_on = add_months(self.today, -12) + timedelta(days=rng.randint(5, 25))
            probationers[1].joined_on = add_months(self.today, -12) - timedelta(days=3)
            probationers[2].joined_on = add_months(self.today, -16)
            probationers[2].probation_extended_to = add_months(self.today, 2)
        PartyMember.objects.bulk_create(rows, batch_size=1000)
        for member in PartyMember.objects.filter(org__in=self.orgs).only(
            "pk", "org_id", "name", "category", "status", "joined_on"
        ):
            self.members_by_org[member.org_id].append(member)

    # -------------------------------------------------------------------------------------- terms and posts

    def build_terms(self, skip: set[int]):
        rng, today = self.rng, self.today
        years_of = {}
        terms = []
        candidates = [o for o in self.orgs if not o.is_temporary and o.pk not in skip]
        overdue_at = next(o for o in candidates if o.kind == K.BRANCH and o.setup == S.ORGAN)
        extended_at = next(o for o in candidates if o.kind == K.BRANCH and o.setup == S.TWO_NEW)
        for number_in_list, org in enumerate(candidates):
            key = (org.kind, org.is_village_or_community)
            if key not in years_of:
                years_of[key] = TermRule.for_org(org, today).years
            years = years_of[key]
            if org is overdue_at:
                due = today - timedelta(days=rng.randint(40, 80))
            elif org is extended_at:
                due = today - timedelta(days=20)
            elif number_in_list % 6 == 0:
                due = today + timedelta(days=rng.randint(20, 175))  # due within 6 months
            else:
                due = today + timedelta(days=rng.randint(200, 365 * years - 30))
            elected = add_months(due, -12 * years)
            term = CommitteeTerm(
                org=org,
                number=rng.randint(2, 9),
                elected_on=elected,
                term_years=years,
                due_on=CommitteeTerm.compute_due_on(elected, years),
                is_current=True,
            )
            if org is extended_at:
                term.extended_to = add_months(today, 4)
                term.extension_doc = f"琼台两新党〔{today.year}〕3号"
            terms.append(term)
        CommitteeTerm.objects.bulk_create(terms, batch_size=500)
        posts = []
        kinds = [Post.Kind.SECRETARY, Post.Kind.ORGANISATION, Post.Kind.PUBLICITY, Post.Kind.DISCIPLINE]
        for term in CommitteeTerm.objects.filter(org__in=candidates).select_related("org"):
            pool = [
                m for m in self.members_by_org[term.org_id] if m.category == "full" and m.status == "active"
            ]
            rng.shuffle(pool)
            chosen = kinds + ([Post.Kind.DEPUTY_SECRETARY] if term.org.kind != K.BRANCH else [])
            for kind, member in zip(chosen, pool, strict=False):
                posts.append(Post(term=term, member=member, post=kind, from_date=term.elected_on))
        Post.objects.bulk_create(posts, batch_size=1000)
        self.terms_count = len(terms)

    # ------------------------------------------------------------------------------------------ accounts

    def build_accounts(self):
        """secretary1 (a community 总支's 书记), secretary2 (a grid branch's 书记) and member1, through the services."""
        rng, today = self.rng, self.today
        general = next(o for o in self.community_orgs if o.kind == K.GENERAL_BRANCH)
        grid_branch = next(o for o in self.grid_branches if o.parent_id == general.pk and o.unit_id)
        made = {}
        for username, org in (("secretary1", general), ("secretary2", grid_branch)):
            birth = date(today.year - rng.randint(38, 52), rng.randint(1, 12), rng.randint(1, 28))
            name = _name(rng)
            phone = self.people.phone()
            member = member_add(
                actor=SYSTEM,
                name=name,
                id_number=self.people.id_number(birth, idnumbers.MALE),
                category=PartyMember.Category.FULL,
                joined_on=date(birth.year + 24, 7, 1),
                full_on=date(birth.year + 25, 7, 1),
                org=org,
                phone=phone,
                in_service=True,
                at=today,
            )
            unit = org.unit or general.unit
            staff = Staff.objects.filter(user__username=username).first() or staff_create(
                username=username,
                name=name,
                password=self.password_hash,
                password_is_hashed=True,
                roles=[Role.PARTY_SECRETARY],
                units=[unit] if unit else [],
                phone=phone,
            )
            PartyMember.objects.filter(pk=member.pk).update(user=staff.user)
            elected = add_months(today, -rng.randint(8, 30))
            term = term_start(actor=SYSTEM, org=org, elected_on=elected, number=rng.randint(3, 8))
            others = [m for m in self.members_by_org[org.pk] if m.category == "full" and m.status == "active"]
            posts_set(
                actor=SYSTEM,
                term=term,
                posts=[
                    PostInput(post=Post.Kind.SECRETARY, member=member),
                    *[
                        PostInput(post=kind, member=m)
                        for kind, m in zip(
                            (Post.Kind.ORGANISATION, Post.Kind.PUBLICITY, Post.Kind.DISCIPLINE),
                            others,
                            strict=False,
                        )
                    ],
                ],
            )
            self.members_by_org[org.pk].append(member)
            made[username] = (member, org)
        birth = date(today.year - 34, 5, 18)
        member1 = member_add(
            actor=SYSTEM,
            name=_name(rng),
            id_number=self.people.id_number(birth, idnumbers.FEMALE),
            category=PartyMember.Category.FULL,
            joined_on=date(birth.year + 22, 6, 15),
            full_on=date(birth.year + 23, 6, 15),
            org=grid_branch,
            phone=MEMBER1_PHONE,
            in_service=True,
            residence_grid=self.org_grids[grid_branch.code][0] if self.org_grids[grid_branch.code] else None,
            at=today,
        )
        self.members_by_org[grid_branch.pk].append(member1)
        self.service_orgs = {general.pk, grid_branch.pk}
        self.grid_branch = grid_branch
        return made

    # -------------------------------------------------------------------------------------- organisational life

    def build_meetings(self):
        rng, today = self.rng, self.today
        start = date(today.year - 1, today.month, 1)
        months = []
        day = start
        while day <= today:
            months.append(day)
            day = add_months(day, 1)
        orgs = [o for o in self.orgs if o.kind in (K.BRANCH, K.GENERAL_BRANCH) and not o.is_temporary]
        with_committee = set(CommitteeTerm.objects.filter(is_current=True).values_list("org_id", flat=True))
        behind = set(rng.sample([o.pk for o in orgs], max(1, len(orgs) // 7)))
        topics = {
            Meeting.Kind.COMMITTEE: ["研究本月支部工作", "讨论发展党员工作", "研究网格服务安排"],
            Meeting.Kind.THEME_DAY: [
                "重温入党誓词",
                "走访慰问困难群众",
                "环境卫生整治志愿服务",
                "学习自贸港建设政策",
            ],
            Meeting.Kind.GENERAL_ASSEMBLY: ["通报支部工作", "讨论预备党员转正", "学习传达上级会议精神"],
            Meeting.Kind.LECTURE: ["书记讲党课：基层治理与为民服务", "学习党章党规", "海南自贸港政策解读"],
        }
        meetings, attendance_plans = [], []
        for org in orgs:
            members = [m for m in self.members_by_org[org.pk] if m.status == "active"]
            if not members or org.pk in self.service_orgs_meetings:
                continue
            full = [m for m in members if m.category == "full"]
            lagging = org.pk in behind
            for month in months:
                last_day = add_months(month, 1) - timedelta(days=1)
                recent = month >= add_months(today.replace(day=1), -3)
                if lagging and recent and rng.random() < 0.7:
                    continue
                plans = [Meeting.Kind.THEME_DAY]
                if org.pk in with_committee:
                    plans.append(Meeting.Kind.COMMITTEE)
                if month.month % 3 == 0:
                    plans += [Meeting.Kind.GENERAL_ASSEMBLY, Meeting.Kind.LECTURE]
                if month.month == 1:
                    plans += [Meeting.Kind.LIFE_MEETING, Meeting.Kind.APPRAISAL]
                for kind in plans:
                    held = month + timedelta(days=rng.randint(0, (last_day - month).days))
                    if held >= today:
                        continue
                    if kind == Meeting.Kind.COMMITTEE:
                        expected = min(5, len(full))
                    elif kind in (Meeting.Kind.GENERAL_ASSEMBLY,):
                        expected = len(full)
                    else:
                        expected = len(members)
                    present = max(0, expected - rng.randint(0, max(1, expected // 6)))
                    meeting = Meeting(
                        org=org,
                        kind=kind,
                        held_on=held,
                        topic=rng.choice(topics.get(kind, [Meeting.Kind(kind).label])),
                        place="党群服务中心" if org.setup != S.ORGAN else "机关会议室",
                        expected=expected,
                        present=present,
                    )
                    meeting.compute_quorum()
                    meetings.append(meeting)
                    if kind == Meeting.Kind.GENERAL_ASSEMBLY:
                        attendance_plans.append((meeting, full, present))
        Meeting.objects.bulk_create(meetings, batch_size=1000)
        rows = []
        for meeting, people, present in attendance_plans:
            absent = len(people) - present
            away = set(rng.sample(range(len(people)), absent)) if absent > 0 else set()
            for index, member in enumerate(people):
                status = Attendance.Status.PRESENT
                if index in away:
                    status = rng.choice(
                        [Attendance.Status.LEAVE, Attendance.Status.LEAVE, Attendance.Status.ABSENT]
                    )
                rows.append(Attendance(meeting=meeting, member=member, status=status))
        Attendance.objects.bulk_create(rows, batch_size=2000)
        self.meetings_count = len(meetings)

    def build_service_meetings(self):
        """The grid branch of secretary2: its last months of meetings through the meeting service."""
        org, today = self.grid_branch, self.today
        members = [m for m in self.members_by_org[org.pk] if m.status == "active"]
        for back in (3, 2, 1):
            held = add_months(today.replace(day=1), -back) + timedelta(days=9)
            meeting_record(
                actor=SYSTEM,
                org=org,
                kind=Meeting.Kind.THEME_DAY,
                held_on=held,
                topic="网格党员亮身份、进网格、办实事",
                place="党群服务中心",
                attendance=[
                    (m, Attendance.Status.PRESENT if i % 7 else Attendance.Status.LEAVE)
                    for i, m in enumerate(members)
                ],
                at=today,
            )
            meeting_record(
                actor=SYSTEM,
                org=org,
                kind=Meeting.Kind.COMMITTEE,
                held_on=held - timedelta(days=3),
                topic="研究本月网格服务安排",
                expected=4,
                present=4,
                at=today,
            )
        full = [m for m in members if m.category == "full" and m.joined_on.year < today.year - 1]
        limit = len(full) // 3
        grades = [
            (m, Appraisal.Grade.EXCELLENT if i < limit else Appraisal.Grade.QUALIFIED)
            for i, m in enumerate(full)
        ]
        appraisal_record(actor=SYSTEM, org=org, year=today.year - 1, grades=grades, at=today)

    # ---------------------------------------------------------------------------------- activities, appraisals

    def build_activities(self):
        rng, today = self.rng, self.today
        posts = []
        for org in self.grid_branches[::3] + self.community_orgs[::4]:
            pool = [
                m
                for m in self.members_by_org[org.pk]
                if m.status == "active" and not m.category == "probationary"
            ]
            if not pool:
                continue
            posts.append(
                PioneerPost(
                    name=rng.choice(
                        [
                            "党员先锋岗·便民服务",
                            "党员先锋岗·矛盾调解",
                            "党员先锋岗·环境整治",
                            "党员先锋岗·助老帮扶",
                        ]
                    ),
                    holder=rng.choice(pool),
                    place="网格服务站",
                    org=org,
                    from_date=today - timedelta(days=rng.randint(30, 600)),
                )
            )
        PioneerPost.objects.bulk_create(posts)
        committee = self.town_committees[-1]
        team = ShockTeam.objects.create(
            name=f"{committee.name.removeprefix('中共').removesuffix('委员会')}防汛抢险党员突击队",
            task="台风过境后道路清障、危房转移和物资保障",
            org=committee,
            from_date=today - timedelta(days=120),
        )
        area_orgs = [o.pk for o in self.orgs if o.path.startswith(committee.path)]
        volunteers = [
            m
            for pk in area_orgs
            for m in self.members_by_org[pk]
            if m.status == "active" and m.category == "full"
        ]
        team.members.set(rng.sample(volunteers, min(15, len(volunteers))))
        deployments = []
        tasks = [
            "台风天气人员转移",
            "文明城市创建志愿服务",
            "疫苗接种现场秩序维护",
            "防溺水巡查",
            "春运返乡人员服务",
        ]
        organ_members = [
            m for o in self.organ_branches for m in self.members_by_org[o.pk] if m.status == "active"
        ]
        for member in rng.sample(organ_members, min(180, len(organ_members))):
            deployments.append(
                Deployment(
                    member=member,
                    org_id=member.org_id,
                    task=rng.choice(tasks),
                    place=rng.choice(self.grid_branches).name.removeprefix("中共").removesuffix("支部委员会"),
                    from_date=today - timedelta(days=rng.randint(5, 360)),
                    days=rng.randint(1, 5),
                )
            )
        Deployment.objects.bulk_create(deployments)
        # Appraisals for last year: every active full member who joined before it, 优秀 within a quarter.
        year = today.year - 1
        done = set(Appraisal.objects.filter(year=year).values_list("member_id", flat=True))
        rows = []
        for org in self.orgs:
            if org.is_temporary:
                continue
            for member in self.members_by_org[org.pk]:
                if member.pk in done or member.status != "active" or member.category != "full":
                    continue
                if member.joined_on.year >= year:
                    continue
                roll = rng.random()
                grade = (
                    Appraisal.Grade.EXCELLENT
                    if roll < 0.22
                    else Appraisal.Grade.BASICALLY_QUALIFIED
                    if roll > 0.985
                    else Appraisal.Grade.QUALIFIED
                )
                rows.append(Appraisal(year=year, member_id=member.pk, org=org, grade=grade))
        Appraisal.objects.bulk_create(rows, batch_size=2000)
        # Relation transfers: received, returned, one waiting, one overdue.
        movers = rng.sample(
            [m for o in self.grid_branches for m in self.members_by_org[o.pk] if m.status == "active"], 5
        )
        transfers = []
        for index, member in enumerate(movers):
            sent = today - timedelta(days=[200, 150, 40, 120, 60][index])
            transfer = RelationTransfer(
                member_id=member.pk,
                direction=RelationTransfer.Direction.OUT,
                from_org_id=member.org_id,
                to_name=rng.choice(
                    ["海口市美兰区某社区党委", "三亚市天涯区某党支部", "广州市番禺区某党支部"]
                ),
                letter_no=f"琼台组转〔{sent.year}〕{index + 11}号",
                sent_on=sent,
                due_on=sent + timedelta(days=90),
            )
            if index == 0:
                transfer.state, transfer.received_on = (
                    RelationTransfer.State.RECEIVED,
                    sent + timedelta(days=20),
                )
            elif index == 1:
                transfer.state, transfer.returned_on = (
                    RelationTransfer.State.RETURNED,
                    sent + timedelta(days=15),
                )
                transfer.return_reason = "介绍信抬头有误"
            transfers.append(transfer)
        RelationTransfer.objects.bulk_create(transfers)

    def run(self):
        self.service_orgs_meetings = set()
        self.build_orgs()
        self.log(f"党组织 {len(self.orgs)} 个（乡镇党委 {len(self.town_committees)} 个）")
        self.build_members()
        made = self.build_accounts()
        self.build_terms(skip=self.service_orgs)
        self.service_orgs_meetings = {self.grid_branch.pk}
        self.build_meetings()
        self.build_service_meetings()
        self.build_activities()
        total = sum(len(v) for v in self.members_by_org.values())
        self.log(
            f"党员 {total} 名，任期 {self.terms_count + len(made)} 届，组织生活会议 {Meeting.objects.count()} 次"
        )
