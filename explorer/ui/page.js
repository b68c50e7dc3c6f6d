// The app's page script (app.HEAD puts it in the page's <head>; its style sheet is page.css, app.CSS): what the whole
// page needs, whatever the tab.
(() => {
  if (window.__latentPage) return;
  const P = (window.__latentPage = {});

  // 1. Plots that Gradio drops are purged. Gradio's Plot re-creates its Plotly <div> on every new value and never
  //    calls Plotly.purge on the old one, whose window listeners keep it alive: a GAN lab playing at 6 frames/s
  //    grew the JS heap by ~1 MB/s. Purging each removed plot keeps the heap flat.
  new MutationObserver((records) => {
    if (!window.Plotly) return;
    for (const record of records) {
      for (const node of record.removedNodes) {
        if (!(node instanceof Element)) continue;
        const plots = node.classList.contains('js-plotly-plot') ? [node] : node.querySelectorAll('.js-plotly-plot');
        // later, not at once: Plotly may still finish a redraw of the old div (its auto-margins), which a purged
        // div would make throw
        for (const plot of plots) setTimeout(() => { if (!plot.isConnected) window.Plotly.purge(plot); }, 2000);
      }
    }
  }).observe(document, {childList: true, subtree: true});

  // 2. Errors stay next to the control that caused them: Gradio's toast leaves after 10 s, so its message is also
  //    written under the last control the user touched, until that control is touched again. The outputs keep
  //    their last good value (page.css hides the "Error" badge Gradio lays over them).
  let touched = null;
  const touch = (e) => {
    const block = e.target instanceof Element && e.target.closest('.block');
    if (!block || block.closest('.toast-wrap')) return;
    touched = block;
    const shown = block.nextElementSibling;
    if (shown && shown.classList.contains('control-error')) shown.remove();
  };
  for (const type of ['input', 'change', 'click', 'keydown']) document.addEventListener(type, touch, true);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof Element) || !touched || !touched.isConnected) continue;
        const toast = node.matches('.toast-body.error') ? node : node.querySelector('.toast-body.error');
        const text = toast && toast.querySelector('[data-testid="toast-text"]');
        if (!text) continue;
        let line = touched.nextElementSibling;
        if (!line || !line.classList.contains('control-error')) {
          line = document.createElement('div');
          line.className = 'control-error';
          line.setAttribute('role', 'alert');
          touched.after(line);
        }
        line.textContent = '⚠ ' + text.textContent.trim();
      }
    }
  }).observe(document.body, {childList: true, subtree: true});

  // 3. A clicked point of the VAE plane is marked (a ring where the click decoded), until the plane is redrawn.
  document.addEventListener('click', (e) => {
    const img = e.target instanceof Element && e.target.closest('#vae-plane img');
    if (!img) return;
    const box = img.parentElement;
    let ring = box.querySelector('.click-marker');
    if (!ring) {
      ring = document.createElement('div');
      ring.className = 'click-marker';
      box.style.position = 'relative';
      box.appendChild(ring);
      new MutationObserver(() => ring.remove()).observe(img, {attributes: true, attributeFilter: ['src']});
    }
    const area = img.getBoundingClientRect(), frame = box.getBoundingClientRect();
    ring.style.left = (e.clientX - frame.left) + 'px';
    ring.style.top = (e.clientY - frame.top) + 'px';
    ring.dataset.x = ((e.clientX - area.left) / area.width).toFixed(3);  // where on the plane, for tests
    ring.dataset.y = ((e.clientY - area.top) / area.height).toFixed(3);
  }, true);

  // 4. Presentation mode: large text, secondary parts hidden (page.css, under html.present). On with ?present=1
  //    or the header's toggle, which keeps the URL in step so a reload or a copied link stays in the same mode.
  const url = () => new URL(window.location.href);
  P.present = (on) => {
    document.documentElement.classList.toggle('present', on);
    const u = url();
    if (on) u.searchParams.set('present', '1');
    else u.searchParams.delete('present');
    window.history.replaceState(null, '', u);
    window.dispatchEvent(new Event('resize'));  // plots re-fit their new columns
    return on;
  };
  P.togglePresent = () => P.present(!document.documentElement.classList.contains('present'));
  if (['1', 'true', 'on'].includes(url().searchParams.get('present'))) {
    document.documentElement.classList.add('present');
  }

  // 5. The lecture path (explorer/ui/share.py). The page holds the path's steps (#path-steps: titles, tabs and
  //    sections), so ◀ / ▶ show the step's title and select its tab and section at once, then press that tab's hidden
  //    restore button (#restore-<tab>): one Gradio event that sets its controls and streams its renders. A share link
  //    (on load, or a settings file) opens the same way. `asked` is what the next restore event sends
  //    (share.RESTORE_JS reads it). The tab is the page's to select, in the order asked, never a Gradio output:
  //    Gradio applies an update of the app's Tabs after walking every block of the app, so on a busy page an older
  //    step's selection landed after a newer one's.
  P.index = -1;
  P.seen = null;
  P.asked = null;
  const steps = () => {  // the steps, and the server's index after an edit of the path (add, remove, open)
    const el = document.getElementById('path-steps');
    if (!el) return [];
    const seen = el.dataset.steps + '|' + el.dataset.index;
    if (seen !== P.seen) {
      P.seen = seen;
      P.index = Number(el.dataset.index);
    }
    return JSON.parse(el.dataset.steps || '[]');
  };
  const button = (id) => {
    const el = document.getElementById(id);
    return el && el.tagName !== 'BUTTON' ? el.querySelector('button') : el;
  };
  P.seq = 0;  // each ask numbered: the server drops an older step's restore that starts after a newer one's
  const appTab = (b) => b.closest('#app-tabs') !== null && b.closest('#app-tabs [role=tabpanel]') === null;
  const tabButton = (id, inPanel) => [...document.querySelectorAll('button[role=tab]')].find((b) => (
    b.dataset.tabId === id && (inPanel
      ? b.offsetParent !== null && b.closest('#app-tabs [role=tabpanel]') !== null  // a section of the tab shown
      : appTab(b))));  // one of the app's
  P.shown = () => [...document.querySelectorAll('button[role=tab][aria-selected=true]')].find(appTab)?.dataset.tabId
    ?? null;  // the app's tab shown
  P.select = (tab, section, seq) => {  // the ask's tab now, its section once the tab has drawn its bar
    const el = tabButton(tab, false);
    if (el && el.getAttribute('aria-selected') !== 'true') el.click();
    if (!section) return;
    const started = performance.now();
    const open = () => {  // a newer ask selects its own; a section that never shows is given up after a minute
      if (seq !== P.seq || performance.now() - started > 60000) return;
      const at = tabButton(section, true);
      if (!at) setTimeout(open, 50);
      else if (at.getAttribute('aria-selected') !== 'true') at.click();
    };
    setTimeout(open, 0);  // after the tab's switch: the tab shown before may have a section of the same name
  };
  P.ask = (request, tab, section = '') => {
    P.asked = JSON.stringify({...request, seq: ++P.seq});
    P.asking = {tab, time: performance.now()};
    if (P.playing) button('toy-pause')?.click();  // the lab an older step set playing: no frame of it lands on this one
    P.select(tab, section, P.seq);
    const el = button('restore-' + tab) || button('restore-tab');
    if (el) el.click();
  };
  P.go = (delta, absolute = false) => {
    const all = steps();
    if (!all.length) return;
    const i = Math.min(Math.max(absolute ? delta : P.index + delta, 0), all.length - 1);
    P.index = i;
    const where = document.getElementById('path-where');
    const line = where && (where.querySelector('p') || where);
    if (line) {
      const strong = document.createElement('strong');
      strong.textContent = `${i + 1} / ${all.length}`;
      line.replaceChildren(strong, ' · ' + all[i].title);
    }
    P.ask({index: i}, all[i].tab, all[i].section);
  };
  // a tab's first view (share.draw_when_opened): drawn when a user opens it, not when a step selects it (the step's
  // restore draws it in its own event)
  P.opened = (tabs, opener) => {
    const a = P.asking;
    if (a && tabs.includes(a.tab) && performance.now() - a.time < 10000) return;
    const el = button(opener);
    if (el) el.click();
  };
  document.addEventListener('click', (e) => {  // ◀ ▶ and the switches: the page's own, no Gradio event
    const bar = '#path-prev, #path-next, #path-keys, #path-notes-switch';
    const el = e.target instanceof Element && e.target.closest(bar);
    if (!el) return;
    if (el.id === 'path-keys') P.toggleKeys();
    else if (el.id === 'path-notes-switch') P.toggleNotes();
    else P.go(el.id === 'path-next' ? 1 : -1);
  }, true);
  // the bar's line is one line, cut with an ellipsis (page.css): the whole of it in the tooltip
  document.addEventListener('mouseover', (e) => {
    const where = e.target instanceof Element && e.target.closest('#path-where');
    if (where) where.title = where.innerText.trim();
  });
  P.openLink = (query) => {
    const params = new URLSearchParams(query || '');
    params.delete('present');
    if (params.get('tab')) P.ask({link: '?' + params.toString()}, params.get('tab'), params.get('section') ?? '');
  };

  // 6. Keys. Single keys act only in presentation mode (WCAG 2.1.4: a page that is not being presented keeps every
  //    key's own meaning: PageDown scrolls, Space presses the focused button), only while the bar's "Keys" switch
  //    is on (remembered in this browser), and never while focus is in a control (a field, slider, button, tab,
  //    menu); the one exception is the bar's own buttons, where ← / → still step the path after ◀ ▶ were clicked.
  //    ← / → (or PageUp / PageDown, what a presenter's clicker sends) step the lecture path; Space or P plays and
  //    pauses the GAN lab while its tab is shown; N shows and hides the speaker notes.
  const CONTROLS = 'input, textarea, select, button, a[href], summary, [contenteditable]:not([contenteditable="false"]), '
    + '[role="slider"], [role="button"], [role="tab"], [role="option"], [role="listbox"], [role="combobox"], '
    + '[role="menuitem"], [role="checkbox"], [role="radio"], [role="switch"], [role="textbox"]';
  const visible = (id) => {
    const el = document.getElementById(id);
    return el && el.offsetParent !== null ? el : null;
  };
  const click = (id) => {
    const el = visible(id);
    if (el) el.click();
    return Boolean(el);
  };
  let stored = null;
  try { stored = window.localStorage.getItem('latent-explorer-keys'); } catch (error) { /* storage blocked */ }
  P.keysOn = stored !== 'off';
  P.showKeys = () => {
    const el = button('path-keys');
    if (!el) return;
    el.textContent = P.keysOn ? 'Keys: on' : 'Keys: off';
    el.setAttribute('aria-pressed', String(P.keysOn));
    el.title = 'In presentation mode: ← → PageUp PageDown step the lecture path, Space or P plays the GAN lab, '
      + 'N shows the notes';
  };
  P.toggleKeys = () => {
    P.keysOn = !P.keysOn;
    try { window.localStorage.setItem('latent-explorer-keys', P.keysOn ? 'on' : 'off'); } catch (error) { /* */ }
    P.showKeys();
    return P.keysOn;
  };
  // The speaker notes under the bar (#path-notes, the restore writes the step's): on unless switched off (remembered
  // in this browser) with the bar's "Notes" switch, or N in presentation mode.
  try { stored = window.localStorage.getItem('latent-explorer-notes'); } catch (error) { /* storage blocked */ }
  P.notesOn = stored !== 'off';
  document.documentElement.classList.toggle('notes-off', !P.notesOn);
  P.showNotes = () => {
    document.documentElement.classList.toggle('notes-off', !P.notesOn);
    const el = button('path-notes-switch');
    if (!el) return;
    el.textContent = P.notesOn ? 'Notes: on' : 'Notes: off';
    el.setAttribute('aria-pressed', String(P.notesOn));
    el.title = "The current step's speaker notes under the bar (N switches them in presentation mode)";
  };
  P.toggleNotes = () => {
    P.notesOn = !P.notesOn;
    try { window.localStorage.setItem('latent-explorer-notes', P.notesOn ? 'on' : 'off'); } catch (error) { /* */ }
    P.showNotes();
    return P.notesOn;
  };
  P.ready = (query) => {  // the app's load event (share.OPEN_LINK_JS)
    P.showKeys();
    P.showNotes();
    P.openLink(query);
  };
  P.keysActive = () => P.keysOn && document.documentElement.classList.contains('present');
  P.playing = false;
  document.addEventListener('click', (e) => {
    const el = e.target instanceof Element && e.target.closest('#toy-play, #toy-pause, #toy-reset');
    if (el) P.labPlay(el.id === 'toy-play');
  }, true);
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || !P.keysActive()) return;
    const control = e.target instanceof Element ? e.target.closest(CONTROLS) : null;
    const onBar = control !== null && control.tagName === 'BUTTON' && control.closest('#path-bar') !== null;
    const step = {ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1}[e.key];
    if (step && (!control || onBar) && visible('path-next')) {
      P.go(step);
      e.preventDefault();
    } else if ((e.key === ' ' || e.key === 'p' || e.key === 'P') && !control) {
      if (click(P.playing ? 'toy-pause' : 'toy-play')) e.preventDefault();
    } else if ((e.key === 'n' || e.key === 'N') && (!control || onBar)) {
      P.toggleNotes();
      e.preventDefault();
    }
  });

  // 7. The GAN lab's Play (explorer/ui/tabs/toylab: _wire_play). The page asks for one frame at a time: a click on
  //    the hidden #toy-next-frame is one Gradio event (a frame's steps), whose figures come back as one JSON text.
  //    labFrame draws them into the plots already shown, one plot a task (Plotly.react on the same div: a new
  //    gr.Plot value is drawn as a new plot, with the rest of the frame in one task: 1-2 s of this page's time on a
  //    busy machine, issue #33), returns its texts for their boxes, then asks for the next at the pace the frame
  //    names: the server shares a budget of CPU among the labs playing (toylab/budget.py; one lab on an idle server:
  //    a frame every 150 ms), and a slow page plays slower, never behind. #toy-rate shows the frames/s this page
  //    gets. Pause (and Reset) cancel the frame under way and the next one asked for, and a frame that still lands
  //    after Pause is not shown: nothing moves after the key. A failed frame stops Play.
  const lab = {waiting: false, asked: 0, timer: null, shown: []};
  const showRate = (text) => {
    const el = document.querySelector('#toy-rate .lab-rate');
    if (el) el.textContent = text;
  };
  P.labPlay = (on) => {
    if (on && P.playing) return;  // Play while playing: the next frame keeps its pace
    P.playing = on;
    clearTimeout(lab.timer);
    lab.shown = [];
    if (on) P.labNext();
    else {
      lab.waiting = false;  // the frame under way is cancelled (Pause's cancels) or not shown
      showRate('paused');
    }
  };
  P.labNext = () => {  // one frame under way at a time (one that never came back is given up after 30 s)
    if (!P.playing || (lab.waiting && performance.now() - lab.asked < 30000)) return;
    const el = button('toy-next-frame');
    if (!el) return;
    lab.waiting = true;
    lab.asked = performance.now();
    el.click();
  };
  P.labFailed = () => {  // a frame that failed, or the one Pause cancelled (then already paused)
    lab.waiting = false;
    if (P.playing) showRate('stopped');
    P.playing = false;
  };
  const react = (id, figure) => {
    const el = document.querySelector(`#${id} .js-plotly-plot`);
    if (!el || !el.layout || !window.Plotly) return;  // not drawn yet: its gr.Plot draws the next whole figure
    // the margins and sizing Gradio gave the plot (room for its label) stay
    const layout = {...figure.layout, autosize: el.layout.autosize, margin: el.layout.margin};
    window.Plotly.react(el, figure.data, layout, {responsive: el._context.responsive});
  };
  const rate = (pace) => {  // frames/s over the last 8 frames shown, and why the server slows them
    const now = performance.now();
    lab.shown = [...lab.shown.slice(-7), now];
    const n = lab.shown.length - 1;
    const perSecond = n ? (1000 * n) / (now - lab.shown[0]) : 1000 / Math.max(pace.interval_ms, now - lab.asked);
    const shared = !pace.slowed ? '' : pace.players > 1 ? ` · ${pace.players} labs share the server` : ' · paced by the server';
    showRate(`${perSecond.toFixed(1)} frames/s${shared}`);
  };
  P.labFrame = (text, shown) => {  // the texts to show: the frame's, or those shown (a frame that lands after Pause)
    lab.waiting = false;
    if (!P.playing) return shown;
    const frame = JSON.parse(text);
    const figures = Object.entries(frame.figures);
    const next = () => {
      if (figures.length) {
        react(...figures.shift());
        setTimeout(next, 0);  // the next plot in a task of its own: the page answers a key or a click between them
      } else if (P.playing) {
        rate(frame.pace);
        lab.timer = setTimeout(P.labNext, Math.max(0, frame.pace.interval_ms - (performance.now() - lab.asked)));
      }
    };
    next();
    return frame.texts.map((t, i) => t ?? shown[i]);
  };
})();
