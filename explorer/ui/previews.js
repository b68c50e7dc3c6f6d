// The page's preview helpers (explorer/ui/previews.py): installed once per page load by the app's load event.
// `options.syncAfterMs`: how long the sliders rest before Gradio's own event renders the last inputs;
// `options.runtime`: where the app serves ONNX Runtime Web (the in-page previews, explorer/ui/inpage.py).
(options) => {
  if (window.__latentPreview) return;
  const S = (window.__latentPreview = {seq: {}, shown: {}, timers: {}, off: false, down: false, click: null});
  addEventListener('pointerdown', () => { S.down = true; }, true);
  addEventListener('pointerup', () => { S.down = false; }, true);
  addEventListener('click', (e) => {  // where the click fell on its element, measured now (a layout may move later)
    const rect = e.target.tagName === 'IMG' ? e.target.getBoundingClientRect() : null;
    S.click = {el: e.target, x: e.clientX, y: e.clientY, rect};
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
  // Paint `blob` into the target's <img> as preview `name`'s image number `seq`, unless a newer one is shown (the
  // route's answers and the page's own images alike); `counter` (S.inPage) counts it. Settled once decoded
  const show = (name, target, seq, blob, counter) => {
    const img = document.querySelector('#' + target + ' img');
    if (!img || seq <= (S.shown[name] ?? 0)) return Promise.resolve();
    S.shown[name] = seq;
    if (counter) counter[name] = (counter[name] ?? 0) + 1;
    const old = img.src;
    img.src = URL.createObjectURL(blob);
    if (old.startsWith('blob:')) URL.revokeObjectURL(old);
    return img.decode().catch(() => {});
  };
  // One request in flight per preview: a move made while one is out waits for its answer, and a newer move replaces
  // it (settled unpainted, as a dropped answer is). So a page asks no faster than the server answers: in a room
  // whose pages still fetch their models, a slow server gets one request per student at a time instead of every
  // move, each rendered even when its answer would be dropped (bench/classroom.py's students already wait so).
  // A request unanswered after ROUTE_MS is given up (its fallback runs), so one stuck answer cannot hold the moves
  // queued behind it, nor a click's event, for good.
  const ROUTE_MS = 15000;
  S.flight = {};
  S.paint = (name, target, args, fallback) => {  // a promise, settled once painted (or dropped, or failed)
    if (!document.querySelector('#' + target + ' img') || S.off) return fallback();
    watch(name, target);
    const seq = (S.seq[name] = (S.seq[name] ?? 0) + 1), flight = (S.flight[name] ??= {busy: false, next: null});
    if (!flight.busy) return get(name, target, seq, args, fallback, flight);
    flight.next?.settle();
    return new Promise((settle) => { flight.next = {target, seq, args, fallback, settle}; });
  };
  const get = (name, target, seq, args, fallback, flight) => {
    if (seq <= (S.shown[name] ?? 0)) return Promise.resolve();  // a newer image is painted already: not asked
    flight.busy = true;
    const url = new URL('preview/' + name + '?args=' + encodeURIComponent(JSON.stringify(args)), root());
    return fetch(url, {signal: AbortSignal.timeout(ROUTE_MS)})
      .then((r) => (r.ok ? r.blob() : Promise.reject(r.status)))
      .then((blob) => show(name, target, seq, blob))
      .catch((status) => { if (status === 404) S.off = true; fallback(); })
      .finally(() => {
        flight.busy = false;
        const next = flight.next;
        flight.next = null;
        if (!next) return;
        const sent = S.off ? Promise.resolve().then(next.fallback) : get(name, next.target, next.seq, next.args,
          next.fallback, flight);
        sent.then(next.settle, next.settle);  // settled whatever happened (a fallback that throws included)
      });
  };
  // `page` (explorer/ui/inpage.py): {sliders: the sliders' positions in args} where the page may render the preview
  S.slider = (name, target, syncId, page, args) => {
    const sync = () => {  // Gradio's own event renders the last inputs into the component: click the sync button
      clearTimeout(S.timers[name]);
      const el = document.querySelector('#' + syncId);
      (el && el.tagName !== 'BUTTON' ? el.querySelector('button') : el)?.click();
    };
    const later = () => { S.timers[name] = setTimeout(() => (S.down ? later() : sync()), options.syncAfterMs); };
    clearTimeout(S.timers[name]);
    later();  // once the slider has rested options.syncAfterMs ms with no pointer down
    const route = () => S.paint(name, target, args, sync);
    const shown = document.querySelector('#' + target + ' img');
    return (page && shown && S.local(name, target, page, args, route)) || route();
  };
  // --- In-page previews: ONNX Runtime Web renders the slider's image; no request per move -------------------------
  // The latent at the slider's value, as explorer.latent computes it (float64 here, float32 there: equal to 1e-6)
  S.latents = {
    lerp: (a, b, t) => a.map((v, i) => v + (b[i] - v) * t),  // (1 − t)·a + t·b
    slerp: (a, b, t) => {  // sin((1 − t)θ)/sin θ · a + sin(tθ)/sin θ · b; lerp when sin θ < 1e-4
      const na = Math.max(Math.hypot(...a), 1e-12), nb = Math.max(Math.hypot(...b), 1e-12);
      const cos = Math.min(1, Math.max(-1, a.reduce((sum, v, i) => sum + (v / na) * (b[i] / nb), 0)));
      const theta = Math.acos(cos), sin = Math.sin(theta);
      if (sin < 1e-4) return S.latents.lerp(a, b, t);
      const wa = Math.sin((1 - t) * theta) / sin, wb = Math.sin(t * theta) / sin;
      return a.map((v, i) => wa * v + wb * b[i]);
    },
  };
  // inputs (the server's /onnx/inputs answer) and the changed values (the sliders', a click's pixel) → the graph's
  // inputs that move, {name: [dims, values]}; the fixed ones come with the inputs (`tensors`)
  const z = (values) => ({z: [[1, values.length], values]});
  S.programs = {
    interpolate: (x, [t]) => z((x.method === 'linear' ? S.latents.lerp : S.latents.slerp)(x.a, x.b, t)),
    direction: (x, [alpha]) => z(x.z.map((v, i) => v + alpha * x.sigma * x.vector[i])),  // z + α·σ·v
    // row i's strength: the global one × its row slider's (x.rows[i]: which, when the sliders were made for another
    // model), as float(strength) * s in explorer/ui/tabs/stylemix/noise.py
    noise: (x, [strength, ...rows]) => ({strengths: [[x.rows.length], x.rows.map((r) => strength * rows[r])]}),
    plane: (x, [px, py]) => z([x.xs[px], x.ys[py]]),  // the z under pixel (px, py) of the plane, as latent_at
  };
  // ONNX Runtime Web: its bundle always the app's (it starts its Web Worker from its own URL, which must be the page's
  // origin); its WebAssembly from the mirror where the setting's inputs name one (`wasm`), else, or where that fails,
  // from the app
  S.runtime = (inputs) => (S.ort ??= import(new URL(options.runtime + 'ort.wasm.bundle.min.mjs', root()).href)
    .then(async (ort) => {
      ort.env.wasm.numThreads = 1;  // threads need cross-origin isolation, which the page does not have
      // compile the wasm, create the sessions and run them in ONNX Runtime's Web Worker (the bundle itself, started
      // as a module worker from its own URL): the main thread only posts inputs and paints (no long task)
      ort.env.wasm.proxy = true;
      const binary = inputs?.wasm ? await S.unzipped(inputs.wasm) : null;
      if (binary) ort.env.wasm.wasmBinary = binary;
      else ort.env.wasm.wasmPaths = {wasm: new URL(options.runtime + 'ort-wasm-simd-threaded.wasm', root()).href};
      return ort;
    }));
  // the mirror's WebAssembly (the vendored gzip file, unzipped here: a static host need not know its encoding; one
  // that sent it with Content-Encoding: gzip has had it unzipped by the browser already), or null where it fails
  const magic = (bytes, head) => {
    const got = new Uint8Array(bytes, 0, Math.min(head.length, bytes.byteLength));
    return head.every((b, i) => got[i] === b);
  };
  S.unzipped = (url) => S.bytes(url, true)
    .then((bytes) => (magic(bytes, [0x1f, 0x8b])
      ? new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer() : bytes))
    .then((wasm) => {
      if (!magic(wasm, [0, 0x61, 0x73, 0x6d])) throw new Error('not WebAssembly');
      return wasm;
    })
    .catch((error) => {
      console.warn('the runtime mirror failed, the app serves the runtime:', error);
      return null;
    });
  // A file's bytes; a mirror (`wait`: true) that has not begun to answer within MIRROR_MS is given up (a host that
  // hangs: the app's copy is fetched instead), its slow body is not
  const MIRROR_MS = 10000;
  S.bytes = (url, wait) => {
    const stop = new AbortController(), timer = wait ? setTimeout(() => stop.abort(), MIRROR_MS) : null;
    return fetch(url, {signal: stop.signal}).finally(() => clearTimeout(timer))
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`${r.status} from ${url}`))));
  };
  S.sessions = {};
  S.session = (url) => (S.sessions[url] ??= S.runtime()
    .then((ort) => S.bytes(new URL(url, root()).href, /^https?:/.test(url))
      .then((bytes) => ort.InferenceSession.create(new Uint8Array(bytes), {executionProviders: ['wasm']}))));
  // the model's session from the mirror (Settings.files_url: a static host, off the app's core) where the inputs name
  // one, else, or where the mirror fails (a model it lacks, a host down), from the app
  S.model = (inputs) => (inputs.mirror
    ? S.session(inputs.mirror).catch((error) => {  // kept as failed: the next setting goes to the app at once
      console.warn('the model mirror failed, the app serves the model:', error);
      return S.session(inputs.url);
    })
    : S.session(inputs.url));
  // a setting (the args but the slider's value) → {ort, session, inputs} once ready, null where the route renders it
  // (a model that is not exported); prepared in the background while the route paints the setting's first moves (or,
  // with a mirror, while they wait: S.hold)
  S.prepared = new Map();
  S.preparing = new Set();
  S.prepare = (key, setting, name) => {
    if (S.preparing.has(key)) return;
    S.preparing.add(key);
    const keep = (ready) => {
      if (S.prepared.size >= 32) S.prepared.delete(S.prepared.keys().next().value);
      S.prepared.set(key, ready);
    };
    fetch(new URL('onnx/inputs/' + name + '?args=' + encodeURIComponent(setting), root()))
      .then((r) => (r.ok ? r.json() : null), () => null)
      .then(async (inputs) => {
        if (inputs?.mirror) S.mirrored = true;  // a mirror is set: the next settings' first moves wait (S.hold)
        keep(inputs && {inputs, ort: await S.runtime(inputs), session: await S.model(inputs)});
      })
      .catch((error) => { S.noRuntime = true; console.warn('in-page previews off, the route renders them:', error); })
      .finally(() => {
        S.preparing.delete(key);
        delete S.holdSince[key];
        for (const [name, move] of Object.entries(S.held)) if (move.key === key) S.unhold(name, move);
      });
  };
  // With a mirror (a CDN: a model comes quickly and costs the app nothing), the moves made while the page prepares a
  // setting wait for it instead of asking the app's route: in a room arriving together the route's renders were what
  // kept the release events waiting (docs/benchmarks.md, *Lecture hall*). The newest waiting move is painted once the
  // setting is ready; by the route where preparing fails or is not done after S.holdMs (a slow host). A click's event
  // waits with its paint (S.clicked). Without a mirror the route paints a setting's first moves, as before.
  S.holdMs = 5000;
  S.mirrored = Boolean(options.mirrored);  // the app has a mirror (else learnt from the first inputs naming one)
  S.held = {};  // preview → its newest waiting move
  S.holdSince = {};  // setting → when its first move began to wait
  S.hold = (key, name, target, page, args, route) => {
    const since = (S.holdSince[key] ??= performance.now()), left = since + S.holdMs - performance.now();
    if (left < 1) return null;  // waited long enough: the route paints while the page goes on preparing
    const old = S.held[name];
    if (old) {  // replaced by this newer move: settled unpainted, as a dropped answer is
      clearTimeout(old.timer);
      old.settle();
    }
    watch(name, target);
    // the move's place among the preview's moves: a newer one painted meanwhile (another setting's, the route's) or
    // Gradio's own render of the release makes this one stale, never painted over them (S.unhold)
    const seq = (S.seq[name] = (S.seq[name] ?? 0) + 1);
    return new Promise((settle) => {
      const paint = () => S.local(name, target, page, args, route) || route();
      const move = (S.held[name] = {key, seq, settle, paint});
      move.timer = setTimeout(() => S.unhold(name, move), left);
    });
  };
  S.unhold = (name, move) => {  // paint a waiting move: in the page once its setting is ready, else by the route
    if (S.held[name] !== move) return;
    delete S.held[name];
    clearTimeout(move.timer);
    if (S.seq[name] !== move.seq || (S.shown[name] ?? 0) >= move.seq) return move.settle();  // stale: not painted
    Promise.resolve().then(move.paint).then(move.settle, move.settle);
  };
  S.inPage = {};
  S.runs = {};  // a model's runs, one after another (a WebAssembly session runs one at a time)
  // Render this gesture's image in the page: a promise, settled once painted (or dropped for a newer move); null when
  // the route must paint it (no runtime; the setting not prepared yet, or not exported). `page.sliders`: the positions
  // in args of the values that change (not part of the setting). A failed run hands the move to `route`.
  S.local = (name, target, page, args, route) => {
    if (typeof WebAssembly !== 'object' || typeof Worker !== 'function') S.noRuntime = true;
    if (S.noRuntime) return null;
    const setting = JSON.stringify(args.map((v, i) => (page.sliders.includes(i) ? null : v)));
    const ready = S.prepared.get(name + setting);
    if (!ready) {
      if (ready === undefined) S.prepare(name + setting, setting, name);
      return ready === undefined && S.mirrored ? S.hold(name + setting, name, target, page, args, route) : null;
    }
    const {inputs, ort, session} = ready;
    watch(name, target);
    const seq = (S.seq[name] = (S.seq[name] ?? 0) + 1);
    const tensor = ([dims, values]) => new ort.Tensor('float32', Float32Array.from(values), dims);
    const run = (S.runs[inputs.url] ?? Promise.resolve()).then(async () => {
      if (seq < S.seq[name]) return;  // a newer move waits: render that one
      const moved = S.programs[inputs.program](inputs, page.sliders.map((i) => Number(args[i])));
      // new tensors each run: the worker takes (transfers) their buffers
      const fixed = Object.entries(inputs.tensors ?? {}).map(([k, t]) => [k, tensor([t.dims, t.data])]);
      const feeds = Object.fromEntries([...fixed, ...Object.entries(moved).map(([k, v]) => [k, tensor(v)])]);
      const out = await session.run(feeds);
      return S.draw(name, target, seq, out.images, inputs.scale);
    });
    S.runs[inputs.url] = run.catch(() => {});
    return run.catch((error) => {
      S.noRuntime = true;
      console.warn('in-page previews off, the route renders them:', error);
      return route();
    });
  };
  // Paint images (1, c, h, w) in [-1, 1] as the server's PNG does: explorer.images.to_uint8 (clamp, (x + 1)·127.5 in
  // float32, rounded half to even), one channel as grey, upscaled `scale`× by nearest neighbour. The bytes go into
  // an uncompressed BMP (top-down rows, 32 bits a pixel), not a PNG: a canvas's PNG encoding took ~10 ms a move and
  // the image is shown, never stored (the release's Gradio file is the one a download or a share gets)
  const BMP_HEAD = 54;
  S.draw = async (name, target, seq, images, scale) => {
    const [, c, h, w] = images.dims, x = images.data, W = w * scale, H = h * scale;
    const byte = (v) => {
      const f = Math.fround(Math.fround(Math.min(1, Math.max(-1, v)) + 1) * 127.5), r = Math.round(f);
      return r - f === 0.5 && r % 2 ? r - 1 : r;
    };
    const bmp = new ArrayBuffer(BMP_HEAD + W * H * 4), head = new DataView(bmp);
    head.setUint16(0, 0x4d42, true);  // "BM"
    head.setUint32(2, bmp.byteLength, true);
    head.setUint32(10, BMP_HEAD, true);  // where the pixels start
    head.setUint32(14, 40, true);  // BITMAPINFOHEADER
    head.setInt32(18, W, true);
    head.setInt32(22, -H, true);  // negative: the first row is the top one
    head.setUint16(26, 1, true);
    head.setUint16(28, 32, true);  // blue, green, red, a byte kept at 255; no compression
    head.setUint32(34, W * H * 4, true);
    const pixels = new Uint8Array(bmp, BMP_HEAD), row = W * 4;
    for (let i = 0; i < h; i++) {
      const top = i * scale * row;  // the first of the `scale` rows of pixel row i; the others are its copies
      for (let j = 0; j < w; j++) {
        const [r, g, b] = [0, 1, 2].map((k) => byte(x[(Math.min(k, c - 1) * h + i) * w + j]));
        for (let o = top + j * scale * 4; o < top + (j + 1) * scale * 4; o += 4) {
          pixels[o] = b;
          pixels[o + 1] = g;
          pixels[o + 2] = r;
          pixels[o + 3] = 255;
        }
      }
      for (let di = 1; di < scale; di++) pixels.copyWithin(top + di * row, top, top + row);
    }
    await show(name, target, seq, new Blob([bmp], {type: 'image/bmp'}), S.inPage);  // counted: painted by the page
  };
  // the pixel of the newest click on an <img> shown with object-fit: contain, as Gradio's select computes it; no
  // age limit: Gradio re-runs an always_last event that came while one ran after that one ends, maybe seconds later
  S.pixel = (source) => {
    const c = S.click, el = c && c.el;
    if (!el || !c.rect || !el.closest('#' + source)) return null;
    const r = c.rect, sx = el.naturalWidth / r.width, sy = el.naturalHeight / r.height;
    const s = Math.max(sx, sy), dx = (r.width - el.naturalWidth / s) / 2, dy = (r.height - el.naturalHeight / s) / 2;
    const x = Math.round((c.x - r.left - dx) * s), y = Math.round((c.y - r.top - dy) * s);
    return x >= 0 && y >= 0 && x < el.naturalWidth && y < el.naturalHeight ? [x, y] : null;
  };
  // Move a plot's marker in the page: the shapes named `name` in the Plotly plot inside #plotId go to x = args[0],
  // and the trailing number of their label is rewritten (as many decimals). Only those attributes are edited
  // (`shapes[i].x0`…): Plotly redraws that one shape (a few ms). A whole object at `shapes[i]` would not replace the
  // shape but insert a copy before it (plotly.js reads an object there as "add"): twice the shapes at each move,
  // each relayout slower than the last. One relayout at a time, to the newest value, when the page is idle (within
  // 100 ms): a relayout costs ~13 ms of the main thread, which in the move's own frame delayed the preview's paint.
  S.marks = {};
  S.mark = (plotId, name, args) => {
    const key = plotId + '/' + name, first = !(key in S.marks);
    S.marks[key] = Number(args[0]);
    if (!first) return;
    const idle = window.requestIdleCallback ?? ((run) => setTimeout(run, 16));
    idle(() => {
      const x = S.marks[key], el = document.querySelector('#' + plotId + ' .js-plotly-plot');
      delete S.marks[key];
      if (!el || !el.layout || !window.Plotly || !Number.isFinite(x)) return;
      const update = {};
      (el.layout.shapes || []).forEach((shape, i) => {
        if (shape.name !== name || (shape.x0 === x && shape.x1 === x)) return;
        update[`shapes[${i}].x0`] = update[`shapes[${i}].x1`] = x;
        const text = String(shape.label?.text ?? ''), number = text.match(/-?\d+(?:\.(\d+))?$/);
        const digits = (number?.[1] || '').length;
        if (number) update[`shapes[${i}].label.text`] = text.slice(0, number.index) + x.toFixed(digits);
      });
      if (Object.keys(update).length) window.Plotly.relayout(el, update);
    }, {timeout: 100});
  };
  // Settles once the clicked point's image is painted, by the page (`page`: as in S.slider, the pixel's positions)
  // or by the route while the page prepares this setting, with the inputs the click's Gradio event sends: `args`,
  // whose last is the pixel input, given the clicked pixel ([x, y], or null without a click found). When a click
  // comes while the previous one's event runs, Gradio 6 (always_last) runs the event again afterwards with the
  // *previous* click's event data, so the server would decode the wrong pixel from `evt.index` alone (seen in the
  // VAE plane test: the page showed the third click, the server the second's, for good). And while this js awaits
  // the paint, Gradio has not registered the event as running, so a newer click runs its own js beside it: with the
  // route slow and the page's runtime quick, the newer click's event can join the queue first and this older one
  // after it, so the server's last image would be the older pixel's. So the event sends the newest click's pixel at
  // the moment it joins: whichever of the two lands last, the server's image is the last click's.
  // (The newest click's whole inputs, not only its pixel: the settings may have changed between the two clicks.)
  S.clicks = {};
  S.clicked = async (name, source, target, page, args) => {
    const inputs = args.slice(0, -1), xy = S.pixel(source);
    if (!xy) return [...inputs, null];
    const mine = (S.clicks[name] = [...inputs, xy]);
    const full = [...inputs, ...xy], route = () => S.paint(name, target, full, () => {});
    await ((page && S.local(name, target, page, full, route)) || route());
    return S.clicks[name] ?? mine;
  };
}
