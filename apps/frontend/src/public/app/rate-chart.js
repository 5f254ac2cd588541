// The chart of the last two minutes: achieved and target rate, the burst share, and the
// watcher's thresholds when it is relayed. Chart.js comes from the app (/vendor/chart.js/).
import { clock } from './figures.js';

const CHART_WINDOW_MS = 120_000;

const line = (label, color, extra) => ({
  label,
  data: [],
  borderColor: color,
  backgroundColor: color,
  yAxisID: 'rate',
  pointRadius: 0,
  borderWidth: 2,
  ...extra,
});

/** The chart on `canvas`: `showHistory(list)`, `add(stats)`, `showThresholds(thresholds)`. */
export function createRateChart(canvas) {
  // Drawn in this order from the back: the share area, achieved, the thresholds, then the target on
  // top (a lower `order` is drawn later), dashed and darker, so it never hides under the achieved line.
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        line('Achieved req/s', '#0d6efd', { order: 3 }),
        line('Target req/s', '#212529', { order: 0, borderDash: [6, 4], stepped: true }),
        line('Burst share %', '#fd7e14', {
          yAxisID: 'share',
          backgroundColor: 'rgba(253,126,20,0.15)',
          fill: true,
          stepped: true,
          order: 4,
        }),
        line('High threshold', '#dc3545', { borderWidth: 1.5, borderDash: [2, 3], order: 1, hidden: true }),
        line('Low threshold', '#198754', { borderWidth: 1.5, borderDash: [2, 3], order: 1, hidden: true }),
        line('Primary capacity', '#6f42c1', { borderWidth: 1.5, borderDash: [8, 3, 2, 3], order: 1, hidden: true }),
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          ticks: { maxTicksLimit: 7, callback: (value) => clock(value) },
        },
        rate: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'req/s' } },
        share: {
          type: 'linear',
          position: 'right',
          min: 0,
          max: 100,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'burst %' },
        },
      },
      plugins: {
        // Lines in the legend drawn as lines, not boxes; a line not drawn is not in the legend.
        legend: {
          position: 'bottom',
          labels: {
            usePointStyle: true,
            pointStyle: 'line',
            filter: (item, data) => !data.datasets[item.datasetIndex].hidden,
          },
        },
        tooltip: { callbacks: { title: (items) => (items.length ? clock(items[0].parsed.x) : '') } },
      },
    },
  });
  const [achievedSet, targetSet, shareSet, highSet, lowSet, capacitySet] = chart.data.datasets;
  let thresholds = null;
  let latestAt = null;

  /** The window ends at the newest stats; the thresholds span it. */
  const slide = () => {
    if (latestAt === null) return;
    const start = latestAt - CHART_WINDOW_MS;
    for (const dataset of [achievedSet, targetSet, shareSet])
      while (dataset.data.length > 0 && dataset.data[0].x < start) dataset.data.shift();
    chart.options.scales.x.min = start;
    chart.options.scales.x.max = latestAt;
    const level = (dataset, value) => {
      dataset.hidden = value === null || value === undefined;
      dataset.data = dataset.hidden
        ? []
        : [
            { x: start, y: value },
            { x: latestAt, y: value },
          ];
    };
    level(highSet, thresholds && thresholds.highRps);
    level(lowSet, thresholds && thresholds.lowRps);
    level(capacitySet, thresholds && thresholds.primaryCapacityRps);
    if (thresholds) {
      highSet.label = `High threshold ${thresholds.highRps} req/s`;
      lowSet.label = `Low threshold ${thresholds.lowRps} req/s`;
      capacitySet.label = `Primary capacity ${thresholds.primaryCapacityRps} req/s`;
    }
    chart.update('none');
  };
  const addPoint = (stats) => {
    latestAt = stats.at;
    achievedSet.data.push({ x: stats.at, y: stats.achievedRate });
    targetSet.data.push({ x: stats.at, y: stats.targetRate });
    shareSet.data.push({ x: stats.at, y: stats.burstShare === null ? null : Math.round(stats.burstShare * 1000) / 10 });
  };

  return {
    showHistory(history) {
      for (const dataset of [achievedSet, targetSet, shareSet]) dataset.data = [];
      for (const stats of history) addPoint(stats);
      slide();
    },
    add(stats) {
      addPoint(stats);
      slide();
    },
    showThresholds(next) {
      thresholds = next;
      slide();
    },
  };
}
