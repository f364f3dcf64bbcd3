// The rule draft is checked as ops type, with the loader `livedesk promo check` uses (the
// server checks again on save, and a broken draft is never written).
(function () {
  const text = document.getElementById("promo-text");
  const box = document.getElementById("live-problems");
  const form = document.getElementById("promo-form");
  if (!text || !box || !form) return;
  const csrf = form.querySelector("input[name=csrf]").value;
  const file = form.querySelector("input[name=file]").value;
  let timer = null;
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const body = new URLSearchParams({ text: text.value, file: file, csrf: csrf });
      const answer = await fetch("/promotions/validate", { method: "POST", body: body, credentials: "same-origin" });
      if (!answer.ok) return;
      const result = await answer.json();
      box.hidden = false;
      box.replaceChildren();
      if (result.ok) {
        box.textContent = "草稿检查通过（尚未保存）";
        box.className = "good";
        return;
      }
      box.className = "problems";
      const list = document.createElement("ul");
      for (const problem of result.problems) {
        const item = document.createElement("li");
        item.className = "live-problem";
        item.textContent = problem;
        list.appendChild(item);
      }
      box.appendChild(list);
    }, 400);
  });
})();
