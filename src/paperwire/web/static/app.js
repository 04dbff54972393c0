// Progressive enhancement only: every feature works without this file.
(function () {
  "use strict";
  var csrf = document.body.dataset.csrf;

  // Votes and saves without a page reload (the forms still work without JavaScript).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.react) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var kind = form.dataset.react;
    var turningOn = !button.classList.contains("on");
    var url = "/api/papers/" + form.dataset.paper + "/" + kind;
    fetch(url, { method: turningOn ? "POST" : "DELETE", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) { window.location = "/signin?next=" + encodeURIComponent(window.location.pathname); return null; }
        if (!response.ok) { form.submit(); return null; }
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        button.classList.toggle("on", data.on);
        button.setAttribute("aria-pressed", data.on ? "true" : "false");
        if (kind === "upvote") {
          button.querySelector(".count").textContent = data.count;
        } else {
          button.textContent = data.on ? "★ Saved" : "☆ Save";
        }
      });
  });

  // Filters that apply as soon as they change.
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Search as you type: the top titles under the search box.
  var input = document.querySelector("[data-suggest]");
  if (!input) return;
  var list = input.parentNode.querySelector(".suggest");
  var timer = null;
  var latest = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value.trim();
    if (query.length < 3) { list.hidden = true; return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      fetch("/api/search?limit=6&q=" + encodeURIComponent(query))
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (ticket !== latest) return;
          list.textContent = "";
          // Only hits that match (issue 13): a nonsense prefix suggests nothing rather than loose neighbours.
          var matched = data.results.filter(function (hit) { return hit.matched; });
          matched.forEach(function (hit) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = "/papers/" + hit.id;
            link.textContent = hit.title;
            item.appendChild(link);
            list.appendChild(item);
          });
          list.hidden = matched.length === 0;
        });
    }, 180);
  });
  document.addEventListener("click", function (event) { if (!input.parentNode.contains(event.target)) list.hidden = true; });
})();
