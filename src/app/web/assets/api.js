// The page's calls to its server: same origin, so the token cookie (if any) goes along.
export async function api(path, body) {
  const res = await fetch(
    path,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const value = await res.json();
  if (!res.ok) throw new Error(`${value.code ?? res.status}: ${value.message ?? ''}`);
  return value;
}

/** An element with attributes and children, text escaped by the DOM. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c));
  return node;
}
