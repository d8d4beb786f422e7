// The docs pages: search, the signer, the examples' tabs and "try it". The key stays in this
// page. Every URL is resolved against the page's own address (data-root on <body> is the
// relative way back to the server's root), so the pages work behind a path prefix.
(function () {
  "use strict";
  var root = new URL(document.body.dataset.root || "./", window.location.href);
  var endpoint = new URL("api/admin/v2/", root).pathname;
  var loading = null;
  var loadedFor = null;

  function signed(query, key) {
    var clean = query.replace(/^[?&]+/, "").split("&").filter(function (pair) {
      return pair && decodeURIComponent(pair.split("=")[0].replace(/\+/g, " ")) !== "hash";
    }).join("&");
    var hash = md5(clean + key);
    return {hash: hash, url: endpoint + "?" + clean + "&hash=" + hash};
  }

  function currentKey() {
    return document.getElementById("api-key").value.trim();
  }

  function call(query, key) {
    return fetch(signed(query, key).url, {headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); });
  }

  function firstRow(body) {
    return body && body.status === "ok" && Array.isArray(body.data) && body.data.length
      ? body.data[0] : null;
  }

  // The caller's first project, task and user: what "try it" fills its forms with.
  function loadInstallData(key) {
    var projects = call("action=get_projects&limit=1", key);
    var users = call("action=get_users&limit=1", key);
    return Promise.all([projects, users]).then(function (answers) {
      if (answers[0].status === "error") throw new Error(answers[0].message);
      var project = firstRow(answers[0]), user = firstRow(answers[1]);
      var tasks = project ? "action=get_tasks&id_project=" + project.id + "&limit=1"
        : "action=get_all_tasks&limit=1";
      return call(tasks, key).then(function (answer) {
        var task = firstRow(answer);
        return task || !project ? task : call("action=get_all_tasks&limit=1", key).then(firstRow);
      }).then(function (task) {
        return {project: project ? String(project.id) : "", task: task ? String(task.id) : "",
                user: user ? user.email : ""};
      });
    });
  }

  function encoded(text) {
    return encodeURIComponent(text).replace(/%20/g, "+");
  }

  function filledQuery(details, data) {
    var pairs = ["action=" + encoded(details.dataset.action)];
    JSON.parse(details.dataset.fill).forEach(function (item) {
      var name = item[0], value = item[1], source = item[2], required = item[3];
      if (source === "user-inside") value = data.user ? value.replace(/[^\s"',{}]+@[^\s"',{}]+/g, data.user) : value;
      else if (source === "blank") value = "";
      else if (source) value = data[source] || "";
      if (value === "" && source && source !== "user-inside" && !required) return;
      pairs.push(encoded(name) + "=" + encoded(value));
    });
    return pairs.join("&");
  }

  function fillTryForms(data) {
    var note = "Filled from your install: " + (data.project ? "project " + data.project : "no project")
      + ", " + (data.task ? "task " + data.task : "no task") + ", " + (data.user || "no user")
      + ". Ids of other things are left for you to type.";
    document.querySelectorAll("details.try").forEach(function (details) {
      var input = details.querySelector(".try-query");
      if (input.dataset.edited) return;
      input.value = filledQuery(details, data);
      details.querySelector(".try-note").textContent = note;
    });
  }

  function status(text) {
    document.getElementById("install-data").textContent = text;
  }

  function keyChanged() {
    var key = currentKey();
    document.querySelectorAll(".key-slot").forEach(function (slot) {
      slot.textContent = key || "YOUR_API_KEY";
    });
    if (!key) return Promise.resolve(null);
    if (key === loadedFor) return loading;
    loadedFor = key;
    status("Reading your first project, task and user…");
    loading = loadInstallData(key).then(function (data) {
      fillTryForms(data);
      status("Try it uses your data: " + (data.project ? "project " + data.project : "no project")
        + ", " + (data.task ? "task " + data.task : "no task") + ", " + (data.user || "no user") + ".");
      return data;
    }).catch(function (err) {
      loadedFor = null;
      status("The key was not accepted: " + err.message);
    });
    return loading;
  }

  function search() {
    var words = document.getElementById("search").value.toLowerCase().split(/\s+/).filter(Boolean);
    document.body.classList.toggle("searching", words.length > 0);
    var shown = 0;
    document.querySelectorAll("[data-search]").forEach(function (item) {
      var match = words.every(function (word) { return item.dataset.search.indexOf(word) >= 0; });
      item.hidden = !match;
      if (match && item.tagName === "LI") shown++;
    });
    document.getElementById("no-match").hidden = shown > 0;
  }

  function sign() {
    var key = currentKey();
    if (!key) { document.getElementById("sign-hash").textContent = "(type the API key first)"; return; }
    var result = signed(document.getElementById("sign-query").value.trim(), key);
    document.getElementById("sign-hash").textContent = result.hash;
    document.getElementById("sign-url").textContent = result.url;
  }

  function send(details, url) {
    var answer = details.querySelector(".try-answer");
    details.querySelector(".try-url").textContent = "GET " + url;
    details.querySelector(".try-url").hidden = false;
    answer.hidden = false;
    answer.textContent = "…";
    fetch(url, {headers: {Accept: "application/json"}})
      .then(function (response) { return response.text(); })
      .then(function (text) {
        try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON: a file */ }
        answer.textContent = text;
      })
      .catch(function (err) { answer.textContent = "The request failed: " + err; });
  }

  // A write is sent only after the caller confirms it, with the request in front of them.
  function tryIt(details) {
    var key = currentKey();
    var answer = details.querySelector(".try-answer");
    if (!key) {
      answer.hidden = false;
      answer.textContent = "Type your API key at the top of the contents first.";
      return;
    }
    keyChanged().then(function () {
      var url = signed(details.querySelector(".try-query").value.trim(), key).url;
      if (details.dataset.writes !== "1") { send(details, url); return; }
      var confirm = details.querySelector(".try-confirm");
      confirm.querySelector(".try-confirm-url").textContent = "GET " + url;
      confirm.dataset.url = url;
      confirm.hidden = false;
    });
  }

  function showLanguage(language) {
    document.querySelectorAll(".snippets").forEach(function (box) {
      var found = box.querySelector('pre.snippet[data-language="' + language + '"]') ? language
        : box.querySelector("pre.snippet").dataset.language;
      box.querySelectorAll("[data-language]").forEach(function (item) {
        var chosen = item.dataset.language === found;
        item.classList.toggle(item.tagName === "PRE" ? "shown" : "active", chosen);
        if (item.tagName !== "PRE") item.setAttribute("aria-selected", String(chosen));
      });
    });
  }

  // An old link to /docs#<action> (the single page of earlier versions): on to its page.
  function followOldAnchor() {
    var name = decodeURIComponent(window.location.hash.slice(1));
    if (!name || document.getElementById(name)) return;
    var link = document.querySelector('#sidebar li[data-action="' + CSS.escape(name) + '"] a');
    if (link) window.location.replace(link.href);
  }

  followOldAnchor();
  document.body.classList.add("js");
  if (window.matchMedia("(max-width: 860px)").matches) document.getElementById("toc").open = false;
  var base = root.href.replace(/\/$/, "");
  document.querySelectorAll(".base-slot").forEach(function (slot) { slot.textContent = base; });
  showLanguage("curl");

  document.getElementById("search").addEventListener("input", search);
  document.getElementById("api-key").addEventListener("input", function () {
    document.querySelectorAll(".key-slot").forEach(function (slot) {
      slot.textContent = currentKey() || "YOUR_API_KEY";
    });
  });
  document.getElementById("api-key").addEventListener("change", keyChanged);
  var signButton = document.getElementById("sign-button");
  if (signButton) signButton.addEventListener("click", sign);
  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () { showLanguage(tab.dataset.language); });
  });
  document.querySelectorAll("details.try").forEach(function (details) {
    details.addEventListener("toggle", function () { if (details.open && currentKey()) keyChanged(); });
    details.querySelector(".try-query").addEventListener("input", function (event) {
      event.target.dataset.edited = "1";
    });
    details.querySelector(".try-send").addEventListener("click", function () { tryIt(details); });
    var confirm = details.querySelector(".try-confirm");
    details.querySelector(".try-yes").addEventListener("click", function () {
      confirm.hidden = true;
      send(details, confirm.dataset.url);
    });
    details.querySelector(".try-no").addEventListener("click", function () { confirm.hidden = true; });
  });
})();
