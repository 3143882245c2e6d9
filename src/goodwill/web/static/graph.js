// goodwill: graphs drawn with the vendored cytoscape. Each [data-graph] element names the
// <script type="application/json"> element holding its nodes and edges (no inline script:
// the CSP forbids it). Clicking a person opens their page.
(function () {
  "use strict";

  var INK = "#1d2a33", MUTED = "#6b7780", LINE = "#cdd3cc", ACCENT = "#0f766e";
  // Calm colours for organisations on the network map (index = cluster number).
  var PALETTE = ["#0f766e", "#2f6f9f", "#8a5a12", "#7b4e9a", "#a33a2a", "#3f6b2a",
    "#b0527a", "#1f6f8b", "#8c6d1f", "#5b6b7a", "#6d5bb5", "#2e7d4f"];

  function clusterColour(ele) {
    var c = ele.data("cluster");
    return c === undefined || c < 0 ? "#a7b0b3" : PALETTE[c % PALETTE.length];
  }

  // Wide enough for the name written inside (about 7 px a character at 11 px, bold).
  function labelWidth(ele) {
    return Math.max(34, String(ele.data("label") || "").length * 7 + 8);
  }

  var needStyle = [
    { selector: "node", style: {
      "label": "data(label)", "font-size": 11, "color": INK, "text-valign": "bottom",
      "text-margin-y": 4, "width": 22, "height": 22, "background-color": "#9fb3ad",
      "border-width": 2, "border-color": "#fff", "text-wrap": "wrap", "text-max-width": 90 } },
    { selector: "node[kind = 'me']", style: { "background-color": INK, "width": 28, "height": 28 } },
    { selector: "node[kind = 'helper']", style: { "background-color": ACCENT, "width": 26, "height": 26 } },
    // The target's name inside its box: a label below it ran into its neighbours'.
    { selector: "node[kind = 'target']", style: {
      "shape": "round-rectangle", "background-color": "#f6ecd9", "border-color": "#8a5a12",
      "border-width": 1.5, "width": labelWidth, "height": 22, "padding": 6, "font-weight": 600,
      "text-valign": "center", "text-halign": "center", "text-margin-y": 0, "text-wrap": "none",
      "color": "#5c3d0c" } },
    { selector: "edge", style: {
      "width": 2, "line-color": LINE, "curve-style": "bezier",
      "target-arrow-shape": "triangle", "target-arrow-color": LINE, "arrow-scale": 0.8,
      "opacity": 0.8 } },
    { selector: "edge[weight]", style: { "width": "mapData(weight, 0, 1, 1, 5)" } },
    { selector: "node[href]:active, node[href]:selected", style: { "overlay-opacity": 0.08 } }
  ];

  var networkStyle = [
    { selector: "node", style: {
      "width": 8, "height": 8,
      "background-color": clusterColour, "border-width": 1, "border-color": "#fff",
      "label": "data(label)", "font-size": 9, "color": INK, "text-valign": "bottom",
      "text-margin-y": 2, "min-zoomed-font-size": 6 } },
    // Sized by strength only where there is one: a mapping on a node without the data
    // makes cytoscape warn once per node.
    { selector: "node[strength]", style: {
      "width": "mapData(strength, 0, 1, 8, 44)", "height": "mapData(strength, 0, 1, 8, 44)" } },
    { selector: "node[kind = 'me']", style: { "background-color": INK, "width": 30, "height": 30, "label": "You" } },
    { selector: "node[[degree = 0]]", style: { "opacity": 0.85 } },
    { selector: ":parent", style: {
      "background-opacity": 0.05, "background-color": clusterColour, "border-color": clusterColour,
      "border-width": 1, "border-opacity": 0.35, "shape": "round-rectangle",
      "label": "data(label)", "font-size": 12, "font-weight": 600, "color": clusterColour,
      "text-valign": "top", "text-halign": "center", "padding": 10 } },
    { selector: "edge", style: {
      "width": 0.8, "line-color": "#c9d0ca", "opacity": 0.55, "curve-style": "haystack" } },
    { selector: "node.faded, edge.faded", style: { "opacity": 0.12 } },
    { selector: "node.focus", style: { "border-width": 3, "border-color": "#f2b705" } },
    // The person found by the search: labelled at any zoom, above the others.
    { selector: "node.found", style: {
      // Same font as the others (a bigger one is clipped to the old label's cached width):
      // the zoom makes it readable.
      "min-zoomed-font-size": 0, "z-index": 10, "color": "#000000",
      "text-background-color": "#ffffff", "text-background-opacity": 0.85,
      "text-background-padding": 2 } }
  ];

  // Each organisation's people on a circle (strongest first; a large organisation, and the
  // people without a shared one, fill a disc instead: one ring of 70 would be 1,200 px
  // across), the clusters packed in rows as wide as the box's shape asks for: clusters
  // never overlap, the map fills its box rather than a thin column, and it is instant.
  var RING_MAX = 16;

  function clusterRadius(count, disc) {
    if (count === 1) return 0;
    return disc ? Math.max(40, Math.sqrt(count) * 34) : Math.max(40, count * 52 / (2 * Math.PI));
  }

  function clusterPositions(nodes, aspect) {
    var groups = {}, order = [];
    nodes.forEach(function (n) {
      if (!n.href) return;
      var key = n.cluster >= 0 ? n.cluster : "none";
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(n);
    });
    order.sort(function (a, b) {
      if (a === "none") return 1;
      if (b === "none") return -1;
      return groups[b].length - groups[a].length;
    });
    var shapes = order.map(function (key) {
      var members = groups[key].sort(function (a, b) { return b.strength - a.strength; });
      var disc = key === "none" || members.length > RING_MAX;
      var radius = clusterRadius(members.length, disc);
      return { members: members, disc: disc, radius: radius, size: 2 * radius + 90 };
    });
    // Rows as wide as a rectangle of the box's shape holding every cluster's square would
    // be (a little wider: rows leave gaps), and never narrower than the widest cluster.
    var area = 0, widest = 0;
    shapes.forEach(function (s) { area += s.size * s.size; widest = Math.max(widest, s.size); });
    var width = Math.max(widest, 1.15 * Math.sqrt(area * aspect));
    var out = {}, x = 0, y = 0, rowHeight = 0;
    shapes.forEach(function (s) {
      if (x > 0 && x + s.size > width) { x = 0; y += rowHeight; rowHeight = 0; }
      var cx = x + s.size / 2, cy = y + s.size / 2;
      s.members.forEach(function (n, i) {
        var angle = 2 * Math.PI * i / s.members.length - Math.PI / 2;
        // A disc is a sunflower spiral: the strongest at the centre, evenly spread.
        var r = s.disc ? s.radius * Math.sqrt((i + 0.5) / s.members.length) : s.radius;
        if (s.disc) angle = i * 2.39996;
        out[n.id] = { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) };
      });
      x += s.size;
      rowHeight = Math.max(rowHeight, s.size);
    });
    return out;
  }
  // For the browser tests, which check the layout on networks of any shape.
  window.goodwillClusterPositions = clusterPositions;

  // The box's width over its height; a box not laid out yet (hidden, no size) gets the
  // large map's usual shape rather than one endless row.
  function boxAspect(box) {
    var w = box.clientWidth, h = box.clientHeight;
    return w > 0 && h > 0 ? w / h : 1.2;
  }

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-graph"));
    if (!source || typeof window.cytoscape !== "function") return;
    var data = JSON.parse(source.textContent);
    var network = box.getAttribute("data-kind") === "network";
    var elements = data.nodes.map(function (n) { return { data: n }; })
      .concat(data.edges.map(function (e) { return { data: e }; }));
    var cy = window.cytoscape({
      container: box,
      elements: elements,
      style: network ? networkStyle : needStyle,
      layout: network
        ? { name: "preset", positions: clusterPositions(data.nodes, boxAspect(box)), padding: 16 }
        : { name: "breadthfirst", directed: true, circle: data.nodes.length > 8, roots: "#me", spacingFactor: 0.9,
            padding: 12, avoidOverlap: true },
      minZoom: 0.2,
      maxZoom: 3,
      boxSelectionEnabled: false,
      autoungrabify: !network
    });
    cy.on("tap", "node[href]", function (event) {
      window.location.assign(event.target.data("href"));
    });
    if (network) {
      cy.on("mouseover", "node[href]", function (event) {
        var hood = event.target.closedNeighborhood();
        cy.elements().not(hood).not(":parent").addClass("faded");
        event.target.addClass("focus");
        box.setAttribute("title", event.target.data("label") + (event.target.data("org") ? " · " + event.target.data("org") : ""));
      });
      cy.on("mouseout", "node", function () {
        cy.elements().removeClass("faded focus");
      });
      var search = document.querySelector("[data-graph-search='" + box.id + "']");
      if (search) {
        search.addEventListener("input", function () {
          var term = search.value.trim().toLowerCase();
          cy.elements().removeClass("faded focus found");
          if (!term) {
            cy.animate({ fit: { eles: cy.elements(), padding: 16 } }, { duration: 200 });
            return;
          }
          var hits = cy.nodes("[href]").filter(function (n) {
            return (n.data("label") + " " + (n.data("org") || "")).toLowerCase().indexOf(term) >= 0;
          });
          cy.elements().not(hits).not(":parent").addClass("faded");
          hits.addClass("focus");
          if (hits.length && hits.length <= 5) {
            // Found: labelled, and centred at a zoom where the label reads.
            hits.addClass("found");
            cy.animate({ center: { eles: hits }, zoom: Math.max(cy.zoom(), 1.8) }, { duration: 250 });
          }
        });
      }
    }
    box.setAttribute("data-ready", "true");
  }

  function start() {
    document.querySelectorAll("[data-graph]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
