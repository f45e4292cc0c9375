"""Volunteering in the demo year: volunteers (members of the register among them), projects, activities with
sign-ups, check-ins and check-outs, service records in every state, and two certificates.

The two communities with a points scheme go through the services (their records then earn points through
engagement); the other communities' sign-ups and records go in with bulk_create, with the same times and hours.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from civicgrid.core import idnumbers
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.hours import capped_span, service_hours
from civicgrid.volunteering.models import (
    Activity,
    IdType,
    Project,
    ServiceRecord,
    SignUp,
    TimePreference,
    VolunteerRule,
)
from civicgrid.volunteering.services import certificates, projects, records, signups
from civicgrid.volunteering.services.volunteers import register_volunteer

TITLES = [
    ("环境卫生整治", "清理背街小巷和房前屋后垃圾"),
    ("关爱独居老人上门探访", "上门探望、测量血压、帮做家务"),
    ("文明交通劝导", "路口劝导行人和电动车文明出行"),
    ("防溺水安全宣传", "在河塘、海边巡查并发放宣传单"),
    ("垃圾分类宣传", "入户讲解垃圾分类"),
    ("义诊义剪便民服务", "在党群服务中心义诊、义剪"),
    ("反诈宣传进小区", "讲解常见诈骗手法，帮助安装反诈软件"),
    ("助学辅导", "为留守儿童辅导作业"),
]
SKILLS = ["医疗护理", "理发", "水电维修", "文艺", "摄影", "驾驶", "电脑", "心理咨询", ""]
PLACES = ["党群服务中心", "文化广场", "社区活动室", "村委会", "小区门口"]
MINUTE = timedelta(minutes=1)


@dataclass
class Person:
    name: str
    phone: str
    id_number: str
    member_id: int | None = None
    volunteer: object = None


def _gap(days: float) -> float:
    return days / 365


# ---------------------------------------------------------------------------------------------------- cast


def cast(ctx) -> None:
    """Who volunteers where: members registered in the community and residents. Decided before the points
    accounts are opened, so the people who earn points have accounts."""
    from civicgrid.demo.engagement import RESIDENT1_PHONE, VOLUNTEER1_PHONE
    from civicgrid.demo.party import _name

    rng, today = ctx.rng, ctx.year.today
    ctx.volunteers = {}
    for community in ctx.communities:
        registered = ctx.registered.get(community.pk, [])
        if community == ctx.focus:
            members = [m for m in ctx.keen if m in registered]
            if ctx.member1 is not None:
                members.insert(0, ctx.member1)
            residents = 8
        else:
            members = rng.sample(registered, min(5 if community == ctx.village else 4, len(registered)))
            residents = 6 if community == ctx.village else 3
        people = [
            Person(m.name, m.phone, idnumbers.decrypt(m.id_encrypted), member_id=m.pk)
            for m in members
            if m.phone
        ]
        for index in range(residents):
            birth = date(today.year - rng.randint(20, 68), rng.randint(1, 12), rng.randint(1, 28))
            sex = rng.choice((idnumbers.MALE, idnumbers.FEMALE))
            phone = ctx.people.phone()
            if community == ctx.focus and index < 2:
                phone = (RESIDENT1_PHONE, VOLUNTEER1_PHONE)[index]
            people.append(Person(_name(rng), phone, ctx.people.id_number(birth, sex)))
        if community == ctx.focus:
            ctx.resident = (people[-residents].name, RESIDENT1_PHONE)
        ctx.volunteers[community.pk] = people


# --------------------------------------------------------------------------------------------------- build


def build(ctx) -> None:
    for community in ctx.communities:
        actor = ctx.actor(community)
        people = ctx.volunteers[community.pk]
        for person in people:
            person.volunteer = register_volunteer(
                actor=actor,
                name=person.name,
                phone=person.phone,
                id_type=IdType.RESIDENT,
                id_number=person.id_number,
                area=community,
                skills=ctx.rng.choice(SKILLS),
                time_preferences=ctx.rng.sample(list(TimePreference.values), 2),
                party_member_id=person.member_id,
                today=ctx.year.day(ctx.rng.uniform(0, 0.08)),
            )
        _Community(ctx, community, actor, people).run()


class _Community:
    def __init__(self, ctx, community, actor, people):
        self.ctx, self.rng, self.year = ctx, ctx.rng, ctx.year
        self.community, self.actor, self.people = community, actor, people
        self.by_service = community == ctx.focus
        self.focus = community == ctx.focus
        self.busy: dict[int, list[tuple]] = {}  # volunteer pk → spans taken (bulk path)
        self.rows_signups, self.rows_records = [], []

    @property
    def organiser(self):
        from django.contrib.auth import get_user_model

        if getattr(self.actor, "pk", None):
            return self.actor
        return get_user_model().objects.filter(is_superuser=True).order_by("pk").first()

    def run(self):
        ctx, rng = self.ctx, self.rng
        name = self.community.name
        team = None
        if self.focus:
            team = projects.create_team(
                actor=self.actor,
                name=f"{name}党员志愿服务队",
                area=self.community,
                leader=self.people[-7].volunteer if len(self.people) > 7 else self.people[0].volunteer,
                members=[p.volunteer for p in self.people],
                founded_on=self.year.day(0.01),
            )
        main = self._project(f"{name}邻里守望志愿服务", "关爱老人、环境整治、文明劝导", team=team)
        extra = None
        if self.community == ctx.village:
            extra = self._project(f"{name}防溺水巡查", "汛期和暑假在河塘、海边巡查", risky=True, insure=True)
        elif self.focus:
            extra = self._project(f"{name}文明创建志愿服务", "文明交通劝导、垃圾分类宣传")
        plan = 6 if self.focus else 5 if self.community == ctx.village else 4
        organiser = self.organiser
        activities = []
        for k in range(plan):
            f = 0.02 + 0.93 * (k + rng.uniform(0.2, 0.8)) / plan
            project = extra if extra is not None and k % 3 == 2 else main
            activity = self._activity(project, f, organiser)
            if activity is not None:
                activities.append(activity)
        for index, activity in enumerate(activities):
            newest = len(activities) - 1 - index  # 0 for the latest
            if self.by_service:
                self._served(activity, newest)
            else:
                self._bulk(activity)
        if not self.by_service:
            SignUp.objects.bulk_create(self.rows_signups, batch_size=1000)
            ServiceRecord.objects.bulk_create(self.rows_records, batch_size=1000)
        if self.focus:
            self._desk_today(main, organiser)
            self._upcoming(main, organiser, 2)
            self._certificates()
        elif self.community == ctx.village:
            self._upcoming(main, organiser, 1)
        elif ctx.communities.index(self.community) == len(ctx.communities) - 1 and activities:
            projects.move_project(actor=self.actor, project=main, to=Project.State.CLOSED)

    # ------------------------------------------------------------------------------ projects, activities

    def _project(self, name, description, team=None, risky=False, insure=False) -> Project:
        project = projects.create_project(
            actor=self.actor,
            name=name,
            area=self.community,
            team=team,
            description=description,
            is_risky=risky,
        )
        if insure:
            projects.record_insurance(
                actor=self.actor,
                project=project,
                insurer="中国人寿财产保险股份有限公司琼台支公司",
                policy=f"PICC{self.year.number}{project.pk:06d}",
                insured_until=date(self.year.number, 12, 31),
            )
        for state in (Project.State.PUBLISHED, Project.State.RECRUITING, Project.State.RUNNING):
            projects.move_project(actor=self.actor, project=project, to=state)
        return project

    def _activity(self, project, f, organiser) -> Activity | None:
        starts = self.year.at(f)
        room = self.year.now - starts
        length = min(timedelta(hours=self.rng.choice((2, 2.5, 3))), room / 2)
        if length < timedelta(minutes=20):
            return None
        title, content = TITLES[self.rng.randrange(len(TITLES))]
        return projects.create_activity(
            actor=self.actor,
            project=project,
            title=title,
            place=f"{self.community.name}{self.rng.choice(PLACES)}",
            starts_at=starts,
            ends_at=starts + length,
            capacity=self.rng.randint(8, 12),
            organiser=organiser,
            content=content,
        )

    def _participants(self, activity) -> list[Person]:
        """The keenest members (those who meet the quota) and volunteer1 always come, other members often,
        residents now and then; member1 came once (see _served)."""
        member1 = getattr(self.ctx.member1, "pk", None)
        keenest = {m.pk for m in self.ctx.keen[:6]} if self.focus else set()
        always, sometimes = [], []
        for person in self.people:
            if person.member_id is not None and person.member_id == member1:
                continue
            if person.member_id in keenest or person.phone in self._portal_phones:
                always.append(person)
            elif self.rng.random() < (0.7 if person.member_id is not None else 0.4):
                sometimes.append(person)
        self.rng.shuffle(sometimes)
        return (always + sometimes)[: activity.capacity - 1]

    @property
    def _portal_phones(self):
        from civicgrid.demo.engagement import RESIDENT1_PHONE, VOLUNTEER1_PHONE

        return (RESIDENT1_PHONE, VOLUNTEER1_PHONE)

    @property
    def _volunteer1_phone(self):
        from civicgrid.demo.engagement import VOLUNTEER1_PHONE

        return VOLUNTEER1_PHONE

    def _confirm_at(self, activity, days: float):
        """A day or few after the activity (two hours at least, in a squeezed year), never after now."""
        year = self.year
        later = year.at(year.fraction_of(activity.ends_at) + _gap(days))
        return min(max(later, activity.ends_at + timedelta(hours=2)), year.now - MINUTE)

    def _times(self, activity, index):
        rng, year = self.rng, self.year
        f = year.fraction_of(activity.starts_at)
        applied = min(year.at(f - _gap(rng.uniform(1, 6))), activity.starts_at - 2 * MINUTE)
        approved = min(applied + timedelta(hours=rng.uniform(0.5, 6)), activity.starts_at - MINUTE)
        approved = max(approved, applied)
        checked_in = activity.starts_at + timedelta(minutes=rng.randint(-25, 8))
        checked_out = activity.ends_at - timedelta(minutes=rng.randint(0, 15))
        checked_out = max(checked_out, checked_in + MINUTE)
        return applied, approved, checked_in, checked_out

    # -------------------------------------------------------------------------------- through the services

    def _served(self, activity, newest):
        rng = self.rng
        people = self._participants(activity)
        if self.focus and newest == 2 and self.ctx.member1 is not None:
            people = [self.people[0], *people][: activity.capacity]
        cancelled = None
        for index, person in enumerate(people):
            applied, approved, checked_in, checked_out = self._times(activity, index)
            try:
                signup = signups.apply(volunteer=person.volunteer, activity=activity, now=applied)
            except VolunteerRefusal:
                continue  # overlaps another activity (a squeezed January)
            if person.member_id is None and newest in (1, 3) and not cancelled:
                cancelled = signups.cancel(signup=signup, now=approved)  # withdrew before the day
                continue
            signups.approve(actor=self.actor, signup=signup, now=approved)
            signups.check_in(signup=signup, now=checked_in)
            if index == 3 and newest % 2:
                continue  # forgot to check out: closed at the scheduled end below
            travel = rng.choice((0, 0, 0, 10, 20))
            signups.check_out(signup=signup, now=checked_out, travel_minutes=travel)
        signups.close_forgotten(now=activity.ends_at + timedelta(minutes=30))
        records.record_activity(
            actor=self.actor, activity=activity, now=activity.ends_at + timedelta(hours=1)
        )
        confirm_at = self._confirm_at(activity, rng.uniform(1, 3))
        rows = list(activity.records.select_related("volunteer").order_by("pk"))
        if newest == 0 or confirm_at <= activity.ends_at + timedelta(hours=1):
            return  # the latest activity's records wait for confirmation
        for index, record in enumerate(rows):
            if self.focus and newest == 1 and index == 0:
                records.dispute(
                    record=record, reason="签退时间记录有误，实际服务到活动结束", volunteer=record.volunteer
                )
                continue
            if self.focus and newest == 2 and index == 0:
                records.dispute(record=record, reason="漏记了提前到场布置的时间", volunteer=record.volunteer)
                records.correct(
                    actor=self.actor,
                    record=record,
                    started_at=activity.starts_at,
                    ended_at=activity.ends_at,
                    note="经组织人核实，按活动计划时间记录",
                )
            if self.focus and newest == 2 and index == 1:
                records.void(actor=self.actor, record=record, note="当日因事提前离开，本人申请作废")
                continue
            records.confirm(actor=self.actor, record=record, now=confirm_at)

    def _desk_today(self, project, organiser):
        """The check-in desk: an activity under way now, some checked in, the others expected."""
        year = self.year
        starts = max(year.start, year.now - timedelta(hours=1))
        activity = projects.create_activity(
            actor=self.actor,
            project=project,
            title="周末环境卫生大扫除",
            place=f"{self.community.name}党群服务中心",
            starts_at=starts,
            ends_at=year.now + timedelta(hours=2),
            capacity=12,
            organiser=organiser,
            content="清理小区公共区域，扫码签到、签退",
        )
        people = [p for p in self.people[1:] if p.phone != self._volunteer1_phone][:8]
        for index, person in enumerate(people):
            applied = max(year.start, starts - timedelta(days=2) + timedelta(minutes=index))
            try:
                signup = signups.apply(volunteer=person.volunteer, activity=activity, now=applied)
            except VolunteerRefusal:
                continue
            if index == 7:
                continue  # still waiting for approval
            signups.approve(actor=self.actor, signup=signup, now=applied + timedelta(minutes=30))
            if index < 4:
                signups.check_in(signup=signup, now=min(year.now, starts + timedelta(minutes=5 + index)))

    def _upcoming(self, project, organiser, count):
        """Activities still recruiting: a few applied, some approved; member1 is in, volunteer1 has applied."""
        year = self.year
        for k in range(count):
            day = min(year.today + timedelta(days=2 + 3 * k), date(year.number, 12, 31))
            starts = self.year.start.replace(year=day.year, month=day.month, day=day.day, hour=9)
            if starts <= year.now:
                starts = year.now + timedelta(hours=3 + 3 * k)
            title, content = TITLES[(k + 4) % len(TITLES)]
            activity = projects.create_activity(
                actor=self.actor,
                project=project,
                title=title,
                place=f"{self.community.name}{PLACES[k % len(PLACES)]}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=10,
                organiser=organiser,
                content=content,
            )
            applicants = self.people[: 3 + k]
            for index, person in enumerate(applicants):
                applied = max(year.start, year.now - timedelta(hours=20 - index))
                try:
                    signup = signups.apply(volunteer=person.volunteer, activity=activity, now=applied)
                except VolunteerRefusal:
                    continue
                if self.focus and person.phone == self._volunteer1_phone:
                    continue  # volunteer1 waits for approval
                if index % 2 == 0:
                    signups.approve(actor=self.actor, signup=signup, now=applied + timedelta(minutes=20))
            if self.focus and k == 1:
                v1 = next((p for p in self.people if p.phone == self._volunteer1_phone), None)
                if v1 is not None:
                    try:
                        signups.apply(
                            volunteer=v1.volunteer, activity=activity, now=year.now - timedelta(hours=1)
                        )
                    except VolunteerRefusal:
                        pass

    def _certificates(self):
        """volunteer1's certificate issued after its notice; another volunteer's in notice now."""
        year = self.year
        worker = getattr(getattr(self.actor, "staff", None), "name", "") or "社区工作人员"
        issuer = f"{self.community.name}居民委员会"
        v1 = next((p for p in self.people if p.phone == self._volunteer1_phone), None)
        member1 = getattr(self.ctx.member1, "pk", None)
        other = next(
            (p for p in self.people if p.member_id not in (None, member1) and p.volunteer.records.exists()),
            None,
        )
        days = VolunteerRule.at(year.today).notice_days
        for person, noticed_on, issue in (
            (v1, max(year.start.date(), min(year.day(0.7), year.today - timedelta(days=days + 1))), True),
            (other, max(year.start.date(), year.today - timedelta(days=1)), False),
        ):
            if (
                person is None
                or not person.volunteer.records.filter(state=ServiceRecord.State.CONFIRMED).exists()
            ):
                continue
            requested = max(
                year.start, min(year.now, _midnight(noticed_on) + timedelta(hours=9)) - timedelta(days=1)
            )
            cert = certificates.request(
                volunteer=person.volunteer, purpose="升学综合素质评价" if issue else "单位评优", now=requested
            )
            cert = certificates.start_notice(
                actor=self.actor,
                cert=cert,
                issuer=issuer,
                issuer_head="林海",
                handler=worker,
                issuer_contact="0898-88001234",
                today=noticed_on,
            )
            issue_on = cert.notice_until + timedelta(days=1)
            if issue and issue_on <= year.today:
                certificates.issue(actor=self.actor, cert=cert, today=issue_on)

    # -------------------------------------------------------------------------------------------- in bulk

    def _bulk(self, activity):
        rng = self.rng
        confirm_at = self._confirm_at(activity, rng.uniform(1, 4))
        confirmed = confirm_at > activity.ends_at + timedelta(hours=1)
        for index, person in enumerate(self._participants(activity)):
            span = (activity.starts_at, activity.ends_at)
            taken = self.busy.setdefault(person.volunteer.pk, [])
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            applied, approved, checked_in, checked_out = self._times(activity, index)
            signup = SignUp(
                activity=activity,
                volunteer=person.volunteer,
                state=SignUp.State.RECORDED,
                applied_at=applied,
                decided_at=approved,
                checked_in_at=checked_in,
                checked_out_at=checked_out,
            )
            self.rows_signups.append(signup)
            start, end = capped_span(checked_in, checked_out, activity.starts_at, activity.ends_at)
            self.rows_records.append(
                ServiceRecord(
                    volunteer=person.volunteer,
                    activity=activity,
                    project_id=activity.project_id,
                    area_id=activity.project.area_id,  # bulk_create skips save(), which fills these in
                    signup=signup,
                    started_at=start,
                    ended_at=end,
                    hours=service_hours(checked_in, checked_out, activity.starts_at, activity.ends_at),
                    content=activity.content or activity.title,
                    source=ServiceRecord.Source.CHECKIN,
                    state=ServiceRecord.State.CONFIRMED if confirmed else ServiceRecord.State.PENDING,
                    recorded_by=activity.organiser,
                    recorded_on=(activity.ends_at + timedelta(hours=1)).date(),
                    confirmed_by=activity.organiser if confirmed else None,
                    confirmed_at=confirm_at if confirmed else None,
                )
            )


def _midnight(day: date):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time.min))
