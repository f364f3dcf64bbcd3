// Opened as a Telegram Mini App: sign in with the init data Telegram gives the page.
(function () {
  const app = window.Telegram && window.Telegram.WebApp;
  if (!app || !app.initData) return;
  document.getElementById("init-data").value = app.initData;
  document.getElementById("webapp-form").submit();
})();
