// tocsin review page: keyboard shortcuts and copying a link. No network requests, no inline code.
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) { window.location.assign(link.href); }
  }

  function copyUrl() {
    var field = document.getElementById("url");
    if (!field) { return; }
    field.focus();
    field.select();
    var done = function () {
      var button = document.getElementById("copy-url");
      if (button) { button.textContent = "Copied"; }
      field.blur();   // the shortcuts work again at once, without Esc
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  }

  // A decision sent: further decision keys wait for the next page, so a double key press cannot
  // record two decisions on one item.
  var sending = false;

  // ------------------------------------------------------------------ queue
  var rows = [];
  var current = -1;

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) { rows[current].classList.remove("selected"); rows[current].removeAttribute("aria-selected"); }
    current = index;
    rows[current].classList.add("selected");
    rows[current].setAttribute("aria-selected", "true");
    rows[current].scrollIntoView({ block: "nearest" });
  }

  // Back from a decision made on the queue ("#row-N-<decided item>"): the row that was selected, or the one after
  // it when the decided item is still in this view (All flagged, Reviewed), so the next key press never decides
  // an item that was not read.
  function rowAfterDecision() {
    var found = /^#row-(\d+)-([0-9a-f]+)$/.exec(window.location.hash);
    if (!found) { return 0; }
    var index = Math.min(Number(found[1]), rows.length - 1);
    var same = rows[index] && rows[index].getAttribute("data-decide").indexOf("/items/" + found[2]) >= 0;
    return same ? index + 1 : index;
  }

  function queueKey(event) {
    var key = event.key;
    if (key === "j" || key === "ArrowDown") { select(current + 1); }
    else if (key === "k" || key === "ArrowUp") { select(current - 1); }
    else if ((key === "Enter" || key === "o") && current >= 0) {
      var link = rows[current].querySelector("a.open");
      if (link) { window.location.assign(link.href); }
    } else if (/^[1-4]$/.test(key) && current >= 0) {
      if (sending) { return true; }
      sending = true;
      var form = document.getElementById("quick-decide");
      var decisions = ["incitement", "not_incitement", "escalate", "unsure"];
      form.action = rows[current].getAttribute("data-decide");
      form.elements.content_hash.value = rows[current].getAttribute("data-version") || "";   // the text the row shows
      form.elements.decision.value = decisions[Number(key) - 1];
      form.elements.row.value = String(current);
      form.submit();
    } else if (key === "n") { follow("next-page"); }
    else if (key === "p") { follow("prev-page"); }
    else { return false; }
    return true;
  }

  // ------------------------------------------------------------------ item
  function itemKey(event) {
    var key = event.key;
    if (/^[1-4]$/.test(key)) {
      var button = document.querySelector('#decision-form button[data-key="' + key + '"]');
      var form = document.getElementById("decision-form");
      if (form && button && !sending) {
        sending = true;
        if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
      }
    } else if (key === "j") { follow("next"); }
    else if (key === "k") { follow("prev"); }
    else if (key === "u") { follow("back"); }
    else if (key === "n") { var note = document.getElementById("note"); if (note) { note.focus(); } }
    else if (key === "c") { copyUrl(); }
    else { return false; }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    // Enter and Space on a focused link or button (a tab, the pager, Filter, Assign) are the link's or button's
    // own: keyboard and screen-reader users reach them with Tab.
    if ((event.key === "Enter" || event.key === " ") && /^(A|BUTTON|SUMMARY)$/.test(event.target.tagName)) { return; }
    var page = document.body.getAttribute("data-page");
    if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) { search.focus(); search.select(); }
      else {
        var back = document.getElementById("back");
        if (back) { window.location.assign(back.href + (back.href.indexOf("#") < 0 ? "#search" : "")); }
      }
      event.preventDefault();
      return;
    }
    var handled = page === "queue" ? queueKey(event) : page === "item" ? itemKey(event) : false;
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    rows = Array.prototype.slice.call(document.querySelectorAll("tr.qrow"));
    rows.forEach(function (row, index) {
      row.addEventListener("click", function (event) { if (event.target.tagName !== "A") { select(index); } });
    });
    if (rows.length) { select(rowAfterDecision()); }
    var copy = document.getElementById("copy-url");
    if (copy) { copy.addEventListener("click", copyUrl); }
    var decision = document.getElementById("decision-form");
    if (decision) {
      decision.addEventListener("submit", function (event) {
        if (decision.getAttribute("data-sent")) { event.preventDefault(); return; }
        decision.setAttribute("data-sent", "1");
        sending = true;
      });
    }
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { sending = false; if (decision) { decision.removeAttribute("data-sent"); } }
    });
    if (window.location.hash === "#search") {
      var search = document.getElementById("q");
      if (search) { search.focus(); }
    }
  });
})();
