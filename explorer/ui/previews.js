// The page's preview helpers (explorer/ui/previews.py): installed once per page load by the app's load event.
// `options.syncAfterMs`: how long the sliders rest before Gradio's own event renders the last inputs.
(options) => {
  if (window.__latentPreview) return;
  const S = (window.__latentPreview = {seq: {}, shown: {}, timers: {}, off: false, down: false, click: null});
  addEventListener('pointerdown', () => { S.down = true; }, true);
  addEventListener('pointerup', () => { S.down = false; }, true);
  addEventListener('click', (e) => {
    S.click = {el: e.target, x: e.clientX, y: e.clientY, time: performance.now()};
  }, true);
  const root = () => ((window.gradio_config && window.gradio_config.root) || location.href).replace(/\/?$/, '/');
  // GET the route's image and paint it into the target's <img>, unless a newer one is already painted
  // Once Gradio paints its own render (a file URL, after the sync), answers still in flight are dropped.
  S.watched = {};
  const watch = (name, target) => {
    const box = document.querySelector('#' + target);
    if (!box || S.watched[name] === box) return;
    S.watched[name] = box;
    new MutationObserver(() => {
      const img = box.querySelector('img');
      if (img && img.src && !img.src.startsWith('blob:')) S.shown[name] = S.seq[name] ?? 0;
    }).observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  };
  S.paint = (name, target, args, fallback) => {  // a promise, settled once painted (or dropped, or failed)
    if (!document.querySelector('#' + target + ' img') || S.off) return fallback();
    watch(name, target);
    const seq = (S.seq[name] = (S.seq[name] ?? 0) + 1);
    return fetch(new URL('preview/' + name + '?args=' + encodeURIComponent(JSON.stringify(args)), root()))
      .then((r) => (r.ok ? r.blob() : Promise.reject(r.status)))
      .then((blob) => {
        const img = document.querySelector('#' + target + ' img');
        if (!img || seq <= (S.shown[name] ?? 0)) return;
        S.shown[name] = seq;
        const old = img.src;
        img.src = URL.createObjectURL(blob);
        if (old.startsWith('blob:')) URL.revokeObjectURL(old);
        return img.decode().catch(() => {});
      })
      .catch((status) => { if (status === 404) S.off = true; fallback(); });
  };
  S.slider = (name, target, syncId, args) => {
    const sync = () => {  // Gradio's own event renders the last inputs into the component: click the sync button
      clearTimeout(S.timers[name]);
      const el = document.querySelector('#' + syncId);
      (el && el.tagName !== 'BUTTON' ? el.querySelector('button') : el)?.click();
    };
    const later = () => { S.timers[name] = setTimeout(() => (S.down ? later() : sync()), options.syncAfterMs); };
    clearTimeout(S.timers[name]);
    later();  // once the slider has rested options.syncAfterMs ms with no pointer down
    S.paint(name, target, args, sync);
  };
  // the pixel of a click on an <img> shown with object-fit: contain, as Gradio's select computes it
  S.pixel = (source) => {
    const c = S.click, el = c && c.el;
    if (!el || el.tagName !== 'IMG' || performance.now() - c.time > 1000 || !el.closest('#' + source)) return null;
    const r = el.getBoundingClientRect(), sx = el.naturalWidth / r.width, sy = el.naturalHeight / r.height;
    const s = Math.max(sx, sy), dx = (r.width - el.naturalWidth / s) / 2, dy = (r.height - el.naturalHeight / s) / 2;
    const x = Math.round((c.x - r.left - dx) * s), y = Math.round((c.y - r.top - dy) * s);
    return x >= 0 && y >= 0 && x < el.naturalWidth && y < el.naturalHeight ? [x, y] : null;
  };
  // Move a plot's marker in the page: the shapes named `name` in the Plotly plot inside #plotId go to x = args[0],
  // and the trailing number of their label is rewritten (as many decimals). Each shape is replaced whole, which
  // Plotly redraws alone (a few ms); an edit of shapes[i].x0, an annotation, or a new figure from Gradio replots
  // the whole plot (50–150 ms). At most one relayout per animation frame, to the newest value.
  S.marks = {};
  S.mark = (plotId, name, args) => {
    const key = plotId + '/' + name, first = !(key in S.marks);
    S.marks[key] = Number(args[0]);
    if (!first) return;
    requestAnimationFrame(() => {
      const x = S.marks[key], el = document.querySelector('#' + plotId + ' .js-plotly-plot');
      delete S.marks[key];
      if (!el || !el.layout || !window.Plotly || !Number.isFinite(x)) return;
      const update = {};
      (el.layout.shapes || []).forEach((shape, i) => {
        if (shape.name !== name || (shape.x0 === x && shape.x1 === x)) return;
        // the shape's own settings only: Plotly keeps its internals (keys starting with _) on the object, and a
        // copy of those would nest one level deeper at each move (each relayout slower than the last)
        const own = (o) => Object.fromEntries(Object.entries(o || {}).filter(([k]) => !k.startsWith('_')));
        const moved = {...own(shape), x0: x, x1: x}, text = String(shape.label?.text ?? '');
        const number = text.match(/-?\d+(?:\.(\d+))?$/);
        const digits = (number?.[1] || '').length;
        if (number) moved.label = {...own(shape.label), text: text.slice(0, number.index) + x.toFixed(digits)};
        update[`shapes[${i}]`] = moved;
      });
      if (Object.keys(update).length) window.Plotly.relayout(el, update);
    });
  };
  S.clicked = (name, source, target, args) => {  // settles once the clicked point's image is painted
    const xy = S.pixel(source);
    return xy ? S.paint(name, target, [...args, ...xy], () => {}) : undefined;
  };
}
