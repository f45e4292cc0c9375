from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.core.models import AuditEvent
from civicgrid.routing.models import Category

pytestmark = pytest.mark.django_db

GOOD = """一级分类,二级分类,三级分类
城乡建设,安全生产,事故处理
城乡建设,安全生产,安全隐患
城乡建设,城市建设和市政管理,环境卫生
城乡建设,城市建设和市政管理,其他
环境保护,噪音污染,
环境保护,噪音污染,
交通运输,,
"""


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def write(tmp_path, text, encoding="utf-8", name="taxonomy.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


class TestImport:
    def test_it_builds_the_tree_with_two_digit_codes(self, tmp_path):
        output = run("categories", "import", str(write(tmp_path, GOOD)), "--version", "teddy")

        assert "已导入分类版本 teddy，共 10 个（1 级 3 个，2 级 3 个，3 级 4 个）" in output
        rows = {
            c.code: (c.name, c.level, c.parent.code if c.parent else None)
            for c in Category.objects.filter(version="teddy")
        }
        assert rows == {
            "01": ("城乡建设", 1, None),
            "0101": ("安全生产", 2, "01"),
            "010101": ("事故处理", 3, "0101"),
            "010102": ("安全隐患", 3, "0101"),
            "0102": ("城市建设和市政管理", 2, "01"),
            "010201": ("环境卫生", 3, "0102"),
            "010202": ("其他", 3, "0102"),
            "02": ("环境保护", 1, None),
            "0201": ("噪音污染", 2, "02"),
            "03": ("交通运输", 1, None),
        }
        assert AuditEvent.objects.filter(action="category.import").count() == 1

    def test_it_reads_excel_gb18030_and_custom_columns(self, tmp_path):
        path = write(tmp_path, "大类,小类\n民生,低保\n民生,养老\n", encoding="gb18030")

        run("categories", "import", str(path), "--version", "v2", "--levels-cols", "大类,小类")

        assert list(Category.objects.filter(version="v2").values_list("code", "name")) == [
            ("01", "民生"),
            ("0101", "低保"),
            ("0102", "养老"),
        ]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                "一级分类,二级分类,三级分类\n城乡建设,安全生产,事故\n城乡建设,,孤儿\n",
                "第 3 行：二级分类为空，但下级分类有值",
            ),
            ("一级分类,二级分类\n城乡建设,安全生产\n", "CSV 缺少列：三级分类"),
            ("一级分类,二级分类,三级分类\n", "没有分类数据"),
            (f"一级分类,二级分类,三级分类\n城乡建设,{'长' * 61},\n", "超过 60 个字"),
        ],
    )
    def test_a_bad_file_writes_nothing(self, tmp_path, text, message):
        with pytest.raises(CommandError, match=message) as caught:
            run("categories", "import", str(write(tmp_path, text)), "--version", "bad")

        assert "未导入任何分类" in str(caught.value)
        assert not Category.objects.filter(version="bad").exists()

    def test_more_than_99_siblings_cannot_be_coded(self, tmp_path):
        text = "一级分类,二级分类,三级分类\n" + "".join(f"大类,小类{i},\n" for i in range(100))

        with pytest.raises(CommandError, match="超过 99 个"):
            run("categories", "import", str(write(tmp_path, text)), "--version", "wide")
        assert not Category.objects.filter(version="wide").exists()

    def test_an_existing_version_is_not_merged_into(self, tmp_path):
        with pytest.raises(CommandError, match="分类版本 2026.1 已有 122 个分类"):
            run("categories", "import", str(write(tmp_path, GOOD)), "--version", "2026.1")

    def test_a_missing_file_is_a_command_error(self, tmp_path):
        with pytest.raises(CommandError, match="无法读取文件"):
            run("categories", "import", str(tmp_path / "nope.csv"))


def test_list_prints_the_tree():
    output = run("categories", "list", "--version", "2026.1")

    lines = output.splitlines()
    assert lines[0] == "分类版本 2026.1（共 122 个）"
    assert "  01 城乡建设  [住房，建设]" in lines
    assert "      010301 建筑施工噪音  [噪音，施工，夜间施工]" in lines


def test_list_names_the_known_versions_when_asked_for_another():
    with pytest.raises(CommandError, match="现有版本：2026.1"):
        run("categories", "list", "--version", "1999")
