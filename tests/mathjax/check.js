// Typeset notebook LaTeX outputs with MathJax 3, the way JupyterLab renders text/latex:
// the string becomes the text of an element, MathJax finds $...$, $$...$$, \(...\), \[...\]
// and \begin{...}...\end{...} in it and typesets them. Reads a JSON list of strings on stdin,
// writes a JSON list of {errors: [...], text: "what is left outside the mathematics"}.
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {AllPackages} = require('mathjax-full/js/input/tex/AllPackages.js');

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
// every package JupyterLab offers, but errors and undefined macros are reported, not drawn
const packages = AllPackages.filter((p) => p !== 'noerrors' && p !== 'noundefined');

function escape(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const results = JSON.parse(input).map((source) => {
    const errors = [];
    const tex = new TeX({
      packages,
      inlineMath: [['$', '$'], ['\\(', '\\)']],
      displayMath: [['$$', '$$'], ['\\[', '\\]']],
      processEscapes: true,
      processEnvironments: true,
      formatError: (jax, err) => { errors.push(err.message); return jax.formatError(err); },
    });
    const doc = mathjax.document(`<html><body><div>${escape(source)}</div></body></html>`,
                                 {InputJax: tex, OutputJax: new SVG({fontCache: 'none'})});
    doc.render();
    for (const item of doc.math) {
      const root = item.root;
      if (root && root.toString().includes('merror')) errors.push('merror in ' + item.math);
    }
    let text = '';
    const walk = (node) => {
      const kind = adaptor.kind(node);
      if (kind === '#text') { text += adaptor.value(node); return; }
      if (kind === 'mjx-container') return;
      for (const child of adaptor.childNodes(node)) walk(child);
    };
    walk(adaptor.body(doc.document));
    return {errors, text};
  });
  process.stdout.write(JSON.stringify(results));
});
