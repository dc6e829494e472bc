"""The console's JSON editors parse the posted text with one helper (`web.json_editor`) and
show every problem the same way: a list of `<code>path</code> reason`, 422, nothing stored."""

from __future__ import annotations

import pytest

from linkstar.kit.errors import InvalidInput
from linkstar.web.json_editor import listed, parse_json, problem, refused

BROKEN = '{"a": 1,'
BROKEN_ITEM = (
    '<li><code class="code">$</code> not valid JSON: Expecting property name enclosed in '
    "double quotes (line 1, column 9)</li>"
)
LIST_ITEM = '<li><code class="code">$</code> must be a JSON object</li>'


def test_parse_json_gives_the_document_or_one_problem_at_the_root():
    assert parse_json('{"a": 1}') == ({"a": 1}, [])
    assert parse_json("[1]", list) == ([1], [])
    assert parse_json(BROKEN) == (
        None,
        [problem("$", "not valid JSON: Expecting property name enclosed in double quotes "
                 "(line 1, column 9)")],
    )  # fmt: skip
    assert parse_json("[1]") == (None, [problem("$", "must be a JSON object")])
    assert parse_json("{}", list) == (None, [problem("$", "must be a JSON list")])


def test_refusals_in_either_shape_become_path_and_reason():
    by_field = InvalidInput("no", {"errors": [{"field": "owners.late", "reason": "no user"}]})
    by_path = InvalidInput("no", {"errors": [{"path": "$.x", "message": "too big"}]})
    as_list = InvalidInput("no", [{"field": "when", "message": "unknown op"}])
    assert refused(by_field) == [problem("owners.late", "no user")]
    assert refused(by_path) == [problem("$.x", "too big")]
    assert listed(as_list) == [problem("when", "unknown op")]
    assert (listed(InvalidInput("plain")), refused(InvalidInput("plain"))) == (
        [],
        [problem("$", "plain")],
    )


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/addresses/policy", {"policy": BROKEN}),
        ("/tracking/rules", {"rules": BROKEN}),
        ("/routing/policies", {"body": BROKEN, "precedence": "5"}),
        ("/inbox/settings", {"settings": BROKEN}),
        ("/inbox/rules", {"rule": BROKEN, "snapshots": ""}),
    ],
)
def test_every_editor_shows_broken_json_the_same_way(owner, path, form):
    r = owner.post(path, form)
    assert r.status_code == 422
    assert f'<ul class="json-problems">{BROKEN_ITEM}</ul>' in r.text


def test_a_refused_document_is_listed_by_path_on_each_editor(owner):
    rules = owner.post("/tracking/rules", {"rules": '{"stalled": {"floor_hours": -1}}'})
    assert rules.status_code == 422 and '<ul class="json-problems"><li><code class="code">' in (
        rules.text
    )
    for path, form in (
        ("/addresses/policy", {"policy": "[1]"}),
        ("/tracking/rules", {"rules": "[1]"}),
        ("/inbox/settings", {"settings": "[1]"}),
    ):
        r = owner.post(path, form)
        assert r.status_code == 422 and f'<ul class="json-problems">{LIST_ITEM}</ul>' in r.text
