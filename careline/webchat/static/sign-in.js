// The web chat page's sign-in step: who you are, then the code texted to the number on
// file or your PIN. The endpoints answer alike whoever you name; a passed check returns
// a grant for this browser session, which this socket presents to be bound to the
// customer's own conversation (then the bot can answer account questions).
(function () {
  "use strict";
  var chat = window.carelineChat;
  var panel = document.getElementById("sign-in");
  var start = document.getElementById("sign-in-start");
  var check = document.getElementById("sign-in-check");
  var who = document.getElementById("sign-in-who");
  var answer = document.getElementById("sign-in-answer");
  var prompt = document.getElementById("sign-in-prompt");
  var status = document.getElementById("sign-in-status");
  var challenge = null;

  function say(text) { status.textContent = text; }

  function post(step, body) {
    body.session_token = chat.token();
    return fetch("sign-in/" + step, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (reply) {
      return reply.json().then(function (data) { return { status: reply.status, data: data }; });
    });
  }

  function showStart() {
    challenge = null;
    check.hidden = true;
    start.hidden = false;
  }

  document.addEventListener("careline:session", function (event) {
    panel.hidden = chat.signedInBySite() || !event.detail.anonymous;
  });

  start.addEventListener("submit", function (event) {
    event.preventDefault();
    var named = who.value.trim();
    if (!named) { return; }
    say("");
    post("start", { who: named }).then(function (reply) {
      if (reply.status !== 200) { say(reply.data.error || "Sign-in is unavailable."); return; }
      challenge = reply.data.challenge;
      prompt.textContent = reply.data.message;
      start.hidden = true;
      check.hidden = false;
      answer.value = "";
      answer.focus();
    }, function () { say("Sign-in is unavailable; please try again."); });
  });

  check.addEventListener("submit", function (event) {
    event.preventDefault();
    var given = answer.value.trim();
    if (!given || !challenge) { return; }
    post("check", { challenge: challenge, answer: given }).then(function (reply) {
      answer.value = "";
      if (reply.status === 200 && reply.data.grant) {
        say("Checking…");
        chat.bind(reply.data.grant);
        return;
      }
      if (reply.status === 401 && reply.data.tries_left > 0) {
        say(reply.data.error + " Tries left: " + reply.data.tries_left + ".");
        return;
      }
      say(reply.status === 401 ? "That didn't work. Please start again." : reply.data.error);
      showStart();
    }, function () { say("Sign-in is unavailable; please try again."); });
  });

  chat.on("signed_in", function () {
    panel.hidden = true;
    say("");
    document.getElementById("status").textContent = "Signed in";
  });
  chat.on("sign_in_refused", function () {
    say("That sign-in could not be completed. Please start again.");
    showStart();
  });
})();
