// The docs page: search, the signer and "try it". The key stays in this page.
(function () {
  "use strict";
  var endpoint = new URL("api/admin/v2/", new URL("/", window.location.href)).pathname;

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

  function search() {
    var words = document.getElementById("search").value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    document.querySelectorAll("article.action").forEach(function (article) {
      var text = article.dataset.search;
      var match = words.every(function (word) { return text.indexOf(word) >= 0; });
      article.hidden = !match;
      document.querySelectorAll('#sidebar li[data-action="' + article.dataset.action + '"]')
        .forEach(function (item) { item.hidden = !match; });
      if (match) shown++;
    });
    document.querySelectorAll("[data-group]").forEach(function (group) {
      group.hidden = !group.querySelector("[data-action]:not([hidden])");
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

  function tryIt(details) {
    var key = currentKey();
    var answer = details.querySelector(".try-answer");
    if (!key) { answer.textContent = "Type the API key in the signer above first."; return; }
    var article = details.closest("article");
    if (article.querySelector(".tag.writes") && !window.confirm("This action changes data on this server. Send it?")) return;
    var result = signed(details.querySelector(".try-query").value.trim(), key);
    details.querySelector(".try-url").textContent = "GET " + result.url;
    answer.textContent = "…";
    fetch(result.url, {headers: {Accept: "application/json"}})
      .then(function (response) { return response.text(); })
      .then(function (text) {
        try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON: a file */ }
        answer.textContent = text;
      })
      .catch(function (err) { answer.textContent = "The request failed: " + err; });
  }

  document.getElementById("search").addEventListener("input", search);
  document.getElementById("sign-button").addEventListener("click", sign);
  document.querySelectorAll("details.try .try-send").forEach(function (button) {
    button.addEventListener("click", function () { tryIt(button.closest("details")); });
  });
})();
