/**
 * The UI's one page. Everything it shows is filled in by app.js from the API with textContent;
 * the page itself holds only structure, so it needs no escaping of its own.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>mocksmtp</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="ui/style.css">
<script type="module" src="ui/app.js"></script>
</head>
<body>
<header class="bar">
  <h1>mocksmtp</h1>
  <form id="search-form" role="search">
    <input id="search" type="search" name="query" autocomplete="off" spellcheck="false"
      placeholder="Search: to:a@example.com subject:&quot;welcome&quot; has:attachment  (press /)"
      aria-label="Search messages (Mailpit search syntax)">
  </form>
  <button id="delete-all" type="button">Delete all</button>
  <span id="status" role="status" aria-live="polite">Connecting…</span>
</header>
<main>
  <section id="list-pane" aria-label="Messages">
    <p id="count" class="muted"></p>
    <ul id="list" role="listbox" aria-label="Messages (j/k or arrows move, Enter opens, Delete deletes)"></ul>
    <p id="empty" class="muted" hidden>No messages.</p>
  </section>
  <section id="view" aria-label="Message" hidden>
    <div class="view-head">
      <h2 id="v-subject"></h2>
      <button id="delete-one" type="button">Delete</button>
      <a id="v-download" href="#" download>Download .eml</a>
    </div>
    <dl id="v-summary" class="facts"></dl>
    <div id="tabs" role="tablist" aria-label="Message parts">
      <button role="tab" id="tab-text" data-panel="text" type="button">Text</button>
      <button role="tab" id="tab-html" data-panel="html" type="button">HTML</button>
      <button role="tab" id="tab-headers" data-panel="headers" type="button">Headers</button>
      <button role="tab" id="tab-raw" data-panel="raw" type="button">Raw</button>
      <button role="tab" id="tab-attachments" data-panel="attachments" type="button">Attachments <span class="badge" id="attachments-count"></span></button>
      <button role="tab" id="tab-details" data-panel="details" type="button">Envelope &amp; session</button>
      <button role="tab" id="tab-transcript" data-panel="transcript" type="button" hidden>Transcript</button>
      <button role="tab" id="tab-lint" data-panel="lint" type="button" hidden>Lint <span class="badge" id="lint-count"></span></button>
    </div>
    <div role="tabpanel" id="panel-text" aria-labelledby="tab-text" tabindex="0"><pre id="v-text"></pre></div>
    <div role="tabpanel" id="panel-html" aria-labelledby="tab-html" hidden>
      <iframe id="v-html" title="HTML part (sandboxed: no scripts, nothing remote)" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer"></iframe>
    </div>
    <div role="tabpanel" id="panel-headers" aria-labelledby="tab-headers" tabindex="0" hidden><dl id="v-headers" class="facts"></dl></div>
    <div role="tabpanel" id="panel-raw" aria-labelledby="tab-raw" tabindex="0" hidden><pre id="v-raw"></pre></div>
    <div role="tabpanel" id="panel-attachments" aria-labelledby="tab-attachments" hidden><ul id="v-attachments"></ul></div>
    <div role="tabpanel" id="panel-details" aria-labelledby="tab-details" tabindex="0" hidden><dl id="v-details" class="facts"></dl></div>
    <div role="tabpanel" id="panel-transcript" aria-labelledby="tab-transcript" tabindex="0" hidden><pre id="v-transcript"></pre></div>
    <div role="tabpanel" id="panel-lint" aria-labelledby="tab-lint" tabindex="0" hidden>
      <table id="v-lint"><thead><tr><th>Severity</th><th>Rule</th><th>RFC</th><th>Evidence</th><th>Advice</th></tr></thead><tbody></tbody></table>
    </div>
  </section>
</main>
<noscript>This page needs JavaScript; the same data is at <a href="api/v1/messages">api/v1/messages</a>.</noscript>
</body>
</html>
`;
