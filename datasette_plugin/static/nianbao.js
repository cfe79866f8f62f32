/* nianbao: choices for canned-query parameters, a grouped region selector on the dashboard,
   and "show all columns" on the compact reports table. Talks to this server only (/-/nianbao/choices.json). */
(function () {
  "use strict";
  var script = document.currentScript;
  var root = (script && script.src) ? script.src.replace(/\/-\/nianbao\.js.*$/, "") : "";
  var CHOICES_URL = root + "/-/nianbao/choices.json";
  var REGION_PARAM = /^(region|province|city|county|place)$/i;
  var KEY_PARAM = /^(key|metric|metric_key)$/i;
  var YEAR_PARAM = /^(year|report_year)$/i;
  var LEVEL_PARAM = /^(level|agency_level)$/i;
  var INDICATOR_PARAM = /^indicator$/i;
  var choicesPromise = null;

  function loadChoices() {
    if (!choicesPromise) {
      choicesPromise = fetch(CHOICES_URL, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) { throw new Error("choices " + r.status); }
        return r.json();
      });
    }
    return choicesPromise;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function option(value, label) { return el("option", {value: value}, label); }

  /* Groups: [[label, [[value, text], ...]], ...] */
  function regionGroups(data, which) {
    var groups = [];
    var levels = [["provinces", "省级 Provinces"], ["cities", "市级 Cities"], ["counties", "县级 Counties/districts"]];
    levels.forEach(function (level) {
      if (which && which !== level[0]) { return; }
      var items = (data[level[0]] || []).map(function (r) { return [r.name, r.name + " (" + r.reports + ")"]; });
      if (items.length) { groups.push([level[1], items]); }
    });
    return groups;
  }

  function keyGroups(data) {
    var bySection = {};
    var order = [];
    (data.keys || []).forEach(function (k) {
      var section = k.in_archive ? "in_archive" : k.section;
      if (!bySection[section]) { bySection[section] = []; order.push(section); }
      bySection[section].push([k.key, (k.label_zh || k.key) + " — " + k.key + (k.unit ? " (" + k.unit + ")" : "")]);
    });
    order.sort(function (a, b) { return (a === "in_archive" ? -1 : 0) - (b === "in_archive" ? -1 : 0); });
    return order.map(function (section) {
      var label = section === "in_archive" ? "本档案中出现的指标 Keys in this archive"
        : ((data.sections || {})[section] || section);
      return [label, bySection[section]];
    });
  }

  function fillSelect(select, groups, current, blank) {
    select.appendChild(option("", blank));
    groups.forEach(function (group) {
      var optgroup = el("optgroup", {label: group[0]});
      group[1].forEach(function (item) {
        var o = option(item[0], item[1]);
        if (item[0] === current) { o.selected = true; }
        optgroup.appendChild(o);
      });
      select.appendChild(optgroup);
    });
  }

  function groupsFor(name, data) {
    if (KEY_PARAM.test(name)) { return keyGroups(data); }
    if (YEAR_PARAM.test(name)) {
      return [["报告年度 Report years", (data.years || []).map(function (y) { return [String(y), String(y)]; })]];
    }
    if (LEVEL_PARAM.test(name)) {
      return [["机关层级 Agency levels (empty: governments' own reports)", (data.levels || []).map(function (l) {
        return [l.level, l.label_zh + " " + l.level]; })]];
    }
    if (INDICATOR_PARAM.test(name)) {
      return [["派生指标 Derived indicators", (data.indicators || []).map(function (i) {
        return [i.indicator, i.label_zh + " " + i.indicator]; })]];
    }
    if (REGION_PARAM.test(name)) {
      var which = {province: "provinces", city: "cities", county: "counties"}[name.toLowerCase()];
      return regionGroups(data, which);
    }
    return null;
  }

  /* Canned queries: a select of choices beside each known parameter; the text box stays for free input. */
  function enhanceQueryForm(form) {
    var inputs = Array.prototype.filter.call(form.querySelectorAll("input[type=text][name]"), function (input) {
      return KEY_PARAM.test(input.name) || YEAR_PARAM.test(input.name) || REGION_PARAM.test(input.name) ||
        LEVEL_PARAM.test(input.name) || INDICATOR_PARAM.test(input.name);
    });
    if (!inputs.length) { return; }
    loadChoices().then(function (data) {
      inputs.forEach(function (input) {
        var groups = groupsFor(input.name, data);
        if (!groups || !groups.length) { return; }
        var listId = "nb-choices-" + input.name;
        var datalist = el("datalist", {id: listId});
        groups.forEach(function (g) { g[1].forEach(function (item) { datalist.appendChild(option(item[0], item[1])); }); });
        input.setAttribute("list", listId);
        input.setAttribute("autocomplete", "off");
        var select = el("select", {"class": "nb-param-choices", "data-param": input.name,
                                   "aria-label": "choices for " + input.name});
        fillSelect(select, groups, input.value, "选择 choose " + input.name + " …");
        select.addEventListener("change", function () { if (select.value) { input.value = select.value; } });
        input.addEventListener("input", function () {
          select.value = Array.prototype.some.call(select.options, function (o) { return o.value === input.value; })
            ? input.value : "";
        });
        input.insertAdjacentElement("afterend", select);
        input.insertAdjacentElement("afterend", datalist);
      });
    }).catch(function (error) { console.warn("nianbao: no parameter choices", error); });
  }

  /* Dashboard: the region filter as one select grouped provinces → cities → counties. */
  function enhanceDashboard() {
    var form = document.querySelector(".dashboard-filters form");
    if (!form) { return; }
    var current = form.querySelector("[name=region]");
    if (!current) { return; }
    loadChoices().then(function (data) {
      var select = el("select", {id: "region", name: "region", "class": "nb-region-select"});
      fillSelect(select, regionGroups(data), current.value, "全部地区 All regions");
      if (current.value && select.value !== current.value) {  // a value the archive does not list
        select.insertBefore(option(current.value, current.value), select.options[1]).selected = true;
      }
      var list = current.getAttribute("list") && document.getElementById(current.getAttribute("list"));
      if (list) { list.remove(); }
      current.replaceWith(select);
    }).catch(function (error) { console.warn("nianbao: region choices unavailable", error); });
  }

  /* The reports table opens on a compact column set; Datasette's "Show all columns" must say so. */
  function showAllColumnsLink() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.dropdown-show-all-columns");
      if (!link || !document.body.classList.contains("table-reports")) { return; }
      var url = new URL(link.href, location.href);
      url.searchParams.set("_all", "1");
      link.href = url.toString();
    }, true);
  }

  function ready() {
    var sqlForm = document.querySelector("body.query form.sql");
    if (sqlForm) { enhanceQueryForm(sqlForm); }
    enhanceDashboard();
    showAllColumnsLink();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
