"""Forms of the knowledge-base pages: an entry (add or revise) and its retirement."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm, text_field
from civicgrid.console.forms.dispatching import category_choices
from civicgrid.knowledge import services
from civicgrid.registry.models import Role, Unit
from civicgrid.routing.models import Category
from civicgrid.tickets.permissions import has_role, units_of

ANSWER_MAX = 20000


class ModelChoice(forms.ChoiceField):
    """A choice of primary keys that cleans to the model instance (None when left blank)."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.model.objects.filter(pk=value).first() if value else None


class EntryForm(BootstrapForm):
    question = text_field("问题", max_length=services.QUESTION_MAX, required=True)
    answer = text_field("答案", rows=8, max_length=ANSWER_MAX, required=True)
    keywords = text_field("关键词", max_length=services.KEYWORDS_MAX, placeholder="逗号分隔，帮助检索")
    category = ModelChoice(Category, label="业务分类", required=False)
    unit = ModelChoice(Unit, label="维护单位")
    valid_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label="失效日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空表示长期有效",
    )
    change_note = text_field(
        "修订说明", max_length=services.NOTE_MAX, placeholder="例如：政策调整，更新办理材料"
    )

    def __init__(self, *args, user, revising: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(leaves_only=False, blank="不指定分类")
        if has_role(user, Role.ADMINISTRATOR):
            units = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.GRID_TEAM)
            self.fields["unit"].choices = [
                ("", "不指定（由系统管理员维护）"),
                *((str(u.pk), u.name) for u in units),
            ]
            self.fields["unit"].required = False
        else:
            units = Unit.objects.filter(pk__in=units_of(user), is_active=True).order_by("code")
            self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]
            self.fields["unit"].required = True
        if not revising:
            del self.fields["change_note"]

    def offer(self, name: str, obj, label: str) -> None:
        """Add `obj` to a field's choices when it is not one of them."""
        field = self.fields[name]
        offered = {str(v) for v, text in field.choices if not isinstance(text, list | tuple)}
        offered |= {str(v) for _, text in field.choices if isinstance(text, list | tuple) for v, _ in text}
        if obj is not None and str(obj.pk) not in offered:
            field.choices = [*field.choices, (str(obj.pk), label)]


class RetireForm(BootstrapForm):
    reason = text_field("停用原因", rows=2, max_length=200, required=True, placeholder="例如：政策已废止")
