"""Chinese text gets a Chinese font on macOS, Windows and Debian alike: the base stylesheet
names the CJK fonts each ships (by the family names their font files declare), then the
generic sans-serif."""

from __future__ import annotations

import re

MACOS = {"PingFang SC", "Hiragino Sans GB"}
WINDOWS = {"Microsoft YaHei", "DengXian", "SimHei", "SimSun"}
DEBIAN = {"Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
          "AR PL UMing CN"}


def body_fonts(css: str) -> list[str]:
    rule = re.search(r"(?m)^body\s*\{([^}]*)\}", css)
    assert rule, "the stylesheet has no body rule"
    declaration = re.search(r"font-family:\s*([^;]+);", rule.group(1))
    assert declaration, "the body rule names no font"
    return [name.strip().strip('"') for name in declaration.group(1).split(",")]


def test_the_body_font_stack_covers_every_desktop_and_ends_sans_serif(client):
    stylesheet = client.get("/static/ggzy.css")
    assert stylesheet.status_code == 200
    fonts = body_fonts(stylesheet.text)
    assert set(fonts) >= MACOS | WINDOWS | DEBIAN
    assert fonts[-1] == "sans-serif"
    generic = fonts.index("system-ui")
    assert all(fonts.index(name) < generic for name in MACOS | WINDOWS | DEBIAN)
    assert fonts[:2] == ["PingFang SC", "Hiragino Sans GB"]


def test_form_controls_use_the_same_fonts(client):
    css = client.get("/static/ggzy.css").text
    rule = re.search(r"(?m)^button, input, select, textarea\s*\{([^}]*)\}", css)
    assert rule and "font-family: inherit" in rule.group(1)
