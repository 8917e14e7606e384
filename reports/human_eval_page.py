"""The human-evaluation page: one self-contained HTML file (inline CSS, script and images; nothing
fetched, no server) that shows items one at a time and saves the answers as a JSON download.

The page carries item ids, class names and the samples, never which items are real: the key
stays in the run directory (evaluation/human_eval.py scores the saved answers against it).
Shortcuts: R or 1 for real, S or 2 for synthetic, Enter to start.
"""

from __future__ import annotations

import html
import json
from typing import Any

STYLE = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232b; margin: 0;
       background: #f6f7f9; }
main { max-width: 720px; margin: 0 auto; padding: 24px; text-align: center; }
.panel { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 24px; }
.sample img { width: 320px; max-width: 90vw; image-rendering: pixelated; border: 1px solid #c9d1d9; }
.card { display: inline-block; text-align: left; border-collapse: collapse; font-size: 14px; }
.card td { border-bottom: 1px solid #eef1f4; padding: 2px 12px; }
.card td.value { text-align: right; font-variant-numeric: tabular-nums; }
.class { color: #5a6572; margin: 8px 0 16px; }
.buttons button, #start, #save { font-size: 18px; padding: 10px 24px; margin: 8px; border-radius: 6px;
       border: 1px solid #8a96a3; background: #fff; cursor: pointer; }
.buttons button:hover, #start:hover, #save:hover { background: #eef4fb; }
#progress { color: #5a6572; }
kbd { border: 1px solid #c9d1d9; border-radius: 3px; padding: 0 4px; font-size: 13px; }
[hidden] { display: none !important; }
"""

SCRIPT = """
const page = JSON.parse(document.getElementById("items").textContent);
const answers = [];
let index = 0, shownAt = 0, startedAt = null, rater = "";
const $ = (id) => document.getElementById(id);

function show() {
  const item = page.items[index];
  const sample = $("sample");
  sample.replaceChildren();
  if (item.image) {
    const img = document.createElement("img");
    img.src = item.image;
    img.alt = "sample " + (index + 1);
    sample.append(img);
  } else {
    const table = document.createElement("table");
    table.className = "card";
    for (const [name, value] of item.fields) {
      const row = table.insertRow();
      row.insertCell().textContent = name;
      const cell = row.insertCell();
      cell.textContent = value;
      cell.className = "value";
    }
    sample.append(table);
  }
  $("class").textContent = page.class_label + ": " + item.class;
  $("progress").textContent = "Item " + (index + 1) + " of " + page.items.length;
  shownAt = performance.now();
}

function start() {
  if (startedAt !== null) return;
  rater = $("rater").value.trim();
  startedAt = new Date();
  $("intro").hidden = true;
  $("question").hidden = false;
  show();
}

function answer(choice) {
  if (startedAt === null || index >= page.items.length) return;
  const seconds = (performance.now() - shownAt) / 1000;
  answers.push({ item: page.items[index].id, answer: choice, seconds: Math.round(seconds * 100) / 100 });
  index += 1;
  if (index < page.items.length) { show(); return; }
  const finished = new Date();
  $("question").hidden = true;
  $("done").hidden = false;
  const total = Math.round((finished - startedAt) / 1000);
  $("summary").textContent = "All " + answers.length + " items answered in " + Math.floor(total / 60) +
    " min " + (total % 60) + " s. Save your answers and send the file to whoever asked you.";
  page.finished = finished.toISOString();
  page.seconds = total;
}

function save() {
  const record = { page: page.page, run: page.run, rater: rater, started: startedAt.toISOString(),
                   finished: page.finished, seconds: page.seconds, answers: answers };
  const blob = new Blob([JSON.stringify(record, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  const who = rater.replace(/[^A-Za-z0-9_-]+/g, "-") || "rater";
  link.download = "answers-" + page.page + "-" + who + ".json";
  document.body.append(link);
  link.click();
  link.remove();
  $("saved").hidden = false;
}

$("start").addEventListener("click", start);
// a click leaves no focus behind, so Enter or Space cannot answer the next item unseen
$("real").addEventListener("click", (event) => { event.currentTarget.blur(); answer("real"); });
$("synthetic").addEventListener("click", (event) => { event.currentTarget.blur(); answer("synthetic"); });
$("save").addEventListener("click", save);
document.addEventListener("keydown", (event) => {
  if (event.repeat) return;  // a held key answers once, not every item that follows
  if (event.target.tagName === "INPUT") { if (event.key === "Enter") start(); return; }
  const key = event.key.toLowerCase();
  if (key === "enter") start();
  else if (key === "r" || key === "1") answer("real");
  else if (key === "s" || key === "2") answer("synthetic");
});
"""


def page_html(*, page: str, run: str, kind: str, class_label: str, items: list[dict[str, Any]]) -> str:
    """The page for ``items`` (in the order shown): each ``{"id", "class", "image"}`` (a PNG data
    URI) or ``{"id", "class", "fields": [[column, text], ...]}``."""
    data = {"page": page, "run": run, "kind": kind, "class_label": class_label, "items": items}
    # JSON inside <script>: escape "<" so no value can close the element
    payload = json.dumps(data, ensure_ascii=True).replace("<", "\\u003c")
    what = "images" if kind == "image" else "table rows"
    title = f"Real or synthetic? ({html.escape(run)})"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>Real or synthetic?</h1>"
        '<section id="intro" class="panel">'
        f"<p>You will see {len(items)} {what}, one at a time. Some are real samples, some were made "
        "by a generator. For each, answer <strong>Real</strong> or <strong>Synthetic</strong>; "
        "take your first impression. You cannot go back, and the page never tells you which is which.</p>"
        "<p>Keys: <kbd>R</kbd> or <kbd>1</kbd> real, <kbd>S</kbd> or <kbd>2</kbd> synthetic.</p>"
        '<p><label>Your name or initials (optional): <input id="rater" autocomplete="off"></label></p>'
        '<button id="start">Start</button></section>'
        '<section id="question" class="panel" hidden><p id="progress"></p><div id="sample" class="sample">'
        '</div><p id="class" class="class"></p><div class="buttons">'
        '<button id="real">Real <kbd>R</kbd></button><button id="synthetic">Synthetic <kbd>S</kbd></button>'
        "</div></section>"
        '<section id="done" class="panel" hidden><p id="summary"></p>'
        '<button id="save">Save answers</button><p id="saved" hidden>Saved to your downloads folder.</p>'
        "</section></main>"
        f'<script type="application/json" id="items">{payload}</script>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )
