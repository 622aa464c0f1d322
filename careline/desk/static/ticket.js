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
