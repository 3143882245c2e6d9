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

  // Enter in the people picker takes the first suggestion instead of sending the form.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !(input instanceof HTMLInputElement) || input.name !== "who") return;
    var picker = input.closest("[data-picker]");
    var first = picker && picker.querySelector("[data-pick-person]");
    if (first) {
      event.preventDefault();
      pickPerson(first);
    }
  });
})();
