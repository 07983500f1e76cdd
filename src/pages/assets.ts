// The pages' one stylesheet and one script, served as files so the Content-Security-Policy can
// forbid every inline style and script. On a narrow screen a `table.stack` shows each row as a
// card of label-value lines (the labels from each cell's data-label), so that no column is cut
// off or squeezed to a letter per line.

export const PORTAL_CSS = `
:root{color-scheme:light;
  --fg:#1b1f24;
  --bg:#fff;
  --muted:#4d5761;
  --line:#c9d1d9;
  --accent:#0b57d0;
  --accent-fg:#fff;
  --danger:#b3261e;
  --ok:#146c2e;
  --warn-bg:#fff4e5;
  --err-bg:#fdecea;
  --ok-bg:#e8f5e9;
  --add:#116329;
  --del:#a40e26;
  --chg:#7d4e00}
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0}
a{color:var(--accent)}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:1}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
header.top .brand{font-weight:700;font-size:1.1rem;color:var(--fg);text-decoration:none;margin-right:auto}
header.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
header.top nav a[aria-current=page]{font-weight:700;color:var(--fg)}
header.top form{margin:0}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem;overflow-wrap:break-word}h2{font-size:1.25rem;margin:1.5rem 0 .5rem}h3{font-size:1.05rem;margin:1rem 0 .25rem}
p.lead{font-size:1.05rem}
.muted{color:var(--muted)}
form.stack{display:grid;gap:.75rem;max-width:32rem}
.field label{display:block;font-weight:600;margin-bottom:.2rem}
.field .hint{display:block;color:var(--muted);font-size:.9rem}
.field.check label{display:inline;font-weight:600}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=search],select,textarea{font:inherit;
  width:100%;
  padding:.5rem;
  border:1px solid var(--muted);
  border-radius:4px;
  background:var(--bg);
  color:var(--fg)}
input[readonly]{background:#f3f4f6}
textarea{min-height:5rem}
button,.button{font:inherit;
  display:inline-block;
  padding:.5rem 1rem;
  border-radius:4px;
  border:1px solid var(--accent);
  background:var(--accent);
  color:var(--accent-fg);
  cursor:pointer;
  text-decoration:none}
button.secondary,.button.secondary{background:var(--bg);color:var(--accent)}
button.danger,.button.danger{background:var(--danger);border-color:var(--danger);color:#fff}
button.link{background:none;border:none;color:var(--accent);padding:0;text-decoration:underline}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.actions form{margin:0}
.notice{border-left:4px solid var(--accent);background:#eef3fc;padding:.75rem 1rem;margin:1rem 0}
.notice.warn{border-color:#b26a00;background:var(--warn-bg)}
.notice.error{border-color:var(--danger);background:var(--err-bg)}
.notice.ok{border-color:var(--ok);background:var(--ok-bg)}
.notice p{margin:.25rem 0}
.error-text{color:var(--danger);font-weight:600}
.card{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
.card h3,.card>h2:first-child{margin-top:0;overflow-wrap:anywhere}.card>h2:first-child{font-size:1.1rem}
dl.props{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
dl.props dt{font-weight:600}dl.props dd{margin:0;overflow-wrap:anywhere}
.secret{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.secret code{font-size:1rem;padding:.4rem;border:1px dashed var(--muted);background:#f6f8fa;overflow-wrap:anywhere;max-width:100%}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:.5rem;overflow-x:auto;font:13px/1.45 ui-monospace,monospace;margin:.5rem 0}
.add{color:var(--add)}.del{color:var(--del)}.chg{color:var(--chg)}.note{color:var(--muted)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td{overflow-wrap:break-word}
time,.nowrap{white-space:nowrap}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin-bottom:1rem}
.filters .field{min-width:10rem;flex:1}
.badge{display:inline-block;white-space:nowrap;padding:0 .4rem;border-radius:3px;border:1px solid var(--line);font-size:.85rem}
.badge.pending{background:#fff4e5}.badge.approved{background:#e8f5e9}.badge.rejected,.badge.revoked{background:#fdecea}
.heads{display:grid;gap:.75rem}
.head{border:2px solid var(--line);border-radius:6px;padding:.75rem 1rem}
.head.ok{border-color:var(--ok)}.head.bad{border-color:var(--danger)}
.head code{font-size:.95rem;overflow-wrap:anywhere;word-break:break-all}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline>li{border-left:3px solid var(--line);padding:.25rem 0 .75rem 1rem;margin-left:.25rem}
details>summary{cursor:pointer}
.pager{display:flex;gap:1rem;margin:1rem 0}
svg.chart{width:100%;height:auto;max-width:50rem}
.chart-narrow{display:none}
.legend svg{vertical-align:middle}
svg.chart text{font:12px system-ui,sans-serif;fill:var(--fg)}
.legend{display:flex;flex-wrap:wrap;gap:.5rem 1rem;list-style:none;padding:0}
.legend .swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.3rem;vertical-align:middle;border:1px solid var(--fg)}
.swatch.pending{background:#b26a00}.swatch.approved{background:#146c2e}.swatch.rejected{background:#6a1b9a}.swatch.revoked{background:#b3261e}
[hidden]{display:none!important}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
ul.inline{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
dl.apis dt{font-weight:600;margin-top:.5rem}dl.apis dd{margin:0}
@media (max-width:40rem){main{padding:.75rem}dl.props{grid-template-columns:1fr}dl.props dt{margin-top:.4rem}th,td{padding:.3rem}}
@media (max-width:40rem){
.chart-wide{display:none}.chart-narrow{display:block}
table.stack td{overflow-wrap:anywhere}table.stack .nowrap,table.stack time{white-space:normal}table.stack time .clock{display:inline-block}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack caption{display:block;text-align:left}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
table.stack tr{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;padding:.4rem .6rem}
table.stack td{display:grid;grid-template-columns:6.5rem minmax(0,1fr);gap:.5rem;border:0;padding:.15rem 0}
table.stack td::before{content:attr(data-label);font-weight:600}
table.stack td>*{justify-self:start}
}
`;

// Copy buttons (shown only with JavaScript) and confirm dialogs on forms that destroy something;
// without JavaScript the pages work the same, the confirmation being a page of its own.
export const PORTAL_JS = `
document.querySelectorAll('[data-copy]').forEach((button) => {
  const target = document.getElementById(button.getAttribute('data-copy'));
  if (!target) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const text = target.textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const range = document.createRange();
      range.selectNodeContents(target);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      document.execCommand('copy');
    }
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
document.querySelectorAll('form[data-confirm]').forEach((form) => {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.getAttribute('data-confirm'))) return event.preventDefault();
    // Confirmed here, so the server need not ask again on a page of its own.
    const confirmed = document.createElement('input');
    confirmed.type = 'hidden';
    confirmed.name = 'confirm';
    confirmed.value = 'yes';
    form.append(confirmed);
  });
});
`;

/** The portal's icon, which browsers ask for as /favicon.ico on every page. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#0b57d0"/>
<path d="M10 8h8a6 6 0 0 1 0 12h-4v4h-4z" fill="#fff"/><path d="M14 12v4h4a2 2 0 0 0 0-4z" fill="#0b57d0"/></svg>
`;
