"""Strip quoted replies and signatures from a plain-text body, so analysis sees only new text.

The display body keeps everything; only `InboundMessage.text` is cut. Cutting happens at the
first line that starts a quoted reply in any of the languages buyers write in (English,
Chinese, German, French, Spanish, Portuguese), at Outlook's "Original Message" separator, at a
block of ">" lines, at the conventional "-- " signature delimiter and at mobile sign-offs.
"""

from __future__ import annotations

import re

# "On Tue, 3 Dec 2026 at 10:00, Ann <a@b.c> wrote:" and its translations; they may wrap over
# two lines in Gmail, so the pattern is tried on a line joined with the next one too.
_REPLY_HEADERS = re.compile(
    r"^\s*("
    r"On .{0,200}wrote:"
    r"|Am .{0,200}schrieb .{0,120}:"
    r"|Le .{0,200}a écrit\s?:"
    r"|El .{0,200}escribió:"
    r"|Em .{0,200}escreveu:"
    r"|在.{0,200}写道[\uff1a:]"
    r"|.{0,120}于.{0,80}写道[\uff1a:]"
    r")\s*$",
    re.IGNORECASE,
)
# Outlook/Foxmail header blocks: a separator line, or "From:" followed by Sent/Date lines.
_SEPARATORS = re.compile(
    r"^\s*("
    r"-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Mensagem original|原始邮件|原始郵件)\s*-{2,}"
    r"|_{10,}"
    r")\s*$",
    re.IGNORECASE,
)
_HEADER_BLOCK = re.compile(r"^\s*\**(From|Von|De|发件人|寄件者)\s*\**\s*[:\uff1a]", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*\**(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Fecha|Data|发送时间|日期|To|An|À|Para|收件人)"
    r"\s*\**\s*[:\uff1a]",
    re.IGNORECASE,
)
_SIGN_OFFS = re.compile(
    r"^\s*("
    r"Sent from my (iPhone|iPad|Android|Samsung|Galaxy|mobile|phone).*"
    r"|Get Outlook for (iOS|Android).*"
    r"|Von meinem (iPhone|iPad|Smartphone).*gesendet"
    r"|Envoyé de mon (iPhone|iPad|smartphone).*"
    r"|Enviado desde mi (iPhone|iPad|móvil|celular).*"
    r"|Enviado do meu (iPhone|iPad|celular).*"
    r"|发自我的(iPhone|iPad|手机).*"
    r"|来自我的(iPhone|iPad|手机).*"
    r")\s*$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: quoted history, signature and mobile sign-off removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i in range(len(lines)):
        if _starts_quote(lines, i):
            cut = i
            break
    # Interleaved answers keep their own lines; the quoted ones between them go.
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    while kept and (not kept[-1].strip() or _SIGN_OFFS.match(kept[-1])):
        kept.pop()
    return "\n".join(kept).strip()


def _starts_quote(lines: list[str], i: int) -> bool:
    line = lines[i]
    if line.rstrip() == "--" or line == "-- ":
        return True
    if _SEPARATORS.match(line) or _SIGN_OFFS.match(line):
        return True
    if _REPLY_HEADERS.match(line):
        return True
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if nxt and len(line) < 200 and _REPLY_HEADERS.match(f"{line.rstrip()} {nxt.strip()}"):
        return True
    return bool(
        _HEADER_BLOCK.match(line) and any(_HEADER_BLOCK_NEXT.match(x) for x in lines[i + 1 : i + 4])
    )
