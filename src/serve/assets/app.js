// medic's dashboard in the browser: draws the latency charts, copies commands, and swaps <main> for the
// server's fresh one when the event stream says something changed (polling if the stream cannot stay up).
/* global document, window, location, navigator, fetch, EventSource, CustomEvent, Element, uPlot, setTimeout, clearTimeout, setInterval */
'use strict';

(function () {
  const main = document.getElementById('main');
  const live = document.getElementById('live');
  const charts = [];

  function setLive(state, text) {
    if (!live) return;
    live.className = `live live-${state}`;
    live.textContent = text;
  }

  function drawCharts() {
    while (charts.length) charts.pop().destroy();
    if (typeof uPlot !== 'function') return;
    for (const el of document.querySelectorAll('.chart[data-series]')) {
      let s;
      try {
        s = JSON.parse(el.dataset.series);
      } catch {
        continue;
      }
      el.textContent = '';
      const width = Math.max(200, el.clientWidth || 320);
      const opts = {
        width,
        height: 90,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 5 } },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(10, max * 1.15)] } },
        axes: [
          { size: 22, font: '10px system-ui', stroke: '#888', grid: { show: false }, ticks: { size: 3 } },
          {
            size: 52,
            font: '10px system-ui',
            stroke: '#888',
            grid: { stroke: 'rgba(128,128,128,0.15)' },
            values: (u, vals) => vals.map((v) => `${v} ms`),
          },
        ],
        series: [
          {},
          { label: 'latency', stroke: '#2f7ed8', width: 1.5, fill: 'rgba(47,126,216,0.12)', spanGaps: false },
          {
            label: 'failed',
            stroke: '#d9534f',
            width: 0,
            points: { show: true, size: 6, fill: '#d9534f', stroke: '#d9534f' },
          },
        ],
      };
      charts.push(new uPlot(opts, [s.t, s.ms, s.failed], el));
    }
  }

  async function copy(text, button) {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // not a secure context (a plain http address beyond loopback): the old way
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    const was = button.textContent;
    button.textContent = 'copied';
    setTimeout(() => (button.textContent = was), 1200);
  }

  document.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button.copy') : null;
    if (button) void copy(button.dataset.copy || '', button);
  });

  let refreshing = false;
  let again = false;
  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const res = await fetch(location.pathname + location.search, {
        headers: { 'x-medic-part': 'main' },
        cache: 'no-store',
      });
      if (res.ok && main) {
        main.innerHTML = await res.text();
        drawCharts();
        document.dispatchEvent(new CustomEvent('medic:updated'));
      }
    } catch {
      setLive('off', 'offline');
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  let mark = null;
  let pollTimer = null;
  function listen() {
    if (!('EventSource' in window)) return poll();
    const events = new EventSource('/api/events');
    events.addEventListener('hello', (e) => {
      setLive('on', 'live');
      if (mark !== null && e.data !== mark) void refresh();
      mark = e.data;
    });
    events.addEventListener('change', (e) => {
      mark = e.data;
      void refresh();
    });
    events.onerror = () => setLive('off', 'reconnecting');
  }
  function poll() {
    setLive('on', 'live (polling)');
    pollTimer = setInterval(() => void refresh(), 10000);
  }

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawCharts, 200);
  });
  // The page paints first, the charts just after it (their boxes keep their height meanwhile): a page of
  // many services is readable before every chart is drawn.
  window.requestAnimationFrame(() =>
    setTimeout(() => {
      drawCharts();
      window.performance.mark('medic:charts');
    }, 0),
  );
  listen();
  void pollTimer;
})();
