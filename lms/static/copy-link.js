// Copy buttons beside read-only link boxes (templates/lms/calendar/_steps.html): a button
// with data-copy="ID" copies the value of the box #ID and says so in [data-copy-status="ID"].
// Without this script the buttons stay hidden and the box is selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("input[data-select-on-focus]").forEach(function (box) {
    box.addEventListener("focus", function () { box.select(); });
  });
  if (!navigator.clipboard) return; // only over https or on localhost
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var box = document.getElementById(button.dataset.copy);
    var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    if (!box) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(box.value).then(
        function () { if (status) status.textContent = "Copied."; },
        function () {
          box.focus();
          if (status) status.textContent = "Could not copy: the link is selected, copy it by hand.";
        }
      );
    });
  });
})();
