"""High-precision keyword rules per language that boost (or decide) an intent.

A rule is a regular expression over the lower-cased message. When it fires, its weight is
added to its intent's model probability before renormalising, so a strong cue wins unless the
model is sure of something else; the id of the rule that backs the chosen intent is recorded.
The rules of the detected language and English run (buyers mix in English words); when the
language is unknown, every rule runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkstar.inbox.core.intents import Intent


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    intent: Intent
    pattern: re.Pattern[str]
    weight: float


def _r(rule_id: str, intent: Intent, pattern: str, weight: float = 0.6) -> Rule:
    return Rule(rule_id, intent, re.compile(pattern), weight)


I = Intent  # noqa: E741 - short alias keeps the table readable
RULES: tuple[Rule, ...] = (
    # B2B leads: wholesale, MOQ, OEM/ODM, private label, custom logo, distributors.
    _r(
        "en.b2b",
        I.bulk_or_oem_inquiry,
        r"\b(wholesale|moq|minimum order quantit|oem|odm|private label|white label|custom logo|"
        r"bulk (order|purchase|pricing|price|quantit)|distributor|reseller|dropship|"
        r"sample order|container load|fob price)",
        1.0,
    ),
    _r(
        "es.b2b",
        I.bulk_or_oem_inquiry,
        r"(al por mayor|mayorista|pedido mínimo|cantidad mínima|distribuidor|"
        r"logotipo personalizado|"
        r"logo personalizado|marca blanca|\boem\b|\bodm\b|precio por volumen)",
        1.0,
    ),
    _r(
        "de.b2b",
        I.bulk_or_oem_inquiry,
        r"(großhandel|grosshandel|mindestbestellmenge|mindestabnahme|händler|wiederverkäufer|"
        r"eigenem logo|eigenes logo|individuellem logo|\boem\b|\bodm\b|eigenmarke|großbestellung)",
        1.0,
    ),
    _r(
        "fr.b2b",
        I.bulk_or_oem_inquiry,
        r"(en gros|grossiste|quantité minimum|quantité minimale|distributeur|revendeur|"
        r"logo personnalisé|marque blanche|\boem\b|\bodm\b|commande en volume)",
        1.0,
    ),
    _r(
        "pt.b2b",
        I.bulk_or_oem_inquiry,
        r"(atacado|atacadista|pedido mínimo|quantidade mínima|distribuidor|revendedor|"
        r"logo personalizado|logotipo personalizado|marca própria|\boem\b|\bodm\b)",
        1.0,
    ),
    _r(
        "zh.b2b",
        I.bulk_or_oem_inquiry,
        r"(批发|起订量|最小起订|定制logo|定制标志|贴牌|代工|经销商|代理商|分销|大批量|采购量)",
        1.0,
    ),
    # Price negotiation.
    _r(
        "en.price",
        I.price_negotiation,
        r"(best price|lower (the |your )?price|better price|give (me )?a discount|"
        r"any discount|can you do \$|would you (accept|take)|is the price negotiable|"
        r"make (you |me )?an offer|my offer is|price match)",
        0.6,
    ),
    _r(
        "es.price",
        I.price_negotiation,
        r"(mejor precio|rebaja|hacer un descuento|me hace un descuento|precio negociable|"
        r"aceptaría|le ofrezco|mi oferta)",
        0.6,
    ),
    _r(
        "de.price",
        I.price_negotiation,
        r"(besten preis|besserer preis|rabatt|preisnachlass|preis verhandelbar|würden sie .* "
        r"akzeptieren|mein angebot|ich biete)",
        0.6,
    ),
    _r(
        "fr.price",
        I.price_negotiation,
        r"(meilleur prix|remise|une réduction|prix négociable|accepteriez|je vous propose|"
        r"mon offre|baisser le prix)",
        0.6,
    ),
    _r(
        "pt.price",
        I.price_negotiation,
        r"(melhor preço|um desconto|dar desconto|preço negociável|aceitaria|minha oferta|"
        r"baixar o preço|faz por)",
        0.6,
    ),
    _r(
        "zh.price", I.price_negotiation, r"(便宜一点|优惠|折扣|打折|最低价|能不能少|还价|议价)", 0.6
    ),
    # Asking for a person.
    _r(
        "en.human",
        I.human_agent,
        r"(speak|talk|chat) (to|with) (a |an )?(human|real person|person|agent|representative|"
        r"manager|supervisor)",
        0.8,
    ),
    _r("es.human", I.human_agent, r"(hablar con (un|una) (persona|agente|humano|operador))", 0.8),
    _r(
        "de.human",
        I.human_agent,
        r"(mit einem (menschen|mitarbeiter|echten menschen)|echten menschen sprechen)",
        0.8,
    ),
    _r(
        "fr.human",
        I.human_agent,
        r"(parler (à|a) (un|une) (humain|conseiller|conseillère|agent|vraie personne))",
        0.8,
    ),
    _r("pt.human", I.human_agent, r"(falar com (um|uma) (atendente|humano|pessoa|agente))", 0.8),
    _r("zh.human", I.human_agent, r"(人工客服|转人工|真人客服)", 0.8),
    # Unsubscribe / newsletter.
    _r("en.subscription", I.subscription, r"\b(unsubscribe|newsletter|mailing list)", 0.7),
    _r("es.subscription", I.subscription, r"(darme de baja|boletín|newsletter)", 0.7),
    _r("de.subscription", I.subscription, r"(newsletter|abbestellen|abmelden vom)", 0.7),
    _r(
        "fr.subscription",
        I.subscription,
        r"(désabonner|désinscri|newsletter|lettre d'information)",
        0.7,
    ),
    _r("pt.subscription", I.subscription, r"(descadastrar|cancelar a inscrição|newsletter)", 0.7),
    _r("zh.subscription", I.subscription, r"(退订|订阅|邮件列表)", 0.7),
    # Where is my order.
    _r(
        "en.wismo",
        I.where_is_my_order,
        r"(where is my (order|package|parcel|item|shipment)|where'?s my (order|package|parcel)|"
        r"where is it\b|still (says|shows) in transit|when will (it|my order|my package) arrive|"
        r"(order|package|parcel) (hasn'?t|has not|still hasn'?t) (arrived|been delivered|shipped))",
        0.6,
    ),
    _r(
        "es.wismo",
        I.where_is_my_order,
        r"(dónde está mi (pedido|paquete)|donde esta mi (pedido|paquete)|no (me )?ha llegado)",
        0.6,
    ),
    _r(
        "de.wismo",
        I.where_is_my_order,
        r"(wo ist meine (bestellung|sendung|lieferung)|wo ist mein paket|noch nicht angekommen)",
        0.6,
    ),
    _r(
        "fr.wismo",
        I.where_is_my_order,
        r"(où est (ma commande|mon colis)|ou est (ma commande|mon colis)|pas encore reçu)",
        0.6,
    ),
    _r(
        "pt.wismo",
        I.where_is_my_order,
        r"(onde está (o )?meu (pedido|pacote)|onde esta meu pedido|ainda não chegou)",
        0.6,
    ),
    _r("zh.wismo", I.where_is_my_order, r"(订单在哪|包裹在哪|快递到哪|还没到|什么时候到)", 0.6),
    # Invoices.
    _r("en.invoice", I.invoice_request, r"\b(invoice|vat receipt|tax receipt)", 0.5),
    _r("es.invoice", I.invoice_request, r"\bfactura", 0.5),
    _r("de.invoice", I.invoice_request, r"rechnung(?!sadresse)", 0.5),
    _r("fr.invoice", I.invoice_request, r"\bfacture", 0.5),
    _r("pt.invoice", I.invoice_request, r"(nota fiscal|\bfatura)", 0.5),
    _r("zh.invoice", I.invoice_request, r"(发票|收据)", 0.5),
    # Refunds, returns, cancellations and delivery problems: mid-precision cues, lighter weight.
    _r("en.refund", I.refund_request, r"\b(refund|reimburse|money back)", 0.35),
    _r(
        "es.refund",
        I.refund_request,
        r"(reembolso|devuelvan el dinero|devolución del dinero)",
        0.35,
    ),
    _r("de.refund", I.refund_request, r"(rückerstattung|geld zurück|erstatten)", 0.35),
    _r("fr.refund", I.refund_request, r"(rembours)", 0.35),
    _r("pt.refund", I.refund_request, r"(reembolso|estorno|dinheiro de volta)", 0.35),
    _r("zh.refund", I.refund_request, r"(退款|退钱|退费)", 0.5),
    _r(
        "en.return",
        I.return_request,
        r"(return label|send (it|this|them) back|return (it|this|the item|them)\b|"
        r"exchange (it|this))",
        0.35,
    ),
    _r(
        "es.return",
        I.return_request,
        r"(etiqueta de devolución|devolver (el|la|lo|esto)|cambiarlo)",
        0.35,
    ),
    _r(
        "de.return",
        I.return_request,
        r"(zurückschicken|zurücksenden|rücksendung|retoure|umtauschen)",
        0.35,
    ),
    _r("fr.return", I.return_request, r"(étiquette de retour|retourner|renvoyer l|échanger)", 0.35),
    _r(
        "pt.return",
        I.return_request,
        r"(etiqueta de devolução|devolver o|devolver a|trocar por)",
        0.35,
    ),
    _r("zh.return", I.return_request, r"(退货|换货|退回去)", 0.5),
    _r("en.cancel", I.cancel_order, r"\bcancel (my|the|this) (order|purchase)", 0.5),
    _r(
        "es.cancel",
        I.cancel_order,
        r"(cancelar (mi|el) (pedido|compra)|anular (mi|el) pedido)",
        0.5,
    ),
    _r("de.cancel", I.cancel_order, r"(stornieren|stornierung)", 0.5),
    _r("fr.cancel", I.cancel_order, r"(annuler (ma|la) commande|annulez)", 0.5),
    _r("pt.cancel", I.cancel_order, r"(cancelar (o|meu) pedido|cancelem)", 0.5),
    _r("zh.cancel", I.cancel_order, r"(取消订单|取消我的订单|取消.{0,4}订单)", 0.5),
    _r(
        "en.delivery",
        I.delivery_problem,
        r"(says delivered|marked as delivered|arrived (damaged|broken|crushed)|wrong item|"
        r"box was empty|stuck in customs|left (it )?with a neighbou?r|returned to sender)",
        0.5,
    ),
    _r(
        "es.delivery",
        I.delivery_problem,
        r"(pone entregado|dice entregado|llegó roto|artículo equivocado|retenido en aduanas)",
        0.5,
    ),
    _r(
        "de.delivery",
        I.delivery_problem,
        r"(als zugestellt|zugestellt, aber|beschädigt angekommen|falschen artikel|beim zoll)",
        0.5,
    ),
    _r(
        "fr.delivery",
        I.delivery_problem,
        r"(indique livré|arrivé cassé|mauvais article|bloqué en douane)",
        0.5,
    ),
    _r(
        "pt.delivery",
        I.delivery_problem,
        r"(diz entregue|consta como entregue|chegou quebrado|produto errado|parado na alfândega)",
        0.5,
    ),
    _r(
        "zh.delivery",
        I.delivery_problem,
        r"(显示已签收|发错货|少发|破损|卡在海关|没收到.*签收)",
        0.5,
    ),
    # Complaints about service, praise, and unsolicited pitches (mid-precision cues).
    _r(
        "en.complaint",
        I.complaint,
        r"((terrible|awful|horrible|worst|rude|unacceptable|appalling) (customer )?(service|"
        r"experience|support)|(very|extremely|really) disappointed|formal complaint|"
        r"file a complaint|make a complaint)",
        0.4,
    ),
    _r(
        "es.complaint",
        I.complaint,
        r"(queja|pésimo servicio|muy decepcionad|hoja de reclamaci)",
        0.4,
    ),
    _r("de.complaint", I.complaint, r"(beschwer|sehr enttäuscht|unverschämt|frechheit)", 0.4),
    _r(
        "fr.complaint", I.complaint, r"(réclamation|plainte|très déçu|scandaleux|inadmissible)", 0.4
    ),
    _r(
        "pt.complaint",
        I.complaint,
        r"(reclamação|muito decepcionad|péssimo atendimento|absurdo)",
        0.4,
    ),
    _r("zh.complaint", I.complaint, r"(投诉|太差|很失望|服务态度)", 0.4),
    _r(
        "en.feedback",
        I.feedback,
        r"(wanted to say thanks|thank you so much|love (it|the)\b|five stars|great product|"
        r"works perfectly|very happy with|highly recommend)",
        0.6,
    ),
    _r("es.feedback", I.feedback, r"(muchas gracias|me encanta|muy content|lo recomiendo)", 0.4),
    _r("de.feedback", I.feedback, r"(vielen dank|sehr zufrieden|empfehle ich|bin begeistert)", 0.4),
    _r("fr.feedback", I.feedback, r"(merci beaucoup|très satisfait|je recommande|j'adore)", 0.4),
    _r("pt.feedback", I.feedback, r"(muito obrigad|adorei|muito satisfeit|recomendo)", 0.4),
    _r("zh.feedback", I.feedback, r"(非常满意|好评|很喜欢|推荐)", 0.4),
    _r(
        "en.other",
        I.other,
        r"(\bseo\b|guest post|backlinks?|marketing agency|boost your (sales|ranking)|"
        r"page one of google|we are hiring|job application|press inquir)",
        0.6,
    ),
    # Product attributes asked about: a light boost (questions about fit also mean returns).
    _r(
        "en.product",
        I.product_question,
        r"(waterproof|water resistant|compatible with|dishwasher safe|warranty|battery life|"
        r"dimensions|what size|in stock|made of)",
        0.35,
    ),
    _r(
        "es.product",
        I.product_question,
        r"(resistente al agua|impermeable|sumergible|compatible con|garantía|batería|medidas|"
        r"de qué material|hay stock)",
        0.35,
    ),
    _r(
        "de.product",
        I.product_question,
        r"(wasserdicht|wasserfest|kompatibel|garantie|akku|maße|aus welchem material|auf lager)",
        0.35,
    ),
    _r(
        "fr.product",
        I.product_question,
        r"(étanche|imperméable|compatible avec|garantie|batterie|dimensions|en quelle matière|"
        r"en stock)",
        0.35,
    ),
    _r(
        "pt.product",
        I.product_question,
        r"(prova d'água|à prova d|impermeável|compatível com|garantia|bateria|medidas|"
        r"de que material|tem em estoque)",
        0.35,
    ),
    _r("zh.product", I.product_question, r"(防水|兼容|保修|电池|尺寸|什么材质|有货)", 0.35),
    # Legal and dispute threats read as complaints unless something stronger is asked.
    _r(
        "en.dispute",
        I.complaint,
        r"(lawyer|attorney|legal action|chargeback|a-to-z|a to z claim|report you to)",
        0.3,
    ),
)
del I


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule_id: str
    intent: Intent
    weight: float


def _rules_for(lang: str) -> tuple[Rule, ...]:
    if lang not in _LANGS:
        return RULES
    return tuple(r for r in RULES if r.id.split(".", 1)[0] in (lang, "en"))


_LANGS = ("en", "es", "de", "fr", "pt", "zh")
_BY_LANGUAGE = {lang: _rules_for(lang) for lang in _LANGS}


def match_rules(lowered: str, lang: str = "") -> tuple[RuleHit, ...]:
    """Every rule that fires on the lower-cased message, the heaviest per intent."""
    best: dict[Intent, RuleHit] = {}
    for rule in _BY_LANGUAGE.get(lang, RULES):
        if rule.pattern.search(lowered):
            kept = best.get(rule.intent)
            if kept is None or rule.weight > kept.weight:
                best[rule.intent] = RuleHit(rule.id, rule.intent, rule.weight)
    return tuple(best.values())
