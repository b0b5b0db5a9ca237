// Filter boxes over checkbox lists (templates/lms/_checkbox_list.html): typing hides the
// choices whose label does not contain the text; ticked ones always stay in sight.
// Without this script the box stays hidden and the whole list shows.
(function () {
  "use strict";
  document.querySelectorAll("input[data-filter-list]").forEach(function (box) {
    var list = document.getElementById(box.dataset.filterList);
    var count = document.querySelector('[data-filter-count="' + box.dataset.filterList + '"]');
    if (!list) return;
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    function apply() {
      var words = box.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (item) {
        var ticked = item.querySelector("input").checked;
        var match = !words || item.textContent.toLowerCase().indexOf(words) !== -1;
        // style, not the hidden attribute: a stylesheet's display:flex would override that.
        item.style.display = match || ticked ? "" : "none";
        if (match || ticked) shown += 1;
      });
      if (count) count.textContent = words ? shown + " of " + items.length + " shown" : "";
    }
    box.addEventListener("input", apply);
    box.closest("[hidden]").hidden = false;
    apply();
  });
})();
