// Live transcript: new customer messages (from Rasa's event broker) and reply
// delivery states arrive over server-sent events, each line already rendered
// and escaped by the desk (careline/desk/pages.py live_line), and are appended.
(function () {
  const box = document.getElementById("live");
  if (!box || !window.EventSource) return;
  const source = new EventSource(box.dataset.stream + "?after=" + box.dataset.after);
  source.addEventListener("message", function (event) {
    const m = JSON.parse(event.data);
    if (document.getElementById("m" + m.id)) return;
    box.insertAdjacentHTML("beforeend", m.html);
    box.scrollTop = box.scrollHeight;
  });
})();

// Canned responses: the chosen text (filled in by the desk) goes into the reply box,
// where the agent edits it before sending.
(function () {
  const picker = document.getElementById("canned");
  const reply = document.getElementById("reply-text");
  if (!picker || !reply) return;
  picker.addEventListener("change", function () {
    if (!picker.value) return;
    reply.value = picker.value;
    reply.focus();
    picker.value = "";
  });
})();
