"""Language detection: six languages, "unknown" for what cannot be told."""

import pytest

from linkstar.inbox.core.language import detect_language

CASES = [
    ("en", "My parcel has not arrived yet, could you check it please?"),
    ("es", "Mi paquete todavía no ha llegado, ¿pueden revisarlo?"),
    ("de", "Mein Paket ist noch nicht angekommen, können Sie nachsehen?"),
    ("fr", "Mon colis n'est toujours pas arrivé, pouvez-vous vérifier ?"),
    ("pt", "Minha encomenda ainda não chegou, vocês podem verificar?"),
    ("zh", "我的包裹还没有到，可以帮我查一下吗？"),
    ("zh", "订单 112-3456789-1234567 还没发货"),
]


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_detects_the_six_languages(lang, text):
    result = detect_language(text)
    assert result.code == lang
    assert result.probability >= 0.5


@pytest.mark.parametrize("text", ["", "   ", "12345", "112-3456789-1234567", "?!", "ok", "👍👍"])
def test_unknown_when_there_is_too_little_to_tell(text):
    assert detect_language(text).code == "unknown"


def test_other_languages_are_mapped_onto_ours_or_unknown():
    # Italian is not one of ours: the answer is one of ours with whatever probability, never "it".
    assert detect_language("Dove si trova il mio ordine? Non è ancora arrivato").code in {
        "es",
        "pt",
        "fr",
        "en",
        "de",
        "zh",
        "unknown",
    }


def test_huge_text_is_cut_not_slow():
    result = detect_language("where is my order " * 100_000)
    assert result.code == "en"
