"""Chinese text: one jieba tokenizer per process, shared by the classifier, duplicates and search.

jieba builds its prefix dictionary on first use (~0.5 s) and caches it in a temp directory; the cache
goes to the data directory instead.
"""

import re
import threading

from django.conf import settings

_lock = threading.Lock()
_tokenizer = None

# Letters, digits and CJK ideographs; everything else (punctuation, emoji, spaces) separates words.
_WORD = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")
_NOISE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


def tokenizer():
    """The process's jieba tokenizer, built once."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                cache_dir = settings.DATA_DIR / "cache"
                cache_dir.mkdir(parents=True, exist_ok=True)
                tok.tmp_dir = str(cache_dir)
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def is_word(text: str) -> bool:
    """Whether jieba's dictionary (with the words added) knows `text` as a word."""
    return tokenizer().FREQ.get(text, 0) > 0


def normalise(text: str) -> str:
    """Lower-case, full-width letters and digits to half-width: what every comparison starts from."""
    text = (text or "").translate(_FULLWIDTH).lower()
    return text


_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def words(text: str, *, hmm: bool = True) -> list[str]:
    """jieba words (precise mode), punctuation and spaces dropped. Without the HMM (unknown-word
    guessing) it is a third faster and sticks to dictionary words."""
    return [w for w in tokenizer().lcut(normalise(text), HMM=hmm) if _WORD.search(w)]


def search_words(text: str) -> list[str]:
    """jieba search mode: long words also yield their dictionary sub-words (路面积水 → 路面, 积水, 路面积水)."""
    out = []
    for w in tokenizer().lcut_for_search(normalise(text), HMM=True):
        if _WORD.search(w):
            out.append(w)
    return out


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")


def han_bigrams(text: str) -> list[str]:
    """Every pair of adjacent ideographs: 路面积水 → 路面, 面积, 积水, 水严 …"""
    out = []
    for run in _HAN_RUN.findall(normalise(text)):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def search_text(text: str) -> str:
    """The space-separated tokens stored in a `search_text` column for FTS5 `unicode61` or PostgreSQL `simple`.

    jieba's words plus every ideograph bigram: jieba reads 路面积水 as 路/面积/水, and a search for the
    two-character word 积水 must still find it.
    """
    return " ".join(dict.fromkeys(search_words(text) + han_bigrams(text)))


def compact(text: str) -> str:
    """Letters, digits and ideographs only: for character n-grams and lengths."""
    return _NOISE.sub("", normalise(text))
