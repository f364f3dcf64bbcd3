// The reply box checks the service-language rules as the agent types (the server checks again on send).
(function () {
  const text = document.getElementById("reply-text");
  const box = document.getElementById("live-check");
  const form = document.getElementById("reply-form");
  if (!text || !box || !form) return;
  const csrf = form.querySelector("input[name=csrf]").value;
  let timer = null;
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const body = new URLSearchParams({ text: text.value, csrf: csrf });
      const answer = await fetch("/check-text", { method: "POST", body: body, credentials: "same-origin" });
      if (!answer.ok) return;
      const result = await answer.json();
      box.hidden = result.ok;
      box.textContent = result.ok ? "" : result.problems.join("；") + " → " + result.alternative;
    }, 300);
  });
})();

// New messages (the buyer's, or replies sent from the Telegram topic) appear by small polling.
(function () {
  const thread = document.getElementById("thread");
  if (!thread || !thread.dataset.source) return;
  const every = parseInt(thread.dataset.refreshMs || "2000", 10);
  async function refresh() {
    try {
      const answer = await fetch(thread.dataset.source, { credentials: "same-origin" });
      if (answer.ok) {
        const html = await answer.text();
        if (html !== thread.innerHTML) {
          thread.innerHTML = html;
          thread.scrollTop = thread.scrollHeight;
        }
      }
    } catch (e) { /* try again next round */ }
    setTimeout(refresh, every);
  }
  setTimeout(refresh, every);
})();
