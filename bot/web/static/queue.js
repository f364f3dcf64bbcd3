// The queue refreshes itself by small polling of /queue/rows (server-rendered rows).
(function () {
  const body = document.getElementById("queue-rows");
  if (!body) return;
  const every = parseInt(body.dataset.refreshMs || "2000", 10);
  async function refresh() {
    try {
      const answer = await fetch("/queue/rows", { credentials: "same-origin" });
      if (answer.ok) body.innerHTML = await answer.text();
    } catch (e) { /* offline for a moment: try again next round */ }
    setTimeout(refresh, every);
  }
  setTimeout(refresh, every);
})();
