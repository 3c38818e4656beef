// Tiny DOM helpers: build elements, and change text only when it differs (so a 1 Hz refresh does not churn layout).

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'html') e.innerHTML = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function setText(e, text) {
  const t = String(text);
  if (e.textContent !== t) e.textContent = t;
}

export function setAttr(e, name, value) {
  const v = String(value);
  if (e.getAttribute(name) !== v) e.setAttribute(name, v);
}

export function setClass(e, name, on) {
  if (e.classList.contains(name) !== !!on) e.classList.toggle(name, !!on);
}

/** Replaces the element's inner HTML only when it changed. */
export function setHtml(e, html) {
  if (e._html !== html) {
    e._html = html;
    e.innerHTML = html;
  }
}

export const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});
