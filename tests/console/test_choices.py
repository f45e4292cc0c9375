from civicgrid.console.templatetags.choices import options


def test_options_mark_the_chosen_value_and_escape_labels():
    html = options([(1, "甲<单位>"), (12, "乙")], 12)
    assert html == '<option value="1">甲&lt;单位&gt;</option><option value="12" selected>乙</option>'


def test_options_with_nothing_chosen():
    assert "selected" not in options([(1, "甲"), ("", "空")], None)
    assert "selected" not in options([(1, "甲")], "")
