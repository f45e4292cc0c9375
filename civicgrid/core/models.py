"""What every app builds on: the append-only audit trail and the versioned row (configuration as data)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

# Every audit action code a service or the admin writes, with what a person reads for it. A test collects the codes
# from the source (tests/core/test_labels.py), so a new action without a label fails there.
AUDIT_ACTIONS = {
    "api.token_issued": "创建接口密钥",
    "api.token_revoked": "停用接口密钥",
    "tickets.import": "导入历史工单",
    "tickets.export": "导出工单",
    "webhook.secret_rotated": "更换回调签名密钥",
    "webhook.retried": "重新推送回调",
    "signin.failed": "登录密码错误",
    "signin.code_failed": "两步验证码错误",
    "signin.locked_out": "登录失败过多被锁定",
    "signin.locked_attempt": "锁定期间尝试登录",
    "signin.unlock": "解除登录锁定",
    "twofactor.enable": "开启两步验证",
    "twofactor.disable": "关闭两步验证",
    "twofactor.backup_codes": "重新生成备用验证码",
    "twofactor.reset": "重置两步验证",
    "admin.add": "后台新增",
    "admin.change": "后台修改",
    "admin.delete": "后台删除",
    "area.create": "新增行政区划",
    "reviews.ballot_cast": "述职评议投票",
    "reviews.campaign_close": "结束述职评议测评",
    "reviews.campaign_create": "创建述职评议",
    "reviews.campaign_open": "开始述职评议测评",
    "reviews.campaign_publish": "公布述职评议结果",
    "reviews.comment": "填写述职点评",
    "reviews.group_remove": "删除述职测评组",
    "reviews.group_save": "设置述职测评组",
    "reviews.paper_enter": "录入述职纸质票",
    "reviews.rater_add": "添加述职测评人",
    "reviews.rater_move": "调整述职测评人分组",
    "reviews.rater_remove": "删除述职测评人",
    "reviews.rectification_add": "登记述职整改事项",
    "reviews.rectification_done": "完成述职整改事项",
    "reviews.reporter_add": "添加述职人",
    "reviews.reporter_remove": "删除述职人",
    "reviews.reporter_update": "修改述职人",
    "reviews.sheet_assemble": "采集述职数据表",
    "export.review_campaigns": "导出述职评议清单",
    "export.review_results": "导出述职评议结果",
    "export.review_sheet": "导出述职报告材料",
    "briefing.generate": "生成工作简报",
    "briefing.preview": "预览工作简报",
    "briefing.download": "下载工作简报",
    "servicelist.draft": "新建服务清单草稿",
    "servicelist.item_add": "新增清单事项",
    "servicelist.item_change": "修改清单事项",
    "servicelist.item_delete": "删除清单事项",
    "servicelist.discard": "删除服务清单草稿",
    "servicelist.publish": "发布服务清单",
    "servicelist.export": "导出服务清单",
    "area.update": "修改行政区划",
    "attachment.view": "查看附件",
    "catalogue.create": "新增派单目录条目",
    "catalogue.update": "修改派单目录条目",
    "category.import": "导入业务分类",
    "direct_rule.create": "新增网格直派规则",
    "direct_rule.update": "修改网格直派规则",
    "deliberation.attendance": "登记协商出席",
    "deliberation.participant_add": "登记协商参与人",
    "deliberation.resolution_ledger": "协商决议转入台账",
    "deliberation.resolution_ticket": "协商决议转为工单",
    "deliberation.step_record": "登记四议两公开步骤",
    "deliberation.ticket_link": "工单并入协商议题",
    "deliberation.topic_accept": "受理协商议题",
    "deliberation.topic_decline": "协商议题不予受理",
    "deliberation.topic_deliberate": "登记协商决议",
    "deliberation.topic_done": "协商决议落实完成",
    "deliberation.topic_feed_back": "反馈协商结果",
    "deliberation.topic_implement": "开始落实协商决议",
    "deliberation.topic_notify": "发布议事公告",
    "deliberation.topic_propose": "收集协商议题",
    "deliberation.topic_publicise": "公示协商决议",
    "hotspots.alert": "热点预警",
    "hotspots.key_list": "热点列入重点督办",
    "hotspots.ledger": "热点列入问题台账",
    "hotspots.topic": "热点提交协商议事",
    "ledgers.campaign_create": "创建问题台账",
    "ledgers.import": "导入问题台账",
    "ledgers.evidence_view": "查看台账佐证材料",
    "weakorgs.scan": "排查软弱涣散党组织",
    "weakorgs.confirm": "认定软弱涣散党组织",
    "weakorgs.dismiss": "软弱涣散候选不予认定",
    "weakorgs.designate": "直接认定软弱涣散党组织",
    "weakorgs.accept": "软弱涣散整顿验收摘牌",
    "weakorgs.extend": "软弱涣散整顿延期",
    "export.weakorgs_board": "导出软弱涣散整顿台账",
    "export.weakorgs_plan": "导出软弱涣散整顿方案",
    "engagement.commitment_decide": "评定承诺践诺",
    "engagement.commitment_pledge": "登记承诺",
    "engagement.evaluation_record": "双报到年度评价",
    "engagement.evaluation_send": "双报到评价反馈所在党组织",
    "engagement.finding_convert": "走访问题转办",
    "engagement.import_pairings": "导入结对",
    "engagement.need_add": "登记需求",
    "engagement.pairing_create": "登记结对",
    "engagement.register_member": "在职党员报到",
    "engagement.register_org": "单位党组织报到",
    "engagement.registration_activate": "确认报到上岗",
    "engagement.registration_assign": "安排报到党员岗位",
    "engagement.registration_end": "结束报到登记",
    "engagement.visit_record": "登记结对走访",
    "engagement.wish_cancel": "取消微心愿",
    "engagement.wish_claim": "认领微心愿",
    "engagement.wish_close": "办结微心愿",
    "engagement.wish_collect": "登记微心愿",
    "engagement.wish_confirm": "心愿人确认微心愿",
    "engagement.wish_expire": "微心愿过期",
    "engagement.wish_fulfil": "微心愿实现",
    "engagement.wish_publish": "发布微心愿",
    "engagement.wish_verify": "核实微心愿",
    "export.briefings": "导出工作简报登记表",
    "export.deliberation_topics": "导出协商议题",
    "export.engagement_evaluations": "导出双报到年度评价",
    "export.engagement_needs": "导出需求清单",
    "export.engagement_pairings": "导出结对名单",
    "export.hotspot_alerts": "导出热点预警",
    "export.hotspots": "导出热点问题",
    "export.ledger_items": "导出问题台账事项",
    "export.ledger_ranking": "导出台账单位排名",
    "export.engagement_stats": "导出社区共建统计",
    "export.league": "导出三率排名",
    "export.mediation_cases": "导出调解案件清单",
    "export.mediation_mediators": "导出人民调解员名册",
    "export.mediation_stats": "导出人民调解统计",
    "export.party_members": "导出党员名册",
    "export.party_terms": "导出换届提醒",
    "export.points_accounts": "导出积分账户",
    "export.tickets": "导出工单清单",
    "export.inbox": "导出承办任务",
    "export.callbacks": "导出待回访工单",
    "export.supervision": "导出预警与超期工单",
    "export.key_list": "导出重点督办清单",
    "export.dispatch": "导出派单队列",
    "export.duplicates": "导出疑似重复工单",
    "export.intake_accuracy": "导出智能分类效果",
    "export.knowledge": "导出知识库",
    "export.party_orgs": "导出党组织架构",
    "export.party_coverage": "导出网格党支部覆盖",
    "export.party_approvals": "导出党组织审批事项",
    "export.party_org_members": "导出本组织党员名单",
    "export.party_meetings": "导出会议记录",
    "export.volunteer_projects": "导出志愿服务项目",
    "export.volunteer_queue": "导出待确认服务记录",
    "export.volunteer_certificates": "导出志愿服务记录证明",
    "export.volunteer_teams": "导出志愿服务队",
    "export.points_queue": "导出积分审核",
    "export.ledger_campaigns": "导出问题台账清单",
    "export.ledger_approvals": "导出待审核进度",
    "export.ledger_mine": "导出我的台账",
    "export.mediation_committees": "导出人民调解委员会",
    "export.catalogues": "导出村级服务清单目录",
    "export.engagement_wishes": "导出需求和微心愿",
    "export.engagement_registrations": "导出双报到登记",
    "export.my_grid": "导出我的网格工单",
    "export.deliberation_stats": "导出协商议事统计",
    "export.party_activities": "导出党员先锋岗、突击队与下沉",
    "export.volunteer_records": "导出志愿服务记录（全国系统格式）",
    "export.volunteers": "导出志愿者名单",
    "export.notifications": "导出消息",
    "export.party_mine": "导出我的组织生活",
    "export.party_appraisal": "导出民主评议党员",
    "export.party_proposals": "导出新建党组织申请",
    "export.engagement_mine": "导出我的双报到任务",
    "export.ticket": "导出工单办理情况",
    "export.party_org_detail": "导出党组织基本情况",
    "export.mediation_committee": "导出人民调解委员会人员名单",
    "export.engagement_visits": "导出结对走访记录",
    "export.engagement_commitments": "导出承诺践诺",
    "export.review_reporter": "导出述职数据和测评结果",
    "export.deliberation_topic": "导出议题参与人与四议两公开",
    "grid.create": "新增网格",
    "grid.update": "修改网格",
    "grid.staff": "调整网格人员",
    "intake.auto_dispatch": "设置自动派单",
    "intake.auto_dispatch_off": "自动派单自动关闭",
    "intake.auto_dispatched": "智能分类自动派单",
    "intake.model_activate": "启用分类模型",
    "intake.model_register": "登记分类模型",
    "kb.create": "新增知识条目",
    "kb.import": "导入知识条目",
    "kb.reindex": "重建知识库索引",
    "kb.retire": "停用知识条目",
    "kb.revise": "修订知识条目",
    "mediation.accept": "受理调解案件",
    "mediation.agree": "达成调解协议",
    "mediation.anonymise": "调解卷宗匿名化",
    "mediation.assign": "指派调解员",
    "mediation.close": "调解案件结案",
    "mediation.committee_create": "设立人民调解委员会",
    "mediation.decline": "不予受理调解申请",
    "mediation.extend": "延长调解期限",
    "mediation.fail": "调解不成",
    "mediation.follow_up": "调解回访",
    "mediation.followup_remind": "调解回访提醒",
    "mediation.judicial": "登记申请司法确认",
    "mediation.judicial_remind": "司法确认申请提醒",
    "mediation.mediator_add": "登记人民调解员",
    "mediation.mediator_leave": "人民调解员离任",
    "mediation.overdue": "调解超期",
    "mediation.perform": "调解协议开始履行",
    "mediation.raise_ticket": "调解案件转为工单",
    "mediation.register": "登记调解案件",
    "mediation.remediate": "重新调解",
    "mediation.retention_mark": "调解卷宗保存期满",
    "mediation.risk": "标记矛盾激化风险",
    "mediation.session": "记录调解笔录",
    "mediation.start": "开始调解",
    "party.appraisal_record": "录入民主评议结果",
    "party.deployment_delete": "删除党员下沉记录",
    "party.deployment_save": "登记党员下沉",
    "party.grid_save": "设置党建网格",
    "party.group_save": "设置党小组",
    "party.id_reveal": "查看党员完整身份证号（说明用途）",
    "party.import_members": "导入党员",
    "party.import_orgs": "导入党组织",
    "party.meeting_attachment": "上传会议附件",
    "party.meeting_record": "录入组织生活会议",
    "party.member_add": "登记党员",
    "party.member_flags": "修改党员标记",
    "party.member_full": "预备党员转正",
    "party.member_link_user": "设置党员登录账号",
    "party.member_move": "调整党员所在组织",
    "party.member_status": "变更党籍状态",
    "party.member_update": "修改党员信息",
    "party.org_create": "新建党组织",
    "party.org_dissolve": "撤销党组织",
    "party.org_update": "修改党组织",
    "party.pioneer_delete": "删除党员先锋岗",
    "party.pioneer_save": "设置党员先锋岗",
    "party.posts_set": "设置委员会职务",
    "party.probation_cancel": "取消预备党员资格",
    "party.probation_extend": "延长预备期",
    "party.proposal_approve": "批准新建党组织申请",
    "party.proposal_reject": "不予批准新建党组织申请",
    "party.proposal_submit": "提交新建党组织申请",
    "party.shock_team_delete": "删除党员突击队",
    "party.shock_team_save": "设置党员突击队",
    "party.term_change": "登记换届",
    "party.term_extend": "延期换届",
    "party.term_start": "新一届委员会",
    "party.timer_lost_contact": "失联党员处置提醒",
    "party.timer_probation_due": "预备期期满提醒",
    "party.timer_temporary_expired": "临时党组织到期提醒",
    "party.timer_term_due": "换届到期提醒",
    "party.timer_term_overdue": "逾期未换届标记",
    "party.timer_transfer_overdue": "组织关系转接逾期提醒",
    "party.transfer_receive": "组织关系接收",
    "party.transfer_return": "组织关系介绍信退回",
    "party.transfer_send": "开具组织关系介绍信",
    "patrol.photo_view": "查看巡查照片",
    "patrol.reported": "网格员巡查上报",
    "points.account_open": "开设积分账户",
    "points.card_view": "凭户编号查询积分",
    "points.claim": "申报积分",
    "points.expire": "积分到期清零",
    "points.fulfil": "积分兑换领取",
    "points.item_add": "新增兑换物品",
    "points.post": "积分入账",
    "points.post_due": "公示期满积分入账",
    "points.publicise": "积分公示",
    "points.redeem": "积分兑换",
    "points.redemption_cancel": "取消积分兑换",
    "points.reject": "驳回积分申报",
    "points.restock": "兑换物品入库",
    "points.reverse": "积分冲正",
    "points.review": "审核积分申报",
    "points.scheme_adopt": "通过积分方案",
    "pii.reveal": "查看完整联系方式（说明用途）",
    "pii.view": "显示诉求人联系方式",
    "place.create": "新增地点",
    "place.update": "修改地点",
    "registry.areas_imported": "导入行政区划",
    "registry.grids_imported": "导入网格",
    "sms.failed": "短信发送失败",
    "sms.opt_in": "恢复接收短信",
    "sms.opt_out": "退订短信",
    "sms.sent": "短信已发送",
    "staff.create": "新增工作人员",
    "unit.create": "新增单位",
    "unit.update": "修改单位",
    "volunteer.activity_cancel": "取消志愿服务活动",
    "volunteer.activity_save": "安排志愿服务活动",
    "volunteer.cert_download": "下载志愿服务记录证明",
    "volunteer.cert_issue": "开具志愿服务记录证明",
    "volunteer.cert_notice": "公示志愿服务记录证明",
    "volunteer.cert_refuse": "不予开具志愿服务记录证明",
    "volunteer.cert_request": "申请志愿服务记录证明",
    "volunteer.check_in": "志愿者签到",
    "volunteer.check_out": "志愿者签退",
    "volunteer.checkout_capped": "未签退按计划结束时间签退",
    "volunteer.link_member": "关联志愿者与党员记录",
    "volunteer.project_create": "新建志愿服务项目",
    "volunteer.project_insurance": "登记志愿服务意外保险",
    "volunteer.project_state": "变更志愿服务项目状态",
    "volunteer.record_confirm": "确认服务记录",
    "volunteer.record_correct": "更正服务记录",
    "volunteer.record_create": "生成服务记录",
    "volunteer.record_dispute": "服务记录提出异议",
    "volunteer.record_void": "作废服务记录",
    "volunteer.register": "登记志愿者",
    "volunteer.signup_apply": "报名志愿服务活动",
    "volunteer.signup_approve": "录用活动报名",
    "volunteer.signup_cancel": "取消活动报名",
    "volunteer.signup_reject": "活动报名未录用",
    "volunteer.team_save": "设置志愿服务队",
    "volunteer.team_member": "调整志愿服务队队员",
    "workcal.day_set": "设置日历日",
    "workcal.holiday_cn_imported": "导入节假日安排",
    "workcal.office_hours_deleted": "删除办公时间",
    "workcal.office_hours_saved": "保存办公时间",
    "workcal.year_confirmed": "确认年度日历",
}


def audit_action_label(code: str) -> str:
    return AUDIT_ACTIONS.get(code) or _("其他操作")


def model_label(label_lower: str) -> str:
    """「工单」 for "tickets.ticket": a target type as a person reads it."""
    from django.apps import apps

    try:
        return str(apps.get_model(label_lower)._meta.verbose_name)
    except (LookupError, ValueError):
        return _("其他对象") if label_lower else ""


class AuditEvent(models.Model):
    """One row per change made by a service: who, when, what, and the details."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象标识"), max_length=60, blank=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    payload = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action_label} {self.summary}"

    @property
    def action_label(self) -> str:
        return audit_action_label(self.action)

    @property
    def target_type_label(self) -> str:
        return model_label(self.target_type)


class Watermark(models.Model):
    """How far a repeated background job has got (e.g. the last confirmation time it posted points for), so a pass
    reads only what is new. Losing it costs a full re-run, never a wrong result: the jobs using it are idempotent."""

    name = models.CharField(_("任务"), max_length=60, unique=True)
    value = models.DateTimeField(_("已处理至"))

    class Meta:
        verbose_name = _("后台任务进度")
        verbose_name_plural = _("后台任务进度")

    def __str__(self):
        return f"{self.name} {self.value:%Y-%m-%d %H:%M}"


class Lease(models.Model):
    """Which worker runs a whole-table background job right now (core.leases): taken with a conditional UPDATE or
    an INSERT on the unique name, given up when the job ends, and simply outlived by `expires_at` when the worker
    dies, so any number of workers may run and such a job still runs once at a time."""

    name = models.CharField(_("任务"), max_length=60, unique=True)
    holder = models.CharField(_("执行者"), max_length=40)
    expires_at = models.DateTimeField(_("到期时间"))

    class Meta:
        verbose_name = _("后台任务租约")
        verbose_name_plural = _("后台任务租约")

    def __str__(self):
        return f"{self.name} {self.expires_at:%Y-%m-%d %H:%M}"


class EffectiveQuerySet(models.QuerySet):
    def effective_at(self, when):
        day = when.date() if hasattr(when, "date") else when
        return self.filter(is_active=True, effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class Effective(models.Model):
    """A versioned row: in force from `effective_from` to `effective_to` (inclusive) when active."""

    version = models.CharField(_("版本/批次"), max_length=40, help_text=_("例如：第一批（暂行）"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("失效日期不能早于生效日期")})


class SigninPolicy(Effective):
    """How many wrong passwords or two-step codes lock a staff account out from one address, and for how long."""

    failure_limit = models.PositiveSmallIntegerField(
        _("连续错误次数"),
        default=5,
        help_text=_("同一账号在同一网络连续输错密码或验证码达到此次数即锁定（3～20）"),
    )
    cooloff_minutes = models.PositiveIntegerField(
        _("锁定时长（分钟）"),
        default=30,
        help_text=_("锁定期间再试不延长锁定；管理员可在“登录锁定”中提前解除"),
    )

    class Meta:
        verbose_name = _("登录锁定规则")
        verbose_name_plural = _("登录锁定规则")
        ordering = ["-effective_from", "-pk"]

    def __str__(self):
        return f"{self.version}：{self.failure_limit} 次，锁定 {self.cooloff_minutes} 分钟"

    def clean(self):
        super().clean()
        errors = {}
        if not 3 <= self.failure_limit <= 20:
            errors["failure_limit"] = _("连续错误次数应在 3～20 之间")
        if not 1 <= self.cooloff_minutes <= 24 * 60:
            errors["cooloff_minutes"] = _("锁定时长应在 1～1440 分钟之间")
        if errors:
            raise ValidationError(errors)


class TwoStepDevice(TOTPDevice):
    """A person's authenticator as the admin lists it, in Chinese (django-otp's own labels are English only)."""

    class Meta:
        proxy = True
        verbose_name = _("两步验证")
        verbose_name_plural = _("两步验证")
