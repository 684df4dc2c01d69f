"""Every string key exists in both languages, is non-empty, and formats alike."""

from __future__ import annotations

import string

import pytest

from geo.i18n import LANGS, STRINGS, t


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_key_in_both_languages(key: str) -> None:
    entry = STRINGS[key]
    assert set(entry) == set(LANGS), key
    assert all(entry[lang].strip() for lang in LANGS), key
    assert _fields(entry["zh-CN"]) == _fields(entry["en"]), key


def test_lookup_and_missing_key() -> None:
    assert t("app.title", "zh-CN") == "青云巡防"
    assert t("app.title", "en") == "Qingyun Patrol"
    with pytest.raises(KeyError):
        t("no.such.key", "en")
