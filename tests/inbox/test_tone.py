"""Sentiment and urgency from per-language lexicons; threats escalate."""

import pytest

from linkstar.inbox.core.sentiment import Sentiment, Urgency, assess_tone


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "If this is not fixed I will open an A-to-z claim"),
        ("en", "I'm calling my lawyer"),
        ("en", "I will file a chargeback with my bank"),
        ("es", "Voy a hablar con mi abogado"),
        ("de", "Ich schalte meinen Anwalt ein"),
        ("fr", "Je vais contacter un avocat"),
        ("pt", "Vou abrir uma reclamação no Procon"),
        ("zh", "我要找律师起诉你们"),
    ],
)
def test_threats_are_negative_and_urgent(lang, text):
    tone = assess_tone(text, lang)
    assert tone.sentiment is Sentiment.negative
    assert tone.urgency is Urgency.high
    assert any(c.startswith("threat:") for c in tone.cues)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Thank you, it is perfect!"),
        ("es", "Muchas gracias, perfecto"),
        ("de", "Danke, alles super"),
        ("fr", "Merci, c'est parfait"),
        ("pt", "Obrigado, ficou ótimo"),
        ("zh", "谢谢，非常满意"),
    ],
)
def test_praise_is_positive_and_not_urgent(lang, text):
    tone = assess_tone(text, lang)
    assert tone.sentiment is Sentiment.positive
    assert tone.urgency is Urgency.low


def test_angry_and_urgent():
    tone = assess_tone("This is unacceptable, I need it TODAY, still waiting!!!", "en")
    assert (tone.sentiment, tone.urgency) == (Sentiment.negative, Urgency.high)


def test_neutral_question():
    tone = assess_tone("What colours does it come in?", "en")
    assert (tone.sentiment, tone.urgency, tone.cues) == (Sentiment.neutral, Urgency.low, ())


def test_unknown_language_uses_english_lexicon():
    assert assess_tone("chargeback", "unknown").urgency is Urgency.high
