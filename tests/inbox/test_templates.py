"""Sandboxed reply templates: variables, autoescape, strict undefined, clear errors, preview."""

import pytest

from linkstar.inbox.core.templates import (
    Mode,
    ReplyTemplate,
    TemplateProblem,
    check,
    preview,
    render,
    sample_variables,
)

WISMO = {
    "en": "Hi {{ buyer.first_name }}, order {{ order.id }} is {{ shipment.status_text|lower }} "
    "with {{ shipment.carrier }} ({{ shipment.tracking_number }}), due {{ shipment.eta }}.",
    "es": "Hola {{ buyer.first_name }}, tu pedido {{ order.id }} llegará el {{ shipment.eta }}.",
    "de": "Hallo {{ buyer.first_name }}, Ihre Bestellung {{ order.id }} kommt am "
    "{{ shipment.eta }}.",
    "fr": "Bonjour {{ buyer.first_name }}, votre commande {{ order.id }} arrive le "
    "{{ shipment.eta }}.",
    "pt": "Olá {{ buyer.first_name }}, seu pedido {{ order.id }} chega em {{ shipment.eta }}.",
    "zh": "{{ buyer.name }}您好，您的订单{{ order.id }}预计{{ shipment.eta }}送达。",
}


def test_preview_in_every_language():
    expected = {
        "en": "Hi Emily, order 112-3456789-1234567 is in transit with UPS (1Z5R89390357567127), "
        "due 2026-12-09.",
        "es": "Hola Lucía, tu pedido 112-3456789-1234567 llegará el 2026-12-09.",
        "de": "Hallo Jonas, Ihre Bestellung 112-3456789-1234567 kommt am 2026-12-09.",
        "fr": "Bonjour Camille, votre commande 112-3456789-1234567 arrive le 2026-12-09.",
        "pt": "Olá Ana, seu pedido 112-3456789-1234567 chega em 2026-12-09.",
        "zh": "王芳您好，您的订单112-3456789-1234567预计2026-12-09送达。",
    }
    for lang, body in WISMO.items():
        rendered = preview(ReplyTemplate("wismo", lang, body, subject="Order {{ order.id }}"))
        assert rendered.body == expected[lang]
        assert rendered.subject == "Order 112-3456789-1234567"
        assert rendered.language == lang


def test_loops_filters_and_tracking_link():
    body = (
        "{% for line in order.lines %}{{ line.quantity }} x {{ line.title }} "
        "({{ line.price|money(order.currency) }})\n{% endfor %}Track: {{ shipment.tracking_url }}"
    )
    assert preview(ReplyTemplate("lines", "en", body)).body == (
        "2 x Ceramic mug 350 ml (12.95 USD)\n1 x Tea infuser set (17.00 USD)\n"
        "Track: https://www.ups.com/track?tracknum=1Z5R89390357567127"
    )


def test_html_mode_escapes_variables_text_mode_does_not():
    evil = {"buyer": {"name": '<script>alert("x")</script>'}}
    html = render(ReplyTemplate("t", "en", "<p>Hi {{ buyer.name }}</p>", mode=Mode.html), evil)
    assert html.body == "<p>Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>"
    text = render(ReplyTemplate("t", "en", "Hi {{ buyer.name }}"), evil)
    assert text.body == 'Hi <script>alert("x")</script>'


@pytest.mark.parametrize(
    "source",
    [
        "{{ buyer.__class__ }}",
        "{{ buyer.name.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__ }}",
        "{{ buyer|attr('__class__') }}",
        "{{ order._private }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ order.update({'id': 1}) }}",
        "{{ order.lines.append(1) }}",
        "{{ 9**999999 }}",
        "{{ 'x' * 100000000 }}",
        "{% for i in range(100000000) %}{% endfor %}",
    ],
)
def test_sandbox_blocks_attacks(source):
    with pytest.raises(TemplateProblem):
        preview(ReplyTemplate("attack", "en", source))


def test_syntax_errors_name_the_line():
    template = ReplyTemplate("bad", "en", "Hello\n{% if buyer.name %}\nHi\n")
    with pytest.raises(TemplateProblem, match=r"^line 3: body: syntax error: Unexpected end"):
        check(template)
    with pytest.raises(TemplateProblem, match=r"^line 2: body: syntax error"):
        check(ReplyTemplate("bad", "en", "ok\n{{ buyer.name }"))


def test_undefined_variables_are_errors_with_the_line():
    with pytest.raises(TemplateProblem, match=r"^line 2: body: undefined variable: 'coupon'"):
        preview(ReplyTemplate("u", "en", "Hi\n{{ coupon }}"))
    with pytest.raises(TemplateProblem, match="undefined variable"):
        preview(ReplyTemplate("u", "en", "{{ order.nothing_here }}"))


def test_runtime_errors_and_limits():
    with pytest.raises(TemplateProblem, match="ZeroDivisionError"):
        preview(ReplyTemplate("z", "en", "{{ 1 / 0 }}"))
    with pytest.raises(TemplateProblem, match="at most 50,000"):
        check(ReplyTemplate("big", "en", "x" * 50_001))
    with pytest.raises(TemplateProblem, match="output exceeds"):
        preview(
            ReplyTemplate("loop", "en", "{% for i in range(99999) %}{{ order.id }}{% endfor %}")
        )


def test_preview_variables_can_be_overridden():
    variables = sample_variables("en")
    assert variables["shipment"]["status"] == "in_transit"
    rendered = preview(ReplyTemplate("t", "en", "{{ buyer.name }}"), {"buyer": {"name": "Zoe"}})
    assert rendered.body == "Zoe"
