"""Sentiment and urgency of a buyer message from per-language lexicons.

Lexicon cues are matched as lower-case substrings on word boundaries (Chinese without them).
Legal and payment-dispute threats ("lawyer", "chargeback", "A-to-z claim") make a message
urgent and negative whatever else it says: they cost the seller money or account health.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Sentiment(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


class Urgency(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"


NEGATIVE: dict[str, tuple[str, ...]] = {
    "en": (
        "angry",
        "furious",
        "terrible",
        "horrible",
        "awful",
        "worst",
        "disappointed",
        "unacceptable",
        "ridiculous",
        "scam",
        "fraud",
        "broken",
        "damaged",
        "useless",
        "never again",
        "disgusted",
        "frustrated",
        "annoyed",
        "rip off",
        "ripoff",
        "poor",
    ),
    "es": (
        "enfadado",
        "enojado",
        "furioso",
        "terrible",
        "horrible",
        "pésimo",
        "decepcionado",
        "inaceptable",
        "estafa",
        "fraude",
        "roto",
        "dañado",
        "vergüenza",
        "harto",
        "fatal",
    ),
    "de": (
        "wütend",
        "verärgert",
        "schrecklich",
        "furchtbar",
        "enttäuscht",
        "inakzeptabel",
        "unverschämt",
        "betrug",
        "kaputt",
        "beschädigt",
        "frechheit",
        "katastrophe",
        "schlecht",
        "nie wieder",
    ),
    "fr": (
        "furieux",
        "en colère",
        "horrible",
        "terrible",
        "déçu",
        "déçue",
        "inacceptable",
        "arnaque",
        "escroquerie",
        "cassé",
        "cassée",
        "abîmé",
        "endommagé",
        "honteux",
        "scandaleux",
        "nul",
    ),
    "pt": (
        "irritado",
        "furioso",
        "horrível",
        "terrível",
        "péssimo",
        "decepcionado",
        "inaceitável",
        "golpe",
        "fraude",
        "quebrado",
        "danificado",
        "absurdo",
        "vergonha",
    ),
    "zh": (
        "生气",
        "愤怒",
        "太差",
        "很差",
        "失望",
        "垃圾",
        "骗子",
        "欺诈",
        "坏了",
        "破损",
        "损坏",
        "不能接受",
        "投诉",
        "差评",
    ),
}
POSITIVE: dict[str, tuple[str, ...]] = {
    "en": (
        "thank you",
        "thanks",
        "great",
        "love",
        "excellent",
        "perfect",
        "happy",
        "amazing",
        "awesome",
        "well done",
        "appreciate",
        "fantastic",
    ),
    "es": (
        "gracias",
        "excelente",
        "perfecto",
        "encanta",
        "feliz",
        "genial",
        "contento",
        "maravilloso",
    ),
    "de": (
        "danke",
        "super",
        "toll",
        "perfekt",
        "zufrieden",
        "ausgezeichnet",
        "klasse",
        "begeistert",
        "wunderbar",
    ),
    "fr": (
        "merci",
        "parfait",
        "excellent",
        "génial",
        "ravi",
        "ravie",
        "content",
        "contente",
        "super",
        "adore",
    ),
    "pt": (
        "obrigado",
        "obrigada",
        "excelente",
        "perfeito",
        "adorei",
        "feliz",
        "ótimo",
        "maravilhoso",
        "satisfeito",
    ),
    "zh": ("谢谢", "感谢", "很好", "满意", "喜欢", "完美", "好评", "非常好", "赞"),
}
URGENT: dict[str, tuple[str, ...]] = {
    "en": (
        "urgent",
        "asap",
        "as soon as possible",
        "immediately",
        "right now",
        "today",
        "emergency",
        "still waiting",
        "last chance",
        "deadline",
    ),
    "es": (
        "urgente",
        "cuanto antes",
        "inmediatamente",
        "ya mismo",
        "hoy mismo",
        "sigo esperando",
        "lo antes posible",
    ),
    "de": (
        "dringend",
        "sofort",
        "umgehend",
        "so schnell wie möglich",
        "heute noch",
        "warte immer noch",
        "eilig",
    ),
    "fr": (
        "urgent",
        "urgence",
        "immédiatement",
        "au plus vite",
        "dès que possible",
        "aujourd'hui",
        "j'attends toujours",
    ),
    "pt": (
        "urgente",
        "imediatamente",
        "o mais rápido possível",
        "hoje mesmo",
        "ainda estou esperando",
        "com urgência",
    ),
    "zh": ("紧急", "急", "马上", "立刻", "尽快", "今天", "还没收到"),
}
# Threats that escalate: legal action, payment disputes, marketplace claims, bad reviews.
THREATS: dict[str, tuple[str, ...]] = {
    "en": (
        "lawyer",
        "attorney",
        "sue you",
        "legal action",
        "court",
        "chargeback",
        "a-to-z",
        "a to z claim",
        "atoz",
        "dispute",
        "paypal claim",
        "report you",
        "trading standards",
        "bbb",
        "consumer protection",
        "1 star",
        "one star",
        "negative review",
        "negative feedback",
    ),
    "es": (
        "abogado",
        "demanda",
        "denuncia",
        "acciones legales",
        "contracargo",
        "reclamación de la a a la z",
        "disputa",
        "consumo",
        "opinión negativa",
    ),
    "de": (
        "anwalt",
        "rechtsanwalt",
        "klage",
        "verklagen",
        "rechtliche schritte",
        "rückbuchung",
        "chargeback",
        "a-bis-z",
        "a-z-garantie",
        "verbraucherzentrale",
        "negative bewertung",
    ),
    "fr": (
        "avocat",
        "procès",
        "poursuites",
        "plainte",
        "rétrofacturation",
        "chargeback",
        "réclamation a à z",
        "garantie a à z",
        "litige",
        "avis négatif",
    ),
    "pt": (
        "advogado",
        "processo",
        "procon",
        "ação judicial",
        "estorno",
        "chargeback",
        "reclamação de a a z",
        "disputa",
        "reclame aqui",
        "avaliação negativa",
    ),
    "zh": ("律师", "起诉", "法院", "拒付", "退单", "纠纷", "投诉到平台", "差评", "消协"),
}


@dataclass(frozen=True, slots=True)
class Tone:
    """Sentiment, urgency and the lexicon cues that decided them."""

    sentiment: Sentiment
    urgency: Urgency
    cues: tuple[str, ...]


def _compile(words: tuple[str, ...], lang: str) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    if lang == "zh":
        return re.compile(f"({alternatives})")
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)")


@lru_cache(maxsize=64)
def _patterns(lang: str) -> tuple[re.Pattern[str], ...]:
    # English cues always apply: buyers mix languages, and "chargeback" is universal.
    langs = (lang, "en") if lang in NEGATIVE and lang != "en" else ("en",)
    if lang == "zh":
        langs = ("zh", "en")
    out = []
    for lexicon in (NEGATIVE, POSITIVE, URGENT, THREATS):
        words: tuple[str, ...] = ()
        for code in langs:
            words += lexicon[code]
        out.append(_compile(words, "zh" if "zh" in langs else "en"))
    return tuple(out)


def assess_tone(text: str, lang: str) -> Tone:
    """Lexicon-based sentiment and urgency of a message in `lang` (any code; unknown = en)."""
    lowered = text[:5000].lower()
    negative, positive, urgent, threats = _patterns(lang)
    neg = negative.findall(lowered)
    pos = positive.findall(lowered)
    urg = urgent.findall(lowered)
    thr = threats.findall(lowered)
    shouting = sum(1 for w in text[:5000].split() if len(w) > 3 and w.isupper()) >= 3
    exclaims = text.count("!") + text.count("\uff01") >= 3
    score = len(pos) - len(neg) - 2 * len(thr) - (1 if shouting else 0)
    if thr or score < 0:
        sentiment = Sentiment.negative
    elif score > 0:
        sentiment = Sentiment.positive
    else:
        sentiment = Sentiment.neutral
    if thr or (urg and (neg or exclaims or shouting)) or len(urg) >= 2:
        urgency = Urgency.high
    elif urg or neg or exclaims or shouting:
        urgency = Urgency.normal
    else:
        urgency = Urgency.low
    cues = tuple(
        dict.fromkeys(
            [
                *(f"threat:{t}" for t in thr),
                *(f"negative:{n}" for n in neg),
                *(f"urgent:{u}" for u in urg),
                *(f"positive:{p}" for p in pos),
            ]
        )
    )
    return Tone(sentiment, urgency, cues)
