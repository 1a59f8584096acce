// Material's own script, loaded when a reader first needs it.
//
// Mounting everything it offers (its search with the site's index, its sidebars, header and palette) took a
// phone's main thread several hundred milliseconds on every page load: Lighthouse counted it as most of each
// page's blocking time and as the reason of its last paint, and on the calculator page it shared the CPU with
// Pyodide's start. A reader mostly reads. So the page names Material's script (data-material) and this file loads
// it when the reader first reaches for the search (a click, a tap or the focus on it, or Material's keys / s f),
// or at once when the address asks for a search (?q=) or a highlighted result (?h=). Until then the page does
// without it: the light or dark palette and its toggle are applied by the inline script after the header
// (site_src/overrides/main.html), and this file shows the back-to-top button as Material would.
(() => {
  const material = document.currentScript && document.currentScript.dataset.material;
  if (!material) return;
  const mounted = () => Boolean(window.document$); // set by Material's script once it runs
  let requested = false;

  /** Load Material's script once; it mounts on DOMContentLoaded, which has passed by then: say it again. */
  function loadMaterial() {
    if (requested) return;
    requested = true;
    const script = document.createElement("script");
    script.src = new URL(material, document.baseURI).href;
    script.onload = () => {
      if (document.readyState !== "loading") document.dispatchEvent(new Event("DOMContentLoaded"));
      // The search panel was opened while the script loaded: its field takes the typing, as Material's would.
      const query = document.querySelector('[data-md-component="search-query"]');
      if (document.getElementById("__search")?.checked && query) query.focus();
    };
    document.body.append(script);
  }

  const params = new URLSearchParams(location.search);
  if (params.has("q") || params.has("h")) {
    loadMaterial();
    return;
  }
  const search = document.querySelector('[data-md-component="search"]');
  const reachesForSearch = (target) =>
    target instanceof Element && Boolean(target.closest('label[for="__search"], [data-md-component="search"]'));
  document.addEventListener("pointerdown", (event) => reachesForSearch(event.target) && loadMaterial(), true);
  document.addEventListener("focusin", (event) => reachesForSearch(event.target) && loadMaterial(), true);
  document.getElementById("__search")?.addEventListener("change", loadMaterial);
  document.addEventListener("keydown", (event) => {
    if (requested || event.ctrlKey || event.metaKey || event.altKey || !search) return;
    const typing = event.target instanceof Element && event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || !["/", "s", "f"].includes(event.key)) return;
    event.preventDefault(); // as Material does: the key opens the search, it is not typed anywhere
    const toggle = document.getElementById("__search");
    if (toggle) toggle.checked = true; // the search panel opens; Material focuses its field once mounted
    loadMaterial();
  });

  // Back to top (navigation.top): shown while the reader scrolls back up, below the first screen.
  const top = document.querySelector('[data-md-component="top"]');
  if (!top) return;
  let last = null; // read on the first scroll, not at load (reading it then would lay the page out early)
  const show = (visible) => {
    if (top.hidden !== visible) return;
    top.hidden = !visible;
    if (visible) top.removeAttribute("tabindex");
    else top.setAttribute("tabindex", "-1");
  };
  window.addEventListener("scroll", () => {
    if (mounted()) return; // Material's own back-to-top has taken over
    const y = window.scrollY;
    if (last !== null) show(y < last && y > window.innerHeight / 2);
    last = y;
  }, { passive: true });
  top.addEventListener("click", (event) => {
    if (mounted()) return;
    event.preventDefault();
    show(false);
    top.blur();
    window.scrollTo({ top: 0 });
  });
})();
