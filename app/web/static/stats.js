/* The statistics overview: a sortable table and four ECharts charts (vendored, no CDN). The
   chart data comes from the element's data-charts URL (/inbox/stats/charts.json); the map is
   the grid's own GeoJSON, so it draws without any map tiles. Charts resize with the window. */
(function () {
  "use strict";
  var microgrid = (window.microgrid = window.microgrid || {});
  microgrid.charts = {};

  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  }

  function sortBy(table, header, index) {
    var descending = header.getAttribute("aria-sort") !== "descending";
    var numeric = header.dataset.sort === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (numeric) {  // rows without a figure go last either way
        if (x === "" || y === "") return (x === "") - (y === "");
        return descending ? y - x : x - y;
      }
      return descending ? y.localeCompare(x, "zh-CN") : x.localeCompare(y, "zh-CN");
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th[data-sort]").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function sortable(table) {
    table.querySelectorAll("thead th[data-sort]").forEach(function (header, index) {
      header.addEventListener("click", function () { sortBy(table, header, index); });
    });
  }

  function chart(id, option) {
    var element = document.getElementById(id);
    if (!element) return;
    var instance = echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(option);
    microgrid.charts[id] = instance;
  }

  var grid = { left: 40, right: 16, top: 36, bottom: 28, containLabel: true };

  function drawDaily(data) {
    chart("chart-daily", {
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
      xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "source", data: s.data }; })
    });
  }

  function percent(values) { return values.map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; }); }

  function drawWeekly(data) {
    chart("chart-weekly", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      legend: { top: 0 }, grid: grid,
      xAxis: { type: "category", data: data.weeks.map(function (w) { return w.slice(5, 10); }) },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ name: "结案率", type: "line", connectNulls: true, data: percent(data.closure_rate) },
               { name: "按期结案率", type: "line", connectNulls: true, data: percent(data.on_time_rate) }]
    });
  }

  function drawCategories(rows) {
    var top = rows.slice().reverse();
    chart("chart-categories", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map(function (r) { return r.name; }), axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ name: "立案数", type: "bar", data: top.map(function (r) { return r.accepted; }), itemStyle: { color: "#0f4c81" } }]
    });
  }

  function drawCells(geojson) {
    echarts.registerMap("microgrid-cells", geojson);
    var values = geojson.features.map(function (f) { return f.properties.value; });
    var labels = {};
    geojson.features.forEach(function (f) { labels[f.properties.name] = f.properties.label; });
    chart("chart-cells", {
      tooltip: { trigger: "item", formatter: function (p) { return (labels[p.name] || p.name) + "：" + (p.value || 0) + " 件"; } },
      visualMap: { min: 0, max: Math.max(1, Math.max.apply(null, values.concat([0]))), left: 0, bottom: 0,
                   text: ["多", "少"], calculable: true, inRange: { color: ["#eef4fa", "#6aa1d4", "#0b3a63"] } },
      series: [{ name: "立案数", type: "map", map: "microgrid-cells", roam: true, aspectScale: 0.86,
                 itemStyle: { borderColor: "#ffffff", borderWidth: 0.5 }, emphasis: { label: { show: false } },
                 data: geojson.features.map(function (f) { return { name: f.properties.name, value: f.properties.value }; }) }]
    });
  }

  function loadCharts(container) {
    fetch(container.dataset.charts, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error("charts " + response.status); return response.json(); })
      .then(function (data) {
        drawDaily(data.daily);
        drawWeekly(data.weekly);
        drawCategories(data.top_categories);
        drawCells(data.cells);
        container.dataset.chartsReady = "1";
      })
      .catch(function (error) { container.dataset.chartsError = String(error); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-sortable]").forEach(sortable);
    var container = document.querySelector("[data-charts]");
    if (container && window.echarts) loadCharts(container);
    window.addEventListener("resize", function () {
      Object.keys(microgrid.charts).forEach(function (id) { microgrid.charts[id].resize(); });
    });
  });
})();
