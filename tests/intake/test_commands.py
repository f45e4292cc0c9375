import json

import pytest
from django.core.management import CommandError, call_command

from civicgrid.intake import classifier
from civicgrid.intake.models import IntakeModel
from tests.intake.corpus import make, write_csv


@pytest.fixture
def csvs(tmp_path):
    train = write_csv(tmp_path / "train.csv", *make(30, seed=1, noise=0.25))
    dev = write_csv(tmp_path / "dev.csv", *make(15, seed=2, noise=0.25))
    return train, dev


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("intake_model", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_train_picks_a_threshold_on_dev_and_evaluate_prints_one_json_object(tmp_path, csvs):
    train, dev = csvs
    out = run(
        "train",
        "--data",
        str(train),
        "--dev",
        str(dev),
        "--target-precision",
        "0.95",
        "--out",
        str(tmp_path / "m"),
    )
    assert "自动派单阈值" in out and "模型已保存" in out
    manifest = classifier.read_manifest(tmp_path / "m")
    assert manifest["meta"]["threshold_chosen_on"].startswith("验证集")
    assert manifest["meta"]["threshold_precision"] >= 0.95

    result = json.loads(
        run("evaluate", "--model", str(tmp_path / "m"), "--data", str(dev), "--format", "json")
    )
    for key in (
        "macro_f1",
        "accuracy",
        "top2_accuracy",
        "auto_coverage",
        "auto_precision",
        "ms_per_message",
        "n",
    ):
        assert key in result
    assert result["n"] == 60
    # The threshold was chosen on this very data one message at a time, as evaluate reads it.
    assert result["auto_precision"] >= 0.95
    assert result["auto_coverage"] == pytest.approx(manifest["meta"]["threshold_coverage"], abs=1e-4)


def test_train_without_dev_uses_cross_validation(tmp_path, csvs):
    train, _ = csvs
    run("train", "--data", str(train), "--out", str(tmp_path / "m"))
    assert "交叉验证" in classifier.read_manifest(tmp_path / "m")["meta"]["threshold_chosen_on"]


def test_custom_columns_and_clear_errors(tmp_path):
    texts, labels = make(10, seed=4)
    data = write_csv(tmp_path / "x.csv", texts, labels, text_col="内容", label_col="类别")
    run(
        "train",
        "--data",
        str(data),
        "--text-col",
        "内容",
        "--label-col",
        "类别",
        "--out",
        str(tmp_path / "m"),
    )
    with pytest.raises(CommandError, match="没有文本列「text」"):
        run("train", "--data", str(data), "--out", str(tmp_path / "n"))
    with pytest.raises(CommandError, match="找不到文件"):
        run("train", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "n"))
    (tmp_path / "gbk.csv").write_bytes("text,label\n楼上漏水,a\n".encode("gbk"))
    with pytest.raises(CommandError, match="--encoding"):
        run("train", "--data", str(tmp_path / "gbk.csv"), "--out", str(tmp_path / "n"))
    assert not (tmp_path / "n").exists()


def test_evaluate_refuses_a_tampered_model(tmp_path, csvs):
    train, dev = csvs
    run("train", "--data", str(train), "--out", str(tmp_path / "m"))
    arrays = tmp_path / "m" / classifier.ARRAYS
    arrays.write_bytes(arrays.read_bytes() + b"x")
    with pytest.raises(CommandError, match="校验失败"):
        run("evaluate", "--model", str(tmp_path / "m"), "--data", str(dev))


def test_register_activate_and_auto_dispatch(db, tmp_path, csvs, settings):
    settings.DATA_DIR = tmp_path / "data"
    train, dev = csvs
    run("train", "--data", str(train), "--dev", str(dev), "--out", str(tmp_path / "m"))
    out = run("register", str(tmp_path / "m"), "--name", "m1", "--activate", "--map", "9001=0101")
    assert "已登记模型 m1,已启用" in out
    row = IntakeModel.objects.get(name="m1")
    assert row.is_active and not row.auto_dispatch
    assert (tmp_path / "data" / "intake-models" / "m1" / classifier.MANIFEST).exists()
    run("auto-dispatch", "m1", "on", "--threshold", "0.9")
    row.refresh_from_db()
    assert row.auto_dispatch and row.threshold == 0.9
    with pytest.raises(CommandError, match="阈值须在 0 到 1 之间"):
        run("auto-dispatch", "m1", "on", "--threshold", "1.5")
    with pytest.raises(CommandError, match="没有名为 nope 的模型"):
        run("activate", "nope")
    with pytest.raises(CommandError, match="模型中没有这些类别"):
        run("register", str(tmp_path / "m"), "--name", "m2", "--map", "9999=0101")
    assert "m1" in run("list")
