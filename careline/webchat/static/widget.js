// Careline web chat widget: one socket.io connection bound to a signed identity.
// The operator's site passes a signed token as ?token=…; without one, the server
// issues an anonymous session token, kept in localStorage so reconnects and reloads
// keep the conversation. The widget never chooses a session id itself.
// Each message carries an id and is kept (per tab, in sessionStorage) until the server
// says "message_done": after a reconnect or a reload, and whenever it has waited
// RESEND_AFTER_MS, it is sent again with the same id, and the server answers it once
// (careline/webchat/journal.py).
(function () {
  "use strict";
  var STORAGE_KEY = "careline.webchat.session-token";
  var PENDING_KEY = "careline.webchat.pending";
  var RESEND_AFTER_MS = 8000;
  var root = document.querySelector(".chat");
  var list = document.getElementById("messages");
  var typing = document.getElementById("typing");
  var status = document.getElementById("status");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var siteToken = new URLSearchParams(window.location.search).get("token");

  function currentToken() {
    return siteToken || window.localStorage.getItem(STORAGE_KEY) || undefined;
  }

  function setStatus(text) { status.textContent = text; }

  function addMessage(kind, text) {
    var item = document.createElement("li");
    item.className = "msg msg--" + kind;
    item.textContent = text;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  function addButtons(buttons) {
    var box = document.createElement("li");
    box.className = "quick-replies";
    buttons.forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = "quick-reply";
      element.textContent = button.title;
      element.addEventListener("click", function () {
        box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        send(button.payload, button.title);
      });
      box.appendChild(element);
    });
    list.appendChild(box);
    list.scrollTop = list.scrollHeight;
  }

  var socket = io({
    path: root.dataset.socketioPath,
    transports: ["websocket"],
    auth: function (callback) { callback({ token: currentToken() }); },
  });

  function newMessageId() {
    if (window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));  // not a secure context
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // {session: the conversation they belong to, messages: [{id, text, sentAt}]}
  function loadPending() {
    var stored = null;
    try { stored = JSON.parse(window.sessionStorage.getItem(PENDING_KEY)); } catch (e) { stored = null; }
    return stored && Array.isArray(stored.messages) ? stored : { session: null, messages: [] };
  }
  var pending = loadPending();
  function savePending() { window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending)); }

  function emitMessage(entry) {
    entry.sentAt = Date.now();
    socket.emit("user_uttered", { message: entry.text, message_id: entry.id });
  }

  function send(message, shown) {
    addMessage("user", shown || message);
    var entry = { id: newMessageId(), text: message, sentAt: 0 };
    pending.messages.push(entry);
    if (socket.connected) { emitMessage(entry); }  // otherwise once the session is confirmed
    savePending();
  }

  function resendWaiting(olderThanMs) {
    if (!socket.connected) { return; }
    var now = Date.now();
    pending.messages.forEach(function (entry) {
      if (now - entry.sentAt >= olderThanMs) { emitMessage(entry); }
    });
    savePending();
  }
  window.setInterval(function () { resendWaiting(RESEND_AFTER_MS); }, 2000);

  socket.on("message_done", function (done) {
    pending.messages = pending.messages.filter(function (entry) {
      return !done || entry.id !== done.message_id;
    });
    savePending();
  });

  socket.on("connect", function () {
    setStatus("Connected");
    socket.emit("session_request", {});
  });
  socket.on("session_confirm", function (session) {
    if (session && session.session_token) {
      window.localStorage.setItem(STORAGE_KEY, session.session_token);
    }
    root.dataset.sessionId = session.session_id;
    root.dataset.anonymous = session.anonymous ? "true" : "false";
    if (pending.session && pending.session !== session.session_id) {
      // another conversation now (signed in): the server resumes what sign-in held back
      pending.messages = [];
    }
    pending.session = session.session_id;
    resendWaiting(0);  // a reconnect or a reload: whatever was not answered, again
    document.dispatchEvent(new CustomEvent("careline:session", { detail: session }));
  });
  socket.on("disconnect", function () { setStatus("Reconnecting…"); });
  socket.on("connect_error", function () {
    if (!siteToken && window.localStorage.getItem(STORAGE_KEY)) {
      window.localStorage.removeItem(STORAGE_KEY);  // stale anonymous session: start afresh
    }
    setStatus("Cannot connect; retrying…");
  });
  socket.on("session_refused", function (info) {
    addMessage("notice", "This chat session was refused: " + (info && info.reason));
  });
  socket.on("bot_typing", function (state) { typing.hidden = !(state && state.typing); });
  socket.on("bot_uttered", function (message) {
    if (message.text) { addMessage("bot", message.text); }
    if (message.attachment && message.attachment.payload && message.attachment.payload.src) {
      addMessage("bot", message.attachment.payload.src);
    }
    if (message.quick_replies && message.quick_replies.length) { addButtons(message.quick_replies); }
  });

  // The page's sign-in step (sign-in.js) binds this socket with the grant it earned.
  window.carelineChat = {
    token: function () { return window.localStorage.getItem(STORAGE_KEY); },
    signedInBySite: function () { return Boolean(siteToken); },
    bind: function (grant) { socket.emit("sign_in", { grant: grant }); },
    on: function (event, handler) { socket.on(event, handler); },
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // spaces alone still go: the bot answers a blank message with a prompt
    if (!input.value) { return; }
    var text = input.value.trim() || input.value;
    input.value = "";
    send(text);
  });
})();
