"""Does a page fit a phone? The acceptance check of issue 10 §4, shared by the portal's and the console's tests.

At the page's viewport width (390 px CSS, `PHONE`), and again after `set_text_size(page, 150)`:
- no visible link, button, field, table cell or label extends past the left or right edge of the screen, not
  even inside a horizontally scrolling box (its box and its text are both measured), and the page itself
  does not scroll sideways;
- what is hidden is hidden with display:none or visibility:hidden (anything else off screen counts as visible);
- no cell or label holding four or more characters is narrower than two characters of its own font.
"""

PHONE = {"width": 390, "height": 844}

_CHECK = r"""
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ");
    return `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}> 「${text.slice(0, 30)}」`;
  };
  const shown = (el) => {
    if (!el.getClientRects().length) return false;             // display:none here or above
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.visibility === "collapse") return false;
    if (el.type === "hidden") return false;
    return true;
  };
  const textBox = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
    if (!rects.length) return null;
    return { left: Math.min(...rects.map((r) => r.left)), right: Math.max(...rects.map((r) => r.right)) };
  };
  const selector = "a, button, input, select, textarea, td, th, label, summary";
  for (const el of document.querySelectorAll(selector)) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      problems.push(`${describe(el)} 超出屏幕：${Math.round(box.left)}–${Math.round(box.right)}，屏幕宽 ${width}`);
      continue;
    }
    const text = textBox(el);
    if (text && (text.left < -0.5 || text.right > width + 0.5)) {
      problems.push(`${describe(el)} 的文字超出屏幕：${Math.round(text.left)}–${Math.round(text.right)}`);
      continue;
    }
    if (["TD", "TH", "LABEL"].includes(el.tagName)) {
      const chars = Array.from((el.innerText || "").replace(/\s+/g, "")).length;
      const font = parseFloat(getComputedStyle(el).fontSize);
      if (chars >= 4 && box.width < 2 * font) {
        problems.push(`${describe(el)} 太窄：${Math.round(box.width)}px，不足两个字（${2 * font}px）`);
      }
    }
  }
  if (document.documentElement.scrollWidth > width + 0.5) {
    problems.push(`页面可横向滚动：内容宽 ${document.documentElement.scrollWidth}，屏幕宽 ${width}`);
  }
  return problems;
}
"""


def layout_offenders(page) -> list[str]:
    """What breaks the phone layout on the page as it is now, in words; empty when it fits."""
    return page.evaluate(_CHECK)


def assert_fits_phone(page) -> None:
    offenders = layout_offenders(page)
    assert not offenders, f"{page.url} 在 {page.viewport_size['width']} px 宽下：\n" + "\n".join(offenders)


def set_text_size(page, percent: int) -> None:
    """The phone's larger-text setting (150 % is common among older residents): the root font size, which
    rem units follow."""
    page.add_style_tag(content=f"html{{font-size:{percent}% !important}}")
    page.wait_for_timeout(50)
