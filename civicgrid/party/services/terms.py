"""Committees and terms (换届): start a term, extend it (≤ 1 year, approved), record the change; set posts."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import CommitteeTerm, PartyMember, PartyOrg, Post, TermRule, add_months
from civicgrid.party.services._common import audit, require_org


@transaction.atomic
def term_start(
    *,
    actor,
    org: PartyOrg,
    elected_on: date,
    number: int | None = None,
    term_years: int | None = None,
    note: str = "",
) -> CommitteeTerm:
    """A newly elected committee: the current term (if any) ends on `elected_on`; due date from the term rule."""
    org = PartyOrg.objects.select_for_update().get(pk=org.pk)
    require_org(actor, org, action="登记换届")
    if org.is_temporary:
        raise PartyRefusal(f"「{org.name}」是临时党组织，不进行换届选举")
    if org.dissolved_on and org.dissolved_on <= elected_on:
        raise PartyRefusal(f"「{org.name}」已撤销")
    previous = org.terms.filter(is_current=True).first()
    if previous is not None and elected_on < previous.elected_on:
        raise PartyRefusal("新一届的选举日期不能早于上一届")
    if number is None:
        number = (previous.number + 1) if previous else 1
    if org.terms.filter(number=number).exists():
        raise PartyRefusal(f"「{org.name}」已登记第{number}届")
    years = term_years or TermRule.for_org(org, elected_on).years
    if previous is not None:
        previous.is_current = False
        previous.changed_on = previous.changed_on or elected_on
        previous.save(update_fields=["is_current", "changed_on"])
    term = CommitteeTerm.objects.create(
        org=org,
        number=number,
        elected_on=elected_on,
        term_years=years,
        due_on=CommitteeTerm.compute_due_on(elected_on, years),
        is_current=True,
        note=note.strip(),
    )
    audit(
        actor,
        "party.term_start",
        term,
        f"「{org.name}」第{number}届委员会（{elected_on:%Y-%m-%d} 选举，任期 {years} 年）",
        due_on=term.due_on.isoformat(),
    )
    return term


@transaction.atomic
def term_extend(*, actor, term: CommitteeTerm, extended_to: date, approval_doc: str) -> CommitteeTerm:
    """延期换届: approved by the upper organisation, at most the configured months (12) after the due date."""
    term = CommitteeTerm.objects.select_for_update().select_related("org").get(pk=term.pk)
    require_org(actor, term.org, action="延期换届")
    if not term.is_current:
        raise PartyRefusal("只有现任委员会才能延期换届")
    if not approval_doc.strip():
        raise PartyRefusal("延期换届须填写上级党组织的批准文号")
    limit = TermRule.for_org(term.org, term.due_on).max_extension_months
    latest = add_months(term.due_on, limit)
    if extended_to <= term.due_on:
        raise PartyRefusal("延期日期应晚于应换届日期")
    if extended_to > latest:
        raise PartyRefusal(f"延期换届最长 {limit} 个月，最晚至 {latest:%Y-%m-%d}")
    term.extended_to = extended_to
    term.extension_doc = approval_doc.strip()
    # A new due date: the worker's reminder and overdue flag (if set for the old date) are cleared so the new
    # date gets its own reminder and flag, once each.
    term.reminder_sent_at = None
    term.overdue_flagged_at = None
    term.save(update_fields=["extended_to", "extension_doc", "reminder_sent_at", "overdue_flagged_at"])
    audit(
        actor,
        "party.term_extend",
        term,
        f"「{term.org.name}」第{term.number}届延期换届至 {extended_to:%Y-%m-%d}",
        approval_doc=term.extension_doc,
    )
    return term


@transaction.atomic
def term_record_change(*, actor, term: CommitteeTerm, changed_on: date, note: str = "") -> CommitteeTerm:
    """The term ended (换届 done, or the committee was discontinued) on `changed_on` without a new term here."""
    term = CommitteeTerm.objects.select_for_update().select_related("org").get(pk=term.pk)
    require_org(actor, term.org, action="登记换届")
    if changed_on < term.elected_on:
        raise PartyRefusal("换届日期不能早于本届选举日期")
    term.changed_on = changed_on
    term.is_current = False
    if note:
        term.note = note.strip()
    term.save(update_fields=["changed_on", "is_current", "note"])
    audit(
        actor, "party.term_change", term, f"「{term.org.name}」第{term.number}届于 {changed_on:%Y-%m-%d} 换届"
    )
    return term


@dataclass
class PostInput:
    post: str
    member: PartyMember | None = None
    person_name: str = ""
    source: str = ""
    source_unit: object = None
    from_date: date | None = None
    to_date: date | None = None


@transaction.atomic
def posts_set(*, actor, term: CommitteeTerm, posts: list[PostInput]) -> list[Post]:
    """Replace the term's posts: one 书记 at most; each post held by a member or a named person; part-time
    members (兼职委员) say where they come from (单位, 业委会, 物业公司)."""
    term = CommitteeTerm.objects.select_for_update().select_related("org").get(pk=term.pk)
    require_org(actor, term.org, action="设置委员会职务")
    rows = []
    for item in posts:
        if item.post not in Post.Kind.values:
            raise PartyRefusal(f"职务「{item.post}」无效")
        if item.member is None and not item.person_name.strip():
            raise PartyRefusal("每个职务须指定党员或填写姓名")
        if item.source and item.source not in Post.Source.values:
            raise PartyRefusal(f"兼职来源「{item.source}」无效")
        if item.post == Post.Kind.PART_TIME and not item.source:
            raise PartyRefusal("兼职委员须注明来源（单位、业委会或物业公司）")
        if item.member is not None and item.member.status != PartyMember.Status.ACTIVE:
            raise PartyRefusal(f"{item.member.masked_name}不是在册党员，不能任职")
        if item.from_date and item.to_date and item.to_date < item.from_date:
            raise PartyRefusal("离任日期不能早于任职日期")
        rows.append(
            Post(
                term=term,
                member=item.member,
                person_name=item.person_name.strip(),
                post=item.post,
                source=item.source,
                source_unit=item.source_unit,
                from_date=item.from_date or term.elected_on,
                to_date=item.to_date,
            )
        )
    secretaries = [r for r in rows if r.post == Post.Kind.SECRETARY and r.to_date is None]
    if len(secretaries) > 1:
        raise PartyRefusal("一届委员会只能有一名书记")
    term.posts.all().delete()
    Post.objects.bulk_create(rows)
    audit(
        actor,
        "party.posts_set",
        term,
        f"设置「{term.org.name}」第{term.number}届委员会职务（{len(rows)} 个）",
        posts=[r.post for r in rows],
    )
    return list(term.posts.all())
