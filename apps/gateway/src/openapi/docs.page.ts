/**
 * The `/docs` page: one self-contained HTML file (no CDN, no external assets: it works offline and behind strict
 * egress rules) that renders `/v1/openapi.json`: operations by tag, parameters, bodies and responses with their
 * JSON schemas, authentication and problem codes.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nostro gateway API</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2733; background: #f7f8fa; }
  header { background: #14324b; color: #fff; padding: 18px 28px; }
  header h1 { margin: 0 0 4px; font-size: 22px; }
  header p { margin: 0; opacity: .85; max-width: 980px; }
  main { padding: 8px 28px 40px; max-width: 1100px; }
  h2 { margin: 28px 0 8px; font-size: 18px; border-bottom: 1px solid #d5dbe3; padding-bottom: 4px; }
  details { background: #fff; border: 1px solid #d5dbe3; border-radius: 6px; margin: 6px 0; }
  summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 10px; align-items: baseline; }
  .m { font: 600 12px ui-monospace, monospace; padding: 2px 7px; border-radius: 4px; color: #fff; min-width: 52px; text-align: center; }
  .get { background: #2f7d4f; } .post { background: #2b5fb4; } .put { background: #9a6a12; } .delete { background: #a8322d; } .patch { background: #6d4bb0; }
  .p { font-family: ui-monospace, monospace; }
  .s { color: #5a6673; }
  .b { padding: 4px 14px 12px; }
  .tag { font-size: 12px; background: #e9eef4; border-radius: 4px; padding: 1px 6px; margin-right: 4px; }
  pre { background: #f2f4f7; padding: 8px; border-radius: 4px; overflow: auto; font-size: 12.5px; max-height: 360px; }
  table { border-collapse: collapse; font-size: 13.5px; } td, th { border-bottom: 1px solid #e3e7ec; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
  input { font: inherit; padding: 6px 10px; width: 320px; margin-top: 14px; }
</style>
</head>
<body>
<header><h1 id="title">Nostro gateway API</h1><p id="desc">Loading /v1/openapi.json…</p></header>
<main><input id="filter" placeholder="Filter by path or summary"><div id="ops"></div></main>
<script>
(function () {
  var el = function (tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.append(c instanceof Node ? c : document.createTextNode(String(c))); });
    return e;
  };
  var json = function (v) { return el('pre', {}, [JSON.stringify(v, null, 2)]); };
  function render(doc, filter) {
    var root = document.getElementById('ops');
    root.textContent = '';
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var text = (path + ' ' + (op.summary || '')).toLowerCase();
        if (filter && text.indexOf(filter) < 0) return;
        var tag = (op.tags || ['Other'])[0];
        (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
      });
    });
    Object.keys(byTag).forEach(function (tag) {
      root.append(el('h2', {}, [tag]));
      byTag[tag].forEach(function (r) { root.append(operation(r)); });
    });
  }
  function operation(r) {
    var op = r.op, body = el('div', { class: 'b' });
    if (op.description) body.append(el('p', {}, [op.description]));
    var auth = (op.security || []).map(function (s) { return Object.keys(s)[0]; }).join(', ') || 'none';
    body.append(el('p', {}, [el('b', {}, ['Authentication: ']), auth, op['x-roles'] ? ' (roles: ' + op['x-roles'].join(', ') + ')' : '']));
    if ((op.parameters || []).length) {
      var t = el('table', {}, [el('tr', {}, [el('th', {}, ['name']), el('th', {}, ['in']), el('th', {}, ['required']), el('th', {}, ['schema'])])]);
      op.parameters.forEach(function (p) { t.append(el('tr', {}, [el('td', { class: 'p' }, [p.name]), el('td', {}, [p.in]), el('td', {}, [p.required ? 'yes' : 'no']), el('td', { class: 'p' }, [JSON.stringify(p.schema)])])); });
      body.append(el('h4', {}, ['Parameters']), t);
    }
    if (op.requestBody) body.append(el('h4', {}, ['Request body (application/json)']), json(op.requestBody.content['application/json'].schema));
    body.append(el('h4', {}, ['Responses']));
    Object.keys(op.responses).forEach(function (status) {
      var resp = op.responses[status];
      var content = resp.content && resp.content[Object.keys(resp.content)[0]];
      var d = el('details', {}, [el('summary', {}, [el('b', {}, [status]), ' ', resp.description])]);
      if (content && content.schema) d.append(json(content.schema));
      body.append(d);
    });
    return el('details', {}, [el('summary', {}, [el('span', { class: 'm ' + r.method }, [r.method.toUpperCase()]), el('span', { class: 'p' }, [r.path]), el('span', { class: 's' }, [op.summary || ''])]), body]);
  }
  fetch('/v1/openapi.json').then(function (res) { return res.json(); }).then(function (doc) {
    document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
    document.getElementById('desc').textContent = doc.info.description;
    render(doc, '');
    document.getElementById('filter').addEventListener('input', function (e) { render(doc, e.target.value.toLowerCase()); });
  }).catch(function (e) { document.getElementById('desc').textContent = 'Could not load /v1/openapi.json: ' + e; });
})();
</script>
</body>
</html>
`;
