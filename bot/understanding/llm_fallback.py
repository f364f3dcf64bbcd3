"""Optional: ask a language model to pick a topic when the classifier is unsure (private chat).

Off unless LLM_BASE_URL and LLM_MODEL are set. The model only chooses one of the topic
names (or "none") through a JSON schema; the answer itself still comes from the templates
and the shop's data, never from the model's words. Personal data is masked before the
text leaves, the call gives up after a few seconds, and anything unexpected (a timeout,
garbage, a topic that does not exist) counts as "none": the bot then asks back as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import aiohttp

from bot.runtime.log_masking import mask
from bot.understanding.intents import Match

log = logging.getLogger(__name__)
NONE = "none"
INSTRUCTIONS = (
    "You sort messages that buyers send to a shop's customer service. Reply with the one topic "
    "the message asks about, from the list given, or \"none\" when no topic fits or you are not sure. "
    "Topics: {topics}."
)


@dataclass(frozen=True)
class TopicFallback:
    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 3.0

    def request_body(self, text: str, topics: Sequence[str]) -> dict[str, object]:
        """The chat-completions request: masked text, topic names as the only allowed answers."""
        return {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": INSTRUCTIONS.format(topics=", ".join(topics))},
                {"role": "user", "content": mask(text)},
            ],
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "topic", "strict": True,
                "schema": {"type": "object", "additionalProperties": False, "required": ["topic"],
                           "properties": {"topic": {"type": "string", "enum": [*topics, NONE]}}},
            }},
        }

    async def pick(self, text: str, topics: Sequence[str]) -> str | None:
        """One of `topics`, or None (none fits, or the endpoint failed in any way)."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as session:
                async with session.post(url, json=self.request_body(text, topics), headers=headers) as response:
                    response.raise_for_status()
                    payload = await response.json(content_type=None)
            content = payload["choices"][0]["message"]["content"]
            topic = json.loads(content)["topic"]
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("topic fallback gave no usable answer (%s: %s)", type(exc).__name__, exc)
            return None
        if topic == NONE:
            return None
        if topic not in topics:
            log.warning("topic fallback invented a topic %r; ignored", topic)
            return None
        return str(topic)


def refined(match: Match, topic: str) -> Match:
    """The unsure reading, now answered on the topic the fallback picked."""
    return replace(match, intent=topic, decided_by="llm")
