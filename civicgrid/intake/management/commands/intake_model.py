"""civicgrid intake-model train|evaluate|register|activate|auto-dispatch|list."""

import csv
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from django.core.exceptions import ValidationError

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.intake import classifier, services
from civicgrid.intake.models import IntakeModel

csv.field_size_limit(10_000_000)


def read_csv(path: str, text_col: str, label_col: str | None, encoding: str) -> tuple[list[str], list[str]]:
    """Texts (and labels) from a CSV. Without `text_col` the title and detail columns are joined."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"找不到文件：{path}")
    try:
        with open(file, encoding=encoding, newline="") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            if text_col not in columns and not {"title", "detail"} <= set(columns):
                raise CommandError(f"{path} 没有文本列「{text_col}」（现有列：{', '.join(columns)}）")
            if label_col and label_col not in columns:
                raise CommandError(f"{path} 没有类别列「{label_col}」（现有列：{', '.join(columns)}）")
            texts, labels, empty = [], [], []
            for number, row in enumerate(reader, start=2):
                text = (
                    row.get(text_col)
                    if text_col in columns
                    else f"{row.get('title', '')}\n{row.get('detail', '')}"
                )
                text = (text or "").strip()
                label = (row.get(label_col) or "").strip() if label_col else ""
                if not text or (label_col and not label):
                    empty.append(number)
                    continue
                texts.append(text)
                labels.append(label)
    except UnicodeDecodeError:
        raise CommandError(f"{path} 不是 {encoding} 编码，请用 --encoding 指定（如 gbk）") from None
    except csv.Error as exc:
        raise CommandError(f"{path} 不是有效的 CSV:{exc}") from None
    if empty:
        shown = "、".join(map(str, empty[:10])) + ("…" if len(empty) > 10 else "")
        sys.stderr.write(f"跳过 {len(empty)} 行缺少文本或类别的数据（行号 {shown}）\n")
    if not texts:
        raise CommandError(f"{path} 没有可用的数据行")
    return texts, labels


class Command(BaseCommand):
    help = "训练、评估和启用受理分类模型（业务分类建议与智能派单）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        train = sub.add_parser(
            "train",
            help="从 CSV 训练分类模型，并在交叉验证结果上选出自动派单阈值（准确率的 95% 置信下限达标）",
        )
        train.add_argument("--data", required=True, help="训练数据 CSV")
        train.add_argument(
            "--dev", help="验证数据 CSV：与训练数据合并后交叉验证选阈值、报告指标，最终模型用全部数据训练"
        )
        train.add_argument("--text-col", default="text")
        train.add_argument("--label-col", default="label")
        train.add_argument("--encoding", default="utf-8-sig")
        train.add_argument(
            "--target-precision", type=float, default=0.98, help="自动派单要达到的准确率（默认 0.98）"
        )
        train.add_argument(
            "--features",
            choices=sorted(classifier.FEATURES),
            default=classifier.DEFAULT_FEATURES,
            help=f"文本特征：char 为全文字符，head 另加开头 {classifier.HEAD_CHARS} 字（默认 {classifier.DEFAULT_FEATURES}）",
        )
        train.add_argument(
            "--cv-repeats",
            type=int,
            default=classifier.CV_REPEATS,
            help=f"交叉验证重复次数：每次换一种分折，阈值按各次的平均计数选出（默认 {classifier.CV_REPEATS}）",
        )
        train.add_argument("--seed", type=int, default=0)
        train.add_argument("--out", required=True, help="模型输出目录")

        evaluate = sub.add_parser("evaluate", help="在带类别的 CSV 上评估模型，输出指标")
        evaluate.add_argument("--model", required=True, help="模型目录")
        evaluate.add_argument("--data", required=True)
        evaluate.add_argument("--text-col", default="text")
        evaluate.add_argument("--label-col", default="label")
        evaluate.add_argument("--encoding", default="utf-8-sig")
        evaluate.add_argument("--format", choices=["json", "table"], default="table")

        register = sub.add_parser("register", help="登记训练好的模型（复制到数据目录）")
        register.add_argument("directory")
        register.add_argument("--name", required=True)
        register.add_argument("--activate", action="store_true", help="登记后立即启用")
        register.add_argument("--auto-dispatch", choices=["on", "off"], help="是否允许自动派单")
        register.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="类别=分类编码或名称",
            help="把模型类别映射到业务分类",
        )

        activate = sub.add_parser("activate", help="启用已登记的模型")
        activate.add_argument("name")

        auto = sub.add_parser("auto-dispatch", help="开关自动派单，可同时调整阈值")
        auto.add_argument("name")
        auto.add_argument("state", choices=["on", "off"])
        auto.add_argument("--threshold", type=float)

        sub.add_parser("list", help="列出已登记的模型")

    def handle(self, *args, action, **options):
        getattr(self, "_" + action.replace("-", "_"))(**options)

    # --- train / evaluate ---------------------------------------------------------------------------

    def _train(
        self,
        *,
        data,
        dev,
        text_col,
        label_col,
        encoding,
        target_precision,
        features,
        cv_repeats,
        seed,
        out,
        **_,
    ):
        if not 0.5 <= target_precision < 1:
            raise CommandError("--target-precision 须在 0.5 与 1 之间（如 0.98）")
        if not 1 <= cv_repeats <= 20:
            raise CommandError("--cv-repeats 须在 1 与 20 之间")
        texts, labels = read_csv(data, text_col, label_col, encoding)
        dev_texts, dev_labels = read_csv(dev, text_col, label_col, encoding) if dev else ([], [])
        # Every labelled message counts: dev messages are easier than new ones, so a threshold picked
        # on dev alone over-promises; cross-validation over all of them judges the whole method.
        texts, labels = texts + dev_texts, labels + dev_labels
        files = Path(data).name + (f" + {Path(dev).name}" if dev else "")
        self.stdout.write(f"训练数据 {len(texts)} 条（{files}），{len(set(labels))} 个类别；特征 {features}")
        started = time.perf_counter()
        try:
            model = classifier.train(
                texts,
                labels,
                views=classifier.FEATURES[features],
                seed=seed,
                progress=self.stdout.write,
                repeats=cv_repeats,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        seconds = time.perf_counter() - started
        self.stdout.write(f"训练完成，用时 {seconds:.1f} 秒")
        threshold, coverage, precision = classifier.pick_threshold(model, target_precision)
        cv = classifier.cross_validated(model)
        chosen_on = f"全部 {len(texts)} 条带类别数据的 {model.info['folds']} 折交叉验证" + (
            f"（重复 {cv_repeats} 次，各次换一种分折，取平均）" if cv_repeats > 1 else ""
        )
        meta = {
            "trained_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "data": files,
            "n_train": len(texts),
            "features": features,
            "seed": seed,
            "cv_repeats": cv_repeats,
            "train_seconds": round(seconds, 1),
            "target_precision": target_precision,
            "threshold_chosen_on": chosen_on,
            "threshold_coverage": round(coverage, 4),
            "threshold_precision": round(precision, 4),
            "threshold_precision_lower_95": cv["auto_precision_lower_95"],
            "cv": cv,
        }
        classifier.save(model, Path(out), meta=meta)
        if np.isfinite(threshold):
            self.stdout.write(
                f"自动派单阈值 {threshold:.4f}（在{chosen_on}上：覆盖 {coverage:.1%}，准确率 {precision:.2%}，"
                f"95% 置信下限 {cv['auto_precision_lower_95']:.2%}）"
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"在{chosen_on}上，没有任何置信度能以 95% 的把握达到 {target_precision:.0%}：不自动派单"
                )
            )
        self.stdout.write("交叉验证指标：" + json.dumps(cv, ensure_ascii=False))
        self.stdout.write(self.style.SUCCESS(f"模型已保存到 {out}"))

    def _evaluate(self, *, model, data, text_col, label_col, encoding, format, **_):
        try:
            loaded = classifier.load(Path(model))
        except classifier.ModelFileError as exc:
            raise CommandError(str(exc)) from None
        texts, labels = read_csv(data, text_col, label_col, encoding)
        result = classifier.evaluate(loaded, texts, labels)
        if format == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        names = {
            "n": "样本数",
            "macro_f1": "宏平均 F1",
            "accuracy": "准确率",
            "top2_accuracy": "前二命中率",
            "threshold": "自动派单阈值",
            "auto_coverage": "自动派单覆盖率",
            "auto_precision": "自动派单准确率",
            "auto_precision_lower_95": "准确率95%置信下限",
            "ms_per_message": "每条耗时（毫秒）",
            "unknown_labels": "模型未见过的类别",
        }
        for key, label in names.items():
            self.stdout.write(f"{label:<14}{result[key]}")

    # --- registry ----------------------------------------------------------------------------------

    def _register(self, *, directory, name, activate, auto_dispatch, map, **_):
        mapping = {}
        for item in map:
            label, sep, target = item.partition("=")
            if not sep or not label.strip() or not target.strip():
                raise CommandError(f"--map 的格式应为「模型类别=分类编码或名称」：{item}")
            mapping[label.strip()] = target.strip()
        try:
            row = services.model_register(
                source=Path(directory),
                name=name,
                activate=activate,
                auto_dispatch=None if auto_dispatch is None else auto_dispatch == "on",
                mapping=mapping,
            )
        except classifier.ModelFileError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(";".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"已登记模型 {row.name}" + ("，已启用" if row.is_active else ""))
        )
        for mapping_row in row.mappings.select_related("category").order_by("label"):
            target = (
                mapping_row.category.path_display if mapping_row.category else "（未映射：请在管理后台指定）"
            )
            self.stdout.write(f"  {mapping_row.label} → {target}")

    def _get(self, name) -> IntakeModel:
        row = IntakeModel.objects.filter(name=name).first()
        if row is None:
            known = "、".join(IntakeModel.objects.values_list("name", flat=True)) or "（无）"
            raise CommandError(f"没有名为 {name} 的模型。已登记：{known}")
        return row

    def _activate(self, *, name, **_):
        try:
            services.model_activate(model=self._get(name))
        except classifier.ModelFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"已启用模型 {name}"))

    def _auto_dispatch(self, *, name, state, threshold, **_):
        try:
            row = services.model_set_auto_dispatch(
                model=self._get(name), enabled=state == "on", threshold=threshold
            )
        except ValidationError as exc:
            raise CommandError(";".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"模型 {name}：自动派单{'开启' if row.auto_dispatch else '关闭'}，阈值 {row.threshold}"
            )
        )

    def _list(self, **_):
        rows = IntakeModel.objects.order_by("-created_at")
        if not rows:
            self.stdout.write("还没有登记任何模型。先运行 civicgrid intake-model train，再 register。")
            return
        for row in rows:
            flags = ("[启用] " if row.is_active else "") + ("[自动派单] " if row.auto_dispatch else "")
            cv = (row.metrics or {}).get("cv") or {}
            self.stdout.write(
                f"{row.name:<24}{flags}{len(row.labels)} 类，阈值 {row.threshold},"
                f"交叉验证 F1 {cv.get('macro_f1', '—')}，登记于 {row.created_at:%Y-%m-%d %H:%M}"
            )
