"""Fuzz: any text gives an understanding, any template renders or fails with TemplateProblem."""

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.inbox.core.classify import Message
from linkstar.inbox.core.compliance import CHANNELS, Outgoing, lint
from linkstar.inbox.core.entities import extract_entities
from linkstar.inbox.core.intents import INTENTS
from linkstar.inbox.core.templates import Mode, ReplyTemplate, TemplateProblem, preview

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=400
) | st.sampled_from(
    [
        "",
        "\x00\x01",
        "\ud800",
        "<script>alert(1)</script>",
        "１２３４５",
        "{{ order.id }}",
        "$$$ 3,20 € 1.000,00 #1 2,000 pcs @ @@",
        "9" * 5000,
    ]
)
FAST = settings(max_examples=150)


@FAST
@given(text=TEXT, subject=st.text(max_size=40), channel=st.sampled_from(["", "amazon", "??"]))
def test_any_text_is_understood(classifier, text, subject, channel):
    (result,) = classifier.classify_batch([Message(text, subject, channel)])
    assert result.intent.value in INTENTS
    assert 0.0 <= result.confidence <= 1.0
    assert result.language in {"en", "es", "de", "fr", "pt", "zh", "unknown"}
    for entity in result.entities:
        assert 0 <= entity.start < entity.end


@FAST
@given(text=TEXT)
def test_entity_spans_point_into_the_text(text):
    for entity in extract_entities(text):
        assert text[entity.start : entity.end]


@FAST
@given(text=TEXT, channel=st.sampled_from(CHANNELS), outreach=st.booleans())
def test_any_outgoing_text_is_linted(text, channel, outreach):
    result = lint(Outgoing(channel, text, outreach=outreach))
    for finding in result.findings:
        assert finding.start == -1 or 0 <= finding.start <= finding.end <= len(text)


JINJA_BITS = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        " buyer.name ",
        " order.id ",
        "|upper",
        "|money",
        " for x in order.lines ",
        " endfor ",
        " if ",
        " endif ",
        "__class__",
        "()",
        "[0]",
        " ** ",
        " * 999999999",
        "'a'",
        "range(10**9)",
        "\n",
        "<b>",
        "&",
        "raw",
        "endraw",
        " set x = 1 ",
    ]
)


@FAST
@given(parts=st.lists(JINJA_BITS | st.text(max_size=5), max_size=14), html=st.booleans())
def test_any_template_renders_or_fails_cleanly(parts, html):
    template = ReplyTemplate("fuzz", "en", "".join(parts), mode=Mode.html if html else Mode.text)
    try:
        rendered = preview(template)
    except TemplateProblem as exc:
        assert str(exc)
    else:
        assert isinstance(rendered.body, str)
