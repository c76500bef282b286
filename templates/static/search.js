// The search page's one script: it queries the Pagefind index the build wrote
// (generator/search.py) and lists the matching events, each a link to its page with its date,
// place and group. Everything shown is set as text, never as HTML.
const form = document.getElementById("search");
const input = document.getElementById("search-query");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const SHOWN = 20;

// The index is a bundle per month of events (a busy one cut finer): the first loads Pagefind, the
// others merge into it.
// A bundle that does not load leaves a note in place of results: a search of only some of the
// index would miss events without saying so.
const [first, ...others] = form.dataset.bundles.split(" ");
const base = { baseUrl: form.dataset.base };
let pagefind = null;
try {
  // Pagefind starts the first bundle without waiting, and would wait on it for ever: look first.
  const entry = await fetch(first + "pagefind-entry.json");
  if (!entry.ok) throw new Error(`${first}: ${entry.status}`);
  pagefind = await import(first + "pagefind.js");
  await pagefind.options({ bundlePath: first, ...base });
  await pagefind.init();
  await Promise.all(others.map((bundle) => pagefind.mergeIndex(bundle, base)));
} catch (error) {
  pagefind = null;
  status.textContent =
    "Search could not load its index. Reload the page, or browse by topic or in the month view.";
}

function line(className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

function card(data) {
  const item = document.createElement("li");
  item.className = "event";
  const heading = document.createElement("h3");
  if (data.meta.cancelled) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "Cancelled";
    heading.append(badge, " ");
    item.classList.add("cancelled");
  }
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title;
  heading.append(link);
  item.append(heading, line("when", data.meta.date));
  if (data.meta.place) item.append(line("where", data.meta.place));
  if (data.meta.group) item.append(line("who", data.meta.group));
  return item;
}

async function show(query) {
  if (!pagefind) return; // the note above stays
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  if (!query) {
    status.textContent = "";
    list.replaceChildren();
    return;
  }
  const search = await pagefind.debouncedSearch(query, {}, 250);
  if (search === null) return; // a later keystroke superseded this search
  const found = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
  if (input.value.trim() !== query) return;
  list.replaceChildren(...found.map(card));
  const count = search.results.length;
  const noun = count === 1 ? "event matches" : "events match";
  const more = count > SHOWN ? `; the first ${SHOWN} are shown` : "";
  status.textContent = count ? `${count} ${noun} “${query}”${more}.` : `No event matches “${query}”.`;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  show(input.value.trim());
});
input.addEventListener("input", () => show(input.value.trim()));
// What was typed while the index loaded is searched now; else a shared link's ?q=.
if (!input.value.trim()) input.value = new URL(location.href).searchParams.get("q") || "";
show(input.value.trim());
