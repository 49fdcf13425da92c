// Draws the dispatch visualizer on the Metal kernel patterns page ("Shaping the launch").
// The arithmetic lives in dispatch-logic.js (window.metalDispatch); this file only reads the
// form, draws threadgroups and SIMD groups as plain HTML boxes, and reports in words.
(function () {
  "use strict";

  var MAX_X = 32; // threadgroup boxes drawn per row before eliding
  var MAX_Y = 8;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(v) {
    return "(" + v.join(", ") + ")";
  }

  function readDims(form, name) {
    return ["x", "y", "z"].map(function (axis) {
      var input = form.elements[name + "-" + axis];
      return Number(input.value);
    });
  }

  // One row of SIMD groups for a threadgroup of `threads` threads.
  function simdRow(plan, shape, label) {
    var row = el("div", "dv-simd");
    row.appendChild(el("p", "dv-caption", label));
    var bar = el("div", "dv-simd__bar");
    bar.setAttribute("aria-hidden", "true");
    var shown = Math.min(shape.simdGroups, 32);
    for (var i = 0; i < shown; i++) {
      var lanes = i === shape.simdGroups - 1 ? shape.lastSimdLanes : plan.simdWidth;
      var box = el("span", "dv-lane" + (lanes < plan.simdWidth ? " dv-lane--short" : ""));
      box.style.flexGrow = String(lanes);
      box.title = "SIMD group " + i + ": " + lanes + " lanes";
      bar.appendChild(box);
    }
    if (shown < shape.simdGroups) bar.appendChild(el("span", "dv-more", "…"));
    row.appendChild(bar);
    return row;
  }

  function groupGrid(plan) {
    var gx = plan.threadgroupsPerGrid[0];
    var gy = plan.threadgroupsPerGrid[1];
    var wrap = el("div", "dv-groups");
    wrap.setAttribute("aria-hidden", "true");
    var cols = Math.min(gx, MAX_X);
    var rows = Math.min(gy, MAX_Y);
    // Box sizes follow thread counts, so tail threadgroups are drawn smaller.
    var tail = [0, 1].map(function (d) { return plan.grid[d] % plan.effective[d]; });
    var widths = [];
    for (var c = 0; c < cols; c++) {
      widths.push((c === cols - 1 && tail[0] ? tail[0] : plan.effective[0]) + "fr");
    }
    var heights = [];
    for (var r = 0; r < rows; r++) {
      var share = r === rows - 1 && tail[1] ? tail[1] / plan.effective[1] : 1;
      heights.push(Math.max(0.3, 0.9 * share).toFixed(2) + "rem");
    }
    wrap.style.gridTemplateColumns = widths.join(" ");
    wrap.style.gridTemplateRows = heights.join(" ");
    for (var j = 0; j < rows; j++) {
      // Past the cap, the last row/column drawn stands for the grid's last (tail) one.
      var y = j === rows - 1 ? gy - 1 : j;
      for (var i = 0; i < cols; i++) {
        var x = i === cols - 1 ? gx - 1 : i;
        var partial = (x === gx - 1 && plan.grid[0] % plan.effective[0] !== 0) ||
          (y === gy - 1 && plan.grid[1] % plan.effective[1] !== 0);
        wrap.appendChild(el("span", "dv-group" + (partial ? " dv-group--partial" : "")));
      }
    }
    return wrap;
  }

  function render(form, out) {
    var grid = readDims(form, "grid");
    var threadgroup = readDims(form, "tg");
    var plan = window.metalDispatch.plan(grid, threadgroup);
    out.textContent = "";
    if (plan.error) {
      var err = el("p", "dv-error");
      err.appendChild(el("strong", null, plan.limit ? "ValueError: " : "Not a launch: "));
      err.appendChild(document.createTextNode(plan.error));
      out.appendChild(err);
      if (plan.limit) {
        out.appendChild(el("p", "dv-caption",
          "MLX checks x × y × z of the requested threadgroup against the pipeline's limit " +
          "(at most " + window.metalDispatch.MAX_THREADS_PER_THREADGROUP + "; lower for " +
          "register-heavy kernels) when the kernel is evaluated, before clamping it to the grid."));
      }
      return;
    }
    var summary = el("ul", "dv-summary");
    var lines = [
      "grid " + fmt(plan.grid) + ": exactly " + plan.threads.toLocaleString("en") + " threads run.",
      "threadgroup " + fmt(plan.requested) + (plan.clamped.length
        ? " is clamped to the grid: " + fmt(plan.effective) + "."
        : ": " + plan.effective[0] * plan.effective[1] * plan.effective[2] + " threads each."),
      plan.threadgroups.toLocaleString("en") + " threadgroups " + fmt(plan.threadgroupsPerGrid) +
        (plan.partialThreadgroups
          ? ", of which " + plan.partialThreadgroups.toLocaleString("en") + " partial (tail)."
          : ", all full."),
      plan.simdGroups.toLocaleString("en") + " SIMD groups of up to " + plan.simdWidth + " lanes.",
    ];
    lines.forEach(function (line) { summary.appendChild(el("li", null, line)); });
    out.appendChild(summary);

    var legend = el("p", "dv-caption",
      "Threadgroups in x (across) and y (down)" +
      (plan.threadgroupsPerGrid[2] > 1 ? ", one z layer of " + plan.threadgroupsPerGrid[2] : "") +
      (plan.threadgroupsPerGrid[0] > MAX_X || plan.threadgroupsPerGrid[1] > MAX_Y
        ? "; large grids are elided, the last box standing for the last threadgroup" : "") +
      (plan.grid[2] % plan.effective[2] ? "; z has a partial layer too" : "") +
      ". Dashed boxes are partial threadgroups, drawn to scale.");
    out.appendChild(legend);
    out.appendChild(groupGrid(plan));
    plan.shapes.forEach(function (shape) {
      var label = (shape.partial ? "Partial threadgroup " : "Full threadgroup ") +
        fmt(shape.size) + " × " + shape.count.toLocaleString("en") + ": " + shape.threads +
        " threads = " + shape.simdGroups + " SIMD group" + (shape.simdGroups > 1 ? "s" : "") +
        (shape.lastSimdLanes < plan.simdWidth ? ", the last with " + shape.lastSimdLanes +
          " lanes" : "") + ".";
      out.appendChild(simdRow(plan, shape, label));
    });
  }

  function init(root) {
    root.querySelectorAll("form.dispatch-visualizer").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      var out = form.querySelector(".dv-output");
      var update = function () { render(form, out); };
      form.addEventListener("input", update);
      form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
      update();
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { init(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
