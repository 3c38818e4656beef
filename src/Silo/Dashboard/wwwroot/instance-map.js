// The instance map: every container instance of a lane drawn to scale on a canvas, its tasks as blocks.
//
// An instance is a box whose width is its registered CPU and whose height its registered memory, both against the
// largest instance of the cluster, so a t3.small (2 vCPU, 2 GiB) is as wide as an m5.large (2 vCPU, 8 GiB) and a
// quarter as tall. The box holds two bars filled left to right in the same task order: the upper bar is CPU, the
// lower bar memory, each task a block as long as its share of the instance's CPU (upper) and memory (lower). A bar
// that reaches the right edge is the resource that binds: binpack fills a few boxes to an edge and leaves others
// empty, spread gives every box short bars. Instances still launching (ASG Pending) or registering are dashed
// outlines; the PROVISIONING queue and Fargate tasks are squares under the boxes.
//
// Drawing is batched by fill style (one path per style), so 10,000 tasks cost a few thousand path operations.

import { INSTANCE } from './colours.js';

const SCALES = [180, 150, 124, 104, 88, 74, 62, 52, 44, 38, 32, 27, 23, 19, 16, 13, 11, 9, 7, 6];
const ASPECT = 0.75;

/** The largest CPU and memory of any instance (registered or launching), the unit boxes are scaled against. */
export function extent(snapshot) {
  let maxCpu = 1, maxMem = 1;
  for (const i of snapshot.instances) { maxCpu = Math.max(maxCpu, i.cpu); maxMem = Math.max(maxMem, i.mem); }
  for (const i of snapshot.launching) { if (i.cpu) { maxCpu = Math.max(maxCpu, i.cpu); maxMem = Math.max(maxMem, i.mem); } }
  return { maxCpu, maxMem };
}

function gapFor(unit) { return unit >= 40 ? 6 : unit >= 16 ? 3 : 2; }

function squareFor(unit, count) {
  if (count > 4000) return 3;
  if (count > 1500) return 4;
  return unit >= 40 ? 9 : unit >= 16 ? 7 : 5;
}

/**
 * Positions of one lane's boxes and squares at a unit size (px for the largest instance's width), flowing left to
 * right and wrapping at the width.
 */
export function layoutLane(laneInstances, laneLaunching, unplaced, unit, width, ext) {
  const unplacedCount = unplaced.length;
  const gap = gapFor(unit);
  const cells = [];
  let x = 0, y = 0, rowH = 0;
  const place = (w, h, kind, ref) => {
    if (x > 0 && x + w > width) { x = 0; y += rowH + gap; rowH = 0; }
    cells.push({ x, y, w, h, kind, ref });
    x += w + gap;
    rowH = Math.max(rowH, h);
  };
  const size = (cpu, mem) => [Math.max(4, Math.round((cpu / ext.maxCpu) * unit)), Math.max(4, Math.round((mem / ext.maxMem) * unit * ASPECT))];
  for (const i of laneInstances) place(...size(i.cpu, i.mem), 'instance', i);
  for (const i of laneLaunching) {
    const [w, h] = i.cpu ? size(i.cpu, i.mem) : [Math.round(unit * 0.5), Math.round(unit * 0.5 * ASPECT)];
    place(w, h, 'launching', i);
  }
  let height = cells.length ? y + rowH : 0;
  let squares = null;
  if (unplacedCount > 0) {
    const s = squareFor(unit, unplacedCount);
    const step = s + (s >= 5 ? 2 : 1);
    const perRow = Math.max(1, Math.floor((width + 1) / step));
    const top = height ? height + gap + 4 : 0;
    squares = { top, size: s, step, perRow, count: unplacedCount };
    height = top + Math.ceil(unplacedCount / perRow) * step;
  }
  return { cells, squares, unplaced, height: Math.max(height, 0), unit };
}

/** The largest unit at which every lane fits the height budget (or the smallest unit); heights shrink with the unit. */
export function chooseUnit(lanes, width, budget, ext) {
  const fits = (unit) => {
    let total = 0;
    for (const l of lanes) total += layoutLane(l.instances, l.launching, l.unplaced, unit, width, ext).height + 8;
    return total <= budget;
  };
  let lo = 0, hi = SCALES.length - 1; // SCALES descend: find the first index that fits
  if (!fits(SCALES[hi])) return SCALES[hi];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fits(SCALES[mid])) hi = mid; else lo = mid + 1;
  }
  return SCALES[lo];
}

/**
 * Draws a lane's layout. `styles[code]` is the fill of a task code, `shapes[code >> 4]` its CPU and memory;
 * `interrupted` the EC2 ids that got a Spot interruption warning; `selected` the selected box's id.
 */
export function drawLane(ctx, layout, shapes, styles, interrupted, selected) {
  const buckets = new Map();
  const add = (code, x, y, w, h) => {
    let b = buckets.get(code);
    if (!b) { b = []; buckets.set(code, b); }
    b.push(x, y, w, h);
  };

  // Boxes: backgrounds first, grouped by look.
  const fills = { normal: [], draining: [], disconnected: [] };
  for (const c of layout.cells) {
    if (c.kind !== 'instance') continue;
    const i = c.ref;
    (i.status === 'DRAINING' ? fills.draining : !i.agent ? fills.disconnected : fills.normal).push(c);
  }
  const fillRects = (list, style) => {
    if (!list.length) return;
    ctx.fillStyle = style;
    ctx.beginPath();
    for (const c of list) ctx.rect(c.x, c.y, c.w, c.h);
    ctx.fill();
  };
  fillRects(fills.normal, INSTANCE.fill);
  fillRects(fills.draining, INSTANCE.drainingFill);
  fillRects(fills.disconnected, INSTANCE.disconnected);

  // Tasks: a block per task in the CPU bar (upper) and in the memory bar (lower), in the same order.
  for (const c of layout.cells) {
    if (c.kind !== 'instance' || !c.ref.t.length) continue;
    const i = c.ref;
    const pad = c.w >= 12 && c.h >= 8 ? 1 : 0;
    const iw = c.w - 2 * pad, ih = c.h - 2 * pad;
    const gap = ih >= 10 ? 1 : 0;
    const barH = (ih - gap) / 2;
    const left = c.x + pad, cpuTop = c.y + pad, memTop = cpuTop + barH + gap;
    let cpu = 0, mem = 0;
    for (const code of i.t) {
      const shape = shapes[code >> 4];
      const wc = (shape.cpu / i.cpu) * iw, wm = (shape.mem / i.mem) * iw;
      if (wc > 0) add(code, left + (cpu / i.cpu) * iw + (wc > 5 ? 0.5 : 0), cpuTop, Math.max(0.75, wc > 5 ? wc - 1 : wc), barH);
      if (wm > 0) add(code, left + (mem / i.mem) * iw + (wm > 5 ? 0.5 : 0), memTop, Math.max(0.75, wm > 5 ? wm - 1 : wm), barH);
      cpu += shape.cpu;
      mem += shape.mem;
    }
  }

  // Squares: the PROVISIONING queue, or Fargate tasks.
  if (layout.squares) {
    const q = layout.squares;
    layout.unplaced.forEach((code, k) => {
      const col = k % q.perRow, row = Math.floor(k / q.perRow);
      add(code, col * q.step, q.top + row * q.step, q.size, q.size);
    });
  }

  for (const [code, r] of buckets) {
    ctx.fillStyle = styles[code];
    ctx.beginPath();
    for (let k = 0; k < r.length; k += 4) ctx.rect(r[k], r[k + 1], r[k + 2], r[k + 3]);
    ctx.fill();
  }

  // Outlines: plain, draining, interrupted, terminating (dashed), launching (dashed), selected.
  const strokeRects = (list, style, widthPx, dash) => {
    if (!list.length) return;
    ctx.strokeStyle = style;
    ctx.lineWidth = widthPx;
    ctx.setLineDash(dash ?? []);
    ctx.beginPath();
    const o = widthPx / 2;
    for (const c of list) ctx.rect(c.x + o, c.y + o, c.w - widthPx, c.h - widthPx);
    ctx.stroke();
  };
  const plain = [], draining = [], hit = [], terminating = [], launching = [], registering = [], spot = [];
  for (const c of layout.cells) {
    if (c.kind === 'launching') { (c.ref.state === 'Pending' ? launching : registering).push(c); continue; }
    const i = c.ref;
    if (interrupted.has(i.ec2)) hit.push(c);
    else if (i.status === 'DRAINING') draining.push(c);
    else if (i.asgState === 'TerminatingWait' || i.asgState === 'Terminating') terminating.push(c);
    else plain.push(c);
    if (i.spot) spot.push(c);
  }
  const big = layout.unit >= 16;
  strokeRects(plain, INSTANCE.border, 1);
  strokeRects(draining, INSTANCE.draining, big ? 2 : 1);
  strokeRects(terminating, INSTANCE.terminating, 1, [3, 2]);
  strokeRects(launching, INSTANCE.launching, 1, [3, 2]);
  if (registering.length) {
    fillRects(registering, '#e7f5ff');
    strokeRects(registering, INSTANCE.launching, 1, [1, 1]);
  }
  strokeRects(hit, INSTANCE.interrupted, big ? 2 : 1);
  ctx.setLineDash([]);

  // Corner marks: Spot instances (top left, violet) and Spot interruption warnings (top right, red).
  const corner = (list, style, right) => {
    if (!list.length) return;
    ctx.fillStyle = style;
    ctx.beginPath();
    for (const c of list) {
      const s = Math.min(10, Math.max(3, Math.floor(Math.min(c.w, c.h) / 4)));
      if (right) { ctx.moveTo(c.x + c.w - s, c.y); ctx.lineTo(c.x + c.w, c.y); ctx.lineTo(c.x + c.w, c.y + s); }
      else { ctx.moveTo(c.x, c.y); ctx.lineTo(c.x + s, c.y); ctx.lineTo(c.x, c.y + s); }
      ctx.closePath();
    }
    ctx.fill();
  };
  if (layout.unit >= 9) corner(spot, INSTANCE.spot, false);
  corner(hit, INSTANCE.interrupted, true);

  const sel = layout.cells.find((c) => c.kind === 'instance' ? c.ref.ci === selected : c.ref.ec2 === selected);
  if (sel) {
    ctx.strokeStyle = INSTANCE.selected;
    ctx.lineWidth = 2;
    ctx.strokeRect(sel.x - 2, sel.y - 2, sel.w + 4, sel.h + 4);
  }
}

/** The cell under a point (canvas CSS pixels), or null. */
export function cellAt(layout, x, y) {
  for (const c of layout.cells) {
    if (x >= c.x - 1 && x <= c.x + c.w + 1 && y >= c.y - 1 && y <= c.y + c.h + 1) return c;
  }
  return null;
}

/** The square (unplaced task) under a point, as its index, or -1. */
export function squareAt(layout, x, y) {
  const q = layout.squares;
  if (!q || y < q.top) return -1;
  const col = Math.floor(x / q.step), row = Math.floor((y - q.top) / q.step);
  if (col >= q.perRow) return -1;
  const k = row * q.perRow + col;
  return k < q.count ? k : -1;
}

/** Sizes a canvas for its CSS box and the device pixel ratio; returns its 2D context scaled to CSS pixels. */
export function prepareCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.floor(width)), h = Math.max(1, Math.ceil(height));
  if (canvas.width !== Math.floor(w * dpr) || canvas.height !== Math.floor(h * dpr)) {
    canvas.width = Math.floor(w * dpr);
    canvas.height = Math.floor(h * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return ctx;
}
