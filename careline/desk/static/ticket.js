// Live transcript: new customer messages (from Rasa's event broker) and reply
// delivery states arrive over server-sent events and are appended in place.
(function () {
  const box = document.getElementById("live");
  if (!box || !window.EventSource) return;
  const source = new EventSource(box.dataset.stream + "?after=" + box.dataset.after);
  source.addEventListener("message", function (event) {
    const m = JSON.parse(event.data);
    if (document.getElementById("m" + m.id)) return;
    const div = document.createElement("div");
    div.id = "m" + m.id;
    div.className = "msg msg-" + m.speaker + (m.delivery === "failed" ? " failed" : "");
    const meta = document.createElement("small");
    meta.textContent = m.label;
    div.appendChild(meta);
    div.appendChild(document.createTextNode(m.text));
    box.appendChild(div);
    box.scrollTop = box.scrollHeight;
  });
})();
