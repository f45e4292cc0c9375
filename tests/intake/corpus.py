"""A small generated corpus: four kinds of matter, each with its own words, over shared boilerplate."""

import csv
import random

WORDS = {
    "9001": ["楼上", "漏水", "邻居", "渗水", "卫生间", "吵架", "天花板", "协商"],
    "9002": ["违建", "搭建", "加盖", "违章", "楼顶", "铁皮房", "扩建", "围墙"],
    "9003": ["物业", "电梯", "停车", "物业费", "保安", "绿化", "业委会", "门禁"],
    "9004": ["施工", "噪音", "打桩", "夜间", "工地", "机器", "轰鸣", "凌晨"],
}
BOILERPLATE = ["您好", "我想反映", "请相关部门处理", "谢谢", "小区", "已经很久了", "希望尽快解决", "多次反映"]


def make(n_per_label: int = 40, seed: int = 0, noise: float = 0.0) -> tuple[list[str], list[str]]:
    """Texts and labels; with `noise`, that share of texts carries another label's words too."""
    rng = random.Random(seed)
    texts, labels = [], []
    codes = sorted(WORDS)
    for code in codes:
        for _ in range(n_per_label):
            words = rng.sample(WORDS[code], 3) + rng.sample(BOILERPLATE, 3)
            if rng.random() < noise:
                other = rng.choice([c for c in codes if c != code])
                words += rng.sample(WORDS[other], 3)
            rng.shuffle(words)
            texts.append(",".join(words) + "。")
            labels.append(code)
    return texts, labels


def write_csv(path, texts, labels, *, text_col="text", label_col="label"):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["uid", label_col, text_col])
        for i, (text, label) in enumerate(zip(texts, labels, strict=True), start=1):
            writer.writerow([i, label, text])
    return path
