"""The Bot API over HTTP: `/bot{token}/{method}` answering like api.telegram.org.

aiogram posts form data (multipart when a file is uploaded) with complex fields (
reply_markup, reply_parameters, entities, ...) as JSON strings; other clients post JSON.
Each method below keeps Telegram's observable behaviour that the bot depends on or could
get wrong: error texts ("chat not found", "message thread not found", "message is not
modified", "can't parse entities"), 429 with retry_after, 409 for competing pollers.
Every call except successful getUpdates is recorded on the state for tests.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.sandbox.call_record import BotCall
from bot.sandbox.chat_log import StoredFile, StoredMessage, Topic
from bot.sandbox.chats import as_chat_id
from bot.sandbox.errors import BotApiError, bad_request
from bot.sandbox.faults import FaultRule
from bot.sandbox.formatting import EntityParseError, parse_html, strip_markdown_v2, utf16_len
from bot.sandbox.media import document_object, photo_sizes, sticker_object
from bot.sandbox.state import TelegramState

log = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
MAX_TEXT = 4096
MAX_CAPTION = 1024
# Fields that are strings even when they look like JSON numbers ("123" stays "123").
_STRING_FIELDS = frozenset({
    "text", "caption", "name", "parse_mode", "callback_query_id", "url", "description",
    "short_description", "icon_custom_emoji_id", "photo", "document", "sticker",
    "language_code", "file_id", "emoji", "title", "inline_message_id", "secret_token", "data",
    "business_connection_id", "message_effect_id", "action", "ip_address",
})
_CONTENT_KEYS = ("text", "entities", "photo", "document", "sticker", "caption", "caption_entities",
                 "voice", "video", "video_note", "location", "contact", "poll")


@dataclass
class Upload:
    filename: str
    content: bytes


@dataclass
class Ctx:
    """What a method handler gets: the world, the call being made, and uploaded files."""

    state: TelegramState
    call: BotCall
    uploads: dict[str, Upload] = field(default_factory=dict)
    produced: dict[str, Any] | None = None  # the Message a call created, even if it returns less


class Params:
    """Typed access to a call's parameters with Telegram's error texts for bad values."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def required(self, key: str) -> Any:
        value = self.values.get(key)
        if value is None or value == "":
            raise bad_request(f"{key} is empty")
        return value

    def int(self, key: str) -> int:
        value = self.required(key)
        number = as_chat_id(value)
        if number is None:
            raise bad_request(f"invalid {key} specified")
        return number

    def opt_int(self, key: str) -> int | None:
        return None if self.values.get(key) in (None, "") else self.int(key)

    def str(self, key: str, default: str | None = None) -> str | None:
        value = self.values.get(key, default)
        return None if value is None else str(value)

    def bool(self, key: str) -> bool:
        value = self.values.get(key)
        return value is True or (isinstance(value, str) and value.lower() == "true")

    def obj(self, key: str) -> Any:
        value = self.values.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {key} JSON object") from None
        return value


def decode_form(form: MultiMapping[Any]) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Form fields as values (JSON-decoded where Telegram expects objects) plus uploads."""
    params: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            uploads[key] = Upload(filename=value.filename or key, content=value.file.read())
            continue
        params[key] = decode_value(key, value)
    return params, uploads


def decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _STRING_FIELDS:
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "[") or stripped in ("true", "false", "null") or \
            re.fullmatch(r"-?\d+(\.\d+)?", stripped):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


# ---------------------------------------------------------------------- formatting


def format_text(state: TelegramState, text: str, parse_mode: str | None,
                entities: Any) -> tuple[str, list[dict[str, Any]], str | None]:
    """Plain text, entities and the original HTML, the way Telegram stores a message."""
    mode = (parse_mode or "").lower()
    html: str | None = None
    if mode == "html":
        html = text
        try:
            plain, found = parse_html(text)
        except EntityParseError as exc:
            raise bad_request(str(exc)) from None
    elif mode in ("markdownv2", "markdown"):
        plain, found = strip_markdown_v2(text), []
    else:
        plain, found = text, list(entities or [])
    for entity in found:
        if entity.get("type") == "text_mention":
            person = state.chats.people.get(int(entity["user"]["id"]))
            if person is not None:
                entity["user"] = person.to_user()
    return plain, found, html


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """Validate an inline keyboard like Telegram (callback_data 1–64 bytes)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"^(https?|tg)://", str(url)):
                raise bad_request("BUTTON_URL_INVALID")
    return {"inline_keyboard": rows}


def reply_keyboard(markup: Any) -> list[list[str]] | None:
    if isinstance(markup, dict) and isinstance(markup.get("keyboard"), list):
        return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row]
                for row in markup["keyboard"]]
    return None


def _reply_target(p: Params) -> tuple[int | None, bool]:
    reply = p.obj("reply_parameters")
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        return int(reply["message_id"]), bool(reply.get("allow_sending_without_reply"))
    return p.opt_int("reply_to_message_id"), p.bool("allow_sending_without_reply")


def post(ctx: Ctx, p: Params, content: dict[str, Any], *, html: str | None = None,
         chat_id: int | None = None) -> dict[str, Any]:
    """Put a bot message into a chat with the common options of every send method."""
    state = ctx.state
    if chat_id is None:
        chat_id = state.chats.resolve_chat(p.required("chat_id"))
    reply_to, allow_missing = _reply_target(p)
    message = state.chat_log.new_message(chat_id, state.chats.bot_user, thread_id=p.opt_int("message_thread_id"),
                                reply_to=reply_to, allow_missing_reply=allow_missing)
    message.update(content)
    markup = p.obj("reply_markup")
    inline = inline_markup(markup)
    if inline is not None:
        message["reply_markup"] = inline
    link_preview = p.obj("link_preview_options")
    if isinstance(link_preview, dict):
        message["link_preview_options"] = link_preview
    state.chat_log.store(StoredMessage(message=message, html=html, keyboard=reply_keyboard(markup)))
    ctx.produced = message
    return copy.deepcopy(message)


def _caption(ctx: Ctx, p: Params) -> dict[str, Any]:
    caption = p.str("caption")
    if not caption:
        return {}
    plain, entities, _ = format_text(ctx.state, caption, p.str("parse_mode"), p.obj("caption_entities"))
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    content: dict[str, Any] = {"caption": plain}
    if entities:
        content["caption_entities"] = entities
    return content


def input_file(ctx: Ctx, value: Any, kind: str) -> StoredFile:
    """A file given as attach://upload, an existing file_id or an HTTP URL."""
    state = ctx.state
    if isinstance(value, str) and value.startswith("attach://"):
        upload = ctx.uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"wrong remote file identifier specified: {kind} not uploaded")
        return state.chat_log.add_file(kind, content=upload.content, file_name=upload.filename)
    if isinstance(value, str) and value in state.chat_log.files:
        return state.chat_log.files[value]
    if isinstance(value, str) and re.match(r"^https?://", value):
        return state.chat_log.add_file(kind, url=value, file_name=value.rsplit("/", 1)[-1] or None)
    raise bad_request("wrong file identifier/HTTP URL specified")


# ---------------------------------------------------------------------- methods

Handler = Callable[[Ctx, Params], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler
    return register


@method("getMe")
async def get_me(ctx: Ctx, p: Params) -> Any:
    return {**ctx.state.chats.bot_user, "can_join_groups": True, "can_read_all_group_messages": True,
            "supports_inline_queries": False}


@method("getUpdates")
async def get_updates(ctx: Ctx, p: Params) -> Any:
    allowed = p.obj("allowed_updates")
    return await ctx.state.updates.get_updates(
        offset=p.opt_int("offset") or 0,
        limit=p.opt_int("limit") or 100,
        timeout=float(p.get("timeout") or 0),
        allowed_updates=allowed if isinstance(allowed, list) else None,
    )


@method("setWebhook")
async def set_webhook(ctx: Ctx, p: Params) -> Any:
    ctx.state.updates.webhook_url = str(p.required("url"))
    return True


@method("deleteWebhook")
async def delete_webhook(ctx: Ctx, p: Params) -> Any:
    ctx.state.updates.webhook_url = ""
    if p.bool("drop_pending_updates"):
        ctx.state.updates.drop_pending_updates()
    return True


@method("getWebhookInfo")
async def get_webhook_info(ctx: Ctx, p: Params) -> Any:
    return {"url": ctx.state.updates.webhook_url, "has_custom_certificate": False,
            "pending_update_count": len(ctx.state.updates.pending_updates)}


def _command_key(p: Params) -> str:
    scope = p.obj("scope") or {"type": "default"}
    return json.dumps({"scope": scope, "lang": p.str("language_code") or ""}, sort_keys=True)


@method("setMyCommands")
async def set_my_commands(ctx: Ctx, p: Params) -> Any:
    commands = p.obj("commands")
    if not isinstance(commands, list):
        raise bad_request("commands must be an Array")
    for command in commands:
        name = str(command.get("command", ""))
        if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not command.get("description"):
            raise bad_request("BOT_COMMAND_INVALID")
    ctx.state.commands[_command_key(p)] = commands
    return True


@method("getMyCommands")
async def get_my_commands(ctx: Ctx, p: Params) -> Any:
    return ctx.state.commands.get(_command_key(p), [])


@method("deleteMyCommands")
async def delete_my_commands(ctx: Ctx, p: Params) -> Any:
    ctx.state.commands.pop(_command_key(p), None)
    return True


@method("sendMessage")
async def send_message(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    text = p.str("text") or ""
    plain, entities, html = format_text(ctx.state, text, p.str("parse_mode"), p.obj("entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    content: dict[str, Any] = {"text": plain}
    if entities:
        content["entities"] = entities
    return post(ctx, p, content, html=html, chat_id=chat_id)


@method("sendPhoto")
async def send_photo(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    stored = input_file(ctx, p.required("photo"), "photo")
    return post(ctx, p, {"photo": photo_sizes(stored), **_caption(ctx, p)}, chat_id=chat_id)


@method("sendDocument")
async def send_document(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    stored = input_file(ctx, p.required("document"), "document")
    return post(ctx, p, {"document": document_object(stored), **_caption(ctx, p)}, chat_id=chat_id)


@method("sendSticker")
async def send_sticker(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    stored = input_file(ctx, p.required("sticker"), "sticker")
    return post(ctx, p, {"sticker": sticker_object(stored, p.str("emoji"))}, chat_id=chat_id)


def _source(ctx: Ctx, p: Params, action: str) -> StoredMessage:
    from_chat = ctx.state.chats.resolve_chat(p.required("from_chat_id"))
    source = ctx.state.chat_log.stored(from_chat, p.int("message_id"))
    if source is None:
        raise bad_request(f"message to {action} not found")
    return source


@method("copyMessage")
async def copy_message(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    source = _source(ctx, p, "copy")
    content = {k: copy.deepcopy(v) for k, v in source.message.items() if k in _CONTENT_KEYS}
    if p.get("caption") is not None and "text" not in content:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption(ctx, p))
    message = post(ctx, p, content, html=source.html, chat_id=chat_id)
    return {"message_id": message["message_id"]}


@method("forwardMessage")
async def forward_message(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    source = _source(ctx, p, "forward")
    content = {k: copy.deepcopy(v) for k, v in source.message.items() if k in _CONTENT_KEYS}
    content["forward_origin"] = {"type": "user", "date": source.message["date"],
                                 "sender_user": source.message.get("from", {})}
    return post(ctx, p, content, chat_id=chat_id)


def _own_message(ctx: Ctx, p: Params) -> StoredMessage:
    if p.get("inline_message_id"):
        raise bad_request("inline messages are not emulated")
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    stored = ctx.state.chat_log.stored(chat_id, p.int("message_id"))
    if stored is None:
        raise bad_request("message to edit not found")
    if not (stored.message.get("from") or {}).get("is_bot"):
        raise bad_request("message can't be edited")
    return stored


_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")


def _apply_edit(ctx: Ctx, stored: StoredMessage, changes: dict[str, Any],
                markup: dict[str, Any] | None, html: str | None) -> dict[str, Any]:
    message = stored.message
    before = {k: message.get(k) for k in (*changes, "reply_markup")}
    after = {**changes, "reply_markup": markup}
    if before == after:
        raise bad_request(_NOT_MODIFIED)
    for key, value in changes.items():
        if value:
            message[key] = value
        else:
            message.pop(key, None)
    if markup is not None:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)
    if html is not None:
        stored.html = html
    message["edit_date"] = ctx.state.now()
    ctx.state.chat_log.changed(stored)
    ctx.produced = message
    return copy.deepcopy(message)


@method("editMessageText")
async def edit_message_text(ctx: Ctx, p: Params) -> Any:
    stored = _own_message(ctx, p)
    if "text" not in stored.message:
        raise bad_request("there is no text in the message to edit")
    plain, entities, html = format_text(ctx.state, str(p.required("text")), p.str("parse_mode"),
                                        p.obj("entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    return _apply_edit(ctx, stored, {"text": plain, "entities": entities or None},
                       inline_markup(p.obj("reply_markup")), html)


@method("editMessageCaption")
async def edit_message_caption(ctx: Ctx, p: Params) -> Any:
    stored = _own_message(ctx, p)
    caption = _caption(ctx, p)
    return _apply_edit(ctx, stored, {"caption": caption.get("caption"),
                                     "caption_entities": caption.get("caption_entities")},
                       inline_markup(p.obj("reply_markup")), None)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: Ctx, p: Params) -> Any:
    stored = _own_message(ctx, p)
    return _apply_edit(ctx, stored, {}, inline_markup(p.obj("reply_markup")), None)


def _delete(ctx: Ctx, chat_id: int, message_id: int) -> bool:
    stored = ctx.state.chat_log.stored(chat_id, message_id)
    if stored is None:
        return False
    stored.deleted = True
    ctx.state.chat_log.changed(stored)
    return True


@method("deleteMessage")
async def delete_message(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    if not _delete(ctx, chat_id, p.int("message_id")):
        raise bad_request("message to delete not found")
    return True


@method("deleteMessages")
async def delete_messages(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    ids = p.obj("message_ids") or []
    for message_id in ids:
        _delete(ctx, chat_id, int(message_id))
    return True


@method("answerCallbackQuery")
async def answer_callback_query(ctx: Ctx, p: Params) -> Any:
    ctx.state.callbacks.answer_callback(str(p.required("callback_query_id")), p.str("text"),
                              p.bool("show_alert"))
    return True


_NO_GIFTS = {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
             "premium_subscription": False, "gifts_from_channels": False}


@method("getChat")
async def get_chat(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    return {**ctx.state.chats.chat_object(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": _NO_GIFTS}


def _administrator(user: dict[str, Any], forum: bool) -> dict[str, Any]:
    rights = dict.fromkeys((
        "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
        "can_restrict_members", "can_change_info", "can_invite_users", "can_pin_messages"), True)
    rights.update(dict.fromkeys((
        "can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories",
        "can_edit_stories", "can_delete_stories", "can_send_welcome_messages"), False))
    if forum:
        rights["can_manage_topics"] = True
    return {"status": "administrator", "user": user, **rights}


def _member(ctx: Ctx, chat_id: int, user_id: int) -> dict[str, Any]:
    state = ctx.state
    forum = state.chats.is_forum(chat_id)
    if user_id == state.chats.bot_id:
        return _administrator(state.chats.bot_user, forum)
    person = state.chats.people.get(user_id)
    if person is None:
        return {"status": "left", "user": {"id": user_id, "is_bot": False, "first_name": ""}}
    if chat_id in state.chats.groups:
        group = state.chats.groups[chat_id]
        belongs = person.is_staff if group.role == "agents" else True
        if belongs and "ops" in person.roles:
            return _administrator(person.to_user(), forum)
        return {"status": "member" if belongs else "left", "user": person.to_user()}
    return {"status": "member" if chat_id == user_id else "left", "user": person.to_user()}


@method("getChatMember")
async def get_chat_member(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    return _member(ctx, chat_id, p.int("user_id"))


@method("getChatAdministrators")
async def get_chat_administrators(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    if chat_id not in ctx.state.chats.groups:
        raise bad_request("there are no administrators in the private chat")
    ids = [ctx.state.chats.bot_id, *ctx.state.chats.people]
    return [m for m in (_member(ctx, chat_id, i) for i in ids) if m["status"] == "administrator"]


@method("getChatMemberCount")
async def get_chat_member_count(ctx: Ctx, p: Params) -> Any:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    ids = [ctx.state.chats.bot_id, *ctx.state.chats.people]
    return sum(1 for i in ids if _member(ctx, chat_id, i)["status"] != "left")


def _forum(ctx: Ctx, p: Params) -> int:
    chat_id = ctx.state.chats.resolve_chat(p.required("chat_id"))
    if not ctx.state.chats.is_forum(chat_id):
        raise bad_request("the chat is not a forum")
    return chat_id


def _managed_topic(ctx: Ctx, p: Params) -> Topic:
    chat_id = _forum(ctx, p)
    topic = ctx.state.chat_log.topic(chat_id, p.int("message_thread_id"))
    if topic is None or topic.deleted:
        raise bad_request("TOPIC_ID_INVALID")
    return topic


def _topic_service(ctx: Ctx, topic: Topic, service: dict[str, Any]) -> None:
    state = ctx.state
    message = state.chat_log.new_message(topic.chat_id, state.chats.bot_user, thread_id=topic.thread_id)
    message.pop("reply_to_message", None)
    message.update(service)
    state.chat_log.store(StoredMessage(message=message))
    state.feed.emit({"type": "topic", "topic": topic.to_view()})


@method("createForumTopic")
async def create_forum_topic(ctx: Ctx, p: Params) -> Any:
    chat_id = _forum(ctx, p)
    name = p.str("name") or ""
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
    state = ctx.state
    message = state.chat_log.new_message(chat_id, state.chats.bot_user)
    thread_id = message["message_id"]
    topic = Topic(chat_id=chat_id, thread_id=thread_id, name=name,
                  icon_color=p.opt_int("icon_color") or 0x6FB9F0,
                  icon_custom_emoji_id=p.str("icon_custom_emoji_id"))
    state.chat_log.topics[(chat_id, thread_id)] = topic
    message.update({"message_thread_id": thread_id, "is_topic_message": True,
                    "forum_topic_created": {"name": name, "icon_color": topic.icon_color}})
    state.chat_log.store(StoredMessage(message=message))
    state.feed.emit({"type": "topic", "topic": topic.to_view()})
    return topic.to_api()


@method("editForumTopic")
async def edit_forum_topic(ctx: Ctx, p: Params) -> Any:
    topic = _managed_topic(ctx, p)
    name, emoji = p.str("name"), p.str("icon_custom_emoji_id")
    if (name is None or name == topic.name) and (emoji is None or emoji == topic.icon_custom_emoji_id):
        raise bad_request("TOPIC_NOT_MODIFIED")
    edited: dict[str, Any] = {}
    if name is not None:
        topic.name = name
        edited["name"] = name
    if emoji is not None:
        topic.icon_custom_emoji_id = emoji or None
        edited["icon_custom_emoji_id"] = emoji
    _topic_service(ctx, topic, {"forum_topic_edited": edited})
    return True


@method("closeForumTopic", "reopenForumTopic")
async def close_or_reopen_topic(ctx: Ctx, p: Params) -> Any:
    topic = _managed_topic(ctx, p)
    closing = ctx.call.method.lower() == "closeforumtopic"
    if topic.closed == closing:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closing
    _topic_service(ctx, topic, {"forum_topic_closed" if closing else "forum_topic_reopened": {}})
    return True


@method("deleteForumTopic")
async def delete_forum_topic(ctx: Ctx, p: Params) -> Any:
    topic = _managed_topic(ctx, p)
    ctx.state.chat_log.delete_topic(topic.chat_id, topic.thread_id)
    return True


@method("getFile")
async def get_file(ctx: Ctx, p: Params) -> Any:
    file_id = str(p.required("file_id"))
    stored = ctx.state.chat_log.files.get(file_id) or ctx.state.chat_log.files.get(file_id.removesuffix("-s"))
    if stored is None:
        raise bad_request("invalid file_id")
    return {"file_id": file_id, "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content or b""), "file_path": stored.file_path}


@method("sendChatAction", "pinChatMessage", "unpinChatMessage", "unpinAllChatMessages",
        "setMessageReaction", "unpinAllForumTopicMessages")
async def accepted_in_chat(ctx: Ctx, p: Params) -> Any:
    """Calls with no visible effect in the sandbox; the chat must still exist."""
    ctx.state.chats.resolve_chat(p.required("chat_id"))
    return True


@method("setChatMenuButton", "setMyDescription", "setMyShortDescription", "setMyName",
        "setMyDefaultAdministratorRights", "logOut", "close")
async def accepted(ctx: Ctx, p: Params) -> Any:
    return True


# ---------------------------------------------------------------------- HTTP


async def call_method(state: TelegramState, token: str, name: str, params: dict[str, Any],
                      uploads: dict[str, Upload] | None = None, client: str | None = None) -> Any:
    """Run one Bot API call: faults first, then the method; record it either way.
    `client` names the calling process when its API base ends in `/c/<client>` (faults
    can target one process)."""
    state.chats.bind_token(token)
    canonical = _canonical(name)
    call = state.record.start_call(canonical, params)
    ctx = Ctx(state=state, call=call, uploads=uploads or {})
    try:
        fault = state.faults.take_fault(canonical, params, client)
        if isinstance(fault, FaultRule):
            log.info("emulator: stalling %s(chat_id=%s) without applying it", canonical, params.get("chat_id"))
            await state.faults.stalls_released.wait()
            raise BotApiError(502, "Bad Gateway")
        if fault is not None:
            log.info("emulator: injected %s for %s(chat_id=%s)", fault.error_code, canonical,
                     params.get("chat_id"))
            raise fault
        handler = METHODS.get(name.lower())
        if handler is None:
            log.warning("emulator: unknown Bot API method %r called (params: %s)", name,
                        sorted(params))
            raise BotApiError(404, "Not Found: method not found")
        call.result = await handler(ctx, Params(params))
        if ctx.produced is not None and ctx.produced is not call.result:
            call.produced = copy.deepcopy(ctx.produced)
        return call.result
    except BotApiError as exc:
        call.error = exc
        if exc.error_code != 429:
            log.info("emulator: %s failed: %s %s", canonical, exc.error_code, exc.description)
        raise
    finally:
        if call.method != "getUpdates" or call.error is not None:
            state.record.record(call)


def _canonical(name: str) -> str:
    """The documented spelling, since Telegram method names are case-insensitive."""
    lowered = name.lower()
    for known in (*_KNOWN_NAMES, name):
        if known.lower() == lowered:
            return known
    return name


_KNOWN_NAMES: tuple[str, ...] = (
    "getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "setMyCommands",
    "getMyCommands", "deleteMyCommands", "sendMessage", "sendPhoto", "sendDocument",
    "sendSticker", "copyMessage", "forwardMessage", "editMessageText", "editMessageCaption",
    "editMessageReplyMarkup", "deleteMessage", "deleteMessages", "answerCallbackQuery", "getChat",
    "getChatMember", "getChatAdministrators", "getChatMemberCount", "createForumTopic",
    "editForumTopic", "closeForumTopic", "reopenForumTopic", "deleteForumTopic", "getFile",
    "sendChatAction", "pinChatMessage", "unpinChatMessage", "unpinAllChatMessages",
    "setMessageReaction", "unpinAllForumTopicMessages", "setChatMenuButton", "setMyDescription",
    "setMyShortDescription", "setMyName", "setMyDefaultAdministratorRights", "logOut", "close",
)


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Query string, then a JSON, urlencoded or multipart body, like the real server."""
    params: dict[str, Any] = {k: decode_value(k, v) for k, v in request.query.items()}
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, Mapping):
                raise BotApiError(400, "Bad Request: JSON body must be an object")
            params.update(body)
        else:
            form = await request.post()
            form_params, uploads = decode_form(form)
            params.update(form_params)
    return params, uploads


def bot_api_routes(state: TelegramState) -> list[web.RouteDef]:
    """Routes for `/bot{token}/{method}` and `/file/bot{token}/{path}`, and the same calls
    under `/c/{client}/bot{token}/{method}` for a process given the API base `<url>/c/<client>`."""

    async def handle(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        if not TOKEN_PATTERN.match(token):
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        try:
            params, uploads = await read_params(request)
            result = await call_method(state, token, name, params, uploads, request.match_info.get("client"))
        except BotApiError as exc:
            return web.json_response(exc.to_response(), status=exc.error_code,
                                     dumps=_dumps)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def download(request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for stored in state.chat_log.files.values():
            if stored.file_path == path and stored.content is not None:
                return web.Response(body=stored.content)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"},
                                 status=404)

    return [
        web.route("*", r"/bot{token}/{method}", handle),
        web.route("*", r"/c/{client}/bot{token}/{method}", handle),
        web.get(r"/file/bot{token}/{path:.+}", download),
    ]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
