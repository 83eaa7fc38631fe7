"""Messages: Chinese first, English when chosen; an English text is used as written."""

from __future__ import annotations

from trading import app, i18n


def test_an_empty_english_text_is_shown_as_empty_not_as_chinese() -> None:
    app.load_domains()
    # "第 12 条" reads "entry 12" in English: the measure word has no English counterpart.
    assert i18n.translate("bidding.log_entry_after", "zh-CN") == "条"
    assert i18n.translate("bidding.log_entry_after", "en") == ""


def test_a_message_without_english_falls_back_to_chinese_and_an_unknown_key_to_itself() -> None:
    i18n.add_messages({"test.only_chinese": {"zh-CN": "仅中文"}})
    assert i18n.translate("test.only_chinese", "en") == "仅中文"
    assert "test.only_chinese" not in i18n.texts_of("en")
    assert i18n.translate("test.no_such_key", "en") == "test.no_such_key"
