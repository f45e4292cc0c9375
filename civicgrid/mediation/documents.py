"""调解协议书 as a Word file in the house style (core.documents), with what 人民调解法 Art.29 requires: the parties;
the facts, disputed matters and each side's responsibilities; the content, manner and deadline of performance;
signature lines for the parties and the mediators and the committee's seal; and the note on applying jointly for
judicial confirmation within the window (Art.33)."""

from civicgrid.core.documents import Section, Table, document
from civicgrid.mediation.models import Agreement
from civicgrid.mediation.rules import rule_on


def agreement_docx(agreement: Agreement) -> bytes:
    case = agreement.case
    committee = case.committee
    window = rule_on(agreement.signed_on).judicial_window_days
    parties = Table(
        header=("当事人", "姓名或名称", "联系电话", "身份证号", "住址"),
        rows=[(p.get_side_display(), p.name, p.phone, p.id_masked, p.address) for p in case.parties.all()],
        widths_cm=(2.4, 3.2, 3.0, 4.2, 3.0),
    )
    mediators = "、".join(m.name for m in case.mediators.all()) or "＿＿＿＿"
    signatures = Table(
        header=("签名", "签名或盖章", "日期"),
        rows=[(f"{p.get_side_display()}（{p.name}）", "", "") for p in case.parties.all()]
        + [(f"调解员（{m.name}）", "", "") for m in case.mediators.all()],
        widths_cm=(6.0, 6.0, 3.6),
    )
    sections = [
        Section("一、当事人", [parties]),
        Section(
            "二、纠纷事实、争议事项及各方责任",
            [
                f"纠纷事实：{case.facts}",
                f"争议事项：{case.matters or case.title}",
                f"各方责任：{agreement.responsibilities or '经调解，各方当事人对责任无异议。'}",
            ],
        ),
        Section(
            "三、协议内容、履行方式和履行期限",
            [
                f"协议内容：{agreement.content}",
                f"履行方式：{agreement.performance_manner}",
                f"履行期限：{agreement.performance_deadline:%Y年%m月%d日}前履行完毕。",
            ],
        ),
        Section(
            "四、其他事项",
            [
                "本协议经各方当事人签名或盖章、调解员签名并加盖人民调解委员会印章后生效，具有法律约束力，当事人应当按照约定履行。",
                f"各方当事人认为有必要的，可以自本协议生效之日起{window}日内（即{agreement.judicial_due_on:%Y年%m月%d日}前）"
                "共同向人民法院申请司法确认。",
                f"本协议一式{case.parties.count() + 1}份，当事人各执一份，{committee.name}留存一份。",
            ],
        ),
        Section(
            "五、签名",
            [
                signatures,
                f"调解员：{mediators}",
                f"{committee.name}（印章）",
                f"{agreement.signed_on:%Y年%m月%d日}",
            ],
        ),
    ]
    return document("人民调解协议书", f"{committee.name}　{case.number}", sections)
