// A Plotly chart drawn again in place (Plotly.react) when its figure changes, so a k step
// keeps the chart, its WebGL context and its size instead of mounting a new one.
// Mounted by ui/live_chart.py, which sends {plotly, spec, config, revision, selectable}.

// Streamlit's own charts load plotly.js and leave it on `window` (on the Segments page the
// elbow chart, above the scatter, loads it first): drawing with that copy spares the page a
// second 4.8 MB script. This app's copy of the pinned plotly package is the fallback.
let plotlyLoading = null;

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(url, document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error(`plotly.js did not load from ${url}`));
      document.head.appendChild(script);
    });
  }
  return plotlyLoading;
}

function chartRoot(parentElement) {
  let root = parentElement.querySelector(":scope > .live-chart");
  if (!root) {
    root = document.createElement("div");
    root.className = "live-chart";
    root.style.width = "100%";
    parentElement.appendChild(root);
  }
  return root;
}

function pageLook(figure, element) {
  // The page's font and text colours, as st.plotly_chart's theme draws the other charts:
  // text in the page's colour, titles bold, axis ticks and titles small and faded. The
  // figure's own settings win.
  const style = getComputedStyle(element);
  const text = style.color;
  const faded = text.replace(/^rgb\((.*)\)$/, "rgba($1, 0.6)");
  const layout = figure.layout || (figure.layout = {});
  layout.font = { family: style.fontFamily, color: text, ...layout.font };
  if (layout.title) layout.title.font = { weight: "bold", ...layout.title.font };
  for (const name of Object.keys(layout).filter((key) => /^[xy]axis\d*$/.test(key))) {
    const axis = layout[name];
    axis.tickfont = { color: faded, size: 12, ...axis.tickfont };
    if (axis.title) axis.title.font = { color: faded, size: 12, ...axis.title.font };
  }
  layout.autosize = true;
  return figure;
}

function listenForSelections(root, setStateValue) {
  const send = (points) =>
    setStateValue("selection", {
      revision: root.dataset.revision,
      points: points.map((p) => ({ customdata: p.customdata })),
    });
  root.on("plotly_selected", (event) => send((event && event.points) || []));
  root.on("plotly_deselect", () => send([]));
}

function draw(root, data, setStateValue) {
  loadPlotly(data.plotly).then(async (Plotly) => {
    if (root.dataset.wanted !== data.revision) return; // a newer figure came meanwhile
    const figure = pageLook(JSON.parse(data.spec), root);
    await Plotly.react(root, figure.data, figure.layout, data.config);
    root.dataset.revision = data.revision;
    if (data.selectable && !root.dataset.listening) {
      listenForSelections(root, setStateValue);
      root.dataset.listening = "yes";
    }
  });
}

export default function ({ data, parentElement, setStateValue }) {
  const root = chartRoot(parentElement);
  if (root.dataset.wanted !== data.revision) {
    root.dataset.wanted = data.revision;
    draw(root, data, setStateValue);
  }
  // Called when the chart leaves the page (not on a redraw): free its WebGL context now
  // rather than when the browser collects it, and start afresh if mounted here again.
  return () => {
    root.remove();
    loadPlotly(data.plotly).then((Plotly) => Plotly.purge(root));
  };
}
