from django.template import Context, Template
from django.utils import translation

from logistics.text import join_names


def test_names_in_a_row_use_the_readers_separator():
    with translation.override("zh-hans"):
        assert join_names(["办公主楼一层", "食堂"]) == "办公主楼一层、食堂"
        assert (
            Template("{% load logistics_tags %}{{ names|listing }}").render(Context({"names": ["甲", "乙"]}))
            == "甲、乙"
        )
    with translation.override("en"):
        assert join_names(["Main building", "Canteen"]) == "Main building, Canteen"
    assert join_names([]) == ""
