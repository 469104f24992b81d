// Starts the rasa-webchat widget (served from this site, see webchat/app.py) with the
// settings the page carries in its #chat-config JSON block (no inline script: the page's
// Content-Security-Policy allows scripts from this site only).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("chat-config").textContent);
  window.WebChat.default(
    {
      socketUrl: config.socketUrl,
      socketPath: "/socket.io/",
      initPayload: "/greet",               // the greeting when a new conversation opens
      customData: { language: "en" },
      title: config.title,
      subtitle: config.subtitle,
      inputTextFieldHint: "Type your question…",
      params: { storage: "session" },      // the conversation survives reloads of this tab
      customMessageDelay: function (message) {
        return Math.min(1200, Math.max(300, (message || "").length * 10));
      },
    },
    null
  );
})();
