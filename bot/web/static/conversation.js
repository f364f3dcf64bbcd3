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
