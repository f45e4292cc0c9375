"""Does a page fit a phone? The acceptance check of issue 10 §4, shared by the portal's and the console's tests.

On the page as it is laid out now (call it at 390 px CSS width, and again after `set_text_size`):
- no visible link, button, field, table cell or label extends past the left or right edge of the screen,
  not even inside a horizontally scrolling box, and the page itself does not scroll sideways;
- anything hidden is hidden with display:none or visibility:hidden (anything else counts as visible);
- no table cell or label holding four or more characters is narrower than two characters.
"""

CHECKED = "a, button, input:not([type=hidden]), select, textarea, td, th, label, summary, legend"
NARROW_CHECKED = "td, th, label, legend"

_OFFENDERS = """
([checked, narrowChecked]) => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\\s+/g, " ");
    const id = el.id ? "#" + el.id : "";
    const cls = el.classList.length ? "." + [...el.classList].slice(0, 3).join(".") : "";
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text.slice(0, 30)}"`;
  };
  if (document.documentElement.scrollWidth > width + 1) {
    found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide on a ${width} px screen`);
  }
  for (const el of document.querySelectorAll(checked)) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || (box.width === 0 && box.height === 0)) continue;  // display:none
    const left = box.left + window.scrollX, right = box.right + window.scrollX;
    if (left < -1 || right > width + 1) {
      found.push(`${describe(el)} spans ${Math.round(left)}–${Math.round(right)} px, outside 0–${width}`);
    }
    if (el.matches(narrowChecked)) {
      const chars = [...(el.innerText || "").replace(/\\s+/g, "")].length;
      const em = parseFloat(style.fontSize);
      if (chars >= 4 && box.width < 2 * em - 0.5) {
        found.push(`${describe(el)} holds ${chars} characters in ${Math.round(box.width)} px, under two characters (${2 * em} px)`);
      }
    }
  }
  return found;
}
"""


def layout_offenders(page) -> list[str]:
    """What breaks the phone layout on the page as it is now, in words; empty when it fits."""
    return page.evaluate(_OFFENDERS, [CHECKED, NARROW_CHECKED])


def assert_fits_phone(page) -> None:
    offenders = layout_offenders(page)
    assert not offenders, f"{page.url} does not fit the phone:\n" + "\n".join(offenders)


def set_text_size(page, percent: int) -> None:
    """The phone's larger-text setting (150 % is common among older residents): every rem and em grows."""
    page.add_style_tag(content=f"html{{font-size:{percent}% !important}}")
    page.wait_for_timeout(50)
