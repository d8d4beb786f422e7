"""What a mail says: its text (the reply alone, without the quoted history and the signature)
and its attachments as uploads."""

from __future__ import annotations

import html
import io
import re
from email.message import EmailMessage

from mailparser_reply import EmailReplyParser
from werkzeug.datastructures import FileStorage

TAGS = re.compile(r"<(script|style|blockquote)\b.*?</\1>|<[^>]+>", re.S | re.I)  # quotes go too
BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\b[^>]*>", re.I)
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "cs", "ja", "ko", "zh"]


def whole_text(mail: EmailMessage) -> str:
    """The plain text of the mail (its HTML made plain when it has no text part)."""
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        content = html.unescape(TAGS.sub("", BREAKS.sub("\n", content)))
    return content.replace("\r\n", "\n").strip()


def reply_text(mail: EmailMessage) -> str:
    """What the sender wrote above the quote, without the signature."""
    text = whole_text(mail)
    if not text:
        return ""
    replies = EmailReplyParser(languages=LANGUAGES).read(text=text).replies
    body = replies[0].body if replies else text
    return "\n".join(line for line in body.splitlines() if not line.startswith(">")).strip()


def attachments(mail: EmailMessage) -> list[FileStorage]:
    """The attached files as uploads (the upload checks apply to them)."""
    files = []
    for part in mail.iter_attachments():
        data = part.get_payload(decode=True)
        if data is None:
            continue
        files.append(FileStorage(io.BytesIO(data), filename=part.get_filename() or "attachment",
                                 content_type=part.get_content_type()))
    return files
