// newsbot panel: small enhancements only; every page works without this file.
"use strict";
(function () {
  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Upload progress for long uploads; the answer page replaces this one when it arrives.
  document.querySelectorAll("form.upload").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      var limit = parseInt(form.getAttribute("data-limit") || "0", 10);
      if (input && input.files.length && limit && input.files[0].size > limit) {
        event.preventDefault();
        form.querySelector(".progress-text").textContent = "This file is larger than " + Math.round(limit / 1e6) + " MB.";
        return;
      }
      if (!window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      var bar = form.querySelector("progress");
      var text = form.querySelector(".progress-text");
      bar.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          text.textContent = bar.value + " % uploaded";
        }
      });
      xhr.upload.addEventListener("load", function () { text.textContent = "Uploaded; storing articles…"; });
      xhr.addEventListener("load", function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        document.title = doc.title;
        document.body.replaceWith(document.adoptNode(doc.body));
      });
      xhr.addEventListener("error", function () { text.textContent = "The upload failed; try again."; });
      xhr.send(new FormData(form));
    });
  });

  // Related pieces arrive after the article (the one slow part of the page).
  document.querySelectorAll("section[data-src]").forEach(function (section) {
    fetch(section.getAttribute("data-src"), { credentials: "same-origin", headers: { "X-Fragment": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("related");
        if (fresh) section.replaceWith(document.adoptNode(fresh));
      });
  });

  // Live preview of the next digest while a topic's search is typed.
  document.querySelectorAll("form.topic-form").forEach(function (form) {
    var input = form.querySelector(".live-query");
    var url = form.getAttribute("data-preview");
    var timer = null;
    var seq = 0;
    if (!input || !url) return;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++seq;
        var sep = url.indexOf("?") >= 0 ? "&" : "?";
        fetch(url + sep + "q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            if (mine !== seq) return;
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById("preview");
            var old = document.getElementById("preview");
            if (fresh && old) old.replaceWith(document.adoptNode(fresh));
          });
      }, 250);
    });
  });
})();
