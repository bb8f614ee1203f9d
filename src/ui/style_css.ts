/** The UI's style sheet: plain CSS, system fonts, a focus ring that is always visible. */
export const STYLE_CSS =
  `:root { color-scheme: light dark; --accent: #2563eb; --line: #8884; --muted: #777; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; height: 100vh; display: flex; flex-direction: column; }
.bar { display: flex; gap: .75rem; align-items: center; padding: .5rem .75rem; border-bottom: 1px solid var(--line); }
.bar h1 { font-size: 1rem; margin: 0; }
#search-form { flex: 1; }
#search { width: 100%; padding: .35rem .5rem; font: inherit; }
main { flex: 1; display: flex; min-height: 0; }
#list-pane { width: 38%; min-width: 18rem; overflow: auto; border-right: 1px solid var(--line); }
#view { flex: 1; overflow: auto; padding: .5rem 1rem; }
#list { list-style: none; margin: 0; padding: 0; }
#list li { padding: .45rem .75rem; border-bottom: 1px solid var(--line); cursor: pointer; }
#list li.unread .subject { font-weight: 700; }
#list li[aria-selected="true"] { background: #2563eb22; }
#list li .meta { display: flex; justify-content: space-between; gap: .5rem; color: var(--muted); font-size: .85em; }
#list li .snippet { color: var(--muted); font-size: .85em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.subject { overflow-wrap: anywhere; }
.tag { display: inline-block; font-size: .75em; padding: 0 .35em; margin-left: .25em; border: 1px solid var(--line); border-radius: .6em; }
.muted, #count { color: var(--muted); padding: 0 .75rem; }
:focus-visible, #list li:focus { outline: 3px solid var(--accent); outline-offset: -3px; }
.view-head { display: flex; gap: .75rem; align-items: baseline; }
.view-head h2 { flex: 1; font-size: 1.15rem; margin: .25rem 0; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .5rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: .9em; }
[role="tablist"] { display: flex; flex-wrap: wrap; gap: .25rem; border-bottom: 1px solid var(--line); margin-top: .5rem; }
[role="tab"] { font: inherit; padding: .3rem .6rem; border: 1px solid transparent; background: none; cursor: pointer; color: inherit; }
[role="tab"]:disabled { opacity: .4; cursor: default; }
[role="tab"][aria-selected="true"] { border-color: var(--line); border-bottom-color: Canvas; font-weight: 600; }
.badge:not(:empty) { display: inline-block; min-width: 1.4em; padding: 0 .3em; border-radius: .7em; background: var(--accent); color: #fff; font-size: .8em; text-align: center; }
.badge.error:not(:empty) { background: #dc2626; }
[role="tabpanel"] { padding: .5rem 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font: .9em/1.4 ui-monospace, monospace; }
#v-html { width: 100%; height: 70vh; border: 1px solid var(--line); background: #fff; }
#v-lint { border-collapse: collapse; width: 100%; }
#v-lint th, #v-lint td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: .25rem .4rem; }
.sev-error { color: #dc2626; font-weight: 600; }
.sev-warning { color: #b45309; font-weight: 600; }
button { font: inherit; }
[hidden] { display: none !important; }
`;
