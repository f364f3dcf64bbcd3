// The sandbox page: plays buyers and agents against the emulated Telegram.
// Plain JS, no build step. Talks to /sandbox/api/* (documented in bot/sandbox/page.py):
// a snapshot from /sandbox/api/state, then a long poll on /sandbox/api/events?since=SEQ
// so the bot's answers appear as soon as it sends them.
"use strict";

const api = {
  async get(path) {
    const response = await fetch(path, { cache: "no-store" });
    return response.json();
  },
  async post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return response.json();
  },
};

const NEW_BUYER = "new";
const $ = (id) => document.getElementById(id);

const view = {
  seq: 0,
  bot: null,
  chats: {},            // role -> chat
  people: new Map(),    // id -> person
  messages: new Map(),  // "chat:message" -> message view
  topics: new Map(),    // "chat:thread" -> topic
  person: 700001,
  agent: 900001,
  topic: null,          // selected thread id in the agents' group, null = General
  replyTo: { room: null, private: null, agents: null },
  dirty: false,
};

function key(chatId, id) {
  return `${chatId}:${id}`;
}

// ------------------------------------------------------------------ loading

async function loadState() {
  const state = await api.get("/sandbox/api/state");
  view.seq = state.seq;
  view.bot = state.bot;
  view.chats = state.chats;
  view.people = new Map(state.people.map((p) => [p.id, p]));
  view.messages = new Map(state.messages.map((m) => [key(m.chat_id, m.message_id), m]));
  view.topics = new Map(state.topics.map((t) => [key(t.chat_id, t.thread_id), t]));
  const open = state.topics.filter((t) => !t.deleted && !t.closed);
  if (view.topic === null && open.length) view.topic = open[open.length - 1].thread_id;
  const staff = [...view.people.values()].find((p) => p.is_staff);
  if (!view.people.has(view.agent) && staff) view.agent = staff.id;
  renderSelectors();
  renderStats(state.stats);
  scheduleRender();
}

function applyEvents(events) {
  for (const event of events) {
    if (event.type === "message") {
      const m = event.message;
      view.messages.set(key(m.chat_id, m.message_id), m);
    } else if (event.type === "topic") {
      const t = event.topic;
      const isNew = !view.topics.has(key(t.chat_id, t.thread_id));
      view.topics.set(key(t.chat_id, t.thread_id), t);
      // A new conversation opens in front of whoever plays the agent (unless they are busy in one).
      if (isNew && !t.deleted && view.topic === null) view.topic = t.thread_id;
      if (t.deleted && view.topic === t.thread_id) view.topic = null;
    } else if (event.type === "person") {
      view.people.set(event.person.id, event.person);
      renderSelectors();
    } else if (event.type === "toast") {
      toast(event.text, event.show_alert);
    }
  }
  scheduleRender();
}

async function pollEvents() {
  for (;;) {
    try {
      const answer = await api.get(`/sandbox/api/events?since=${view.seq}&timeout=25`);
      setConnected(true);
      if (answer.reset) {
        await loadState();
        continue;
      }
      view.seq = answer.seq;
      applyEvents(answer.events);
      renderStats(answer.stats);
    } catch (error) {
      setConnected(false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// ------------------------------------------------------------------ rendering

function scheduleRender() {
  if (view.dirty) return;
  view.dirty = true;
  requestAnimationFrame(() => {
    view.dirty = false;
    render();
  });
}

function render() {
  const room = view.chats.live_room;
  const agents = view.chats.agents;
  const me = view.people.get(view.person);
  if (room) {
    $("room-title").textContent = room.title;
    renderMessages($("room-messages"), chatMessages(room.id), "room");
  }
  $("private-title").textContent = me ? `${me.name} 与 ${view.bot ? view.bot.first_name : "机器人"}` : "私聊";
  const privateMessages = chatMessages(view.person);
  renderMessages($("private-messages"), privateMessages, "private");
  renderKeyboard(privateMessages);
  if (agents) {
    $("agents-title").textContent = agents.title;
    renderTopics(agents.id);
    const inTopic = chatMessages(agents.id).filter((m) => (m.thread_id || null) === view.topic);
    renderMessages($("agents-messages"), inTopic, "agents");
  }
  renderReplying();
}

function chatMessages(chatId) {
  const result = [];
  for (const m of view.messages.values()) {
    if (m.chat_id === chatId && !m.deleted) result.push(m);
  }
  result.sort((a, b) => a.message_id - b.message_id);
  return result;
}

function actorFor(pane) {
  return pane === "agents" ? view.agent : view.person;
}

function renderMessages(box, messages, pane) {
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.replaceChildren();
  if (messages.length === 0) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = pane === "agents" ? "这个话题还没有消息" : "还没有消息";
    box.append(empty);
  }
  for (const m of messages) box.append(bubble(m, pane));
  if (nearBottom || box.dataset.seen !== String(messages.length)) box.scrollTop = box.scrollHeight;
  box.dataset.seen = String(messages.length);
}

function bubble(m, pane) {
  if (m.service) {
    const line = document.createElement("div");
    line.className = "service";
    line.textContent = m.service;
    return line;
  }
  const mine = m.from_id === actorFor(pane);
  const row = document.createElement("div");
  row.className = `row ${m.is_bot ? "bot" : mine ? "mine" : "other"}`;
  const b = document.createElement("div");
  b.className = "bubble";
  b.title = "点击以回复这条消息";
  b.addEventListener("click", (event) => {
    if (event.target.closest("button, a")) return;
    view.replyTo[pane] = m;
    renderReplying();
    $(`${pane}-input`).focus();
  });

  const head = document.createElement("div");
  head.className = "who";
  const person = view.people.get(m.from_id);
  head.textContent = m.is_bot ? `🤖 ${m.from_name}` : m.from_name;
  if (person && person.is_staff) head.textContent += " · 客服";
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = formatTime(m.date) + (m.edited ? " · 已编辑" : "");
  head.append(time);
  b.append(head);

  if (m.forwarded_from) {
    const fwd = document.createElement("div");
    fwd.className = "forwarded";
    fwd.textContent = `转发自 ${m.forwarded_from}`;
    b.append(fwd);
  }
  if (m.reply_to) {
    const quote = document.createElement("div");
    quote.className = "quote";
    const name = document.createElement("b");
    name.textContent = m.reply_to.from_name;
    quote.append(name, document.createTextNode(` ${m.reply_to.text}`));
    b.append(quote);
  }
  if (m.media) {
    const media = document.createElement("div");
    media.className = "media";
    media.textContent = m.media;
    b.append(media);
  }
  if (m.text) {
    const text = document.createElement("div");
    text.className = "text";
    text.append(...renderEntities(m.text, m.entities || []));
    b.append(text);
  }
  if (m.buttons) b.append(inlineKeyboard(m, pane));
  row.append(b);
  return row;
}

// Entities count UTF-16 code units, exactly like JS string indices.
function renderEntities(text, entities) {
  const cuts = new Set([0, text.length]);
  for (const e of entities) {
    cuts.add(e.offset);
    cuts.add(e.offset + e.length);
  }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  const nodes = [];
  for (let i = 0; i < points.length - 1; i++) {
    const start = points[i];
    const end = points[i + 1];
    const covering = entities.filter((e) => e.offset <= start && e.offset + e.length >= end);
    let node = document.createTextNode(text.slice(start, end));
    for (const e of covering) node = wrap(node, e);
    nodes.push(node);
  }
  return nodes;
}

function wrap(node, entity) {
  const tags = {
    bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
    pre: "pre", blockquote: "blockquote", expandable_blockquote: "blockquote",
  };
  let element;
  if (entity.type === "text_link") {
    element = document.createElement("a");
    element.href = entity.url;
    element.target = "_blank";
    element.rel = "noopener noreferrer";
  } else if (entity.type === "text_mention" || entity.type === "mention") {
    element = document.createElement("span");
    element.className = "mention";
    if (entity.user) element.title = `用户 ${entity.user.id}`;
  } else if (entity.type === "bot_command") {
    element = document.createElement("span");
    element.className = "command";
  } else if (entity.type === "spoiler") {
    element = document.createElement("span");
    element.className = "spoiler";
  } else if (tags[entity.type]) {
    element = document.createElement(tags[entity.type]);
  } else {
    return node;
  }
  element.append(node);
  return element;
}

function inlineKeyboard(m, pane) {
  const box = document.createElement("div");
  box.className = "inline-keyboard";
  for (const row of m.buttons) {
    const line = document.createElement("div");
    line.className = "kb-row";
    for (const button of row) {
      if (button.url) {
        const link = document.createElement("a");
        link.className = "kb-button";
        link.href = button.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = `${button.text} ↗`;
        line.append(link);
        continue;
      }
      const press = document.createElement("button");
      press.type = "button";
      press.className = "kb-button";
      press.textContent = button.text;
      press.disabled = button.data == null;
      press.addEventListener("click", () => pressButton(m, button.data, pane));
      line.append(press);
    }
    box.append(line);
  }
  return box;
}

function renderKeyboard(messages) {
  const box = $("private-keyboard");
  const last = [...messages].reverse().find((m) => m.is_bot && m.keyboard);
  box.replaceChildren();
  box.hidden = !last;
  if (!last) return;
  for (const row of last.keyboard) {
    const line = document.createElement("div");
    line.className = "kb-row";
    for (const label of row) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "kb-button";
      button.textContent = label;
      button.addEventListener("click", () => send("private", label));
      line.append(button);
    }
    box.append(line);
  }
}

function renderTopics(chatId) {
  const box = $("topics");
  box.replaceChildren();
  const general = topicChip("# 综合", view.topic === null, () => selectTopic(null));
  box.append(general);
  const topics = [...view.topics.values()]
    .filter((t) => t.chat_id === chatId && !t.deleted)
    .sort((a, b) => b.thread_id - a.thread_id);
  for (const t of topics) {
    const chip = topicChip(`${t.closed ? "🔒 " : ""}${t.name}`, view.topic === t.thread_id,
      () => selectTopic(t.thread_id));
    chip.style.setProperty("--topic-color", `#${t.icon_color.toString(16).padStart(6, "0")}`);
    if (view.topic === t.thread_id) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "topic-delete";
      remove.title = "手动删除这个话题（演示机器人重建话题）";
      remove.textContent = "✕";
      remove.addEventListener("click", async (event) => {
        event.stopPropagation();
        if (!confirm(`删除话题「${t.name}」？`)) return;
        await api.post("/sandbox/api/topics/delete", { chat_id: chatId, thread_id: t.thread_id });
      });
      chip.append(remove);
    }
    box.append(chip);
  }
}

function topicChip(label, selected, onClick) {
  const chip = document.createElement("div");
  chip.className = `topic${selected ? " selected" : ""}`;
  chip.textContent = label;
  chip.addEventListener("click", onClick);
  return chip;
}

function selectTopic(threadId) {
  view.topic = threadId;
  view.replyTo.agents = null;
  $("agents-messages").dataset.seen = "";
  scheduleRender();
}

function renderReplying() {
  for (const pane of ["room", "private", "agents"]) {
    const box = $(`${pane}-replying`);
    const target = view.replyTo[pane];
    box.hidden = !target;
    box.replaceChildren();
    if (!target) continue;
    box.append(document.createTextNode(`回复 ${target.from_name}：${(target.text || target.media || "").slice(0, 40)}`));
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "✕";
    cancel.addEventListener("click", () => {
      view.replyTo[pane] = null;
      renderReplying();
    });
    box.append(cancel);
  }
}

function renderSelectors() {
  const select = $("person");
  const agentSelect = $("agent");
  select.replaceChildren();
  agentSelect.replaceChildren();
  const people = [...view.people.values()];
  for (const p of people.filter((x) => !x.is_staff)) {
    select.append(new Option(`${p.name}（买家 ${p.id}）`, p.id));
  }
  select.append(new Option("＋ 新买家", NEW_BUYER));
  for (const p of people.filter((x) => x.is_staff)) {
    const roles = p.roles.map((r) => ({ agent: "客服", ops: "运营" }[r] || r)).join("·");
    select.append(new Option(`${p.name}（${roles}）`, p.id));
    agentSelect.append(new Option(p.name, p.id));
  }
  select.value = String(view.person);
  agentSelect.value = String(view.agent);
  const me = view.people.get(view.person);
  $("language-box").hidden = !me || me.is_staff;
  if (me) $("language").value = me.language_code && me.language_code.startsWith("en") ? "en" : "zh-hans";
}

function renderStats(stats) {
  if (!stats) return;
  $("d-updates").textContent = stats.updates;
  $("d-pending").textContent = stats.pending;
  $("d-sends").textContent = stats.bot_sends;
  $("d-errors").textContent = stats.errors;
  const last = stats.last_errors[stats.last_errors.length - 1];
  $("d-last-error").textContent = last ? `${last.method}: ${last.error_code} ${last.description}` : "";
}

function setConnected(ok) {
  $("conn").className = ok ? "conn ok" : "conn down";
}

function formatTime(seconds) {
  if (!seconds) return "";
  const d = new Date(seconds * 1000);
  return d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function toast(text, alert) {
  const box = document.createElement("div");
  box.className = `toast${alert ? " alert" : ""}`;
  box.textContent = text;
  $("toasts").append(box);
  setTimeout(() => box.remove(), alert ? 6000 : 3000);
}

// ------------------------------------------------------------------ acting

function chatFor(pane) {
  if (pane === "room") return view.chats.live_room.id;
  if (pane === "agents") return view.chats.agents.id;
  return view.person;
}

async function send(pane, text, photo = false) {
  const body = {
    chat_id: chatFor(pane),
    user_id: actorFor(pane),
    text,
    photo,
  };
  if (pane === "agents" && view.topic !== null) body.thread_id = view.topic;
  const target = view.replyTo[pane];
  if (target) body.reply_to = target.message_id;
  const answer = await api.post("/sandbox/api/send", body);
  if (!answer.ok) {
    toast(`发送失败：${answer.error}`, true);
    return false;
  }
  view.replyTo[pane] = null;
  applyEvents([{ type: "message", message: answer.message }]);
  return true;
}

async function pressButton(m, data, pane) {
  const answer = await api.post("/sandbox/api/press", {
    chat_id: m.chat_id,
    user_id: actorFor(pane),
    message_id: m.message_id,
    data,
  });
  if (!answer.ok) toast(`按钮无效：${answer.error}`, true);
}

function bindComposer(pane) {
  const form = $(`${pane}-form`);
  const input = $(`${pane}-input`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (await send(pane, text)) input.value = "";
  });
  const photo = $(`${pane}-photo`);
  if (photo) {
    photo.addEventListener("click", async () => {
      if (await send(pane, input.value.trim(), true)) input.value = "";
    });
  }
}

async function choosePerson(value) {
  if (value === NEW_BUYER) {
    const answer = await api.post("/sandbox/api/people", { language_code: $("language").value });
    if (!answer.ok) return;
    view.people.set(answer.person.id, answer.person);
    view.person = answer.person.id;
  } else {
    view.person = Number(value);
  }
  view.replyTo.private = null;
  $("private-messages").dataset.seen = "";
  renderSelectors();
  scheduleRender();
}

function init() {
  $("person").addEventListener("change", (event) => choosePerson(event.target.value));
  $("agent").addEventListener("change", (event) => {
    view.agent = Number(event.target.value);
    scheduleRender();
  });
  $("language").addEventListener("change", async (event) => {
    const me = view.people.get(view.person);
    if (!me || me.is_staff) return;
    const answer = await api.post("/sandbox/api/language", {
      user_id: me.id, language_code: event.target.value,
    });
    if (answer.ok) view.people.set(me.id, answer.person);
  });
  for (const pane of ["room", "private", "agents"]) bindComposer(pane);
  loadState().then(pollEvents, (error) => {
    setConnected(false);
    toast(`无法连接沙盒：${error}`, true);
  });
}

init();
