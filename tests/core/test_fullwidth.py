"""Full-width punctuation after Chinese characters in templates and Python string literals (scripts/fullwidth.py)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fullwidth.py"
spec = importlib.util.spec_from_file_location("fullwidth", SCRIPT)
fullwidth = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fullwidth)


def test_no_ascii_punctuation_directly_after_a_chinese_character_anywhere_in_civicgrid():
    places = fullwidth.remaining()
    assert places == [], f"{len(places)} 处；运行 python scripts/fullwidth.py 转换:\n" + "\n".join(
        places[:50]
    )


def _py(source: str) -> str:
    return fullwidth.apply_python(source, fullwidth.python_edits(source))


def _html(source: str) -> str:
    return fullwidth.apply(source, fullwidth.template_edits(source))


@pytest.mark.parametrize(
    "before, after",
    [
        ('x = _("提交诉求,获得工单编号")\n', 'x = _("提交诉求，获得工单编号")\n'),
        ('x = "办理(直通联办)"\n', 'x = "办理（直通联办）"\n'),
        ('x = "(本次查看已记录)"\n', 'x = "（本次查看已记录）"\n'),
        ('x = "状态: 已办结!"\n', 'x = "状态：已办结！"\n'),
        ('x = f"工单 {t.number}(第 {n} 次)"\n', 'x = f"工单 {t.number}（第 {n} 次）"\n'),
        ("x = f\"{'，'.join(a)}共{n}件,谢谢\"\n", "x = f\"{'，'.join(a)}共{n}件，谢谢\"\n"),
        ("x = f\"{d['名'],}\"\n", "x = f\"{d['名'],}\"\n"),  # an f-string's expression is code
        ('x = _("共%(n)s件(含%(m)s件)") % v\n', 'x = _("共%(n)s件（含%(m)s件）") % v\n'),
        ('x = "{place}附近,{kw},{closer}"\n', 'x = "{place}附近，{kw},{closer}"\n'),  # after a brace: left
        ('x = f"共 {n},未写入"\n', 'x = f"共 {n}，未写入"\n'),  # before Chinese: converted
        ('x = "编号 12345(热线)转办"\n', 'x = "编号 12345（热线）转办"\n'),  # the pair, Chinese after it
        ('x = "%(a)s:%(b)s"\n', 'x = "%(a)s:%(b)s"\n'),  # no Chinese beside it: left
        ('x = re.compile("(号|栋)?")\n', 'x = re.compile("(号|栋)?")\n'),  # a pattern is code
        ('x = r"(号|栋)?"\n', 'x = r"(号|栋)?"\n'),
        ('x = b"ab"\n', 'x = b"ab"\n'),
        (
            'def f():\n    """退单申请: within the window."""\n',
            'def f():\n    """退单申请: within the window."""\n',
        ),
        ('x = _("(暂定)")\n', 'x = _("(暂定)")\n'),  # the command output
        ('x = "说明\\n(a)"\n', 'x = "说明\\n(a)"\n'),  # after an escape, not after a character
        ('x = "https://a.b/c?d=1"\n', 'x = "https://a.b/c?d=1"\n'),
    ],
)
def test_python_literals(before, after):
    assert _py(before) == after
    assert _py(after) == after  # idempotent


@pytest.mark.parametrize(
    "before, after",
    [
        ("<p>填写有误,请修改</p>", "<p>填写有误，请修改</p>"),
        ('<input placeholder="如:嘉积镇">', '<input placeholder="如：嘉积镇">'),
        ("<b>办理({{ unit.name }})</b>", "<b>办理（{{ unit.name }}）</b>"),
        (
            '<script>alert("失败(" + code); if (x) { y("好,"); }</script>',
            '<script>alert("失败（" + code); if (x) { y("好，"); }</script>',
        ),
        ('<style>a{font-family:"微软雅黑",sans}</style>', '<style>a{font-family:"微软雅黑",sans}</style>'),
    ],
)
def test_templates(before, after):
    assert _html(before) == after
    assert _html(after) == after


def test_the_check_mode_lists_places_and_fails(tmp_path, monkeypatch, capsys):
    package = tmp_path / "civicgrid" / "x" / "templates"
    package.mkdir(parents=True)
    (package / "a.html").write_text("<p>你好,世界</p>\n", encoding="utf-8")
    (tmp_path / "civicgrid" / "m.py").write_text('X = "好的,谢谢"\n', encoding="utf-8")
    monkeypatch.setattr(fullwidth, "ROOT", tmp_path)
    monkeypatch.setattr(fullwidth, "PACKAGE", tmp_path / "civicgrid")
    paths = list(fullwidth.targets(tmp_path / "civicgrid"))
    assert fullwidth.main(["--check", *map(str, paths)]) == 1
    assert "a.html:1" in capsys.readouterr().out
    assert fullwidth.main([str(p) for p in paths]) == 0
    assert fullwidth.main(["--check", *map(str, paths)]) == 0
    assert (tmp_path / "civicgrid" / "m.py").read_text(encoding="utf-8") == 'X = "好的，谢谢"\n'


def test_adjacent_literals_are_one_string_and_a_quoted_file_format_stays():
    before = (
        'x = (\n    "导入知识条目(列 question,"\n    "或留言编号,留言主题,…,答复意见,答复时间);默认"\n)\n'
    )
    after = (
        'x = (\n    "导入知识条目（列 question，"\n    "或留言编号,留言主题,…,答复意见,答复时间）；默认"\n)\n'
    )
    assert _py(before) == after
    assert _py(after) == after
