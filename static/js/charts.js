// Renders every element with data-chart from the JSON in the <script type="application/json">
// element it names. Options are built here so that templates hold data only (CSP: no inline JS).
(function () {
  "use strict";
  var palette = ["#1d4e89", "#3a7dc9", "#6aa5e0", "#f0a23b", "#d9534f", "#5cb85c", "#8e6bbf", "#999999"];

  function bar(data) {
    return {
      color: palette,
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 30, bottom: data.rotate ? 80 : 40 },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.rotate || 0, interval: 0 } },
      yAxis: { type: "value", name: data.unit || "" },
      series: (data.series || [{ name: data.name || "", values: data.values }]).map(function (s) {
        return { name: s.name, type: "bar", data: s.values, stack: data.stack ? "total" : undefined };
      }),
      legend: data.series ? { top: 0 } : undefined
    };
  }

  function line(data) {
    var option = bar(data);
    option.series = option.series.map(function (s) { s.type = "line"; s.smooth = true; return s; });
    return option;
  }

  function pie(data) {
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.labels.map(function (l, i) { return { name: l, value: data.values[i] }; }) }]
    };
  }

  var builders = { bar: bar, line: line, pie: pie };

  function render(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
      chart.setOption((builders[data.type] || bar)(data), true);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSettle", function (event) { render(event.target); });
})();
