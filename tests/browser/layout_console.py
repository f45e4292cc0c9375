"""Does a page fit a phone? The acceptance rule of issue 10 for the console, checked in the page itself.

At the page's viewport width: no visible link, button, field, table cell or label extends past the left or
right edge of the screen, not even inside a horizontally scrolling box (its box and its text are both
measured); what is hidden is hidden with display:none or visibility:hidden (anything else that is off screen
counts as visible and fails); and no cell or label holding four or more characters is narrower than two
characters of its own font. `at_text_size(page, 1.5)` makes the page's text 150 % for the same check.
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


def layout_problems(page) -> list[str]:
    return page.evaluate(_CHECK)


def assert_fits_phone(page) -> None:
    problems = layout_problems(page)
    assert not problems, f"{page.url} 在 {page.viewport_size['width']} px 宽下：\n" + "\n".join(problems)


def at_text_size(page, factor: float) -> None:
    """Scale the page's text as a phone's text-size setting does: the root font size, which rem units follow."""
    page.add_style_tag(content=f"html{{font-size:{factor * 100:.0f}% !important}}")
    page.wait_for_timeout(50)
