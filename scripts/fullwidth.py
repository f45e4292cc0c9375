#!/usr/bin/env python3
"""Full-width punctuation after Chinese characters in the interface text (house rule; issue 10 §7).

An ASCII , : ; ( ) ? ! directly after a CJK character (or , : ; ) ? ! directly before one) becomes ， ： ； （ ） ？ ！ in
  - templates (civicgrid/**/templates/**/*.html, the whole file: text, attributes, scripts' strings), and
  - Python string literals under civicgrid/ (migrations included, so the models' state stays as the migrations
    say), except docstrings, raw and byte strings, the patterns given to `re`, and the expressions of f-strings.
A bracket pair is converted as a whole when either bracket qualifies, so 「(本次查看已记录)」 becomes
「（本次查看已记录）」; spaces after a converted ，：；？！ go. Format specifiers (%(n)s, {x}) are never touched: their
brackets follow % or are braces. KEEP lists the text the issue defines as command output.

    python scripts/fullwidth.py           # convert in place, print what changed per file
    python scripts/fullwidth.py --check   # list every remaining place, exit 1 if any (tests/core uses it)

Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "civicgrid"
FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
SPACED = {"，", "：", "；", "？", "！"}
# Command output the issue text defines (`workdays add --provisional` prints 2027-01-05(暂定)): a literal that is
# exactly this stays. So does a column of the national volunteer system's CSV (volunteering.export).
KEEP = {"(暂定)", "服务时长(小时)"}
# Text that quotes a file format, kept wherever it appears (the Teddy replies.csv header, comma-separated).
KEEP_QUOTED = ["留言编号,留言主题,…,答复意见,答复时间"]
RE_FUNCS = {"compile", "search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer"}


def is_cjk(ch: str) -> bool:
    """A Chinese character, or Chinese punctuation (「」、。（）…): what an ASCII mark must not follow."""
    o = ord(ch)
    return (
        0x3400 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x2FFFF
        or 0x3000 < o <= 0x303F
        or 0xFF01 <= o <= 0xFF60
    )


def edits(text: str, opaque: set[int] = frozenset()) -> dict[int, str]:
    """Position → replacement ("" deletes) for one piece of text; positions in `opaque` are left alone."""
    if text in KEEP:
        return {}
    opaque = set(opaque)
    for quoted in KEEP_QUOTED:
        for m in re.finditer(re.escape(quoted), text):
            opaque.update(range(m.start(), m.end()))

    out: dict[int, str] = {}

    def after_cjk(i: int) -> bool:
        j = i - 1
        while j >= 0 and out.get(j) == "":  # a space this run removes does not separate
            j -= 1
        return j >= 0 and j not in opaque and is_cjk(out.get(j) or text[j])

    def before_cjk(i: int) -> bool:
        # 「{n},未写入」: a mark after a placeholder or a number still sits in Chinese text when Chinese follows it
        return i + 1 < len(text) and i + 1 not in opaque and is_cjk(text[i + 1])

    # Rounds until nothing changes: a mark after a bracket converted in the round before is converted too.
    while True:
        before = dict(out)
        stack: list[int] = []
        pairs: list[tuple[int, int]] = []
        for i, ch in enumerate(text):
            if i in opaque or i in out:
                continue
            if ch == "(":
                stack.append(i)
            elif ch == ")":
                if stack:
                    pairs.append((stack.pop(), i))
                elif after_cjk(i) or before_cjk(i):
                    out[i] = FULL[ch]
            elif ch in FULL and (after_cjk(i) or (ch != "(" and before_cjk(i))):
                out[i] = FULL[ch]
                j = i + 1
                while j < len(text) and text[j] == " " and j not in opaque:
                    out[j] = ""
                    j += 1
        for i in stack:
            if after_cjk(i):
                out[i] = FULL["("]
        for start, end in pairs:
            if after_cjk(start) or after_cjk(end) or before_cjk(end):
                out[start], out[end] = FULL["("], FULL[")"]
        if out == before:
            return out


def apply(text: str, changes: dict[int, str]) -> str:
    return "".join(changes.get(i, ch) for i, ch in enumerate(text))


# Templates ---------------------------------------------------------------------------------------------------------


SCRIPT = re.compile(r"<(script|style)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
JS_STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`")


def template_edits(source: str) -> dict[int, str]:
    """The whole template, except that in a <script> only its string literals are text and a <style> is none."""
    opaque: set[int] = set()
    for block in SCRIPT.finditer(source):
        start, end = block.span(2)
        opaque.update(range(start, end))
        if block.group(1).lower() == "script":
            for literal in JS_STRING.finditer(block.group(2)):
                opaque.difference_update(range(start + literal.start() + 1, start + literal.end() - 1))
    return edits(source, opaque)


# Python ------------------------------------------------------------------------------------------------------------


def _skipped_spans(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) (line, byte column) of string nodes not to touch: docstrings and patterns given to `re`."""
    spans = []

    def add(node):
        spans.append(((node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)))

    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            add(node.value)  # docstrings and other bare strings: documentation, not interface
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in RE_FUNCS
                and isinstance(func.value, ast.Name)
                and func.value.id == "re"
            ):
                for arg in node.args[:1]:
                    add(arg)
    return spans


def _split_literal(token: str) -> tuple[str, int, int] | None:
    """(prefix, start, end) of the body inside the quotes, or None for raw and byte strings."""
    m = re.match(r"([A-Za-z]*)('''|\"\"\"|'|\")", token)
    prefix, quote = m.group(1).lower(), m.group(2)
    if "r" in prefix or "b" in prefix:
        return None
    return prefix, len(m.group(0)), len(token) - len(quote)


def _fstring_opaque(body: str) -> set[int]:
    """Positions of the {expressions} (and escaped braces) of an f-string body."""
    opaque, depth, i = set(), 0, 0
    while i < len(body):
        ch = body[i]
        if depth == 0 and ch in "{}" and body[i : i + 2] in ("{{", "}}"):
            opaque.update((i, i + 1))
            i += 2
            continue
        if ch == "{":
            depth += 1
        if depth:
            opaque.add(i)
        if ch == "}" and depth:
            depth -= 1
        i += 1
    return opaque


def python_edits(source: str) -> list[tuple[int, int, str]]:
    """(line, column, replacement) for every change, in characters, for a Python file."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)

    def char_pos(line: int, byte_col: int) -> tuple[int, int]:
        return line, len(lines[line - 1].encode()[:byte_col].decode(errors="ignore"))

    spans = [(char_pos(*a), char_pos(*b)) for a, b in _skipped_spans(tree)]
    # Adjacent literals ("a" "b", split over lines) are one string: read together, so a bracket pair may span them.
    strings = [
        (char_pos(n.lineno, n.col_offset), char_pos(n.end_lineno, n.end_col_offset))
        for n in ast.walk(tree)
        if isinstance(n, (ast.Constant, ast.JoinedStr)) and hasattr(n, "end_lineno")
    ]
    groups: dict = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.STRING or any(a <= tok.start and tok.end <= b for a, b in spans):
            continue
        owner = min(
            (span for span in strings if span[0] <= tok.start and tok.end <= span[1]),
            key=lambda span: (span[1][0] - span[0][0], span[1][1] - span[0][1]),
            default=(tok.start, tok.end),
        )
        groups.setdefault(owner, []).append(tok)
    out = []
    for tokens in groups.values():
        text, where, opaque = "", [], set()
        for tok in tokens:
            parts = _split_literal(tok.string)
            if parts is None:
                # A raw or byte part: opaque, so nothing pairs across it.
                opaque.update(range(len(text), len(text) + 1))
                text += "\x00"
                where.append(None)
                continue
            prefix, start, end = parts
            body = tok.string[start:end]
            local = _fstring_opaque(body) if "f" in prefix else set()
            # Escapes (\n, \\, \") are opaque too, so "\n(" is never read as text after a character.
            for m in re.finditer(r"\\.", body, re.S):
                local.update(range(m.start(), m.end()))
            opaque.update(len(text) + i for i in local)
            where.extend((tok, start + i) for i in range(len(body)))
            text += body
        for offset, new in edits(text, opaque).items():
            tok, pos = where[offset]
            before = tok.string[:pos]
            nl = before.count("\n")
            col = len(before) - (before.rfind("\n") + 1) if nl else tok.start[1] + len(before)
            out.append((tok.start[0] + nl, col, new))
    return out


def apply_python(source: str, changes: list[tuple[int, int, str]]) -> str:
    lines = source.splitlines(keepends=True)
    for line, col, new in sorted(changes, reverse=True):
        text = lines[line - 1]
        lines[line - 1] = text[:col] + new + text[col + 1 :]
    return "".join(lines)


# Files -------------------------------------------------------------------------------------------------------------


def targets(root: Path = PACKAGE):
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or "vendor" in path.parts:
            continue
        if path.suffix == ".py" or (path.suffix == ".html" and "templates" in path.parts):
            yield path


def convert(path: Path) -> tuple[str, int]:
    """The converted text of a file and the number of characters changed."""
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        changes = template_edits(source)
        return apply(source, changes), len(changes)
    changes = python_edits(source)
    return apply_python(source, changes), len(changes)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list the remaining places; exit 1 if any")
    parser.add_argument("paths", nargs="*", type=Path, help="files (default: all of civicgrid/)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or list(targets())
    if args.check:
        places = remaining(paths)
        print("\n".join(places))
        print(f"{len(places)} 处半角标点紧跟汉字", file=sys.stderr)
        return 1 if places else 0
    total = files = 0
    for path in paths:
        text, n = convert(path)
        if n:
            path.write_text(text, encoding="utf-8")
            total, files = total + n, files + 1
            print(f"{path.relative_to(ROOT)}: {n}")
    print(f"{total} characters changed in {files} files", file=sys.stderr)
    return 0


def remaining(paths=None) -> list[str]:
    """Every place still holding an ASCII , : ; ( ) ? ! after a CJK character, as path:line: text."""
    found = []
    for path in targets() if paths is None else paths:
        source = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            places = [source.count("\n", 0, i) + 1 for i, ch in template_edits(source).items() if ch]
        else:
            places = [line for line, _, ch in python_edits(source) if ch]
        lines = source.splitlines()
        for line in sorted(set(places)):
            found.append(f"{path.relative_to(ROOT)}:{line}: {lines[line - 1].strip()[:120]}")
    return found


if __name__ == "__main__":
    sys.exit(main())
