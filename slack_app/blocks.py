"""Block Kit building blocks: Markdown to Slack mrkdwn, answers split into sections, statuses.

Pure functions over strings and plain JSON, so every message ChaSen sends is built (and tested)
the same way. Slack reads ``&``, ``<`` and ``>`` as control characters and decodes their entities
in code as well, so every piece of text from a person or the model is escaped, code included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from slack_app.messages import Message

MAX_TEXT: Final = 3000  # Slack's section text limit
MAX_BLOCKS: Final = 50
"""Blocks a message may carry."""
MAX_NOTICES: Final = 5
FALLBACK_CHARS: Final = 200
"""Length of a message's notification text."""
DEFAULT_CONTEXT: Final = "ChaSen"
WARNING: Final = "⚠️"
HOURGLASS: Final = "⏳"
CUT_NOTE: Final = (
    "_… the rest of this answer was cut: it is longer than Slack shows in one message._"
)
FENCE: Final = "```"

_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*([^)\s]+)\s*\)")
_SAFE_URL = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_RULE = re.compile(r"^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$", re.MULTILINE)
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE)
_QUOTE = re.compile(r"^([ \t]*)&gt;", re.MULTILINE)
_BOLD = re.compile(r"\*\*(?!\s)(.+?)(?<!\s)\*\*|__(?!\s)(.+?)(?<!\s)__")
_ITALIC = re.compile(r"(?<![\w*\\])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_STRIKE = re.compile(r"~~(?!\s)(.+?)(?<!\s)~~")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
# Bold is held in a marker until single-star italics are converted: both use "*" in the end.
_BOLD_MARK = "\x01"


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Markdown (as the model writes it) as Slack mrkdwn: bold, headings, links, bullets,
    strikethrough and italics converted; code kept as code; ``&<>`` escaped."""
    kept: list[str] = []

    def keep(piece: str) -> str:
        kept.append(piece)
        return f"\x00{len(kept) - 1}\x00"

    text = _CODE.sub(lambda m: keep(_code(m.group(0))), markdown.replace("\r\n", "\n"))
    text = _LINK.sub(lambda m: keep(_link(m.group(1), m.group(2))), text)
    text = escape(text)
    text = _QUOTE.sub(r"\1>", text)
    text = _RULE.sub("──────────", text)
    text = _HEADING.sub(lambda m: _bold(m.group(1).replace("**", "").replace("__", "")), text)
    text = _BULLET.sub(r"\1• ", text)
    text = _BOLD.sub(lambda m: _bold(m.group(1) or m.group(2)), text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = text.replace(_BOLD_MARK, "*")
    # Restored last, so no conversion reaches into code or a link.
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


def _bold(text: str) -> str:
    return f"{_BOLD_MARK}{text}{_BOLD_MARK}"


def _code(piece: str) -> str:
    if piece.startswith(FENCE):
        body = piece[3:-3] if piece.endswith(FENCE) and len(piece) >= 6 else piece[3:]
        # Slack shows a fence's language tag as the first line of code: drop it.
        body = re.sub(r"^[\w+#.-]*\n", "\n", body, count=1)
        return f"{FENCE}{escape(body)}{FENCE}"
    return escape(piece)


def _link(label: str, url: str) -> str:
    if not _SAFE_URL.match(url):
        return escape(f"{label} ({url})")
    target = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{target}|{escape(label)}>"


def plain(markdown: str) -> str:
    """Markdown as plain text on one line, for notifications."""
    text = _LINK.sub(r"\1", markdown)
    text = re.sub(r"`{1,3}", "", text)
    text = _HEADING.sub(r"\1", text)
    text = _BULLET.sub(r"\1• ", text)
    text = re.sub(r"\*\*|__|~~", "", text)
    text = _ITALIC.sub(r"\1", text)
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip() + "…"


def sections(mrkdwn: str) -> list[dict[str, Any]]:
    """Section blocks of at most :data:`MAX_TEXT` characters, split at paragraphs, then lines,
    then spaces; a code block split in two is closed and reopened."""
    # Room to close and reopen a code fence around a cut.
    chunks = _split(mrkdwn.strip(), MAX_TEXT - 2 * (len(FENCE) + 1))
    blocks = []
    open_fence = False
    for chunk in chunks:
        text = f"{FENCE}\n{chunk}" if open_fence else chunk
        open_fence = text.count(FENCE) % 2 == 1
        blocks.append(section_block(f"{text}\n{FENCE}" if open_fence else text))
    return blocks


def _split(text: str, limit: int) -> list[str]:
    chunks = []
    while len(text) > limit:
        cut, gap = _cut_point(text, limit)
        chunks.append(text[:cut].rstrip())
        text = text[cut + gap :].lstrip("\n")
    chunks.append(text)
    return [c for c in chunks if c.strip()]


def _cut_point(text: str, limit: int) -> tuple[int, int]:
    """Where to cut ``text`` (at most ``limit`` in) and how many separator characters to drop."""
    for separator in ("\n\n", "\n", " "):
        cut = text.rfind(separator, 0, limit + 1)
        if cut > limit // 4:
            break
    else:
        cut, separator = limit, ""
    # Never inside a <link|text> or an &entity;.
    line_start = text.rfind("\n", 0, cut) + 1
    opened = text.rfind("<", line_start, cut)
    if opened > text.rfind(">", line_start, cut) and opened > 0:
        return opened, 0
    entity = text.rfind("&", max(0, cut - 6), cut)
    if entity > 0 and ";" not in text[entity:cut]:
        return entity, 0
    return cut, len(separator)


def section_block(mrkdwn: str) -> dict[str, Any]:
    """A section block of mrkdwn (cut to :data:`MAX_TEXT`)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(mrkdwn, MAX_TEXT)}}


def context_block(*mrkdwn: str) -> dict[str, Any]:
    """A context block: small grey lines of mrkdwn (at most ten elements)."""
    elements = [{"type": "mrkdwn", "text": shorten(t, MAX_TEXT)} for t in mrkdwn[:10]]
    return {"type": "context", "elements": elements}


def header_block(text: str) -> dict[str, Any]:
    """A header block of plain text (Slack allows 150 characters)."""
    return {"type": "header", "text": {"type": "plain_text", "text": shorten(text, 150)}}


def divider_block() -> dict[str, Any]:
    """A divider block."""
    return {"type": "divider"}


def answer_message(
    markdown: str, *, context: str | None = None, notices: Sequence[str] = ()
) -> Message:
    """ChaSen's answer as sections, each notice as a warning line, then a context line."""
    tail = [context_block(f"{WARNING} {escape(n)}") for n in _notices(notices)]
    tail.append(context_block(escape(context or DEFAULT_CONTEXT)))
    body = sections(to_mrkdwn(markdown)) or [section_block("_(no answer)_")]
    room = MAX_BLOCKS - len(tail)
    if len(body) > room:
        body = [*body[: room - 1], section_block(CUT_NOTE)]
    text = shorten(plain(markdown), FALLBACK_CHARS) or DEFAULT_CONTEXT
    return Message(escape(text), [*body, *tail])


def _notices(notices: Sequence[str]) -> list[str]:
    if len(notices) <= MAX_NOTICES:
        return list(notices)
    more = len(notices) - MAX_NOTICES + 1
    return [*notices[: MAX_NOTICES - 1], f"…and {more} more notices"]


def report_message(text: str, mrkdwn: str, footer: str) -> Message:
    """A read-only answer: ``mrkdwn`` as sections, then ``footer`` (mrkdwn) as a context line;
    ``text`` (plain) is its notification."""
    blocks = [*sections(mrkdwn), context_block(footer)]
    return Message(escape(shorten(text, FALLBACK_CHARS)), blocks)


def working_message(what: str = "Working on it…") -> Message:
    """A short status line, replaced by the answer when it is ready."""
    return Message(escape(what), [context_block(f"{HOURGLASS} {escape(what)}")])


def error_message(text: str) -> Message:
    """A polite refusal or problem, said plainly."""
    line = shorten(f"{WARNING} {escape(text)}", MAX_TEXT)
    return Message(shorten(line, FALLBACK_CHARS), [section_block(line)])


def unknown_user_message(email: str | None) -> Message:
    """What a Slack user not linked to any ChaSen user is told, and how to get linked."""
    account = f" ({escape(email)})" if email else ""
    text = (
        f"Sorry, I can't help yet: your Slack account{account} isn't linked to a ChaSen user, "
        "so I don't know which clients and plans are yours."
    )
    how = (
        "Ask a ChaSen admin to add you with your Slack member id: "
        "`chasen users add --name … --email … --role … --slack-user-id …`"
    )
    return Message(
        shorten(text, FALLBACK_CHARS), [section_block(f"{WARNING} {text}"), context_block(how)]
    )
