// Marks each scroll frame (and the hint before it) with data-overflow: "yes" while its table
// is wider than the box and not scrolled to the end, "end" once it is, "no" when it fits.
// The CSS shows the shaded edge and the hint from that; without this script they follow the
// screen width instead (static/css/teams.css).
(function () {
  function update(frame) {
    var box = frame.querySelector(".table-scroll");
    if (!box) return;
    var state = "no";
    if (box.scrollWidth > box.clientWidth + 1) {
      state = box.scrollLeft + box.clientWidth >= box.scrollWidth - 1 ? "end" : "yes";
    }
    frame.setAttribute("data-overflow", state);
    var hint = frame.previousElementSibling;
    if (hint && hint.classList.contains("scroll-hint")) hint.setAttribute("data-overflow", state);
  }
  function all() {
    document.querySelectorAll("[data-scroll-frame]").forEach(update);
  }
  document.querySelectorAll("[data-scroll-frame]").forEach(function (frame) {
    var box = frame.querySelector(".table-scroll");
    if (box) box.addEventListener("scroll", function () { update(frame); }, { passive: true });
  });
  window.addEventListener("resize", all);
  all();
})();
