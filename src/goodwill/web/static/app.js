// goodwill: the little behaviour the pages need. No inline scripts (the CSP forbids them);
// everything is delegated from the document so that it keeps working after htmx swaps.
(function () {
  "use strict";

  function pickPerson(button) {
    var picker = button.closest("[data-picker]");
    if (!picker) return;
    var chosen = picker.querySelector("#chosen");
    var id = button.getAttribute("data-pick-person");
    if (!chosen.querySelector('input[name="person_id"][value="' + id + '"]')) {
      var chip = document.createElement("span");
      chip.className = "chip person-chip";
      chip.appendChild(document.createTextNode(button.getAttribute("data-name")));
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "person_id";
      hidden.value = id;
      chip.appendChild(hidden);
      var x = document.createElement("button");
      x.type = "button";
      x.className = "chip-x";
      x.setAttribute("data-remove-chip", "");
      x.setAttribute("aria-label", "Remove " + button.getAttribute("data-name"));
      x.textContent = "×";
      chip.appendChild(x);
      chosen.appendChild(chip);
    }
    var input = picker.querySelector("input[name=who]");
    input.value = "";
    picker.querySelector(".suggest").innerHTML = "";
    input.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var pick = target.closest("[data-pick-person]");
    if (pick) {
      event.preventDefault();
      pickPerson(pick);
      return;
    }
    var remove = target.closest("[data-remove-chip]");
    if (remove) {
      event.preventDefault();
      remove.closest(".chip").remove();
      return;
    }
    var copy = target.closest("[data-copy]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          copy.textContent = "Copied";
          setTimeout(function () { copy.textContent = "Copy"; }, 1500);
        });
      }
    }
  });

  // The import's format follows the chosen file (the server guesses too, from its lines).
  var BY_EXTENSION = { vcf: "vcard", vcard: "vcard", ics: "ics", ical: "ics", mbox: "mbox",
    json: "facebook", csv: "csv" };
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-format-follows")) return;
    var select = document.getElementById(input.getAttribute("data-format-follows"));
    var file = input.files && input.files[0];
    if (!select || !file) return;
    var name = file.name.toLowerCase();
    var ext = name.split(".").pop();
    var fmt = /connections|messages|invitations/.test(name) ? "linkedin" : BY_EXTENSION[ext];
    select.value = fmt && select.querySelector('option[value="' + fmt + '"]') ? fmt : "auto";
  });

  // Every form that posts shows it is busy (posts can take a second) and is not sent twice.
  // Asks first (Skip, Delete, Remove, Merge): in the capture phase, before htmx sends it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var asker = event.submitter && event.submitter.hasAttribute("data-confirm")
      ? event.submitter : (form.hasAttribute("data-confirm") ? form : null);
    if (asker && !window.confirm(asker.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") return;
    if (event.defaultPrevented && !form.hasAttribute("hx-post")) return;
    form.setAttribute("aria-busy", "true");
    form.classList.add("is-busy");
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (button) {
      button.classList.add("is-busy");
      // Disabled after the submit event, so its name/value are still sent.
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    form.removeAttribute("aria-busy");
    form.classList.remove("is-busy");
    form.querySelectorAll("button.is-busy").forEach(function (b) {
      b.classList.remove("is-busy");
      b.disabled = false;
    });
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-check-all")) return;
    var name = box.getAttribute("data-check-all");
    box.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (b) {
      b.checked = box.checked;
    });
  });

  // A suggestion list arriving after a pick (the typing that led to it) is not shown.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "suggest") return;
    var input = target.closest("[data-picker]").querySelector("input[name=who]");
    if (!input.value.trim()) event.detail.shouldSwap = false;
  });

  // Enter in the people picker takes the highlighted (else the first) suggestion instead of
  // sending the form; the arrow keys move the highlight.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "who") return;
    var picker = input.closest("[data-picker]");
    var options = picker ? Array.prototype.slice.call(picker.querySelectorAll("[data-pick-person]")) : [];
    if (!options.length) return;
    var at = options.findIndex(function (o) { return o.classList.contains("is-active"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? Math.min(at + 1, options.length - 1) : Math.max(at - 1, 0);
      options.forEach(function (o, i) {
        o.classList.toggle("is-active", i === next);
        o.setAttribute("aria-selected", i === next ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[next].id || "");
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      pickPerson(options[at >= 0 ? at : 0]);
    }
  });

  // Keys: "/" searches people anywhere; on Today, j/k move between actions and d marks the
  // current one done. Never while typing in a field.
  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (event.key === "/") {
      var search = document.getElementById("q");
      event.preventDefault();
      if (search) { search.focus(); search.select(); } else { window.location.href = "/people"; }
      return;
    }
    var cards = Array.prototype.slice.call(document.querySelectorAll("ol.actions > li.action:not(.is-done)"));
    if (!cards.length) return;
    var current = cards.indexOf(document.activeElement && document.activeElement.closest ? document.activeElement.closest("li.action") : null);
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      var i = current < 0 ? 0 : Math.max(0, Math.min(cards.length - 1, current + (event.key === "j" ? 1 : -1)));
      cards.forEach(function (c, n) { c.classList.toggle("is-current", n === i); });
      cards[i].focus();
      cards[i].scrollIntoView({ block: "nearest" });
    } else if (event.key === "d" && current >= 0) {
      var done = cards[current].querySelector('button[value="done"]');
      if (done) { event.preventDefault(); done.click(); }
    }
  });

  // Sortable People columns (the rows of the page shown; the list itself is by name).
  function sortKey(cell, how) {
    if (!cell) return "";
    if (how === "strength") {
      var bar = cell.querySelector(".meter span");
      return bar ? parseFloat(bar.style.width) || 0 : -1;
    }
    if (how === "number") {
      var n = parseFloat(cell.textContent.replace(/[^0-9.+-]/g, ""));
      return isNaN(n) ? -Infinity : n;
    }
    if (how === "date") {
      var when = cell.querySelector("[title]");
      var v = when ? when.getAttribute("title") : "";
      return /^\d{4}-/.test(v) ? v : "";
    }
    return cell.textContent.trim().toLowerCase();
  }
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("th.sortable button");
    if (!button) return;
    var th = button.closest("th");
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var how = th.getAttribute("data-sort");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortKey(a.cells[index], how), y = sortKey(b.cells[index], how);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });

  // After Done (or snooze, skip) the header counts what is left.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("action")) {
      var summary = document.getElementById("today-summary");
      if (!summary || !event.detail.xhr || event.detail.xhr.status >= 400) return;
      if (!/is-done/.test(event.detail.serverResponse || "")) return;
      var left = Math.max(0, parseInt(summary.getAttribute("data-left"), 10) - 1);
      var minutes = Math.max(0, parseInt(summary.getAttribute("data-minutes"), 10) -
        parseInt(target.getAttribute("data-minutes") || "0", 10));
      summary.setAttribute("data-left", left);
      summary.setAttribute("data-minutes", minutes);
      document.getElementById("today-count").textContent =
        left + (left === 1 ? " action left" : " actions left");
      document.getElementById("today-minutes").textContent =
        minutes + " of " + summary.getAttribute("data-budget") + " minutes left";
    }
  });
})();
