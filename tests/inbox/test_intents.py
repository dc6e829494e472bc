"""Exact intents on clear messages, every intent, six languages (none of them in the seed set)."""

import pytest

from linkstar.inbox.core.intents import BITEXT_INTENTS, INTENTS, Intent, map_bitext_intent
from linkstar.inbox.core.training import seed_examples

CLEAR = [
    # English: every intent.
    (
        "en",
        "Hi, where is my order? I placed it 12 days ago and see no update.",
        "where_is_my_order",
    ),
    (
        "en",
        "The tracking shows delivered yesterday but nothing was left at my house.",
        "delivery_problem",
    ),
    (
        "en",
        "How can I send back the sweater? It doesn't fit, I need a return label.",
        "return_request",
    ),
    (
        "en",
        "I sent the item back two weeks ago and still have not got my refund.",
        "refund_request",
    ),
    ("en", "Please cancel my order, I bought the wrong model by accident.", "cancel_order"),
    ("en", "I need to change the delivery address on my order before it ships.", "change_order"),
    ("en", "Do you ship to New Zealand, and how long does shipping take?", "shipping_question"),
    ("en", "Could you email me an invoice for this purchase for my accountant?", "invoice_request"),
    ("en", "I was charged twice on my credit card for one order.", "payment_question"),
    (
        "en",
        "We are a retailer interested in wholesale, what is your MOQ for 2,000 units?",
        "bulk_or_oem_inquiry",
    ),
    ("en", "Would you accept $25 for it? The price is a little high for me.", "price_negotiation"),
    ("en", "Is this backpack waterproof and does it fit a 16 inch laptop?", "product_question"),
    ("en", "I am extremely disappointed, your customer service is terrible and rude.", "complaint"),
    ("en", "Just wanted to say thanks, the lamp is lovely and arrived fast!", "feedback"),
    ("en", "I forgot my password and cannot sign in to my account.", "account_help"),
    ("en", "Please unsubscribe me from the newsletter.", "subscription"),
    ("en", "Can I please talk to a human agent instead of this bot?", "human_agent"),
    ("en", "We are an SEO agency and can get your store to page one of Google.", "other"),
    # Spanish.
    ("es", "¿Dónde está mi pedido? Lo compré hace dos semanas.", "where_is_my_order"),
    (
        "es",
        "Quiero devolver los pantalones, ¿me envían la etiqueta de devolución?",
        "return_request",
    ),
    ("es", "Por favor, cancelen mi pedido de ayer.", "cancel_order"),
    (
        "es",
        "Somos distribuidor en Chile y queremos comprar al por mayor, ¿cuál es el pedido mínimo?",
        "bulk_or_oem_inquiry",
    ),
    ("es", "¿Me hace un descuento si le compro tres unidades?", "price_negotiation"),
    ("es", "¿Este reloj es resistente al agua?", "product_question"),
    ("es", "Necesito la factura de mi compra con mis datos fiscales.", "invoice_request"),
    ("es", "Por favor, quiero hablar con un agente de verdad.", "human_agent"),
    # German.
    ("de", "Wo ist meine Bestellung? Ich warte schon zwei Wochen.", "where_is_my_order"),
    ("de", "Das Paket kam beschädigt an, der Karton war völlig zerdrückt.", "delivery_problem"),
    ("de", "Bitte stornieren Sie meine Bestellung.", "cancel_order"),
    (
        "de",
        "Wir sind ein Großhandel und möchten 1.000 Stück mit eigenem Logo bestellen.",
        "bulk_or_oem_inquiry",
    ),
    ("de", "Können Sie mir eine Rechnung für meine Firma schicken?", "invoice_request"),
    ("de", "Ich möchte den Artikel zurückschicken, er passt nicht.", "return_request"),
    ("de", "Bitte melden Sie mich vom Newsletter ab.", "subscription"),
    # French.
    (
        "fr",
        "Où est ma commande ? Je n'ai reçu aucune nouvelle depuis dix jours.",
        "where_is_my_order",
    ),
    ("fr", "Je voudrais retourner ces chaussures, elles sont trop grandes.", "return_request"),
    ("fr", "Je souhaite annuler ma commande, merci.", "cancel_order"),
    (
        "fr",
        "Nous sommes grossiste, pouvez-vous faire un logo personnalisé sur 500 pièces ?",
        "bulk_or_oem_inquiry",
    ),
    ("fr", "Pouvez-vous me faire une remise si j'en prends deux ?", "price_negotiation"),
    ("fr", "Je voudrais parler à un conseiller s'il vous plaît.", "human_agent"),
    # Portuguese.
    ("pt", "Onde está meu pedido? Já faz duas semanas.", "where_is_my_order"),
    ("pt", "Quero cancelar o pedido que fiz hoje.", "cancel_order"),
    (
        "pt",
        "Somos uma loja e queremos comprar no atacado, qual a quantidade mínima?",
        "bulk_or_oem_inquiry",
    ),
    ("pt", "Ainda não recebi o reembolso da devolução.", "refund_request"),
    ("pt", "Preciso da nota fiscal da minha compra.", "invoice_request"),
    ("pt", "Quero falar com um atendente, por favor.", "human_agent"),
    # Chinese.
    ("zh", "我的订单在哪里？已经两个星期了。", "where_is_my_order"),
    ("zh", "请帮我取消订单。", "cancel_order"),
    ("zh", "我们是经销商，想批发500件，起订量是多少？", "bulk_or_oem_inquiry"),
    ("zh", "我要退款，东西一直没收到。", "refund_request"),
    ("zh", "请给我开一张发票。", "invoice_request"),
    ("zh", "我要转人工客服。", "human_agent"),
]


def _values(case):
    return case.values if hasattr(case, "values") else case


@pytest.mark.parametrize(
    ("lang", "text", "intent"),
    CLEAR,
    ids=[f"{_values(c)[0]}-{_values(c)[2]}-{i}" for i, c in enumerate(CLEAR)],
)
def test_clear_messages_get_their_intent(classifier, lang, text, intent):
    result = classifier.classify(text)
    assert result.intent.value == intent, (result.intent, result.confidence, result.rule)
    assert result.language == lang
    assert 0.0 < result.confidence <= 1.0


def test_the_clear_cases_are_not_training_data():
    seeds = {e.text for e in seed_examples()}
    assert not seeds & {_values(c)[1] for c in CLEAR}


def test_every_intent_is_covered_by_the_clear_cases_and_the_seed_set():
    assert {_values(c)[2] for c in CLEAR} == set(INTENTS)
    seeds = seed_examples()
    for lang in ("en", "es", "de", "fr", "pt", "zh"):
        assert {e.intent for e in seeds if e.lang == lang} == set(INTENTS), lang


def test_b2b_and_negotiation_seed_cases_exist_in_every_language():
    seeds = seed_examples()
    for lang in ("en", "es", "de", "fr", "pt", "zh"):
        for intent in (
            "bulk_or_oem_inquiry",
            "price_negotiation",
            "delivery_problem",
            "return_request",
            "product_question",
        ):
            assert sum(1 for e in seeds if e.lang == lang and e.intent == intent) >= 12


def test_keyword_rule_is_recorded(classifier):
    result = classifier.classify("Do you do OEM? We need custom logo on 3000 pcs.")
    assert result.intent is Intent.bulk_or_oem_inquiry
    assert result.rule == "en.b2b"
    assert result.confidence > 0.9


def test_bitext_mapping_follows_the_issue():
    assert map_bitext_intent("track_order") is Intent.where_is_my_order
    assert map_bitext_intent("check_refund_policy") is Intent.refund_request
    assert map_bitext_intent("set_up_shipping_address") is Intent.change_order
    assert map_bitext_intent("place_order") is Intent.product_question
    assert map_bitext_intent("contact_customer_service") is Intent.human_agent
    assert map_bitext_intent("review") is Intent.feedback
    assert map_bitext_intent("no_such_intent") is None
    assert len(BITEXT_INTENTS) == 27
