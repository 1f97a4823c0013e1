// Keyboard-first coding. Every action clicks the same htmx button a mouse user would,
// so keys and clicks share one code path. Shortcuts never fire while typing in a field.
(function () {
  "use strict";
  const list = document.getElementById("coding-list");
  if (!list) return;
  const passages = () => Array.from(list.querySelectorAll("li.passage"));
  const passageId = (li) => Number(li.id.slice("passage-".length));
  const current = () => list.querySelector("li.passage.current");
  let pendingSpan = null;
  // Stance levels by position, lowest first; the codebook reserves these keys.
  const STANCE_KEYS = (list.dataset.stanceKeys || "asdfg").split("");

  // The page sends each passage light: text, the coder's codes and Done. The passage the coder
  // is on gets the full controls (history, reopen, passage memo; on each code its stance buttons,
  // memo and remove), copied from the one <template> and filled in from the passage's own data,
  // so a click or a key sends exactly what a fully rendered passage would. Moving on puts the
  // passage back as it came.
  const tools = document.getElementById("passage-tools");
  const passagesUrl = list.dataset.passages || "";
  const undo = new WeakMap();

  function part(name) {
    const node = tools.content.querySelector(`[data-part="${name}"]`).cloneNode(true);
    node.removeAttribute("data-part");
    return node;
  }

  function expandChip(id, chip, added) {
    const code = Number(chip.dataset.code);
    const name = (chip.querySelector(".name") || chip).textContent;
    const vals = (extra) => JSON.stringify(Object.assign({ passage_id: id, code_id: code }, extra));
    const note = chip.querySelector(".memo-note");
    const memo = note ? note.textContent : "";
    const stance = chip.dataset.stance || "";
    chip.querySelectorAll(":scope > b, .memo-note").forEach((n) => n.remove());
    // Whether the code takes a stance is said once, on its button in the codebook panel.
    const button = document.querySelector(`.apply-code[data-code="${code}"]`);
    if (button && button.hasAttribute("data-stance")) {
      const group = part("stances");
      group.querySelectorAll("button.stance").forEach((b) => {
        const on = b.dataset.value === stance;
        b.classList.toggle("on", on);
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.setAttribute("hx-vals", vals({ stance: on ? "" : b.dataset.value }));
      });
      chip.append(group);
      added.push(group);
    }
    const details = part("memo");
    const area = details.querySelector("textarea");
    area.textContent = memo;
    // Labels come translated from the page; {name} stands for the code's name.
    area.setAttribute("aria-label", (area.dataset.label || "memo on {name}").replace("{name}", name));
    area.setAttribute("hx-vals", vals({}));
    details.open = memo !== "";
    const remove = part("remove");
    remove.setAttribute("aria-label", (remove.dataset.label || "remove {name}").replace("{name}", name));
    remove.setAttribute("hx-vals", vals({}));
    chip.append(details, remove);
    added.push(details, remove);
  }

  function expand(li) {
    if (!tools || undo.has(li)) return;
    const id = passageId(li);
    const saved = [li, ...li.querySelectorAll(".meta, .actions, .chips .chip")].map(
      (el) => [el, Array.from(el.childNodes)]);
    undo.set(li, saved);
    const added = [];
    const link = part("history-link");
    link.setAttribute("hx-get", `${passagesUrl}${id}/history`);
    link.setAttribute("hx-target", `#history-${id}`);
    const history = part("history");
    history.id = `history-${id}`;
    li.querySelector(".meta").append(" ", link);
    li.append(history);
    added.push(link);
    const actions = li.querySelector(".actions");
    if (actions) {
      if (li.classList.contains("coded")) {
        const reopen = part("reopen");
        reopen.setAttribute("hx-vals", JSON.stringify({ passage_id: id, coded: "0" }));
        actions.prepend(reopen);
        added.push(reopen);
      }
      const note = actions.querySelector(".pmemo-note");
      const pmemo = part("pmemo");
      const area = pmemo.querySelector("textarea");
      area.textContent = note ? note.textContent : "";
      area.setAttribute("hx-vals", JSON.stringify({ passage_id: id }));
      pmemo.open = !!note;
      if (note) note.remove();
      actions.append(pmemo);
      added.push(pmemo);
    }
    li.querySelectorAll(".chips .chip").forEach((chip) => expandChip(id, chip, added));
    if (window.htmx) added.forEach((node) => window.htmx.process(node));
  }

  function collapse(li) {
    const saved = undo.get(li);
    if (!saved) return;
    undo.delete(li);
    saved.forEach(([el, kids]) => el.replaceChildren(...kids));
  }

  function select(li, scroll) {
    if (!li) return;
    const old = current();
    if (old && old !== li) {
      old.classList.remove("current");
      collapse(old);
    }
    li.classList.add("current");
    expand(li);
    if (scroll !== false) li.scrollIntoView({ block: "nearest" });
    if (!li.contains(document.activeElement)) li.focus({ preventScroll: true });
  }

  // Moving skips passages marked not codable (headers, page furniture).
  function move(step) {
    const all = passages();
    let idx = all.indexOf(current());
    for (let next = idx + step; next >= 0 && next < all.length; next += step) {
      if (!all[next].classList.contains("noncodable")) { idx = next; break; }
    }
    select(all[idx] || all[0]);
  }

  function selectedChip(li) {
    if (!li) return null;
    return li.querySelector(".chip.selected:not(.other)") ||
      (li.querySelectorAll(".chips .chip").length === 1 ? li.querySelector(".chips .chip") : null);
  }

  // Offsets in code points (what the server stores), not UTF-16 units.
  function spanIn(li) {
    const sel = window.getSelection();
    const textEl = li && li.querySelector("[data-text]");
    if (!sel || sel.isCollapsed || !textEl || sel.rangeCount === 0) return null;
    const range = sel.getRangeAt(0);
    if (!textEl.contains(range.startContainer) || !textEl.contains(range.endContainer)) return null;
    const before = document.createRange();
    before.setStart(textEl, 0);
    before.setEnd(range.startContainer, range.startOffset);
    const start = Array.from(before.toString()).length;
    const end = start + Array.from(range.toString()).length;
    return end > start ? { start, end } : null;
  }

  // Sidebar code buttons act on the current passage and on a text selection inside it.
  document.addEventListener("htmx:config:request", (evt) => {
    const ctx = evt.detail.ctx;
    const src = ctx.sourceElement;
    if (!src || !src.classList || !src.classList.contains("apply-code")) return;
    const li = current();
    if (!li) { evt.preventDefault(); return; }
    ctx.request.body.set("passage_id", String(passageId(li)));
    const span = pendingSpan || spanIn(li);
    pendingSpan = null;
    if (span) {
      ctx.request.body.set("span_start", String(span.start));
      ctx.request.body.set("span_end", String(span.end));
    }
  });

  // A swapped passage keeps being current if it was; the server never decides that.
  let swappedId = null;
  document.addEventListener("htmx:before:swap", (evt) => {
    const target = evt.detail.ctx && evt.detail.ctx.target;
    swappedId = target && target.classList && target.classList.contains("current") ? target.id : null;
  });
  document.addEventListener("htmx:after:swap", () => {
    if (!swappedId) return;
    const li = document.getElementById(swappedId);
    swappedId = null;
    if (li && !current()) select(li, false);
  });

  list.addEventListener("click", (evt) => {
    const li = evt.target.closest("li.passage");
    if (li) select(li, false);
    const chip = evt.target.closest(".chips .chip");
    if (chip) {
      li.querySelectorAll(".chip.selected").forEach((c) => c.classList.remove("selected"));
      chip.classList.add("selected");
    }
  });
  // Tabbing into a passage's controls makes it the current passage, so the keys and the sidebar act
  // on the passage the keyboard is in. A mouse press also focuses, but the passage is chosen on
  // its click: growing the passage's controls between the press and the release would move the
  // button being clicked from under the pointer.
  // (A press that ends in no click, such as selecting text, chooses its passage on release.)
  let pressed = null;
  list.addEventListener("pointerdown", (evt) => { pressed = evt.target.closest("li.passage"); });
  document.addEventListener("pointerup", () => {
    const li = pressed;
    setTimeout(() => {
      pressed = null;
      if (li && li.isConnected && !li.classList.contains("current")) select(li, false);
    });
  });
  list.addEventListener("focusin", (evt) => {
    const li = evt.target.closest("li.passage");
    if (li && !pressed && !li.classList.contains("current")) select(li, false);
  });
  document.querySelectorAll(".apply-code").forEach((btn) => {
    // Keep the text selection alive when the mouse goes to the sidebar.
    btn.addEventListener("mousedown", () => { pendingSpan = spanIn(current()); });
  });

  function clickIn(li, selector) {
    const el = li && li.querySelector(selector);
    if (el) el.click();
    return !!el;
  }

  function stanceStep(li, delta) {
    const chip = selectedChip(li);
    if (!chip) return;
    const buttons = Array.from(chip.querySelectorAll("button.stance"));
    const on = buttons.findIndex((b) => b.classList.contains("on"));
    const mid = Math.floor(buttons.length / 2);
    const next = Math.max(0, Math.min(buttons.length - 1, (on < 0 ? mid : on + delta)));
    if (next !== on && buttons[next]) buttons[next].click();
  }

  function cycleChip(li) {
    const chips = Array.from(li.querySelectorAll(".chips .chip"));
    if (!chips.length) return;
    const idx = chips.findIndex((c) => c.classList.contains("selected"));
    chips.forEach((c) => c.classList.remove("selected"));
    chips[(idx + 1) % chips.length].classList.add("selected");
  }

  // The other version's aligned passage opens in a region of the current passage and closes on
  // the same key; moving on puts the passage back as it came, which closes it too.
  function toggleAligned(li) {
    if (!li || !tools) return;
    const open = li.querySelector(":scope > .aligned");
    if (open) { open.remove(); return; }
    const region = part("aligned");
    region.id = `aligned-${passageId(li)}`;
    region.textContent = region.dataset.loading || "";
    li.append(region);
    fetch(`${passagesUrl}${passageId(li)}/aligned`, { headers: { "HX-Request": "true" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => { region.innerHTML = html; })
      .catch(() => { region.textContent = region.dataset.failed || ""; });
  }

  function openMemo(li, selector) {
    const details = li && li.querySelector(selector);
    if (!details) return;
    details.open = true;
    const area = details.querySelector("textarea");
    if (area) area.focus();
  }

  document.addEventListener("keydown", (evt) => {
    const t = evt.target;
    const typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT" || t.isContentEditable);
    if (typing) {
      if (evt.key === "Escape" && t.tagName === "TEXTAREA") {
        t.blur(); // the change event saves the memo
        const li = t.closest("li.passage");
        if (li) li.focus({ preventScroll: true });
      }
      return;
    }
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    // Enter and Space on a focused control activate that control, as everywhere else.
    if ((evt.key === "Enter" || evt.key === " ") && t && t.closest && t.closest("button, a[href], summary")) return;
    const dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;
    let li = current();
    if (!li) { select(passages()[0]); li = current(); }
    const key = evt.key;
    const stancePos = evt.shiftKey && /^Digit[1-9]$/.test(evt.code)
      ? Number(evt.code.slice(5)) : STANCE_KEYS.indexOf(key) + 1;
    if (stancePos > 0) {
      const chip = selectedChip(li);
      if (chip) clickIn(chip, `button.stance[data-pos="${stancePos}"]`);
      evt.preventDefault();
      return;
    }
    switch (key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "p": case "ArrowUp": move(-1); break;
      case "n": case "Enter":
        if (li && clickIn(li, "button.done")) move(1);
        break;
      case "u": clickIn(li, "button.reopen"); break;
      case "v": toggleAligned(li); break;
      case "[": stanceStep(li, -1); break;
      case "]": stanceStep(li, 1); break;
      case "c": cycleChip(li); break;
      case "m": { const chip = selectedChip(li); if (chip) openMemo(chip, "details.memo"); break; }
      case "M": openMemo(li, "details.pmemo"); break;
      case "/": { const s = document.getElementById("coding-search"); if (s) s.focus(); break; }
      case "?": if (dialog) dialog.showModal(); break;
      case "Tab": {
        // Tab on a passage steps through its applied codes, then moves on: never a trap.
        const chips = li ? li.querySelectorAll(".chips .chip") : [];
        const at = Array.from(chips).findIndex((c) => c.classList.contains("selected"));
        if (!evt.shiftKey && document.activeElement === li && at < chips.length - 1) { cycleChip(li); break; }
        return;
      }
      default: {
        const btn = key.length === 1 ? document.querySelector(`.apply-code[data-key="${CSS.escape(key)}"]`) : null;
        if (!btn) return;
        btn.click();
      }
    }
    evt.preventDefault();
  });

  select(passages().find((li) => !li.classList.contains("coded") && !li.classList.contains("noncodable")) || passages()[0], false);
})();
