"""`core.columns.assemble` gives statuses and sub-statuses as `str` of each (sub-statuses None
when not given), whether they come as members, their texts or other text, and a member's text
is its one shared object."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from linkstar.tracking.core.columns import _status_texts, _sub_status_texts
from linkstar.tracking.core.vocabulary import Status, SubStatus

MEMBERS = st.sampled_from([*Status, *SubStatus])
VALUES = st.one_of(MEMBERS, MEMBERS.map(lambda m: m.value), st.text(max_size=6))


@given(st.lists(VALUES, max_size=12))
def test_status_texts_are_str_of_each(values):
    got = _status_texts(values)
    assert got == [str(v) for v in values]
    assert all(type(text) is str for text in got)


@given(st.lists(st.one_of(st.none(), VALUES), max_size=12))
def test_sub_status_texts_are_str_of_each_given(values):
    got = _sub_status_texts(values)
    assert got == [str(v) if v else None for v in values]
    assert all(text is None or type(text) is str for text in got)


def test_a_member_s_text_is_one_object_for_the_whole_column():
    texts = _status_texts([Status.DELIVERED, Status.DELIVERED, "delivered"])
    assert texts[0] is texts[1] is texts[2] is Status.DELIVERED.value
    subs = _sub_status_texts([SubStatus.CUSTOMS_HOLD, None, SubStatus.CUSTOMS_HOLD.value])
    assert subs[0] is subs[2] and subs[1] is None
